//! Apps (SPEC A1, A2): create with their first version, list, read,
//! change, delete. Access is decided by `domain::access`.
use super::access::{bind_dashboard, dashboard_condition, flags_of, of_app, UserGrants};
use super::audit;
use super::db::{unique_violation_on, Db, Tx};
use super::{clock, environments};
use crate::domain::access::{Access, AppChange, Flags, Level};
use crate::domain::app::{
    AccessView, AppChangeInput, AppChangeValid, AppView, Dashboard, DashboardApp, NewApp,
    NewAppInput, VersionView,
};
use crate::domain::environment::{EnvName, Environment};
use crate::domain::input::Input;
use crate::domain::lifecycle::{listed_in_any, Slug, VersionAction, VersionStatus, DEVELOPMENT};
use crate::domain::user::User;
use crate::error::{AppError, AppResult};
use serde_json::json;
use sqlx::any::AnyRow;
use sqlx::Row;
use std::collections::HashMap;

const COLUMNS: &str = "id, name, slug, public, released_version_id, created_by, created_at";

/// The definition a new app starts with (API.md): one empty page.
pub fn empty_definition() -> serde_json::Value {
    json!({ "pages": [{ "name": "home", "title": "", "components": [] }], "queries": [] })
}

/// An app row with the caller's access, or 404 when the caller has none.
pub struct Found {
    pub app: AppView,
    pub access: Access,
    pub envs: Vec<Environment>,
}

impl Found {
    /// 403 naming the missing permission when the caller may not do
    /// `action` to a version in `version_env` (P8).
    pub fn require(&self, action: VersionAction, version_env: &EnvName) -> AppResult<()> {
        match self.access.denial(action, version_env, &self.envs) {
            Some(reason) => Err(AppError::forbidden(reason)),
            None => Ok(()),
        }
    }
}

fn view(r: &AnyRow, access: &Access, envs: &[Environment]) -> AppView {
    AppView {
        id: r.get("id"),
        name: r.get("name"),
        slug: r.get("slug"),
        public: r.get::<i64, _>("public") != 0,
        released_version_id: r.get("released_version_id"),
        created_by: r.get("created_by"),
        created_at: r.get("created_at"),
        access: AccessView::of(access, envs),
    }
}

/// Loads the app for `user`: 404 when it does not exist or the user has no
/// access to it at all (P6).
pub async fn find(db: &Db, user: &User, app_id: &str) -> AppResult<Found> {
    let envs = environments::list(db).await?;
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM apps WHERE id = $1"))
        .bind(app_id)
        .fetch_optional(&db.pool)
        .await?;
    let not_found = || AppError::not_found("No such app");
    let r = row.ok_or_else(not_found)?;
    let access = of_app(db, user, app_id, &r.get::<String, _>("created_by"), &envs).await?;
    if access.level == Level::None {
        return Err(not_found());
    }
    Ok(Found {
        app: view(&r, &access, &envs),
        access,
        envs,
    })
}

/// The apps the user sees on the dashboard (P6), by name: one page of them.
struct Listed {
    apps: Vec<AppView>,
    has_next: bool,
    flags: Flags,
    /// With `with_versions`: per app id, the released version's name and
    /// time, and every version's name and environment, oldest first.
    versions: HashMap<String, AppVersions>,
}

#[derive(Default)]
struct AppVersions {
    released: (Option<String>, Option<String>),
    all: Vec<(String, EnvName)>,
}

/// How `list_page` pages: by page number (the dashboard) or after a given
/// app (`GET /apps`: keyset paging on `(name_key, id)`, so a page costs
/// the same wherever it is and apps added meanwhile shift nothing).
enum Paging {
    Offset {
        limit: i64,
        offset: i64,
    },
    After {
        limit: i64,
        /// The `name_key` and id of the app the page follows.
        after: Option<(String, String)>,
    },
}

