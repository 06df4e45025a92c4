//! Personal access tokens (SPEC B5): made and revoked by their user, sent
//! as `Authorization: Bearer …` to the HTTP API only, acting as the user.
use super::audit;
use super::clock;
use super::db::Db;
use super::secrets::hex;
use super::users::user_from_row;
use crate::domain::input::Input;
use crate::domain::token::{CreatedToken, NewToken, NewTokenInput, TokenView, TOKEN_PREFIX};
use crate::domain::user::User;
use crate::error::{AppError, AppResult};
use serde_json::json;
use sha2::{Digest, Sha256};
use sqlx::any::AnyRow;
use sqlx::Row;

/// Only this is stored: the token is 256 random bits, so a fast hash is as
/// safe as a slow one and lets one indexed lookup find it.
fn hash(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

fn new_value() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    format!("{TOKEN_PREFIX}{}", hex(&bytes))
}

fn view(r: &AnyRow) -> TokenView {
    TokenView {
        id: r.get("id"),
        name: r.get("name"),
        expires_at: r.get("expires_at"),
        created_at: r.get("created_at"),
        last_used_at: r.get("last_used_at"),
    }
}

pub async fn create(db: &Db, user: &User, input: Input<NewTokenInput>) -> AppResult<CreatedToken> {
    let NewToken { name, expires_at } = input.parse()?;
    let expires_at = match expires_at {
        None => None,
        Some(raw) => {
            let at = clock::parse_time("expires_at", raw.trim(), true)?;
            if at <= db.clock.stored(0) {
                return Err(AppError::invalid(
                    "expires_at",
                    "expires_at must be in the future",
                ));
            }
            Some(at)
        }
    };
    let token = new_value();
    let created = CreatedToken {
        id: clock::new_id(),
        name: name.as_str().to_string(),
        token,
        expires_at,
        created_at: clock::now(),
    };
    let mut tx = db.begin().await?;
    sqlx::query(
        "INSERT INTO tokens (id, user_id, name, hash, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&created.id)
    .bind(&user.id)
    .bind(&created.name)
    .bind(hash(&created.token))
    .bind(&created.created_at)
    .bind(&created.expires_at)
    .execute(&mut *tx)
    .await?;
    audit::record(
        &mut tx,
        user.into(),
        "token.create",
        &format!("token:{}", created.id),
        None,
        json!({ "name": created.name, "expires_at": created.expires_at }),
    )
    .await?;
    tx.commit().await?;
    Ok(created)
}

/// The caller's own tokens, newest first.
pub async fn list(db: &Db, user: &User) -> AppResult<Vec<TokenView>> {
    let rows = sqlx::query(
        "SELECT id, name, expires_at, created_at, last_used_at FROM tokens \
         WHERE user_id = $1 ORDER BY created_at DESC, id",
    )
    .bind(&user.id)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows.iter().map(view).collect())
}

/// Revokes one of the caller's tokens: it stops working at once.
pub async fn revoke(db: &Db, user: &User, id: &str) -> AppResult<()> {
    let mut tx = db.begin().await?;
    let row = sqlx::query("DELETE FROM tokens WHERE id = $1 AND user_id = $2 RETURNING name")
        .bind(id)
        .bind(&user.id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| AppError::not_found("You have no such token"))?;
    let name: String = row.get("name");
    audit::record(
        &mut tx,
        user.into(),
        "token.revoke",
        &format!("token:{id}"),
        None,
        json!({ "name": name }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// How often a token's last use is written: a pipeline calling many times
/// a second would otherwise write a row per call.
const LAST_USED_STEP_SECONDS: i64 = 60;

/// The user a bearer token acts as: one statement reads the token, its
/// user and the cache epoch. An unknown, expired or revoked token, or a
/// deactivated user, is 401 alike.
pub async fn authenticate(db: &Db, token: &str) -> AppResult<User> {
    let refused = || AppError::unauthenticated_because("The access token is not valid");
    if !token.starts_with(TOKEN_PREFIX) {
        return Err(refused());
    }
    let row = sqlx::query(
        "SELECT u.id, u.email, u.name, u.role, u.active, t.id AS token_id, t.expires_at, \
         t.last_used_at \
         FROM tokens t JOIN users u ON u.id = t.user_id WHERE t.hash = $1",
    )
    .bind(hash(token))
    .fetch_optional(&db.pool)
    .await?
    .ok_or_else(refused)?;
    let now = db.clock.stored(0);
    let expires_at: Option<String> = row.get("expires_at");
    if expires_at.is_some_and(|e| e <= now) {
        return Err(AppError::unauthenticated_because(
            "The access token has expired",
        ));
    }
    let user = user_from_row(&row)?;
    if !user.active {
        return Err(refused());
    }
    let last_used: Option<String> = row.get("last_used_at");
    let stale_before = db.clock.stored(LAST_USED_STEP_SECONDS);
    if last_used.is_none_or(|l| l < stale_before) {
        // Bookkeeping: a busy database must not fail the request it notes.
        let noted = sqlx::query("UPDATE tokens SET last_used_at = $1 WHERE id = $2")
            .bind(&now)
            .bind(row.get::<String, _>("token_id"))
            .execute(&db.pool)
            .await;
        if let Err(e) = noted {
            tracing::warn!(error = %e, "cannot note a token's last use");
        }
    }
    Ok(user)
}
