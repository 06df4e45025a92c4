//! Forms posted to a page's own address, answered with that page rendered
//! with the result in it: for results that a redirect would lose (a query's
//! rows, a connection test) or must not carry (a token shown once). The
//! same answer serves JavaScript on and off.
use app::backend::{session, Db};
use app::domain::user::User;
use app::error::{AppError, AppResult};
use app::shell;
use axum::body::Body;
use axum::extract::Request;
use axum::response::{IntoResponse, Redirect, Response};
use http::request::Parts;
use http::{Method, StatusCode};
use leptos::config::LeptosOptions;
use leptos::prelude::provide_context;
use serde::de::DeserializeOwned;
use tower_sessions::Session;

/// The forms are small; anything longer is not ours.
const MAX_FORM: usize = 64 * 1024;

/// The signed-in user of a post, or the answer to give instead.
pub async fn user(db: &Db, parts: &Parts) -> Result<User, Response> {
    let Some(sess) = parts.extensions.get::<Session>().cloned() else {
        tracing::error!("session layer missing");
        return Err(StatusCode::INTERNAL_SERVER_ERROR.into_response());
    };
    match session::current_user(db, &sess).await {
        Ok(Some(user)) => Ok(user),
        Ok(None) => Err(Redirect::to("/login").into_response()),
        Err(e) => Err(crate::rest::ApiError(e).into_response()),
    }
}

/// The url-encoded form of the body.
pub async fn form<T: DeserializeOwned>(body: Body) -> AppResult<T> {
    let unreadable = || AppError::invalid("body", "The form could not be read");
    let bytes = axum::body::to_bytes(body, MAX_FORM)
        .await
        .map_err(|_| unreadable())?;
    serde_urlencoded::from_bytes::<T>(&bytes).map_err(|_| unreadable())
}

/// The page at the post's address, rendered as for a GET with `result`
/// in its context, answered with the result's status and never cached.
pub async fn render<T: Clone + Send + Sync + 'static>(
    db: Db,
    options: LeptosOptions,
    mut parts: Parts,
    status: StatusCode,
    result: T,
) -> Response {
    let render = leptos_axum::render_app_async_with_context(
        move || {
            provide_context(db.clone());
            provide_context(result.clone());
        },
        move || shell(options.clone()),
    );
    parts.method = Method::GET;
    let mut res = render(Request::from_parts(parts, Body::empty())).await;
    if res.status() == StatusCode::OK {
        *res.status_mut() = status;
    }
    res.headers_mut().insert(
        http::header::CACHE_CONTROL,
        http::HeaderValue::from_static("no-store"),
    );
    res
}

/// The status a page answers with for `result`.
pub fn status_of<T>(result: &AppResult<T>) -> StatusCode {
    match result {
        Ok(_) => StatusCode::OK,
        Err(e) => StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
    }
}