/// The filter runs in SQL; only the listed apps' permissions are read.
async fn list_page(
    db: &Db,
    user: &User,
    envs: &[Environment],
    paging: Paging,
    with_versions: bool,
) -> AppResult<Listed> {
    let condition = dashboard_condition();
    // One row more than the page tells whether another page follows,
    // without counting every visible app.
    let (limit, tail) = match &paging {
        Paging::Offset { limit, .. } => (*limit, " ORDER BY a.name_key, a.id LIMIT $5 OFFSET $6"),
        Paging::After { limit, after: None } => (*limit, " ORDER BY a.name_key, a.id LIMIT $5"),
        Paging::After {
            limit,
            after: Some(_),
        } => (
            *limit,
            " AND (a.name_key > $5 OR (a.name_key = $5 AND a.id > $6)) ORDER BY a.name_key, a.id LIMIT $7",
        ),
    };
    let page =
        format!("SELECT {COLUMNS}, a.name_key, a.released_at FROM apps a WHERE {condition}{tail}");
    // The dashboard reads the page's versions in the same statement: one
    // round trip fewer on every dashboard.
    let sql = if with_versions {
        format!(
            "SELECT pg.*, r.name AS released_name, v.name AS version_name, v.environment AS version_environment \
             FROM ({page}) pg LEFT JOIN versions r ON r.id = pg.released_version_id \
             LEFT JOIN versions v ON v.app_id = pg.id ORDER BY pg.name_key, pg.id, v.created_at, v.id"
        )
    } else {
        page
    };
    let mut q = bind_dashboard(sqlx::query(&sql), user);
    q = match &paging {
        Paging::Offset { offset, .. } => q.bind(limit + 1).bind(*offset),
        Paging::After { after: None, .. } => q.bind(limit + 1),
        Paging::After {
            after: Some((key, after_id)),
            ..
        } => q.bind(key.as_str()).bind(after_id.as_str()).bind(limit + 1),
    };
    let rows = q.fetch_all(&db.pool).await?;
    // One row per app, or (with versions) one per app and version, in
    // app order.
    let mut firsts: Vec<&sqlx::any::AnyRow> = Vec::new();
    let mut versions: HashMap<String, AppVersions> = HashMap::new();
    for r in &rows {
        let app_id: String = r.get("id");
        if firsts.last().map(|f| f.get::<String, _>("id")) != Some(app_id.clone()) {
            firsts.push(r);
        }
        if with_versions {
            let entry = versions.entry(app_id).or_default();
            entry.released = (r.get("released_name"), r.get("released_at"));
            if let Some(name) = r.get::<Option<String>, _>("version_name") {
                entry.all.push((name, r.get("version_environment")));
            }
        }
    }
    let more = firsts.len() as i64 > limit;
    firsts.truncate(limit as usize);
    let ids: Vec<String> = firsts.iter().map(|r| r.get("id")).collect();
    let grants = UserGrants::load(db, user, Some(&ids)).await?;
    let apps = firsts
        .iter()
        .zip(&ids)
        .map(|(r, app_id)| {
            let created_by: String = r.get("created_by");
            view(
                r,
                &grants.decide(app_id, &created_by, envs, false).access,
                envs,
            )
        })
        .collect();
    Ok(Listed {
        apps,
        has_next: more,
        flags: grants.flags(),
        versions,
    })
}

/// `GET /apps`: how many apps a page holds unless `limit` says, and at most.
/// `GET /apps`: one page of the apps the caller sees on the dashboard, by
/// name: the first, or the one after the app `after` (an app of an earlier
/// page). A full page means there may be more.
pub async fn list(
    db: &Db,
    user: &User,
    limit: Option<&str>,
    after: Option<&str>,
) -> AppResult<Vec<AppView>> {
    let limit = crate::domain::paging::limit(limit)?;
    let envs = environments::list(db).await?;
    let after = match after {
        None => None,
        Some(app_id) => {
            // Only an app the caller is shown can mark a place in their
            // list; any other id is unknown to them.
            let sql = format!(
                "SELECT a.name_key FROM apps a WHERE {} AND a.id = $5",
                dashboard_condition()
            );
            let row = bind_dashboard(sqlx::query(&sql), user)
                .bind(app_id)
                .fetch_optional(&db.pool)
                .await?
                .ok_or_else(|| {
                    AppError::invalid("after", "after must be the id of an app you see")
                })?;
            Some((row.get::<String, _>("name_key"), app_id.to_string()))
        }
    };
    Ok(
        list_page(db, user, &envs, Paging::After { limit, after }, false)
            .await?
            .apps,
    )
}

