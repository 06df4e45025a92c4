//! Loads what `domain::access::decide` needs — the user's groups and the
//! permissions covering an app — and filters app lists in SQL, so a user
//! with thousands of permissions never makes the server load every app.
use super::cache::GroupIndex;
use super::db::Db;
use super::{environments, users};
use crate::domain::access::{
    decide, explain as explain_decision, Access, Decision, Explanation, Flag, Flags, Grant,
    GroupFlags, Level, Subject,
};
use crate::domain::environment::Environment;
use crate::domain::user::{Role, User};
use crate::error::{AppError, AppResult};
use sqlx::Row;
use std::collections::HashMap;

/// The ids of the user's groups: their role group and their custom groups.
/// Every query below binds `$1` = role and `$2` = user id.
const USER_GROUPS: &str =
    "SELECT id FROM groups WHERE role = $1 UNION SELECT group_id FROM group_members WHERE user_id = $2";

pub(super) const FLAG_COLUMNS: &str =
    "app_create, app_delete, promote, release, manage_data_sources, manage_constants";

/// A permission's stored access; anything but `edit` or `view` is a
/// corrupt row, an error, never read as some level.
pub(super) fn stored_level(raw: &str) -> AppResult<Level> {
    match raw {
        "edit" => Ok(Level::Edit),
        "view" => Ok(Level::View),
        other => {
            tracing::error!(access = other, "unknown access level in app_permissions");
            Err(AppError::internal())
        }
    }
}

pub(super) fn flags_of_row(r: &sqlx::any::AnyRow) -> Flags {
    let mut f = Flags::NONE;
    for flag in Flag::ALL {
        f.set(flag, r.get::<i64, _>(flag.name()) != 0);
    }
    f
}

async fn groups_of(db: &Db, user: &User) -> AppResult<Vec<GroupFlags>> {
    Ok(db.cache.groups(read_groups(db)).await?.of(user))
}

/// Every group with its flags, and the custom groups' members.
async fn read_groups(db: &Db) -> AppResult<GroupIndex> {
    let rows = sqlx::query(&format!(
        "SELECT id, name, name_key, role, {FLAG_COLUMNS} FROM groups ORDER BY name_key"
    ))
    .fetch_all(&db.pool)
    .await?;
    let mut index = GroupIndex::default();
    let mut position = HashMap::new();
    for (i, r) in rows.iter().enumerate() {
        position.insert(r.get::<String, _>("id"), i);
        index.groups.push((
            r.get("name_key"),
            r.get("role"),
            GroupFlags {
                group_name: r.get("name"),
                flags: flags_of_row(r),
            },
        ));
    }
    for r in sqlx::query("SELECT group_id, user_id FROM group_members")
        .fetch_all(&db.pool)
        .await?
    {
        if let Some(i) = position.get(&r.get::<String, _>("group_id")) {
            index.members.entry(r.get("user_id")).or_default().push(*i);
        }
    }
    Ok(index)
}

/// The caller's combined flags (`GET /me`, the dashboard's create button).
pub async fn flags_of(db: &Db, user: &User) -> AppResult<Flags> {
    Ok(Flags::combined(user.role, &groups_of(db, user).await?))
}

/// The user's groups and permissions: the all-apps ones, and the listed
/// ones by app.
pub struct UserGrants {
    role: Role,
    user_id: String,
    groups: Vec<GroupFlags>,
    all_apps: Vec<Grant>,
    by_app: HashMap<String, Vec<Grant>>,
}

