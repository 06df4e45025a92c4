//! Pages held as rendered HTML per visitor and address until the next
//! change, so asking again costs a lookup instead of a render: the start
//! page (`/`: a builder's dashboard, an end user's launcher), the most
//! visited, and the not-found page (what browsers and crawlers ask for
//! again and again: `/favicon.ico`, `/robots.txt`, old bookmarks).
//!
//! Everything these pages show comes from the product database through the
//! held data of `app::backend::cache`, whose generation moves on with every
//! change (on this instance and, heard or polled, on the others). A page is
//! held at the generation read before it rendered, and kept only if that
//! did not move meanwhile (`Memo::keep`), like the data it was made from.
//! Its visitor is resolved by `session::current_user`, the rule the page
//! itself applies, so an ended session or a deactivated user never gets a
//! page held for them.
//!
//! A held page is sent byte for byte, the `nonce` of its scripts included:
//! the pages' Content-Security-Policy (security_headers.rs, added outside
//! this layer) names no nonce, and an answer that comes here with a policy
//! of its own is never held.
use app::backend::cache::Memo;
use app::backend::{session, Db};
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::future::Future;
use std::sync::Arc;

/// The largest page and the longest address held: a start page of 50 apps
/// is about 30 KB, so the pages held take a few megabytes, and at most
/// `max` × 129 KB whatever the addresses asked for; beyond `max` they are
/// made again.
const LARGEST: usize = 128 * 1024;
const LONGEST_ADDRESS: usize = 1024;

/// A page as it was answered; its status is its kind's (`Pages::status`).
pub struct HeldPage {
    headers: HeaderMap,
    body: Bytes,
}

impl HeldPage {
    fn response(&self, status: StatusCode) -> Response {
        let mut response = Response::new(Body::from(self.body.clone()));
        *response.status_mut() = status;
        *response.headers_mut() = self.headers.clone();
        response
    }
}

/// (user id, '' when signed out; path with its query).
type PageKey = (String, String);

/// The pages of one kind held, and the status of the answers that are.
#[derive(Clone)]
pub struct Pages {
    db: Db,
    held: Arc<Memo<PageKey, HeldPage>>,
    status: StatusCode,
}

impl Pages {
    pub fn new(db: Db, status: StatusCode, max: usize) -> Self {
        Pages {
            db,
            held: Arc::new(Memo::new(max)),
            status,
        }
    }

    /// The page held for the visitor of `req` at its address, or the one
    /// `render` answers, held if it has this kind's status and sets no
    /// cookie. Only `GET` is held, and only at an address of 1 KB at most.
    pub async fn answer<F, Fut>(&self, req: Request, render: F) -> Response
    where
        F: FnOnce(Request) -> Fut,
        Fut: Future<Output = Response>,
    {
        let address = req.uri().path_and_query().map(|a| a.as_str().to_string());
        let address = match address {
            Some(a) if req.method() == Method::GET && a.len() <= LONGEST_ADDRESS => a,
            _ => return render(req).await,
        };
        // Read before the visitor: a change committed while they are read
        // (a new role, a new name) moves it on, and the page is not kept.
        let cache = &self.db.cache;
        let generation = cache.generation();
        let user = match req.extensions().get::<tower_sessions::Session>() {
            Some(session) => match session::current_user(&self.db, session).await {
                Ok(user) => user,
                // The page meets the same failure and answers it.
                Err(_) => return render(req).await,
            },
            None => None,
        };
        let key = (user.map(|u| u.id).unwrap_or_default(), address);
        if let Some(page) = self.held.peek(generation, &key) {
            return page.response(self.status);
        }
        let response = render(req).await;
        // A nonce that a Content-Security-Policy names must be new in every
        // answer: such a page is never held.
        let headers = response.headers();
        if response.status() != self.status
            || headers.contains_key(header::SET_COOKIE)
            || headers.contains_key(header::CONTENT_SECURITY_POLICY)
        {
            return response;
        }
        let (mut parts, body) = response.into_parts();
        let body = match axum::body::to_bytes(body, usize::MAX).await {
            Ok(body) => body,
            Err(e) => {
                tracing::error!(error = %e, "a page could not be rendered");
                return StatusCode::INTERNAL_SERVER_ERROR.into_response();
            }
        };
        // Sent whole now, with its length.
        parts.headers.remove(header::TRANSFER_ENCODING);
        parts.headers.remove(header::CONTENT_LENGTH);
        let page = HeldPage {
            headers: parts.headers,
            body,
        };
        let response = page.response(self.status);
        if page.body.len() <= LARGEST {
            self.held.keep(cache, generation, key, Arc::new(page));
        }
        response
    }
}

/// The start page's middleware: `/` only; every other address passes.
pub async fn hold_start_page(State(pages): State<Pages>, req: Request, next: Next) -> Response {
    if req.uri().path() != "/" {
        return next.run(req).await;
    }
    pages.answer(req, |req| next.run(req)).await
}
