//! Versions (SPEC V1–V10): create from another, rename, edit the
//! definition, save, promote, release, delete, list per environment.
//! Each state change is one transaction whose condition is checked by the
//! write itself, so concurrent requests cannot both win.
use super::apps::{self, Found};
use super::audit;
use super::clock;
use super::db::{unique_violation_on, Backend, Db, Tx};
use super::preflight;
use super::requests;
use crate::domain::app::{
    Confirmation, DefinitionChange, DefinitionInput, NewVersion, NewVersionInput, PromoteInput,
    ReleaseInput, VersionChange, VersionChangeInput, VersionView,
};
use crate::domain::diff::Compared;
use crate::domain::environment::EnvName;
use crate::domain::input::Input;
use crate::domain::lifecycle::{
    environments_listed, next_environment, refusal, release_environment, VersionAction,
    VersionFacts, VersionStatus, DEVELOPMENT,
};
use crate::domain::preflight::{fix_link, override_denied, Checked, MissingKind, Preflight};
use crate::domain::request::{stale, RequestAction};
use crate::domain::user::User;
use crate::error::{AppError, AppResult};
use serde_json::{json, Value};
use sqlx::any::AnyRow;
use sqlx::Row;

const COLUMNS: &str = "v.id, v.app_id, v.name, v.description, v.status, v.environment, \
    v.parent_version_id, v.created_by, v.created_at, v.saved_at, v.revision, \
    (CASE WHEN a.released_version_id = v.id THEN 1 ELSE 0 END) AS released";

/// A version row; a status the rules do not know is a corrupt row, an
/// error, never read as some default.
fn view(r: &AnyRow) -> AppResult<VersionView> {
    let status: String = r.get("status");
    let status = VersionStatus::parse(&status).ok_or_else(|| {
        tracing::error!(version_id = %r.get::<String, _>("id"), status, "unknown version status in the database");
        AppError::internal()
    })?;
    Ok(VersionView {
        id: r.get("id"),
        app_id: r.get("app_id"),
        name: r.get("name"),
        description: r.get("description"),
        status,
        environment: r.get("environment"),
        released: r.get::<i64, _>("released") != 0,
        parent_version_id: r.get("parent_version_id"),
        created_by: r.get("created_by"),
        created_at: r.get("created_at"),
        saved_at: r.get("saved_at"),
        revision: r.get("revision"),
        definition: None,
    })
}

const DUPLICATE: &str = "This app already has a version with this name";

/// The error a failed write of a version means: a unique violation on the
/// version names of an app (PostgreSQL names the constraint, SQLite the
/// columns) is a 409 about `name`; anything else is the database's failure.
fn write_error(e: sqlx::Error) -> AppError {
    match unique_violation_on(&e).as_deref() {
        Some("versions_app_id_name_key_key" | "versions.app_id, versions.name_key") => {
            let mut conflict = AppError::conflict(DUPLICATE);
            conflict.details = Some(json!({ "field": "name" }));
            conflict
        }
        Some(other) => {
            tracing::error!(
                constraint = other,
                "unexpected unique violation on versions"
            );
            AppError::conflict(DUPLICATE)
        }
        None => e.into(),
    }
}

pub(super) async fn insert(tx: &mut Tx, v: &VersionView, definition: &Value) -> AppResult<()> {
    let inserted = sqlx::query(
        "INSERT INTO versions (id, app_id, name, name_key, description, status, environment, \
         parent_version_id, created_by, created_at, saved_at, revision, definition) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
    )
    .bind(&v.id)
    .bind(&v.app_id)
    .bind(&v.name)
    .bind(v.name.to_lowercase())
    .bind(&v.description)
    .bind(v.status.as_str())
    .bind(&v.environment)
    .bind(&v.parent_version_id)
    .bind(&v.created_by)
    .bind(&v.created_at)
    .bind(&v.saved_at)
    .bind(v.revision)
    .bind(definition.to_string())
    .execute(&mut **tx)
    .await;
    inserted.map(|_| ()).map_err(write_error)
}

/// One version of an app, with how many versions the app has.
pub(super) struct Loaded {
    pub(super) found: Found,
    pub(super) version: VersionView,
    count: usize,
}

