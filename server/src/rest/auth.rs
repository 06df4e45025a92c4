//! `POST /setup`, `POST /auth/login`, `POST /auth/logout`, `GET /me`,
//! `GET /environments`.
use super::{ApiResult, Body, Caller};
use crate::state::AppState;
use app::backend::{auth, environments, session};
use app::domain::environment::Environment;
use app::domain::network::ClientAddress;
use app::domain::user::{NewAdmin, User};
use app::error::AppError;
use axum::extract::{FromRequestParts, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use serde_json::{json, Value};
use tower_sessions::Session;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/setup", post(setup))
        .route("/auth/login", post(login))
        .route("/auth/logout", post(logout))
        .route("/me", get(me))
        .route("/environments", get(list_environments))
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
    body: Body,
) -> ApiResult<(StatusCode, Json<User>)> {
    let input = NewAdmin::parse(
        body.required("name")?,
        body.required("email")?,
        body.required("password")?,
    )?;
    let user = auth::setup(&state.db, input).await?;
    session::begin(&sess.0, &user).await?;
    Ok((StatusCode::CREATED, Json(user)))
}

async fn login(
    State(state): State<AppState>,
    Extension(ClientAddress(address)): Extension<ClientAddress>,
    sess: SessionExtract,
    body: Body,
) -> ApiResult<Json<User>> {
    let email = body.required("email")?;
    let password = body.required("password")?;
    let user = auth::sign_in(&state.db, email, password, &address.to_string()).await?;
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
