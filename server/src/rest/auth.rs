//! `POST /setup`, `POST /auth/login`, `POST /auth/logout`, `GET /me`,
//! `GET /environments`.
use super::{endpoint, ApiResult, Body, Caller, Endpoint};
use crate::state::AppState;
use app::backend::{auth, environments, session};
use app::domain::environment::Environment;
use app::domain::network::ClientAddress;
use app::domain::user::{LoginInput, SetupInput, User};
use app::error::AppError;
use axum::extract::{FromRequestParts, State};
use axum::http::Method;
use axum::http::StatusCode;
use axum::{Extension, Json};
use serde_json::{json, Value};
use tower_sessions::Session;

pub fn endpoints() -> Vec<Endpoint> {
    vec![
        endpoint(Method::POST, "/setup", setup),
        endpoint(Method::POST, "/auth/login", login),
        endpoint(Method::POST, "/auth/logout", logout),
        endpoint(Method::GET, "/me", me),
        endpoint(Method::GET, "/environments", list_environments),
    ]
}

async fn session_of(
    parts: &mut axum::http::request::Parts,
    state: &AppState,
) -> ApiResult<Session> {
    Session::from_request_parts(parts, state)
        .await
        .map_err(|(_, m)| {
            tracing::error!(message = m, "session layer missing");
            AppError::internal().into()
        })
}

async fn setup(
    State(state): State<AppState>,
    sess: SessionExtract,
    Body(input): Body<SetupInput>,
) -> ApiResult<(StatusCode, Json<User>)> {
    let user = auth::setup(&state.db, input).await?;
    session::begin(&sess.0, &user).await?;
    Ok((StatusCode::CREATED, Json(user)))
}

async fn login(
    State(state): State<AppState>,
    Extension(ClientAddress(address)): Extension<ClientAddress>,
    sess: SessionExtract,
    Body(input): Body<LoginInput>,
) -> ApiResult<Json<User>> {
    let user = auth::sign_in(&state.db, input, &address.to_string()).await?;
    session::begin(&sess.0, &user).await?;
    Ok(Json(user))
}

async fn logout(caller: Caller, State(state): State<AppState>) -> ApiResult<StatusCode> {
    auth::sign_out(&state.db, &caller.user).await?;
    session::end(&caller.session).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn me(caller: Caller, State(state): State<AppState>) -> ApiResult<Json<Value>> {
    let flags = app::backend::access::flags_of(&state.db, &caller.user).await?;
    Ok(Json(json!({ "user": caller.user, "flags": flags })))
}

async fn list_environments(
    _: Caller,
    State(state): State<AppState>,
) -> ApiResult<Json<Vec<Environment>>> {
    Ok(Json(environments::list(&state.db).await?))
}

/// The session, whether or not anyone is signed in to it.
pub struct SessionExtract(pub Session);

impl FromRequestParts<AppState> for SessionExtract {
    type Rejection = super::ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(SessionExtract(session_of(parts, state).await?))
    }
}
