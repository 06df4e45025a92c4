//! User administration (SPEC P1; admin only, P9) and user look-ups.
use super::audit;
use super::db::{is_unique_violation, Backend, Db, Tx};
use super::{clock, passwords};
use crate::domain::access::administer_denied;
use crate::domain::group::role_change_refusal;
use crate::domain::input::Input;
use crate::domain::user::{
    change_ends_sessions, user_change_refusal, Email, NewUserInput, Role, User, UserChangeInput,
    UserName,
};
use crate::error::{AppError, AppResult};
use serde_json::json;
use sqlx::any::AnyRow;
use sqlx::Row;

const COLUMNS: &str = "id, email, name, role, active";

/// A user from a row holding the columns `id, email, name, role, active`.
pub fn user_from_row(r: &AnyRow) -> AppResult<User> {
    let role: String = r.get("role");
    Ok(User {
        id: r.get("id"),
        email: r.get("email"),
        name: r.get("name"),
        role: Role::parse(&role).map_err(|_| {
            tracing::error!(role, "unknown role in database");
            AppError::internal()
        })?,
        active: r.get::<i64, _>("active") != 0,
    })
}

pub(crate) fn require_admin(actor: &User) -> AppResult<()> {
    match administer_denied(actor.role) {
        Some(reason) => Err(AppError::forbidden(reason)),
        None => Ok(()),
    }
}

/// The lock of the set of active admins (`Db::serialize`).
const ADMINS_LOCK: &str = "users: active admins";

async fn active_admins(tx: &mut Tx) -> AppResult<usize> {
    let n = sqlx::query("SELECT COUNT(*) AS n FROM users WHERE role = 'admin' AND active = 1")
        .fetch_one(&mut **tx)
        .await?
        .get::<i64, _>("n");
    Ok(n as usize)
}

const DUPLICATE_EMAIL: &str = "A user with this email already exists";

pub(super) async fn insert(
    tx: &mut Tx,
    email: &Email,
    name: &UserName,
    role: Role,
    password_hash: &str,
) -> AppResult<User> {
    let user = User {
        id: clock::new_id(),
        email: email.as_str().to_string(),
        name: name.as_str().to_string(),
        role,
        active: true,
    };
    let inserted = sqlx::query(
        "INSERT INTO users (id, email, name, role, password_hash, active, created_at) \
         VALUES ($1, $2, $3, $4, $5, 1, $6)",
    )
    .bind(&user.id)
    .bind(&user.email)
    .bind(&user.name)
    .bind(role.as_str())
    .bind(password_hash)
    .bind(clock::now())
    .execute(&mut **tx)
    .await;
    match inserted {
        Err(e) if is_unique_violation(&e) => Err(AppError::conflict(DUPLICATE_EMAIL)),
        other => other.map(|_| user).map_err(AppError::from),
    }
}

/// Reads the user inside `tx`, locked on PostgreSQL, so a role change and a
/// group membership change of the same user run one after the other (P3).
/// Lock order everywhere: the user, then groups.
pub(super) async fn lock(tx: &mut Tx, backend: Backend, id: &str) -> AppResult<User> {
    let lock = backend.for_update();
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM users WHERE id = $1{lock}"))
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?;
    row.as_ref()
        .map(user_from_row)
        .transpose()?
        .ok_or_else(|| AppError::not_found("No such user"))
}

pub async fn find(db: &Db, id: &str) -> AppResult<Option<User>> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM users WHERE id = $1"))
        .bind(id)
        .fetch_optional(&db.pool)
        .await?;
    row.as_ref().map(user_from_row).transpose()
}

/// The active admin who joined first (the demo's author at start-up).
pub async fn first_admin(db: &Db) -> AppResult<Option<User>> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM users WHERE role = 'admin' AND active = 1 ORDER BY created_at, id LIMIT 1"
    ))
    .fetch_optional(&db.pool)
    .await?;
    row.as_ref().map(user_from_row).transpose()
}

/// The user and their password hash, for sign-in only.
/// The user with their password hash and the generation of their sessions
/// (S6), read in one row.
pub(super) async fn find_credentials(
    db: &Db,
    email: &Email,
) -> AppResult<Option<(User, String, i64)>> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS}, password_hash, session_generation FROM users WHERE email = $1"
    ))
    .bind(email.as_str())
    .fetch_optional(&db.pool)
    .await?;
    row.map(|r| {
        Ok((
            user_from_row(&r)?,
            r.get("password_hash"),
            r.get("session_generation"),
        ))
    })
    .transpose()
}

pub async fn list(db: &Db, actor: &User) -> AppResult<Vec<User>> {
    require_admin(actor)?;
    let rows = sqlx::query(&format!("SELECT {COLUMNS} FROM users ORDER BY email"))
        .fetch_all(&db.pool)
        .await?;
    rows.iter().map(user_from_row).collect()
}

/// Creates a user from raw input: the caller's right is checked before the
/// input, so a non-admin learns nothing about what would be valid.
pub async fn create(db: &Db, actor: &User, input: Input<NewUserInput>) -> AppResult<User> {
    require_admin(actor)?;
    let input = input.parse()?;
    let hash = passwords::hash(input.password.secret()).await?;
    let mut tx = db.begin().await?;
    let user = insert(&mut tx, &input.email, &input.name, input.role, &hash).await?;
    audit::record(
        &mut tx,
        actor.into(),
        "user.create",
        &format!("user:{}", user.id),
        None,
        json!({ "email": user.email, "name": user.name, "role": user.role }),
    )
    .await?;
    tx.commit().await?;
    Ok(user)
}

