//! Groups, their members, flags and app permissions (SPEC P2–P5; admin
//! only, P9). The end-user rules are decided by `domain::group`.
use super::access::{flags_of_row, stored_level, FLAG_COLUMNS};
use super::audit;
use super::db::{is_unique_violation, Backend, Db, Tx};
use super::users::require_admin;
use super::{clock, environments};
use crate::domain::access::{Flag, Level, RELEASED};
use crate::domain::group::{
    group_change_refusal, group_delete_refusal, membership_refusal, permission_refusal, Apps,
    Choices, GroupChange, GroupChangeInput, GroupFacts, GroupKind, GroupPage, GroupView,
    NewGroupInput, NewPermission, PermissionInput, PermissionView,
};
use crate::domain::input::Input;
use crate::domain::user::{Role, User};
use crate::error::{AppError, AppResult};
use serde_json::json;
use sqlx::any::AnyRow;
use sqlx::Row;
use std::collections::HashMap;

const NO_GROUP: &str = "No such group";

fn no_group() -> AppError {
    AppError::not_found(NO_GROUP)
}

/// The group's facts for the P2–P4 rules, read in the transaction that
/// changes it (locked on PostgreSQL, so two admins cannot race past a rule).
async fn facts(tx: &mut Tx, backend: Backend, group_id: &str) -> AppResult<GroupFacts> {
    facts_where(tx, backend, "g.id = $1", group_id)
        .await?
        .pop()
        .ok_or_else(no_group)
}

/// The facts of every custom group the user is in (for a role change).
pub(super) async fn custom_groups_of(
    tx: &mut Tx,
    backend: Backend,
    user_id: &str,
) -> AppResult<Vec<GroupFacts>> {
    facts_where(
        tx,
        backend,
        "g.id IN (SELECT group_id FROM group_members WHERE user_id = $1)",
        user_id,
    )
    .await
}

/// The facts of the groups matching `condition` (on `g`, binding `$1`),
/// by id, in three statements however many groups match.
async fn facts_where(
    tx: &mut Tx,
    backend: Backend,
    condition: &str,
    bind: &str,
) -> AppResult<Vec<GroupFacts>> {
    let lock = backend.for_update();
    let rows = sqlx::query(&format!(
        "SELECT g.id, g.name, g.role, {FLAG_COLUMNS} FROM groups g WHERE {condition} ORDER BY g.id{lock}"
    ))
    .bind(bind)
    .fetch_all(&mut **tx)
    .await?;
    let mut end_users: HashMap<String, Vec<String>> = HashMap::new();
    for r in sqlx::query(&format!(
        "SELECT m.group_id, u.name FROM group_members m JOIN users u ON u.id = m.user_id \
         WHERE u.role = 'end-user' AND m.group_id IN (SELECT g.id FROM groups g WHERE {condition}) \
         ORDER BY u.name"
    ))
    .bind(bind)
    .fetch_all(&mut **tx)
    .await?
    {
        end_users
            .entry(r.get("group_id"))
            .or_default()
            .push(r.get("name"));
    }
    let holding_edit: Vec<String> = sqlx::query(&format!(
        "SELECT DISTINCT group_id FROM app_permissions \
         WHERE access = 'edit' AND group_id IN (SELECT g.id FROM groups g WHERE {condition})"
    ))
    .bind(bind)
    .fetch_all(&mut **tx)
    .await?
    .iter()
    .map(|r| r.get("group_id"))
    .collect();
    rows.iter()
        .map(|row| {
            let id: String = row.get("id");
            let role = match row.get::<Option<String>, _>("role") {
                None => None,
                Some(r) => Some(Role::parse(&r).map_err(|_| {
                    tracing::error!(group_id = %id, role = %r, "unknown role in the groups table");
                    AppError::internal()
                })?),
            };
            Ok(GroupFacts {
                name: row.get("name"),
                role,
                flags: flags_of_row(row),
                end_users: end_users.remove(&id).unwrap_or_default(),
                holds_edit: holding_edit.contains(&id),
            })
        })
        .collect()
}