async fn slug_taken(tx: &mut Tx, slug: &Slug) -> AppResult<bool> {
    Ok(sqlx::query("SELECT 1 AS x FROM apps WHERE slug = $1")
        .bind(slug.as_str())
        .fetch_optional(&mut **tx)
        .await?
        .is_some())
}

/// A1 + A2: the app and its first version `v1`, a draft in development.
/// The input arrives unparsed so the permission answers first (403 before 422).
pub async fn create(
    db: &Db,
    user: &User,
    input: Input<NewAppInput>,
) -> AppResult<(AppView, VersionView)> {
    let envs = environments::list(db).await?;
    if let Some(reason) = flags_of(db, user).await?.app_create_denial() {
        return Err(AppError::forbidden(reason));
    }
    let NewApp { name, slug: given } = input.parse()?;
    let derived = given.is_none();
    let mut tx = db.begin().await?;
    let slug = match given {
        Some(s) => {
            if slug_taken(&mut tx, &s).await? {
                return Err(conflict_on("slug"));
            }
            s
        }
        None => {
            let base = Slug::derive(name.as_str())?;
            let mut candidate = base.clone();
            let mut n = 2;
            while slug_taken(&mut tx, &candidate).await? {
                candidate = base.with_suffix(n);
                n += 1;
            }
            candidate
        }
    };
    let now = clock::now();
    let app_id = clock::new_id();
    let inserted = sqlx::query(
        "INSERT INTO apps (id, name, name_key, slug, public, created_by, created_at) VALUES ($1, $2, $3, $4, 0, $5, $6)",
    )
    .bind(&app_id)
    .bind(name.as_str())
    .bind(name.as_str().to_lowercase())
    .bind(slug.as_str())
    .bind(&user.id)
    .bind(&now)
    .execute(&mut *tx)
    .await;
    if let Err(e) = inserted {
        let Some(on) = unique_violation_on(&e) else {
            return Err(e.into());
        };
        // PostgreSQL: an app of the same name, created meanwhile, may take the
        // derived slug first; then the name is what the caller must change.
        if derived && app_conflict_field(&on) == Some("slug") {
            drop(tx);
            let name_taken = sqlx::query("SELECT 1 AS x FROM apps WHERE name_key = $1")
                .bind(name.as_str().to_lowercase())
                .fetch_optional(&db.pool)
                .await?
                .is_some();
            if name_taken {
                return Err(conflict_on("name"));
            }
        }
        return Err(app_conflict(&on));
    }
    let version = VersionView {
        id: clock::new_id(),
        app_id: app_id.clone(),
        name: "v1".into(),
        description: String::new(),
        status: VersionStatus::Draft,
        environment: DEVELOPMENT.into(),
        released: false,
        parent_version_id: None,
        created_by: user.id.clone(),
        created_at: now.clone(),
        saved_at: None,
        revision: 1,
        definition: None,
    };
    super::versions::insert(&mut tx, &version, &empty_definition()).await?;
    audit::record(
        &mut tx,
        user.into(),
        "app.create",
        &format!("app:{app_id}"),
        Some(&app_id),
        json!({ "name": name.as_str(), "slug": slug.as_str(), "first_version_id": version.id }),
    )
    .await?;
    tx.commit().await?;
    let app = AppView {
        id: app_id.clone(),
        name: name.as_str().into(),
        slug: slug.as_str().into(),
        public: false,
        released_version_id: None,
        created_by: user.id.clone(),
        created_at: now,
        access: AccessView::of(&of_app(db, user, &app_id, &user.id, &envs).await?, &envs),
    };
    Ok((app, version))
}

/// A 409 about the app's `field` (`name` or `slug`), naming it in the
/// message and in `details.field`.
fn conflict_on(field: &str) -> AppError {
    let mut e = AppError::conflict(format!("An app with this {field} already exists"));
    e.details = Some(json!({ "field": field }));
    e
}

/// The conflict a unique violation on `apps` means, told by the index that
/// refused it: PostgreSQL names the constraint (`<table>_<column>_key`, from
/// the `UNIQUE` columns of the lifecycle migration), SQLite the column.
fn app_conflict_field(on: &str) -> Option<&'static str> {
    match on {
        "apps_slug_key" | "apps.slug" => Some("slug"),
        "apps_name_key_key" | "apps.name_key" => Some("name"),
        _ => None,
    }
}

