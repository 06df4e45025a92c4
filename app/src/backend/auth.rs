//! First-run setup, sign-in and sign-out (SPEC P1, S3; L1 audit).
use super::audit::{self, Actor};
use super::db::{is_unique_violation, Db};
use super::{clock, passwords, users};
use crate::domain::sign_in::{self, throttled, BAD_CREDENTIALS, THROTTLED};
use crate::domain::user::{Email, NewAdmin, Role, User};
use crate::error::{AppError, AppResult};
use serde_json::json;
use sqlx::Row;

pub async fn setup_needed(db: &Db) -> AppResult<bool> {
    let row = sqlx::query("SELECT COUNT(*) AS n FROM installation")
        .fetch_one(&db.pool)
        .await?;
    Ok(row.get::<i64, _>("n") == 0)
}

/// Creates the first admin. The single-row `installation` table makes this
/// happen once even when two requests race: the second insert conflicts.
pub async fn setup(db: &Db, input: NewAdmin) -> AppResult<User> {
    const DONE: &str = "Stagecraft is already set up; sign in instead";
    if !setup_needed(db).await? {
        return Err(AppError::conflict(DONE));
    }
    let hash = passwords::hash(input.password.expose().to_string()).await?;
    let mut tx = db.begin().await?;
    let claimed = sqlx::query("INSERT INTO installation (id, set_up_at) VALUES (1, $1)")
        .bind(clock::now())
        .execute(&mut *tx)
        .await;
    match claimed {
        Err(e) if is_unique_violation(&e) => return Err(AppError::conflict(DONE)),
        other => other?,
    };
    let user = users::insert(&mut tx, &input.email, &input.name, Role::Admin, &hash).await?;
    audit::record(
        &mut tx,
        (&user).into(),
        "auth.setup",
        &format!("user:{}", user.id),
        None,
        json!({}),
    )
    .await?;
    tx.commit().await?;
    tracing::info!(user_id = %user.id, "first admin created");
    Ok(user)
}

/// Checks an email and password. Unknown emails and wrong passwords get the
/// same answer after the same work; failures count towards the throttle.
pub async fn sign_in(db: &Db, email: &str, password: &str, address: &str) -> AppResult<User> {
    let email = Email::parse(email)?;
    if password.is_empty() {
        return Err(AppError::invalid("password", "Password is required"));
    }
    let since = clock::unix_now() - sign_in::WINDOW_SECONDS;
    let counts = sqlx::query(
        "SELECT \
           (SELECT COUNT(*) FROM login_failures WHERE email = $1 AND at > $3) AS by_account, \
           (SELECT COUNT(*) FROM login_failures WHERE address = $2 AND at > $3) AS by_address",
    )
    .bind(email.as_str())
    .bind(address)
    .bind(since)
    .fetch_one(&db.pool)
    .await?;
    if throttled(counts.get("by_account"), counts.get("by_address")) {
        tracing::warn!(address, "sign-in throttled");
        return Err(AppError::rate_limited(THROTTLED));
    }

    let found = users::find_credentials(db, &email).await?;
    let stored = found.as_ref().map(|(_, hash)| hash.clone());
    let ok = passwords::verify(password.to_string(), stored).await?;
    match found {
        Some((user, _)) if ok && user.active => {
            let mut tx = db.begin().await?;
            audit::record(
                &mut tx,
                (&user).into(),
                "auth.login",
                &format!("user:{}", user.id),
                None,
                json!({}),
            )
            .await?;
            tx.commit().await?;
            Ok(user)
        }
        found => {
            let reason = match found {
                None => "unknown_email",
                Some((u, _)) if !u.active && ok => "deactivated",
                Some(_) => "wrong_password",
            };
            let mut tx = db.begin().await?;
            sqlx::query("INSERT INTO login_failures (email, address, at) VALUES ($1, $2, $3)")
                .bind(email.as_str())
                .bind(address)
                .bind(clock::unix_now())
                .execute(&mut *tx)
                .await?;
            sqlx::query("DELETE FROM login_failures WHERE at < $1")
                .bind(since)
                .execute(&mut *tx)
                .await?;
            let actor = Actor {
                id: None,
                email: email.as_str(),
            };
            audit::record(
                &mut tx,
                actor,
                "auth.login_failed",
                &format!("email:{}", email.as_str()),
                None,
                json!({ "reason": reason, "address": address }),
            )
            .await?;
            tx.commit().await?;
            Err(AppError::unauthenticated_because(BAD_CREDENTIALS))
        }
    }
}

pub async fn sign_out(db: &Db, user: &User) -> AppResult<()> {
    let mut tx = db.begin().await?;
    audit::record(
        &mut tx,
        user.into(),
        "auth.logout",
        &format!("user:{}", user.id),
        None,
        json!({}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
