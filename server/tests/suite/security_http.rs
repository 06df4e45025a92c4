//! SPEC S5 through a real server on a real port: connections are bounded
//! in time, every answer carries `nosniff` and the frame policy, pages a
//! Content-Security-Policy that fits what they contain, and setup answers
//! only at the server's own names. Every connection goes to 127.0.0.1; a
//! foreign name appears only as a `Host` header.
use crate::both_backends;
use crate::support::*;
use serde_json::{json, Value};
use server::setup_host::SetupHosts;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

both_backends!(
    s5_silent_slow_and_idle_connections_are_closed,
    s5_every_answer_carries_nosniff_and_the_frame_policy,
    s5_pages_carry_a_policy_that_fits_them,
    s5_setup_answers_only_the_servers_own_names,
    s5_setup_answers_at_the_public_urls_host,
    s5_a_body_past_the_limit_is_refused_at_every_door,
);

/// Server functions read a whole body into memory: a body past
/// `MAX_REQUEST_BODY` is 413 before any of it is read, at the page's
/// server functions (no account needed) and at the API. A raw client
/// sends only the head, announcing the body, and reads the answer: an
/// HTTP client writing the whole body would meet the closed connection.
async fn s5_a_body_past_the_limit_is_refused_at_every_door(b: Backend) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = spawn_app(b).await;
    let addr = app.base.trim_start_matches("http://").to_string();
    for (path, content_type) in [
        ("/api/login", "application/x-www-form-urlencoded"),
        ("/api/setup", "application/x-www-form-urlencoded"),
        ("/api/v1/auth/login", "application/json"),
    ] {
        let mut tcp = tokio::net::TcpStream::connect(&addr).await.unwrap();
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: {content_type}\r\n\
             Content-Length: {}\r\n\r\n",
            server::MAX_REQUEST_BODY + 1
        );
        tcp.write_all(head.as_bytes()).await.unwrap();
        let mut answer = vec![0u8; 512];
        let n = tokio::time::timeout(std::time::Duration::from_secs(10), tcp.read(&mut answer))
            .await
            .expect("answered before the body")
            .unwrap();
        let answer = String::from_utf8_lossy(&answer[..n]).to_string();
        assert!(answer.starts_with("HTTP/1.1 413"), "{path}: {answer}");
    }
    assert_eq!(app.count("users").await, 0, "nothing was set up");
}

/// `127.0.0.1:PORT` of the test server.
fn address(app: &TestApp) -> String {
    app.base.trim_start_matches("http://").to_string()
}

/// Reads until the server closes the connection (or resets it); answers
/// how long that took from `since` and what arrived. Fails after `limit`.
async fn until_closed(tcp: &mut TcpStream, since: Instant, limit: Duration) -> (Duration, Vec<u8>) {
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match tokio::time::timeout_at((since + limit).into(), tcp.read(&mut buf)).await {
            Err(_) => panic!(
                "the connection was still open after {limit:?}; it sent {:?}",
                String::from_utf8_lossy(&got)
            ),
            Ok(Ok(0)) | Ok(Err(_)) => return (since.elapsed(), got),
            Ok(Ok(n)) => got.extend_from_slice(&buf[..n]),
        }
    }
}

/// A client that connects and says nothing.
async fn silent(addr: String) -> Duration {
    let started = Instant::now();
    let mut tcp = TcpStream::connect(&addr).await.unwrap();
    let (took, got) = until_closed(&mut tcp, started, Duration::from_secs(15)).await;
    assert!(got.is_empty(), "{:?}", String::from_utf8_lossy(&got));
    took
}