pub async fn update(
    db: &Db,
    actor: &User,
    id: &str,
    change: Input<UserChangeInput>,
) -> AppResult<User> {
    require_admin(actor)?;
    let mut tx = db.begin().await?;
    // Two admins demoting or deactivating each other at once must not both
    // count the other as the remaining admin: role and active changes run
    // one at a time, and the count is read after the lock.
    db.serialize(&mut tx, ADMINS_LOCK).await?;
    let before = lock(&mut tx, db.backend, id).await?;
    let change = change.parse()?;
    let admins = active_admins(&mut tx).await?;
    if let Some(reason) = user_change_refusal(&actor.id, &before, &change, admins) {
        return Err(AppError::conflict(reason));
    }
    if let Some(role) = change.role.filter(|r| *r != before.role) {
        let groups = super::groups::custom_groups_of(&mut tx, db.backend, id).await?;
        if let Some(reason) = role_change_refusal(role, &groups) {
            return Err(AppError::conflict(reason));
        }
    }
    let after = User {
        name: change
            .name
            .as_ref()
            .map_or(before.name.clone(), |n| n.as_str().to_string()),
        role: change.role.unwrap_or(before.role),
        active: change.active.unwrap_or(before.active),
        ..before.clone()
    };
    if after == before {
        return Ok(after);
    }
    sqlx::query("UPDATE users SET name = $1, role = $2, active = $3 WHERE id = $4")
        .bind(&after.name)
        .bind(after.role.as_str())
        .bind(after.active as i64)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    if change_ends_sessions(&before, &after) {
        end_sessions(&mut tx, id).await?;
    }
    let mut details = serde_json::Map::new();
    if after.name != before.name {
        details.insert(
            "name".into(),
            json!({ "from": before.name, "to": after.name }),
        );
    }
    if after.role != before.role {
        details.insert(
            "role".into(),
            json!({ "from": before.role, "to": after.role }),
        );
    }
    if after.active != before.active {
        details.insert(
            "active".into(),
            json!({ "from": before.active, "to": after.active }),
        );
    }
    audit::record(
        &mut tx,
        actor.into(),
        "user.update",
        &format!("user:{id}"),
        None,
        details.into(),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// S6: ends every session of the user, in the transaction of the change.
/// Raising the generation also ends a session a sign-in racing this change
/// writes afterwards; the audit entry written with it bumps the cache
/// epoch, so every instance drops the sessions it holds in memory.
async fn end_sessions(tx: &mut Tx, user_id: &str) -> AppResult<()> {
    sqlx::query("UPDATE users SET session_generation = session_generation + 1 WHERE id = $1")
        .bind(user_id)
        .execute(&mut **tx)
        .await?;
    sqlx::query("DELETE FROM sessions WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Who did what from the operator's command line (`server admin …`).
const OPERATOR: &str = "operator (command line)";

/// `server admin reset-password EMAIL`: an operator locked out sets a new
/// password; the user's failed sign-ins are forgotten.
pub async fn reset_password(db: &Db, email: &str, password: &str) -> AppResult<User> {
    let email = Email::parse(email)?;
    let password = crate::domain::user::Password::parse(password)?;
    let hash = passwords::hash(password.secret()).await?;
    let mut tx = db.begin().await?;
    let user = by_email_locked(&mut tx, db.backend, &email).await?;
    sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
        .bind(&hash)
        .bind(&user.id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM login_failures WHERE email = $1")
        .bind(email.as_str())
        .execute(&mut *tx)
        .await?;
    // S6: whoever knew the old password may hold a session.
    end_sessions(&mut tx, &user.id).await?;
    operator_changed(
        &mut tx,
        &user.id,
        json!({ "password": "reset from the command line" }),
    )
    .await?;
    tx.commit().await?;
    Ok(user)
}

/// `server admin promote EMAIL`: makes the user an active admin, so an
/// installation whose admins are all gone can be administered again.
pub async fn promote_to_admin(db: &Db, email: &str) -> AppResult<User> {
    let email = Email::parse(email)?;
    let mut tx = db.begin().await?;
    db.serialize(&mut tx, ADMINS_LOCK).await?;
    let before = by_email_locked(&mut tx, db.backend, &email).await?;
    let after = User {
        role: Role::Admin,
        active: true,
        ..before.clone()
    };
    if after == before {
        return Ok(after);
    }
    sqlx::query("UPDATE users SET role = 'admin', active = 1 WHERE id = $1")
        .bind(&before.id)
        .execute(&mut *tx)
        .await?;
    operator_changed(
        &mut tx,
        &before.id,
        json!({
            "role": { "from": before.role, "to": after.role },
            "active": { "from": before.active, "to": after.active },
        }),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// Audits a change the operator made from the command line.
async fn operator_changed(tx: &mut Tx, user_id: &str, details: serde_json::Value) -> AppResult<()> {
    let actor = audit::Actor {
        id: None,
        email: OPERATOR,
    };
    audit::record(
        tx,
        actor,
        "user.update",
        &format!("user:{user_id}"),
        None,
        details,
    )
    .await
}

async fn by_email_locked(tx: &mut Tx, backend: Backend, email: &Email) -> AppResult<User> {
    let id: Option<String> = sqlx::query("SELECT id FROM users WHERE email = $1")
        .bind(email.as_str())
        .fetch_optional(&mut **tx)
        .await?
        .map(|r| r.get("id"));
    let id =
        id.ok_or_else(|| AppError::not_found(format!("No user has the email {}", email.as_str())))?;
    lock(tx, backend, &id).await
}
