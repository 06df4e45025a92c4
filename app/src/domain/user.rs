//! Users and their validated fields (SPEC P1). Parse, don't validate: past
//! these constructors nothing is a bare string.
use super::input::Validate;
use crate::error::{AppError, AppResult};
use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum Role {
    Admin,
    Builder,
    EndUser,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Admin, Role::Builder, Role::EndUser];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Builder => "builder",
            Role::EndUser => "end-user",
        }
    }

    /// 0 for the widest rights: admin, builder, end user.
    pub fn rank(self) -> usize {
        Role::ALL
            .iter()
            .position(|r| *r == self)
            .expect("every role is in ALL")
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::Admin => "Admin",
            Role::Builder => "Builder",
            Role::EndUser => "End user",
        }
    }

    pub fn parse(raw: &str) -> AppResult<Role> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == raw.trim())
            .ok_or_else(|| {
                AppError::invalid("role", "Role must be one of admin, builder, end-user")
            })
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An email address, trimmed and lower-cased: emails are unique without
/// regard to case (P1), so the stored form is the compared form.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Email(String);

impl Email {
    pub const MAX_LEN: usize = 254;

    pub fn parse(raw: &str) -> AppResult<Email> {
        let e = raw.trim().to_lowercase();
        let invalid = |m: &str| Err(AppError::invalid("email", m));
        if e.is_empty() {
            return invalid("Email is required");
        }
        if e.chars().count() > Self::MAX_LEN {
            return invalid("Email must be at most 254 characters");
        }
        let Some((local, domain)) = e.split_once('@') else {
            return invalid("Email must look like name@example.com");
        };
        let domain_ok = !domain.is_empty()
            && !domain.contains('@')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..");
        if local.is_empty() || !domain_ok || e.chars().any(|c| c.is_whitespace() || c.is_control())
        {
            return invalid("Email must look like name@example.com");
        }
        Ok(Email(e))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A person's display name: 1–100 characters after trimming (P1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserName(String);

impl UserName {
    pub const MAX_LEN: usize = 100;

    pub fn parse(raw: &str) -> AppResult<UserName> {
        super::input::bounded_text(raw, "name", "Name", Self::MAX_LEN, "Name is required")
            .map(UserName)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A new password: at least 8 characters (P1), at most 1,000 so hashing
/// cannot be used to exhaust the server. Never displayed or logged: it is
/// held in a `secrecy` box, wiped from memory when dropped.
#[derive(Clone)]
pub struct Password(secrecy::SecretString);

impl Password {
    pub const MIN_LEN: usize = 8;
    pub const MAX_LEN: usize = 1000;

    pub fn parse(raw: &str) -> AppResult<Password> {
        let len = raw.chars().count();
        if len < Self::MIN_LEN {
            return Err(AppError::invalid(
                "password",
                "Password must be at least 8 characters",
            ));
        }
        if len > Self::MAX_LEN {
            return Err(AppError::invalid(
                "password",
                "Password must be at most 1000 characters",
            ));
        }
        Ok(Password(raw.into()))
    }

    pub fn secret(&self) -> secrecy::SecretString {
        self.0.clone()
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(********)")
    }
}

/// A user as every reader sees it (API.md "A user object").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct User {
    pub id: String,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub active: bool,
}

/// S6: whether changing `before` into `after` ends every session the user
/// has. Deactivation and demotion end them for good (a session kept would
/// come back with the old rights on reactivation, or hold rights a cached
/// page once showed); a promotion or a rename keeps them.
pub fn change_ends_sessions(before: &User, after: &User) -> bool {
    (before.active && !after.active) || after.role.rank() > before.role.rank()
}

/// `POST /setup` as sent. A required text field left out reads as empty,
/// which its domain type refuses with its own message.
#[derive(Default, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SetupInput {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub password: String,
}

impl Validate for SetupInput {
    type Valid = NewAdmin;
    fn validate(self) -> AppResult<NewAdmin> {
        NewAdmin::parse(&self.name, &self.email, &self.password)
    }
}

/// `POST /auth/login` as sent.
#[derive(Default, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct LoginInput {
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub password: String,
}

/// A sign-in's checked fields. The password is only required to be there:
/// its rules are for new passwords.
pub struct Credentials {
    pub email: Email,
    pub password: Password,
}

impl Validate for LoginInput {
    type Valid = Credentials;
    fn validate(self) -> AppResult<Credentials> {
        let email = Email::parse(&self.email)?;
        if self.password.is_empty() {
            return Err(AppError::invalid("password", "Password is required"));
        }
        Ok(Credentials {
            email,
            password: Password(self.password.as_str().into()),
        })
    }
}

/// `POST /users` as sent.
#[derive(Default, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct NewUserInput {
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub password: String,
    #[serde(default)]
    pub role: String,
}

