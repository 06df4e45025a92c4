//! `POST /setup`, `POST /auth/login`, `POST /auth/logout`, `GET /me`,
//! `GET /environments`.
use super::openapi::{Conflict, Invalid, RateLimited, Unauthenticated};
use super::{ApiResult, Body, Caller};
use crate::state::AppState;
use app::backend::{auth, environments, session};
use app::domain::access::Flags;
use app::domain::environment::Environment;
use app::domain::network::ClientAddress;
use app::domain::user::{LoginInput, SetupInput, User};
use app::error::AppError;
use axum::extract::{FromRequestParts, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use serde::Serialize;
use tower_sessions::Session;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(setup))
        .routes(routes!(login))
        .routes(routes!(logout))
        .routes(routes!(me))
        .routes(routes!(list_environments))
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

/// Creates the first admin and signs them in; 409 once any user exists.
#[utoipa::path(post, path = "/setup", tag = "sessions", security(()), request_body = SetupInput,
    responses((status = 201, body = User, description = "The first admin, signed in"), Invalid, Conflict))]
async fn setup(
    State(state): State<AppState>,
    sess: SessionExtract,
    Body(input): Body<SetupInput>,
) -> ApiResult<(StatusCode, Json<User>)> {
    let signed_in = auth::setup(&state.db, input).await?;
    session::begin(&sess.0, &signed_in).await?;
    Ok((StatusCode::CREATED, Json(signed_in.user)))
}

/// Signs in with a session cookie; a wrong email or password alike is 401.
#[utoipa::path(post, path = "/auth/login", tag = "sessions", security(()), request_body = LoginInput,
    responses((status = 200, body = User, description = "Signed in"), Unauthenticated, Invalid, RateLimited))]
async fn login(
    State(state): State<AppState>,
    Extension(ClientAddress(address)): Extension<ClientAddress>,
    sess: SessionExtract,
    Body(input): Body<LoginInput>,
) -> ApiResult<Json<User>> {
    let signed_in = auth::sign_in(&state.db, input, &address.to_string()).await?;
    session::begin(&sess.0, &signed_in).await?;
    Ok(Json(signed_in.user))
}

#[utoipa::path(post, path = "/auth/logout", tag = "sessions",
    responses((status = 204, description = "Signed out"), Unauthenticated))]
async fn logout(caller: Caller, State(state): State<AppState>) -> ApiResult<StatusCode> {
    // A token has no session to end (revoke it instead): nothing happens,
    // so nothing is recorded.
    if !caller.by_token {
        auth::sign_out(&state.db, &caller.user).await?;
        session::end(&caller.session).await?;
    }
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /me`: the caller and their combined group flags.
#[derive(Serialize, ToSchema)]
struct Me {
    user: User,
    flags: Flags,
}

#[utoipa::path(get, path = "/me", tag = "sessions",
    responses((status = 200, body = Me, description = "The caller"), Unauthenticated))]
async fn me(caller: Caller, State(state): State<AppState>) -> ApiResult<Json<Me>> {
    let flags = app::backend::access::flags_of(&state.db, &caller.user).await?;
    Ok(Json(Me {
        user: caller.user,
        flags,
    }))
}

#[utoipa::path(get, path = "/environments", tag = "environments",
    responses((status = 200, body = Vec<Environment>, description = "By priority"), Unauthenticated))]
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
