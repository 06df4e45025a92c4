//! First-run setup, sign-in and sign-out (SPEC P1, S3; L1 audit).
use super::audit::{self, Actor};
use super::db::{is_unique_violation, Db};
use super::session::SignedIn;
use super::{clock, passwords, users};
use crate::domain::input::Input;
use crate::domain::sign_in::{self, throttled, BAD_CREDENTIALS, THROTTLED};
use crate::domain::user::{Credentials, Email, LoginInput, Role, SetupInput, User};
use crate::error::{AppError, AppResult};
use serde_json::json;
use sqlx::Row;

/// Whether nobody has set the installation up yet. Once set up it stays
/// so, and the answer comes from memory.
pub async fn setup_needed(db: &Db) -> AppResult<bool> {
    if db.cache.set_up() {
        return Ok(false);
    }
    let row = sqlx::query("SELECT COUNT(*) AS n FROM installation")
        .fetch_one(&db.pool)
        .await?;
    let needed = row.get::<i64, _>("n") == 0;
    if !needed {
        db.cache.mark_set_up();
    }
    Ok(needed)
}

/// Creates the first admin. The single-row `installation` table makes this
/// happen once even when two requests race: the second insert conflicts.
pub async fn setup(db: &Db, input: Input<SetupInput>) -> AppResult<SignedIn> {
    const DONE: &str = "Stagecraft is already set up; sign in instead";
    let input = input.parse()?;
    if !setup_needed(db).await? {
        return Err(AppError::conflict(DONE));
    }
    let hash = passwords::hash(input.password.secret()).await?;
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
    Ok(SignedIn {
        user,
        generation: 0,
    })
}

/// Checks an email and password. Unknown emails and wrong passwords get the
/// same answer after the same work.
///
/// S3 holds under simultaneous guesses because an attempt is counted before
/// the password is checked: one transaction (serialized per account and per
/// address) counts the failures in the window and, if the attempt may go
/// on, records it as a failure. Only then is the password verified; a
/// success takes its record back. So of 30 parallel guesses at most 5 reach
/// the password check.
pub async fn sign_in(db: &Db, input: Input<LoginInput>, address: &str) -> AppResult<SignedIn> {
    let Credentials { email, password } = input.parse()?;
    // S7: a turn first, so a sign-in that waited too long is not counted.
    let turn = passwords::turn().await?;
    let attempt = reserve_attempt(db, &email, address).await?;

    let found = users::find_credentials(db, &email).await?;
    let stored = found.as_ref().map(|(_, hash, _)| hash.clone());
    let ok = passwords::verify(turn, password.secret(), stored).await?;
    let mut tx = db.begin().await?;
    let result = match found {
        Some((user, _, generation)) if ok && user.active => {
            sqlx::query("DELETE FROM login_failures WHERE id = $1")
                .bind(attempt)
                .execute(&mut *tx)
                .await?;
            audit::record(
                &mut tx,
                (&user).into(),
                "auth.login",
                &format!("user:{}", user.id),
                None,
                json!({}),
            )
            .await?;
            Ok(SignedIn { user, generation })
        }
        found => {
            let reason = match found {
                None => "unknown_email",
                Some((u, _, _)) if !u.active && ok => "deactivated",
                Some(_) => "wrong_password",
            };
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
            Err(AppError::unauthenticated_because(BAD_CREDENTIALS))
        }
    };
    tx.commit().await?;
    result
}

/// Counts the failures of the window and, unless they throttle this
/// attempt (429, not counted), records the attempt as one more failure, in
/// one serialized step. Answers the record's id.
async fn reserve_attempt(db: &Db, email: &Email, address: &str) -> AppResult<i64> {
    let key = sign_in::throttle_key(address);
    let address = key.as_str();
    let now = db.clock.unix_now();
    let since = now - sign_in::WINDOW_SECONDS;
    let mut tx = db.begin().await?;
    // Account first, then address: one order everywhere, so no deadlock.
    db.serialize(&mut tx, &format!("sign-in account {}", email.as_str()))
        .await?;
    db.serialize(&mut tx, &format!("sign-in address {address}"))
        .await?;
    let counts = sqlx::query(
        "SELECT \
           (SELECT COUNT(*) FROM login_failures WHERE email = $1 AND at > $3) AS by_account, \
           (SELECT COUNT(*) FROM login_failures WHERE address = $2 AND at > $3) AS by_address",
    )
    .bind(email.as_str())
    .bind(address)
    .bind(since)
    .fetch_one(&mut *tx)
    .await?;
    if throttled(counts.get("by_account"), counts.get("by_address")) {
        tracing::info!(address, "sign-in throttled");
        return Err(AppError::rate_limited(THROTTLED));
    }
    let id: i64 = sqlx::query(
        "INSERT INTO login_failures (email, address, at) VALUES ($1, $2, $3) RETURNING id",
    )
    .bind(email.as_str())
    .bind(address)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?
    .get("id");
    sqlx::query("DELETE FROM login_failures WHERE at <= $1")
        .bind(since)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(id)
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
