//! The forms and buttons of an app page (SPEC R2), posted to the page
//! itself (`POST /apps/{slug}`, `POST /apps/{slug}/preview`): the page is
//! answered again with the query run, the inputs kept and the tables read
//! anew, JavaScript on or off. Who may open the page is decided by the
//! page, as for a GET. Fields: `run` (a query) and `input.NAME` per input.
use crate::page_post;
use app::backend::Db;
use app::domain::runtime::Action;
use axum::extract::Request;
use axum::response::Response;
use http::StatusCode;
use leptos::config::LeptosOptions;

pub async fn post(db: Db, options: LeptosOptions, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let fields: Vec<(String, String)> = page_post::form(body).await.unwrap_or_default();
    let action = Action::from_fields(&fields);
    page_post::render(db, options, parts, StatusCode::OK, action).await
}
