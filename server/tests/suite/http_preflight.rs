//! Promotion pre-flight (SPEC B3) through the HTTP API and the
//! confirmation pages, on both databases: each kind of missing value
//! blocks a promote and a release with its exact list, fixing it unblocks,
//! an admin's override passes and is audited with the list, anyone else's
//! override is 403; and a value removed while a promote runs.
use crate::both_backends;
use crate::http_data_sources::{app_with, constant, create, sqlite_file};
use crate::http_hardening::set_builder_flags;
use crate::http_lifecycle::{act, version_from};
use crate::support::*;
use serde_json::{json, Value};

both_backends!(
    b3_each_missing_kind_blocks_promote_and_release_until_fixed,
    b3_only_an_admin_overrides_and_the_audit_keeps_the_list,
    b3_confirmation_pages_list_what_is_missing,
    b3_a_value_removed_during_a_promote_never_slips_through,
);

/// A signed-in builder in a group with edit access to every app and the
/// flags `flags` (e.g. `{"promote": true}`). The builder role group loses
/// its default `promote` and `release` (P3: flags are the union over a
/// user's groups), so only `flags` grants them.
pub(crate) async fn builder_with(
    app: &TestApp,
    admin: &reqwest::Client,
    email: &str,
    flags: Value,
) -> (String, reqwest::Client) {
    set_builder_flags(app, admin, json!({"promote": false, "release": false})).await;
    let (uid, c) = app.user(admin, email, "builder").await;
    let r = app
        .post(
            admin,
            "/api/v1/groups",
            json!({ "name": format!("group of {email}") }),
        )
        .await;
    assert_eq!(r.status(), 201);
    let gid = r.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let r = app
        .patch(
            admin,
            &format!("/api/v1/groups/{gid}"),
            json!({ "flags": flags }),
        )
        .await;
    assert_eq!(r.status(), 200);
    let r = app
        .post(
            admin,
            &format!("/api/v1/groups/{gid}/app-permissions"),
            json!({"apps": "all", "access": "edit"}),
        )
        .await;
    assert_eq!(r.status(), 201);
    let r = app
        .put(
            admin,
            &format!("/api/v1/groups/{gid}/members/{uid}"),
            json!({}),
        )
        .await;
    assert_eq!(r.status(), 204);
    (uid, c)
}

/// The installation of every test here: `Shop` (SQLite) configured in
/// development and production; `Api` (REST) in all three, its header
/// naming `REGION`; `REGION` valued in development and staging; `TITLE`
/// in development and production; the secret `KEY` in development and
/// staging. The app's version uses `TITLE` in a heading, `KEY` in SQL and
/// both data sources. Answers (app id, version id, data source ids).
async fn installation(app: &TestApp, admin: &reqwest::Client) -> (String, String, Value) {
    for env in ["development", "staging", "production"] {
        sqlite_file(app, &format!("{env}.db"), &[&format!("row of {env}")]);
    }
    let shop = create(
        app,
        admin,
        json!({"name": "Shop", "kind": "sqlite", "environments": {
        "development": {"file": "development.db"}, "production": {"file": "production.db"}}}),
    )
    .await;
    let api_options = json!({"base_url": "http://127.0.0.1:9", "headers": [{"name": "X-Region", "value": "{{constants.REGION}}", "secret": false}]});
    let api = create(
        app,
        admin,
        json!({"name": "Api", "kind": "rest_api", "environments": {
        "development": api_options, "staging": api_options, "production": api_options}}),
    )
    .await;
    constant(
        app,
        admin,
        "REGION",
        "global",
        json!({"development": "eu", "staging": "eu-test"}),
    )
    .await;
    constant(
        app,
        admin,
        "TITLE",
        "global",
        json!({"development": "Dev", "production": "Shop"}),
    )
    .await;
    constant(
        app,
        admin,
        "KEY",
        "secret",
        json!({"development": "key-Secret-1", "staging": "key-Secret-2"}),
    )
    .await;
    let def = json!({"pages": [{"name": "home", "title": "Orders", "components": [
        {"id": "title", "type": "heading", "text": "{{constants.TITLE}}"},
        {"id": "grid", "type": "table", "query": "orders"}]}],
      "queries": [
        {"name": "orders", "data_source": "Shop", "run_on_load": true,
         "sql": "SELECT customer FROM orders"},
        {"name": "ping", "data_source": "Api", "rest": {"method": "GET", "path": "/ping",
         "headers": [{"name": "X-Key", "value": "{{secrets.KEY}}"}]}}]});
    let (app_id, vid) = app_with(app, admin, "Preflight app", def).await;
    let ids = json!({"Shop": shop["id"], "Api": api["id"]});
    (app_id, vid, ids)
}

