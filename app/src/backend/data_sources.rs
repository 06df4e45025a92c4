//! Data sources (SPEC D1–D6, P9): listed by anyone with edit access to
//! some app, changed and tested with `manage_data_sources`. Each
//! environment's options are stored in two parts: the public ones in the
//! clear, the secret fields sealed together with the master key (context
//! `data_source:ID:ENV`), so no read path can show a secret by mistake.
use super::access::{require_flag, require_lists_shared};
use super::audit;
use super::clock;
use super::db::{taken, Db, Tx};
use super::environments;
use super::runner;
use super::secrets;
use crate::domain::access::Flag;
use crate::domain::data_source::{
    stale_options, DataSourceKind, DataSourceView, EnvironmentOptions, NewDataSource,
    NewDataSourceInput, Options, OptionsChange, OptionsInput, OptionsSaved, Secrets, TestResult,
};
use crate::domain::environment::{EnvName, Environment};
use crate::domain::input::Input;
use crate::domain::template::{self, Reference};
use crate::domain::user::User;
use crate::error::{AppError, AppResult};
use secrecy::ExposeSecret;
use serde_json::{json, Value};
use sqlx::any::AnyRow;
use sqlx::Row;
use std::collections::HashMap;
use std::sync::Arc;

fn context(id: &str, environment: &str) -> String {
    format!("data_source:{id}:{environment}")
}

fn corrupt(what: &str) -> AppError {
    tracing::error!(what, "a stored data source row is corrupt");
    AppError::internal()
}

fn stored_kind(raw: &str) -> AppResult<DataSourceKind> {
    DataSourceKind::parse(raw).ok_or_else(|| corrupt("kind"))
}

/// One environment's stored options, secrets opened.
pub(crate) struct StoredOptions {
    pub options: Options,
    pub secrets: Secrets,
}

fn read_options(db: &Db, id: &str, kind: DataSourceKind, r: &AnyRow) -> AppResult<StoredOptions> {
    let env: String = r.get("environment");
    let public: Value =
        serde_json::from_str(&r.get::<String, _>("options")).map_err(|_| corrupt("options"))?;
    let secrets = match r.get::<Option<String>, _>("secrets") {
        None => Secrets::default(),
        Some(sealed) => {
            let plain = secrets::open_stored(db, &context(id, &env), &sealed)?;
            serde_json::from_str(plain.expose_secret()).map_err(|_| corrupt("secrets"))?
        }
    };
    let options = Options::stored(kind, &public, &secrets).map_err(|_| corrupt("options"))?;
    Ok(StoredOptions { options, secrets })
}

/// The options of a row holding `id`, `kind`, `environment`, `options` and
/// `secrets`, for a data source configured in that environment.
pub(super) fn stored_options(db: &Db, r: &AnyRow) -> AppResult<StoredOptions> {
    let id: String = r.get("id");
    let kind = stored_kind(&r.get::<String, _>("kind"))?;
    read_options(db, &id, kind, r)
}

const SELECT_VIEWS: &str =
    "SELECT d.id, d.name, d.kind, o.environment, o.options, o.secrets, o.revision \
     FROM data_sources d LEFT JOIN data_source_options o ON o.data_source_id = d.id";

/// Rows of `SELECT_VIEWS`, ordered by data source, as views: every
/// environment present, secrets masked.
fn views(db: &Db, rows: &[AnyRow], envs: &[Environment]) -> AppResult<Vec<DataSourceView>> {
    let mut out: Vec<DataSourceView> = Vec::new();
    for r in rows {
        let id: String = r.get("id");
        if out.last().map(|d| d.id != id).unwrap_or(true) {
            out.push(DataSourceView {
                id: id.clone(),
                name: r.get("name"),
                kind: stored_kind(&r.get::<String, _>("kind"))?,
                environments: envs
                    .iter()
                    .map(|e| {
                        (
                            e.name.to_string(),
                            EnvironmentOptions {
                                configured: false,
                                options: None,
                                revision: 0,
                            },
                        )
                    })
                    .collect(),
            });
        }
        let d = out.last_mut().expect("pushed above");
        if let Some(env) = r.get::<Option<String>, _>("environment") {
            // A vanished environment's options are kept but not shown.
            if let Some(slot) = d.environments.get_mut(&env) {
                let stored = read_options(db, &id, d.kind, r)?;
                *slot = EnvironmentOptions {
                    configured: true,
                    options: Some(stored.options.shown(&stored.secrets)),
                    revision: r.get::<i64, _>("revision"),
                };
            }
        }
    }
    Ok(out)
}

