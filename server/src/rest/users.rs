//! `POST/GET /users`, `PATCH /users/{id}`, `GET /audit` (admin only).
use super::{endpoint, ApiResult, Body, Caller, Endpoint};
use crate::state::AppState;
use app::backend::audit::{self, AuditFilter, AuditPage};
use app::backend::users;
use app::domain::user::{NewUserInput, User, UserChangeInput};
use axum::extract::{Path, Query, State};
use axum::http::Method;
use axum::http::StatusCode;
use axum::Json;
use std::collections::HashMap;

pub fn endpoints() -> Vec<Endpoint> {
    vec![
        endpoint(Method::GET, "/users", list),
        endpoint(Method::POST, "/users", create),
        endpoint(Method::PATCH, "/users/{id}", update),
        endpoint(Method::GET, "/audit", audit_log),
    ]
}

async fn list(caller: Caller, State(state): State<AppState>) -> ApiResult<Json<Vec<User>>> {
    Ok(Json(users::list(&state.db, &caller.user).await?))
}

async fn create(
    caller: Caller,
    State(state): State<AppState>,
    Body(input): Body<NewUserInput>,
) -> ApiResult<(StatusCode, Json<User>)> {
    let user = users::create(&state.db, &caller.user, input).await?;
    Ok((StatusCode::CREATED, Json(user)))
}

async fn update(
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