impl Loaded {
    pub(super) fn facts(&self) -> VersionFacts<'_> {
        VersionFacts {
            status: self.version.status,
            environment: &self.version.environment,
            released: self.version.released,
            versions_in_app: self.count,
        }
    }

    /// B3, inside the move's transaction: 409 listing what `to` lacks,
    /// unless overridden; then what was missing, for the audit.
    async fn preflight(
        &self,
        db: &Db,
        tx: &mut Tx,
        to: &EnvName,
        overriding: bool,
    ) -> AppResult<Option<Value>> {
        let doc = self.version.definition.as_ref().ok_or_else(|| {
            tracing::error!(version_id = %self.version.id, "a pre-flight without the definition");
            AppError::internal()
        })?;
        let missing = preflight::missing_in(db, &mut **tx, doc, to, true).await?;
        preflight::enforce(missing, overriding)
    }

    pub(super) fn check(&self, action: VersionAction) -> AppResult<()> {
        match refusal(action, &self.facts(), &self.found.access, &self.found.envs) {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}

async fn load(db: &Db, user: &User, app_id: &str, version_id: &str) -> AppResult<Loaded> {
    let found = apps::find(db, user, app_id).await?;
    load_in(db, found, version_id, false).await
}

/// The version with its definition, for a move that checks the pre-flight.
async fn load_defined(db: &Db, user: &User, app_id: &str, version_id: &str) -> AppResult<Loaded> {
    let found = apps::find(db, user, app_id).await?;
    load_in(db, found, version_id, true).await
}

/// B3: whether the caller asks to override a failed pre-flight; 403 unless
/// they may.
pub(super) fn override_asked<T: crate::domain::input::Validate + serde::Serialize>(
    user: &User,
    input: &Input<T>,
) -> AppResult<bool> {
    if !input.is_true("override_preflight") {
        return Ok(false);
    }
    match override_denied(user.role) {
        Some(reason) => Err(AppError::forbidden(reason)),
        None => Ok(true),
    }
}

/// What every promote and release does after the move itself: closes the
/// requests for it that it overtook (B7), then audits it (L1) with what an
/// override let through (B3), the request it answers, and how many it
/// closed.
#[allow(clippy::too_many_arguments)]
async fn record_move(
    tx: &mut Tx,
    user: &User,
    l: &Loaded,
    action: RequestAction,
    stale_reason: &str,
    mut details: Value,
    overridden: Option<Value>,
    request: Option<&Value>,
) -> AppResult<()> {
    let closed = requests::close_overtaken(tx, user, &l.version.id, action, stale_reason).await?;
    if let Some(missing) = overridden {
        details["override_preflight"] = json!(true);
        details["missing"] = missing;
    }
    if let Some(r) = request {
        details["request"] = r.clone();
    }
    if closed > 0 {
        details["closed_requests"] = json!(closed);
    }
    audit::record(
        tx,
        user.into(),
        &format!("version.{}", action.as_str()),
        &format!("version:{}", l.version.id),
        Some(&l.found.app.id),
        details,
    )
    .await
}

/// The version of an app already found, with its definition if asked.
pub(super) async fn load_in(
    db: &Db,
    found: Found,
    version_id: &str,
    definition: bool,
) -> AppResult<Loaded> {
    let def = if definition { ", v.definition" } else { "" };
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS}{def}, (SELECT COUNT(*) FROM versions c WHERE c.app_id = a.id) AS n \
         FROM versions v JOIN apps a ON a.id = v.app_id WHERE v.app_id = $1 AND v.id = $2"
    ))
    .bind(&found.app.id)
    .bind(version_id)
    .fetch_optional(&db.pool)
    .await?
    .ok_or_else(|| AppError::not_found("No such version"))?;
    let mut version = view(&row)?;
    if definition {
        let text: String = row.get("definition");
        version.definition = Some(serde_json::from_str(&text).map_err(|e| {
            tracing::error!(version_id, error = %e, "a stored definition is not JSON");
            AppError::internal()
        })?);
    }
    Ok(Loaded {
        found,
        version,
        count: row.get::<i64, _>("n") as usize,
    })
}

/// V9: the versions listed in `environment`, or without one the union over
/// the caller's environments.
pub async fn list(
    db: &Db,
    user: &User,
    app_id: &str,
    environment: Option<&str>,
) -> AppResult<Vec<VersionView>> {
    let found = apps::find(db, user, app_id).await?;
    let environment = environment
        .map(|e| EnvName::existing("environment", e, &found.envs))
        .transpose()?;
    listed(db, &found, environment.as_ref()).await
}

/// `list` for an app already loaded with the caller's access.
async fn listed(
    db: &Db,
    found: &Found,
    environment: Option<&EnvName>,
) -> AppResult<Vec<VersionView>> {
    let listing: Vec<&EnvName> = match environment {
        Some(e) => {
            if !found.access.has(e) {
                return Err(AppError::forbidden(format!(
                    "You do not have access to {e}"
                )));
            }
            vec![e]
        }
        None => found.access.listable().collect(),
    };
    if listing.is_empty() {
        return Err(lists_no_version());
    }
    // V9 decided by the one rule, applied in SQL: the environments whose
    // versions these listings show.
    let shown = environments_listed(&found.envs, &listing);
    if shown.is_empty() {
        return Ok(Vec::new());
    }
    let marks: Vec<String> = (2..shown.len() + 2).map(|i| format!("${i}")).collect();
    let sql = format!(
        "SELECT {COLUMNS} FROM versions v JOIN apps a ON a.id = v.app_id \
         WHERE v.app_id = $1 AND v.environment IN ({}) ORDER BY v.created_at DESC, v.id",
        marks.join(", ")
    );
    let mut q = sqlx::query(&sql).bind(&found.app.id);
    for e in &shown {
        q = q.bind(e.as_str());
    }
    q.fetch_all(&db.pool).await?.iter().map(view).collect()
}

/// For a caller whose access lists no version of the app (P4: `released`
/// only): its versions, and what is made of them, are not theirs to see.
fn lists_no_version() -> AppError {
    AppError::forbidden("You may open only the released app, not its versions")
}

