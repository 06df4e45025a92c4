//! User administration for the users page.
use crate::domain::user::User;
use crate::error::AppError;
use leptos::prelude::*;

#[server(endpoint = "list_users")]
pub async fn list_users() -> Result<Vec<User>, AppError> {
    let (db, actor) = super::context::user().await?;
    crate::backend::users::list(&db, &actor).await
}

#[server(endpoint = "create_user")]
pub async fn create_user(
    email: String,
    name: String,
    password: String,
    role: String,
) -> Result<User, AppError> {
    let (db, actor) = super::context::user().await?;
    crate::backend::users::create(&db, &actor, &email, &name, &password, &role).await
}

/// One form per change on the page, so each field is optional; `active` is
/// "true" or "false" as a form sends it.
#[server(endpoint = "update_user")]
pub async fn update_user(
    id: String,
    name: Option<String>,
    role: Option<String>,
    active: Option<String>,
) -> Result<User, AppError> {
    let (db, actor) = super::context::user().await?;
    let active = match active.as_deref() {
        None => None,
        Some("true") => Some(true),
        Some("false") => Some(false),
        Some(_) => return Err(AppError::invalid("active", "active must be true or false")),
    };
    crate::backend::users::update(&db, &actor, &id, name.as_deref(), role.as_deref(), active).await
}
