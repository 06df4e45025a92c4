//! Personal access tokens (SPEC B5, API.md "Setup and sessions"): what a
//! user sees of them and what they send to make one.
use super::input::Validate;
use crate::error::AppResult;
use serde::{Deserialize, Serialize};

/// A token as listed: never its value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TokenView {
    pub id: String,
    pub name: String,
    pub expires_at: Option<String>,
    pub created_at: String,
    pub last_used_at: Option<String>,
}

/// The answer of `POST /tokens`: the only time the value is shown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CreatedToken {
    pub id: String,
    pub name: String,
    pub token: String,
    pub expires_at: Option<String>,
    pub created_at: String,
}

/// `POST /tokens` as sent. `expires_at` is an RFC 3339 time, checked
/// against the server's clock by the service.
#[derive(Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct NewTokenInput {
    #[serde(default)]
    pub name: String,
    pub expires_at: Option<String>,
}

/// 1–100 characters after trimming.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenName(String);

impl TokenName {
    pub const MAX_LEN: usize = 100;

    pub fn parse(raw: &str) -> AppResult<TokenName> {
        super::input::bounded_text(
            raw,
            "name",
            "The name",
            Self::MAX_LEN,
            "Name the token (what will use it)",
        )
        .map(TokenName)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

pub struct NewToken {
    pub name: TokenName,
    /// As sent; the service reads it as a time.
    pub expires_at: Option<String>,
}

impl Validate for NewTokenInput {
    type Valid = NewToken;
    fn validate(self) -> AppResult<NewToken> {
        Ok(NewToken {
            name: TokenName::parse(&self.name)?,
            expires_at: self.expires_at.filter(|e| !e.trim().is_empty()),
        })
    }
}

/// What a token's value starts with, so a leaked one is recognisable (and
/// secret scanners can be taught to find it).
pub const TOKEN_PREFIX: &str = "stc_";
