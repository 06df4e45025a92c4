//! Constants (API.md "Constants"; SPEC C1–C4, P9).
use super::openapi::{Conflict, Forbidden, Invalid, NotFound, Unauthenticated};
use super::{ApiResult, Body, Caller};
use crate::state::AppState;
use app::backend::constants;
use app::domain::constant::{ConstantValueInput, ConstantView, NewConstantInput};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_constants, create_constant))
        .routes(routes!(delete_constant))
        .routes(routes!(set_constant_value, delete_constant_value))
}

#[utoipa::path(get, path = "/constants", tag = "constants",
    responses((status = 200, body = Vec<ConstantView>, description = "Every constant; secret values as ********"), Unauthenticated, Forbidden))]
async fn list_constants(
    c: Caller,
    State(s): State<AppState>,
) -> ApiResult<Json<Vec<ConstantView>>> {
    Ok(Json(constants::list(&s.db, &c.user).await?))
}

#[utoipa::path(post, path = "/constants", tag = "constants", request_body = NewConstantInput,
    responses((status = 201, body = ConstantView, description = "The constant; secret values as ********"), Unauthenticated, Forbidden, Invalid, Conflict))]
async fn create_constant(
    c: Caller,
    State(s): State<AppState>,
    Body(input): Body<NewConstantInput>,
) -> ApiResult<(StatusCode, Json<ConstantView>)> {
    let made = constants::create(&s.db, &c.user, input).await?;
    Ok((StatusCode::CREATED, Json(made)))
}

#[utoipa::path(delete, path = "/constants/{id}", tag = "constants",
    params(("id" = String, Path, description = "The constant's id")),
    responses((status = 204, description = "Deleted with every value"), Unauthenticated, Forbidden, NotFound))]
async fn delete_constant(
    c: Caller,
    State(s): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    constants::delete(&s.db, &c.user, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(put, path = "/constants/{id}/values/{environment}", tag = "constants", request_body = ConstantValueInput,
    params(("id" = String, Path, description = "The constant's id"), ("environment" = String, Path, description = "An environment's name")),
    responses((status = 200, body = ConstantView, description = "The constant; a secret sent as ******** keeps its value"), Unauthenticated, Forbidden, NotFound, Invalid))]
async fn set_constant_value(
    c: Caller,
    State(s): State<AppState>,
    Path((id, environment)): Path<(String, String)>,
    Body(input): Body<ConstantValueInput>,
) -> ApiResult<Json<ConstantView>> {
    Ok(Json(
        constants::set_value(&s.db, &c.user, &id, &environment, input).await?,
    ))
}

#[utoipa::path(delete, path = "/constants/{id}/values/{environment}", tag = "constants",
    params(("id" = String, Path, description = "The constant's id"), ("environment" = String, Path, description = "An environment's name")),
    responses((status = 204, description = "That environment has no value any more"), Unauthenticated, Forbidden, NotFound))]
async fn delete_constant_value(
    c: Caller,
    State(s): State<AppState>,
    Path((id, environment)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    constants::delete_value(&s.db, &c.user, &id, &environment).await?;
    Ok(StatusCode::NO_CONTENT)
}
