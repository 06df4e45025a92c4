//! The HTTP API of API.md: the second door to the same service layer.
//! Handlers parse the request, call one service function and shape the
//! answer; the rules live in `app::backend`.
mod apps;
mod auth;
mod groups;
mod users;

use crate::state::AppState;
use app::backend::session;
use app::domain::user::User;
use app::error::{AppError, AppResult};
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use serde_json::{json, Map, Value};
use tower_sessions::Session;

pub fn router() -> Router<AppState> {
    Router::new()
        .merge(auth::router())
        .merge(users::router())
        .merge(groups::router())
        .merge(apps::router())
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

/// A JSON object body. Malformed JSON, or JSON that is not an object, is
/// 422 `body`; a body-less request is `{}`.
pub struct Body(pub Map<String, Value>);

impl<S: Send + Sync> FromRequest<S> for Body {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|_| AppError::invalid("body", "The request body could not be read"))?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(Body(Map::new()));
        }
        match serde_json::from_slice::<Value>(&bytes) {
            Ok(Value::Object(map)) => Ok(Body(map)),
            Ok(_) => Err(AppError::invalid("body", "The body must be a JSON object").into()),
            Err(e) => {
                Err(AppError::invalid("body", format!("The body is not valid JSON: {e}")).into())
            }
        }
    }
}

impl Body {
    /// A string field; absent or null is `None`, another type is invalid.
    pub fn string(&self, field: &str) -> AppResult<Option<&str>> {
        match self.0.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(AppError::invalid(
                field,
                format!("{field} must be a string"),
            )),
        }
    }

    /// A required string field: absent reads as empty, which the domain
    /// type then refuses with its own message.
    pub fn required(&self, field: &str) -> AppResult<&str> {
        Ok(self.string(field)?.unwrap_or(""))
    }

    pub fn integer(&self, field: &str) -> AppResult<Option<i64>> {
        match self.0.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => v
                .as_i64()
                .map(Some)
                .ok_or_else(|| AppError::invalid(field, format!("{field} must be a whole number"))),
        }
    }

    /// A list of strings; absent or null is empty.
    pub fn strings(&self, field: &str) -> AppResult<Vec<String>> {
        let bad = || AppError::invalid(field, format!("{field} must be a list of strings"));
        match self.0.get(field) {
            None | Some(Value::Null) => Ok(Vec::new()),
            Some(Value::Array(items)) => items
                .iter()
                .map(|v| v.as_str().map(str::to_string).ok_or_else(bad))
                .collect(),
            Some(_) => Err(bad()),
        }
    }

    pub fn boolean(&self, field: &str) -> AppResult<Option<bool>> {
        match self.0.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(_) => Err(AppError::invalid(
                field,
                format!("{field} must be true or false"),
            )),
        }
    }
}

/// The signed-in caller; 401 without a valid session.
pub struct Caller {
    pub user: User,
    pub session: Session,
}

impl FromRequestParts<AppState> for Caller {
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
        let user = session::require_user(&state.db, &session).await?;
        Ok(Caller { user, session })
    }
}
