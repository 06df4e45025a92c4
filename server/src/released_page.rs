//! `GET` and `POST /apps/{slug}`: a released app as its end users open it
//! (SPEC R5, R6), rendered by `app::ui::app_html` outside the reactive
//! runtime. Who may open it is decided by `backend::runtime::released`, as
//! for every other way in. Signed out and not public: to the sign-in page;
//! anything else refused: the error page with the refusal's status.
//! Posts (the app's forms and buttons, fields `run` and `input.NAME`)
//! answer the page again with the action's outcome, never cached.
use crate::page_post;
use app::backend::{runtime, session, Db};
use app::domain::runtime::Action;
use app::ui::app_html::{refusal_page, released_page};
use axum::extract::{Path, Query, Request};
use axum::response::{Html, IntoResponse, Response};
use http::{header, HeaderValue, StatusCode};
use std::sync::Arc;
use tower_sessions::Session;

#[derive(serde::Deserialize)]
pub struct PageQuery {
    page: Option<String>,
}

/// What the handlers share: the database and the stylesheet's address.
#[derive(Clone)]
pub struct Released {
    pub db: Db,
    pub stylesheet: Arc<str>,
}

/// `GET` shows the page; `POST` runs the form's action first and is
/// never cached.
pub async fn page(
    released: Released,
    Path(slug): Path<String>,
    Query(q): Query<PageQuery>,
    req: Request,
) -> Response {
    let session = req.extensions().get::<Session>().cloned();
    let posted = req.method() == http::Method::POST;
    let action = if posted {
        let fields: Vec<(String, String)> =
            page_post::form(req.into_body()).await.unwrap_or_default();
        Action::from_fields(&fields)
    } else {
        Action::default()
    };
    let mut res = answer(&released, &slug, q.page.as_deref(), action, session).await;
    if posted {
        res.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    res
}

async fn answer(
    released: &Released,
    slug: &str,
    page: Option<&str>,
    action: Action,
    session: Option<Session>,
) -> Response {
    let db = &released.db;
    let visitor = match &session {
        Some(s) => match session::current_user(db, s).await {
            Ok(user) => user,
            Err(e) => return refused(released, e.status(), &e.message),
        },
        None => None,
    };
    match runtime::released(db, visitor.as_ref(), slug, page, action).await {
        Ok(app) => Html(released_page(&app, &released.stylesheet)).into_response(),
        Err(e) if e.status() == 401 => {
            (StatusCode::FOUND, [(header::LOCATION, "/login")]).into_response()
        }
        Err(e) => refused(released, e.status(), &e.message),
    }
}

fn refused(released: &Released, status: u16, message: &str) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (
        status,
        Html(refusal_page(status.as_u16(), message, &released.stylesheet)),
    )
        .into_response()
}