fn missing(list: &[(&str, &str, &str)]) -> Value {
    json!(list
        .iter()
        .map(|(kind, name, env)| json!({"kind": kind, "name": name, "environment": env}))
        .collect::<Vec<_>>())
}

async fn preflight(app: &TestApp, c: &reqwest::Client, app_id: &str, vid: &str, to: &str) -> Value {
    let r = app
        .get(
            c,
            &format!("/api/v1/apps/{app_id}/versions/{vid}/preflight?to={to}"),
        )
        .await;
    assert_eq!(r.status(), 200);
    r.json().await.unwrap()
}

/// Asserts a 409 of a failed pre-flight with exactly `list`.
async fn refused(r: reqwest::Response, list: &[(&str, &str, &str)]) {
    let status = r.status();
    let body: Value = r.json().await.unwrap();
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["error"]["code"], "conflict", "{body}");
    assert_eq!(body["error"]["details"]["missing"], missing(list), "{body}");
}

pub(crate) async fn environment_of(
    app: &TestApp,
    c: &reqwest::Client,
    app_id: &str,
    vid: &str,
) -> String {
    let r = app
        .get(c, &format!("/api/v1/apps/{app_id}/versions/{vid}"))
        .await;
    r.json::<Value>().await.unwrap()["environment"]
        .as_str()
        .unwrap()
        .to_string()
}

async fn constant_id(app: &TestApp, c: &reqwest::Client, name: &str) -> String {
    let list: Value = app.get(c, "/api/v1/constants").await.json().await.unwrap();
    list.as_array()
        .unwrap()
        .iter()
        .find(|k| k["name"] == name)
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string()
}

async fn set_value(app: &TestApp, c: &reqwest::Client, name: &str, env: &str, value: &str) {
    let id = constant_id(app, c, name).await;
    let r = app
        .put(
            c,
            &format!("/api/v1/constants/{id}/values/{env}"),
            json!({ "value": value }),
        )
        .await;
    assert_eq!(r.status(), 200);
}

const STAGING_LACKS: [(&str, &str, &str); 2] = [
    ("data_source", "Shop", "staging"),
    ("constant", "TITLE", "staging"),
];
const PRODUCTION_LACKS: [(&str, &str, &str); 2] = [
    ("constant", "REGION", "production"),
    ("secret", "KEY", "production"),
];

