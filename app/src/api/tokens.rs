//! The user's personal access tokens for the Tokens page. Creating one is a
//! plain form post to the page itself (`server::token_form`), so the value
//! can be shown once with JavaScript off too: it is never in a redirect, a
//! session or a log, only in that one answer.
use crate::domain::token::{CreatedToken, TokenView};
use crate::error::AppError;
use leptos::prelude::*;

/// What the page's own form post made (or why not), for that one answer.
#[derive(Debug, Clone)]
pub struct JustMade(pub Result<CreatedToken, AppError>);

#[server(endpoint = "list_tokens")]
pub async fn list_tokens() -> Result<Vec<TokenView>, AppError> {
    let (db, user) = super::context::user().await?;
    crate::backend::tokens::list(&db, &user).await
}

#[server(endpoint = "revoke_token")]
pub async fn revoke_token(id: String) -> Result<(), AppError> {
    let (db, user) = super::context::user().await?;
    crate::backend::tokens::revoke(&db, &user, &id).await
}