fn app_conflict(on: &str) -> AppError {
    match app_conflict_field(on) {
        Some(field) => conflict_on(field),
        None => {
            tracing::error!(constraint = on, "unexpected unique violation on apps");
            AppError::conflict("Another app already has this name or slug")
        }
    }
}

/// The permission an app-wide change needs (P11), as a 403.
fn require_app_wide(found: &Found, change: AppChange) -> AppResult<()> {
    match found.access.app_wide_denial(change, &found.envs) {
        Some(reason) => Err(AppError::forbidden(reason)),
        None => Ok(()),
    }
}

/// Reads the app's row inside `tx`, locking it until the transaction ends
/// (PostgreSQL; SQLite's write transaction already holds the database).
/// 404 when it is gone.
async fn lock_row(db: &Db, tx: &mut Tx, app_id: &str) -> AppResult<AnyRow> {
    let lock = db.backend.for_update();
    sqlx::query(&format!("SELECT {COLUMNS} FROM apps WHERE id = $1{lock}"))
        .bind(app_id)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or_else(|| AppError::not_found("No such app"))
}

/// A value of an `UPDATE ... SET` built from the fields that were sent.
enum Set {
    Text(String),
    Int(i64),
}

/// Changes name, slug or the public flag (P11). Each field sent needs its
/// permission (name and slug: edit in every environment; public: that and
/// the release flag) before any is parsed (403 before 422); the inputs
/// arrive unparsed for that. The row is then locked and re-read, and only
/// the fields sent that differ from it are written, so two requests
/// changing different fields both take effect.
pub async fn update(
    db: &Db,
    user: &User,
    app_id: &str,
    change: Input<AppChangeInput>,
) -> AppResult<AppView> {
    let found = find(db, user, app_id).await?;
    let sent_name = change.has("name");
    let sent_slug = change.has("slug");
    let sent_public = change.has("public");
    if sent_name || sent_slug {
        require_app_wide(&found, AppChange::Rename)?;
    }
    if sent_public {
        require_app_wide(&found, AppChange::Publish)?;
    }
    if !(sent_name || sent_slug || sent_public) && found.access.level != Level::Edit {
        return Err(AppError::forbidden(
            "You do not have edit access to this app",
        ));
    }
    let AppChangeValid { name, slug, public } = change.parse()?;
    let mut tx = db.begin().await?;
    let before = view(
        &lock_row(db, &mut tx, app_id).await?,
        &found.access,
        &found.envs,
    );
    let mut after = before.clone();
    let mut set: Vec<(&str, Set)> = Vec::new();
    let mut details = serde_json::Map::new();
    if let Some(n) = name.filter(|n| n.as_str() != before.name) {
        set.push(("name", Set::Text(n.as_str().into())));
        set.push(("name_key", Set::Text(n.as_str().to_lowercase())));
        details.insert(
            "name".into(),
            json!({ "from": before.name, "to": n.as_str() }),
        );
        after.name = n.as_str().into();
    }
    if let Some(s) = slug.filter(|s| s.as_str() != before.slug) {
        set.push(("slug", Set::Text(s.as_str().into())));
        details.insert(
            "slug".into(),
            json!({ "from": before.slug, "to": s.as_str() }),
        );
        after.slug = s.as_str().into();
    }
    if let Some(p) = public.filter(|p| *p != before.public) {
        set.push(("public", Set::Int(p as i64)));
        details.insert("public".into(), json!({ "from": before.public, "to": p }));
        after.public = p;
    }
    if set.is_empty() {
        // Nothing changes, so nothing is recorded (L1).
        return Ok(before);
    }
    let sql = format!(
        "UPDATE apps SET {} WHERE id = ${}",
        super::db::assignments(set.iter().map(|(column, _)| *column)),
        set.len() + 1
    );
    let mut q = sqlx::query(&sql);
    for (_, value) in set {
        q = match value {
            Set::Text(t) => q.bind(t),
            Set::Int(i) => q.bind(i),
        };
    }
    if let Err(e) = q.bind(app_id).execute(&mut *tx).await {
        return Err(match unique_violation_on(&e) {
            Some(on) => app_conflict(&on),
            None => e.into(),
        });
    }
    audit::record(
        &mut tx,
        user.into(),
        "app.update",
        &format!("app:{app_id}"),
        Some(app_id),
        details.into(),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// Deletes the app and its versions (P11: the `app_delete` flag and edit
/// access in every environment).
pub async fn delete(db: &Db, user: &User, app_id: &str) -> AppResult<()> {
    let found = find(db, user, app_id).await?;
    require_app_wide(&found, AppChange::Delete)?;
    let mut tx = db.begin().await?;
    // Waits for a permission being added with this app, then takes it; a
    // delete that lost a race to another answers 404.
    let row = lock_row(db, &mut tx, app_id).await?;
    let (name, slug): (String, String) = (row.get("name"), row.get("slug"));
    // P4: the app leaves every permission; one whose list becomes empty
    // goes too, rather than widening to "all apps".
    let emptied: Vec<String> = sqlx::query(
        "SELECT pa.permission_id FROM app_permission_apps pa WHERE pa.app_id = $1 \
         AND NOT EXISTS (SELECT 1 FROM app_permission_apps o WHERE o.permission_id = pa.permission_id AND o.app_id <> $1)",
    )
    .bind(app_id)
    .fetch_all(&mut *tx)
    .await?
    .iter()
    .map(|r| r.get("permission_id"))
    .collect();
    sqlx::query("DELETE FROM app_permission_apps WHERE app_id = $1")
        .bind(app_id)
        .execute(&mut *tx)
        .await?;
    if !emptied.is_empty() {
        let marks: Vec<String> = (1..=emptied.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "DELETE FROM app_permissions WHERE id IN ({})",
            marks.join(", ")
        );
        let mut q = sqlx::query(&sql);
        for id in &emptied {
            q = q.bind(id);
        }
        q.execute(&mut *tx).await?;
    }
    sqlx::query("DELETE FROM versions WHERE app_id = $1")
        .bind(app_id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM apps WHERE id = $1")
        .bind(app_id)
        .execute(&mut *tx)
        .await?;
    audit::record(
        &mut tx,
        user.into(),
        "app.delete",
        &format!("app:{app_id}"),
        Some(app_id),
        json!({ "name": name, "slug": slug, "deleted_permission_ids": emptied }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Apps per dashboard page.
pub const DASHBOARD_PAGE: i64 = 50;

/// One page (from 1) of the dashboard: the apps the user may see, each with
/// its released version and where each of its versions is.
pub async fn dashboard(db: &Db, user: &User, page: i64) -> AppResult<Dashboard> {
    // Far beyond any real page, and safe from overflow.
    let page = page.clamp(1, 1_000_000);
    // The most visited page: held in memory until the next change (`cache`).
    let key = (user.id.clone(), user.role.to_string(), page);
    let held = db
        .cache
        .dashboard(key, read_dashboard(db, user, page))
        .await?;
    Ok(Dashboard::clone(&held))
}

async fn read_dashboard(db: &Db, user: &User, page: i64) -> AppResult<Dashboard> {
    let envs = environments::list(db).await?;
    let Listed {
        apps,
        has_next,
        flags,
        mut versions,
    } = list_page(
        db,
        user,
        &envs,
        Paging::Offset {
            limit: DASHBOARD_PAGE,
            offset: (page - 1) * DASHBOARD_PAGE,
        },
        true,
    )
    .await?;
    Ok(Dashboard {
        apps: apps
            .into_iter()
            .map(|app| {
                let AppVersions { released, all } = versions.remove(&app.id).unwrap_or_default();
                let (released_version, released_at) = released;
                // Only the versions the user may list somewhere (V9, P7).
                let listable =
                    |env: &EnvName| listed_in_any(&envs, env, app.access.environments.iter());
                let versions = all.into_iter().filter(|(_, env)| listable(env)).collect();
                DashboardApp {
                    released_version,
                    released_at,
                    versions,
                    id: app.id,
                    name: app.name,
                    slug: app.slug,
                }
            })
            .collect(),
        page,
        has_next,
        create_refusal: flags.app_create_denial(),
        // Held with the rest: asking and deciding are audited changes,
        // which move the cache on.
        requests: super::requests::panel(db, user, None).await?,
    })
}
