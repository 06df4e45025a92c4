//! Apps (SPEC A1, A2): create with their first version, list, read,
//! change, delete. Access is decided by `domain::access`.
use super::access::{dashboard_binds, dashboard_condition, flags_of, of_app, UserGrants};
use super::audit;
use super::db::{is_unique_violation, Db, Tx};
use super::{clock, environments};
use crate::domain::access::{Access, Flags, Level, RELEASED};
use crate::domain::app::{AccessView, AppView, Dashboard, DashboardApp, VersionView};
use crate::domain::environment::Environment;
use crate::domain::lifecycle::{
    listed_in, AppName, Slug, VersionAction, VersionStatus, DEVELOPMENT,
};
use crate::domain::user::User;
use crate::error::{AppError, AppResult};
use serde_json::json;
use sqlx::any::AnyRow;
use sqlx::Row;
use std::collections::HashMap;

const COLUMNS: &str = "id, name, slug, public, released_version_id, created_by, created_at";

/// The definition a new app starts with.
pub fn empty_definition() -> serde_json::Value {
    json!({ "pages": [], "queries": [] })
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
    pub fn require(&self, action: VersionAction, version_env: &str) -> AppResult<()> {
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

/// The apps the user sees on the dashboard (P6), by name: all of them, or
/// a page of them.
struct Listed {
    apps: Vec<AppView>,
    has_next: bool,
    flags: Flags,
}

/// The filter runs in SQL; only the listed apps' permissions are read.
async fn list_page(
    db: &Db,
    user: &User,
    envs: &[Environment],
    page: Option<(i64, i64)>,
) -> AppResult<Listed> {
    let condition = dashboard_condition();
    let (role, id, admin, creator) = dashboard_binds(user);
    // One row more than the page tells whether another page follows,
    // without counting every visible app.
    let paging = if page.is_some() {
        " LIMIT $5 OFFSET $6"
    } else {
        ""
    };
    let sql = format!("SELECT {COLUMNS} FROM apps a WHERE {condition} ORDER BY name_key{paging}");
    let mut q = sqlx::query(&sql)
        .bind(&role)
        .bind(&id)
        .bind(admin)
        .bind(&creator);
    if let Some((limit, offset)) = page {
        q = q.bind(limit + 1).bind(offset);
    }
    let mut rows = q.fetch_all(&db.pool).await?;
    let more = page.is_some_and(|(limit, _)| rows.len() as i64 > limit);
    if let Some((limit, _)) = page {
        rows.truncate(limit as usize);
    }
    let ids: Vec<String> = rows.iter().map(|r| r.get("id")).collect();
    let grants = match page {
        Some(_) => UserGrants::load(db, user, Some(&ids)).await?,
        None => UserGrants::load(db, user, None).await?,
    };
    let apps = rows
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
    })
}

