//! The HTTP API of API.md: the second door to the same service layer.
//! Handlers parse the request, call one service function and shape the
//! answer; the rules live in `app::backend`.
mod apps;
mod auth;
mod constants;
mod data_sources;
mod groups;
pub mod openapi;
mod requests;
mod tokens;
mod users;

use crate::state::AppState;
use app::backend::session;
use app::domain::input::{Input, Validate};
use app::domain::user::User;
use app::error::{AppError, AppResult};
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::Method;
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use serde_json::{json, Map};
use std::sync::OnceLock;
use tower_sessions::Session;
use utoipa::openapi::OpenApi;
use utoipa_axum::router::OpenApiRouter;

/// The API's router and its OpenAPI document, both made from the handlers
/// and their `#[utoipa::path]`: no route is served undocumented.
fn api() -> (Router<AppState>, OpenApi) {
    OpenApiRouter::with_openapi(openapi::base())
        .merge(auth::routes())
        .merge(users::routes())
        .merge(groups::routes())
        .merge(apps::routes())
        .merge(requests::routes())
        .merge(tokens::routes())
        .merge(constants::routes())
        .merge(data_sources::routes())
        .merge(openapi::routes())
        .split_for_parts()
}

/// The OpenAPI 3.1 document of `/api/v1`, served at `/api/v1/openapi.json`.
pub fn document() -> &'static OpenApi {
    static DOCUMENT: OnceLock<OpenApi> = OnceLock::new();
    DOCUMENT.get_or_init(|| api().1)
}

/// Every operation of the document, as (method, path relative to
/// `/api/v1`): what the tests walk.
pub fn endpoints() -> Vec<(Method, String)> {
    let mut all = Vec::new();
    for (path, item) in &document().paths.paths {
        let ops = [
            (Method::GET, &item.get),
            (Method::POST, &item.post),
            (Method::PUT, &item.put),
            (Method::PATCH, &item.patch),
            (Method::DELETE, &item.delete),
            (Method::HEAD, &item.head),
            (Method::OPTIONS, &item.options),
            (Method::TRACE, &item.trace),
        ];
        for (method, op) in ops {
            if op.is_some() {
                all.push((method, path.clone()));
            }
        }
    }
    all
}

pub fn router() -> Router<AppState> {
    api()
        .0
        .fallback(|| async { ApiError(AppError::not_found("No such endpoint")) })
}

/// `AppError` as API.md's error body and status.
pub struct ApiError(pub AppError);

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        ApiError(e)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let e = self.0;
        let status = http::StatusCode::from_u16(e.status())
            .unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR);
        let mut body = Map::new();
        body.insert("code".into(), json!(e.code));
        body.insert("message".into(), json!(e.message));
        if let Some(f) = e.field {
            body.insert("field".into(), json!(f));
        }
        if let Some(d) = e.details {
            body.insert("details".into(), d);
        }
        (status, Json(json!({ "error": body }))).into_response()
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

/// A request body for the use case whose wire shape is `T`, not yet parsed:
/// the service parses it after its access checks (`app::domain::input`), so
/// even malformed JSON answers 404 or 403 first where those apply.
pub struct Body<T>(pub Input<T>);

impl<S: Send + Sync, T: Validate> FromRequest<S> for Body<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        Ok(Body(match Bytes::from_request(req, state).await {
            Ok(bytes) => Input::from_json(&bytes),
            Err(_) => Input::unreadable("The request body could not be read"),
        }))
    }
}

/// The signed-in caller: by a personal access token (`Authorization:
/// Bearer`, API only) or else by the session; 401 without a valid one.
pub struct Caller {
    pub user: User,
    pub session: Session,
    /// Signed in by a personal access token, not a session.
    pub by_token: bool,
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let Visitor {
            user,
            session,
            by_token,
        } = Visitor::from_request_parts(parts, state).await?;
        Ok(Caller {
            user: user.ok_or_else(AppError::unauthenticated)?,
            session,
            by_token,
        })
    }
}

/// Whoever calls, signed in or not (a public app's released queries, R6).
/// Credentials sent and not valid are still 401.
pub struct Visitor {
    pub user: Option<User>,
    pub session: Session,
    pub by_token: bool,
}

impl FromRequestParts<AppState> for Visitor {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let session = Session::from_request_parts(parts, state)
            .await
            .map_err(|(_, m)| {
                tracing::error!(message = m, "session layer missing");
                AppError::internal()
            })?;
        let token = bearer_token(parts)?;
        let user = match token {
            Some(token) => Some(app::backend::tokens::authenticate(&state.db, token).await?),
            None => session::current_user(&state.db, &session).await?,
        };
        Ok(Visitor {
            user,
            session,
            by_token: token.is_some(),
        })
    }
}

/// The token of an `Authorization: Bearer` header. Another scheme, or a
/// header that is not text, is refused rather than ignored: a caller who
/// sent credentials means to use them.
pub fn bearer_token(parts: &Parts) -> AppResult<Option<&str>> {
    let Some(value) = parts.headers.get(http::header::AUTHORIZATION) else {
        return Ok(None);
    };
    let refused = || {
        AppError::unauthenticated_because(
            "Send a personal access token as `Authorization: Bearer <token>`",
        )
    };
    let value = value.to_str().map_err(|_| refused())?;
    match bearer_value(value) {
        Some(token) => Ok(Some(token)),
        None => Err(refused()),
    }
}

/// The token of an `Authorization` value of the Bearer scheme, if it is one.
pub fn bearer_value(value: &str) -> Option<&str> {
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}