pub async fn list(db: &Db, user: &User) -> AppResult<Vec<DataSourceView>> {
    require_lists_shared(db, user, "data sources").await?;
    let envs = environments::all(db).await?;
    let rows = sqlx::query(&format!("{SELECT_VIEWS} ORDER BY d.name, d.id"))
        .fetch_all(&db.pool)
        .await?;
    views(db, &rows, &envs)
}

async fn one(db: &Db, id: &str) -> AppResult<DataSourceView> {
    let envs = environments::all(db).await?;
    let rows = sqlx::query(&format!("{SELECT_VIEWS} WHERE d.id = $1"))
        .bind(id)
        .fetch_all(&db.pool)
        .await?;
    views(db, &rows, &envs)?
        .pop()
        .ok_or_else(|| AppError::not_found("No such data source"))
}

/// Options may refer to constants and secrets (C2), secrets only in their
/// secret fields (C3), nothing else.
fn check_references(options: &Options, prefix: &str) -> AppResult<()> {
    for (field, text, slot) in options.texts_in_slots() {
        let at = format!("{prefix}{field}");
        let refs =
            template::references(text).map_err(|m| AppError::invalid(&at, format!("{at}: {m}")))?;
        for r in &refs {
            if !matches!(r, Reference::Constant(_) | Reference::Secret(_)) {
                return Err(AppError::invalid(
                    &at,
                    format!("{at}: {r} cannot be used in data source options, only constants and secrets"),
                ));
            }
            if let Some(message) = template::secret_misplaced(&at, r, slot) {
                return Err(AppError::invalid(&at, message));
            }
        }
    }
    Ok(())
}

/// Writes one environment's options and answers their new revision.
/// With `based_on` (D12) the write happens only if the stored options are
/// still at that revision, `0` meaning none are stored (two first saves
/// at once: the second finds the first's row and inserts nothing); the
/// write itself is the check, so a concurrent save cannot slip between.
/// `None` when the options were not at `based_on`, and nothing was written.
/// Without it the options are replaced whatever is there.
async fn write_options(
    db: &Db,
    tx: &mut Tx,
    id: &str,
    env: &str,
    options: &Options,
    secrets: &Secrets,
    based_on: Option<i64>,
) -> AppResult<Option<i64>> {
    let sealed = if secrets.is_empty() {
        None
    } else {
        let plain = serde_json::to_string(secrets).map_err(|_| AppError::internal())?;
        Some(secrets::key_of(db)?.seal(&context(id, env), &plain))
    };
    let sql = match based_on {
        None => {
            "INSERT INTO data_source_options (data_source_id, environment, options, secrets, revision) \
             VALUES ($1, $2, $3, $4, 1) ON CONFLICT (data_source_id, environment) \
             DO UPDATE SET options = excluded.options, secrets = excluded.secrets, \
             revision = data_source_options.revision + 1 RETURNING revision"
        }
        Some(0) => {
            "INSERT INTO data_source_options (data_source_id, environment, options, secrets, revision) \
             VALUES ($1, $2, $3, $4, 1) ON CONFLICT (data_source_id, environment) DO NOTHING \
             RETURNING revision"
        }
        Some(_) => {
            "UPDATE data_source_options SET options = $3, secrets = $4, revision = revision + 1 \
             WHERE data_source_id = $1 AND environment = $2 AND revision = $5 RETURNING revision"
        }
    };
    let mut q = sqlx::query(sql)
        .bind(id)
        .bind(env)
        .bind(options.public().to_string())
        .bind(sealed);
    if let Some(r) = based_on.filter(|r| *r > 0) {
        q = q.bind(r);
    }
    Ok(q.fetch_optional(&mut **tx)
        .await?
        .map(|r| r.get::<i64, _>("revision")))
}