/// Inserts `(first, each of values)` into `table_and_columns` in one
/// statement.
async fn insert_pairs(
    tx: &mut Tx,
    table_and_columns: &str,
    first: &str,
    values: &[String],
) -> AppResult<()> {
    if values.is_empty() {
        return Ok(());
    }
    let rows: Vec<String> = (2..values.len() + 2)
        .map(|i| format!("($1, ${i})"))
        .collect();
    let sql = format!("INSERT INTO {table_and_columns} VALUES {}", rows.join(", "));
    let mut q = sqlx::query(&sql).bind(first);
    for v in values {
        q = q.bind(v);
    }
    q.execute(&mut **tx).await?;
    Ok(())
}

/// Runs `sql`, where each `{only:COLUMN}` becomes `COLUMN = $1` when one
/// group is asked for, and a true condition otherwise.
async fn rows_for(db: &Db, sql: &str, only: Option<&str>) -> AppResult<Vec<AnyRow>> {
    let mut out = String::with_capacity(sql.len());
    let mut rest = sql;
    while let Some(start) = rest.find("{only:") {
        let end = start + rest[start..].find('}').expect("a closed marker");
        out.push_str(&rest[..start]);
        match only {
            Some(_) => out.push_str(&format!("{} = $1", &rest[start + 6..end])),
            None => out.push_str("1 = 1"),
        }
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    let mut q = sqlx::query(&out);
    if let Some(id) = only {
        q = q.bind(id);
    }
    Ok(q.fetch_all(&db.pool).await?)
}

/// Every group, role groups first (admin, builder, end-user), then custom
/// ones by name; `only` narrows to one, and reads only that group's rows.
async fn load(db: &Db, only: Option<&str>) -> AppResult<Vec<GroupView>> {
    let rows = rows_for(
        db,
        &format!(
            "SELECT id, name, role, {FLAG_COLUMNS} FROM groups WHERE {{only:id}} \
             ORDER BY CASE role WHEN 'admin' THEN 0 WHEN 'builder' THEN 1 WHEN 'end-user' THEN 2 ELSE 3 END, name_key"
        ),
        only,
    )
    .await?;
    let mut members: HashMap<String, Vec<String>> = HashMap::new();
    for r in rows_for(
        db,
        "SELECT g.id AS group_id, u.id AS user_id FROM groups g JOIN users u ON u.role = g.role WHERE {only:g.id} \
         UNION ALL SELECT m.group_id, m.user_id FROM group_members m WHERE {only:m.group_id}",
        only,
    )
    .await?
    {
        members
            .entry(r.get("group_id"))
            .or_default()
            .push(r.get("user_id"));
    }
    let mut permissions: HashMap<String, Vec<PermissionView>> = HashMap::new();
    let perm_rows = rows_for(
        db,
        "SELECT id, group_id, all_apps, access, hide_from_dashboard FROM app_permissions \
         WHERE {only:group_id} ORDER BY created_at, id",
        only,
    )
    .await?;
    let mut envs: HashMap<String, Vec<String>> = HashMap::new();
    for r in rows_for(
        db,
        "SELECT e.permission_id, e.environment FROM app_permission_environments e \
         JOIN app_permissions p ON p.id = e.permission_id WHERE {only:p.group_id}",
        only,
    )
    .await?
    {
        envs.entry(r.get("permission_id"))
            .or_default()
            .push(r.get("environment"));
    }
    let mut listed: HashMap<String, Vec<String>> = HashMap::new();
    for r in rows_for(
        db,
        "SELECT pa.permission_id, pa.app_id FROM app_permission_apps pa \
         JOIN app_permissions p ON p.id = pa.permission_id WHERE {only:p.group_id} ORDER BY pa.app_id",
        only,
    )
    .await?
    {
        listed
            .entry(r.get("permission_id"))
            .or_default()
            .push(r.get("app_id"));
    }
    let env_order = environments::list(db).await?;
    for r in &perm_rows {
        let id: String = r.get("id");
        let mut environments = envs.remove(&id).unwrap_or_default();
        // Environments in priority order, `released` last, as the access
        // answer lists them.
        environments.sort_by_key(|e| {
            env_order
                .iter()
                .position(|x| &x.name == e)
                .unwrap_or(usize::MAX)
        });
        let apps = if r.get::<i64, _>("all_apps") != 0 {
            Apps::All
        } else {
            Apps::List(listed.remove(&id).unwrap_or_default())
        };
        permissions
            .entry(r.get("group_id"))
            .or_default()
            .push(PermissionView {
                apps,
                access: stored_level(&r.get::<String, _>("access"))?,
                environments,
                hide_from_dashboard: r.get::<i64, _>("hide_from_dashboard") != 0,
                id,
            });
    }
    Ok(rows
        .iter()
        .map(|r| {
            let id: String = r.get("id");
            let role: Option<String> = r.get("role");
            GroupView {
                name: r.get("name"),
                kind: if role.is_some() {
                    GroupKind::Role
                } else {
                    GroupKind::Custom
                },
                flags: flags_of_row(r),
                members: members.remove(&id).unwrap_or_default(),
                app_permissions: permissions.remove(&id).unwrap_or_default(),
                id,
            }
        })
        .collect())
}

pub async fn list(db: &Db, admin: &User) -> AppResult<Vec<GroupView>> {
    require_admin(admin)?;
    load(db, None).await
}

pub async fn get(db: &Db, admin: &User, id: &str) -> AppResult<GroupView> {
    require_admin(admin)?;
    load(db, Some(id)).await?.pop().ok_or_else(no_group)
}

const DUPLICATE_NAME: &str = "A group with this name already exists";

pub async fn create(db: &Db, admin: &User, input: Input<NewGroupInput>) -> AppResult<GroupView> {
    require_admin(admin)?;
    let name = input.parse()?;
    let id = clock::new_id();
    let mut tx = db.begin().await?;
    let inserted =
        sqlx::query("INSERT INTO groups (id, name, name_key, created_at) VALUES ($1, $2, $3, $4)")
            .bind(&id)
            .bind(name.as_str())
            .bind(name.as_str().to_lowercase())
            .bind(clock::now())
            .execute(&mut *tx)
            .await;
    match inserted {
        Err(e) if is_unique_violation(&e) => return Err(AppError::conflict(DUPLICATE_NAME)),
        other => other?,
    };
    audit::record(
        &mut tx,
        admin.into(),
        "group.create",
        &format!("group:{id}"),
        None,
        json!({ "name": name.as_str() }),
    )
    .await?;
    tx.commit().await?;
    get(db, admin, &id).await
}

/// Renames a custom group and/or changes its flags.
pub async fn update(
    db: &Db,
    admin: &User,
    id: &str,
    change: Input<GroupChangeInput>,
) -> AppResult<GroupView> {
    require_admin(admin)?;
    let mut tx = db.begin().await?;
    let before = facts(&mut tx, db.backend, id).await?;
    let GroupChange { name, flags } = change.parse()?;
    let renamed = name.as_ref().is_some_and(|n| n.as_str() != before.name);
    let new_flags = flags.map(|c| c.apply(before.flags));
    if let Some(reason) = group_change_refusal(&before, renamed, new_flags) {
        return Err(AppError::conflict(reason));
    }
    let mut details = serde_json::Map::new();
    if let Some(n) = name.as_ref().filter(|_| renamed) {
        let updated = sqlx::query("UPDATE groups SET name = $1, name_key = $2 WHERE id = $3")
            .bind(n.as_str())
            .bind(n.as_str().to_lowercase())
            .bind(id)
            .execute(&mut *tx)
            .await;
        match updated {
            Err(e) if is_unique_violation(&e) => return Err(AppError::conflict(DUPLICATE_NAME)),
            other => other?,
        };
        details.insert(
            "name".into(),
            json!({ "from": before.name, "to": n.as_str() }),
        );
    }
    if let Some(f) = new_flags.filter(|f| *f != before.flags) {
        let sql = format!(
            "UPDATE groups SET {} WHERE id = ${}",
            super::db::assignments(Flag::ALL.iter().map(|f| f.name())),
            Flag::ALL.len() + 1
        );
        let mut q = sqlx::query(&sql);
        for flag in Flag::ALL {
            q = q.bind(f.get(flag) as i64);
        }
        q.bind(id).execute(&mut *tx).await?;
        details.insert("flags".into(), json!({ "from": before.flags, "to": f }));
    }
    if !details.is_empty() {
        audit::record(
            &mut tx,
            admin.into(),
            "group.update",
            &format!("group:{id}"),
            None,
            details.into(),
        )
        .await?;
    }
    tx.commit().await?;
    get(db, admin, id).await
}

pub async fn delete(db: &Db, admin: &User, id: &str) -> AppResult<()> {
    require_admin(admin)?;
    let mut tx = db.begin().await?;
    let g = facts(&mut tx, db.backend, id).await?;
    if let Some(reason) = group_delete_refusal(&g) {
        return Err(AppError::conflict(reason));
    }
    sqlx::query("DELETE FROM groups WHERE id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    audit::record(
        &mut tx,
        admin.into(),
        "group.delete",
        &format!("group:{id}"),
        None,
        json!({ "name": g.name }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Adds (`joining`) or removes a member of a custom group. Doing what is
/// already so changes nothing and records nothing.
pub async fn set_member(
    db: &Db,
    admin: &User,
    group_id: &str,
    user_id: &str,
    joining: bool,
) -> AppResult<()> {
    require_admin(admin)?;
    if user_id.is_empty() {
        return Err(AppError::invalid("user_id", "Choose a user"));
    }
    let mut tx = db.begin().await?;
    let user = super::users::lock(&mut tx, db.backend, user_id).await?;
    let g = facts(&mut tx, db.backend, group_id).await?;
    if let Some(reason) = membership_refusal(&g, user.role, joining) {
        return Err(AppError::conflict(reason));
    }
    let changed = if joining {
        let exists =
            sqlx::query("SELECT 1 AS x FROM group_members WHERE group_id = $1 AND user_id = $2")
                .bind(group_id)
                .bind(user_id)
                .fetch_optional(&mut *tx)
                .await?
                .is_some();
        if !exists {
            sqlx::query("INSERT INTO group_members (group_id, user_id) VALUES ($1, $2)")
                .bind(group_id)
                .bind(user_id)
                .execute(&mut *tx)
                .await?;
        }
        !exists
    } else {
        sqlx::query("DELETE FROM group_members WHERE group_id = $1 AND user_id = $2")
            .bind(group_id)
            .bind(user_id)
            .execute(&mut *tx)
            .await?
            .rows_affected()
            > 0
    };
    if changed {
        let action = if joining {
            "group.member_add"
        } else {
            "group.member_remove"
        };
        audit::record(
            &mut tx,
            admin.into(),
            action,
            &format!("group:{group_id}"),
            None,
            json!({ "group": g.name, "user_id": user.id, "email": user.email }),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

pub async fn add_permission(
    db: &Db,
    admin: &User,
    group_id: &str,
    input: Input<PermissionInput>,
) -> AppResult<PermissionView> {
    require_admin(admin)?;
    let mut tx = db.begin().await?;
    let g = facts(&mut tx, db.backend, group_id).await?;
    let input = input.read()?;
    // Unknown apps are an `apps` error, named before any later field; the
    // key-share lock keeps a listed app from being deleted meanwhile.
    if let Some(Apps::List(ids)) = &input.apps {
        let lock = if db.backend == Backend::Postgres {
            " FOR KEY SHARE"
        } else {
            ""
        };
        let marks: Vec<String> = (1..=ids.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT id FROM apps WHERE id IN ({}){lock}",
            marks.join(", ")
        );
        let mut q = sqlx::query_scalar::<_, String>(&sql);
        for app_id in ids {
            q = q.bind(app_id);
        }
        let found: Vec<String> = if ids.is_empty() {
            Vec::new()
        } else {
            q.fetch_all(&mut *tx).await?
        };
        if let Some(missing) = ids.iter().find(|id| !found.contains(id)) {
            return Err(AppError::invalid(
                "apps",
                format!("There is no app with id {missing:?}"),
            ));
        }
    }
    let known = environments::all(db).await?;
    let p = NewPermission::parse(
        input.apps,
        input.access.as_deref(),
        input.environments.unwrap_or_default(),
        input.hide_from_dashboard.unwrap_or(false),
        &known,
    )?;
    if let Some(reason) = permission_refusal(&g, p.access) {
        return Err(AppError::conflict(reason));
    }
    let id = clock::new_id();
    sqlx::query(
        "INSERT INTO app_permissions (id, group_id, all_apps, access, hide_from_dashboard, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&id)
    .bind(group_id)
    .bind((p.apps == Apps::All) as i64)
    .bind(if p.access == Level::Edit { "edit" } else { "view" })
    .bind(p.hide_from_dashboard as i64)
    .bind(clock::now())
    .execute(&mut *tx)
    .await?;
    if let Apps::List(ids) = &p.apps {
        insert_pairs(
            &mut tx,
            "app_permission_apps (permission_id, app_id)",
            &id,
            ids,
        )
        .await?;
    }
    insert_pairs(
        &mut tx,
        "app_permission_environments (permission_id, environment)",
        &id,
        &p.environments,
    )
    .await?;
    let view = PermissionView {
        id,
        apps: p.apps,
        access: p.access,
        environments: p.environments,
        hide_from_dashboard: p.hide_from_dashboard,
    };
    audit::record(
        &mut tx,
        admin.into(),
        "permission.grant",
        &format!("group:{group_id}"),
        None,
        json!({ "group": g.name, "permission": view }),
    )
    .await?;
    tx.commit().await?;
    Ok(view)
}

pub async fn remove_permission(
    db: &Db,
    admin: &User,
    group_id: &str,
    permission_id: &str,
) -> AppResult<()> {
    require_admin(admin)?;
    let mut tx = db.begin().await?;
    let g = facts(&mut tx, db.backend, group_id).await?;
    let removed = sqlx::query("DELETE FROM app_permissions WHERE id = $1 AND group_id = $2")
        .bind(permission_id)
        .bind(group_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if removed == 0 {
        return Err(AppError::not_found("No such permission in this group"));
    }
    audit::record(
        &mut tx,
        admin.into(),
        "permission.revoke",
        &format!("group:{group_id}"),
        None,
        json!({ "group": g.name, "permission_id": permission_id }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Every user and app, for the admin's pickers (no access computed: admins
/// see every app).
pub async fn choices(db: &Db, admin: &User) -> AppResult<Choices> {
    let users = super::users::list(db, admin).await?;
    let apps = sqlx::query("SELECT id, name FROM apps ORDER BY name_key")
        .fetch_all(&db.pool)
        .await?
        .iter()
        .map(|r| (r.get("id"), r.get("name")))
        .collect();
    Ok(Choices { users, apps })
}

pub async fn page(db: &Db, admin: &User, id: &str) -> AppResult<GroupPage> {
    let group = get(db, admin, id).await?;
    let mut environments: Vec<String> = environments::list(db)
        .await?
        .into_iter()
        .map(|e| e.name.into())
        .collect();
    environments.push(RELEASED.into());
    Ok(GroupPage {
        group,
        choices: choices(db, admin).await?,
        environments,
    })
}
