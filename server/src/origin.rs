//! Cross-origin refusal (SPEC S3): a state-changing request whose `Origin`
//! is another site is refused before it reaches any handler, for the pages'
//! server functions and the REST API alike.
use app::error::AppError;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http::{header, Method};

/// `public_origin` is the origin of `STAGECRAFT_PUBLIC_URL`, accepted besides
/// the request's own `Host` (a proxy may rewrite the latter).
pub async fn refuse_cross_origin(
    State(public_origin): State<Option<String>>,
    req: Request,
    next: Next,
) -> Response {
    let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if !safe && !token_only(&req) && is_cross_origin(&req, public_origin.as_deref()) {
        tracing::warn!(method = %req.method(), path = %req.uri().path(), "cross-origin request refused");
        return crate::rest::ApiError(AppError::forbidden("Requests from other sites are refused"))
            .into_response();
    }
    next.run(req).await
}

/// A request that authenticates by an access token and carries no cookie:
/// a browser cannot be tricked into sending it (a token is never attached
/// on its own), so another site's `Origin` does no harm.
/// Only the Bearer scheme: a browser attaches Basic or Negotiate
/// credentials by itself, so those prove nothing about who sent the request.
fn token_only(req: &Request) -> bool {
    let bearer = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(crate::rest::bearer_value)
        .is_some();
    bearer && !req.headers().contains_key(header::COOKIE)
}

fn is_cross_origin(req: &Request, public_origin: Option<&str>) -> bool {
    let headers = req.headers();
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        if site == "cross-site" {
            return true;
        }
    }
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    if Some(origin) == public_origin {
        return false;
    }
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    // "null" (sandboxed frames, some redirects) is another origin too.
    origin.split_once("://").map(|(_, authority)| authority) != Some(host)
}

/// `https://example.com:8443/some/path` → `https://example.com:8443`.
pub fn origin_of(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let authority = rest.split('/').next()?;
    (!authority.is_empty()).then(|| format!("{scheme}://{authority}"))
}