pub async fn create(
    db: &Db,
    user: &User,
    input: Input<NewDataSourceInput>,
) -> AppResult<DataSourceView> {
    require_flag(db, user, Flag::ManageDataSources).await?;
    let NewDataSource {
        name,
        kind,
        environments: given,
    } = input.parse()?;
    let envs = environments::all(db).await?;
    for (env, options) in &given {
        EnvName::existing(&format!("environments.{env}"), env, &envs)?;
        check_references(options, &format!("environments.{env}."))?;
    }
    let id = clock::new_id();
    let mut tx = db.begin().await?;
    let inserted = sqlx::query(
        "INSERT INTO data_sources (id, name, kind, created_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(&id)
    .bind(&name)
    .bind(kind.as_str())
    .bind(clock::now())
    .execute(&mut *tx)
    .await;
    if let Err(e) = inserted {
        return Err(taken(
            e,
            "name",
            format!("There is already a data source named {name}"),
        ));
    }
    for (env, options) in &given {
        let env_name = EnvName::existing("environment", env, &envs)?;
        let resolved = super::runner::target_now(db, options, &env_name).await?;
        let secrets = options.merge_secrets(None, &Secrets::default(), &resolved)?;
        write_options(db, &mut tx, &id, env, options, &secrets, Some(0))
            .await?
            .ok_or_else(AppError::internal)?;
    }
    audit::record(
        &mut tx,
        user.into(),
        "data_source.create",
        &format!("data_source:{id}"),
        None,
        json!({ "name": name, "kind": kind.as_str(), "environments": given.keys().collect::<Vec<_>>() }),
    )
    .await?;
    tx.commit().await?;
    one(db, &id).await
}

/// The data source `id`, locked until `tx` ends.
async fn lock(db: &Db, tx: &mut Tx, id: &str) -> AppResult<(String, DataSourceKind)> {
    let (name, kind) =
        super::db::lock_name_kind(db, tx, "data_sources", id, "No such data source").await?;
    Ok((name, stored_kind(&kind)?))
}

/// Replaces one environment's options; masked or absent secrets keep
/// their stored values (D3). With a `revision` the save is based on what
/// the saver read (D12): options that changed since (or were configured,
/// for revision 0) are a conflict and nothing changes. The pool of that
/// environment is dropped.
pub async fn set_options(
    db: &Db,
    user: &User,
    id: &str,
    env: &str,
    input: Input<OptionsInput>,
) -> AppResult<OptionsSaved> {
    require_flag(db, user, Flag::ManageDataSources).await?;
    let env = EnvName::in_path(env, &environments::all(db).await?)?;
    let mut tx = db.begin().await?;
    let (name, kind) = lock(db, &mut tx, id).await?;
    let OptionsChange {
        options,
        revision: based_on,
    } = input.parse()?;
    let options = Options::parse(kind, &options)?;
    check_references(&options, "")?;
    let stored = sqlx::query(
        "SELECT environment, options, secrets, revision FROM data_source_options \
         WHERE data_source_id = $1 AND environment = $2",
    )
    .bind(id)
    .bind(env.as_str())
    .fetch_optional(&mut *tx)
    .await?;
    let current = stored
        .as_ref()
        .map(|r| r.get::<i64, _>("revision"))
        .unwrap_or(0);
    let before = stored
        .as_ref()
        .map(|r| read_options(db, id, kind, r))
        .transpose()?;
    let resolved = super::runner::target_now(db, &options, &env).await?;
    let secrets = match &before {
        Some(b) => options.merge_secrets(Some(&b.options), &b.secrets, &resolved)?,
        None => options.merge_secrets(None, &Secrets::default(), &resolved)?,
    };
    // After every 422 (API.md's order): a stale save that is also invalid
    // is told what is invalid first.
    if let Some(given) = based_on.filter(|given| *given != current) {
        return Err(stale_options(given, current));
    }
    let revision =
        match write_options(db, &mut tx, id, env.as_str(), &options, &secrets, based_on).await? {
            Some(r) => r,
            // Not reached while the data source's lock is held; the write
            // checks it all the same.
            None => return Err(stale_options(based_on.unwrap_or_default(), current)),
        };
    audit::record(
        &mut tx,
        user.into(),
        "data_source.update",
        &format!("data_source:{id}"),
        None,
        json!({ "name": name, "environment": env.as_str(), "options": options.shown(&secrets), "revision": revision }),
    )
    .await?;
    tx.commit().await?;
    db.pools.forget(id, env.as_str());
    Ok(OptionsSaved {
        data_source: one(db, id).await?,
        revision,
    })
}

/// The apps and versions whose definitions use the data source `name`.
async fn users_of(tx: &mut Tx, name: &str) -> AppResult<Vec<Value>> {
    let rows = sqlx::query(
        "SELECT a.name AS app, v.name AS version, v.definition FROM versions v \
         JOIN apps a ON a.id = v.app_id ORDER BY a.name, v.created_at",
    )
    .fetch_all(&mut **tx)
    .await?;
    let mut out = Vec::new();
    for r in &rows {
        let def: Value =
            serde_json::from_str(&r.get::<String, _>("definition")).unwrap_or(Value::Null);
        let uses = def["queries"]
            .as_array()
            .is_some_and(|qs| qs.iter().any(|q| q["data_source"] == name));
        if uses {
            out.push(json!({ "app": r.get::<String, _>("app"), "version": r.get::<String, _>("version") }));
        }
    }
    Ok(out)
}

/// D6: refused while any version uses it, naming them.
pub async fn delete(db: &Db, user: &User, id: &str) -> AppResult<()> {
    require_flag(db, user, Flag::ManageDataSources).await?;
    let mut tx = db.begin().await?;
    let (name, kind) = lock(db, &mut tx, id).await?;
    let used = users_of(&mut tx, &name).await?;
    if !used.is_empty() {
        let list = used
            .iter()
            .map(|u| {
                format!(
                    "{} {}",
                    u["app"].as_str().unwrap_or(""),
                    u["version"].as_str().unwrap_or("")
                )
            })
            .collect::<Vec<_>>()
            .join(", ");
        return Err(AppError {
            details: Some(json!({ "used_by": used })),
            ..AppError::conflict(format!(
                "{name} is used by {list}: remove it from their queries first"
            ))
        });
    }
    sqlx::query("DELETE FROM data_sources WHERE id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    audit::record(
        &mut tx,
        user.into(),
        "data_source.delete",
        &format!("data_source:{id}"),
        None,
        json!({ "name": name, "kind": kind.as_str() }),
    )
    .await?;
    tx.commit().await?;
    db.pools.forget_all(id);
    Ok(())
}

/// Every data source's kind, by name: what a definition is checked against.
/// Every data source's kind by name, held in memory until the next change
/// (`kinds` reads them, in a transaction where it matters).
pub async fn kinds_held(db: &Db) -> AppResult<Arc<HashMap<String, DataSourceKind>>> {
    db.cache
        .get(&db.cache.source_kinds, (), kinds(db, None))
        .await
}

pub async fn kinds(db: &Db, tx: Option<&mut Tx>) -> AppResult<HashMap<String, DataSourceKind>> {
    let sql = format!(
        "SELECT name, kind FROM data_sources{}",
        match db.backend {
            super::db::Backend::Postgres if tx.is_some() => " FOR SHARE",
            _ => "",
        }
    );
    let rows = match tx {
        Some(tx) => sqlx::query(&sql).fetch_all(&mut **tx).await?,
        None => sqlx::query(&sql).fetch_all(&db.pool).await?,
    };
    rows.iter()
        .map(|r| Ok((r.get("name"), stored_kind(&r.get::<String, _>("kind"))?)))
        .collect()
}

/// A data source's id, kind and options in one environment, if it has them.
pub(crate) type ForRun = (String, DataSourceKind, Option<StoredOptions>);

/// One data source's options in `environment`, by name, for a run; held in
/// memory until the next change.
pub(super) async fn for_run(db: &Db, name: &str, environment: &EnvName) -> AppResult<Arc<ForRun>> {
    db.cache
        .get(
            &db.cache.source_options,
            (name.to_string(), environment.to_string()),
            read_for_run(db, name, environment),
        )
        .await
}

async fn read_for_run(db: &Db, name: &str, environment: &EnvName) -> AppResult<ForRun> {
    let row = sqlx::query(
        "SELECT d.id, d.kind, o.environment, o.options, o.secrets FROM data_sources d \
         LEFT JOIN data_source_options o ON o.data_source_id = d.id AND o.environment = $2 \
         WHERE d.name = $1",
    )
    .bind(name)
    .bind(environment)
    .fetch_optional(&db.pool)
    .await?
    .ok_or_else(|| {
        AppError::invalid(
            "data_source",
            format!("There is no data source named {name:?}"),
        )
    })?;
    let id: String = row.get("id");
    let kind = stored_kind(&row.get::<String, _>("kind"))?;
    let stored = match row.get::<Option<String>, _>("environment") {
        Some(_) => Some(read_options(db, &id, kind, &row)?),
        None => None,
    };
    Ok((id, kind, stored))
}

/// D4: connects with one environment's options and reports the outcome,
/// with any secret removed from the driver's message.
pub async fn test(db: &Db, user: &User, id: &str, env: &str) -> AppResult<TestResult> {
    require_flag(db, user, Flag::ManageDataSources).await?;
    let env = EnvName::in_path(env, &environments::all(db).await?)?;
    let name: String = sqlx::query("SELECT name FROM data_sources WHERE id = $1")
        .bind(id)
        .fetch_optional(&db.pool)
        .await?
        .ok_or_else(|| AppError::not_found("No such data source"))?
        .get("name");
    Ok(match runner::test_connection(db, &name, &env).await {
        Ok(message) => TestResult { ok: true, message },
        Err(e) => TestResult {
            ok: false,
            message: e.message,
        },
    })
}

/// Everything the data sources page shows.
pub async fn page(db: &Db, user: &User) -> AppResult<crate::domain::data_source::DataSourcesPage> {
    let data_sources = list(db, user).await?;
    let environments = environments::all(db)
        .await?
        .iter()
        .map(|e| e.name.to_string())
        .collect();
    let change_refusal = super::access::flags_of(db, user)
        .await?
        .denial(Flag::ManageDataSources);
    Ok(crate::domain::data_source::DataSourcesPage {
        data_sources,
        environments,
        change_refusal,
    })
}
