//! Decides once per request which address it comes from (SPEC S3, the rule
//! in `app::domain::network`) and hands it to both doors as an extension.
use app::domain::network::{ClientAddress, TrustedProxies};
use axum::extract::{ConnectInfo, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;

pub async fn resolve(
    State(trusted): State<Arc<TrustedProxies>>,
    mut req: Request,
    next: Next,
) -> Response {
    // Served without connection info (an in-process test), the peer is
    // unknown: count it as one address of its own.
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |ConnectInfo(a)| a.ip());
    let address = if trusted.is_empty() {
        peer
    } else {
        let forwarded: Vec<&str> = req
            .headers()
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect();
        trusted.client_address(peer, &forwarded)
    };
    req.extensions_mut().insert(ClientAddress(address));
    next.run(req).await
}
