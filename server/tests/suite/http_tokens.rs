//! Personal access tokens (SPEC B5, API.md "Setup and sessions"), on both
//! databases: made, used, listed, revoked, expired; API only; never logged.
use crate::both_backends;
use crate::support::*;
use serde_json::{json, Value};

both_backends!(
    b5_token_lifecycle,
    b5_token_limits_expiry_and_deactivation,
    b5_token_is_for_the_api_only,
    b5_parallel_revokes_of_one_token_answer_once,
    b5_tokens_page_shows_a_new_token_once,
);

async fn make_token(app: &TestApp, c: &reqwest::Client, body: Value) -> Value {
    let r = app.post(c, "/api/v1/tokens", body).await;
    assert_eq!(r.status(), 201);
    r.json().await.unwrap()
}

fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

async fn me_with(app: &TestApp, token: &str) -> reqwest::Response {
    reqwest::Client::new()
        .get(app.url("/api/v1/me"))
        .header("authorization", bearer(token))
        .send()
        .await
        .unwrap()
}

async fn b5_token_lifecycle(b: Backend) {
    let app = spawn_app(b).await;
    let admin = app.admin().await;
    let (_, builder) = app.user(&admin, "bea@example.com", "builder").await;
    let made = make_token(&app, &builder, json!({"name": "  deploy  "})).await;
    let token = made["token"].as_str().unwrap().to_string();
    assert!(token.starts_with("stc_") && token.len() == 68, "{token}");
    assert_eq!(made["name"], "deploy");
    assert_eq!(made["expires_at"], Value::Null);
    for key in ["id", "created_at"] {
        assert!(made[key].is_string(), "{key} in {made}");
    }

    // It acts as its user, with that user's access.
    let r = me_with(&app, &token).await;
    assert_eq!(r.status(), 200);
    let me: Value = r.json().await.unwrap();
    assert_eq!(me["user"]["email"], "bea@example.com");
    let t = reqwest::Client::new();
    let r = t
        .post(app.url("/api/v1/apps"))
        .header("authorization", bearer(&token))
        .json(&json!({"name": "Piped"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let r = t
        .get(app.url("/api/v1/users"))
        .header("authorization", bearer(&token))
        .send()
        .await
        .unwrap();
    assert_error(r, 403, "forbidden", None).await;
    // A token cannot make another (a leaked one would outlive its expiry).
    let r = t
        .post(app.url("/api/v1/tokens"))
        .header("authorization", bearer(&token))
        .json(&json!({"name": "more"}))
        .send()
        .await
        .unwrap();
    assert_error(r, 403, "forbidden", None).await;
    // Signing out with a token ends nothing and records nothing.
    let before = app.audit_actions().await;
    let r = t
        .post(app.url("/api/v1/auth/logout"))
        .header("authorization", bearer(&token))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    assert_eq!(app.audit_actions().await, before);
    assert_eq!(me_with(&app, &token).await.status(), 200);

    // Listed without its value, with its last use; only to its user.
    let r = app.get(&builder, "/api/v1/tokens").await;
    assert_eq!(r.status(), 200);
    let list: Vec<Value> = r.json().await.unwrap();
    assert_eq!(list.len(), 1);
    let listed = &list[0];
    let mut keys: Vec<&str> = listed
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort();
    assert_eq!(
        keys,
        ["created_at", "expires_at", "id", "last_used_at", "name"]
    );
    assert!(listed["last_used_at"].is_string(), "{listed}");
    assert!(!listed.to_string().contains(&token));
    let r = app.get(&admin, "/api/v1/tokens").await;
    assert_eq!(r.json::<Vec<Value>>().await.unwrap().len(), 0);

    // Another user cannot revoke it; its user can, and it stops at once.
    let id = made["id"].as_str().unwrap();
    let r = app.delete(&admin, &format!("/api/v1/tokens/{id}")).await;
    assert_error(r, 404, "not_found", None).await;
    assert_eq!(me_with(&app, &token).await.status(), 200);
    let r = app.delete(&builder, &format!("/api/v1/tokens/{id}")).await;
    assert_eq!(r.status(), 204);
    assert_error(me_with(&app, &token).await, 401, "unauthenticated", None).await;
    let r = app.get(&builder, "/api/v1/tokens").await;
    assert_eq!(r.json::<Vec<Value>>().await.unwrap().len(), 0);

    // Audited by name, never with the value; the value is never logged.
    let actions = app.audit_actions().await;
    assert!(actions.contains(&"token.create".to_string()), "{actions:?}");
    assert!(actions.contains(&"token.revoke".to_string()), "{actions:?}");
    use sqlx::Row;
    let details: Vec<String> =
        sqlx::query("SELECT details FROM audit_log WHERE action LIKE 'token.%'")
            .fetch_all(&app.db.pool)
            .await
            .unwrap()
            .iter()
            .map(|r| r.get("details"))
            .collect();
    assert!(
        details
            .iter()
            .all(|d| d.contains("deploy") && !d.contains(&token)),
        "{details:?}"
    );
    let stored: Vec<String> = sqlx::query("SELECT hash FROM tokens")
        .fetch_all(&app.db.pool)
        .await
        .unwrap()
        .iter()
        .map(|r| r.get("hash"))
        .collect();
    assert!(stored.iter().all(|h| !h.contains(&token[4..])));
    assert_not_logged(&[&token, &token[4..]]);
}

async fn b5_token_limits_expiry_and_deactivation(b: Backend) {
    let app = spawn_app(b).await;
    let admin = app.admin().await;
    let (bea_id, bea) = app.user(&admin, "bea@example.com", "builder").await;

    // Bad input names its field and makes nothing.
    let r = app.post(&bea, "/api/v1/tokens", json!({"name": ""})).await;
    assert_error(r, 422, "invalid", Some("name")).await;
    let r = app.post(&bea, "/api/v1/tokens", json!({"name": 7})).await;
    assert_error(r, 422, "invalid", Some("name")).await;
    let r = app
        .post(
            &bea,
            "/api/v1/tokens",
            json!({"name": "ci", "expires_at": "tomorrow"}),
        )
        .await;
    assert_error(r, 422, "invalid", Some("expires_at")).await;
    let r = app
        .post(
            &bea,
            "/api/v1/tokens",
            json!({"name": "ci", "expires_at": "2020-01-01T00:00:00Z"}),
        )
        .await;
    assert_error(r, 422, "invalid", Some("expires_at")).await;
    assert_eq!(app.count("tokens").await, 0);

    // An expiry in an hour: works now, 401 once the server's clock passes it.
    let in_an_hour = time::OffsetDateTime::now_utc() + time::Duration::hours(1);
    let at = in_an_hour
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    let made = make_token(&app, &bea, json!({"name": "short", "expires_at": at})).await;
    assert!(
        made["expires_at"].as_str().unwrap().starts_with(&at[..16]),
        "{made}"
    );
    let short = made["token"].as_str().unwrap().to_string();
    let lasting = make_token(&app, &bea, json!({"name": "lasting"})).await["token"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(me_with(&app, &short).await.status(), 200);
    app.clock.advance(2 * 3600);
    let body = assert_error(me_with(&app, &short).await, 401, "unauthenticated", None).await;
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("expired"));
    assert_eq!(me_with(&app, &lasting).await.status(), 200);

    // A deactivated user's tokens stop; reactivated, they work again.
    let r = app
        .patch(
            &admin,
            &format!("/api/v1/users/{bea_id}"),
            json!({"active": false}),
        )
        .await;
    assert_eq!(r.status(), 200);
    assert_error(me_with(&app, &lasting).await, 401, "unauthenticated", None).await;

    // Unknown tokens and other schemes are 401 alike.
    for header in [
        "Bearer stc_0000".to_string(),
        "Bearer nonsense".to_string(),
        "Basic Ym9iOnNlY3JldA==".to_string(),
        "Bearer ".to_string(),
    ] {
        let r = reqwest::Client::new()
            .get(app.url("/api/v1/me"))
            .header("authorization", header.clone())
            .send()
            .await
            .unwrap();
        assert_error(r, 401, "unauthenticated", None).await;
    }
}

async fn b5_token_is_for_the_api_only(b: Backend) {
    let app = spawn_app(b).await;
    let admin = app.admin().await;
    let token = make_token(&app, &admin, json!({"name": "ci"})).await["token"]
        .as_str()
        .unwrap()
        .to_string();
    let t = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    // Pages treat the bearer as a visitor who is not signed in.
    let r = t
        .get(app.url("/admin/users"))
        .header("authorization", bearer(&token))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let html = r.text().await.unwrap();
    assert!(
        (300..400).contains(&status) || !html.contains(ADMIN_EMAIL),
        "{status}: a page opened with a token"
    );
    // Server functions too.
    let r = t
        .post(app.url("/api/list_tokens"))
        .header("authorization", bearer(&token))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401, "a server function answered a token");

    // Not a cookie, so another site's Origin does no harm.
    let r = t
        .post(app.url("/api/v1/apps"))
        .header("authorization", bearer(&token))
        .header("origin", "https://elsewhere.example")
        .header("sec-fetch-site", "cross-site")
        .json(&json!({"name": "From CI"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    // Basic credentials a browser may attach by itself earn no exemption.
    let r = t
        .post(app.url("/api/v1/auth/login"))
        .header("authorization", "Basic Ym9iOnNlY3JldA==")
        .header("origin", "https://elsewhere.example")
        .json(&json!({"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_error(r, 403, "forbidden", None).await;
    // With a cookie as well, the request could be a browser's: refused.
    let r = admin
        .post(app.url("/api/v1/apps"))
        .header("authorization", bearer(&token))
        .header("origin", "https://elsewhere.example")
        .json(&json!({"name": "Forged"}))
        .send()
        .await
        .unwrap();
    assert_error(r, 403, "forbidden", None).await;
    assert_not_logged(&[&token]);
}

/// Revoking is a check-then-write: ten simultaneous revokes of one token
/// delete it once and record one `token.revoke`.
async fn b5_parallel_revokes_of_one_token_answer_once(b: Backend) {
    let app = spawn_app(b).await;
    let admin = app.admin().await;
    for round in 0..3 {
        let made = make_token(&app, &admin, json!({"name": format!("round {round}")})).await;
        let path = format!("/api/v1/tokens/{}", made["id"].as_str().unwrap());
        let answers = futures::future::join_all(
            (0..10).map(|_| async { app.delete(&admin, &path).await.status().as_u16() }),
        )
        .await;
        assert_eq!(
            answers.iter().filter(|s| **s == 204).count(),
            1,
            "{answers:?}"
        );
        assert_eq!(
            answers.iter().filter(|s| **s == 404).count(),
            9,
            "{answers:?}"
        );
    }
    let revokes = app
        .audit_actions()
        .await
        .into_iter()
        .filter(|a| a == "token.revoke")
        .count();
    assert_eq!(revokes, 3);
}

/// The page's own form (a plain post, JavaScript off) answers the page with
/// the new token in it, once; a bad name answers 422 with the reason.
async fn b5_tokens_page_shows_a_new_token_once(b: Backend) {
    let app = spawn_app(b).await;
    let admin = app.admin().await;
    let post = |body: &'static str| {
        admin
            .post(app.url("/settings/tokens"))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("accept", "text/html")
            .body(body)
            .send()
    };
    let r = post("name=from+the+page&expires_at=").await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["cache-control"], "no-store");
    let html = r.text().await.unwrap();
    let start = html.find("stc_").expect("the new token is on the page");
    let token: String = html[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    assert_eq!(token.len(), 68);
    assert_eq!(me_with(&app, &token).await.status(), 200);
    // Listed by name on the page; its value never again.
    let html = app
        .page(&admin, "/settings/tokens")
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("from the page"));
    assert!(!html.contains(&token));
    let r = post("name=").await.unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("Name the token"));
    // Signed out, the form leads to sign-in and makes nothing.
    let r = client()
        .post(app.url("/settings/tokens"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("name=x")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/login");
    assert_eq!(app.count("tokens").await, 1);
    assert_not_logged(&[&token]);
}