impl Validate for NewUserInput {
    type Valid = NewUser;
    fn validate(self) -> AppResult<NewUser> {
        NewUser::parse(&self.email, &self.name, &self.password, &self.role)
    }
}

/// `PATCH /users/{id}` as sent: a field left out (or null) is not changed.
#[derive(Debug, Default, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct UserChangeInput {
    pub name: Option<String>,
    pub role: Option<String>,
    pub active: Option<bool>,
}

impl Validate for UserChangeInput {
    type Valid = UserChange;
    fn validate(self) -> AppResult<UserChange> {
        UserChange::parse(self.name.as_deref(), self.role.as_deref(), self.active)
    }
}

/// Input for the first admin (`POST /setup`): fields in the API's order.
#[derive(Debug)]
pub struct NewAdmin {
    pub name: UserName,
    pub email: Email,
    pub password: Password,
}

impl NewAdmin {
    pub fn parse(name: &str, email: &str, password: &str) -> AppResult<NewAdmin> {
        Ok(NewAdmin {
            name: UserName::parse(name)?,
            email: Email::parse(email)?,
            password: Password::parse(password)?,
        })
    }
}

/// Input for `POST /users`: fields in the API's order.
#[derive(Debug)]
pub struct NewUser {
    pub email: Email,
    pub name: UserName,
    pub password: Password,
    pub role: Role,
}

impl NewUser {
    pub fn parse(email: &str, name: &str, password: &str, role: &str) -> AppResult<NewUser> {
        Ok(NewUser {
            email: Email::parse(email)?,
            name: UserName::parse(name)?,
            password: Password::parse(password)?,
            role: Role::parse(role)?,
        })
    }
}

/// A change to a user (`PATCH /users/{id}`): each part optional.
#[derive(Debug, Default)]
pub struct UserChange {
    pub name: Option<UserName>,
    pub role: Option<Role>,
    pub active: Option<bool>,
}

impl UserChange {
    pub fn parse(
        name: Option<&str>,
        role: Option<&str>,
        active: Option<bool>,
    ) -> AppResult<UserChange> {
        Ok(UserChange {
            name: name.map(UserName::parse).transpose()?,
            role: role.map(Role::parse).transpose()?,
            active,
        })
    }

    pub fn is_empty(&self) -> bool {
        self.name.is_none() && self.role.is_none() && self.active.is_none()
    }
}

/// Why an admin may not make this change to a user, if they may not. Pure so
/// the users page disables the control with the same reason the server gives.
/// `active_admins` counts active admins including `target` if it is one.
pub fn user_change_refusal(
    actor_id: &str,
    target: &User,
    change: &UserChange,
    active_admins: usize,
) -> Option<&'static str> {
    let is_self = actor_id == target.id;
    if is_self && change.active == Some(false) {
        return Some("You cannot deactivate yourself");
    }
    if is_self && change.role.is_some_and(|r| r != Role::Admin) {
        return Some("You cannot remove your own admin role");
    }
    let loses_admin = target.role == Role::Admin
        && target.active
        && (change.active == Some(false) || change.role.is_some_and(|r| r != Role::Admin));
    if loses_admin && active_admins <= 1 {
        return Some("The last active admin cannot be removed");
    }
    None
}
