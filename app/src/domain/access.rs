//! Who may do what. Until granular permissions land this applies the role
//! defaults of SPEC P3/P5; callers ask it, never the role directly.
use super::environment::Environment;
use super::lifecycle::{VersionAction, DEVELOPMENT};
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

/// An access level to an app (SPEC P4, P6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    None,
    View,
    Edit,
}

/// The pseudo-environment "open the released app" (P4).
pub const RELEASED: &str = "released";

/// What a user may do with one app: the level, the environments it
/// applies in (names, and `released`), and the user's flags.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Access {
    pub level: Level,
    pub environments: Vec<String>,
    pub flags: Flags,
}

/// `can` of the access answer (API.md): about permissions alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Can {
    pub edit: bool,
    pub create_version: bool,
    pub promote: bool,
    pub release: bool,
    pub open_released: bool,
}

impl Access {
    /// The role defaults of P3/P5: admins and builders edit everywhere;
    /// end-users view the released app only. The permissions issue replaces
    /// the inside of this function, not its callers.
    pub fn for_role(role: Role, envs: &[Environment]) -> Access {
        let mut all: Vec<String> = envs.iter().map(|e| e.name.clone()).collect();
        all.push(RELEASED.to_string());
        match role {
            Role::Admin | Role::Builder => Access {
                level: Level::Edit,
                environments: all,
                flags: Flags::for_role(role),
            },
            Role::EndUser => Access {
                level: Level::View,
                environments: vec![RELEASED.to_string()],
                flags: Flags::for_role(role),
            },
        }
    }

    pub fn has(&self, env: &str) -> bool {
        self.environments.iter().any(|e| e == env)
    }

    fn edits_in(&self, env: &str) -> bool {
        self.level == Level::Edit && self.has(env)
    }

    /// Environments (not `released`) in which versions may be listed.
    pub fn listable(&self) -> impl Iterator<Item = &str> {
        self.environments
            .iter()
            .map(String::as_str)
            .filter(|e| *e != RELEASED)
    }

    pub fn can(&self, envs: &[Environment]) -> Can {
        let release_env = envs
            .iter()
            .max_by_key(|e| e.priority)
            .map(|e| e.name.as_str());
        Can {
            edit: self.edits_in(DEVELOPMENT),
            create_version: self.edits_in(DEVELOPMENT),
            promote: self.flags.promote
                && self.level == Level::Edit
                && self.listable().any(|e| Some(e) != release_env),
            release: self.flags.release && release_env.is_some_and(|e| self.edits_in(e)),
            open_released: self.has(RELEASED),
        }
    }

    /// Why this user may not do `action` to a version in `version_env` (P8).
    pub fn denial(
        &self,
        action: VersionAction,
        version_env: &str,
        envs: &[Environment],
    ) -> Option<String> {
        let release_env = envs
            .iter()
            .max_by_key(|e| e.priority)
            .map(|e| e.name.as_str())
            .unwrap_or("production");
        let need_edit = |env: &str| {
            (!self.edits_in(env)).then(|| format!("You do not have edit access in {env}"))
        };
        match action {
            VersionAction::Edit | VersionAction::Save | VersionAction::CreateFrom => {
                need_edit(DEVELOPMENT)
            }
            VersionAction::Delete => need_edit(version_env),
            VersionAction::Promote if !self.flags.promote => {
                Some("You do not have the Promote permission".into())
            }
            VersionAction::Promote => need_edit(version_env),
            VersionAction::Release if !self.flags.release => {
                Some("You do not have the Release permission".into())
            }
            VersionAction::Release => need_edit(release_env),
        }
    }
}
