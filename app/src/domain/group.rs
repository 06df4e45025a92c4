//! Groups and app permissions (SPEC P2–P5): what they look like, what input
//! is valid, and the end-user rules of P3/P4 that refuse a change.
use super::access::{Flag, Flags, Level};
use super::environment::{EnvName, Environment};
use super::input::Validate;
use super::user::{Role, UserName};
use crate::error::{AppError, AppResult};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A group's name follows the rules of a person's name (1–100 characters
/// after trimming); names are unique ignoring case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupName(String);

impl GroupName {
    pub fn parse(raw: &str) -> AppResult<GroupName> {
        Ok(GroupName(UserName::parse(raw)?.as_str().to_string()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum GroupKind {
    Role,
    Custom,
}

/// The apps a permission covers: every app (future ones too) or a list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Apps {
    All,
    List(Vec<String>),
}

/// In the OpenAPI document: `"all"` or a list of app ids.
#[cfg(feature = "ssr")]
impl utoipa::PartialSchema for Apps {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, OneOfBuilder, Type};
        OneOfBuilder::new()
            .item(
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .enum_values(Some(["all"])),
            )
            .item(ArrayBuilder::new().items(ObjectBuilder::new().schema_type(Type::String)))
            .into()
    }
}

#[cfg(feature = "ssr")]
impl utoipa::ToSchema for Apps {}

impl Serialize for Apps {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Apps::All => s.serialize_str("all"),
            Apps::List(ids) => ids.serialize(s),
        }
    }
}

impl<'de> Deserialize<'de> for Apps {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match serde_json::Value::deserialize(d)? {
            serde_json::Value::String(s) if s == "all" => Ok(Apps::All),
            v => serde_json::from_value(v)
                .map(Apps::List)
                .map_err(|_| serde::de::Error::custom("apps must be \"all\" or a list of app ids")),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PermissionView {
    pub id: String,
    pub apps: Apps,
    pub access: Level,
    pub environments: Vec<String>,
    pub hide_from_dashboard: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct GroupView {
    pub id: String,
    pub name: String,
    pub kind: GroupKind,
    pub flags: Flags,
    pub members: Vec<String>,
    pub app_permissions: Vec<PermissionView>,
}

impl GroupView {
    /// The role a role group stands for (they are named after it).
    pub fn role(&self) -> Option<Role> {
        match self.kind {
            GroupKind::Role => Role::parse(&self.name).ok(),
            GroupKind::Custom => None,
        }
    }
}

/// What the page of one group needs: the group, and the users, apps and
/// environments its forms choose from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupPage {
    pub group: GroupView,
    pub choices: Choices,
    /// The environments a permission may name, `released` last.
    pub environments: Vec<String>,
}

/// The users and apps (id, name; by name) an admin's forms choose from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Choices {
    pub users: Vec<super::user::User>,
    pub apps: Vec<(String, String)>,
}

/// What the P2–P4 rules need to know about a group.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupFacts {
    pub name: String,
    pub role: Option<Role>,
    pub flags: Flags,
    /// The names of the end-users among its members.
    pub end_users: Vec<String>,
    pub holds_edit: bool,
}

/// P3/P4: what a group holding end-users may not get, said for the
/// end-user group (`group_cannot`) or for a custom one (`users_cannot`).
fn end_user_refusal(g: &GroupFacts, group_cannot: &str, users_cannot: &str) -> Option<String> {
    if g.role == Some(Role::EndUser) {
        Some(format!("The end-user group cannot {group_cannot}"))
    } else if !g.end_users.is_empty() {
        Some(format!(
            "Group \"{}\" holds end-users ({}), who cannot {users_cannot}",
            g.name,
            g.end_users.join(", ")
        ))
    } else {
        None
    }
}

/// `POST /groups` as sent.
#[derive(Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct NewGroupInput {
    #[serde(default)]
    pub name: String,
}

