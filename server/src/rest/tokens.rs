//! `POST/GET /tokens`, `DELETE /tokens/{id}`: the caller's own personal
//! access tokens (SPEC B5).
use super::openapi::{Forbidden, Invalid, NotFound, Unauthenticated};
use super::{ApiResult, Body, Caller};
use crate::state::AppState;
use app::backend::tokens;
use app::domain::token::{CreatedToken, NewTokenInput, TokenView};
use app::error::AppError;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_token, list_tokens))
        .routes(routes!(revoke_token))
}

/// A new personal access token; its value is in this answer only.
#[utoipa::path(post, path = "/tokens", tag = "tokens", request_body = NewTokenInput,
    responses((status = 201, body = CreatedToken, description = "The token, shown once"), Unauthenticated, Forbidden, Invalid))]
async fn create_token(
    c: Caller,
    State(s): State<AppState>,
    Body(input): Body<NewTokenInput>,
) -> ApiResult<(StatusCode, Json<CreatedToken>)> {
    // A leaked token must not mint a lasting one: tokens are made signed in.
    if c.by_token {
        return Err(
            AppError::forbidden("Make access tokens signed in, not with another token").into(),
        );
    }
    let t = tokens::create(&s.db, &c.user, input).await?;
    Ok((StatusCode::CREATED, Json(t)))
}

#[utoipa::path(get, path = "/tokens", tag = "tokens",
    responses((status = 200, body = Vec<TokenView>, description = "The caller's tokens, never their values"), Unauthenticated))]
async fn list_tokens(c: Caller, State(s): State<AppState>) -> ApiResult<Json<Vec<TokenView>>> {
    Ok(Json(tokens::list(&s.db, &c.user).await?))
}

#[utoipa::path(delete, path = "/tokens/{id}", tag = "tokens",
    params(("id" = String, Path, description = "The token's id")),
    responses((status = 204, description = "Revoked: it stops at once"), Unauthenticated, NotFound))]
async fn revoke_token(
    c: Caller,
    State(s): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    tokens::revoke(&s.db, &c.user, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