async fn b3_each_missing_kind_blocks_promote_and_release_until_fixed(b: Backend) {
    let app = spawn_app(b).await;
    let admin = app.admin().await;
    let (app_id, vid, sources) = installation(&app, &admin).await;
    let (_, lead) = builder_with(
        &app,
        &admin,
        "lead@example.com",
        json!({"promote": true, "release": true}),
    )
    .await;
    // Development has everything.
    assert_eq!(
        preflight(&app, &lead, &app_id, &vid, "development").await,
        json!({"ok": true, "missing": []})
    );
    // Staging lacks a data source and a global used in a component.
    assert_eq!(
        preflight(&app, &lead, &app_id, &vid, "staging").await,
        json!({"ok": false, "missing": missing(&STAGING_LACKS)})
    );
    // Production lacks a constant used only in a data source's options,
    // and a secret used in SQL.
    assert_eq!(
        preflight(&app, &lead, &app_id, &vid, "production").await,
        json!({"ok": false, "missing": missing(&PRODUCTION_LACKS)})
    );
    assert_eq!(
        act(&app, &lead, &app_id, &vid, "save", json!({}))
            .await
            .status(),
        200
    );
    refused(
        act(
            &app,
            &lead,
            &app_id,
            &vid,
            "promote",
            json!({"from": "development"}),
        )
        .await,
        &STAGING_LACKS,
    )
    .await;
    assert_eq!(
        environment_of(&app, &lead, &app_id, &vid).await,
        "development"
    );
    // Fixing one leaves the other.
    let shop = sources["Shop"].as_str().unwrap();
    let r = app
        .put(
            &admin,
            &format!("/api/v1/data-sources/{shop}/environments/staging"),
            json!({"options": {"file": "staging.db"}}),
        )
        .await;
    assert_eq!(r.status(), 200);
    refused(
        act(
            &app,
            &lead,
            &app_id,
            &vid,
            "promote",
            json!({"from": "development"}),
        )
        .await,
        &STAGING_LACKS[1..],
    )
    .await;
    set_value(&app, &admin, "TITLE", "staging", "Test").await;
    assert_eq!(
        preflight(&app, &lead, &app_id, &vid, "staging").await["ok"],
        true
    );
    let r = act(
        &app,
        &lead,
        &app_id,
        &vid,
        "promote",
        json!({"from": "development"}),
    )
    .await;
    assert_eq!(r.status(), 200);
    // Production: blocked until both are given a value there.
    refused(
        act(
            &app,
            &lead,
            &app_id,
            &vid,
            "promote",
            json!({"from": "staging"}),
        )
        .await,
        &PRODUCTION_LACKS,
    )
    .await;
    set_value(&app, &admin, "REGION", "production", "eu-prod").await;
    refused(
        act(
            &app,
            &lead,
            &app_id,
            &vid,
            "promote",
            json!({"from": "staging"}),
        )
        .await,
        &PRODUCTION_LACKS[1..],
    )
    .await;
    set_value(&app, &admin, "KEY", "production", "key-Secret-3").await;
    let r = act(
        &app,
        &lead,
        &app_id,
        &vid,
        "promote",
        json!({"from": "staging"}),
    )
    .await;
    assert_eq!(r.status(), 200);
    // A release checks production again: a value removed since blocks it.
    let key = constant_id(&app, &admin, "KEY").await;
    assert_eq!(
        app.delete(
            &admin,
            &format!("/api/v1/constants/{key}/values/production")
        )
        .await
        .status(),
        204
    );
    refused(
        act(&app, &lead, &app_id, &vid, "release", json!({})).await,
        &PRODUCTION_LACKS[1..],
    )
    .await;
    assert_eq!(app.count("releases").await, 0);
    set_value(&app, &admin, "KEY", "production", "key-Secret-4").await;
    let r = act(&app, &lead, &app_id, &vid, "release", json!({})).await;
    assert_eq!(r.status(), 200);
    // Nothing secret in the answers above or the log.
    assert_not_logged(&[
        "key-Secret-1",
        "key-Secret-2",
        "key-Secret-3",
        "key-Secret-4",
    ]);
    // Order of errors: `to` is checked after access, and named.
    assert_error(
        app.get(
            &lead,
            &format!("/api/v1/apps/{app_id}/versions/{vid}/preflight?to=moon"),
        )
        .await,
        422,
        "invalid",
        Some("to"),
    )
    .await;
    assert_error(
        app.get(
            &lead,
            &format!("/api/v1/apps/{app_id}/versions/{vid}/preflight"),
        )
        .await,
        422,
        "invalid",
        Some("to"),
    )
    .await;
    assert_error(
        app.get(
            &lead,
            &format!("/api/v1/apps/{app_id}/versions/nope/preflight?to=moon"),
        )
        .await,
        404,
        "not_found",
        None,
    )
    .await;
    let (_, end_user) = app.user(&admin, "end@example.com", "end-user").await;
    assert!(matches!(
        app.get(
            &end_user,
            &format!("/api/v1/apps/{app_id}/versions/{vid}/preflight?to=moon")
        )
        .await
        .status()
        .as_u16(),
        403 | 404
    ));
}

/// The actor and details of the newest audit entry of `action`.
pub(crate) async fn last_audit(app: &TestApp, action: &str) -> (String, Value) {
    use sqlx::Row;
    let row = sqlx::query(
        "SELECT actor, details FROM audit_log WHERE action = $1 ORDER BY id DESC LIMIT 1",
    )
    .bind(action)
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    (
        row.get("actor"),
        serde_json::from_str(&row.get::<String, _>("details")).unwrap(),
    )
}

