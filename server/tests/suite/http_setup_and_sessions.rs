//! First run, sign-in and sessions through the real router (SPEC P1, S2,
//! S3, S4, E1, E2, L1).
use crate::both_backends;
use crate::support::*;
use serde_json::{json, Value};

both_backends!(
    p1_setup_creates_the_first_admin_once,
    s2_setup_refuses_bad_input_and_stores_nothing,
    s2_malformed_json_and_unknown_routes,
    s3_sign_in_and_out,
    s3_cookie_flags_plain_http,
    s3_rate_limit_per_account,
    s3_rate_limit_per_address,
    s3_cross_origin_requests_are_refused,
    s3_server_functions_sign_in_and_refuse_bad_input,
    e1_e2_environments_in_priority_order,
    s4_nothing_secret_is_logged,
);

async fn p1_setup_creates_the_first_admin_once(b: Backend) {
    let app = spawn_app(b).await;
    let c = client();
    assert_error(
        app.get(&c, "/api/v1/me").await,
        401,
        "unauthenticated",
        None,
    )
    .await;
    // Before setup, pages lead to the setup page.
    let r = app.page(&c, "/").await;
    assert_eq!(r.status(), 302);
    assert_eq!(r.headers()["location"], "/setup");

    let r = app
        .post(
            &c,
            "/api/v1/setup",
            json!({"name": "Ada", "email": "Ada@Example.com", "password": ADMIN_PASSWORD}),
        )
        .await;
    assert_eq!(r.status(), 201);
    let user: Value = r.json().await.unwrap();
    assert_eq!(user["email"], "ada@example.com");
    assert_eq!(user["role"], "admin");
    assert_eq!(user["active"], true);
    assert_eq!(user["name"], "Ada");
    assert!(user.get("password_hash").is_none());

    // Setup signs in.
    let me: Value = app.get(&c, "/api/v1/me").await.json().await.unwrap();
    assert_eq!(me["user"]["id"], user["id"]);
    assert_eq!(me["flags"]["release"], true);

    let again = app
        .post(
            &client(),
            "/api/v1/setup",
            json!({"name": "Eve", "email": "eve@example.com", "password": "password123"}),
        )
        .await;
    assert_error(again, 409, "conflict", None).await;
    assert_eq!(app.count("users").await, 1);
    // After setup the setup page leads to sign-in.
    let r = app.page(&client(), "/setup").await;
    assert_eq!(r.status(), 302);
    assert_eq!(r.headers()["location"], "/login");
    assert_eq!(app.audit_actions().await, ["auth.setup"]);
}

async fn s2_setup_refuses_bad_input_and_stores_nothing(b: Backend) {
    let app = spawn_app(b).await;
    let c = client();
    let cases = [
        (json!({}), "name"),
        (
            json!({"name": "  ", "email": "a@b.c", "password": "password1"}),
            "name",
        ),
        (
            json!({"name": "x".repeat(101), "email": "a@b.c", "password": "password1"}),
            "name",
        ),
        (
            json!({"name": 7, "email": "a@b.c", "password": "password1"}),
            "name",
        ),
        (
            json!({"name": "Ada", "email": "nope", "password": "password1"}),
            "email",
        ),
        (json!({"name": "Ada", "password": "password1"}), "email"),
        (
            json!({"name": "Ada", "email": "a@b.c", "password": "short"}),
            "password",
        ),
        (
            json!({"name": "Ada", "email": "a@b.c", "password": ["password1"]}),
            "password",
        ),
    ];
    for (body, field) in cases {
        assert_error(
            app.post(&c, "/api/v1/setup", body).await,
            422,
            "invalid",
            Some(field),
        )
        .await;
    }
    assert_eq!(app.count("users").await, 0);
    assert_eq!(app.count("installation").await, 0);
    assert!(app.audit_actions().await.is_empty());
    // Still possible afterwards.
    app.admin().await;
}