impl Validate for NewGroupInput {
    type Valid = GroupName;
    fn validate(self) -> AppResult<GroupName> {
        GroupName::parse(&self.name)
    }
}

/// `PATCH /groups/{id}` as sent: a new name, and flags to set (each named
/// flag true or false; the rest stay).
#[derive(Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct GroupChangeInput {
    pub name: Option<String>,
    pub flags: Option<std::collections::BTreeMap<String, bool>>,
}

pub struct GroupChange {
    pub name: Option<GroupName>,
    pub flags: Option<FlagsChange>,
}

impl Validate for GroupChangeInput {
    type Valid = GroupChange;
    fn validate(self) -> AppResult<GroupChange> {
        Ok(GroupChange {
            name: self.name.as_deref().map(GroupName::parse).transpose()?,
            flags: self
                .flags
                .map(|f| FlagsChange::parse(f.into_iter().collect()))
                .transpose()?,
        })
    }
}

/// `POST /groups/{id}/app-permissions` as sent. Its checks need the
/// environments that exist (`NewPermission::parse`), so the service reads
/// it with `Input::read`.
#[derive(Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PermissionInput {
    pub apps: Option<Apps>,
    pub access: Option<String>,
    pub environments: Option<Vec<String>>,
    pub hide_from_dashboard: Option<bool>,
}

impl Validate for PermissionInput {
    type Valid = PermissionInput;
    fn validate(self) -> AppResult<PermissionInput> {
        Ok(self)
    }
}

/// A permission as posted, validated against the environments that exist.
#[derive(Debug, Clone, PartialEq)]
pub struct NewPermission {
    pub apps: Apps,
    pub access: Level,
    pub environments: Vec<String>,
    pub hide_from_dashboard: bool,
}

impl NewPermission {
    /// Fields are checked in the order API.md lists them. `apps` ids are
    /// checked for existence by the caller, who can see the apps.
    pub fn parse(
        apps: Option<Apps>,
        access: Option<&str>,
        environments: Vec<String>,
        hide_from_dashboard: bool,
        known_environments: &[Environment],
    ) -> AppResult<NewPermission> {
        let apps = match apps {
            None => {
                return Err(AppError::invalid(
                    "apps",
                    "apps is required: \"all\" or a list of app ids",
                ))
            }
            Some(Apps::List(ids)) if ids.is_empty() => {
                return Err(AppError::invalid(
                    "apps",
                    "Choose at least one app, or all apps",
                ))
            }
            Some(Apps::List(ids)) => {
                // Echoed as posted, each id once.
                let mut once: Vec<String> = Vec::with_capacity(ids.len());
                for id in ids {
                    if !once.contains(&id) {
                        once.push(id);
                    }
                }
                Apps::List(once)
            }
            Some(Apps::All) => Apps::All,
        };
        let access = match access {
            Some("edit") => Level::Edit,
            Some("view") => Level::View,
            _ => return Err(AppError::invalid("access", "access must be edit or view")),
        };
        let mut seen: Vec<String> = Vec::new();
        for raw in environments {
            let e = EnvName::granted("environments", &raw, known_environments)?;
            if !seen.iter().any(|s| s == e.as_str()) {
                seen.push(e.as_str().to_string());
            }
        }
        if hide_from_dashboard && access == Level::Edit {
            return Err(AppError::invalid(
                "hide_from_dashboard",
                "Only a view permission can hide apps from the dashboard",
            ));
        }
        Ok(NewPermission {
            apps,
            access,
            environments: seen,
            hide_from_dashboard,
        })
    }
}

/// A change of flags: each one given is set, the rest stay.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FlagsChange(pub Vec<(Flag, bool)>);

