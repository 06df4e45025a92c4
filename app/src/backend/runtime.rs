//! Opening apps (SPEC R4–R7): the released version at `/apps/{slug}` with
//! production's options and constants, and a preview of any version in
//! any environment it has reached. Both run the page's queries on the
//! server and answer the page as shown (`domain::runtime`), so the first
//! response already holds the data.
use super::access;
use super::constants;
use super::db::Db;
use super::environments;
use super::runner;
use crate::domain::access::{Level, RELEASED};
use crate::domain::definition::{self, Definition};
use crate::domain::environment::EnvName;
use crate::domain::lifecycle::{listed_in, release_environment};
use crate::domain::query::QueryResult;
use crate::domain::runtime::{
    queries_to_load, Action, Fill, Inspector, Launcher, Outcome, ShownApp,
};
use crate::domain::user::User;
use crate::error::{AppError, AppResult};
use serde_json::{Map, Value};
use sqlx::Row;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

pub(crate) struct AppRow {
    id: String,
    name: String,
    slug: String,
    public: bool,
    released_version_id: Option<String>,
    created_by: String,
}

fn not_released() -> AppError {
    AppError::not_found("This app has not been released yet")
}

/// The app at `slug`, held in memory until the next change.
async fn app_by_slug(db: &Db, slug: &str) -> AppResult<Arc<AppRow>> {
    let read = async {
        let r = sqlx::query(
            "SELECT id, name, slug, public, released_version_id, created_by FROM apps WHERE slug = $1",
        )
        .bind(slug)
        .fetch_optional(&db.pool)
        .await?
        .ok_or_else(|| AppError::not_found("There is no app at this address"))?;
        Ok(AppRow {
            id: r.get("id"),
            name: r.get("name"),
            slug: r.get("slug"),
            public: r.get::<i64, _>("public") != 0,
            released_version_id: r.get("released_version_id"),
            created_by: r.get("created_by"),
        })
    };
    db.cache.get(&db.cache.apps, slug.to_string(), read).await
}

/// A version as it runs: its name, environment and definition
/// (or why the definition cannot run).
pub(crate) struct Runnable {
    name: String,
    environment: EnvName,
    definition: Result<Definition, String>,
}

impl Runnable {
    fn definition(&self) -> AppResult<&Definition> {
        self.definition
            .as_ref()
            .map_err(|m| AppError::conflict(format!("This version cannot run: {m}")))
    }
}

/// The version of `app_id` whose column `by` (`id` or `name`) is `value`,
/// held in memory until the next change.
async fn version(db: &Db, app_id: &str, by: &str, value: &str) -> AppResult<Arc<Runnable>> {
    let read = async {
        let r = sqlx::query(&format!(
            "SELECT name, environment, definition FROM versions WHERE app_id = $1 AND {by} = $2"
        ))
        .bind(app_id)
        .bind(value)
        .fetch_optional(&db.pool)
        .await?
        .ok_or_else(|| AppError::not_found(format!("This app has no version {value}")))?;
        let doc: Value = serde_json::from_str(&r.get::<String, _>("definition")).map_err(|e| {
            tracing::error!(app_id, error = %e, "a stored definition is not JSON");
            AppError::internal()
        })?;
        let sources = super::data_sources::kinds_held(db).await?;
        let definition = definition::parse(&doc, &sources).map_err(|e| e.message);
        Ok(Runnable {
            name: r.get("name"),
            environment: r.get("environment"),
            definition,
        })
    };
    let key = format!("{app_id}\u{0}{by}\u{0}{value}");
    db.cache.get(&db.cache.versions, key, read).await
}

/// R5, R6: the released version, with production's data. A public app
/// opens for anyone; otherwise the visitor needs `released` access, and
/// without it the app does not exist for them (404).
pub async fn released(
    db: &Db,
    visitor: Option<&User>,
    slug: &str,
    page: Option<&str>,
    action: Action,
) -> AppResult<ShownApp> {
    let (app, version, env) = released_version(db, visitor, slug).await?;
    show(db, &app, &version, &env, Mode::Released, page, action).await
}

/// The released version a visitor may open: the app, the version's name
/// and definition, and the environment it runs in (R5, R6).
async fn released_version(
    db: &Db,
    visitor: Option<&User>,
    slug: &str,
) -> AppResult<(Arc<AppRow>, Arc<Runnable>, EnvName)> {
    // Signed out, only a public app opens: anything else asks to sign in,
    // whether or not the address exists (API.md's order, 401 first).
    let app = match app_by_slug(db, slug).await {
        Err(e) if visitor.is_none() && e.status() == 404 => return Err(AppError::unauthenticated()),
        other => other?,
    };
    let envs = environments::all(db).await?;
    if !app.public {
        let user = visitor.ok_or_else(AppError::unauthenticated)?;
        let a = access::of_app(db, user, &app.id, &app.created_by, &envs).await?;
        if !a.has(&RELEASED) {
            return Err(AppError::not_found("There is no app at this address"));
        }
    }
    let version_id = app.released_version_id.clone().ok_or_else(not_released)?;
    let version = version(db, &app.id, "id", &version_id).await?;
    let env = release_environment(&envs)
        .map(|e| e.name.clone())
        .ok_or_else(not_released)?;
    Ok((app, version, env))
}

/// `POST /released/{slug}/queries/{name}/run` (API.md): one query of the
/// released version, with production's options, for whoever may open it.
pub async fn run_released(
    db: &Db,
    visitor: Option<&User>,
    slug: &str,
    name: &str,
    input: crate::domain::input::Input<crate::domain::query::RunInput>,
) -> AppResult<QueryResult> {
    let (_, version, env) = released_version(db, visitor, slug).await?;
    let definition = version.definition()?;
    if !crate::domain::runtime::runs_for_visitors(definition, name) {
        return Err(AppError::not_found(format!(
            "The released version has no query named {name}"
        )));
    }
    let inputs = input.parse()?;
    runner::run(db, definition, name, &env, &inputs).await
}