/// B4: the app's releases, newest first, for a caller who may list its
/// versions somewhere.
pub async fn releases(
    db: &Db,
    user: &User,
    app_id: &str,
) -> AppResult<Vec<crate::domain::app::Release>> {
    let found = apps::find(db, user, app_id).await?;
    if found.access.listable().next().is_none() {
        return Err(lists_no_version());
    }
    let rows = sqlx::query(
        "SELECT version_id, version_name, released_by, released_at, note, previous_version_id \
         FROM releases WHERE app_id = $1 ORDER BY n DESC",
    )
    .bind(&found.app.id)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows
        .iter()
        .map(|r| crate::domain::app::Release {
            version_id: r.get("version_id"),
            version_name: r.get("version_name"),
            released_by: r.get("released_by"),
            released_at: r.get("released_at"),
            note: r.get("note"),
            previous_version_id: r.get("previous_version_id"),
        })
        .collect())
}

/// One version with its definition, for a caller who may list it somewhere.
pub async fn get(db: &Db, user: &User, app_id: &str, version_id: &str) -> AppResult<VersionView> {
    let found = apps::find(db, user, app_id).await?;
    Ok(visible(db, found, version_id).await?.version)
}

/// The version with its definition, if the caller may list it (V9).
async fn visible(db: &Db, found: Found, version_id: &str) -> AppResult<Loaded> {
    let l = load_in(db, found, version_id, true).await?;
    if !l
        .found
        .access
        .lists_version(&l.version.environment, &l.found.envs)
    {
        return Err(AppError::forbidden(format!(
            "You do not have access to {}",
            l.version.environment
        )));
    }
    Ok(l)
}

/// B2: what changed from version `a` to version `b` of one app, for a
/// caller who may list both (V9).
pub async fn compare(db: &Db, user: &User, app_id: &str, a: &str, b: &str) -> AppResult<Compared> {
    let found = apps::find(db, user, app_id).await?;
    let from = visible(db, found, a).await?;
    let to = visible(db, from.found, b).await?;
    Ok(compared(&from.version, &to.version))
}

/// Who may read a version's pre-flight: whoever edits where it is (who
/// may move it, or ask to). What is configured where is builders'
/// business (P9), not a viewer's.
fn preflight_denial(l: &Loaded) -> Option<String> {
    l.found.access.edit_denial(&l.version.environment)
}

/// B3: what version `version_id` lacks in environment `to`, for a caller
/// who edits where it is.
pub async fn preflight(
    db: &Db,
    user: &User,
    app_id: &str,
    version_id: &str,
    to: Option<&str>,
) -> AppResult<Preflight> {
    let found = apps::find(db, user, app_id).await?;
    let l = visible(db, found, version_id).await?;
    if let Some(reason) = preflight_denial(&l) {
        return Err(AppError::forbidden(reason));
    }
    let to = EnvName::existing("to", to.unwrap_or_default(), &l.found.envs)?;
    let doc = l.version.definition.clone().unwrap_or_default();
    let mut conn = db.pool.acquire().await?;
    let missing = preflight::missing_in(db, &mut *conn, &doc, &to, false).await?;
    Ok(Preflight::of(missing))
}

fn compared(from: &VersionView, to: &VersionView) -> Compared {
    let doc = |v: &VersionView| v.definition.clone().unwrap_or_default();
    Compared {
        from_id: from.id.clone(),
        from_name: from.name.clone(),
        to_id: to.id.clone(),
        to_name: to.name.clone(),
        diff: crate::domain::diff::diff(&doc(from), &doc(to)),
    }
}

/// A confirmation page's diff and pre-flight. B2: what a release would
/// change against the released version, or a promote against the newest
/// version the next environment holds; `None` when there is nothing there
/// to compare with (or it is this version, or the caller may not list it).
/// B3: what the target lacks, each with where to fix it.
pub async fn confirmation(
    db: &Db,
    user: &User,
    app_id: &str,
    version_id: &str,
    release: bool,
) -> AppResult<Confirmation> {
    let found = apps::find(db, user, app_id).await?;
    let this = visible(db, found, version_id).await?;
    let target_env = if release {
        release_environment(&this.found.envs)
    } else {
        next_environment(&this.found.envs, &this.version.environment)
    }
    .map(|e| e.name.clone());
    // Nothing to check for a viewer, or for a re-release, which changes
    // nothing (V6).
    let rerelease = release && this.version.released;
    let preflight = match &target_env {
        Some(env) if preflight_denial(&this).is_none() && !rerelease => {
            Some(checked(db, user, &this.version, env).await?)
        }
        _ => None,
    };
    let target: Option<String> = match (&target_env, release) {
        (_, true) => this.found.app.released_version_id.clone(),
        (None, false) => None,
        (Some(next), false) => sqlx::query(
            "SELECT id FROM versions WHERE app_id = $1 AND environment = $2 AND id <> $3 \
             ORDER BY created_at DESC, id LIMIT 1",
        )
        .bind(&this.found.app.id)
        .bind(next)
        .bind(&this.version.id)
        .fetch_optional(&db.pool)
        .await?
        .map(|r| r.get("id")),
    };
    let Some(target) = target.filter(|t| *t != this.version.id) else {
        return Ok(Confirmation {
            compared: None,
            preflight,
        });
    };
    let version = this.version;
    let compared = match visible(db, this.found, &target).await {
        Ok(there) => Some(compared(&there.version, &version)),
        Err(e) if e.status() == 403 => None,
        Err(e) => return Err(e),
    };
    Ok(Confirmation {
        compared,
        preflight,
    })
}

