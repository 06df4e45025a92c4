//! Who may do what. Until granular permissions land this applies the role
//! defaults of SPEC P3/P5; callers ask it, never the role directly.
use super::user::Role;
use serde::{Deserialize, Serialize};

/// The combined group flags of a user (SPEC P3; `GET /me`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Flags {
    pub app_create: bool,
    pub app_delete: bool,
    pub promote: bool,
    pub release: bool,
    pub manage_data_sources: bool,
    pub manage_constants: bool,
}

impl Flags {
    const ALL: Flags = Flags {
        app_create: true,
        app_delete: true,
        promote: true,
        release: true,
        manage_data_sources: true,
        manage_constants: true,
    };
    const NONE: Flags = Flags {
        app_create: false,
        app_delete: false,
        promote: false,
        release: false,
        manage_data_sources: false,
        manage_constants: false,
    };

    /// Role defaults: admin all (always), builder all, end-user none (P3).
    pub fn for_role(role: Role) -> Flags {
        match role {
            Role::Admin | Role::Builder => Flags::ALL,
            Role::EndUser => Flags::NONE,
        }
    }
}

/// Users, groups and the audit log are admin-only (P9). Returns the reason
/// to show (and to refuse with) when the user may not.
pub fn administer_denied(role: Role) -> Option<&'static str> {
    (role != Role::Admin).then_some("Only admins can manage users, groups and the audit log")
}
