//! Where a data source may connect (SPEC D10) and what its errors show
//! (D11). The attack: a builder with `manage_data_sources` points a data
//! source at cloud metadata, at the server's own database or at a Unix
//! socket, and reads what comes back.
//!
//! No test here sends a packet off this machine: the default link-local
//! rule is a pure table test of the address check; the refusals over HTTP
//! use `0.0.0.0`, a Unix socket's folder, or loopback targets under a deny
//! list that covers loopback, each watched by a listener of the test's own.
use crate::both_backends;
use crate::http_data_sources::create;
use crate::support::*;
use app::backend::runner::redact;
use app::domain::egress::EgressPolicy;
use serde_json::{json, Value};
use std::net::IpAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

both_backends!(
    d10_unspecified_addresses_are_refused_before_connecting,
    d10_loopback_under_a_deny_list_is_refused_in_every_spelling,
    d10_allow_wins_over_the_deny_list,
    d10_unix_sockets_and_the_products_own_database_are_refused,
);

#[test]
fn d10_the_default_rule_and_the_settings_as_a_table() {
    let default = EgressPolicy::default();
    let deny_loopback = EgressPolicy::parse("127.0.0.0/8,::1/128", "").unwrap();
    let allow_one = EgressPolicy::parse("10.0.0.0/8", "10.1.0.0/16,169.254.169.254/32").unwrap();
    let cases: &[(&EgressPolicy, &str, Option<&str>)] = &[
        // Cloud metadata and every other link-local address, in each
        // spelling that reaches it.
        (&default, "169.254.169.254", Some("link-local")),
        (&default, "169.254.0.1", Some("link-local")),
        (&default, "::ffff:169.254.169.254", Some("link-local")),
        (&default, "64:ff9b::a9fe:a9fe", Some("link-local")),
        (&default, "fe80::1", Some("link-local")),
        (&default, "febf::1", Some("link-local")),
        (&default, "0.0.0.0", Some("unspecified")),
        (&default, "0.1.2.3", Some("unspecified")),
        (&default, "::", Some("unspecified")),
        (&default, "::ffff:0.0.0.0", Some("unspecified")),
        // Internal tools call internal services: allowed by default.
        (&default, "127.0.0.1", None),
        (&default, "::1", None),
        (&default, "10.0.0.1", None),
        (&default, "192.168.1.1", None),
        (&default, "172.16.0.1", None),
        (&default, "fec0::1", None),
        (&default, "203.0.113.7", None),
        (&deny_loopback, "127.0.0.1", Some("STAGECRAFT_EGRESS_DENY")),
        (
            &deny_loopback,
            "127.255.0.9",
            Some("STAGECRAFT_EGRESS_DENY"),
        ),
        (
            &deny_loopback,
            "::ffff:127.0.0.1",
            Some("STAGECRAFT_EGRESS_DENY"),
        ),
        (&deny_loopback, "::1", Some("STAGECRAFT_EGRESS_DENY")),
        (&deny_loopback, "169.254.169.254", Some("link-local")),
        (&deny_loopback, "10.0.0.1", None),
        (&allow_one, "10.1.2.3", None),
        (&allow_one, "10.2.0.1", Some("STAGECRAFT_EGRESS_DENY")),
        (&allow_one, "169.254.169.254", None),
        (&allow_one, "169.254.169.253", Some("link-local")),
    ];
    for (policy, addr, refusal) in cases {
        let ip: IpAddr = addr.parse().unwrap();
        match (policy.check(ip), refusal) {
            (Ok(()), None) => {}
            (Err(message), Some(why)) => {
                assert!(message.contains(why), "{addr}: {message}");
                assert!(
                    message.contains("STAGECRAFT_EGRESS_"),
                    "{addr}: the refusal names the setting: {message}"
                );
                let shown = ip.to_string();
                assert!(
                    message.contains(&shown),
                    "{addr}: names the address: {message}"
                );
            }
            (got, want) => panic!("{addr}: {got:?}, wanted a refusal {want:?}"),
        }
    }
    for bad in ["10.0.0.0/33", "nowhere", "10.0.0.0/8,fe80::/129"] {
        let e = EgressPolicy::parse(bad, "").unwrap_err();
        assert!(e.contains("STAGECRAFT_EGRESS_DENY"), "{bad}: {e}");
    }
}

#[test]
fn d11_secrets_are_cut_raw_and_percent_encoded() {
    let secret = "p@ss word/ä+1".to_string();
    for message in [
        "failed: p@ss word/ä+1 was wrong",
        "GET http://x/?t=p%40ss%20word%2F%C3%A4%2B1 failed",
        "GET http://x/?t=p%40ss+word%2f%c3%a4%2b1 failed",
        "GET http://x/p@ss%20word/%C3%A4+1 failed",
    ] {
        let cut = redact(message, std::slice::from_ref(&secret));
        assert!(cut.contains("********"), "{message} -> {cut}");
        for piece in ["ss word", "ss%20word", "ss+word", "%C3%A4", "%c3%a4"] {
            assert!(!cut.contains(piece), "{message} -> {cut}");
        }
    }
    // A secret that contains another is cut whole.
    let cut = redact("a-long-secret", &["long".into(), "a-long-secret".into()]);
    assert_eq!(cut, "********");
}

/// A loopback listener that counts the connections it accepts.
async fn watched_port() -> (u16, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let count = Arc::new(AtomicUsize::new(0));
    let seen = count.clone();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            seen.fetch_add(1, Ordering::SeqCst);
            drop(socket);
        }
    });
    (port, count)
}

