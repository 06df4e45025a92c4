//! Who may do what (SPEC P3–P8). `decide` is the one function that turns a
//! user's groups and the permissions covering an app into their access;
//! every check on both doors asks the `Access` it returns, never the role.
use super::environment::{EnvName, Environment};
use super::lifecycle::{listed_in_any, release_environment, VersionAction, DEVELOPMENT};
use super::user::Role;
use serde::{Deserialize, Serialize};

/// One group flag (SPEC P3). An unknown name is a parse error, never a
/// flag that silently reads false.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Flag {
    AppCreate,
    AppDelete,
    Promote,
    Release,
    ManageDataSources,
    ManageConstants,
}

impl Flag {
    pub const ALL: [Flag; 6] = [
        Flag::AppCreate,
        Flag::AppDelete,
        Flag::Promote,
        Flag::Release,
        Flag::ManageDataSources,
        Flag::ManageConstants,
    ];

    /// The name in the API, the database column and the forms.
    pub fn name(self) -> &'static str {
        match self {
            Flag::AppCreate => "app_create",
            Flag::AppDelete => "app_delete",
            Flag::Promote => "promote",
            Flag::Release => "release",
            Flag::ManageDataSources => "manage_data_sources",
            Flag::ManageConstants => "manage_constants",
        }
    }

    pub fn parse(name: &str) -> Option<Flag> {
        Flag::ALL.into_iter().find(|f| f.name() == name)
    }
}

/// The combined group flags of a user (SPEC P3; `GET /me`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Flags {
    pub app_create: bool,
    pub app_delete: bool,
    pub promote: bool,
    pub release: bool,
    pub manage_data_sources: bool,
    pub manage_constants: bool,
}

impl Flags {
    pub const ALL: Flags = Flags {
        app_create: true,
        app_delete: true,
        promote: true,
        release: true,
        manage_data_sources: true,
        manage_constants: true,
    };
    pub const NONE: Flags = Flags {
        app_create: false,
        app_delete: false,
        promote: false,
        release: false,
        manage_data_sources: false,
        manage_constants: false,
    };

    pub fn get(&self, flag: Flag) -> bool {
        match flag {
            Flag::AppCreate => self.app_create,
            Flag::AppDelete => self.app_delete,
            Flag::Promote => self.promote,
            Flag::Release => self.release,
            Flag::ManageDataSources => self.manage_data_sources,
            Flag::ManageConstants => self.manage_constants,
        }
    }

    pub fn set(&mut self, flag: Flag, on: bool) {
        let field = match flag {
            Flag::AppCreate => &mut self.app_create,
            Flag::AppDelete => &mut self.app_delete,
            Flag::Promote => &mut self.promote,
            Flag::Release => &mut self.release,
            Flag::ManageDataSources => &mut self.manage_data_sources,
            Flag::ManageConstants => &mut self.manage_constants,
        };
        *field = on;
    }

    pub fn any(&self) -> bool {
        Flag::ALL.iter().any(|f| self.get(*f))
    }

    /// The names of the flags that are on.
    pub fn on(&self) -> Vec<&'static str> {
        Flag::ALL
            .into_iter()
            .filter(|f| self.get(*f))
            .map(Flag::name)
            .collect()
    }

    /// The flags a user has from their groups (P3): the union over groups;
    /// admins have every flag always, end-users none whatever a group says.
    pub fn combined(role: Role, groups: &[GroupFlags]) -> Flags {
        match role {
            Role::Admin => Flags::ALL,
            Role::EndUser => Flags::NONE,
            Role::Builder => {
                let mut all = Flags::NONE;
                for g in groups {
                    for f in Flag::ALL {
                        if g.flags.get(f) {
                            all.set(f, true);
                        }
                    }
                }
                all
            }
        }
    }
}

impl Flags {
    /// Why the user may not create apps (P3), if they may not: the create
    /// form is disabled with this text and the server refuses with it.
    pub fn app_create_denial(&self) -> Option<String> {
        self.denial(Flag::AppCreate)
    }

    /// Why the user may not do what `flag` allows, if they may not: the
    /// page disables the control with this text and the server refuses
    /// with it (P3, P9).
    pub fn denial(&self, flag: Flag) -> Option<String> {
        (!self.get(flag)).then(|| format!("You do not have the {} permission", flag.name()))
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
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum Level {
    None,
    View,
    Edit,
}

pub use super::environment::RELEASED;

/// A change to a whole app (P11): it acts on every environment at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum AppChange {
    /// Renaming the app or changing its slug.
    Rename,
    /// Deleting the app (also needs `app_delete`).
    Delete,
    /// Making the app public or private (also needs `release`).
    Publish,
}

/// What a user may do with one app: the level, the environments it
/// applies in (names, and `released`), and the user's flags.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Access {
    pub level: Level,
    pub environments: Vec<EnvName>,
    pub flags: Flags,
}

