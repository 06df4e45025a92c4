//! Groups, members, app permissions and the access explanation (API.md
//! "Users, groups, permissions"; admin only).
use super::{ApiResult, Body, Caller};
use crate::state::AppState;
use app::backend::access;
use app::backend::groups::{self, PermissionInput};
use app::domain::access::Explanation;
use app::domain::group::{Apps, FlagsChange, GroupView, PermissionView};
use app::error::{AppError, AppResult};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{delete, get, put};
use axum::{Json, Router};
use serde_json::Value;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/groups", get(list).post(create))
        .route("/groups/{id}", axum::routing::patch(update).delete(remove))
        .route(
            "/groups/{id}/members/{user_id}",
            put(add_member).delete(remove_member),
        )
        .route(
            "/groups/{id}/app-permissions",
            axum::routing::post(add_permission),
        )
        .route(
            "/groups/{id}/app-permissions/{permission_id}",
            delete(remove_permission),
        )
        .route("/users/{id}/access/{app_id}", get(explain))
}

type Ids = Path<(String, String)>;

async fn list(c: Caller, State(s): State<AppState>) -> ApiResult<Json<Vec<GroupView>>> {
    Ok(Json(groups::list(&s.db, &c.user).await?))
}

async fn create(
    c: Caller,
    State(s): State<AppState>,
    body: Body,
) -> ApiResult<(StatusCode, Json<GroupView>)> {
    let g = groups::create(&s.db, &c.user, body.required("name")).await?;
    Ok((StatusCode::CREATED, Json(g)))
}

/// `flags` is an object of booleans; unknown names are refused.
fn flags_change(body: &Body) -> AppResult<Option<FlagsChange>> {
    let bad = |m: String| AppError::invalid("flags", m);
    match body.0.get("flags") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(map)) => {
            let mut pairs = Vec::new();
            for (k, v) in map {
                let on = v
                    .as_bool()
                    .ok_or_else(|| bad(format!("flags.{k} must be true or false")))?;
                pairs.push((k.clone(), on));
            }
            FlagsChange::parse(pairs).map(Some)
        }
        Some(_) => Err(bad("flags must be an object of true/false values".into())),
    }
}

async fn update(
    c: Caller,
    State(s): State<AppState>,
    Path(id): Path<String>,
    body: Body,
) -> ApiResult<Json<GroupView>> {
    let g = groups::update(
        &s.db,
        &c.user,
        &id,
        body.string("name"),
        flags_change(&body),
    )
    .await?;
    Ok(Json(g))
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

fn permission_input(body: &Body) -> AppResult<PermissionInput> {
    let apps =
        match body.0.get("apps") {
            None | Some(Value::Null) => None,
            Some(v) => Some(serde_json::from_value::<Apps>(v.clone()).map_err(|_| {
                AppError::invalid("apps", "apps must be \"all\" or a list of app ids")
            })?),
        };
    Ok(PermissionInput {
        apps,
        access: body.string("access")?.map(str::to_string),
        environments: body.strings("environments")?,
        hide_from_dashboard: body.boolean("hide_from_dashboard")?.unwrap_or(false),
    })
}

async fn add_permission(
    c: Caller,
    State(s): State<AppState>,
    Path(id): Path<String>,
    body: Body,
) -> ApiResult<(StatusCode, Json<PermissionView>)> {
    let p = groups::add_permission(&s.db, &c.user, &id, permission_input(&body)).await?;
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