/// The pre-flight of `version` in `env` as a confirmation page shows it.
async fn checked(db: &Db, user: &User, version: &VersionView, env: &EnvName) -> AppResult<Checked> {
    let doc = version.definition.clone().unwrap_or_default();
    let mut conn = db.pool.acquire().await?;
    let missing = preflight::missing_in(db, &mut *conn, &doc, env, false).await?;
    let ids: std::collections::HashMap<String, String> =
        if missing.iter().any(|m| m.kind == MissingKind::DataSource) {
            sqlx::query("SELECT id, name FROM data_sources")
                .fetch_all(&mut *conn)
                .await?
                .iter()
                .map(|r| (r.get("name"), r.get("id")))
                .collect()
        } else {
            Default::default()
        };
    Ok(Checked {
        environment: env.clone(),
        missing: missing
            .into_iter()
            .map(|m| {
                let link = fix_link(&m, ids.get(&m.name).map(String::as_str));
                (m, link)
            })
            .collect(),
        override_denied: override_denied(user.role).map(str::to_string),
    })
}

/// A version's page: the version, and the app page of the environment it
/// is in, from one look-up of the app and the caller's access.
pub async fn version_page(
    db: &Db,
    user: &User,
    app_id: &str,
    version_id: &str,
) -> AppResult<(crate::domain::app::AppPage, VersionView)> {
    let found = apps::find(db, user, app_id).await?;
    let l = visible(db, found, version_id).await?;
    let environment = l.version.environment.clone();
    let page = page_of(db, l.found, &environment).await?;
    Ok((page, l.version))
}

/// V2: a new draft in development, copying the definition of `from`.
pub async fn create(
    db: &Db,
    user: &User,
    app_id: &str,
    input: Input<NewVersionInput>,
) -> AppResult<VersionView> {
    let found = apps::find(db, user, app_id).await?;
    found.require(VersionAction::CreateFrom, &DEVELOPMENT)?;
    let NewVersion {
        name,
        from_version_id,
        description,
    } = input.parse()?;
    let from_version_id = from_version_id.as_str();
    let mut tx = db.begin().await?;
    let from = sqlx::query("SELECT definition FROM versions WHERE id = $1 AND app_id = $2")
        .bind(from_version_id)
        .bind(app_id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| {
            AppError::invalid("from_version_id", "This app has no version with that id")
        })?;
    let definition: Value =
        serde_json::from_str(&from.get::<String, _>("definition")).map_err(|e| {
            tracing::error!(from_version_id, error = %e, "a stored definition is not JSON");
            AppError::internal()
        })?;
    // R9: a new version's definition is within the limits, whichever
    // version it comes from.
    crate::domain::definition::check_limits(&definition)?;
    // The data sources it names, held until the copy commits (as a save
    // holds them): a delete of one waits and then sees this version use it
    // (D6), or went first, and then the copy is refused.
    hold_sources(db, &mut tx, &definition).await?;
    let v = VersionView {
        id: clock::new_id(),
        app_id: app_id.into(),
        name: name.as_str().into(),
        description,
        status: VersionStatus::Draft,
        environment: DEVELOPMENT.into(),
        released: false,
        parent_version_id: Some(from_version_id.into()),
        created_by: user.id.clone(),
        created_at: clock::now(),
        saved_at: None,
        revision: 1,
        definition: None,
    };
    insert(&mut tx, &v, &definition).await?;
    audit::record(
        &mut tx,
        user.into(),
        "version.create",
        &format!("version:{}", v.id),
        Some(app_id),
        json!({ "name": v.name, "from_version_id": from_version_id }),
    )
    .await?;
    tx.commit().await?;
    Ok(v)
}

/// Holds the data sources `definition` names (share locks until `tx`
/// ends, as `data_sources::kinds` takes them for a save); one that no
/// longer exists is a conflict naming it.
async fn hold_sources(db: &Db, tx: &mut Tx, definition: &Value) -> AppResult<()> {
    let sources = super::data_sources::kinds(db, Some(tx)).await?;
    let named = definition["queries"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|q| q["data_source"].as_str());
    for name in named {
        if !sources.contains_key(name) {
            return Err(AppError::conflict(format!(
                "The data source {name} that this version's queries use no longer exists: \
                 a new version cannot be made from it"
            )));
        }
    }
    Ok(())
}

/// The write of an edit happens only if the version is still a draft in
/// development (V3); otherwise the change is a conflict.
const STILL_EDITABLE: &str = "status = 'draft' AND environment = 'development'";

/// `version.update` (L1): the name, the description or the definition.
async fn record_update(
    tx: &mut Tx,
    user: &User,
    app_id: &str,
    version_id: &str,
    details: Value,
) -> AppResult<()> {
    audit::record(
        tx,
        user.into(),
        "version.update",
        &format!("version:{version_id}"),
        Some(app_id),
        details,
    )
    .await
}