/// A group's name and flags, as far as a user's access needs them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupFlags {
    pub group_name: String,
    pub flags: Flags,
}

/// One app permission of one of the user's groups that covers the app (P4).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Grant {
    pub permission_id: String,
    pub group_name: String,
    pub all_apps: bool,
    pub access: Level,
    /// As stored: empty means every environment, `released` included.
    pub environments: Vec<String>,
    pub hide_from_dashboard: bool,
}

/// Everything `decide` needs about the user and one app.
#[derive(Debug, Clone, Copy)]
pub struct Subject<'a> {
    pub role: Role,
    pub is_creator: bool,
    /// Every group the user is in, their role group included.
    pub groups: &'a [GroupFlags],
    /// The permissions of those groups that cover the app.
    pub grants: &'a [Grant],
}

/// The access, whether the app is hidden from the user's dashboard, and (from
/// `explain`) the reasons, one line per group, permission or rule (B6).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Decision {
    pub access: Access,
    pub hidden: bool,
    pub because: Vec<String>,
}

fn every_environment(envs: &[Environment]) -> Vec<EnvName> {
    let mut sorted: Vec<&Environment> = envs.iter().collect();
    sorted.sort_by_key(|e| e.priority);
    let mut all: Vec<EnvName> = sorted.iter().map(|e| e.name.clone()).collect();
    all.push(RELEASED);
    all
}

fn describe(g: &Grant) -> String {
    let level = if g.access == Level::Edit {
        "edit"
    } else {
        "view"
    };
    let apps = if g.all_apps { "all apps" } else { "this app" };
    let envs = if g.environments.is_empty() {
        "every environment".to_string()
    } else {
        g.environments.join(", ")
    };
    let hidden = if g.hide_from_dashboard {
        " (hidden from the dashboard)"
    } else {
        ""
    };
    format!(
        "Group \"{}\": {level} on {apps} in {envs}{hidden}",
        g.group_name
    )
}

/// P5/P6: combine the covering permissions. Edit wins over view, the
/// environments are the union (none listed = all), the level applies in
/// every environment of the union; admins and creators (while admin or
/// builder) edit everywhere; end-users view at most; no covering permission
/// and no rule means no access at all.
pub fn decide(s: &Subject, envs: &[Environment]) -> Decision {
    combine(s, envs, false)
}

/// `decide`, with the reasons filled in (B6). Lists of apps skip them: a
/// dashboard of thousands of apps has no use for thousands of sentences.
pub fn explain(s: &Subject, envs: &[Environment]) -> Decision {
    combine(s, envs, true)
}

fn combine(s: &Subject, envs: &[Environment], explain: bool) -> Decision {
    let all = every_environment(envs);
    let mut because = Vec::new();
    let mut note = |line: &dyn Fn() -> String| {
        if explain {
            because.push(line());
        }
    };
    let mut level = Level::None;
    let mut granted: Vec<&str> = Vec::new();
    let mut shown = false;
    if s.role == Role::Admin {
        note(&|| "Role admin: edit in every environment and every flag, always".to_string());
        level = Level::Edit;
        granted.extend(all.iter().map(|e| e.as_str()));
        shown = true;
    }
    if s.is_creator && s.role != Role::EndUser {
        note(&|| "Creator of this app: edit in every environment".to_string());
        level = Level::Edit;
        granted.extend(all.iter().map(|e| e.as_str()));
        shown = true;
    }
    for g in s.grants {
        // A permission whose environments have all gone grants nothing; it
        // never widens to "all" (P4).
        if !g.environments.is_empty() && !g.environments.iter().any(|e| all.iter().any(|a| a == e))
        {
            continue;
        }
        note(&|| describe(g));
        level = level.max(g.access);
        shown |= !g.hide_from_dashboard;
        if g.environments.is_empty() {
            granted.extend(all.iter().map(|e| e.as_str()));
        } else {
            granted.extend(g.environments.iter().map(String::as_str));
        }
    }
    if s.role == Role::EndUser && level == Level::Edit {
        note(&|| "Role end-user: view at most".to_string());
        level = Level::View;
    }
    if level == Level::None {
        note(&|| "No permission of the user's groups covers this app".to_string());
    }
    let flags = Flags::combined(s.role, s.groups);
    for flag in Flag::ALL {
        note(&|| flag_reason(s.role, s.groups, flag));
    }
    // The expanded union, in priority order, `released` last; names of
    // environments that no longer exist fall away.
    let environments = if level == Level::None {
        Vec::new()
    } else {
        all.iter()
            .filter(|e| granted.contains(&e.as_str()))
            .cloned()
            .collect()
    };
    Decision {
        access: Access {
            level,
            environments,
            flags,
        },
        hidden: level == Level::None || !shown,
        because,
    }
}

