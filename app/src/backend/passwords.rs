//! argon2id hashing, off the async threads. Hashes never leave this module
//! except into the database.
use crate::error::{AppError, AppResult};
use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;
use secrecy::{ExposeSecret, SecretString};
use std::sync::OnceLock;
use std::time::Duration;
use tokio::sync::{Semaphore, SemaphorePermit};

/// S7: how many argon2 computations run at once. Each takes 19 MiB and a
/// core for tens of milliseconds; without a cap a flood of sign-ins would
/// take memory by the gigabyte. More than the cores would only queue in
/// the blocking pool.
pub const MAX_AT_ONCE: usize = 4;
/// How long a sign-in waits for a turn before it is told to try again
/// (429): bounded, so waiters cannot pile up past the request timeout.
const WAIT: Duration = Duration::from_secs(10);
pub const BUSY: &str = "Too many sign-ins at once. Try again in a moment.";

static TURNS: Semaphore = Semaphore::const_new(MAX_AT_ONCE);

/// A turn at hashing (S7). Taken by a sign-in before its attempt is
/// counted, so a sign-in told to come back later (429) counts as nothing.
pub struct Turn(#[allow(dead_code)] SemaphorePermit<'static>);

pub async fn turn() -> AppResult<Turn> {
    match tokio::time::timeout(WAIT, TURNS.acquire()).await {
        Ok(Ok(permit)) => Ok(Turn(permit)),
        Ok(Err(_)) => unreachable!("the semaphore is never closed"),
        Err(_) => Err(AppError::rate_limited(BUSY)),
    }
}

/// Runs `work` on the blocking pool in `turn`. The turn goes with the work:
/// a request that ends early (its client gone, its time up) does not free
/// it while the hash still runs.
async fn in_turn<T: Send + 'static>(
    turn: Turn,
    work: impl FnOnce() -> T + Send + 'static,
) -> AppResult<T> {
    tokio::task::spawn_blocking(move || {
        let _turn = turn;
        work()
    })
    .await
    .map_err(|e| {
        tracing::error!(error = %e, "password hashing task failed");
        AppError::internal()
    })
}

fn hash_blocking(password: &str) -> AppResult<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| {
            tracing::error!(error = %e, "password hashing failed");
            AppError::internal()
        })
}

pub async fn hash(password: SecretString) -> AppResult<String> {
    let turn = turn().await?;
    in_turn(turn, move || hash_blocking(password.expose_secret())).await?
}

/// A hash nobody's password matches, verified against for unknown emails so
/// the answer takes as long as for a known one.
fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| hash_blocking(&super::clock::new_id()).expect("hashing works"))
}

/// Verifies `password` against `stored`, or against the dummy hash when
/// there is no user, and answers false then.
pub async fn verify(turn: Turn, password: SecretString, stored: Option<String>) -> AppResult<bool> {
    in_turn(turn, move || {
        let known = stored.is_some();
        let hash = stored.unwrap_or_else(|| dummy_hash().to_string());
        let ok = PasswordHash::new(&hash)
            .map(|h| {
                Argon2::default()
                    .verify_password(password.expose_secret().as_bytes(), &h)
                    .is_ok()
            })
            .unwrap_or(false);
        known && ok
    })
    .await
}

/// Computes the dummy hash ahead of the first sign-in.
pub fn warm_up() {
    let _ = dummy_hash();
}