/// V3: rename and describe a draft in development. The permission answers
/// before the input is parsed (403 before 422), so the input arrives
/// unparsed; then the version is locked and re-read, its state checked on
/// what is there now, and only the fields sent that differ are written, so
/// two requests changing different fields both take effect.
pub async fn update(
    db: &Db,
    user: &User,
    app_id: &str,
    version_id: &str,
    change: Input<VersionChangeInput>,
) -> AppResult<VersionView> {
    let l = load(db, user, app_id, version_id).await?;
    l.found.require(VersionAction::Edit, &DEVELOPMENT)?;
    let VersionChange { name, description } = change.parse()?;
    let mut tx = db.begin().await?;
    let released = lock_app(db, &mut tx, app_id).await?;
    let (before, count) =
        lock_version(db, &mut tx, app_id, version_id, released.as_deref()).await?;
    let facts = VersionFacts {
        status: before.status,
        environment: &before.environment,
        released: before.released,
        versions_in_app: count,
    };
    if let Some(e) = refusal(VersionAction::Edit, &facts, &l.found.access, &l.found.envs) {
        return Err(e);
    }
    let mut after = before.clone();
    // The columns to write and their values, from the fields sent.
    let mut set: Vec<(&str, String)> = Vec::new();
    let mut details = serde_json::Map::new();
    if let Some(n) = name.filter(|n| n.as_str() != before.name) {
        set.push(("name", n.as_str().into()));
        set.push(("name_key", n.as_str().to_lowercase()));
        details.insert(
            "name".into(),
            json!({ "from": before.name, "to": n.as_str() }),
        );
        after.name = n.as_str().into();
    }
    if let Some(d) = description.filter(|d| *d != before.description) {
        details.insert(
            "description".into(),
            json!({ "from": before.description, "to": d }),
        );
        after.description = d.clone();
        set.push(("description", d));
    }
    if set.is_empty() {
        // Nothing changes, so nothing is recorded (L1).
        return Ok(before);
    }
    let sql = format!(
        "UPDATE versions SET {} WHERE id = ${} AND {STILL_EDITABLE}",
        super::db::assignments(set.iter().map(|(column, _)| *column)),
        set.len() + 1
    );
    let mut q = sqlx::query(&sql);
    for (_, value) in set {
        q = q.bind(value);
    }
    let n = q
        .bind(version_id)
        .execute(&mut *tx)
        .await
        .map_err(write_error)?
        .rows_affected();
    if n != 1 {
        return Err(AppError::conflict(
            "Only draft versions in development can be renamed",
        ));
    }
    record_update(&mut tx, user, app_id, version_id, details.into()).await?;
    tx.commit().await?;
    Ok(after)
}

/// V3 + V10: replaces the definition of a draft in development if it is
/// still at `revision`; answers the version with its new revision.
pub async fn put_definition(
    db: &Db,
    user: &User,
    app_id: &str,
    version_id: &str,
    input: Input<DefinitionInput>,
) -> AppResult<VersionView> {
    let l = load(db, user, app_id, version_id).await?;
    l.found.require(VersionAction::Edit, &DEVELOPMENT)?;
    let DefinitionChange {
        definition,
        revision,
    } = input.parse()?;
    store_definition(db, user, l, definition, revision).await
}

/// The form editor's change (issue 11), applied to the definition as it
/// is at `revision` and saved like a whole new definition (V3, V10).
pub async fn edit_definition(
    db: &Db,
    user: &User,
    app_id: &str,
    version_id: &str,
    revision: i64,
    input: Input<crate::domain::editor::EditForm>,
) -> AppResult<VersionView> {
    let found = apps::find(db, user, app_id).await?;
    found.require(VersionAction::Edit, &DEVELOPMENT)?;
    let l = load_in(db, found, version_id, true).await?;
    let edit = input.parse()?;
    let current = l.version.definition.clone().unwrap_or(Value::Null);
    let definition = crate::domain::editor::apply(&current, edit)?;
    store_definition(db, user, l, definition, revision).await
}

/// Writes a draft's new definition if it is still at `revision`, after
/// checking it against every rule (V3, V10, R1–R3).
async fn store_definition(
    db: &Db,
    user: &User,
    l: Loaded,
    definition: Value,
    revision: i64,
) -> AppResult<VersionView> {
    let (app_id, version_id) = (l.found.app.id.clone(), l.version.id.clone());
    let (app_id, version_id) = (app_id.as_str(), version_id.as_str());
    l.check(VersionAction::Edit)?;
    let mut tx = db.begin().await?;
    // Checked against the data sources as they stand, locked until the
    // save commits so a concurrent delete sees this use (D6).
    let sources = super::data_sources::kinds(db, Some(&mut tx)).await?;
    crate::domain::definition::parse_new(&definition, &sources)?;
    let n = sqlx::query(&format!(
        "UPDATE versions SET definition = $1, revision = revision + 1 WHERE id = $2 AND revision = $3 AND {STILL_EDITABLE}"
    ))
    .bind(definition.to_string())
    .bind(version_id)
    .bind(revision)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if n != 1 {
        return Err(AppError::conflict(
            "This version changed since you opened it (or was saved); reload it and apply your change again",
        ));
    }
    record_update(
        &mut tx,
        user,
        app_id,
        version_id,
        json!({ "definition": { "revision": revision + 1 } }),
    )
    .await?;
    tx.commit().await?;
    let mut v = l.version;
    v.revision = revision + 1;
    v.definition = Some(definition.clone());
    Ok(v)
}

