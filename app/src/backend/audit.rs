//! The audit log (SPEC L1, L2): append-only, written in the transaction of
//! the change it records.
use super::clock;
use super::db::{Db, Tx};
use crate::domain::access::administer_denied;
pub use crate::domain::audit::{AuditEntry, AuditPage};
use crate::domain::user::User;
use crate::error::{AppError, AppResult};
use sqlx::Row;

/// Who did it: a signed-in user, or (for failed sign-ins) only an email.
pub struct Actor<'a> {
    pub id: Option<&'a str>,
    pub email: &'a str,
}

impl<'a> From<&'a User> for Actor<'a> {
    fn from(u: &'a User) -> Self {
        Actor {
            id: Some(&u.id),
            email: &u.email,
        }
    }
}

pub async fn record(
    tx: &mut Tx,
    actor: Actor<'_>,
    action: &str,
    target: &str,
    app_id: Option<&str>,
    details: serde_json::Value,
) -> AppResult<()> {
    sqlx::query(
        "INSERT INTO audit_log (at, actor_id, actor, action, target, app_id, details) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(clock::now())
    .bind(actor.id)
    .bind(actor.email)
    .bind(action)
    .bind(target)
    .bind(app_id)
    .bind(details.to_string())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

#[derive(Debug, Default, Clone)]
pub struct AuditFilter {
    pub app_id: Option<String>,
    pub user_id: Option<String>,
    pub action: Option<String>,
    pub before: Option<i64>,
    pub limit: Option<i64>,
}

/// Newest first, `limit` 1..=500 (default 100); `next` is the `before` of the
/// following page.
pub async fn list(db: &Db, actor: &User, filter: AuditFilter) -> AppResult<AuditPage> {
    if let Some(reason) = administer_denied(actor.role) {
        return Err(AppError::forbidden(reason));
    }
    let limit = filter.limit.unwrap_or(100);
    if !(1..=500).contains(&limit) {
        return Err(AppError::invalid(
            "limit",
            "limit must be between 1 and 500",
        ));
    }
    let rows = sqlx::query(
        "SELECT id, at, actor, action, target, app_id, details FROM audit_log \
         WHERE ($1 IS NULL OR actor_id = $1) AND ($2 IS NULL OR action = $2) \
           AND ($3 IS NULL OR id < $3) AND ($5 IS NULL OR app_id = $5) \
         ORDER BY id DESC LIMIT $4",
    )
    .bind(filter.user_id)
    .bind(filter.action)
    .bind(filter.before)
    .bind(limit + 1)
    .bind(filter.app_id)
    .fetch_all(&db.pool)
    .await?;
    let mut entries: Vec<AuditEntry> = rows
        .iter()
        .map(|r| AuditEntry {
            id: r.get::<i64, _>("id").to_string(),
            app_id: r.get("app_id"),
            at: r.get("at"),
            actor: r.get("actor"),
            action: r.get("action"),
            target: r.get("target"),
            details: serde_json::from_str(&r.get::<String, _>("details"))
                .unwrap_or(serde_json::Value::Null),
        })
        .collect();
    let next = if entries.len() as i64 > limit {
        entries.truncate(limit as usize);
        entries.last().map(|e| e.id.clone())
    } else {
        None
    };
    Ok(AuditPage { entries, next })
}
