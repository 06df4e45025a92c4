//! Data sources (API.md "Data sources"; SPEC D1–D6, P9).
use super::openapi::{Conflict, Forbidden, Invalid, NotFound, Unauthenticated};
use super::{ApiResult, Body, Caller};
use crate::state::AppState;
use app::backend::data_sources;
use app::domain::data_source::{
    DataSourceView, NewDataSourceInput, OptionsInput, OptionsSaved, TestResult,
};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_data_sources, create_data_source))
        .routes(routes!(delete_data_source))
        .routes(routes!(set_data_source_options))
        .routes(routes!(test_data_source))
}

#[utoipa::path(get, path = "/data-sources", tag = "data sources",
    responses((status = 200, body = Vec<DataSourceView>, description = "Every data source with every environment's options; secrets as ********"), Unauthenticated, Forbidden))]
async fn list_data_sources(
    c: Caller,
    State(s): State<AppState>,
) -> ApiResult<Json<Vec<DataSourceView>>> {
    Ok(Json(data_sources::list(&s.db, &c.user).await?))
}

#[utoipa::path(post, path = "/data-sources", tag = "data sources", request_body = NewDataSourceInput,
    responses((status = 201, body = DataSourceView, description = "The data source; secrets as ********"), Unauthenticated, Forbidden, Invalid, Conflict))]
async fn create_data_source(
    c: Caller,
    State(s): State<AppState>,
    Body(input): Body<NewDataSourceInput>,
) -> ApiResult<(StatusCode, Json<DataSourceView>)> {
    let made = data_sources::create(&s.db, &c.user, input).await?;
    Ok((StatusCode::CREATED, Json(made)))
}

#[utoipa::path(delete, path = "/data-sources/{id}", tag = "data sources",
    params(("id" = String, Path, description = "The data source's id")),
    responses((status = 204, description = "Deleted"), Unauthenticated, Forbidden, NotFound, Conflict))]
async fn delete_data_source(
    c: Caller,
    State(s): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    data_sources::delete(&s.db, &c.user, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(put, path = "/data-sources/{id}/environments/{environment}", tag = "data sources", request_body = OptionsInput,
    params(("id" = String, Path, description = "The data source's id"), ("environment" = String, Path, description = "An environment's name")),
    responses((status = 200, body = OptionsSaved, description = "The data source, and the saved environment's new revision; a secret sent as ******** or left out keeps its value"), Unauthenticated, Forbidden, NotFound, Invalid, Conflict))]
async fn set_data_source_options(
    c: Caller,
    State(s): State<AppState>,
    Path((id, environment)): Path<(String, String)>,
    Body(input): Body<OptionsInput>,
) -> ApiResult<Json<OptionsSaved>> {
    Ok(Json(
        data_sources::set_options(&s.db, &c.user, &id, &environment, input).await?,
    ))
}

#[utoipa::path(post, path = "/data-sources/{id}/environments/{environment}/test", tag = "data sources",
    params(("id" = String, Path, description = "The data source's id"), ("environment" = String, Path, description = "An environment's name")),
    responses((status = 200, body = TestResult, description = "Whether it connects; the driver's message without secrets"), Unauthenticated, Forbidden, NotFound))]
async fn test_data_source(
    c: Caller,
    State(s): State<AppState>,
    Path((id, environment)): Path<(String, String)>,
) -> ApiResult<Json<TestResult>> {
    Ok(Json(
        data_sources::test(&s.db, &c.user, &id, &environment).await?,
    ))
}
