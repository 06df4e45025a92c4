//! Server functions answer with their error's own status.
//!
//! Leptos 0.8 answers every server-function error 500, so a refused or
//! invalid form post looked like a server failure: the access log called it
//! ERROR and monitoring would page an operator for a user's typo. The error
//! travels in the body as `AppError` JSON (its `FromServerFnError` encoding);
//! this middleware reads its code and sets the status the REST API would
//! answer for the same error (401, 403, 404, 409, 422, 429; 500 stays 500).
use app::error::AppError;
use axum::body::Body;
use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;
use http::StatusCode;

/// The header server_fn puts on its error answers.
const SERVER_FN_ERROR_HEADER: &str = "serverfnerror";

/// An error body is one small JSON object; anything larger is not ours.
const MAX_ERROR_BODY: usize = 64 * 1024;

pub async fn use_error_status(req: Request, next: Next) -> Response {
    let res = next.run(req).await;
    if res.status() != StatusCode::INTERNAL_SERVER_ERROR
        || !res.headers().contains_key(SERVER_FN_ERROR_HEADER)
    {
        return res;
    }
    let (mut parts, body) = res.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_ERROR_BODY).await else {
        return Response::from_parts(parts, Body::empty());
    };
    if let Ok(error) = serde_json::from_slice::<AppError>(&bytes) {
        if let Ok(status) = StatusCode::from_u16(error.status()) {
            parts.status = status;
        }
    }
    Response::from_parts(parts, Body::from(bytes))
}
