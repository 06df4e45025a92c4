//! Environments (SPEC E1–E3).
use crate::error::{AppError, AppResult};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Environment {
    pub id: String,
    pub name: String,
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
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct EnvName(String);

impl EnvName {
    pub fn existing(field: &str, raw: &str, envs: &[Environment]) -> AppResult<EnvName> {
        envs.iter()
            .find(|e| e.name == raw)
            .map(|e| EnvName(e.name.clone()))
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
        if raw == super::access::RELEASED {
            return Ok(EnvName(raw.to_string()));
        }
        Self::existing(field, raw, envs)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for EnvName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}
