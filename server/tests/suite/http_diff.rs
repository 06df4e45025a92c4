//! B2 through the HTTP API, on both databases: the diff of two versions
//! of one app, and who may read it (V9: both versions must be listable).
use crate::both_backends;
use crate::http_lifecycle::{act, new_app, version_from};
use crate::support::*;
use serde_json::{json, Value};

both_backends!(
    b2_diff_of_two_versions_and_who_may_read_it,
    b2_the_diff_page_and_the_confirmations_show_the_changes
);

async fn b2_diff_of_two_versions_and_who_may_read_it(b: Backend) {
    let app = spawn_app(b).await;
    let admin = app.admin().await;
    let (app_id, v1) = new_app(&app, &admin, "Orders").await;
    let doc = |sql: &str, title: &str| {
        json!({"pages": [{"name": "home", "title": title, "components": [
            {"id": "grid", "type": "table", "query": "orders"}]}],
          "queries": [{"name": "orders", "data_source": "DB", "sql": sql}]})
    };
    app.post(
        &admin,
        "/api/v1/data-sources",
        // Configured everywhere: the pre-flight (B3) lets it through.
        json!({"name": "DB", "kind": "sqlite", "environments": {"development": {"file": "db.db"},
            "staging": {"file": "db.db"}, "production": {"file": "db.db"}}}),
    )
    .await;
    let put = |vid: String, d: Value, revision: i64| {
        let (app, admin, app_id) = (&app, &admin, &app_id);
        async move {
            let r = app
                .put(
                    admin,
                    &format!("/api/v1/apps/{app_id}/versions/{vid}/definition"),
                    json!({"definition": d, "revision": revision}),
                )
                .await;
            assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
        }
    };
    put(v1.clone(), doc("SELECT 1", "Orders"), 1).await;
    let v2 = version_from(&app, &admin, &app_id, &v1, "v2").await;
    put(v2.clone(), doc("SELECT 2", "All orders"), 1).await;

    let url = |a: &str, b: &str| format!("/api/v1/apps/{app_id}/versions/{a}/diff/{b}");
    let r = app.get(&admin, &url(&v1, &v2)).await;
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.json::<Value>().await.unwrap(),
        json!({"changes": [
            {"path": "pages.home.title", "kind": "changed", "before": "Orders", "after": "All orders"},
            {"path": "queries.orders.sql", "kind": "changed", "before": "SELECT 1", "after": "SELECT 2"}
        ]})
    );
    let same: Value = app.get(&admin, &url(&v2, &v2)).await.json().await.unwrap();
    assert_eq!(same, json!({"changes": []}));

    // Unknown versions and apps are 404; signed out is 401; an end user,
    // who by default opens released apps only, may list no version: 403,
    // as for reading one version.
    assert_error(
        app.get(&admin, &url(&v1, "nope")).await,
        404,
        "not_found",
        None,
    )
    .await;
    assert_error(
        app.get(
            &admin,
            &format!("/api/v1/apps/nope/versions/{v1}/diff/{v2}"),
        )
        .await,
        404,
        "not_found",
        None,
    )
    .await;
    let (_, eve) = app.user(&admin, "eve@example.com", "end-user").await;
    assert_error(app.get(&eve, &url(&v1, &v2)).await, 403, "forbidden", None).await;
    let one = format!("/api/v1/apps/{app_id}/versions/{v1}");
    assert_eq!(app.get(&eve, &one).await.status(), 403);
    let nobody = reqwest::Client::new();
    assert_eq!(app.get(&nobody, &url(&v1, &v2)).await.status(), 401);

    // V9: viewing production only, v1 (released there) can be listed but
    // v2, a draft in development, cannot: comparing them is 403.
    for (what, body) in [
        ("save", json!({})),
        ("promote", json!({"from": "development"})),
        ("promote", json!({"from": "staging"})),
    ] {
        let r = app
            .post(
                &admin,
                &format!("/api/v1/apps/{app_id}/versions/{v1}/{what}"),
                body,
            )
            .await;
        assert_eq!(r.status(), 200, "{what}");
    }
    let r = app
        .post(
            &admin,
            "/api/v1/groups/group-end-user/app-permissions",
            json!({"apps": [app_id], "access": "view", "environments": ["production"]}),
        )
        .await;
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    assert_eq!(app.get(&eve, &url(&v1, &v1)).await.status(), 200);
    assert_error(app.get(&eve, &url(&v1, &v2)).await, 403, "forbidden", None).await;
}

