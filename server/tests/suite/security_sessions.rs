//! Sessions end for good (SPEC S6) and sign-ins cannot be flooded (S7), on
//! both databases. The attacks: a deactivated user whose admin reactivates
//! them before their next request, a demoted admin keeping an admin
//! session, a session on another instance, a sign-in racing a
//! deactivation, a client walking the addresses of its IPv6 /64.
use crate::both_backends;
use crate::support::*;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

both_backends!(
    s6_reactivation_does_not_revive_an_old_session,
    s6_demotion_ends_sessions_and_promotion_keeps_them,
    s6_sessions_end_on_every_instance,
    s6_reset_password_from_the_command_line_ends_sessions,
    s6_a_sign_in_racing_a_deactivation_never_outlives_it,
    s6_tokens_stop_while_inactive,
    s7_the_throttle_counts_an_ipv6_client_by_its_64,
    s7_fifty_simultaneous_sign_ins_all_answer,
);

const BOB: &str = "bob@example.com";
const BOB_PASSWORD: &str = "password-of-someone";

async fn patch_user(app: &TestApp, admin: &reqwest::Client, id: &str, body: Value) {
    let r = app.patch(admin, &format!("/api/v1/users/{id}"), body).await;
    assert_eq!(r.status(), 200);
}

async fn me_status(app: &TestApp, c: &reqwest::Client) -> u16 {
    app.get(c, "/api/v1/me").await.status().as_u16()
}

async fn s6_reactivation_does_not_revive_an_old_session(b: Backend) {
    let app = spawn_app(b).await;
    let admin = app.admin().await;
    let (bob_id, bob) = app.user(&admin, BOB, "builder").await;
    let laptop = sign_in(&app, BOB, BOB_PASSWORD).await;
    // No request of Bob's between the two changes: nothing could notice
    // the deactivation on the way.
    patch_user(&app, &admin, &bob_id, json!({"active": false})).await;
    patch_user(&app, &admin, &bob_id, json!({"active": true})).await;
    for c in [&bob, &laptop] {
        assert_error(app.get(c, "/api/v1/me").await, 401, "unauthenticated", None).await;
        // A page does not take the old session either: it leads to sign-in.
        let page = app.page(c, "/").await;
        let (status, location) = (
            page.status(),
            page.headers()
                .get("location")
                .map(|l| l.to_str().unwrap().to_string()),
        );
        let html = page.text().await.unwrap();
        assert!(
            location.as_deref().is_some_and(|l| l.starts_with("/login")) || html.contains("/login"),
            "{status} {location:?}"
        );
        assert!(!html.contains(BOB), "the page shows nothing of Bob's");
    }
    assert_eq!(app.count("sessions WHERE user_id IS NOT NULL AND user_id = (SELECT id FROM users WHERE email = 'bob@example.com')").await, 0);
    let again = sign_in(&app, BOB, BOB_PASSWORD).await;
    assert_eq!(
        me_status(&app, &again).await,
        200,
        "a reactivated user signs in anew"
    );
    // The admin's own session was not touched.
    assert_eq!(me_status(&app, &admin).await, 200);
}

async fn s6_demotion_ends_sessions_and_promotion_keeps_them(b: Backend) {
    let app = spawn_app(b).await;
    let admin = app.admin().await;
    let (root_id, root) = app.user(&admin, "root@example.com", "admin").await;
    patch_user(&app, &admin, &root_id, json!({"role": "builder"})).await;
    assert_eq!(me_status(&app, &root).await, 401, "admin → builder ends it");
    let root = sign_in(&app, "root@example.com", BOB_PASSWORD).await;
    // The old admin session cannot administer: it is gone, and the new one
    // is a builder's.
    assert_error(
        app.get(&root, "/api/v1/users").await,
        403,
        "forbidden",
        None,
    )
    .await;
    patch_user(&app, &admin, &root_id, json!({"role": "end-user"})).await;
    assert_eq!(
        me_status(&app, &root).await,
        401,
        "builder → end user ends it"
    );
    let root = sign_in(&app, "root@example.com", BOB_PASSWORD).await;
    patch_user(&app, &admin, &root_id, json!({"role": "builder"})).await;
    patch_user(&app, &admin, &root_id, json!({"name": "Root"})).await;
    assert_eq!(
        me_status(&app, &root).await,
        200,
        "a promotion or a rename keeps the session"
    );
    let me: Value = app.get(&root, "/api/v1/me").await.json().await.unwrap();
    assert_eq!(me["user"]["role"], "builder");
}

