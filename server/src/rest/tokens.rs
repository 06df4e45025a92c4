//! `POST/GET /tokens`, `DELETE /tokens/{id}`: the caller's own personal
//! access tokens (SPEC B5).
use super::{endpoint, ApiResult, Body, Caller, Endpoint};
use crate::state::AppState;
use app::backend::tokens;
use app::domain::token::{CreatedToken, NewTokenInput, TokenView};
use axum::extract::{Path, State};
use axum::http::{Method, StatusCode};
use axum::Json;

pub fn endpoints() -> Vec<Endpoint> {
    vec![
        endpoint(Method::POST, "/tokens", create),
        endpoint(Method::GET, "/tokens", list),
        endpoint(Method::DELETE, "/tokens/{id}", revoke),
    ]
}

async fn create(
    c: Caller,
    State(s): State<AppState>,
    Body(input): Body<NewTokenInput>,
) -> ApiResult<(StatusCode, Json<CreatedToken>)> {
    let t = tokens::create(&s.db, &c.user, input).await?;
    Ok((StatusCode::CREATED, Json(t)))
}

async fn list(c: Caller, State(s): State<AppState>) -> ApiResult<Json<Vec<TokenView>>> {
    Ok(Json(tokens::list(&s.db, &c.user).await?))
}

async fn revoke(
    c: Caller,
    State(s): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    tokens::revoke(&s.db, &c.user, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