/// V4: a draft becomes saved; its definition never changes again.
pub async fn save(db: &Db, user: &User, app_id: &str, version_id: &str) -> AppResult<VersionView> {
    let l = load(db, user, app_id, version_id).await?;
    l.check(VersionAction::Save)?;
    let now = clock::now();
    let mut tx = db.begin().await?;
    let n = sqlx::query(
        "UPDATE versions SET status = 'saved', saved_at = $1 WHERE id = $2 AND status = 'draft'",
    )
    .bind(&now)
    .bind(version_id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if n != 1 {
        return Err(AppError::conflict("This version is already saved"));
    }
    audit::record(
        &mut tx,
        user.into(),
        "version.save",
        &format!("version:{version_id}"),
        Some(app_id),
        json!({ "name": l.version.name }),
    )
    .await?;
    tx.commit().await?;
    Ok(VersionView {
        status: VersionStatus::Saved,
        saved_at: Some(now),
        ..l.version
    })
}

/// V5: one step up, if the version is still where the caller believes it is.
/// `from` arrives unparsed so that a bad value answers after the 404 and
/// 403 checks (API.md's order). Also answers whether the caller may list
/// versions in the environment it went to, so a page can follow it there.
pub async fn promote(
    db: &Db,
    user: &User,
    app_id: &str,
    version_id: &str,
    input: Input<PromoteInput>,
) -> AppResult<(VersionView, bool)> {
    let l = load_defined(db, user, app_id, version_id).await?;
    l.found
        .require(VersionAction::Promote, &l.version.environment)?;
    let overriding = override_asked(user, &input)?;
    let from = input.read()?.from.unwrap_or_default();
    let from = EnvName::existing("from", &from, &l.found.envs)?;
    let mut tx = db.begin().await?;
    let to = promote_in(db, &mut tx, user, &l, from.as_str(), overriding, None).await?;
    tx.commit().await?;
    let followable = l.found.access.has(&to);
    Ok((
        VersionView {
            environment: to,
            ..l.version
        },
        followable,
    ))
}

/// The promote itself, in `tx`, by `user` (who may), from `from`; with the
/// request it answers (B7), named in the audit. Answers where it went.
pub(super) async fn promote_in(
    db: &Db,
    tx: &mut Tx,
    user: &User,
    l: &Loaded,
    from: &str,
    overriding: bool,
    request: Option<&Value>,
) -> AppResult<EnvName> {
    if stale(from, &l.version.environment) {
        return Err(AppError::conflict(format!(
            "This version is in {}, not {from}; someone promoted it meanwhile",
            l.version.environment
        )));
    }
    l.check(VersionAction::Promote)?;
    let to = next_environment(&l.found.envs, &l.version.environment)
        .expect("checked by the state rules")
        .name
        .clone();
    let overridden = l.preflight(db, tx, &to, overriding).await?;
    let n = sqlx::query("UPDATE versions SET environment = $1 WHERE id = $2 AND environment = $3 AND status = 'saved'")
        .bind(&to)
        .bind(&l.version.id)
        .bind(from)
        .execute(&mut **tx)
        .await?
        .rows_affected();
    if n != 1 {
        return Err(AppError::conflict(format!(
            "This version is no longer in {from}; someone promoted it meanwhile"
        )));
    }
    record_move(
        tx,
        user,
        l,
        RequestAction::Promote,
        &format!("Stale: {} was promoted from {from} to {to}", l.version.name),
        json!({ "name": l.version.name, "from": from, "to": to }),
        overridden,
        request,
    )
    .await?;
    Ok(to)
}

/// Locks the app's row until the transaction ends (PostgreSQL; SQLite's
/// write transaction already holds the database).
async fn lock_app(db: &Db, tx: &mut Tx, app_id: &str) -> AppResult<Option<String>> {
    let sql = match db.backend {
        Backend::Postgres => "SELECT released_version_id FROM apps WHERE id = $1 FOR UPDATE",
        Backend::Sqlite => "SELECT released_version_id FROM apps WHERE id = $1",
    };
    let row = sqlx::query(sql)
        .bind(app_id)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or_else(|| AppError::not_found("No such app"))?;
    Ok(row.get("released_version_id"))
}

/// Re-reads the version inside `tx`, locking its row until the transaction
/// ends (PostgreSQL; SQLite's write transaction already holds the
/// database), so a promote or save of it waits for this transaction and
/// this one sees where the version is now. Take the app's lock first
/// (`lock_app`): `released` is what it answered. Also answers how many
/// versions the app has. 404 when the version is gone.
async fn lock_version(
    db: &Db,
    tx: &mut Tx,
    app_id: &str,
    version_id: &str,
    released: Option<&str>,
) -> AppResult<(VersionView, usize)> {
    let lock = match db.backend {
        Backend::Postgres => " FOR UPDATE",
        Backend::Sqlite => "",
    };
    let row = sqlx::query(&format!(
        "SELECT v.id, v.app_id, v.name, v.description, v.status, v.environment, \
         v.parent_version_id, v.created_by, v.created_at, v.saved_at, v.revision, 0 AS released \
         FROM versions v WHERE v.app_id = $1 AND v.id = $2{lock}"
    ))
    .bind(app_id)
    .bind(version_id)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or_else(|| AppError::not_found("No such version"))?;
    let mut version = view(&row)?;
    version.released = released == Some(version_id);
    let count: i64 = sqlx::query("SELECT COUNT(*) AS n FROM versions WHERE app_id = $1")
        .bind(app_id)
        .fetch_one(&mut **tx)
        .await?
        .get("n");
    Ok((version, count as usize))
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct Released {
    pub released_version_id: String,
    pub previous_version_id: Option<String>,
}

/// V6 + V7: makes a production version the released one (a rollback when
/// it is older). Re-releasing the released version changes nothing.
pub async fn release(
    db: &Db,
    user: &User,
    app_id: &str,
    version_id: &str,
    input: Input<ReleaseInput>,
) -> AppResult<Released> {
    let l = load_defined(db, user, app_id, version_id).await?;
    l.found
        .require(VersionAction::Release, &l.version.environment)?;
    let overriding = override_asked(user, &input)?;
    let note = input.parse()?;
    let mut tx = db.begin().await?;
    let released = release_in(db, &mut tx, user, &l, &note, overriding, None).await?;
    tx.commit().await?;
    Ok(released)
}

/// The release itself, in `tx`, by `user` (who may); with the request it
/// answers (B7), named in the audit.
pub(super) async fn release_in(
    db: &Db,
    tx: &mut Tx,
    user: &User,
    l: &Loaded,
    note: &str,
    overriding: bool,
    request: Option<&Value>,
) -> AppResult<Released> {
    l.check(VersionAction::Release)?;
    let (app_id, version_id) = (l.found.app.id.as_str(), l.version.id.as_str());
    let target = release_environment(&l.found.envs)
        .map(|e| e.name.clone())
        .ok_or_else(|| AppError::conflict("There is no environment to release to"))?;
    let previous = lock_app(db, tx, app_id).await?;
    if previous.as_deref() == Some(version_id) {
        return Ok(Released {
            released_version_id: version_id.into(),
            previous_version_id: previous,
        });
    }
    let overridden = l.preflight(db, tx, &target, overriding).await?;
    let now = clock::now();
    let n = sqlx::query(
        "UPDATE apps SET released_version_id = $1, released_at = $2 WHERE id = $3 AND EXISTS \
         (SELECT 1 FROM versions WHERE id = $1 AND app_id = $3 AND environment = $4)",
    )
    .bind(version_id)
    .bind(&now)
    .bind(app_id)
    .bind(&target)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    if n != 1 {
        return Err(AppError::conflict("Versions are released from production"));
    }
    // B4: numbered under the app's lock (`lock_app`), so the history's
    // order is the order the releases happened in.
    sqlx::query(
        "INSERT INTO releases (app_id, n, version_id, version_name, released_by_id, released_by, \
         released_at, note, previous_version_id) \
         SELECT $1, COALESCE(MAX(n), 0) + 1, $2, $3, $4, $5, $6, $7, $8 FROM releases WHERE app_id = $1",
    )
    .bind(app_id)
    .bind(version_id)
    .bind(&l.version.name)
    .bind(&user.id)
    .bind(&user.email)
    .bind(&now)
    .bind(note)
    .bind(&previous)
    .execute(&mut **tx)
    .await?;
    record_move(
        tx,
        user,
        l,
        RequestAction::Release,
        &format!("Stale: {} was released", l.version.name),
        json!({ "name": l.version.name, "previous_version_id": previous, "version_id": version_id, "note": note }),
        overridden,
        request,
    )
    .await?;
    Ok(Released {
        released_version_id: version_id.into(),
        previous_version_id: previous,
    })
}

/// V8: any version but the released one and the app's only one. The
/// permission (P8: edit access in the version's environment) and the state
/// are checked again under the lock, on where the version is now: a
/// promote that wins the race moves it somewhere the caller may not
/// delete it.
pub async fn delete(db: &Db, user: &User, app_id: &str, version_id: &str) -> AppResult<()> {
    let l = load(db, user, app_id, version_id).await?;
    l.check(VersionAction::Delete)?;
    let mut tx = db.begin().await?;
    let released = lock_app(db, &mut tx, app_id).await?;
    let (fresh, count) = lock_version(db, &mut tx, app_id, version_id, released.as_deref()).await?;
    let facts = VersionFacts {
        status: fresh.status,
        environment: &fresh.environment,
        released: fresh.released,
        versions_in_app: count,
    };
    if let Some(e) = refusal(
        VersionAction::Delete,
        &facts,
        &l.found.access,
        &l.found.envs,
    ) {
        return Err(e);
    }
    let n = sqlx::query(
        "DELETE FROM versions WHERE id = $1 AND (SELECT COUNT(*) FROM versions WHERE app_id = $2) > 1",
    )
    .bind(version_id)
    .bind(app_id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if n != 1 {
        return Err(AppError::conflict(
            "An app's only version cannot be deleted",
        ));
    }
    audit::record(
        &mut tx,
        user.into(),
        "version.delete",
        &format!("version:{version_id}"),
        Some(app_id),
        json!({ "name": fresh.name, "environment": fresh.environment }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The app page for one environment: the versions listed there (V9), with
/// who created each and what it came from.
pub async fn page(
    db: &Db,
    user: &User,
    app_id: &str,
    environment: &str,
) -> AppResult<crate::domain::app::AppPage> {
    let found = apps::find(db, user, app_id).await?;
    page_of(db, found, environment).await
}

async fn page_of(
    db: &Db,
    found: Found,
    environment: &str,
) -> AppResult<crate::domain::app::AppPage> {
    use crate::domain::app::{AppPage, VersionRow};
    // Without a choice the page opens in the first environment the user has.
    let environment = match environment {
        "" => found
            .access
            .listable()
            .next()
            .unwrap_or(&DEVELOPMENT)
            .clone(),
        e => EnvName::existing("environment", e, &found.envs)?,
    };
    let listed = listed(db, &found, Some(&environment)).await?;
    let rows = sqlx::query(
        "SELECT v.id, v.name, u.name AS creator FROM versions v JOIN users u ON u.id = v.created_by WHERE v.app_id = $1",
    )
    .bind(&found.app.id)
    .fetch_all(&db.pool)
    .await?;
    let names: std::collections::HashMap<String, (String, String)> = rows
        .iter()
        .map(|r| (r.get("id"), (r.get("name"), r.get("creator"))))
        .collect();
    let versions = listed
        .into_iter()
        .map(|v| VersionRow {
            created_by_name: names.get(&v.id).map(|n| n.1.clone()).unwrap_or_default(),
            parent_name: v
                .parent_version_id
                .as_deref()
                .and_then(|p| names.get(p))
                .map(|n| n.0.clone()),
            version: v,
        })
        .collect();
    Ok(AppPage {
        app: found.app,
        access: found.access,
        envs: found.envs,
        environment,
        versions,
        version_count: rows.len(),
    })
}

/// R3, R4, P7: runs query `name` of a version in `environment`, which the
/// version must have reached (R7), for a caller with edit access there.
pub async fn run_query(
    db: &Db,
    user: &User,
    app_id: &str,
    version_id: &str,
    name: &str,
    environment: Option<&str>,
    input: Input<crate::domain::query::RunInput>,
) -> AppResult<crate::domain::query::QueryResult> {
    let found = apps::find(db, user, app_id).await?;
    // P7 before anything the caller names: one without edit access where
    // it would run learns nothing of the version or its queries. The
    // environment names are the installation's, not the app's: an unknown
    // one says nothing about the app.
    let raw = environment.ok_or_else(|| {
        AppError::invalid("environment", "Say where to run it: ?environment=NAME")
    })?;
    let env = EnvName::existing("environment", raw, &found.envs)?;
    if let Some(reason) = found.access.edit_denial(&env) {
        return Err(AppError::forbidden(reason));
    }
    let l = load_in(db, found, version_id, true).await?;
    let stored = l.version.definition.clone().unwrap_or(Value::Null);
    let named = stored["queries"]
        .as_array()
        .is_some_and(|qs| qs.iter().any(|q| q["name"] == name));
    if !named {
        return Err(AppError::not_found(format!(
            "The version has no query named {name}"
        )));
    }
    let inputs = input.parse()?;
    let sources = super::data_sources::kinds_held(db).await?;
    let definition = crate::domain::definition::parse(&stored, &sources)?;
    if !crate::domain::lifecycle::listed_in(&l.found.envs, &l.version.environment, &env) {
        return Err(AppError::conflict(format!(
            "{} has not reached {env}: it is in {}",
            l.version.name, l.version.environment
        )));
    }
    super::runner::run(db, &definition, name, &env, &inputs).await
}

/// The Queries panel of a version page: its queries, and the environments
/// the version has reached with whether the caller may run queries there.
pub async fn queries_panel(
    db: &Db,
    user: &User,
    app_id: &str,
    version_id: &str,
) -> AppResult<crate::domain::query::QueriesPanel> {
    let found = apps::find(db, user, app_id).await?;
    let l = visible(db, found, version_id).await?;
    let environments = l
        .found
        .envs
        .iter()
        .filter(|e| {
            crate::domain::lifecycle::listed_in(&l.found.envs, &l.version.environment, &e.name)
        })
        .map(|e| (e.name.clone(), l.found.access.edit_denial(&e.name)))
        .collect();
    let sources = super::data_sources::kinds_held(db).await?;
    let stored = l.version.definition.clone().unwrap_or(Value::Null);
    let (queries, problem) = match crate::domain::definition::parse(&stored, &sources) {
        Ok(d) => (d.query_items(), None),
        Err(e) => (Vec::new(), Some(e.message)),
    };
    Ok(crate::domain::query::QueriesPanel {
        queries,
        environments,
        problem,
    })
}
