//! Apps and versions (API.md "Apps", "Versions").
use super::openapi::{Conflict, Forbidden, Invalid, NotFound, Unauthenticated};
use super::{ApiResult, Body, Caller};
use crate::state::AppState;
use app::backend::{apps, versions};
use app::domain::app::{
    AppChangeInput, AppView, DefinitionInput, NewAppInput, NewVersionInput, PromoteInput, Release,
    ReleaseInput, VersionChangeInput, VersionView,
};
use app::domain::diff::Diff;
use app::domain::preflight::Preflight;
use app::domain::query::{QueryResult, RunInput};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Serialize;
use std::collections::HashMap;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_apps, create_app))
        .routes(routes!(get_app, update_app, delete_app))
        .routes(routes!(list_versions, create_version))
        .routes(routes!(get_version, update_version, delete_version))
        .routes(routes!(diff_versions))
        .routes(routes!(preflight))
        .routes(routes!(list_releases))
        .routes(routes!(put_definition))
        .routes(routes!(save))
        .routes(routes!(promote))
        .routes(routes!(release))
        .routes(routes!(run_query))
        .routes(routes!(run_released_query))
}

/// `POST /apps`: the app object and its first version.
#[derive(Serialize, ToSchema)]
struct AppCreated {
    #[serde(flatten)]
    app: AppView,
    first_version: VersionView,
}

type Ids = Path<(String, String)>;

/// `GET /apps?limit=&after=`: one page, by name.
#[utoipa::path(get, path = "/apps", tag = "apps",
    params(
        ("limit" = Option<i64>, Query, description = "1 to 500 (default 100)"),
        ("after" = Option<String>, Query, description = "The id of the last app of the previous page"),
    ),
    responses((status = 200, body = Vec<AppView>, description = "One page of the apps the caller sees, by name"), Unauthenticated, Invalid))]
async fn list_apps(
    c: Caller,
    State(s): State<AppState>,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult<Json<Vec<AppView>>> {
    let (limit, after) = (q.get("limit"), q.get("after"));
    Ok(Json(
        apps::list(
            &s.db,
            &c.user,
            limit.map(String::as_str),
            after.map(String::as_str),
        )
        .await?,
    ))
}

#[utoipa::path(post, path = "/apps", tag = "apps", request_body = NewAppInput,
    responses((status = 201, body = AppCreated, description = "The app and its first version (v1, a draft in development)"), Unauthenticated, Forbidden, Invalid, Conflict))]
async fn create_app(
    c: Caller,
    State(s): State<AppState>,
    Body(input): Body<NewAppInput>,
) -> ApiResult<(StatusCode, Json<AppCreated>)> {
    let (app, first_version) = apps::create(&s.db, &c.user, input).await?;
    Ok((StatusCode::CREATED, Json(AppCreated { app, first_version })))
}

#[utoipa::path(get, path = "/apps/{app_id}", tag = "apps", params(("app_id" = String, Path, description = "The app's id")),
    responses((status = 200, body = AppView, description = "The app"), Unauthenticated, NotFound))]
async fn get_app(
    c: Caller,
    State(s): State<AppState>,
    Path(app_id): Path<String>,
) -> ApiResult<Json<AppView>> {
    Ok(Json(apps::find(&s.db, &c.user, &app_id).await?.app))
}

/// Renames, changes the slug, or makes the app public or private (P11).
#[utoipa::path(patch, path = "/apps/{app_id}", tag = "apps", params(("app_id" = String, Path, description = "The app's id")), request_body = AppChangeInput,
    responses((status = 200, body = AppView, description = "The app as changed"), Unauthenticated, NotFound, Forbidden, Invalid, Conflict))]
async fn update_app(
    c: Caller,
    State(s): State<AppState>,
    Path(app_id): Path<String>,
    Body(change): Body<AppChangeInput>,
) -> ApiResult<Json<AppView>> {
    Ok(Json(apps::update(&s.db, &c.user, &app_id, change).await?))
}

#[utoipa::path(delete, path = "/apps/{app_id}", tag = "apps", params(("app_id" = String, Path, description = "The app's id")),
    responses((status = 204, description = "Deleted with its versions"), Unauthenticated, NotFound, Forbidden))]
async fn delete_app(
    c: Caller,
    State(s): State<AppState>,
    Path(app_id): Path<String>,
) -> ApiResult<StatusCode> {
    apps::delete(&s.db, &c.user, &app_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/apps/{app_id}/versions", tag = "versions",
    params(("app_id" = String, Path, description = "The app's id"), ("environment" = Option<String>, Query, description = "Only what this environment lists (V9)")),
    responses((status = 200, body = Vec<VersionView>, description = "The versions the caller may list"), Unauthenticated, NotFound, Forbidden, Invalid))]