/// A client that sends part of a request head, a byte now and then
/// (slowloris), and never finishes it.
async fn slow_head(addr: String) -> Duration {
    let started = Instant::now();
    let mut tcp = TcpStream::connect(&addr).await.unwrap();
    tcp.write_all(format!("GET /login HTTP/1.1\r\nHost: {addr}\r\nX-Slow: ").as_bytes())
        .await
        .unwrap();
    let (mut read, mut write) = tcp.into_split();
    // Trickles in the background, until the server closes.
    let trickle = tokio::spawn(async move {
        loop {
            tokio::time::sleep(Duration::from_secs(2)).await;
            if write.write_all(b"a").await.is_err() {
                return;
            }
        }
    });
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    let took = loop {
        let left = Duration::from_secs(15).saturating_sub(started.elapsed());
        match tokio::time::timeout(left, read.read(&mut buf)).await {
            Err(_) => panic!("a half-sent request head was still open after 15 s"),
            Ok(Ok(0)) | Ok(Err(_)) => break started.elapsed(),
            Ok(Ok(n)) => got.extend_from_slice(&buf[..n]),
        }
    };
    trickle.abort();
    // Closed without an answer, or with a refusal: never a page.
    let got = String::from_utf8_lossy(&got);
    assert!(got.is_empty() || got.starts_with("HTTP/1.1 4"), "{got}");
    took
}

/// A client that asks once on a keep-alive connection, reads the answer
/// and then keeps the connection open, idle: how long until it is closed,
/// counted from the end of the answer.
async fn idle_after_answer(addr: String) -> Duration {
    let mut tcp = TcpStream::connect(&addr).await.unwrap();
    tcp.write_all(format!("GET /api/v1/me HTTP/1.1\r\nHost: {addr}\r\n\r\n").as_bytes())
        .await
        .unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    // The whole answer: its head, then Content-Length bytes of body.
    let answered = loop {
        let n = tokio::time::timeout(Duration::from_secs(10), tcp.read(&mut buf))
            .await
            .expect("an answer")
            .unwrap();
        assert!(n > 0, "closed before the answer");
        got.extend_from_slice(&buf[..n]);
        let text = String::from_utf8_lossy(&got).to_string();
        if let Some((head, body)) = text.split_once("\r\n\r\n") {
            let length: usize = head
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length:")
                        .map(|v| v.trim().parse().unwrap())
                })
                .expect("a Content-Length");
            if body.len() >= length {
                assert!(head.starts_with("HTTP/1.1 401"), "{head}");
                assert!(
                    !head.to_ascii_lowercase().contains("connection: close"),
                    "the answer keeps the connection: {head}"
                );
                break Instant::now();
            }
        }
    };
    let (took, more) = until_closed(&mut tcp, answered, Duration::from_secs(15)).await;
    assert!(more.is_empty(), "{:?}", String::from_utf8_lossy(&more));
    took
}

async fn s5_silent_slow_and_idle_connections_are_closed(b: Backend) {
    let app = spawn_app(b).await;
    let addr = address(&app);
    // At once: the three wait out the same ten seconds.
    let (silent, slow, idle) = tokio::join!(
        silent(addr.clone()),
        slow_head(addr.clone()),
        idle_after_answer(addr.clone()),
    );
    for (what, took) in [("silent", silent), ("slow head", slow), ("idle", idle)] {
        // The limit is 10 s; closed neither early nor much later.
        assert!(
            took >= Duration::from_millis(9_500),
            "{what}: closed after {took:?}"
        );
        assert!(
            took < Duration::from_secs(15),
            "{what}: closed after {took:?}"
        );
    }
    // The server still answers.
    let r = app.get(&client(), "/api/v1/me").await;
    assert_eq!(r.status(), 401);
}