/// The diff page renders the changes on the first response (JavaScript
/// off), and the release confirmation compares with the released version,
/// the promote confirmation with what the next environment holds.
async fn b2_the_diff_page_and_the_confirmations_show_the_changes(b: Backend) {
    let app = spawn_app(b).await;
    let admin = app.admin().await;
    let (app_id, v1) = new_app(&app, &admin, "Orders").await;
    let step = |vid: String, what: &'static str, body: Value| {
        let (app, admin, app_id) = (&app, &admin, &app_id);
        async move {
            let r = act(app, admin, app_id, &vid, what, body).await;
            assert_eq!(r.status(), 200, "{what}: {}", r.text().await.unwrap());
        }
    };
    let page = |path: String| {
        let (app, admin) = (&app, &admin);
        async move {
            let r = app.page(admin, &path).await;
            assert_eq!(r.status(), 200, "{path}");
            r.text().await.unwrap()
        }
    };
    let v2 = version_from(&app, &admin, &app_id, &v1, "v2").await;
    let r = app
        .put(
            &admin,
            &format!("/api/v1/apps/{app_id}/versions/{v2}/definition"),
            json!({"definition": {"pages": [{"name": "home", "title": "<b>Stock</b>", "components": []}], "queries": []}, "revision": 1}),
        )
        .await;
    assert_eq!(r.status(), 200);

    let html = page(format!("/build/{app_id}/diff?a={v1}&b={v2}")).await;
    assert!(html.contains(r#"data-path="pages.home.title""#), "{html}");
    assert!(html.contains(r#"data-kind="changed""#));
    assert!(
        html.contains("&lt;b&gt;Stock&lt;/b&gt;"),
        "the new title, escaped"
    );
    assert!(!html.contains("<b>Stock</b>"));
    let same = page(format!("/build/{app_id}/diff?a={v2}&b={v2}")).await;
    assert!(same.contains("No differences."));

    // v1 released; v2 promoted to production: its release confirmation
    // compares it with v1, the released version.
    for vid in [v1.clone(), v2.clone()] {
        step(vid.clone(), "save", json!({})).await;
        if vid == v2 {
            // Staging holds nothing (v1 went on to production).
            let html = page(format!("/build/{app_id}/versions/{v2}/promote")).await;
            assert!(
                html.contains("Nothing to compare with: staging holds no other version."),
                "{html}"
            );
        }
        step(vid.clone(), "promote", json!({"from": "development"})).await;
        if vid == v2 {
            // In staging, its promote compares with v1, which production holds.
            let html = page(format!("/build/{app_id}/versions/{v2}/promote")).await;
            assert!(
                html.contains("Changes against v1 (the newest version in production)"),
                "{html}"
            );
            assert!(html.contains(r#"data-path="pages.home.title""#));
        }
        step(vid.clone(), "promote", json!({"from": "staging"})).await;
        if vid == v1 {
            let html = page(format!("/build/{app_id}/versions/{v1}/release")).await;
            assert!(html.contains("no other version is released"), "{html}");
            step(vid.clone(), "release", json!({})).await;
        }
    }
    let html = page(format!("/build/{app_id}/versions/{v2}/release")).await;
    assert!(
        html.contains("Changes against v1 (the released version)"),
        "{html}"
    );
    assert!(html.contains(r#"data-path="pages.home.title""#));
}