async fn b3_only_an_admin_overrides_and_the_audit_keeps_the_list(b: Backend) {
    let app = spawn_app(b).await;
    let admin = app.admin().await;
    let (app_id, vid, _) = installation(&app, &admin).await;
    let (_, lead) = builder_with(
        &app,
        &admin,
        "lead@example.com",
        json!({"promote": true, "release": true}),
    )
    .await;
    assert_eq!(
        act(&app, &lead, &app_id, &vid, "save", json!({}))
            .await
            .status(),
        200
    );
    // A non-admin's override is 403, before the body's other fields are
    // read, and changes nothing; `false` is no override and no refusal.
    assert_error(
        act(
            &app,
            &lead,
            &app_id,
            &vid,
            "promote",
            json!({"from": "moon", "override_preflight": true}),
        )
        .await,
        403,
        "forbidden",
        None,
    )
    .await;
    refused(
        act(
            &app,
            &lead,
            &app_id,
            &vid,
            "promote",
            json!({"from": "development", "override_preflight": false}),
        )
        .await,
        &STAGING_LACKS,
    )
    .await;
    assert_error(
        act(
            &app,
            &lead,
            &app_id,
            &vid,
            "promote",
            json!({"from": "development", "override_preflight": "yes"}),
        )
        .await,
        422,
        "invalid",
        Some("override_preflight"),
    )
    .await;
    assert_eq!(
        environment_of(&app, &lead, &app_id, &vid).await,
        "development"
    );
    // The admin's override passes and is recorded with what was missing.
    for (from, lacks) in [
        ("development", &STAGING_LACKS),
        ("staging", &PRODUCTION_LACKS),
    ] {
        let r = act(
            &app,
            &admin,
            &app_id,
            &vid,
            "promote",
            json!({"from": from, "override_preflight": true}),
        )
        .await;
        assert_eq!(r.status(), 200, "override from {from}");
        let details = last_audit(&app, "version.promote").await.1;
        assert_eq!(details["override_preflight"], true);
        assert_eq!(details["missing"], missing(lacks));
    }
    // Release: the same rule.
    assert_error(
        act(
            &app,
            &lead,
            &app_id,
            &vid,
            "release",
            json!({"override_preflight": true}),
        )
        .await,
        403,
        "forbidden",
        None,
    )
    .await;
    refused(
        act(&app, &lead, &app_id, &vid, "release", json!({"note": "n"})).await,
        &PRODUCTION_LACKS,
    )
    .await;
    let r = act(
        &app,
        &admin,
        &app_id,
        &vid,
        "release",
        json!({"note": "hotfix", "override_preflight": true}),
    )
    .await;
    assert_eq!(r.status(), 200);
    let details = last_audit(&app, "version.release").await.1;
    assert_eq!(
        (
            details["override_preflight"].clone(),
            details["missing"].clone()
        ),
        (json!(true), missing(&PRODUCTION_LACKS))
    );
    // An override with nothing missing records no override.
    let v2 = version_from(&app, &admin, &app_id, &vid, "v2").await;
    set_value(&app, &admin, "REGION", "production", "eu-prod").await;
    set_value(&app, &admin, "KEY", "production", "key-Secret-3").await;
    assert_eq!(
        act(&app, &admin, &app_id, &v2, "save", json!({}))
            .await
            .status(),
        200
    );
    for from in ["development", "staging"] {
        let r = act(
            &app,
            &admin,
            &app_id,
            &v2,
            "promote",
            json!({"from": from, "override_preflight": true}),
        )
        .await;
        assert_eq!(r.status(), 200);
    }
    assert!(last_audit(&app, "version.promote")
        .await
        .1
        .get("override_preflight")
        .is_none());
}

