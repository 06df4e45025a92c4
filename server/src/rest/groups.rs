//! Groups, members, app permissions and the access explanation (API.md
//! "Users, groups, permissions"; admin only).
use super::openapi::{Conflict, Forbidden, Invalid, NotFound, Unauthenticated};
use super::{ApiResult, Body, Caller};
use crate::state::AppState;
use app::backend::access;
use app::backend::groups;
use app::domain::access::Explanation;
use app::domain::group::{
    GroupChangeInput, GroupView, NewGroupInput, PermissionInput, PermissionView,
};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_groups, create_group))
        .routes(routes!(update_group, delete_group))
        .routes(routes!(add_member, remove_member))
        .routes(routes!(add_permission))
        .routes(routes!(remove_permission))
        .routes(routes!(explain))
}

type Ids = Path<(String, String)>;

#[utoipa::path(get, path = "/groups", tag = "groups",
    responses((status = 200, body = Vec<GroupView>, description = "Every group"), Unauthenticated, Forbidden))]
async fn list_groups(c: Caller, State(s): State<AppState>) -> ApiResult<Json<Vec<GroupView>>> {
    Ok(Json(groups::list(&s.db, &c.user).await?))
}

#[utoipa::path(post, path = "/groups", tag = "groups", request_body = NewGroupInput,
    responses((status = 201, body = GroupView, description = "The new custom group"), Unauthenticated, Forbidden, Invalid, Conflict))]
async fn create_group(
    c: Caller,
    State(s): State<AppState>,
    Body(input): Body<NewGroupInput>,
) -> ApiResult<(StatusCode, Json<GroupView>)> {
    let g = groups::create(&s.db, &c.user, input).await?;
    Ok((StatusCode::CREATED, Json(g)))
}

#[utoipa::path(patch, path = "/groups/{id}", tag = "groups", request_body = GroupChangeInput,
    params(("id" = String, Path, description = "The group's id")),
    responses((status = 200, body = GroupView, description = "The group as changed"), Unauthenticated, Forbidden, NotFound, Invalid, Conflict))]
async fn update_group(
    c: Caller,
    State(s): State<AppState>,
    Path(id): Path<String>,
    Body(change): Body<GroupChangeInput>,
) -> ApiResult<Json<GroupView>> {
    Ok(Json(groups::update(&s.db, &c.user, &id, change).await?))
}

#[utoipa::path(delete, path = "/groups/{id}", tag = "groups", params(("id" = String, Path, description = "The group's id")),
    responses((status = 204, description = "Deleted"), Unauthenticated, Forbidden, NotFound, Conflict))]
async fn delete_group(
    c: Caller,
    State(s): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    groups::delete(&s.db, &c.user, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(put, path = "/groups/{id}/members/{user_id}", tag = "groups", params(("id" = String, Path, description = "The group's id"), ("user_id" = String, Path, description = "The user's id")),
    responses((status = 204, description = "A member"), Unauthenticated, Forbidden, NotFound, Conflict))]
async fn add_member(
    c: Caller,
    State(s): State<AppState>,
    Path((id, user_id)): Ids,
) -> ApiResult<StatusCode> {
    groups::set_member(&s.db, &c.user, &id, &user_id, true).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(delete, path = "/groups/{id}/members/{user_id}", tag = "groups", params(("id" = String, Path, description = "The group's id"), ("user_id" = String, Path, description = "The user's id")),
    responses((status = 204, description = "No longer a member"), Unauthenticated, Forbidden, NotFound, Conflict))]
async fn remove_member(
    c: Caller,
    State(s): State<AppState>,
    Path((id, user_id)): Ids,
) -> ApiResult<StatusCode> {
    groups::set_member(&s.db, &c.user, &id, &user_id, false).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/groups/{id}/app-permissions", tag = "groups", params(("id" = String, Path, description = "The group's id")),
    request_body = PermissionInput,
    responses((status = 201, body = PermissionView, description = "The new permission"), Unauthenticated, Forbidden, NotFound, Invalid, Conflict))]
async fn add_permission(
    c: Caller,
    State(s): State<AppState>,
    Path(id): Path<String>,
    Body(input): Body<PermissionInput>,
) -> ApiResult<(StatusCode, Json<PermissionView>)> {
    let p = groups::add_permission(&s.db, &c.user, &id, input).await?;
    Ok((StatusCode::CREATED, Json(p)))
}

#[utoipa::path(delete, path = "/groups/{id}/app-permissions/{permission_id}", tag = "groups", params(("id" = String, Path, description = "The group's id"), ("permission_id" = String, Path, description = "The permission's id")),
    responses((status = 204, description = "Removed"), Unauthenticated, Forbidden, NotFound, Conflict))]
async fn remove_permission(
    c: Caller,
    State(s): State<AppState>,
    Path((id, permission_id)): Ids,
) -> ApiResult<StatusCode> {
    groups::remove_permission(&s.db, &c.user, &id, &permission_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Why a user can or cannot do what with an app (B6).
#[utoipa::path(get, path = "/users/{id}/access/{app_id}", tag = "users",
    params(("id" = String, Path, description = "The user's id"), ("app_id" = String, Path, description = "The app's id")),
    responses((status = 200, body = Explanation, description = "The access and its reasons"), Unauthenticated, Forbidden, NotFound))]
async fn explain(
    c: Caller,
    State(s): State<AppState>,
    Path((id, app_id)): Ids,
) -> ApiResult<Json<Explanation>> {
    Ok(Json(access::explain(&s.db, &c.user, &id, &app_id).await?))
}
