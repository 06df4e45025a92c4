//! The app lifecycle (SPEC A1–A2, V1–V10): names, slugs, what may happen to
//! a version in which state, and where promote goes. Pure: the pages use it
//! to disable buttons with the reason the server refuses with.
use super::access::Access;
use super::environment::{EnvName, Environment};
use crate::error::{AppError, AppResult};
use serde::{Deserialize, Serialize};

pub use super::environment::DEVELOPMENT;

fn trimmed_len_between(raw: &str, field: &str, what: &str, max: usize) -> AppResult<String> {
    super::input::bounded_text(raw, field, what, max, &format!("{what} is required"))
}

/// A1: 1–50 characters after trimming.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppName(String);

impl AppName {
    pub fn parse(raw: &str) -> AppResult<AppName> {
        trimmed_len_between(raw, "name", "Name", 50).map(AppName)
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A1: `^[a-z0-9][a-z0-9-]{0,62}$`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slug(String);

impl Slug {
    pub const MAX_LEN: usize = 63;

    pub fn parse(raw: &str) -> AppResult<Slug> {
        let ok = !raw.is_empty()
            && raw.len() <= Self::MAX_LEN
            && raw
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !raw.starts_with('-');
        if ok {
            Ok(Slug(raw.to_string()))
        } else {
            Err(AppError::invalid(
                "slug",
                "Slug must be 1–63 lower-case letters, digits and '-', not starting with '-'",
            ))
        }
    }

    /// A1: lower-case the name, turn each run outside `[a-z0-9]` into one
    /// `-`, trim `-` at both ends, cut to 63 characters.
    pub fn derive(name: &str) -> AppResult<Slug> {
        let mut out = String::new();
        for c in name.to_lowercase().chars() {
            if c.is_ascii_lowercase() || c.is_ascii_digit() {
                out.push(c);
            } else if !out.ends_with('-') {
                out.push('-');
            }
        }
        let cut: String = out.trim_matches('-').chars().take(Self::MAX_LEN).collect();
        let cut = cut.trim_end_matches('-').to_string();
        if cut.is_empty() {
            return Err(AppError::invalid(
                "slug",
                "A slug cannot be made from this name; give one",
            ));
        }
        Slug::parse(&cut)
    }

    /// The `n`th candidate when the derived slug is taken: `-2`, `-3`, …,
    /// cutting the base so the whole stays within 63 characters.
    pub fn with_suffix(&self, n: u32) -> Slug {
        let suffix = format!("-{n}");
        let base: String = self.0.chars().take(Self::MAX_LEN - suffix.len()).collect();
        Slug(format!("{}{suffix}", base.trim_end_matches('-')))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// V1: 1–25 characters after trimming.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionName(String);

impl VersionName {
    pub fn parse(raw: &str) -> AppResult<VersionName> {
        trimmed_len_between(raw, "name", "Version name", 25).map(VersionName)
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// V1: at most 500 characters.
pub fn parse_description(raw: &str) -> AppResult<String> {
    if raw.chars().count() > 500 {
        return Err(AppError::invalid(
            "description",
            "Description must be at most 500 characters",
        ));
    }
    Ok(raw.trim().to_string())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum VersionStatus {
    Draft,
    Saved,
}

impl VersionStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            VersionStatus::Draft => "draft",
            VersionStatus::Saved => "saved",
        }
    }
    pub fn parse(raw: &str) -> Option<VersionStatus> {
        match raw {
            "draft" => Some(VersionStatus::Draft),
            "saved" => Some(VersionStatus::Saved),
            _ => None,
        }
    }
}

/// What the rules need to know of a version.
#[derive(Debug, Clone, PartialEq)]
pub struct VersionFacts<'a> {
    pub status: VersionStatus,
    pub environment: &'a EnvName,
    pub released: bool,
    /// How many versions the app has, this one included.
    pub versions_in_app: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum VersionAction {
    /// Change the definition, rename or describe (V3).
    Edit,
    Save,
    Promote,
    Release,
    Delete,
    /// Create a new version from this one (V2).
    CreateFrom,
}

/// The environment one step after `current` (V5), if any.
pub fn next_environment<'e>(envs: &'e [Environment], current: &EnvName) -> Option<&'e Environment> {
    let here = envs.iter().find(|e| e.name == *current)?;
    envs.iter()
        .filter(|e| e.priority > here.priority)
        .min_by_key(|e| e.priority)
}

/// The environment releases come from: the highest priority (E1).
pub fn release_environment(envs: &[Environment]) -> Option<&Environment> {
    envs.iter().max_by_key(|e| e.priority)
}

/// Why `action` may not happen to this version for this user, if it may not:
/// first the permission (403), then the state (409). The pages show this
/// text on the disabled button; the server refuses with it.
pub fn refusal(
    action: VersionAction,
    v: &VersionFacts,
    access: &Access,
    envs: &[Environment],
) -> Option<AppError> {
    if let Some(reason) = access.denial(action, v.environment, envs) {
        return Some(AppError::forbidden(reason));
    }
    state_refusal(action, v, envs).map(AppError::conflict)
}

/// The state rules alone (V3–V8).
pub fn state_refusal(
    action: VersionAction,
    v: &VersionFacts,
    envs: &[Environment],
) -> Option<&'static str> {
    let draft = v.status == VersionStatus::Draft;
    let is_release_env = release_environment(envs).is_some_and(|e| e.name == *v.environment);
    match action {
        VersionAction::Edit if !draft => Some("Only draft versions can be edited or renamed"),
        VersionAction::Edit if *v.environment != DEVELOPMENT => {
            Some("Versions are edited only in development")
        }
        VersionAction::Save if !draft => Some("This version is already saved"),
        VersionAction::Promote if draft => Some("Save this version before promoting it"),
        VersionAction::Promote if next_environment(envs, v.environment).is_none() => {
            Some("Production is the last environment; release this version instead")
        }
        VersionAction::Release if !is_release_env => Some("Versions are released from production"),
        VersionAction::Delete if v.released => Some("The released version cannot be deleted"),
        VersionAction::Delete if v.versions_in_app <= 1 => {
            Some("An app's only version cannot be deleted")
        }
        _ => None,
    }
}

/// V9: whether a version in `version_env` is listed in `listing_env`:
/// development lists every version; any other environment lists versions
/// whose environment has that priority or higher.
pub fn listed_in(envs: &[Environment], version_env: &EnvName, listing_env: &EnvName) -> bool {
    let prio = |n: &EnvName| envs.iter().find(|e| e.name == *n).map(|e| e.priority);
    let lowest = envs.iter().map(|e| e.priority).min();
    match (prio(version_env), prio(listing_env)) {
        (Some(v), Some(l)) => Some(l) == lowest || v >= l,
        _ => false,
    }
}

/// V9 over several listing environments: whether a version in
/// `version_env` is listed in any of them (`released` lists nothing).
pub fn listed_in_any<'a>(
    envs: &[Environment],
    version_env: &EnvName,
    mut listing: impl Iterator<Item = &'a EnvName>,
) -> bool {
    listing.any(|l| listed_in(envs, version_env, l))
}

/// The environments whose versions `listing` shows (V9), for filtering in
/// SQL with the same rule.
pub fn environments_listed<'e>(envs: &'e [Environment], listing: &[&EnvName]) -> Vec<&'e EnvName> {
    envs.iter()
        .filter(|e| listed_in_any(envs, &e.name, listing.iter().copied()))
        .map(|e| &e.name)
        .collect()
}
