//! Constants for the constants page (SPEC C1–C4, P9).
#[cfg(feature = "ssr")]
use crate::domain::constant::{ConstantValueInput, NewConstantInput};
use crate::domain::constant::{ConstantView, ConstantsPage};
#[cfg(feature = "ssr")]
use crate::domain::input::Input;
use crate::error::AppError;
use leptos::prelude::*;
use std::collections::BTreeMap;

#[server(endpoint = "load_constants")]
pub async fn load_constants() -> Result<ConstantsPage, AppError> {
    let (db, user) = super::context::user().await?;
    crate::backend::constants::page(&db, &user).await
}

/// The create form sends a field per environment; one left blank gives
/// that environment no value.
#[server(endpoint = "create_constant")]
pub async fn create_constant(
    name: String,
    kind: String,
    values: Option<BTreeMap<String, String>>,
) -> Result<ConstantView, AppError> {
    let (db, user) = super::context::user().await?;
    let values = values
        .unwrap_or_default()
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .collect();
    let input = Input::typed(NewConstantInput { name, kind, values });
    crate::backend::constants::create(&db, &user, input).await
}

#[server(endpoint = "set_constant_value")]
pub async fn set_constant_value(
    id: String,
    environment: String,
    value: String,
) -> Result<ConstantView, AppError> {
    let (db, user) = super::context::user().await?;
    let input = Input::typed(ConstantValueInput { value });
    crate::backend::constants::set_value(&db, &user, &id, &environment, input).await
}

#[server(endpoint = "delete_constant_value")]
pub async fn delete_constant_value(id: String, environment: String) -> Result<(), AppError> {
    let (db, user) = super::context::user().await?;
    crate::backend::constants::delete_value(&db, &user, &id, &environment).await
}

#[server(endpoint = "delete_constant")]
pub async fn delete_constant(id: String) -> Result<(), AppError> {
    let (db, user) = super::context::user().await?;
    crate::backend::constants::delete(&db, &user, &id).await
}