async fn list_versions(
    c: Caller,
    State(s): State<AppState>,
    Path(app_id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult<Json<Vec<VersionView>>> {
    let env = q.get("environment").map(String::as_str);
    Ok(Json(versions::list(&s.db, &c.user, &app_id, env).await?))
}

#[utoipa::path(post, path = "/apps/{app_id}/versions", tag = "versions", params(("app_id" = String, Path, description = "The app's id")), request_body = NewVersionInput,
    responses((status = 201, body = VersionView, description = "A new draft in development (V2)"), Unauthenticated, NotFound, Forbidden, Invalid, Conflict))]
async fn create_version(
    c: Caller,
    State(s): State<AppState>,
    Path(app_id): Path<String>,
    Body(input): Body<NewVersionInput>,
) -> ApiResult<(StatusCode, Json<VersionView>)> {
    let v = versions::create(&s.db, &c.user, &app_id, input).await?;
    Ok((StatusCode::CREATED, Json(v)))
}

#[utoipa::path(get, path = "/apps/{app_id}/versions/{id}", tag = "versions", params(("app_id" = String, Path, description = "The app's id"), ("id" = String, Path, description = "The version's id")),
    responses((status = 200, body = VersionView, description = "The version with its definition"), Unauthenticated, NotFound))]
async fn get_version(
    c: Caller,
    State(s): State<AppState>,
    Path((app_id, id)): Ids,
) -> ApiResult<Json<VersionView>> {
    Ok(Json(versions::get(&s.db, &c.user, &app_id, &id).await?))
}

#[utoipa::path(get, path = "/apps/{app_id}/versions/{a}/diff/{b}", tag = "versions", params(("app_id" = String, Path, description = "The app's id"), ("a" = String, Path, description = "The version compared from"), ("b" = String, Path, description = "The version compared to")),
    responses((status = 200, body = Diff, description = "What changed from a to b (B2), structurally: pages, components by id, queries; `changes: []` when identical"), Unauthenticated, NotFound, Forbidden))]
async fn diff_versions(
    c: Caller,
    State(s): State<AppState>,
    Path((app_id, a, b)): Path<(String, String, String)>,
) -> ApiResult<Json<Diff>> {
    Ok(Json(
        versions::compare(&s.db, &c.user, &app_id, &a, &b)
            .await?
            .diff,
    ))
}

#[utoipa::path(get, path = "/apps/{app_id}/versions/{id}/preflight", tag = "versions",
    params(("app_id" = String, Path, description = "The app's id"), ("id" = String, Path, description = "The version's id"),
        ("to" = String, Query, description = "The environment the version would go to")),
    responses((status = 200, body = Preflight, description = "What the version uses that has no value in `to` (B3); `ok` when nothing"), Unauthenticated, NotFound, Forbidden, Invalid))]
async fn preflight(
    c: Caller,
    State(s): State<AppState>,
    Path((app_id, id)): Ids,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult<Json<Preflight>> {
    let to = q.get("to").map(String::as_str);
    Ok(Json(
        versions::preflight(&s.db, &c.user, &app_id, &id, to).await?,
    ))
}

#[utoipa::path(get, path = "/apps/{app_id}/releases", tag = "versions", params(("app_id" = String, Path, description = "The app's id")),
    responses((status = 200, body = Vec<Release>, description = "Every release of the app, newest first (B4)"), Unauthenticated, NotFound, Forbidden))]
async fn list_releases(
    c: Caller,
    State(s): State<AppState>,
    Path(app_id): Path<String>,
) -> ApiResult<Json<Vec<Release>>> {
    Ok(Json(versions::releases(&s.db, &c.user, &app_id).await?))
}

#[utoipa::path(patch, path = "/apps/{app_id}/versions/{id}", tag = "versions", params(("app_id" = String, Path, description = "The app's id"), ("id" = String, Path, description = "The version's id")), request_body = VersionChangeInput,
    responses((status = 200, body = VersionView, description = "The version as changed"), Unauthenticated, NotFound, Forbidden, Invalid, Conflict))]
async fn update_version(
    c: Caller,
    State(s): State<AppState>,
    Path((app_id, id)): Ids,
    Body(change): Body<VersionChangeInput>,
) -> ApiResult<Json<VersionView>> {
    Ok(Json(
        versions::update(&s.db, &c.user, &app_id, &id, change).await?,
    ))
}

#[utoipa::path(put, path = "/apps/{app_id}/versions/{id}/definition", tag = "versions", params(("app_id" = String, Path, description = "The app's id"), ("id" = String, Path, description = "The version's id")), request_body = DefinitionInput,
    responses((status = 200, body = VersionView, description = "The version with its new revision (V10)"), Unauthenticated, NotFound, Forbidden, Invalid, Conflict))]
async fn put_definition(
    c: Caller,
    State(s): State<AppState>,
    Path((app_id, id)): Ids,
    Body(input): Body<DefinitionInput>,
) -> ApiResult<Json<VersionView>> {
    Ok(Json(
        versions::put_definition(&s.db, &c.user, &app_id, &id, input).await?,
    ))
}

