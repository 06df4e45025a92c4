//! Check-then-write rules under simultaneous requests, on both databases:
//! the sign-in throttle (S3) and the last active admin (P1); the address
//! behind trusted proxies (S3); the operator's recovery commands.
use crate::both_backends;
use crate::support::*;
use serde_json::{json, Value};
use sqlx::Row;

both_backends!(
    s3_thirty_parallel_guesses_reach_the_password_check_five_times,
    s3_the_window_passes_on_the_servers_clock,
    s3_forwarded_address_only_from_trusted_proxies,
    s3_address_limit_counts_the_forwarded_client,
    p1_two_admins_demoting_each_other_leave_one_admin,
    p1_two_admins_deactivating_each_other_leave_one_admin,
    cli_reset_password_and_promote_are_audited,
);

async fn login(app: &TestApp, email: &str, password: &str, forwarded: Option<&str>) -> u16 {
    let mut req = client()
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"email": email, "password": password}));
    if let Some(f) = forwarded {
        req = req.header("x-forwarded-for", f);
    }
    req.send().await.unwrap().status().as_u16()
}

/// How many sign-ins of `email` reached the password check and failed.
async fn failures_audited(app: &TestApp, email: &str) -> usize {
    sqlx::query(
        "SELECT COUNT(*) AS n FROM audit_log WHERE action = 'auth.login_failed' AND target = $1",
    )
    .bind(format!("email:{email}"))
    .fetch_one(&app.db.pool)
    .await
    .unwrap()
    .get::<i64, _>("n") as usize
}