impl UserGrants {
    /// Loads them; with `apps`, only those covering one of these apps.
    pub async fn load(db: &Db, user: &User, apps: Option<&[String]>) -> AppResult<UserGrants> {
        let groups = groups_of(db, user).await?;
        // `$3, $4, …`: the apps, after the role and the user id.
        let marks = apps.map(|ids| {
            (3..3 + ids.len())
                .map(|i| format!("${i}"))
                .collect::<Vec<_>>()
                .join(", ")
        });
        let only_app = match &marks {
            // No apps: only the all-apps permissions (PostgreSQL refuses `IN ()`).
            Some(m) if m.is_empty() => " AND p.all_apps = 1".to_string(),
            Some(m) => format!(
                " AND (p.all_apps = 1 OR p.id IN (SELECT permission_id FROM app_permission_apps WHERE app_id IN ({m})))"
            ),
            None => String::new(),
        };
        let sql = format!(
            "SELECT p.id, g.name AS group_name, p.all_apps, p.access, p.hide_from_dashboard, e.environment \
             FROM app_permissions p JOIN groups g ON g.id = p.group_id \
             LEFT JOIN app_permission_environments e ON e.permission_id = p.id \
             WHERE p.group_id IN ({USER_GROUPS}){only_app} ORDER BY g.name_key, p.created_at, p.id"
        );
        let mut q = sqlx::query(&sql).bind(user.role.as_str()).bind(&user.id);
        for a in apps.unwrap_or_default() {
            q = q.bind(a);
        }
        let rows = q.fetch_all(&db.pool).await?;
        let mut grants: Vec<Grant> = Vec::new();
        for r in &rows {
            let id: String = r.get("id");
            if grants.last().map(|g| g.permission_id != id).unwrap_or(true) {
                grants.push(Grant {
                    permission_id: id,
                    group_name: r.get("group_name"),
                    all_apps: r.get::<i64, _>("all_apps") != 0,
                    access: stored_level(&r.get::<String, _>("access"))?,
                    environments: Vec::new(),
                    hide_from_dashboard: r.get::<i64, _>("hide_from_dashboard") != 0,
                });
            }
            if let Some(e) = r.get::<Option<String>, _>("environment") {
                grants
                    .last_mut()
                    .expect("pushed above")
                    .environments
                    .push(e);
            }
        }
        let only_app = match &marks {
            Some(m) => format!(" AND pa.app_id IN ({m})"),
            None => String::new(),
        };
        let sql = format!(
            "SELECT pa.permission_id, pa.app_id FROM app_permission_apps pa \
             JOIN app_permissions p ON p.id = pa.permission_id \
             WHERE p.group_id IN ({USER_GROUPS}){only_app}"
        );
        let mut q = sqlx::query(&sql).bind(user.role.as_str()).bind(&user.id);
        for a in apps.unwrap_or_default() {
            q = q.bind(a);
        }
        let listed = if marks.as_ref().is_some_and(|m| m.is_empty()) {
            Vec::new()
        } else {
            q.fetch_all(&db.pool).await?
        };
        let by_id: HashMap<&str, &Grant> = grants
            .iter()
            .map(|g| (g.permission_id.as_str(), g))
            .collect();
        let mut by_app: HashMap<String, Vec<Grant>> = HashMap::new();
        for r in &listed {
            let pid: String = r.get("permission_id");
            if let Some(g) = by_id.get(pid.as_str()) {
                by_app
                    .entry(r.get("app_id"))
                    .or_default()
                    .push((*g).clone());
            }
        }
        let all_apps = grants.iter().filter(|g| g.all_apps).cloned().collect();
        Ok(UserGrants {
            role: user.role,
            user_id: user.id.clone(),
            groups,
            all_apps,
            by_app,
        })
    }

    /// The user's combined flags (P3).
    pub fn flags(&self) -> Flags {
        Flags::combined(self.role, &self.groups)
    }

    /// The user's access to one app created by `created_by`; with
    /// `explain`, the reasons too.
    pub fn decide(
        &self,
        app_id: &str,
        created_by: &str,
        envs: &[Environment],
        explain: bool,
    ) -> Decision {
        let mut grants = self.all_apps.clone();
        if let Some(listed) = self.by_app.get(app_id) {
            grants.extend(listed.iter().cloned());
        }
        let subject = Subject {
            role: self.role,
            is_creator: created_by == self.user_id,
            groups: &self.groups,
            grants: &grants,
        };
        if explain {
            explain_decision(&subject, envs)
        } else {
            decide(&subject, envs)
        }
    }
}

/// The SQL condition on `apps a` for "the user may see this app on the
/// dashboard" (P6): admin, creator while admin or builder, or a covering
/// permission that does not hide it. Binds `$1` role, `$2` user id, `$3` 1
/// for admins, `$4` the id a creator must match ('' for end-users).
/// Uncorrelated sub-queries, so each is computed once for the whole list.
pub(super) fn dashboard_condition() -> String {
    format!(
        "($3 = 1 OR a.created_by = $4 \
         OR EXISTS (SELECT 1 FROM app_permissions p WHERE p.all_apps = 1 AND p.hide_from_dashboard = 0 \
                    AND p.group_id IN ({USER_GROUPS}) AND {GRANTS_SOMETHING}) \
         OR a.id IN (SELECT pa.app_id FROM app_permission_apps pa JOIN app_permissions p ON p.id = pa.permission_id \
                     WHERE p.hide_from_dashboard = 0 AND p.group_id IN ({USER_GROUPS}) AND {GRANTS_SOMETHING}))"
    )
}

