//! Apps and versions (API.md "Apps", "Versions").
use super::{endpoint, ApiResult, Body, Caller, Endpoint};
use crate::state::AppState;
use app::backend::{apps, versions};
use app::domain::app::{
    AppChangeInput, AppView, DefinitionInput, NewAppInput, NewVersionInput, PromoteInput,
    ReleaseInput, VersionChangeInput, VersionView,
};
use app::error::AppError;
use axum::extract::{Path, Query, State};
use axum::http::Method;
use axum::http::StatusCode;
use axum::Json;
use serde_json::{json, Value};
use std::collections::HashMap;

pub fn endpoints() -> Vec<Endpoint> {
    const VERSION: &str = "/apps/{app_id}/versions/{id}";
    vec![
        endpoint(Method::GET, "/apps", list_apps),
        endpoint(Method::POST, "/apps", create_app),
        endpoint(Method::GET, "/apps/{app_id}", get_app),
        endpoint(Method::PATCH, "/apps/{app_id}", update_app),
        endpoint(Method::DELETE, "/apps/{app_id}", delete_app),
        endpoint(Method::GET, "/apps/{app_id}/versions", list_versions),
        endpoint(Method::POST, "/apps/{app_id}/versions", create_version),
        endpoint(Method::GET, VERSION, get_version),
        endpoint(Method::PATCH, VERSION, update_version),
        endpoint(Method::DELETE, VERSION, delete_version),
        endpoint(
            Method::PUT,
            "/apps/{app_id}/versions/{id}/definition",
            put_definition,
        ),
        endpoint(Method::POST, "/apps/{app_id}/versions/{id}/save", save),
        endpoint(
            Method::POST,
            "/apps/{app_id}/versions/{id}/promote",
            promote,
        ),
        endpoint(
            Method::POST,
            "/apps/{app_id}/versions/{id}/release",
            release,
        ),
    ]
}

type Ids = Path<(String, String)>;

/// `GET /apps?limit=&after=`: one page, by name.
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

async fn create_app(
    c: Caller,
    State(s): State<AppState>,
    Body(input): Body<NewAppInput>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let (app, first) = apps::create(&s.db, &c.user, input).await?;
    let mut obj = serde_json::to_value(app).map_err(|_| AppError::internal())?;
    obj["first_version"] = json!(first);
    Ok((StatusCode::CREATED, Json(obj)))
}

async fn get_app(
    c: Caller,
    State(s): State<AppState>,
    Path(app_id): Path<String>,
) -> ApiResult<Json<AppView>> {
    Ok(Json(apps::find(&s.db, &c.user, &app_id).await?.app))
}

async fn update_app(
    c: Caller,
    State(s): State<AppState>,
    Path(app_id): Path<String>,
    Body(change): Body<AppChangeInput>,
) -> ApiResult<Json<AppView>> {
    Ok(Json(apps::update(&s.db, &c.user, &app_id, change).await?))
}

async fn delete_app(
    c: Caller,
    State(s): State<AppState>,
    Path(app_id): Path<String>,
) -> ApiResult<StatusCode> {
    apps::delete(&s.db, &c.user, &app_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn list_versions(
    c: Caller,
    State(s): State<AppState>,
    Path(app_id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult<Json<Vec<VersionView>>> {
    let env = q.get("environment").map(String::as_str);
    Ok(Json(versions::list(&s.db, &c.user, &app_id, env).await?))
}

async fn create_version(
    c: Caller,
    State(s): State<AppState>,
    Path(app_id): Path<String>,
    Body(input): Body<NewVersionInput>,
) -> ApiResult<(StatusCode, Json<VersionView>)> {
    let v = versions::create(&s.db, &c.user, &app_id, input).await?;
    Ok((StatusCode::CREATED, Json(v)))
}

async fn get_version(
    c: Caller,
    State(s): State<AppState>,
    Path((app_id, id)): Ids,
) -> ApiResult<Json<VersionView>> {
    Ok(Json(versions::get(&s.db, &c.user, &app_id, &id).await?))
}

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

async fn save(
    c: Caller,
    State(s): State<AppState>,
    Path((app_id, id)): Ids,
) -> ApiResult<Json<VersionView>> {
    Ok(Json(versions::save(&s.db, &c.user, &app_id, &id).await?))
}

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

async fn delete_version(
    c: Caller,
    State(s): State<AppState>,
    Path((app_id, id)): Ids,
) -> ApiResult<StatusCode> {
    versions::delete(&s.db, &c.user, &app_id, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