async fn s2_malformed_json_and_unknown_routes(b: Backend) {
    let app = spawn_app(b).await;
    let c = client();
    for raw in ["{", "not json", "[1,2]", "\"text\""] {
        let r = c
            .post(app.url("/api/v1/setup"))
            .header("content-type", "application/json")
            .body(raw)
            .send()
            .await
            .unwrap();
        assert_error(r, 422, "invalid", Some("body")).await;
    }
    assert_eq!(app.count("users").await, 0);
    assert_error(
        app.get(&c, "/api/v1/no-such-thing").await,
        404,
        "not_found",
        None,
    )
    .await;
    let admin = app.admin().await;
    let r = admin
        .post(app.url("/api/v1/users"))
        .header("content-type", "application/json")
        .body("{\"email\":")
        .send()
        .await
        .unwrap();
    assert_error(r, 422, "invalid", Some("body")).await;
    // An unknown page is a 404 page, not an error.
    let r = app.page(&admin, "/no/such/page").await;
    assert_eq!(r.status(), 404);
    let html = r.text().await.unwrap();
    assert!(html.contains("Not found"), "{html}");
}

async fn s3_sign_in_and_out(b: Backend) {
    let app = spawn_app(b).await;
    app.admin().await;
    let c = client();
    let wrong = app
        .post(
            &c,
            "/api/v1/auth/login",
            json!({"email": ADMIN_EMAIL, "password": "wrong password"}),
        )
        .await;
    let wrong = assert_error(wrong, 401, "unauthenticated", None).await;
    let unknown = app
        .post(
            &c,
            "/api/v1/auth/login",
            json!({"email": "nobody@example.com", "password": "wrong password"}),
        )
        .await;
    let unknown = assert_error(unknown, 401, "unauthenticated", None).await;
    assert_eq!(
        wrong["error"]["message"], unknown["error"]["message"],
        "same answer for unknown email and wrong password"
    );
    assert_error(
        app.post(
            &c,
            "/api/v1/auth/login",
            json!({"email": "", "password": "x"}),
        )
        .await,
        422,
        "invalid",
        Some("email"),
    )
    .await;
    assert_error(
        app.post(&c, "/api/v1/auth/login", json!({"email": ADMIN_EMAIL}))
            .await,
        422,
        "invalid",
        Some("password"),
    )
    .await;

    // A session that exists before sign-in gets a new id at sign-in.
    let ok = app
        .post(
            &c,
            "/api/v1/auth/login",
            json!({"email": "ADA@example.com ", "password": ADMIN_PASSWORD}),
        )
        .await;
    assert_eq!(ok.status(), 200);
    let first = cookie_value(&session_cookie(&ok).expect("sign-in sets the session cookie"));
    let again = app
        .post(
            &c,
            "/api/v1/auth/login",
            json!({"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}),
        )
        .await;
    let second = cookie_value(&session_cookie(&again).expect("cookie again"));
    assert_ne!(first, second, "the session id is cycled at sign-in");
    // The old id no longer signs anyone in.
    let stale = reqwest::Client::new()
        .get(app.url("/api/v1/me"))
        .header("cookie", format!("stagecraft_session={first}"))
        .send()
        .await
        .unwrap();
    assert_eq!(stale.status(), 401);

    assert_eq!(app.get(&c, "/api/v1/me").await.status(), 200);
    let out = app.post(&c, "/api/v1/auth/logout", json!({})).await;
    assert_eq!(out.status(), 204);
    assert_eq!(app.get(&c, "/api/v1/me").await.status(), 401);
    let replay = reqwest::Client::new()
        .get(app.url("/api/v1/me"))
        .header("cookie", format!("stagecraft_session={second}"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        replay.status(),
        401,
        "a signed-out session cannot be replayed"
    );
    assert_eq!(
        app.audit_actions().await,
        [
            "auth.setup",
            "auth.login_failed",
            "auth.login_failed",
            "auth.login",
            "auth.login",
            "auth.logout"
        ]
    );
}

async fn s3_cookie_flags_plain_http(b: Backend) {
    for (public_url, secure) in [
        (None, false),
        (Some("http://tools.local"), false),
        (Some("https://tools.example.com"), true),
    ] {
        let app = spawn_app_with(b, public_url).await;
        let r = app
            .post(
                &client(),
                "/api/v1/setup",
                json!({"name": "Ada", "email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}),
            )
            .await;
        let cookie = session_cookie(&r).expect("cookie");
        let attrs: Vec<String> = cookie.split(';').map(|a| a.trim().to_lowercase()).collect();
        assert!(attrs.contains(&"httponly".to_string()), "{cookie}");
        assert!(attrs.contains(&"samesite=lax".to_string()), "{cookie}");
        assert!(
            attrs
                .iter()
                .any(|a| a.starts_with("expires=") || a.starts_with("max-age=")),
            "the session expires: {cookie}"
        );
        assert_eq!(
            attrs.contains(&"secure".to_string()),
            secure,
            "{public_url:?}: {cookie}"
        );
    }
}

async fn s3_rate_limit_per_account(b: Backend) {
    let app = spawn_app(b).await;
    app.admin().await;
    let c = client();
    for _ in 0..5 {
        let r = app
            .post(
                &c,
                "/api/v1/auth/login",
                json!({"email": ADMIN_EMAIL, "password": "wrong password"}),
            )
            .await;
        assert_eq!(r.status(), 401);
    }
    // The sixth attempt is refused even with the right password.
    let r = app
        .post(
            &c,
            "/api/v1/auth/login",
            json!({"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}),
        )
        .await;
    assert_error(r, 429, "rate_limited", None).await;
    // Other accounts are unaffected.
    let r = app
        .post(
            &c,
            "/api/v1/auth/login",
            json!({"email": "other@example.com", "password": "wrong password"}),
        )
        .await;
    assert_eq!(r.status(), 401);
    let failed = app
        .audit_actions()
        .await
        .iter()
        .filter(|a| *a == "auth.login_failed")
        .count();
    assert_eq!(failed, 6, "refused (429) attempts are not sign-in failures");
}

async fn s3_rate_limit_per_address(b: Backend) {
    let app = spawn_app(b).await;
    app.admin().await;
    let c = client();
    for i in 0..20 {
        let r = app
            .post(
                &c,
                "/api/v1/auth/login",
                json!({"email": format!("guess{i}@example.com"), "password": "wrong password"}),
            )
            .await;
        assert_eq!(r.status(), 401, "attempt {i}");
    }
    let r = app
        .post(
            &c,
            "/api/v1/auth/login",
            json!({"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}),
        )
        .await;
    assert_error(r, 429, "rate_limited", None).await;
}

async fn s3_cross_origin_requests_are_refused(b: Backend) {
    let app = spawn_app(b).await;
    let admin = app.admin().await;
    let body = json!({"email": "bob@example.com", "name": "Bob", "password": "password-of-bob", "role": "builder"});
    let r = admin
        .post(app.url("/api/v1/users"))
        .header("origin", "http://evil.example")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_error(r, 403, "forbidden", None).await;
    let r = admin
        .post(app.url("/api/create_user"))
        .header("origin", "http://evil.example")
        .form(&[
            ("email", "bob@example.com"),
            ("name", "Bob"),
            ("password", "password-of-bob"),
            ("role", "builder"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403, "server functions are guarded too");
    let r = admin
        .post(app.url("/api/v1/auth/logout"))
        .header("sec-fetch-site", "cross-site")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert_eq!(app.count("users").await, 1, "nothing changed");
    assert_eq!(
        app.get(&admin, "/api/v1/me").await.status(),
        200,
        "still signed in"
    );
    // The same origin passes.
    let r = admin
        .post(app.url("/api/v1/users"))
        .header("origin", app.base.clone())
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
}

async fn s3_server_functions_sign_in_and_refuse_bad_input(b: Backend) {
    let app = spawn_app(b).await;
    app.admin().await;
    let c = client();
    // The pages' door: a form post, as a browser without JavaScript sends it.
    let r = c
        .post(app.url("/api/login"))
        .header("referer", app.url("/login"))
        .header("accept", "text/html")
        .form(&[("email", ADMIN_EMAIL), ("password", "wrong password")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 302);
    let location = r.headers()["location"].to_str().unwrap().to_string();
    assert!(
        location.contains("/login") && location.contains("__err"),
        "the error goes back to the form: {location}"
    );
    assert_eq!(app.get(&c, "/api/v1/me").await.status(), 401);

    let r = c
        .post(app.url("/api/login"))
        .header("referer", app.url("/login"))
        .header("accept", "text/html")
        .form(&[("email", ADMIN_EMAIL), ("password", ADMIN_PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 302);
    assert_eq!(r.headers()["location"], "/");
    assert_eq!(app.get(&c, "/api/v1/me").await.status(), 200);
    // The page shows who is signed in.
    let html = app.page(&c, "/").await.text().await.unwrap();
    assert!(html.contains("Hello, ") && html.contains("Ada"), "{html}");

    // A bad email through the server function names the field.
    let r = c
        .post(app.url("/api/create_user"))
        .form(&[
            ("email", "nope"),
            ("name", "Bob"),
            ("password", "password-of-bob"),
            ("role", "builder"),
        ])
        .send()
        .await
        .unwrap();
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["code"], "invalid", "{body}");
    assert_eq!(body["field"], "email", "{body}");
    assert_eq!(app.count("users").await, 1);

    let r = c
        .post(app.url("/api/logout"))
        .header("accept", "text/html")
        .header("referer", app.url("/"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 302);
    assert_eq!(app.get(&c, "/api/v1/me").await.status(), 401);
}

async fn e1_e2_environments_in_priority_order(b: Backend) {
    let app = spawn_app(b).await;
    // E2 must come from the ordering, not from the order the rows happen to
    // be stored in: store them out of order first.
    for sql in [
        "DELETE FROM environments",
        "INSERT INTO environments (id, name, priority, is_default) VALUES ('production', 'production', 3, 1)",
        "INSERT INTO environments (id, name, priority, is_default) VALUES ('development', 'development', 1, 1)",
        "INSERT INTO environments (id, name, priority, is_default) VALUES ('staging', 'staging', 2, 1)",
    ] {
        sqlx::query(sql).execute(&app.db.pool).await.unwrap();
    }
    app.changed_outside().await;
    assert_eq!(
        app.get(&client(), "/api/v1/environments").await.status(),
        401
    );
    let admin = app.admin().await;
    let envs: Value = app
        .get(&admin, "/api/v1/environments")
        .await
        .json()
        .await
        .unwrap();
    let got: Vec<(String, i64, bool)> = envs
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["name"].as_str().unwrap().into(),
                e["priority"].as_i64().unwrap(),
                e["is_default"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("development".into(), 1, true),
            ("staging".into(), 2, true),
            ("production".into(), 3, true)
        ]
    );
    assert!(envs[0]["id"].is_string());
}

async fn s4_nothing_secret_is_logged(b: Backend) {
    let app = spawn_app(b).await;
    let c = client();
    let r = app.setup(&c).await;
    let sid = cookie_value(&session_cookie(&r).unwrap());
    let (_, _) = app.user(&c, "bob@example.com", "builder").await;
    app.post(
        &client(),
        "/api/v1/auth/login",
        json!({"email": ADMIN_EMAIL, "password": "a wrong secret guess"}),
    )
    .await;
    let hash: String = {
        use sqlx::Row;
        sqlx::query("SELECT password_hash FROM users WHERE email = $1")
            .bind(ADMIN_EMAIL)
            .fetch_one(&app.db.pool)
            .await
            .unwrap()
            .get(0)
    };
    assert!(hash.starts_with("$argon2id$"), "argon2id hashes");
    assert_not_logged(&[
        ADMIN_PASSWORD,
        "password-of-someone",
        "a wrong secret guess",
        &sid,
        &hash,
    ]);
}
