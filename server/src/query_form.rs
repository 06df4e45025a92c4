//! The Queries panel's run form (SPEC R3, P7), posted to the version page
//! itself (`POST /build/{app_id}/versions/{version_id}`), which answers the
//! page with the rows or the error under the query: a redirect would lose
//! them. Fields: `query`, `environment`, and `input.NAME` per input.
use crate::page_post;
use app::backend::{versions, Db};
use app::domain::input::Input;
use app::domain::query::{QueryRun, RunInput};
use app::domain::runtime::inputs_of;
use app::error::AppError;
use axum::extract::{Path, Request};
use axum::response::Response;
use leptos::config::LeptosOptions;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

pub async fn run(
    db: Db,
    options: LeptosOptions,
    Path((app_id, version_id)): Path<(String, String)>,
    req: Request,
) -> Response {
    let (parts, body) = req.into_parts();
    let user = match page_post::user(&db, &parts).await {
        Ok(u) => u,
        Err(answer) => return answer,
    };
    let fields: Vec<(String, String)> = page_post::form(body).await.unwrap_or_default();
    let field = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let (query, environment) = (field("query"), field("environment"));
    let inputs: BTreeMap<String, String> = inputs_of(&fields);
    let result = if query.is_empty() {
        Err(AppError::invalid("query", "Choose a query to run"))
    } else {
        let sent: Map<String, Value> = inputs
            .iter()
            .map(|(k, v)| (k.clone(), Value::from(v.clone())))
            .collect();
        let input = Input::typed(RunInput { inputs: sent });
        let env = (!environment.is_empty()).then_some(environment.as_str());
        versions::run_query(&db, &user, &app_id, &version_id, &query, env, input).await
    };
    let status = page_post::status_of(&result);
    let run = QueryRun {
        query,
        environment,
        inputs,
        result,
    };
    page_post::render(db, options, parts, status, run).await
}
