//! `POST/GET /users`, `PATCH /users/{id}`, `GET /audit` (admin only).
use super::openapi::{Conflict, Forbidden, Invalid, NotFound, Unauthenticated};
use super::{ApiResult, Body, Caller};
use crate::state::AppState;
use app::backend::audit::{self, AuditFilter, AuditPage};
use app::backend::users;
use app::domain::user::{NewUserInput, User, UserChangeInput};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use std::collections::HashMap;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_users, create_user))
        .routes(routes!(update_user))
        .routes(routes!(audit_log))
}

#[utoipa::path(get, path = "/users", tag = "users",
    responses((status = 200, body = Vec<User>, description = "Every user, by email"), Unauthenticated, Forbidden))]
async fn list_users(caller: Caller, State(state): State<AppState>) -> ApiResult<Json<Vec<User>>> {
    Ok(Json(users::list(&state.db, &caller.user).await?))
}

#[utoipa::path(post, path = "/users", tag = "users", request_body = NewUserInput,
    responses((status = 201, body = User, description = "The new user"), Unauthenticated, Forbidden, Invalid, Conflict))]
async fn create_user(
    caller: Caller,
    State(state): State<AppState>,
    Body(input): Body<NewUserInput>,
) -> ApiResult<(StatusCode, Json<User>)> {
    let user = users::create(&state.db, &caller.user, input).await?;
    Ok((StatusCode::CREATED, Json(user)))
}

#[utoipa::path(patch, path = "/users/{id}", tag = "users", request_body = UserChangeInput,
    params(("id" = String, Path, description = "The user's id")),
    responses((status = 200, body = User, description = "The user as changed"), Unauthenticated, Forbidden, NotFound, Invalid, Conflict))]
async fn update_user(
    caller: Caller,
    State(state): State<AppState>,
    Path(id): Path<String>,
    Body(change): Body<UserChangeInput>,
) -> ApiResult<Json<User>> {
    Ok(Json(
        users::update(&state.db, &caller.user, &id, change).await?,
    ))
}

/// The filters go to the service unparsed, so that its admin check answers
/// before any 422 (`from`, `to`: RFC 3339).
#[utoipa::path(get, path = "/audit", tag = "audit",
    params(
        ("app_id" = Option<String>, Query, description = "Only entries of this app"),
        ("user_id" = Option<String>, Query, description = "Only entries by this user"),
        ("action" = Option<String>, Query, description = "Only this action, e.g. version.release"),
        ("from" = Option<String>, Query, description = "RFC 3339; entries at or after"),
        ("to" = Option<String>, Query, description = "RFC 3339; entries before"),
        ("before" = Option<String>, Query, description = "The `next` of the previous page"),
        ("limit" = Option<i64>, Query, description = "1 to 500 (default 100)"),
    ),
    responses((status = 200, body = AuditPage, description = "Newest first"), Unauthenticated, Forbidden, Invalid))]
async fn audit_log(
    caller: Caller,
    State(state): State<AppState>,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult<Json<AuditPage>> {
    let filter = AuditFilter {
        app_id: q.get("app_id").cloned(),
        user_id: q.get("user_id").cloned(),
        action: q.get("action").cloned(),
        from: q.get("from").cloned(),
        to: q.get("to").cloned(),
        before: q.get("before").cloned(),
        limit: q.get("limit").cloned(),
        accept_datetime_local: false,
    };
    Ok(Json(audit::list(&state.db, &caller.user, filter).await?))
}
