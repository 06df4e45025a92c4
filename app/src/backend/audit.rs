//! The audit log (SPEC L1, L2): append-only, written in the transaction of
//! the change it records.
use super::clock;
use super::db::{Db, Tx};
pub use crate::domain::audit::{AuditEntry, AuditPage};
use crate::domain::paging;
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
    // Every change is audited (L1), so this is the one place that tells the
    // instances their copies in memory (`cache`) are old. Signing in and out
    // changes nothing they hold.
    if !action.starts_with("auth.") || action == "auth.setup" {
        super::cache::bump(tx).await?;
    }
    Ok(())
}

/// The filters of `GET /audit` and the audit page as they arrived,
/// unparsed: `list` checks them after the admin check (403 before 422), in
/// API.md's order (`from`, `to`, `before`, `limit`).
#[derive(Debug, Default, Clone)]
pub struct AuditFilter {
    pub app_id: Option<String>,
    pub user_id: Option<String>,
    pub action: Option<String>,
    /// RFC 3339, inclusive.
    pub from: Option<String>,
    /// RFC 3339, exclusive.
    pub to: Option<String>,
    pub before: Option<String>,
    pub limit: Option<String>,
    /// The page's `datetime-local` inputs send `YYYY-MM-DDTHH:MM[:SS]`
    /// without a zone; the page accepts that too (read as UTC), the API
    /// only RFC 3339.
    pub accept_datetime_local: bool,
}

/// Newest first, `limit` 1..=500 (default 100); `next` is the `before` of the
/// following page. `from` is inclusive, `to` exclusive.
pub async fn list(db: &Db, actor: &User, filter: AuditFilter) -> AppResult<AuditPage> {
    super::users::require_admin(actor)?;
    let when = |field: &str, raw: &Option<String>| {
        raw.as_deref()
            .map(|r| clock::parse_time(field, r, filter.accept_datetime_local))
            .transpose()
    };
    let from = when("from", &filter.from)?;
    let to = when("to", &filter.to)?;
    let before = paging::whole_number("before", filter.before.as_deref())?;
    let limit = paging::limit(filter.limit.as_deref())?;
    let rows = sqlx::query(
        "SELECT id, at, actor, action, target, app_id, details FROM audit_log \
         WHERE ($1 IS NULL OR actor_id = $1) AND ($2 IS NULL OR action = $2) \
           AND ($3 IS NULL OR id < $3) AND ($5 IS NULL OR app_id = $5) \
           AND ($6 IS NULL OR at >= $6) AND ($7 IS NULL OR at < $7) \
         ORDER BY id DESC LIMIT $4",
    )
    .bind(filter.user_id)
    .bind(filter.action)
    .bind(before)
    .bind(limit + 1)
    .bind(filter.app_id)
    .bind(from)
    .bind(to)
    .fetch_all(&db.pool)
    .await?;
    let mut entries: Vec<AuditEntry> = rows
        .iter()
        .map(|r| {
            let id = r.get::<i64, _>("id");
            // Details are written as JSON by `record`; anything else is a
            // corrupt row.
            let details = serde_json::from_str(&r.get::<String, _>("details")).map_err(|e| {
                tracing::error!(audit_id = id, error = %e, "audit details are not JSON");
                AppError::internal()
            })?;
            Ok(AuditEntry {
                id: id.to_string(),
                app_id: r.get("app_id"),
                at: r.get("at"),
                actor: r.get("actor"),
                action: r.get("action"),
                target: r.get("target"),
                details,
            })
        })
        .collect::<AppResult<_>>()?;
    let next = if entries.len() as i64 > limit {
        entries.truncate(limit as usize);
        entries.last().map(|e| e.id.clone())
    } else {
        None
    };
    Ok(AuditPage { entries, next })
}
