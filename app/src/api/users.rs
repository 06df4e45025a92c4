//! User administration for the users page.
#[cfg(feature = "ssr")]
use crate::domain::input::Input;
use crate::domain::user::User;
#[cfg(feature = "ssr")]
use crate::domain::user::{NewUserInput, UserChangeInput};
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
    let input = Input::typed(NewUserInput {
        email,
        name,
        password,
        role,
    });
    crate::backend::users::create(&db, &actor, input).await
}

/// One form per change on the page, so each field is optional.
#[server(endpoint = "update_user")]
pub async fn update_user(
    id: String,
    name: Option<String>,
    role: Option<String>,
    active: Option<bool>,
) -> Result<User, AppError> {
    let (db, actor) = super::context::user().await?;
    let change = Input::typed(UserChangeInput { name, role, active });
    crate::backend::users::update(&db, &actor, &id, change).await
}
