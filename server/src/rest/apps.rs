//! Apps and versions (API.md "Apps", "Versions").
use super::{ApiResult, Body, Caller};
use crate::state::AppState;
use app::backend::{apps, versions};
use app::domain::app::{AppView, VersionView};
use app::error::AppError;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde_json::{json, Value};
use std::collections::HashMap;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/apps", get(list_apps).post(create_app))
        .route(
            "/apps/{app_id}",
            get(get_app).patch(update_app).delete(delete_app),
        )
        .route(
            "/apps/{app_id}/versions",
            get(list_versions).post(create_version),
        )
        .route(
            "/apps/{app_id}/versions/{id}",
            get(get_version)
                .patch(update_version)
                .delete(delete_version),
        )
        .route(
            "/apps/{app_id}/versions/{id}/definition",
            put(put_definition),
        )
        .route("/apps/{app_id}/versions/{id}/save", post(save))
        .route("/apps/{app_id}/versions/{id}/promote", post(promote))
        .route("/apps/{app_id}/versions/{id}/release", post(release))
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
    body: Body,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let (app, first) =
        apps::create(&s.db, &c.user, body.required("name"), body.string("slug")).await?;
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
    body: Body,
) -> ApiResult<Json<AppView>> {
    // Unparsed: the service answers 404 and 403 before a bad field (422).
    let (name, slug, public) = (
        body.string("name"),
        body.string("slug"),
        body.boolean("public"),
    );
    Ok(Json(
        apps::update(&s.db, &c.user, &app_id, name, slug, public).await?,
    ))
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
    body: Body,
) -> ApiResult<(StatusCode, Json<VersionView>)> {
    let v = versions::create(
        &s.db,
        &c.user,
        &app_id,
        body.required("name")?,
        body.required("from_version_id")?,
        body.string("description")?,
    )
    .await?;
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
    body: Body,
) -> ApiResult<Json<VersionView>> {
    // Unparsed: the service answers 404 and 403 before a bad field (422).
    let (name, description) = (body.string("name"), body.string("description"));
    Ok(Json(
        versions::update(&s.db, &c.user, &app_id, &id, name, description).await?,
    ))
}

async fn put_definition(
    c: Caller,
    State(s): State<AppState>,
    Path((app_id, id)): Ids,
    body: Body,
) -> ApiResult<Json<VersionView>> {
    let revision = body.integer("revision");
    // `definition` is checked by the service, after the permission.
    let v = versions::put_definition(
        &s.db,
        &c.user,
        &app_id,
        &id,
        body.0.get("definition"),
        revision,
    )
    .await?;
    Ok(Json(v))
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
    body: Body,
) -> ApiResult<Json<VersionView>> {
    let from = body.string("from");
    Ok(Json(
        versions::promote(&s.db, &c.user, &app_id, &id, from)
            .await?
            .0,
    ))
}

async fn release(
    c: Caller,
    State(s): State<AppState>,
    Path((app_id, id)): Ids,
    body: Body,
) -> ApiResult<Json<versions::Released>> {
    let note = body.string("note");
    Ok(Json(
        versions::release(&s.db, &c.user, &app_id, &id, note).await?,
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