/// Another instance held Bob's session in memory; the change on the first
/// instance ends it there too.
async fn s6_sessions_end_on_every_instance(b: Backend) {
    let app = spawn_app(b).await;
    let admin = app.admin().await;
    let (bob_id, _) = app.user(&admin, BOB, "builder").await;
    let other = app.another_instance().await;
    let bob = client();
    let r = bob
        .post(other.url("/api/v1/auth/login"))
        .json(&json!({"email": BOB, "password": BOB_PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let me = |c: reqwest::Client| {
        let url = other.url("/api/v1/me");
        async move { c.get(url).send().await.unwrap().status().as_u16() }
    };
    assert_eq!(me(bob.clone()).await, 200, "held by the other instance now");
    patch_user(&app, &admin, &bob_id, json!({"active": false})).await;
    patch_user(&app, &admin, &bob_id, json!({"active": true})).await;
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let status = me(bob.clone()).await;
        if status == 401 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the other instance still takes the session ({status})"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn s6_reset_password_from_the_command_line_ends_sessions(b: Backend) {
    let app = spawn_app(b).await;
    let admin = app.admin().await;
    let (_, bob) = app.user(&admin, BOB, "builder").await;
    assert_eq!(me_status(&app, &bob).await, 200);
    let out = admin_command(&app, &["reset-password", BOB], "a brand new password\n");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The command is another process: the server hears of it by its poll.
    let deadline = Instant::now() + Duration::from_secs(10);
    while me_status(&app, &bob).await != 401 {
        assert!(Instant::now() < deadline, "the old session still works");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(me_status(&app, &admin).await, 200, "others keep theirs");
    let bob = sign_in(&app, BOB, "a brand new password").await;
    assert_eq!(me_status(&app, &bob).await, 200);
}

/// Ten rounds of Bob signing in at the moment an admin deactivates him,
/// then the admin reactivating him: whatever the order, a session the
/// sign-in made never works after the reactivation.
async fn s6_a_sign_in_racing_a_deactivation_never_outlives_it(b: Backend) {
    let app = spawn_app(b).await;
    let admin = app.admin().await;
    let (bob_id, _) = app.user(&admin, BOB, "builder").await;
    let mut signed_in = 0;
    let bob_path = format!("/api/v1/users/{bob_id}");
    for round in 0..10 {
        let bob = client();
        let (login, deactivate) = tokio::join!(
            app.post(
                &bob,
                "/api/v1/auth/login",
                json!({"email": BOB, "password": BOB_PASSWORD}),
            ),
            app.patch(&admin, &bob_path, json!({"active": false})),
        );
        assert_eq!(deactivate.status(), 200, "round {round}");
        let login = login.status().as_u16();
        assert!(login == 200 || login == 401, "round {round}: {login}");
        signed_in += usize::from(login == 200);
        patch_user(&app, &admin, &bob_id, json!({"active": true})).await;
        assert_eq!(me_status(&app, &bob).await, 401, "round {round}");
        // A lost race is a failed sign-in: forget it, or the account's
        // throttle would end the rounds early.
        sqlx::query("DELETE FROM login_failures")
            .execute(&app.db.pool)
            .await
            .unwrap();
    }
    eprintln!("sign-ins that won the race: {signed_in} of 10");
}

async fn s6_tokens_stop_while_inactive(b: Backend) {
    let app = spawn_app(b).await;
    let admin = app.admin().await;
    let (bob_id, bob) = app.user(&admin, BOB, "builder").await;
    let r = app
        .post(&bob, "/api/v1/tokens", json!({"name": "deploy"}))
        .await;
    assert_eq!(r.status(), 201);
    let token = r.json::<Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_string();
    let with_token = || {
        reqwest::Client::new()
            .get(app.url("/api/v1/me"))
            .header("authorization", format!("Bearer {token}"))
            .send()
    };
    assert_eq!(with_token().await.unwrap().status(), 200);
    patch_user(&app, &admin, &bob_id, json!({"active": false})).await;
    assert_eq!(with_token().await.unwrap().status(), 401, "stopped");
    patch_user(&app, &admin, &bob_id, json!({"active": true})).await;
    assert_eq!(
        with_token().await.unwrap().status(),
        200,
        "a token is revoked on its own; it only pauses while its owner is inactive"
    );
}

async fn login_from(app: &TestApp, email: &str, password: &str, address: &str) -> u16 {
    client()
        .post(app.url("/api/v1/auth/login"))
        .header("x-forwarded-for", address)
        .json(&json!({"email": email, "password": password}))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

async fn s7_the_throttle_counts_an_ipv6_client_by_its_64(b: Backend) {
    let app = spawn_app_configured(b, None, "127.0.0.1").await;
    app.admin().await;
    // Twenty failures, each from another address of one /64 and for
    // another account (so only the address count can stop them).
    for i in 0..20 {
        let address = format!("2001:db8:1:2:{:x}::{:x}", i * 7 + 1, i + 3);
        assert_eq!(
            login_from(
                &app,
                &format!("guess{i}@example.com"),
                "wrong password",
                &address
            )
            .await,
            401,
            "{address}"
        );
    }
    assert_eq!(
        login_from(&app, ADMIN_EMAIL, ADMIN_PASSWORD, "2001:db8:1:2:ffff::1").await,
        429,
        "a new address of the same /64"
    );
    assert_eq!(
        login_from(&app, ADMIN_EMAIL, ADMIN_PASSWORD, "2001:db8:1:3::1").await,
        200,
        "the next /64 is another client"
    );
    // The audit keeps the full address the attempt came from.
    let details: Vec<String> = {
        use sqlx::Row;
        sqlx::query("SELECT details FROM audit_log WHERE action = 'auth.login_failed'")
            .fetch_all(&app.db.pool)
            .await
            .unwrap()
            .iter()
            .map(|r| r.get("details"))
            .collect()
    };
    assert!(
        details.iter().any(|d| d.contains("2001:db8:1:2:1::3")),
        "{details:?}"
    );
}

/// Fifty sign-ins at once, right and wrong: hashing runs a few at a time
/// (S7), and every one is answered: signed in, refused, or told to come
/// back (429), never an error or a hang.
async fn s7_fifty_simultaneous_sign_ins_all_answer(b: Backend) {
    let app = spawn_app_configured(b, None, "127.0.0.1").await;
    app.admin().await;
    let attempts = (0..50).map(|i| {
        let app = &app;
        async move {
            // Five for one account (its throttle lets five through), the
            // rest for unknown emails, each from its own address: all of
            // them reach the password check.
            let address = format!("198.51.100.{}", i + 2);
            if i < 5 {
                login_from(app, ADMIN_EMAIL, ADMIN_PASSWORD, &address).await
            } else {
                let email = format!("nobody{i}@example.com");
                login_from(app, &email, "wrong password", &address).await
            }
        }
    });
    let statuses = futures::future::join_all(attempts).await;
    for (i, s) in statuses.iter().enumerate() {
        let expected: &[u16] = if i < 5 { &[200, 429] } else { &[401, 429] };
        assert!(expected.contains(s), "attempt {i}: {s}");
    }
    assert!(
        statuses.iter().filter(|s| **s == 200).count() >= 1,
        "{statuses:?}"
    );
}