async fn last_failure_address(app: &TestApp) -> String {
    let r = sqlx::query(
        "SELECT details FROM audit_log WHERE action = 'auth.login_failed' ORDER BY id DESC LIMIT 1",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    let details: Value = serde_json::from_str(&r.get::<String, _>("details")).unwrap();
    details["address"].as_str().unwrap().to_string()
}

async fn s3_thirty_parallel_guesses_reach_the_password_check_five_times(b: Backend) {
    let app = spawn_app(b).await;
    let admin = app.admin().await;
    for round in 0..3 {
        let email = format!("target{round}@example.com");
        app.user(&admin, &email, "builder").await;
        let guesses = (0..30).map(|i| {
            let (app, email) = (&app, email.clone());
            async move { login(app, &email, &format!("wrong guess {i}"), None).await }
        });
        let statuses = futures::future::join_all(guesses).await;
        let reached = statuses.iter().filter(|s| **s == 401).count();
        let refused = statuses.iter().filter(|s| **s == 429).count();
        assert_eq!((reached, refused), (5, 25), "round {round}: {statuses:?}");
        assert_eq!(failures_audited(&app, &email).await, 5, "round {round}");
        // The right password is refused too until the window passes.
        assert_eq!(login(&app, &email, "password-of-someone", None).await, 429);
    }
}

async fn s3_the_window_passes_on_the_servers_clock(b: Backend) {
    let app = spawn_app(b).await;
    app.admin().await;
    for _ in 0..5 {
        assert_eq!(login(&app, ADMIN_EMAIL, "wrong password", None).await, 401);
    }
    assert_eq!(login(&app, ADMIN_EMAIL, ADMIN_PASSWORD, None).await, 429);
    app.clock.advance(14 * 60);
    assert_eq!(
        login(&app, ADMIN_EMAIL, ADMIN_PASSWORD, None).await,
        429,
        "within 15 minutes"
    );
    app.clock.advance(60 + 1);
    assert_eq!(
        login(&app, ADMIN_EMAIL, ADMIN_PASSWORD, None).await,
        200,
        "the window passed"
    );
    // A success takes its own attempt back: four more failures still pass.
    for _ in 0..4 {
        assert_eq!(login(&app, ADMIN_EMAIL, "wrong password", None).await, 401);
    }
    assert_eq!(login(&app, ADMIN_EMAIL, ADMIN_PASSWORD, None).await, 200);
}

async fn s3_forwarded_address_only_from_trusted_proxies(b: Backend) {
    let untrusted = spawn_app(b).await;
    login(
        &untrusted,
        "x@example.com",
        "wrong password",
        Some("203.0.113.7"),
    )
    .await;
    assert_eq!(
        last_failure_address(&untrusted).await,
        "127.0.0.1",
        "an untrusted peer's header is ignored"
    );

    let behind_proxy = spawn_app_configured(b, None, "127.0.0.1, 10.0.0.0/8").await;
    for (header, client) in [
        ("203.0.113.7", "203.0.113.7"),
        ("198.51.100.1, 203.0.113.7", "203.0.113.7"),
        ("203.0.113.7, 10.1.2.3", "203.0.113.7"),
        ("203.0.113.7, 10.1.2.3, 127.0.0.1", "203.0.113.7"),
        ("not-an-address, 10.1.2.3", "10.1.2.3"),
    ] {
        login(
            &behind_proxy,
            "x@example.com",
            "wrong password",
            Some(header),
        )
        .await;
        assert_eq!(
            last_failure_address(&behind_proxy).await,
            client,
            "X-Forwarded-For: {header}"
        );
    }
}

async fn s3_address_limit_counts_the_forwarded_client(b: Backend) {
    let app = spawn_app_configured(b, None, "127.0.0.1").await;
    app.admin().await;
    for i in 0..20 {
        let email = format!("guess{i}@example.com");
        assert_eq!(
            login(&app, &email, "wrong password", Some("203.0.113.7")).await,
            401
        );
    }
    assert_eq!(
        login(&app, ADMIN_EMAIL, ADMIN_PASSWORD, Some("203.0.113.7")).await,
        429
    );
    assert_eq!(
        login(&app, ADMIN_EMAIL, ADMIN_PASSWORD, Some("198.51.100.1")).await,
        200,
        "another client behind the same proxy"
    );
}

/// Ten rounds of two admins changing each other at the same moment with
/// `change`; after each, at least one active admin remains and exactly one
/// of the two changes happened.
async fn admins_race(b: Backend, change: Value, undo: Value) {
    let app = spawn_app(b).await;
    let ada = app.admin().await;
    let ada_id = me_id(&app, &ada).await;
    let (bob_id, bob) = app.user(&ada, "bob@example.com", "admin").await;
    for round in 0..10 {
        let (to_bob, to_ada) = (
            format!("/api/v1/users/{bob_id}"),
            format!("/api/v1/users/{ada_id}"),
        );
        let (x, y) = tokio::join!(
            app.patch(&ada, &to_bob, change.clone()),
            app.patch(&bob, &to_ada, change.clone()),
        );
        let statuses = [x.status().as_u16(), y.status().as_u16()];
        let admins = app.count("users WHERE role = 'admin' AND active = 1").await;
        assert_eq!(admins, 1, "round {round}: {statuses:?}");
        assert_eq!(
            statuses.iter().filter(|s| **s == 200).count(),
            1,
            "round {round}: {statuses:?}"
        );
        // The remaining admin restores the other one.
        let (winner, loser_id) = if statuses[0] == 200 {
            (&ada, &bob_id)
        } else {
            (&bob, &ada_id)
        };
        let r = app
            .patch(winner, &format!("/api/v1/users/{loser_id}"), undo.clone())
            .await;
        assert_eq!(r.status(), 200, "round {round}");
        {
            // A deactivated or demoted admin's sessions ended (S6): sign
            // them in again.
            let (email, c) = if statuses[0] == 200 {
                ("bob@example.com", &bob)
            } else {
                (ADMIN_EMAIL, &ada)
            };
            let password = if email == ADMIN_EMAIL {
                ADMIN_PASSWORD
            } else {
                "password-of-someone"
            };
            let r = app
                .post(
                    c,
                    "/api/v1/auth/login",
                    json!({"email": email, "password": password}),
                )
                .await;
            assert_eq!(r.status(), 200);
        }
    }
}

async fn me_id(app: &TestApp, c: &reqwest::Client) -> String {
    let me: Value = app.get(c, "/api/v1/me").await.json().await.unwrap();
    me["user"]["id"].as_str().unwrap().to_string()
}

async fn p1_two_admins_demoting_each_other_leave_one_admin(b: Backend) {
    admins_race(b, json!({"role": "builder"}), json!({"role": "admin"})).await;
}

async fn p1_two_admins_deactivating_each_other_leave_one_admin(b: Backend) {
    admins_race(b, json!({"active": false}), json!({"active": true})).await;
}

async fn cli_reset_password_and_promote_are_audited(b: Backend) {
    let app = spawn_app(b).await;
    let admin = app.admin().await;
    let (bob_id, _) = app.user(&admin, "bob@example.com", "builder").await;
    for _ in 0..5 {
        login(&app, ADMIN_EMAIL, "wrong password", None).await;
    }
    let out = admin_command(
        &app,
        &["reset-password", "ADA@example.com"],
        "a new long password\n",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        login(&app, ADMIN_EMAIL, ADMIN_PASSWORD, None).await,
        401,
        "the old password is gone"
    );
    assert_eq!(
        login(&app, ADMIN_EMAIL, "a new long password", None).await,
        200,
        "and the throttle forgotten"
    );
    assert_error(
        app.get(&admin, "/api/v1/me").await,
        401,
        "unauthenticated",
        None,
    )
    .await;
    // S6: the reset ended the old session; the admin signs in anew.
    let admin = sign_in(&app, ADMIN_EMAIL, "a new long password").await;

    let out = admin_command(&app, &["reset-password", ADMIN_EMAIL], "short\n");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains("password: Password must be at least 8 characters"));
    let out = admin_command(&app, &["promote", "nobody@example.com"], "");
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("No user has the email nobody@example.com")
    );

    let out = admin_command(&app, &["promote", "bob@example.com"], "");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let users: Value = app.get(&admin, "/api/v1/users").await.json().await.unwrap();
    let bob = users
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["id"] == bob_id.as_str())
        .unwrap();
    assert_eq!(bob["role"], "admin");
    let rows = sqlx::query("SELECT actor, action, target, details FROM audit_log WHERE actor = 'operator (command line)' ORDER BY id")
        .fetch_all(&app.db.pool)
        .await
        .unwrap();
    let entries: Vec<(String, String, Value)> = rows
        .iter()
        .map(|r| {
            (
                r.get("action"),
                r.get("target"),
                serde_json::from_str(&r.get::<String, _>("details")).unwrap(),
            )
        })
        .collect();
    assert_eq!(entries.len(), 2, "{entries:?}");
    assert_eq!(entries[0].0, "user.update");
    assert_eq!(
        entries[0].2,
        json!({"password": "reset from the command line"})
    );
    assert_eq!(entries[1].1, format!("user:{bob_id}"));
    assert_eq!(
        entries[1].2["role"],
        json!({"from": "builder", "to": "admin"})
    );
    assert_not_logged(&["a new long password"]);
}