/// Makes a data source of `kind` with `options` in development and
/// presses Test connection: the outcome's message, or None when it
/// connected.
async fn tried(
    app: &TestApp,
    admin: &reqwest::Client,
    kind: &str,
    options: Value,
) -> Option<String> {
    let name = format!("ds{}", uuid::Uuid::new_v4().simple());
    let made = create(
        app,
        admin,
        json!({"name": name, "kind": kind, "environments": {"development": options}}),
    )
    .await;
    let id = made["id"].as_str().unwrap();
    let r = app
        .post(
            admin,
            &format!("/api/v1/data-sources/{id}/environments/development/test"),
            json!({}),
        )
        .await;
    assert_eq!(r.status(), 200);
    let outcome: Value = r.json().await.unwrap();
    (outcome["ok"] != true).then(|| outcome["message"].as_str().unwrap().to_string())
}

fn pg(host: &str, port: u16, database: &str) -> Value {
    json!({"host": host, "port": port, "database": database, "username": "postgres",
           "password": "never-sent", "ssl_mode": "disable"})
}

fn rest(base_url: &str) -> Value {
    json!({"base_url": base_url, "headers": [], "bearer_token": "never-sent"})
}

async fn d10_unspecified_addresses_are_refused_before_connecting(b: Backend) {
    let app = spawn_app(b).await;
    let admin = app.admin().await;
    for (kind, options) in [
        ("postgresql", pg("0.0.0.0", 5432, "orders")),
        ("postgresql", pg("::", 5432, "orders")),
        ("rest_api", rest("http://0.0.0.0:9/api")),
        ("rest_api", rest("http://[::ffff:0.0.0.0]:9/api")),
        ("rest_api", rest("http://0/api")),
    ] {
        let message = tried(&app, &admin, kind, options.clone())
            .await
            .unwrap_or_else(|| panic!("{options} connected"));
        assert!(message.contains("unspecified"), "{options}: {message}");
        assert!(message.contains("STAGECRAFT_EGRESS_ALLOW"), "{message}");
        assert!(!message.contains("never-sent"), "{message}");
    }
}

async fn d10_loopback_under_a_deny_list_is_refused_in_every_spelling(b: Backend) {
    let app = spawn_app_egress(b, "127.0.0.0/8,::1/128", "").await;
    let admin = app.admin().await;
    let (port, reached) = watched_port().await;
    for (kind, options) in [
        ("rest_api", rest(&format!("http://127.0.0.1:{port}/api"))),
        (
            "rest_api",
            rest(&format!("http://[::ffff:127.0.0.1]:{port}/api")),
        ),
        ("rest_api", rest(&format!("http://0x7f.1:{port}/api"))),
        // A name that resolves to loopback: checked on what it resolves to.
        ("rest_api", rest(&format!("http://localhost:{port}/api"))),
        ("postgresql", pg("127.0.0.1", port, "orders")),
        ("postgresql", pg("::ffff:127.0.0.1", port, "orders")),
        ("postgresql", pg("localhost", port, "orders")),
    ] {
        let message = tried(&app, &admin, kind, options.clone())
            .await
            .unwrap_or_else(|| panic!("{options} connected"));
        assert!(
            message.contains("STAGECRAFT_EGRESS_DENY"),
            "{options}: {message}"
        );
        assert!(
            message.contains("127.0.0.1") || message.contains("::1"),
            "{message}"
        );
    }
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert_eq!(
        reached.load(Ordering::SeqCst),
        0,
        "nothing reached the port"
    );
}

async fn d10_allow_wins_over_the_deny_list(b: Backend) {
    let app = spawn_app_egress(b, "127.0.0.0/8", "127.0.0.1/32").await;
    let admin = app.admin().await;
    let (port, reached) = watched_port().await;
    let message = tried(
        &app,
        &admin,
        "rest_api",
        rest(&format!("http://127.0.0.2:{port}/api")),
    )
    .await;
    assert!(
        message.is_some_and(|m| m.contains("STAGECRAFT_EGRESS_DENY")),
        "127.0.0.2 is denied"
    );
    // 127.0.0.1 is allowed: the connection is made (the listener hangs up,
    // so the test itself fails, after connecting).
    tried(
        &app,
        &admin,
        "rest_api",
        rest(&format!("http://127.0.0.1:{port}/api")),
    )
    .await;
    assert!(
        reached.load(Ordering::SeqCst) >= 1,
        "the allowed address is reached"
    );
}

async fn d10_unix_sockets_and_the_products_own_database_are_refused(b: Backend) {
    let app = spawn_app(b).await;
    let admin = app.admin().await;
    for host in ["/var/run/postgresql", "/tmp", "@abstract", "a/b"] {
        let message = tried(&app, &admin, "postgresql", pg(host, 5432, "postgres"))
            .await
            .unwrap_or_else(|| panic!("{host} connected"));
        assert!(message.contains("Unix socket"), "{host}: {message}");
    }
    if b == Backend::Postgres {
        // The test's own product database, by address and by name.
        let database = app.database_url().rsplit('/').next().unwrap().to_string();
        let database = database.split('?').next().unwrap().to_string();
        for host in ["127.0.0.1", "localhost"] {
            let message = tried(&app, &admin, "postgresql", pg(host, 5432, &database))
                .await
                .unwrap_or_else(|| panic!("{host} reached the product's database"));
            assert!(
                message.contains("product's own database"),
                "{host}: {message}"
            );
        }
        // Another database on the same server is an ordinary target.
        let other = tried(
            &app,
            &admin,
            "postgresql",
            pg("127.0.0.1", 5432, "postgres"),
        )
        .await;
        assert!(
            other
                .as_deref()
                .is_none_or(|m| !m.contains("product's own")),
            "{other:?}"
        );
    }
}
