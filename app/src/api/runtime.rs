//! Opening apps: released (R5, R6), previews (R7), and the end users'
//! start page.
use crate::domain::runtime::{Action, Launcher, ShownApp};
use std::collections::BTreeMap;

/// The action as a page sends it: flat, so an empty one encodes as nothing.
#[cfg(feature = "ssr")]
fn action(run: Option<String>, inputs: Option<BTreeMap<String, String>>) -> Action {
    Action {
        run,
        inputs: inputs.unwrap_or_default(),
    }
}

/// `action` for a server function call.
pub fn flat(action: Action) -> (Option<String>, Option<BTreeMap<String, String>>) {
    (
        action.run,
        (!action.inputs.is_empty()).then_some(action.inputs),
    )
}
use crate::error::AppError;
use leptos::prelude::*;

#[server(endpoint = "open_preview")]
pub async fn open_preview(
    slug: String,
    env: Option<String>,
    version: Option<String>,
    page: Option<String>,
    run: Option<String>,
    inputs: Option<BTreeMap<String, String>>,
) -> Result<ShownApp, AppError> {
    let (db, user) = super::context::user().await?;
    let action = action(run, inputs);
    crate::backend::runtime::preview(
        &db,
        &user,
        &slug,
        env.as_deref(),
        version.as_deref(),
        page.as_deref(),
        action,
    )
    .await
}

#[server(endpoint = "load_launcher")]
pub async fn load_launcher() -> Result<Launcher, AppError> {
    let (db, user) = super::context::user().await?;
    crate::backend::runtime::launcher(&db, &user).await
}

/// The empty dashboard's demo button (admins only).
#[server(endpoint = "create_demo")]
pub async fn create_demo() -> Result<String, AppError> {
    let (db, user) = super::context::user().await?;
    let slug = crate::backend::demo::create(&db, &user).await?;
    super::context::redirect(&format!("/apps/{slug}"));
    Ok(slug)
}
