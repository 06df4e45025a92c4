//! The Tokens page's create form, posted to the page itself
//! (`POST /settings/tokens`), which answers the page with the new token in
//! it. A token is shown once: a redirect would need it in a URL, a session
//! or a cookie on the way, and all of those are stored or logged.
use crate::page_post;
use app::api::tokens::JustMade;
use app::backend::{tokens, Db};
use app::domain::input::Input;
use app::domain::token::NewTokenInput;
use axum::extract::Request;
use axum::response::Response;
use leptos::config::LeptosOptions;

pub async fn create(db: Db, options: LeptosOptions, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let user = match page_post::user(&db, &parts).await {
        Ok(u) => u,
        Err(answer) => return answer,
    };
    let made = match page_post::form::<NewTokenInput>(body).await {
        Ok(form) => tokens::create(&db, &user, Input::typed(form)).await,
        Err(e) => Err(e),
    };
    let status = page_post::status_of(&made);
    page_post::render(db, options, parts, status, JustMade(made)).await
}
