//! The Tokens page's create form, posted to the page itself
//! (`POST /settings/tokens`), which answers the page with the new token in
//! it. A token is shown once: a redirect would need it in a URL, a session
//! or a cookie on the way, and all of those are stored or logged. This
//! answer works the same with JavaScript on or off.
use app::api::tokens::JustMade;
use app::backend::{session, tokens, Db};
use app::domain::input::Input;
use app::domain::token::NewTokenInput;
use app::error::AppError;
use app::shell;
use axum::body::Body;
use axum::extract::Request;
use axum::response::{IntoResponse, Redirect, Response};
use http::{Method, StatusCode};
use leptos::config::LeptosOptions;
use leptos::prelude::provide_context;
use tower_sessions::Session;

/// A form of two short fields; anything longer is not ours.
const MAX_FORM: usize = 16 * 1024;

pub async fn create(db: Db, options: LeptosOptions, req: Request) -> Response {
    let (mut parts, body) = req.into_parts();
    let Some(sess) = parts.extensions.get::<Session>().cloned() else {
        tracing::error!("session layer missing");
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let user = match session::current_user(&db, &sess).await {
        Ok(Some(user)) => user,
        Ok(None) => return Redirect::to("/login").into_response(),
        Err(e) => return crate::rest::ApiError(e).into_response(),
    };
    let made = match axum::body::to_bytes(body, MAX_FORM).await {
        Err(_) => Err(AppError::invalid("body", "The form could not be read")),
        Ok(bytes) => match serde_urlencoded::from_bytes::<NewTokenInput>(&bytes) {
            Err(_) => Err(AppError::invalid("body", "The form could not be read")),
            Ok(form) => tokens::create(&db, &user, Input::typed(form)).await,
        },
    };
    let status = match &made {
        Ok(_) => StatusCode::OK,
        Err(e) => StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
    };
    let made = JustMade(made);
    let render = leptos_axum::render_app_async_with_context(
        move || {
            provide_context(db.clone());
            provide_context(made.clone());
        },
        move || shell(options.clone()),
    );
    // The page renders as for a GET of the same address.
    parts.method = Method::GET;
    let mut res = render(Request::from_parts(parts, Body::empty())).await;
    if res.status() == StatusCode::OK {
        *res.status_mut() = status;
    }
    // Never kept by a cache: it holds a secret shown once.
    res.headers_mut().insert(
        http::header::CACHE_CONTROL,
        http::HeaderValue::from_static("no-store"),
    );
    res
}