impl FlagsChange {
    pub fn parse(pairs: Vec<(String, bool)>) -> AppResult<FlagsChange> {
        pairs
            .into_iter()
            .map(|(name, on)| {
                Flag::parse(&name).map(|f| (f, on)).ok_or_else(|| {
                    AppError::invalid("flags", format!("There is no flag named {name:?}"))
                })
            })
            .collect::<AppResult<Vec<_>>>()
            .map(FlagsChange)
    }

    pub fn apply(&self, mut flags: Flags) -> Flags {
        for (flag, on) in &self.0 {
            flags.set(*flag, *on);
        }
        flags
    }
}

/// P3: why a role group's flags cannot be edited at all, if they cannot.
/// The group page disables its flags with this text; the server refuses
/// with it.
pub fn flags_locked(role: Option<Role>) -> Option<&'static str> {
    match role {
        Some(Role::Admin) => Some("The admin group always has every flag and cannot be changed"),
        Some(Role::EndUser) => Some("The end-user group cannot have any flag"),
        _ => None,
    }
}

/// P2/P3: why the group's name or flags may not change this way.
pub fn group_change_refusal(g: &GroupFacts, renamed: bool, flags: Option<Flags>) -> Option<String> {
    if g.role == Some(Role::Admin) && (renamed || flags.is_some_and(|f| f != g.flags)) {
        return flags_locked(g.role).map(str::to_string);
    }
    if g.role.is_some() && renamed {
        return Some(format!("The role group \"{}\" cannot be renamed", g.name));
    }
    let newly_on: Vec<&str> = flags
        .map(|f| {
            Flag::ALL
                .into_iter()
                .filter(|x| f.get(*x) && !g.flags.get(*x))
                .map(Flag::name)
                .collect()
        })
        .unwrap_or_default();
    if !newly_on.is_empty() {
        if g.role == Some(Role::EndUser) {
            return flags_locked(g.role).map(str::to_string);
        }
        return end_user_refusal(g, "have any flag", "have flags");
    }
    None
}

/// P2: role groups are not deleted.
pub fn group_delete_refusal(g: &GroupFacts) -> Option<String> {
    g.role
        .map(|_| format!("The role group \"{}\" cannot be deleted", g.name))
}

/// P2/P3/P4: why this user may not join (or, with `joining = false`, leave)
/// the group.
pub fn membership_refusal(g: &GroupFacts, user_role: Role, joining: bool) -> Option<String> {
    if g.role.is_some() {
        return Some(format!(
            "Membership of the role group \"{}\" changes only with the user's role",
            g.name
        ));
    }
    if !joining || user_role != Role::EndUser {
        return None;
    }
    if g.flags.any() {
        return Some(format!(
            "An end-user cannot join group \"{}\": it has flags ({})",
            g.name,
            g.flags.on().join(", ")
        ));
    }
    if g.holds_edit {
        return Some(format!(
            "An end-user cannot join group \"{}\": it holds an edit permission",
            g.name
        ));
    }
    None
}

/// P4/P5: why the group may not hold this permission.
pub fn permission_refusal(g: &GroupFacts, access: Level) -> Option<String> {
    if g.role == Some(Role::Admin) {
        return Some(
            "The admin group always has edit on every app; it holds no permissions".into(),
        );
    }
    if access == Level::Edit {
        return end_user_refusal(g, "hold an edit permission", "have edit access");
    }
    None
}

/// P3/P4: a user cannot become an end-user while in a group with flags or
/// an edit permission; the refusal names those groups.
pub fn role_change_refusal(new_role: Role, custom_groups: &[GroupFacts]) -> Option<String> {
    if new_role != Role::EndUser {
        return None;
    }
    let blocking: Vec<String> = custom_groups
        .iter()
        .filter(|g| g.role.is_none() && (g.flags.any() || g.holds_edit))
        .map(|g| format!("\"{}\"", g.name))
        .collect();
    (!blocking.is_empty()).then(|| {
        format!(
            "This user cannot become an end-user while in groups with flags or edit permissions: {}",
            blocking.join(", ")
        )
    })
}