async fn b3_confirmation_pages_list_what_is_missing(b: Backend) {
    let app = spawn_app(b).await;
    let admin = app.admin().await;
    let (app_id, vid, sources) = installation(&app, &admin).await;
    let (_, lead) = builder_with(
        &app,
        &admin,
        "lead@example.com",
        json!({"promote": true, "release": true}),
    )
    .await;
    assert_eq!(
        act(&app, &lead, &app_id, &vid, "save", json!({}))
            .await
            .status(),
        200
    );
    let path = format!("/build/{app_id}/versions/{vid}/promote");
    let html = app.page(&lead, &path).await.text().await.unwrap();
    assert!(html.contains("data-testid=\"preflight\""), "{html}");
    let shop = sources["Shop"].as_str().unwrap();
    assert!(
        html.contains(&format!("href=\"/data-sources/{shop}?env=staging\"")),
        "{html}"
    );
    assert!(
        html.contains("href=\"/constants#constant-global-TITLE\""),
        "{html}"
    );
    assert!(html.contains("data-testid=\"preflight-refusal\""));
    assert!(!html.contains("override-preflight"));
    // The button is disabled with the reason.
    assert!(html.contains("disabled"), "{html}");
    // An admin sees the override check-box instead.
    let html = app.page(&admin, &path).await.text().await.unwrap();
    assert!(
        html.contains("data-testid=\"override-preflight\""),
        "{html}"
    );
    assert!(!html.contains("data-testid=\"preflight-refusal\""));
    // Once fixed, the page says so and offers no override.
    let r = app
        .put(
            &admin,
            &format!("/api/v1/data-sources/{shop}/environments/staging"),
            json!({"options": {"file": "staging.db"}}),
        )
        .await;
    assert_eq!(r.status(), 200);
    set_value(&app, &admin, "TITLE", "staging", "Test").await;
    let html = app.page(&admin, &path).await.text().await.unwrap();
    assert!(html.contains("data-testid=\"preflight-ok\""), "{html}");
    assert!(!html.contains("override-preflight"));
    // The release confirmation checks production.
    for from in ["development", "staging"] {
        let r = act(
            &app,
            &admin,
            &app_id,
            &vid,
            "promote",
            json!({"from": from, "override_preflight": true}),
        )
        .await;
        assert_eq!(r.status(), 200);
    }
    let html = app
        .page(&lead, &format!("/build/{app_id}/versions/{vid}/release"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("href=\"/constants#constant-secret-KEY\""),
        "{html}"
    );
    assert!(
        html.contains("href=\"/constants#constant-global-REGION\""),
        "{html}"
    );
    assert!(!html.contains("key-Secret"));
}

/// Check-then-write: a promote and the removal of a value it needs, sent
/// at the same moment, repeated. Either order is fine, but never both
/// succeeding with the removal first: the audit, written inside each
/// transaction, gives the order in which they took effect.
async fn b3_a_value_removed_during_a_promote_never_slips_through(b: Backend) {
    let app = spawn_app(b).await;
    let admin = app.admin().await;
    let (app_id, first, sources) = installation(&app, &admin).await;
    let shop = sources["Shop"].as_str().unwrap();
    let r = app
        .put(
            &admin,
            &format!("/api/v1/data-sources/{shop}/environments/staging"),
            json!({"options": {"file": "staging.db"}}),
        )
        .await;
    assert_eq!(r.status(), 200);
    let title = constant_id(&app, &admin, "TITLE").await;
    let (_, lead) = builder_with(&app, &admin, "lead@example.com", json!({"promote": true})).await;
    let mut outcomes = std::collections::BTreeSet::new();
    for round in 0..8 {
        set_value(&app, &admin, "TITLE", "staging", "Test").await;
        let vid = version_from(&app, &admin, &app_id, &first, &format!("r{round}")).await;
        assert_eq!(
            act(&app, &lead, &app_id, &vid, "save", json!({}))
                .await
                .status(),
            200
        );
        let promote = act(
            &app,
            &lead,
            &app_id,
            &vid,
            "promote",
            json!({"from": "development"}),
        );
        let path = format!("/api/v1/constants/{title}/values/staging");
        let remove = app.delete(&admin, &path);
        let (p, d) = tokio::join!(promote, remove);
        let (p, d) = (p.status().as_u16(), d.status().as_u16());
        assert_eq!(d, 204);
        outcomes.insert(p);
        use sqlx::Row;
        let order: Vec<String> = sqlx::query(
            "SELECT action FROM audit_log WHERE action IN ('version.promote', 'constant.delete_value') \
             AND id > (SELECT COALESCE(MAX(id), 0) FROM audit_log WHERE action = 'version.save') ORDER BY id",
        )
        .fetch_all(&app.db.pool)
        .await
        .unwrap()
        .iter()
        .map(|r| r.get("action"))
        .collect();
        match p {
            200 => assert_eq!(
                order,
                ["version.promote", "constant.delete_value"],
                "round {round}"
            ),
            409 => assert_eq!(order, ["constant.delete_value"], "round {round}"),
            other => panic!("promote answered {other}"),
        }
    }
    eprintln!("outcomes of the promote: {outcomes:?}");
}