#[utoipa::path(post, path = "/apps/{app_id}/versions/{id}/save", tag = "versions", params(("app_id" = String, Path, description = "The app's id"), ("id" = String, Path, description = "The version's id")),
    responses((status = 200, body = VersionView, description = "Saved (V4)"), Unauthenticated, NotFound, Forbidden, Conflict))]
async fn save(
    c: Caller,
    State(s): State<AppState>,
    Path((app_id, id)): Ids,
) -> ApiResult<Json<VersionView>> {
    Ok(Json(versions::save(&s.db, &c.user, &app_id, &id).await?))
}

#[utoipa::path(post, path = "/apps/{app_id}/versions/{id}/promote", tag = "versions", params(("app_id" = String, Path, description = "The app's id"), ("id" = String, Path, description = "The version's id")), request_body = PromoteInput,
    responses((status = 200, body = VersionView, description = "One environment further (V5)"), Unauthenticated, NotFound, Forbidden, Invalid, Conflict))]
async fn promote(
    c: Caller,
    State(s): State<AppState>,
    Path((app_id, id)): Ids,
    Body(input): Body<PromoteInput>,
) -> ApiResult<Json<VersionView>> {
    Ok(Json(
        versions::promote(&s.db, &c.user, &app_id, &id, input)
            .await?
            .0,
    ))
}

#[utoipa::path(post, path = "/apps/{app_id}/versions/{id}/release", tag = "versions", params(("app_id" = String, Path, description = "The app's id"), ("id" = String, Path, description = "The version's id")), request_body = ReleaseInput,
    responses((status = 200, body = versions::Released, description = "Released (V6, V7)"), Unauthenticated, NotFound, Forbidden, Invalid, Conflict))]
async fn release(
    c: Caller,
    State(s): State<AppState>,
    Path((app_id, id)): Ids,
    Body(input): Body<ReleaseInput>,
) -> ApiResult<Json<versions::Released>> {
    Ok(Json(
        versions::release(&s.db, &c.user, &app_id, &id, input).await?,
    ))
}

/// R3, R4: runs one query of the version in `?environment=E`.
#[utoipa::path(post, path = "/apps/{app_id}/versions/{id}/queries/{name}/run", tag = "queries",
    params(("app_id" = String, Path, description = "The app's id"), ("id" = String, Path, description = "The version's id"),
        ("name" = String, Path, description = "The query's name"),
        ("environment" = String, Query, description = "Where to run it: that environment's options and constants")),
    request_body = RunInput,
    responses((status = 200, body = QueryResult, description = "SQL rows or the REST answer"), Unauthenticated, NotFound, Forbidden,
        (status = 422, body = super::openapi::ErrorBody, description = "Bad input, or the query failed (query_failed), timed out (query_timeout) or a constant has no value there (missing_value)"),
        Conflict))]
async fn run_query(
    c: Caller,
    State(s): State<AppState>,
    Path((app_id, id, name)): Path<(String, String, String)>,
    Query(q): Query<HashMap<String, String>>,
    Body(input): Body<RunInput>,
) -> ApiResult<Json<QueryResult>> {
    let environment = q.get("environment").map(String::as_str);
    Ok(Json(
        versions::run_query(&s.db, &c.user, &app_id, &id, &name, environment, input).await?,
    ))
}

/// R5, R6: runs one query of an app's released version with production's
/// options, for whoever may open the released app (anyone, for a public one).
#[utoipa::path(post, path = "/released/{slug}/queries/{name}/run", tag = "queries",
    params(("slug" = String, Path, description = "The app's slug"), ("name" = String, Path, description = "The query's name")),
    request_body = RunInput,
    responses((status = 200, body = QueryResult, description = "SQL rows or the REST answer"), Unauthenticated, NotFound,
        (status = 422, body = super::openapi::ErrorBody, description = "Bad input, or the query failed (query_failed), timed out (query_timeout) or a constant has no value there (missing_value)"),
        Conflict))]
async fn run_released_query(
    v: super::Visitor,
    State(s): State<AppState>,
    Path((slug, name)): Path<(String, String)>,
    Body(input): Body<RunInput>,
) -> ApiResult<Json<QueryResult>> {
    Ok(Json(
        app::backend::runtime::run_released(&s.db, v.user.as_ref(), &slug, &name, input).await?,
    ))
}

#[utoipa::path(delete, path = "/apps/{app_id}/versions/{id}", tag = "versions", params(("app_id" = String, Path, description = "The app's id"), ("id" = String, Path, description = "The version's id")),
    responses((status = 204, description = "Deleted (V8)"), Unauthenticated, NotFound, Forbidden, Conflict))]
async fn delete_version(
    c: Caller,
    State(s): State<AppState>,
    Path((app_id, id)): Ids,
) -> ApiResult<StatusCode> {
    versions::delete(&s.db, &c.user, &app_id, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
