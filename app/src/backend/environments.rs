//! Environments (SPEC E1, E2). The defaults come from the first migration.
use super::db::Db;
use crate::domain::environment::Environment;
use crate::error::AppResult;
use sqlx::Row;
use std::sync::Arc;

/// Every environment, by priority (E2); from memory while unchanged.
pub async fn all(db: &Db) -> AppResult<Arc<Vec<Environment>>> {
    db.cache.environments(read(db)).await
}

/// `all`, as an owned list.
pub async fn list(db: &Db) -> AppResult<Vec<Environment>> {
    Ok(all(db).await?.as_ref().clone())
}

async fn read(db: &Db) -> AppResult<Vec<Environment>> {
    let rows =
        sqlx::query("SELECT id, name, priority, is_default FROM environments ORDER BY priority")
            .fetch_all(&db.pool)
            .await?;
    Ok(rows
        .iter()
        .map(|r| Environment {
            id: r.get("id"),
            name: r.get("name"),
            priority: r.get("priority"),
            is_default: r.get::<i64, _>("is_default") != 0,
        })
        .collect())
}
