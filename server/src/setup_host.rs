//! Setup answers only at the server's own names (SPEC S5).
//!
//! Until the first admin exists, whoever completes setup owns the
//! installation. A fresh server on 127.0.0.1 is out of other machines'
//! reach, but not out of a browser's on the same machine: a page of
//! `evil.example` can make its own name resolve to 127.0.0.1 (DNS
//! rebinding) and then post to `/api/setup` as a same-origin request, Host
//! `evil.example`. So before setup is done, the setup page and both setup
//! endpoints (the page's server function and the REST API's) answer only a
//! request whose `Host` names the server itself: the listen address, a
//! loopback name (`localhost`, 127.x.x.x, `[::1]`), or the host of
//! `STAGECRAFT_PUBLIC_URL`. An attacker's page cannot send such a Host
//! (the browser sends its own name). The port is not compared: rebinding
//! changes the name, and a proxy may forward from another port.
//!
//! Others get 403 saying so. Once the installation is set up, the rule
//! does not apply (the endpoints answer 409 and the page leads to sign-in
//! whoever asks).
use app::backend::{auth, Db};
use app::error::AppError;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

/// The addresses setup answers on: the page, the server function and the
/// REST endpoint.
pub const SETUP_PATHS: [&str; 3] = ["/setup", "/api/setup", "/api/v1/setup"];

/// The names a request may use for setup, besides the loopback ones.
#[derive(Clone, Debug, Default)]
pub struct SetupHosts {
    names: Vec<String>,
}

impl SetupHosts {
    /// From the listen address and `STAGECRAFT_PUBLIC_URL`.
    pub fn new(listen: SocketAddr, public_url: Option<&str>) -> SetupHosts {
        let mut names = vec![normal_ip(listen.ip())];
        if let Some(host) = public_url
            .and_then(|u| url::Url::parse(u).ok())
            .and_then(|u| u.host_str().map(str::to_string))
        {
            names.push(normal(&host));
        }
        SetupHosts { names }
    }

    /// Whether a request with this `Host` value (port and all) may set up.
    pub fn allows(&self, host: &str) -> bool {
        let Some(name) = name_of(host) else {
            return false;
        };
        is_loopback(&name) || self.names.contains(&name)
    }

    fn describe(&self) -> String {
        let mut names = vec!["localhost".to_string(), "127.0.0.1".into(), "[::1]".into()];
        for n in &self.names {
            if !names.contains(n) {
                names.push(n.clone());
            }
        }
        names.join(", ")
    }
}

/// The middleware: refuses setup at a foreign Host while setup is needed.
pub async fn guard(
    State((hosts, db)): State<(Arc<SetupHosts>, Db)>,
    req: Request,
    next: Next,
) -> Response {
    let path = req.uri().path();
    let path = path
        .strip_suffix('/')
        .filter(|p| !p.is_empty())
        .unwrap_or(path);
    if !SETUP_PATHS.contains(&path) || request_hosts(&req).all(|h| hosts.allows(h)) {
        return next.run(req).await;
    }
    // Only now the database (read once, then held: `setup_needed`).
    match auth::setup_needed(&db).await {
        Ok(false) => return next.run(req).await,
        Ok(true) => {}
        Err(e) => return crate::rest::ApiError(e).into_response(),
    }
    let host = req
        .headers()
        .get(http::header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("(none)");
    tracing::warn!(host, path, "setup refused at a foreign Host");
    let message = format!(
        "Setup answers only at the server's own address: the Host of the request \
         must be one of {} (any port), not \"{host}\". Open the setup page at \
         http://localhost:PORT/setup on the server's machine, or set \
         STAGECRAFT_PUBLIC_URL to the address users reach it at.",
        hosts.describe()
    );
    if path.starts_with("/api/") {
        crate::rest::ApiError(AppError::forbidden(message)).into_response()
    } else {
        (http::StatusCode::FORBIDDEN, message).into_response()
    }
}

/// The Host header and the authority of an absolute request target: both
/// must name the server (no Host at all is no name of it).
fn request_hosts(req: &Request) -> impl Iterator<Item = &str> {
    // Every Host header: a proxy might pass on another one than the first.
    let hosts = req.headers().get_all(http::header::HOST);
    let none = hosts.iter().next().is_none();
    let authority = req.uri().authority().map(|a| a.as_str());
    let missing = (none && authority.is_none()).then_some("");
    hosts
        .iter()
        .map(|v| v.to_str().unwrap_or(""))
        .chain(authority)
        .chain(missing)
}

/// The name of a Host value without its port, lower-case, without a
/// trailing dot; IPv6 in brackets. None when it is no host at all.
fn name_of(host: &str) -> Option<String> {
    let host = host.trim();
    if let Some(rest) = host.strip_prefix('[') {
        let (inside, after) = rest.split_once(']')?;
        if !(after.is_empty() || after.strip_prefix(':').is_some_and(is_port)) {
            return None;
        }
        let ip = inside.parse::<std::net::Ipv6Addr>().ok()?;
        return Some(normal_ip(IpAddr::V6(ip)));
    }
    let name = match host.rsplit_once(':') {
        Some((name, port)) if is_port(port) => name,
        Some(_) => return None,
        None => host,
    };
    if name.is_empty() {
        return None;
    }
    if let Ok(ip) = name.parse::<IpAddr>() {
        return Some(normal_ip(ip));
    }
    Some(normal(name))
}

fn is_port(s: &str) -> bool {
    !s.is_empty() && s.len() <= 5 && s.bytes().all(|b| b.is_ascii_digit())
}

fn normal(name: &str) -> String {
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    // A URL's host may be an IPv6 literal in brackets.
    match name.strip_prefix('[').and_then(|n| n.strip_suffix(']')) {
        Some(inside) => match inside.parse::<std::net::Ipv6Addr>() {
            Ok(ip) => normal_ip(IpAddr::V6(ip)),
            Err(_) => name,
        },
        None => name,
    }
}

/// IPv4 as dotted digits, IPv6 in brackets, as a Host header writes them.
fn normal_ip(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => format!("[{v6}]"),
        },
    }
}

fn is_loopback(name: &str) -> bool {
    if name == "localhost" {
        return true;
    }
    let bare = name
        .strip_prefix('[')
        .and_then(|n| n.strip_suffix(']'))
        .unwrap_or(name);
    bare.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}
