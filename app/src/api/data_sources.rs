//! Data sources for the data sources pages (SPEC D1–D6, P9). The options
//! form sends the kind's fields; this turns them into the options object
//! of API.md, and the service checks it like any other.
use crate::domain::data_source::{DataSourceView, DataSourcesPage, OptionsSaved};
#[cfg(feature = "ssr")]
use crate::domain::data_source::{NewDataSourceInput, OptionsInput};
#[cfg(feature = "ssr")]
use crate::domain::input::Input;
use crate::error::AppError;
use leptos::prelude::*;

/// The result of a connection test posted to the page (`server::page_post`).
#[derive(Debug, Clone)]
pub struct ConnectionTest {
    pub environment: String,
    pub result: Result<crate::domain::data_source::TestResult, AppError>,
}

#[server(endpoint = "load_data_sources")]
pub async fn load_data_sources() -> Result<DataSourcesPage, AppError> {
    let (db, user) = super::context::user().await?;
    crate::backend::data_sources::page(&db, &user).await
}

#[server(endpoint = "create_data_source")]
pub async fn create_data_source(name: String, kind: String) -> Result<DataSourceView, AppError> {
    let (db, user) = super::context::user().await?;
    let input = Input::typed(NewDataSourceInput {
        name,
        kind,
        environments: Default::default(),
    });
    let made = crate::backend::data_sources::create(&db, &user, input).await?;
    super::context::redirect(&format!("/data-sources/{}", made.id));
    Ok(made)
}

#[server(endpoint = "delete_data_source")]
pub async fn delete_data_source(id: String) -> Result<(), AppError> {
    let (db, user) = super::context::user().await?;
    crate::backend::data_sources::delete(&db, &user, &id).await?;
    super::context::redirect("/data-sources");
    Ok(())
}

/// One environment's options form. Secret fields left empty (or sent back
/// as `********`) keep their stored values. Header rows without a name are
/// blank rows of the form and are left out. `revision` is the hidden field
/// holding the revision the form showed (D12): a form opened before
/// another save is refused (409) instead of overwriting it.
#[allow(clippy::too_many_arguments)]
#[server(endpoint = "set_data_source_options")]
pub async fn set_data_source_options(
    id: String,
    environment: String,
    kind: String,
    host: Option<String>,
    port: Option<String>,
    database: Option<String>,
    username: Option<String>,
    password: Option<String>,
    ssl_mode: Option<String>,
    base_url: Option<String>,
    bearer_token: Option<String>,
    header_name: Option<Vec<String>>,
    header_value: Option<Vec<String>>,
    header_secret: Option<Vec<String>>,
    file: Option<String>,
    revision: Option<String>,
) -> Result<OptionsSaved, AppError> {
    use serde_json::{json, Map, Value};
    let (db, user) = super::context::user().await?;
    let secret = |v: Option<String>| v.filter(|s| !s.is_empty()).map(Value::from);
    let mut o = Map::new();
    let mut put = |k: &str, v: Option<Value>| {
        if let Some(v) = v {
            o.insert(k.to_string(), v);
        }
    };
    match kind.as_str() {
        "postgresql" => {
            put("host", host.map(Value::from));
            // A port that is not a number goes as sent, to be named.
            put(
                "port",
                port.filter(|p| !p.is_empty())
                    .map(|p| p.parse::<u64>().map(Value::from).unwrap_or(Value::from(p))),
            );
            put("database", database.map(Value::from));
            put("username", username.map(Value::from));
            put("password", secret(password));
            put("ssl_mode", ssl_mode.map(Value::from));
        }
        "rest_api" => {
            put("base_url", base_url.map(Value::from));
            let (names, values, secrets) = (
                header_name.unwrap_or_default(),
                header_value.unwrap_or_default(),
                header_secret.unwrap_or_default(),
            );
            let headers: Vec<Value> = names
                .iter()
                .enumerate()
                .filter(|(_, n)| !n.trim().is_empty())
                .map(|(i, n)| {
                    let is_secret = secrets.get(i).is_some_and(|s| s == "secret");
                    let value = values.get(i).cloned().unwrap_or_default();
                    let value = if is_secret && value.is_empty() {
                        Value::Null
                    } else {
                        Value::from(value)
                    };
                    json!({"name": n.trim(), "value": value, "secret": is_secret})
                })
                .collect();
            put("headers", Some(Value::Array(headers)));
            put("bearer_token", secret(bearer_token));
        }
        _ => put("file", file.map(Value::from)),
    }
    // A revision that is not a number goes as sent, for the service to
    // name after its access checks.
    let revision = revision.filter(|r| !r.trim().is_empty()).map(|r| {
        r.trim()
            .parse::<i64>()
            .map(Value::from)
            .unwrap_or(Value::from(r))
    });
    let body = json!({ "options": Value::Object(o), "revision": revision });
    let input = Input::<OptionsInput>::from_json(body.to_string().as_bytes());
    crate::backend::data_sources::set_options(&db, &user, &id, &environment, input).await
}
