//! Environments (SPEC E1–E3).
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