/// `decide`'s rule that a permission whose environments have all gone
/// grants nothing (P4), on `p`: it lists no environment (= all), or one
/// that exists, or `released`. `p6_dashboard_sql_equals_the_access_function`
/// holds the two to the same answer.
const GRANTS_SOMETHING: &str = "(NOT EXISTS (SELECT 1 FROM app_permission_environments pe WHERE pe.permission_id = p.id) \
     OR EXISTS (SELECT 1 FROM app_permission_environments pe WHERE pe.permission_id = p.id \
                AND (pe.environment = 'released' OR pe.environment IN (SELECT name FROM environments))))";

/// Binds the four values `dashboard_condition` reads, `$1` to `$4`.
pub(super) fn bind_dashboard<'q>(
    q: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    user: &User,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    // A creator sees their app while admin or builder (P6); '' matches no app.
    let creator = if user.role == Role::EndUser {
        String::new()
    } else {
        user.id.clone()
    };
    q.bind(user.role.as_str().to_string())
        .bind(user.id.clone())
        .bind((user.role == Role::Admin) as i64)
        .bind(creator)
}

/// Explains a user's access to an app to an admin.
pub async fn explain(db: &Db, admin: &User, user_id: &str, app_id: &str) -> AppResult<Explanation> {
    users::require_admin(admin)?;
    let user = users::find(db, user_id)
        .await?
        .ok_or_else(|| AppError::not_found("No such user"))?;
    let created_by: String = sqlx::query("SELECT created_by FROM apps WHERE id = $1")
        .bind(app_id)
        .fetch_optional(&db.pool)
        .await?
        .ok_or_else(|| AppError::not_found("No such app"))?
        .get("created_by");
    let envs = environments::list(db).await?;
    let d = UserGrants::load(db, &user, Some(&[app_id.to_string()]))
        .await?
        .decide(app_id, &created_by, &envs, true);
    let mut because = Vec::new();
    if !user.active {
        because.push("The user is deactivated and cannot sign in".to_string());
    }
    because.extend(d.because);
    Ok(Explanation {
        level: d.access.level,
        environments: d.access.environments.clone(),
        can: d.access.can(&envs),
        because,
    })
}

/// The access of `user` to the app, for code that holds the app's row.
pub async fn of_app(
    db: &Db,
    user: &User,
    app_id: &str,
    created_by: &str,
    envs: &[Environment],
) -> AppResult<Access> {
    let read = async {
        Ok(UserGrants::load(db, user, Some(&[app_id.to_string()]))
            .await?
            .decide(app_id, created_by, envs, false)
            .access)
    };
    // The user's role and groups, the app's permissions and the
    // environments change only with a change, which drops the copy.
    let held = db
        .cache
        .get(
            &db.cache.access,
            (user.id.clone(), app_id.to_string()),
            read,
        )
        .await?;
    Ok((*held).clone())
}

/// P9: whether the user has edit access to at least one app, which is what
/// listing data sources and constants needs. Each candidate app is decided
/// by `decide`, so the rule stays the access rule (a vanished environment
/// grants nothing, end users never edit).
pub async fn edits_some_app(db: &Db, user: &User) -> AppResult<bool> {
    if user.role == Role::Admin {
        return Ok(true);
    }
    let envs = environments::all(db).await?;
    let grants = UserGrants::load(db, user, None).await?;
    let edits = |app_id: &str, created_by: &str| {
        grants.decide(app_id, created_by, &envs, false).access.level == Level::Edit
    };
    // One app per way edit could come: made by the user, covered by an
    // all-apps permission (any app), or listed by a permission.
    let mine = sqlx::query("SELECT id, created_by FROM apps WHERE created_by = $1 LIMIT 1")
        .bind(&user.id)
        .fetch_optional(&db.pool)
        .await?;
    let any = sqlx::query("SELECT id, created_by FROM apps LIMIT 1")
        .fetch_optional(&db.pool)
        .await?;
    for row in mine.iter().chain(any.iter()) {
        if edits(
            &row.get::<String, _>("id"),
            &row.get::<String, _>("created_by"),
        ) {
            return Ok(true);
        }
    }
    Ok(grants.by_app.keys().any(|app_id| edits(app_id, "")))
}

/// P9: listing data sources or constants; 403 naming what is missing.
pub async fn require_lists_shared(db: &Db, user: &User, what: &str) -> AppResult<()> {
    if edits_some_app(db, user).await? {
        Ok(())
    } else {
        Err(AppError::forbidden(format!(
            "Seeing {what} needs edit access to some app"
        )))
    }
}

/// P9: changing data sources or constants needs `flag`.
pub async fn require_flag(db: &Db, user: &User, flag: Flag) -> AppResult<()> {
    match flags_of(db, user).await?.denial(flag) {
        None => Ok(()),
        Some(why) => Err(AppError::forbidden(why)),
    }
}