/// How a page is shown.
#[derive(Clone, Copy, PartialEq)]
enum Mode {
    Released,
    Preview,
    /// A preview for edit access there: with the inspector (P7).
    Inspect,
}

/// R7: version `version` previewed in `environment`, which it must have
/// reached, by a user with access there (view is enough, P7).
pub async fn preview(
    db: &Db,
    user: &User,
    slug: &str,
    environment: Option<&str>,
    version_name: Option<&str>,
    page: Option<&str>,
    action: Action,
) -> AppResult<ShownApp> {
    let app = app_by_slug(db, slug).await?;
    let envs = environments::all(db).await?;
    let a = access::of_app(db, user, &app.id, &app.created_by, &envs).await?;
    if a.level == Level::None {
        return Err(AppError::not_found("There is no app at this address"));
    }
    let env = EnvName::existing(
        "env",
        environment.ok_or_else(|| AppError::invalid("env", "Say which environment: ?env=NAME"))?,
        &envs,
    )?;
    if !a.has(&env) {
        return Err(AppError::forbidden(format!(
            "You do not have access to {env}"
        )));
    }
    let wanted = version_name
        .ok_or_else(|| AppError::invalid("version", "Say which version: ?version=NAME"))?;
    let version = version(db, &app.id, "name", wanted).await?;
    let (name, at) = (&version.name, &version.environment);
    if !listed_in(&envs, at, &env) {
        return Err(AppError::conflict(format!(
            "{name} has not reached {env}: it is in {at}"
        )));
    }
    let mode = if a.edit_denial(&env).is_none() {
        Mode::Inspect
    } else {
        Mode::Preview
    };
    show(db, &app, &version, &env, mode, page, action).await
}

#[allow(clippy::too_many_arguments)]
async fn show(
    db: &Db,
    app: &AppRow,
    version: &Runnable,
    env: &EnvName,
    mode: Mode,
    page: Option<&str>,
    action: Action,
) -> AppResult<ShownApp> {
    let def = version.definition()?;
    let version_name = &version.name;
    let page = page
        .and_then(|p| def.pages.iter().find(|x| x.name == p))
        .or(def.pages.first());
    let (page_name, title) = page
        .map(|p| (p.name.clone(), p.title.clone()))
        .unwrap_or_default();
    // Only the version's inputs reach the runner; anything else sent is
    // not part of this app.
    let declared = def.inputs();
    let inputs: BTreeMap<String, String> = action
        .inputs
        .into_iter()
        .filter(|(k, _)| declared.contains_key(k.as_str()))
        .collect();
    let sent: Map<String, Value> = inputs
        .iter()
        .map(|(k, v)| (k.clone(), Value::from(v.clone())))
        .collect();
    let mut results: HashMap<String, Result<QueryResult, String>> = HashMap::new();
    let outcome = match action.run {
        None => None,
        // A page runs what its buttons and forms run, nothing else named.
        Some(q) if !crate::domain::runtime::runs_on_click(def, &q) => Some(Outcome {
            message: format!("This app has no button or form that runs {q}"),
            query: q,
            ok: false,
        }),
        Some(q) => Some(match runner::run(db, def, &q, env, &sent).await {
            Ok(r) => {
                let message = match &r {
                    QueryResult::Sql { rows, .. } if rows.is_empty() => "Done.".to_string(),
                    QueryResult::Sql { rows, .. } => format!("Done: {} rows.", rows.len()),
                    QueryResult::Rest { status, .. } => format!("Done: HTTP {status}."),
                };
                results.insert(q.clone(), Ok(r));
                Outcome {
                    query: q,
                    ok: true,
                    message,
                }
            }
            Err(e) => Outcome {
                query: q,
                ok: false,
                message: e.message,
            },
        }),
    };
    // Then what the page shows when it opens: after a write, the tables
    // read the new rows.
    for q in queries_to_load(def) {
        let r = runner::run(db, def, &q, env, &sent)
            .await
            .map_err(|e| e.message);
        results.insert(q, r);
    }
    let constants = constants::values_in(db, env).await?;
    let globals = &constants.globals;
    let fill = Fill {
        environment: env,
        constants: globals,
        inputs: &inputs,
        results: &results,
    };
    let components = fill.page(def, &page_name);
    let title = fill.text(&title);
    Ok(ShownApp {
        app_name: app.name.clone(),
        slug: app.slug.clone(),
        environment: env.clone(),
        version_name: version_name.to_string(),
        preview: mode != Mode::Released,
        inspector: (mode == Mode::Inspect).then(|| Inspector::of(def, &inputs, &results, globals)),
        pages: def
            .pages
            .iter()
            .map(|p| (p.name.clone(), fill.text(&p.title)))
            .collect(),
        page: page_name,
        title: if title.is_empty() {
            app.name.clone()
        } else {
            title
        },
        components,
        outcome,
    })
}

/// The released apps a signed-in user may open (R5; P6: hidden ones left
/// out), for the end users' start page.
pub async fn launcher(db: &Db, user: &User) -> AppResult<Launcher> {
    let apps = super::apps::list(db, user, Some("500"), None).await?;
    Ok(Launcher {
        apps: apps
            .into_iter()
            .filter(|a| {
                a.released_version_id.is_some() && a.access.environments.contains(&RELEASED)
            })
            .map(|a| (a.name, a.slug))
            .collect(),
    })
}
