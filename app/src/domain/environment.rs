//! Environments (SPEC E1–E3).
use crate::error::{AppError, AppResult};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Environment {
    pub id: String,
    pub name: EnvName,
    pub priority: i64,
    pub is_default: bool,
}

/// Each environment has one colour everywhere (badge, switcher, banner), so
/// nobody mistakes production for development. Custom environments share one.
pub fn colour_class(name: &str) -> &'static str {
    match name {
        "development" => "env-development",
        "staging" => "env-staging",
        "production" => "env-production",
        "released" => "env-released",
        _ => "env-custom",
    }
}

/// The name of an environment that exists (E1, E4), or, where a permission
/// names it, the pseudo-environment `released` (P4). What a request names
/// is parsed into this at the boundary, against the installation's
/// environments, with an error naming the field.
///
/// Rules take this type, not a string, so no name reaches them unchecked.
/// It reads as a `str` (`Deref`) wherever a name is shown.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema), schema(value_type = String))]
pub struct EnvName(Cow<'static, str>);

/// The first environment, where versions are made and edited (V1, E1).
pub const DEVELOPMENT: EnvName = EnvName(Cow::Borrowed("development"));
/// The pseudo-environment "open the released app" (P4).
pub const RELEASED: EnvName = EnvName(Cow::Borrowed("released"));

impl EnvName {
    pub fn existing(field: &str, raw: &str, envs: &[Environment]) -> AppResult<EnvName> {
        envs.iter()
            .find(|e| e.name == raw)
            .map(|e| e.name.clone())
            .ok_or_else(|| {
                AppError::invalid(field, format!("There is no environment named {raw:?}"))
            })
    }

    /// An environment named in a request's path: an unknown one is 404,
    /// like any other part of a path.
    pub fn in_path(raw: &str, envs: &[Environment]) -> AppResult<EnvName> {
        Self::existing("environment", raw, envs)
            .map_err(|_| AppError::not_found(format!("There is no environment named {raw:?}")))
    }

    /// An environment, or `released` (a permission's environments, P4).
    pub fn granted(field: &str, raw: &str, envs: &[Environment]) -> AppResult<EnvName> {
        if raw == RELEASED {
            return Ok(RELEASED);
        }
        Self::existing(field, raw, envs)
    }

    /// A name read from a column that references `environments(name)`:
    /// the database vouches that it exists.
    pub fn stored(name: String) -> EnvName {
        EnvName(Cow::Owned(name))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::ops::Deref for EnvName {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for EnvName {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl PartialEq<str> for EnvName {
    fn eq(&self, other: &str) -> bool {
        *self.0 == *other
    }
}

impl PartialEq<&str> for EnvName {
    fn eq(&self, other: &&str) -> bool {
        *self.0 == **other
    }
}

impl PartialEq<EnvName> for str {
    fn eq(&self, other: &EnvName) -> bool {
        *self == *other.0
    }
}

impl PartialEq<EnvName> for &str {
    fn eq(&self, other: &EnvName) -> bool {
        **self == *other.0
    }
}

impl PartialEq<String> for EnvName {
    fn eq(&self, other: &String) -> bool {
        *self.0 == **other
    }
}

impl PartialEq<EnvName> for String {
    fn eq(&self, other: &EnvName) -> bool {
        **self == *other.0
    }
}

impl From<EnvName> for String {
    fn from(e: EnvName) -> String {
        e.0.into_owned()
    }
}

/// Columns that reference `environments(name)` decode straight into a name.
#[cfg(feature = "ssr")]
mod column {
    use super::EnvName;
    use sqlx::any::{Any, AnyTypeInfo, AnyValueRef};
    use sqlx::encode::IsNull;
    use sqlx::error::BoxDynError;
    use sqlx::{Database, Decode, Encode, Type};

    impl Type<Any> for EnvName {
        fn type_info() -> AnyTypeInfo {
            <String as Type<Any>>::type_info()
        }
    }

    impl<'r> Decode<'r, Any> for EnvName {
        fn decode(value: AnyValueRef<'r>) -> Result<Self, BoxDynError> {
            Ok(EnvName::stored(<String as Decode<Any>>::decode(value)?))
        }
    }

    impl<'q> Encode<'q, Any> for EnvName {
        fn encode_by_ref(
            &self,
            buf: &mut <Any as Database>::ArgumentBuffer<'q>,
        ) -> Result<IsNull, BoxDynError> {
            <String as Encode<Any>>::encode(self.0.to_string(), buf)
        }
    }
}

impl std::fmt::Display for EnvName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}