/// `GET /apps`: every app the caller sees on the dashboard, by name.
pub async fn list(db: &Db, user: &User) -> AppResult<Vec<AppView>> {
    let envs = environments::list(db).await?;
    Ok(list_page(db, user, &envs, None).await?.apps)
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
    name: AppResult<&str>,
    slug: AppResult<Option<&str>>,
) -> AppResult<(AppView, VersionView)> {
    let envs = environments::list(db).await?;
    if !flags_of(db, user).await?.app_create {
        return Err(AppError::forbidden(
            "You do not have the App create permission",
        ));
    }
    let name = AppName::parse(name?)?;
    let given = slug?.map(Slug::parse).transpose()?;
    let mut tx = db.begin().await?;
    let slug = match given {
        Some(s) => {
            if slug_taken(&mut tx, &s).await? {
                return Err(AppError::conflict("An app with this slug already exists"));
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
    match inserted {
        Err(e) if is_unique_violation(&e) => {
            return Err(AppError::conflict("An app with this name already exists"))
        }
        other => other?,
    };
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

/// Changes name, slug or the public flag (edit access).
pub async fn update(
    db: &Db,
    user: &User,
    app_id: &str,
    name: Option<&str>,
    slug: Option<&str>,
    public: Option<bool>,
) -> AppResult<AppView> {
    let found = find(db, user, app_id).await?;
    if found.access.level != Level::Edit {
        return Err(AppError::forbidden(
            "You do not have edit access to this app",
        ));
    }
    let name = name.map(AppName::parse).transpose()?;
    let slug = slug.map(Slug::parse).transpose()?;
    let before = found.app;
    let after = AppView {
        name: name
            .as_ref()
            .map_or(before.name.clone(), |n| n.as_str().into()),
        slug: slug
            .as_ref()
            .map_or(before.slug.clone(), |s| s.as_str().into()),
        public: public.unwrap_or(before.public),
        ..before.clone()
    };
    if after == before {
        return Ok(after);
    }
    let mut tx = db.begin().await?;
    let updated = sqlx::query(
        "UPDATE apps SET name = $1, name_key = $2, slug = $3, public = $4 WHERE id = $5",
    )
    .bind(&after.name)
    .bind(after.name.to_lowercase())
    .bind(&after.slug)
    .bind(after.public as i64)
    .bind(app_id)
    .execute(&mut *tx)
    .await;
    match updated {
        Err(e) if is_unique_violation(&e) => {
            return Err(AppError::conflict(
                "Another app already has this name or slug",
            ))
        }
        other => other?,
    };
    let mut details = serde_json::Map::new();
    for (key, from, to) in [
        ("name", json!(before.name), json!(after.name)),
        ("slug", json!(before.slug), json!(after.slug)),
        ("public", json!(before.public), json!(after.public)),
    ] {
        if from != to {
            details.insert(key.into(), json!({ "from": from, "to": to }));
        }
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

/// Deletes the app and its versions (`app_delete` flag and edit access).
pub async fn delete(db: &Db, user: &User, app_id: &str) -> AppResult<()> {
    let found = find(db, user, app_id).await?;
    if !found.access.flags.app_delete {
        return Err(AppError::forbidden(
            "You do not have the App delete permission",
        ));
    }
    if found.access.level != Level::Edit {
        return Err(AppError::forbidden(
            "You do not have edit access to this app",
        ));
    }
    let mut tx = db.begin().await?;
    if db.backend == super::db::Backend::Postgres {
        // Waits for a permission being added with this app, then takes it.
        sqlx::query("SELECT id FROM apps WHERE id = $1 FOR UPDATE")
            .bind(app_id)
            .execute(&mut *tx)
            .await?;
    }
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
    for id in &emptied {
        sqlx::query("DELETE FROM app_permissions WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
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
        json!({ "name": found.app.name, "slug": found.app.slug, "deleted_permission_ids": emptied }),
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
    let envs = environments::list(db).await?;
    let Listed {
        apps,
        has_next,
        flags,
    } = list_page(
        db,
        user,
        &envs,
        Some((DASHBOARD_PAGE, (page - 1) * DASHBOARD_PAGE)),
    )
    .await?;
    let mut versions: HashMap<String, Vec<(String, String)>> = HashMap::new();
    let mut released: HashMap<String, (Option<String>, Option<String>)> = HashMap::new();
    if !apps.is_empty() {
        let marks: Vec<String> = (1..=apps.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT a.id AS app_id, a.released_at, r.name AS released_name, v.name, v.environment \
             FROM apps a LEFT JOIN versions r ON r.id = a.released_version_id \
             JOIN versions v ON v.app_id = a.id WHERE a.id IN ({}) ORDER BY v.created_at",
            marks.join(", ")
        );
        let mut q = sqlx::query(&sql);
        for a in &apps {
            q = q.bind(&a.id);
        }
        for r in q.fetch_all(&db.pool).await? {
            let app_id: String = r.get("app_id");
            released.insert(
                app_id.clone(),
                (r.get("released_name"), r.get("released_at")),
            );
            versions
                .entry(app_id)
                .or_default()
                .push((r.get("name"), r.get("environment")));
        }
    }
    Ok(Dashboard {
        apps: apps
            .into_iter()
            .map(|app| {
                let (released_version, released_at) = released.remove(&app.id).unwrap_or_default();
                // Only the versions the user may list somewhere (V9, P7).
                let listable = |env: &str| {
                    app.access
                        .environments
                        .iter()
                        .filter(|e| e.as_str() != RELEASED)
                        .any(|l| listed_in(&envs, env, l))
                };
                let versions = versions
                    .remove(&app.id)
                    .unwrap_or_default()
                    .into_iter()
                    .filter(|(_, env)| listable(env))
                    .collect();
                DashboardApp {
                    released_version,
                    released_at,
                    versions,
                    app,
                }
            })
            .collect(),
        page,
        has_next,
        create_refusal: (!flags.app_create)
            .then(|| "You do not have the App create permission".to_string()),
    })
}