fn flag_reason(role: Role, groups: &[GroupFlags], flag: Flag) -> String {
    let name = flag.name();
    match role {
        Role::Admin => format!("Flag {name}: on (role admin)"),
        Role::EndUser => format!("Flag {name}: off (end-users cannot have flags)"),
        Role::Builder => {
            let from: Vec<String> = groups
                .iter()
                .filter(|g| g.flags.get(flag))
                .map(|g| format!("\"{}\"", g.group_name))
                .collect();
            if from.is_empty() {
                format!("Flag {name}: off (no group of the user has it)")
            } else {
                format!("Flag {name}: on (from group {})", from.join(", "))
            }
        }
    }
}

/// The access answer of `GET /users/{id}/access/{app_id}` (B6).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Explanation {
    pub level: Level,
    pub environments: Vec<EnvName>,
    pub can: Can,
    pub because: Vec<String>,
}

/// `can` of the access answer (API.md): about permissions alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Can {
    pub edit: bool,
    pub create_version: bool,
    pub promote: bool,
    pub release: bool,
    pub open_released: bool,
}

impl Access {
    pub fn has(&self, env: &EnvName) -> bool {
        self.environments.contains(env)
    }

    fn edits_in(&self, env: &EnvName) -> bool {
        self.level == Level::Edit && self.has(env)
    }

    /// V9: whether a version in `version_env` is listed in any environment
    /// of the user's (the one rule for lists, the dashboard and opening a
    /// version).
    pub fn lists_version(&self, version_env: &EnvName, envs: &[Environment]) -> bool {
        listed_in_any(envs, version_env, self.listable())
    }

    /// Environments (not `released`) in which versions may be listed.
    pub fn listable(&self) -> impl Iterator<Item = &EnvName> {
        self.environments.iter().filter(|e| **e != RELEASED)
    }

    pub fn can(&self, envs: &[Environment]) -> Can {
        let release_env = release_environment(envs).map(|e| &e.name);
        Can {
            edit: self.edits_in(&DEVELOPMENT),
            create_version: self.edits_in(&DEVELOPMENT),
            promote: self.flags.promote
                && self.level == Level::Edit
                && self.listable().any(|e| Some(e) != release_env),
            release: self.flags.release && release_env.is_some_and(|e| self.edits_in(e)),
            open_released: self.has(&RELEASED),
        }
    }

    /// Why this user may not make the app-wide `change` (P11), if they may
    /// not: first the flag it needs, then edit access in every environment
    /// of the installation (`envs`; `released` is not one), naming the first
    /// missing one in priority order. The pages show this text on the
    /// disabled control; the server refuses with it.
    pub fn app_wide_denial(&self, change: AppChange, envs: &[Environment]) -> Option<String> {
        match change {
            AppChange::Delete if !self.flags.app_delete => {
                return Some("You do not have the App delete permission".into())
            }
            AppChange::Publish if !self.flags.release => {
                return Some("You do not have the Release permission".into())
            }
            _ => {}
        }
        let mut sorted: Vec<&Environment> = envs.iter().collect();
        sorted.sort_by_key(|e| e.priority);
        if let Some(missing) = sorted.into_iter().find(|e| !self.edits_in(&e.name)) {
            return Some(format!("You do not have edit access in {}", missing.name));
        }
        // Without any environment there is nothing to name; edit is still needed.
        (self.level != Level::Edit).then(|| "You do not have edit access to this app".to_string())
    }

    /// Why this user has no edit access in `env`, if they have none: what
    /// opening the builder there and running queries need (P7).
    pub fn edit_denial(&self, env: &EnvName) -> Option<String> {
        (!self.edits_in(env)).then(|| format!("You do not have edit access in {env}"))
    }

    /// Why this user may not do `action` to a version in `version_env` (P8).
    pub fn denial(
        &self,
        action: VersionAction,
        version_env: &EnvName,
        envs: &[Environment],
    ) -> Option<String> {
        let need_edit = |env: &EnvName| self.edit_denial(env);
        match action {
            VersionAction::Edit | VersionAction::Save | VersionAction::CreateFrom => {
                need_edit(&DEVELOPMENT)
            }
            VersionAction::Delete => need_edit(version_env),
            VersionAction::Promote if !self.flags.promote => {
                Some("You do not have the Promote permission".into())
            }
            VersionAction::Promote => need_edit(version_env),
            VersionAction::Release if !self.flags.release => {
                Some("You do not have the Release permission".into())
            }
            // No environments at all cannot happen (E1); then nothing is released.
            VersionAction::Release => match release_environment(envs) {
                Some(e) => need_edit(&e.name),
                None => Some("There is no environment to release from".into()),
            },
        }
    }
}
