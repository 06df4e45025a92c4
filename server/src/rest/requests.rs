//! Promotion requests (API.md "Versions", B7).
use super::openapi::{Conflict, Forbidden, Invalid, NotFound, Unauthenticated};
use super::{ApiResult, Body, Caller};
use crate::state::AppState;
use app::backend::requests;
use app::domain::request::{ApproveInput, DeclineInput, NewRequestInput, PromotionRequest};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use std::collections::HashMap;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_request))
        .routes(routes!(list_requests))
        .routes(routes!(approve))
        .routes(routes!(decline))
}

#[utoipa::path(post, path = "/apps/{app_id}/versions/{id}/requests", tag = "versions",
    params(("app_id" = String, Path, description = "The app's id"), ("id" = String, Path, description = "The version's id")),
    request_body = NewRequestInput,
    responses((status = 201, body = PromotionRequest, description = "An open request (B7)"), Unauthenticated, NotFound, Forbidden, Invalid,
        (status = 409, body = super::openapi::ErrorBody, description = "The caller may do it themselves, the version cannot go there now, it moved, or the same request is open")))]
async fn create_request(
    c: Caller,
    State(s): State<AppState>,
    Path((app_id, id)): Path<(String, String)>,
    Body(input): Body<NewRequestInput>,
) -> ApiResult<(StatusCode, Json<PromotionRequest>)> {
    let r = requests::create(&s.db, &c.user, &app_id, &id, input).await?;
    Ok((StatusCode::CREATED, Json(r)))
}

#[utoipa::path(get, path = "/requests", tag = "versions",
    params(("state" = Option<String>, Query, description = "open, approved or declined")),
    responses((status = 200, body = Vec<PromotionRequest>, description = "The requests the caller may decide, or made, newest first"), Unauthenticated, Invalid))]
async fn list_requests(
    c: Caller,
    State(s): State<AppState>,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult<Json<Vec<PromotionRequest>>> {
    let state = q.get("state").map(String::as_str);
    Ok(Json(requests::list(&s.db, &c.user, state).await?))
}

#[utoipa::path(post, path = "/requests/{id}/approve", tag = "versions",
    params(("id" = String, Path, description = "The request's id")), request_body = ApproveInput,
    responses((status = 200, body = PromotionRequest, description = "Approved: the promote or release is done, by the caller"), Unauthenticated, NotFound, Forbidden, Invalid, Conflict))]
async fn approve(
    c: Caller,
    State(s): State<AppState>,
    Path(id): Path<String>,
    Body(input): Body<ApproveInput>,
) -> ApiResult<Json<PromotionRequest>> {
    Ok(Json(requests::approve(&s.db, &c.user, &id, input).await?))
}

#[utoipa::path(post, path = "/requests/{id}/decline", tag = "versions",
    params(("id" = String, Path, description = "The request's id")), request_body = DeclineInput,
    responses((status = 200, body = PromotionRequest, description = "Declined, with the reason"), Unauthenticated, NotFound, Forbidden, Invalid, Conflict))]
async fn decline(
    c: Caller,
    State(s): State<AppState>,
    Path(id): Path<String>,
    Body(input): Body<DeclineInput>,
) -> ApiResult<Json<PromotionRequest>> {
    Ok(Json(requests::decline(&s.db, &c.user, &id, input).await?))
}