/// The headers every answer must carry.
fn assert_nosniff_and_frame_policy(r: &reqwest::Response, what: &str) {
    let h = r.headers();
    assert_eq!(h["x-content-type-options"], "nosniff", "{what}");
    assert_eq!(h["x-frame-options"], "SAMEORIGIN", "{what}");
    if r.status() != 304 {
        let csp = h["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("frame-ancestors 'self'"), "{what}: {csp}");
    }
}

/// The policy of an answer that is not a page: nothing runs in it.
fn assert_not_a_page_policy(r: &reqwest::Response, what: &str) {
    let csp = r.headers()["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("default-src 'none'"), "{what}: {csp}");
}

async fn s5_every_answer_carries_nosniff_and_the_frame_policy(b: Backend) {
    let app = spawn_app(b).await;
    let c = client();
    // A redirect (before setup every page leads to /setup).
    let r = app.page(&c, "/").await;
    assert_eq!(r.status(), 302);
    assert_nosniff_and_frame_policy(&r, "redirect");
    // A page.
    let r = app.page(&c, "/setup").await;
    assert_eq!(r.status(), 200);
    assert_nosniff_and_frame_policy(&r, "setup page");
    let admin = app.admin().await;
    // API answers: success, error, the OpenAPI document.
    for (path, status) in [
        ("/api/v1/me", 200),
        ("/api/v1/apps/no-such-app", 404),
        ("/api/v1/openapi.json", 200),
    ] {
        let r = app.get(&admin, path).await;
        assert_eq!(r.status(), status, "{path}");
        assert_nosniff_and_frame_policy(&r, path);
        assert_not_a_page_policy(&r, path);
    }
    let r = app.get(&client(), "/api/v1/me").await;
    assert_eq!(r.status(), 401);
    assert_nosniff_and_frame_policy(&r, "401");
    assert_not_a_page_policy(&r, "401");
    // A refused cross-origin post.
    let r = client()
        .post(app.url("/api/v1/auth/login"))
        .header("origin", "http://evil.example")
        .json(&json!({"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert_nosniff_and_frame_policy(&r, "cross-origin refusal");
    // A server function's answer.
    let r = admin
        .post(app.url("/api/get_visitor"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("")
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{}", r.status());
    assert_nosniff_and_frame_policy(&r, "server function");
    // The not-found page, answered twice (the second time held).
    for round in 0..2 {
        let r = app.page(&admin, "/no-such-page").await;
        assert_eq!(r.status(), 404);
        assert_nosniff_and_frame_policy(&r, &format!("not found {round}"));
    }
    // The built stylesheet the pages link to: an asset when the site is
    // built (`cargo leptos test`), the not-found page when it is not.
    let html = app.page(&admin, "/").await.text().await.unwrap();
    let href = attribute_values(&html, "link", "href")
        .into_iter()
        .find(|h| h.ends_with(".css"))
        .expect("a stylesheet link");
    let r = app.get(&admin, &href).await;
    assert_nosniff_and_frame_policy(&r, &href);
    if r.status() == 200 {
        assert!(r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/css"));
        assert_not_a_page_policy(&r, &href);
        let etag = r.headers()["etag"].clone();
        let r = admin
            .get(app.url(&href))
            .header("if-none-match", etag)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 304);
        assert_nosniff_and_frame_policy(&r, "304");
        assert!(
            r.headers().get("content-security-policy").is_none(),
            "a 304 keeps the stored answer's policy"
        );
    }
}

/// The values of `attr` in every `<tag …>` of `html`.
fn attribute_values(html: &str, tag: &str, attr: &str) -> Vec<String> {
    let mut out = Vec::new();
    let open = format!("<{tag}");
    for (i, _) in html.match_indices(&open) {
        let rest = &html[i + open.len()..];
        if !rest.starts_with([' ', '>', '/', '\n']) {
            continue;
        }
        let end = rest.find('>').unwrap_or(rest.len());
        let inside = &rest[..end];
        let key = format!(" {attr}=\"");
        if let Some(at) = inside.find(&key) {
            let value = &inside[at + key.len()..];
            out.push(value[..value.find('"').unwrap_or(value.len())].to_string());
        }
    }
    out
}

/// The page's policy, and that it fits the page: what the page loads,
/// frames and posts to is the product's own; its scripts are inline or
/// the product's; it has no inline style (styles are `'self'` only).
async fn assert_page_policy(r: reqwest::Response, what: &str) -> String {
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html"),
        "{what}"
    );
    assert_nosniff_and_frame_policy(&r, what);
    let csp = r.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    let directives: Vec<&str> = csp.split(';').map(str::trim).collect();
    for wanted in [
        "default-src 'self'",
        "script-src 'self' 'unsafe-inline' 'wasm-unsafe-eval'",
        "style-src 'self' 'unsafe-inline'",
        "connect-src 'self'",
        "frame-src 'self'",
        "frame-ancestors 'self'",
        "form-action 'self'",
        "base-uri 'self'",
        "object-src 'none'",
    ] {
        assert!(directives.contains(&wanted), "{what}: {wanted} in {csp}");
    }
    // Never script from text ('unsafe-eval' but for WebAssembly).
    assert!(!csp
        .replace("'wasm-unsafe-eval'", "")
        .contains("unsafe-eval"));
    let html = r.text().await.unwrap();
    // Leptos puts a fresh nonce on its scripts, but held pages are sent
    // again byte for byte: a policy naming the nonce would refuse them (and
    // a nonce source would switch 'unsafe-inline' off).
    assert!(!csp.contains("'nonce-"), "{what}: {csp}");
    let own = |v: &String| {
        v.is_empty() || v.starts_with('?') || (v.starts_with('/') && !v.starts_with("//"))
    };
    for (tag, attr) in [
        ("script", "src"),
        ("link", "href"),
        ("iframe", "src"),
        ("img", "src"),
        ("form", "action"),
    ] {
        for v in attribute_values(&html, tag, attr) {
            assert!(
                own(&v),
                "{what}: <{tag} {attr}=\"{v}\"> is not the product's own"
            );
        }
    }
    html
}

async fn s5_pages_carry_a_policy_that_fits_them(b: Backend) {
    let app = spawn_app(b).await;
    let html = assert_page_policy(app.page(&client(), "/setup").await, "/setup").await;
    // The pages hydrate from inline scripts: the policy must allow them.
    assert!(html.contains("<script"), "{html}");
    assert!(html.contains("hydrate"), "{html}");
    let admin = app.admin().await;
    let r = admin
        .post(app.url("/api/create_demo"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("")
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success() || r.status().is_redirection());
    let apps: Value = app.get(&admin, "/api/v1/apps").await.json().await.unwrap();
    let id = apps[0]["id"].as_str().unwrap().to_string();
    let versions: Value = app
        .get(&admin, &format!("/api/v1/apps/{id}/versions"))
        .await
        .json()
        .await
        .unwrap();
    let dev = versions
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["environment"] == "development")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let editor = format!("/build/{id}/versions/{dev}/edit");
    for path in [
        "/",
        "/login",
        "/admin/users",
        "/data-sources",
        "/apps/demo-shop",
        "/apps/demo-shop/preview?env=staging&version=v2",
        &editor,
        "/api/docs",
        "/no-such-page",
    ] {
        let html = assert_page_policy(app.page(&admin, path).await, path).await;
        if path == editor {
            // The preview frames the product's own page: allowed by
            // frame-src and by that page's frame-ancestors.
            let frames = attribute_values(&html, "iframe", "src");
            assert!(!frames.is_empty(), "the editor has its preview: {html}");
            for src in frames {
                let src = src.replace("&amp;", "&");
                let r = app.page(&admin, &src).await;
                assert_eq!(r.status(), 200, "{src}");
                assert_page_policy(r, &src).await;
            }
        }
    }
    // The released app answers a form post with a page too.
    let r = admin
        .post(app.url("/apps/demo-shop"))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("accept", "text/html")
        .body("")
        .send()
        .await
        .unwrap();
    if r.headers()
        .get("content-type")
        .is_some_and(|t| t.to_str().unwrap().starts_with("text/html"))
    {
        assert_page_policy(r, "released app post").await;
    } else {
        assert_nosniff_and_frame_policy(&r, "released app post");
    }
}

/// A `Host` header for the test server's port.
fn host(name: &str, app: &TestApp) -> String {
    let port = address(app).rsplit_once(':').unwrap().1.to_string();
    format!("{name}:{port}")
}

fn setup_body(email: &str) -> Value {
    json!({"name": "Mallory", "email": email, "password": ADMIN_PASSWORD})
}

/// Asserts a refusal that names the Host rule.
async fn assert_host_refusal(r: reqwest::Response, what: &str) {
    assert_eq!(r.status(), 403, "{what}");
    assert_nosniff_and_frame_policy(&r, what);
    let json = r
        .headers()
        .get("content-type")
        .is_some_and(|t| t.to_str().unwrap().starts_with("application/json"));
    let text = r.text().await.unwrap();
    let message = if json {
        let body: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(body["error"]["code"], "forbidden", "{what}: {body}");
        body["error"]["message"].as_str().unwrap().to_string()
    } else {
        text
    };
    assert!(
        message.contains("Host") && message.contains("localhost"),
        "{what}: {message}"
    );
}

async fn assert_nothing_set_up(app: &TestApp) {
    assert_eq!(app.count("users").await, 0);
    assert_eq!(app.count("installation").await, 0);
    assert!(app.audit_actions().await.is_empty());
}

async fn s5_setup_answers_only_the_servers_own_names(b: Backend) {
    let app = spawn_app(b).await;
    let c = client();
    // A page of evil.example rebound to 127.0.0.1: its requests carry its
    // own name as Host (and Origin, which then looks same-origin).
    for evil in [
        "evil.example",
        "evil.example:80",
        &host("evil.example", &app),
    ] {
        for path in ["/setup", "/setup/"] {
            let r = c
                .get(app.url(path))
                .header("host", evil)
                .header("accept", "text/html")
                .send()
                .await
                .unwrap();
            assert_host_refusal(r, &format!("{path} at {evil}")).await;
        }
        let r = c
            .post(app.url("/api/v1/setup"))
            .header("host", evil)
            .header("origin", format!("http://{evil}"))
            .json(&setup_body("mallory@evil.example"))
            .send()
            .await
            .unwrap();
        assert_host_refusal(r, &format!("the setup API at {evil}")).await;
        // The setup page's server function, as its form posts it.
        let r = c
            .post(app.url("/api/setup"))
            .header("host", evil)
            .header("origin", format!("http://{evil}"))
            .header("accept", "text/html")
            .form(&[
                ("name", "Mallory"),
                ("email", "mallory@evil.example"),
                ("password", ADMIN_PASSWORD),
            ])
            .send()
            .await
            .unwrap();
        assert_host_refusal(r, &format!("the setup server function at {evil}")).await;
    }
    // Names that only look like the server's.
    for evil in [
        "localhost.evil.example",
        "127.0.0.1.evil.example",
        "evil.localhost",
    ] {
        let r = c
            .post(app.url("/api/v1/setup"))
            .header("host", host(evil, &app))
            .json(&setup_body("mallory@evil.example"))
            .send()
            .await
            .unwrap();
        assert_host_refusal(r, evil).await;
    }
    assert_nothing_set_up(&app).await;
    // Other pages are not setup: they still lead to it, whatever the Host.
    let r = c
        .get(app.url("/"))
        .header("host", "evil.example")
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 302);
    assert_eq!(r.headers()["location"], "/setup");

    // The server's own names: loopback, with the port or without.
    for own in [
        host("localhost", &app),
        host("127.0.0.1", &app),
        host("127.0.0.2", &app),
        host("[::1]", &app),
        host("LocalHost", &app),
        "localhost".to_string(),
    ] {
        let r = c
            .get(app.url("/setup"))
            .header("host", &own)
            .header("accept", "text/html")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "/setup at {own}");
        assert!(r.text().await.unwrap().contains("<form"), "{own}");
    }
    // Setting up at localhost works.
    let admin = client();
    let r = admin
        .post(app.url("/api/v1/setup"))
        .header("host", host("localhost", &app))
        .json(&json!({"name": "Ada", "email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    assert_eq!(app.count("users").await, 1);
    assert_eq!(app.audit_actions().await, ["auth.setup"]);

    // Once set up, the rule no longer matters: setup leads to sign-in and
    // the endpoint answers 409 whoever asks.
    let r = c
        .get(app.url("/setup"))
        .header("host", "evil.example")
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 302);
    assert_eq!(r.headers()["location"], "/login");
    let r = c
        .post(app.url("/api/v1/setup"))
        .header("host", "evil.example")
        .json(&setup_body("mallory@evil.example"))
        .send()
        .await
        .unwrap();
    assert_error(r, 409, "conflict", None).await;
    assert_eq!(app.count("users").await, 1);
}

async fn s5_setup_answers_at_the_public_urls_host(b: Backend) {
    let app = spawn_app_with(b, Some("https://Tools.Example.com:8443/stagecraft")).await;
    let c = client();
    let r = c
        .get(app.url("/setup"))
        .header("host", "evil.example")
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_host_refusal(r, "evil.example beside a public URL").await;
    assert_nothing_set_up(&app).await;
    for own in [
        "tools.example.com",
        "tools.example.com:8443",
        "TOOLS.EXAMPLE.COM.",
    ] {
        let r = c
            .get(app.url("/setup"))
            .header("host", own)
            .header("accept", "text/html")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "/setup at {own}");
    }
    let r = c
        .post(app.url("/api/v1/setup"))
        .header("host", "tools.example.com:8443")
        .json(&json!({"name": "Ada", "email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    assert_eq!(app.count("users").await, 1);
}

/// The names setup answers on, by the rule alone (no server needed).
#[test]
fn s5_setup_names() {
    let listen = "10.1.2.3:3000".parse().unwrap();
    let hosts = SetupHosts::new(listen, Some("https://tools.example.com/"));
    for ok in [
        "10.1.2.3:3000",
        "10.1.2.3",
        "10.1.2.3:80",
        "localhost",
        "localhost:3000",
        "LOCALHOST.:3000",
        "127.0.0.1:3000",
        "127.9.9.9",
        "[::1]:3000",
        "[::1]",
        "[::ffff:127.0.0.1]:3000",
        "tools.example.com",
        "Tools.Example.Com:443",
    ] {
        assert!(hosts.allows(ok), "{ok}");
    }
    for refused in [
        "",
        "evil.example",
        "evil.example:3000",
        "10.1.2.4:3000",
        "10.1.2.3.evil.example",
        "localhost.evil.example",
        "evil.localhost",
        "tools.example.com.evil.example",
        "[::2]:3000",
        "[::1]x",
        "localhost:abc",
        "localhost:3000:3000",
        "0.0.0.0:3000",
        "user@localhost",
    ] {
        assert!(!hosts.allows(refused), "{refused}");
    }
    // Listening on every address: the names still are the server's own.
    let any = SetupHosts::new("0.0.0.0:3000".parse().unwrap(), None);
    assert!(any.allows("localhost:3000"));
    assert!(!any.allows("evil.example:3000"));
    let v6 = SetupHosts::new("[2001:db8::5]:3000".parse().unwrap(), None);
    assert!(v6.allows("[2001:db8::5]:3000"));
    assert!(v6.allows("[2001:DB8:0::5]"));
    assert!(!v6.allows("[2001:db8::6]:3000"));
}

/// A small router of our own behind the real listener, with a short
/// request limit (the product's is 60 s, too long for a test; there is no
/// setting). No database: these are the listener's rules alone.
async fn listener_with(
    limits: server::listener::Limits,
) -> (
    String,
    tokio::sync::oneshot::Sender<()>,
    tokio::task::JoinHandle<std::io::Result<()>>,
) {
    use axum::extract::ConnectInfo;
    use axum::routing::get;
    use futures::StreamExt;
    let router = axum::Router::new()
        .route("/quick", get(|| async { "quick" }))
        .route(
            "/slow",
            get(|| async {
                tokio::time::sleep(Duration::from_secs(30)).await;
                "slow"
            }),
        )
        .route(
            "/wait",
            get(|| async {
                tokio::time::sleep(Duration::from_millis(1500)).await;
                "done"
            }),
        )
        .route(
            "/stream",
            get(|| async {
                let first = futures::stream::once(async {
                    Ok::<_, std::convert::Infallible>(axum::body::Bytes::from("first part;"))
                });
                axum::body::Body::from_stream(first.chain(futures::stream::pending()))
            }),
        )
        .route(
            "/peer",
            get(
                |ConnectInfo(peer): ConnectInfo<std::net::SocketAddr>| async move {
                    peer.ip().to_string()
                },
            ),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let served = tokio::spawn(server::listener::serve_with(
        listener,
        router,
        async {
            let _ = rx.await;
        },
        limits,
    ));
    (base, tx, served)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s5_a_request_past_its_limit_is_answered_503_or_cut_off() {
    let limit = Duration::from_secs(2);
    let (base, _stop, _served) = listener_with(server::listener::Limits {
        header: server::listener::HEADER_LIMIT,
        request: limit,
    })
    .await;
    let c = client();
    // The peer address reaches the handlers (the sign-in throttle uses it).
    let r = c.get(format!("{base}/peer")).send().await.unwrap();
    assert_eq!(r.text().await.unwrap(), "127.0.0.1");
    // A handler that takes too long: 503 at the limit, and the connection
    // is not kept (the request's body may be unread).
    let started = Instant::now();
    let r = c.get(format!("{base}/slow")).send().await.unwrap();
    let took = started.elapsed();
    assert_eq!(r.status(), 503);
    assert!(
        took >= limit && took < limit + Duration::from_secs(2),
        "{took:?}"
    );
    assert_eq!(r.headers()["connection"], "close");
    assert_eq!(r.headers()["x-content-type-options"], "nosniff");
    assert_eq!(r.headers()["x-frame-options"], "SAMEORIGIN");
    assert!(r.text().await.unwrap().contains("did not answer within"));
    // An answer whose head left in time but whose body never ends: the
    // connection is closed at the limit, after what was sent.
    let addr = base.trim_start_matches("http://").to_string();
    let started = Instant::now();
    let mut tcp = TcpStream::connect(&addr).await.unwrap();
    tcp.write_all(format!("GET /stream HTTP/1.1\r\nHost: {addr}\r\n\r\n").as_bytes())
        .await
        .unwrap();
    let (took, got) = until_closed(&mut tcp, started, Duration::from_secs(6)).await;
    let got = String::from_utf8_lossy(&got);
    assert!(got.starts_with("HTTP/1.1 200"), "{got}");
    assert!(got.contains("first part;"), "{got}");
    assert!(
        took >= limit && took < limit + Duration::from_secs(2),
        "{took:?}"
    );
    // Quick requests on one kept connection are each timed on their own:
    // together they outlast the limit, each one is answered.
    let started = Instant::now();
    while started.elapsed() < limit + Duration::from_secs(1) {
        let r = c.get(format!("{base}/quick")).send().await.unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(r.text().await.unwrap(), "quick");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s5_shutdown_lets_the_requests_in_flight_finish() {
    let (base, stop, served) = listener_with(Default::default()).await;
    let c = client();
    // An idle kept connection does not hold the shutdown up.
    assert_eq!(
        c.get(format!("{base}/quick"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let addr = base.trim_start_matches("http://").to_string();
    let mut silent = TcpStream::connect(&addr).await.unwrap();
    let in_flight = tokio::spawn({
        let url = format!("{base}/wait");
        async move {
            client()
                .get(url)
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap()
        }
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    let started = Instant::now();
    stop.send(()).unwrap();
    assert_eq!(in_flight.await.unwrap(), "done");
    tokio::time::timeout(Duration::from_secs(5), served)
        .await
        .expect("serve returns once the requests in flight are done")
        .unwrap()
        .unwrap();
    assert!(started.elapsed() < Duration::from_secs(5));
    // The connection that said nothing was closed, and nobody is accepted.
    let (_, got) = until_closed(&mut silent, Instant::now(), Duration::from_secs(1)).await;
    assert!(got.is_empty());
    assert!(TcpStream::connect(&addr).await.is_err());
}
