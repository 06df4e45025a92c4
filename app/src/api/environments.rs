//! Environments for the pages (SPEC E1, E2).
use crate::domain::environment::Environment;
use crate::error::AppError;
use leptos::prelude::*;

#[server(endpoint = "list_environments")]
pub async fn list_environments() -> Result<Vec<Environment>, AppError> {
    let (db, _) = super::context::user().await?;
    crate::backend::environments::list(&db).await
}
