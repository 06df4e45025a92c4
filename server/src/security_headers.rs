//! The headers every answer carries (SPEC S5), added outside every other
//! layer so that pages, the API, assets, redirects and errors alike get
//! them.
//!
//! - `X-Content-Type-Options: nosniff`: a browser takes an answer for what
//!   its `Content-Type` says, never guesses HTML or script from its bytes
//!   (a query's rows or an uploaded value cannot become a page).
//! - The frame policy, in both its forms (`X-Frame-Options` for old
//!   browsers, `frame-ancestors` for the rest): only the product may frame
//!   its pages. The editor's live preview is such a frame (same origin), a
//!   page of another site is not (no click-jacking of a release button).
//! - Pages (HTML answers) get a Content-Security-Policy. Leptos hydrates
//!   from inline scripts (the `HydrationScripts` loader, the resolved
//!   resources of streamed pages) and released apps post their forms from
//!   an inline script, so scripts are `'self' 'unsafe-inline'`. Leptos
//!   marks its scripts with a fresh nonce per render, but the policy cannot
//!   name it: the start page and the not-found page are held and sent again
//!   byte for byte (held_pages.rs), old nonce and all, and released pages
//!   are not rendered by Leptos. `'wasm-unsafe-eval'` lets the
//!   browser compile the app's WebAssembly, and nothing else. Everything
//!   else a page loads (its stylesheet, script, WebAssembly, server
//!   functions, the preview frame, form posts) is the product's own, so the
//!   policy names nothing outside it: injected markup cannot load or send
//!   anything elsewhere, nor embed plugins, nor move the base address.
//!   Styles may be inline too (`/api/docs` carries its own): with inline
//!   scripts allowed, refusing inline styles would protect nothing more.
//! - Other answers get `default-src 'none'`: a JSON answer or an asset
//!   opened as a document (an SVG, say) runs nothing.
//!
//! A `304 Not Modified` gets no policy: a browser would merge it into the
//! stored answer, and a page revalidated so must keep the page's policy.
use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;
use http::header::{
    CONTENT_SECURITY_POLICY, CONTENT_TYPE, X_CONTENT_TYPE_OPTIONS, X_FRAME_OPTIONS,
};
use http::{HeaderMap, HeaderValue, StatusCode};

/// The Content-Security-Policy of pages.
pub const PAGE_POLICY: &str = "default-src 'self'; \
    script-src 'self' 'unsafe-inline' 'wasm-unsafe-eval'; \
    style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; \
    frame-src 'self'; frame-ancestors 'self'; form-action 'self'; \
    base-uri 'self'; object-src 'none'";

/// The Content-Security-Policy of everything that is not a page.
pub const OTHER_POLICY: &str = "default-src 'none'; frame-ancestors 'self'";

/// The middleware: `apply` on every answer.
pub async fn add(req: Request, next: Next) -> Response {
    let mut response = next.run(req).await;
    let not_modified = response.status() == StatusCode::NOT_MODIFIED;
    apply_to(response.headers_mut(), not_modified);
    response
}

/// Adds the headers to an answer made outside the router (listener.rs).
pub fn apply(headers: &mut HeaderMap) {
    apply_to(headers, false);
}

fn apply_to(headers: &mut HeaderMap, not_modified: bool) {
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(X_FRAME_OPTIONS, HeaderValue::from_static("SAMEORIGIN"));
    if not_modified {
        return;
    }
    let policy = if is_html(headers) {
        PAGE_POLICY
    } else {
        OTHER_POLICY
    };
    headers.insert(CONTENT_SECURITY_POLICY, HeaderValue::from_static(policy));
}

fn is_html(headers: &HeaderMap) -> bool {
    headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| {
            t.trim_start()
                .get(..9)
                .is_some_and(|m| m.eq_ignore_ascii_case("text/html"))
        })
}
