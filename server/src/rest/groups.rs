//! Groups, members, app permissions and the access explanation (API.md
//! "Users, groups, permissions"; admin only).
use super::{endpoint, ApiResult, Body, Caller, Endpoint};
use crate::state::AppState;
use app::backend::access;
use app::backend::groups;
use app::domain::access::Explanation;
use app::domain::group::{
    GroupChangeInput, GroupView, NewGroupInput, PermissionInput, PermissionView,
};
use axum::extract::{Path, State};
use axum::http::Method;
use axum::http::StatusCode;
use axum::Json;

pub fn endpoints() -> Vec<Endpoint> {
    vec![
        endpoint(Method::GET, "/groups", list),
        endpoint(Method::POST, "/groups", create),
        endpoint(Method::PATCH, "/groups/{id}", update),
        endpoint(Method::DELETE, "/groups/{id}", remove),
        endpoint(Method::PUT, "/groups/{id}/members/{user_id}", add_member),
        endpoint(
            Method::DELETE,
            "/groups/{id}/members/{user_id}",
            remove_member,
        ),
        endpoint(Method::POST, "/groups/{id}/app-permissions", add_permission),
        endpoint(
            Method::DELETE,
            "/groups/{id}/app-permissions/{permission_id}",
            remove_permission,
        ),
        endpoint(Method::GET, "/users/{id}/access/{app_id}", explain),
    ]
}

type Ids = Path<(String, String)>;

async fn list(c: Caller, State(s): State<AppState>) -> ApiResult<Json<Vec<GroupView>>> {
    Ok(Json(groups::list(&s.db, &c.user).await?))
}

async fn create(
    c: Caller,
    State(s): State<AppState>,
    Body(input): Body<NewGroupInput>,
) -> ApiResult<(StatusCode, Json<GroupView>)> {
    let g = groups::create(&s.db, &c.user, input).await?;
    Ok((StatusCode::CREATED, Json(g)))
}

async fn update(
    c: Caller,
    State(s): State<AppState>,
    Path(id): Path<String>,
    Body(change): Body<GroupChangeInput>,
) -> ApiResult<Json<GroupView>> {
    Ok(Json(groups::update(&s.db, &c.user, &id, change).await?))
}

async fn remove(
    c: Caller,
    State(s): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    groups::delete(&s.db, &c.user, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn add_member(
    c: Caller,
    State(s): State<AppState>,
    Path((id, user_id)): Ids,
) -> ApiResult<StatusCode> {
    groups::set_member(&s.db, &c.user, &id, &user_id, true).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn remove_member(
    c: Caller,
    State(s): State<AppState>,
    Path((id, user_id)): Ids,
) -> ApiResult<StatusCode> {
    groups::set_member(&s.db, &c.user, &id, &user_id, false).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn add_permission(
    c: Caller,
    State(s): State<AppState>,
    Path(id): Path<String>,
    Body(input): Body<PermissionInput>,
) -> ApiResult<(StatusCode, Json<PermissionView>)> {
    let p = groups::add_permission(&s.db, &c.user, &id, input).await?;
    Ok((StatusCode::CREATED, Json(p)))
}

async fn remove_permission(
    c: Caller,
    State(s): State<AppState>,
    Path((id, permission_id)): Ids,
) -> ApiResult<StatusCode> {
    groups::remove_permission(&s.db, &c.user, &id, &permission_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn explain(
    c: Caller,
    State(s): State<AppState>,
    Path((id, app_id)): Ids,
) -> ApiResult<Json<Explanation>> {
    Ok(Json(access::explain(&s.db, &c.user, &id, &app_id).await?))
}
