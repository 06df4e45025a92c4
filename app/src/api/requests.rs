//! Promotion requests (B7) for the pages.
#[cfg(feature = "ssr")]
use crate::domain::input::Input;
#[cfg(feature = "ssr")]
use crate::domain::request::{ApproveInput, DeclineInput, NewRequestInput};
use crate::domain::request::{RequestPage, RequestsPanel};
use crate::error::AppError;
use leptos::prelude::*;

#[server(endpoint = "load_requests")]
pub async fn load_requests(app_id: Option<String>) -> Result<RequestsPanel, AppError> {
    let (db, user) = super::context::user().await?;
    crate::backend::requests::panel(&db, &user, app_id.as_deref()).await
}

#[server(endpoint = "load_request")]
pub async fn load_request(id: String) -> Result<RequestPage, AppError> {
    let (db, user) = super::context::user().await?;
    crate::backend::requests::page(&db, &user, &id).await
}

#[server(endpoint = "create_request")]
pub async fn create_request(
    app_id: String,
    version_id: String,
    action: String,
    from: Option<String>,
    message: Option<String>,
) -> Result<(), AppError> {
    let (db, user) = super::context::user().await?;
    let input = Input::typed(NewRequestInput {
        action: Some(action),
        from,
        message,
    });
    let r = crate::backend::requests::create(&db, &user, &app_id, &version_id, input).await?;
    super::context::redirect(&format!("/requests/{}", r.id));
    Ok(())
}

#[server(endpoint = "approve_request")]
pub async fn approve_request(
    id: String,
    override_preflight: Option<String>,
) -> Result<(), AppError> {
    let (db, user) = super::context::user().await?;
    let input = Input::typed(ApproveInput {
        override_preflight: override_preflight.map(|_| true),
    });
    crate::backend::requests::approve(&db, &user, &id, input).await?;
    super::context::redirect(&format!("/requests/{id}"));
    Ok(())
}

#[server(endpoint = "decline_request")]
pub async fn decline_request(id: String, reason: Option<String>) -> Result<(), AppError> {
    let (db, user) = super::context::user().await?;
    let input = Input::typed(DeclineInput { reason });
    crate::backend::requests::decline(&db, &user, &id, input).await?;
    super::context::redirect(&format!("/requests/{id}"));
    Ok(())
}
