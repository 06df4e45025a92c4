//! The signed-in user in the session. Sessions live in the database
//! (tower-sessions), so every server instance sees the same ones.
use super::db::Db;
use super::users;
use crate::domain::user::User;
use crate::error::{AppError, AppResult};
use tower_sessions::Session;

/// The signed-in user's id in the session data.
pub const USER_KEY: &str = "uid";
/// The generation of the user's sessions the session began in (S6).
pub const GENERATION_KEY: &str = "gen";
/// The user row the session store read with the session (never stored);
/// null when the user is gone or their sessions were ended since.
pub const LOADED_USER_KEY: &str = "_user";

/// A user whose credentials were just checked, with the generation of
/// their sessions read in the same row as the check (S6): a session begun
/// with it ends if the user was deactivated, demoted or reset meanwhile.
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub user: User,
    pub generation: i64,
}

fn session_error(e: tower_sessions::session::Error) -> AppError {
    tracing::error!(error = %e, "session store error");
    AppError::internal()
}

/// Starts the user's session with a fresh id (no session fixation).
pub async fn begin(session: &Session, signed_in: &SignedIn) -> AppResult<()> {
    session.cycle_id().await.map_err(session_error)?;
    session
        .remove_value(LOADED_USER_KEY)
        .await
        .map_err(session_error)?;
    session
        .insert(GENERATION_KEY, signed_in.generation)
        .await
        .map_err(session_error)?;
    session
        .insert(USER_KEY, &signed_in.user.id)
        .await
        .map_err(session_error)
}

pub async fn end(session: &Session) -> AppResult<()> {
    session.flush().await.map_err(session_error)
}

/// The session's user, if the session has one and the user is still active.
/// A deactivated user's session is ended here, on their next request.
pub async fn current_user(db: &Db, session: &Session) -> AppResult<Option<User>> {
    let Some(id) = session
        .get::<String>(USER_KEY)
        .await
        .map_err(session_error)?
    else {
        return Ok(None);
    };
    // The store loaded the user with the session; a session begun during
    // this request has not been loaded, so its user is read here.
    let user = match session
        .get::<Option<User>>(LOADED_USER_KEY)
        .await
        .map_err(session_error)?
    {
        Some(loaded) => loaded.filter(|u| u.id == id),
        None => users::find(db, &id).await?,
    };
    match user {
        Some(user) if user.active => Ok(Some(user)),
        _ => {
            end(session).await?;
            Ok(None)
        }
    }
}

pub async fn require_user(db: &Db, session: &Session) -> AppResult<User> {
    current_user(db, session)
        .await?
        .ok_or_else(AppError::unauthenticated)
}
