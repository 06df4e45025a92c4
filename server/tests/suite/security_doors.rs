//! The doors agree (SPEC P7, R7): running a query by name is the Query
//! Panel's right, edit access where it runs, checked before the version
//! and the query named; a preview or a released app runs only what the
//! app's own buttons and forms run. The attacks: a viewer (or an end user
//! who only opens released apps) probing which versions and queries exist,
//! and running a query the builder kept out of every page.
use crate::both_backends;
use crate::http_data_sources::{app_with, create, save_and_promote, sqlite_file};
use crate::support::*;
use serde_json::{json, Value};

both_backends!(
    p7_a_viewer_learns_nothing_from_the_run_route,
    r7_pages_run_only_what_their_components_run,
    p9_the_navigation_offers_data_sources_exactly_when_the_server_lists_them,
);

/// P9: the top bar's *Data sources* and *Constants* links follow the rule
/// the server lists them by (edit access to some app), never the role: a
/// builder with no app to edit is offered no link that ends in a 403.
async fn p9_the_navigation_offers_data_sources_exactly_when_the_server_lists_them(b: Backend) {
    let app = spawn_app(b).await;
    let admin = app.admin().await;
    let (_, builder) = app.user(&admin, "bea@example.com", "builder").await;
    let (_, eve) = app.user(&admin, "eve@example.com", "end-user").await;
    let offered = |c: reqwest::Client| {
        let app = &app;
        async move {
            let html = app.page(&c, "/").await.text().await.unwrap();
            let links = (
                html.contains(r#"href="/data-sources""#),
                html.contains(r#"href="/constants""#),
            );
            let listed = [
                app.get(&c, "/api/v1/data-sources").await.status().as_u16(),
                app.get(&c, "/api/v1/constants").await.status().as_u16(),
            ];
            (links, listed)
        }
    };
    assert_eq!(
        offered(builder.clone()).await,
        ((false, false), [403, 403]),
        "no app yet"
    );
    assert_eq!(offered(eve.clone()).await, ((false, false), [403, 403]));
    assert_eq!(offered(admin.clone()).await, ((true, true), [200, 200]));
    let r = app
        .post(&builder, "/api/v1/apps", json!({"name": "Mine"}))
        .await;
    assert_eq!(r.status(), 201);
    assert_eq!(
        offered(builder).await,
        ((true, true), [200, 200]),
        "edits an app now"
    );
}

/// An app with a button's query `orders` and `wipe`, which no component
/// runs, on a SQLite file per environment.
async fn app_with_hidden_query(app: &TestApp, admin: &reqwest::Client) -> (String, String) {
    for env in ["development", "staging", "production"] {
        sqlite_file(app, &format!("{env}.db"), &[&format!("row of {env}")]);
    }
    create(app, admin, json!({"name": "Shop", "kind": "sqlite", "environments": {
        "development": {"file": "development.db"}, "staging": {"file": "staging.db"}, "production": {"file": "production.db"}}}))
    .await;
    let def = json!({"pages": [{"name": "home", "components": [
            {"id": "grid", "type": "table", "query": "orders"},
            {"id": "find", "type": "button", "label": "Find", "query": "orders"}]}],
        "queries": [
            {"name": "orders", "data_source": "Shop", "run_on_load": true, "sql": "SELECT customer FROM orders"},
            {"name": "wipe", "data_source": "Shop", "sql": "DELETE FROM orders"}]});
    app_with(app, admin, "Shop app", def).await
}

async fn viewer(app: &TestApp, admin: &reqwest::Client) -> reqwest::Client {
    let (id, viewer) = app.user(admin, "viewer@example.com", "end-user").await;
    let group: Value = app
        .post(admin, "/api/v1/groups", json!({"name": "Viewers"}))
        .await
        .json()
        .await
        .unwrap();
    let group = group["id"].as_str().unwrap();
    let r = app
        .post(
            admin,
            &format!("/api/v1/groups/{group}/app-permissions"),
            json!({"apps": "all", "access": "view"}),
        )
        .await;
    assert_eq!(r.status(), 201);
    let r = admin
        .put(app.url(&format!("/api/v1/groups/{group}/members/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    viewer
}

async fn p7_a_viewer_learns_nothing_from_the_run_route(b: Backend) {
    let app = spawn_app(b).await;
    let admin = app.admin().await;
    let ids = app_with_hidden_query(&app, &admin).await;
    let viewer = viewer(&app, &admin).await;
    let (_, end_user) = app.user(&admin, "eve@example.com", "end-user").await;
    let answer = |c: &reqwest::Client, version: &str, query: &str, env: &str| {
        let url = app.url(&format!(
            "/api/v1/apps/{}/versions/{version}/queries/{query}/run?environment={env}",
            ids.0
        ));
        let c = c.clone();
        async move {
            let r = c
                .post(url)
                .json(&json!({"inputs": {}}))
                .send()
                .await
                .unwrap();
            (r.status().as_u16(), r.text().await.unwrap())
        }
    };
    for env in ["development", "production"] {
        let real = answer(&viewer, &ids.1, "orders", env).await;
        assert_eq!(real.0, 403, "{real:?}");
        for (version, query) in [
            (ids.1.as_str(), "nope"),
            ("no-such-version", "orders"),
            ("no-such-version", "nope"),
        ] {
            assert_eq!(
                answer(&viewer, version, query, env).await,
                real,
                "{version} {query} in {env}"
            );
        }
    }
    // An end user, who opens released apps only, gets one answer too.
    let real = answer(&end_user, &ids.1, "orders", "development").await;
    assert!(matches!(real.0, 403 | 404), "{real:?}");
    for (version, query) in [(ids.1.as_str(), "nope"), ("no-such-version", "orders")] {
        assert_eq!(answer(&end_user, version, query, "development").await, real);
    }
    // The admin, who may edit there, is told what is missing.
    assert_eq!(answer(&admin, &ids.1, "nope", "development").await.0, 404);
    assert_eq!(answer(&admin, &ids.1, "orders", "development").await.0, 200);
}

async fn r7_pages_run_only_what_their_components_run(b: Backend) {
    let app = spawn_app(b).await;
    let admin = app.admin().await;
    let ids = app_with_hidden_query(&app, &admin).await;
    let viewer = viewer(&app, &admin).await;
    // The preview's post, as the viewer's browser would send a button.
    let preview = app.url("/apps/shop-app/preview?env=development&version=v1");
    let r = viewer
        .post(&preview)
        .form(&[("run", "wipe")])
        .send()
        .await
        .unwrap();
    let html = r.text().await.unwrap();
    assert!(html.contains("no button or form that runs wipe"), "{html}");
    let r = viewer
        .post(&preview)
        .form(&[("run", "orders")])
        .send()
        .await
        .unwrap();
    let html = r.text().await.unwrap();
    assert!(
        html.contains("row of development"),
        "the rows are still there: {html}"
    );
    // Released: the page's post and the API's door alike.
    for from in ["development", "staging"] {
        save_and_promote(&app, &admin, &ids, from).await;
    }
    let r = app
        .post(
            &admin,
            &format!("/api/v1/apps/{}/versions/{}/release", ids.0, ids.1),
            json!({}),
        )
        .await;
    assert_eq!(r.status(), 200);
    let (_, end_user) = app.user(&admin, "eve@example.com", "end-user").await;
    let r = end_user
        .post(app.url("/apps/shop-app"))
        .form(&[("run", "wipe")])
        .send()
        .await
        .unwrap();
    let html = r.text().await.unwrap();
    assert!(html.contains("no button or form that runs wipe"), "{html}");
    assert!(html.contains("row of production"), "{html}");
    let run = |q: &'static str| {
        let end_user = end_user.clone();
        let url = app.url(&format!("/api/v1/released/shop-app/queries/{q}/run"));
        async move {
            end_user
                .post(url)
                .json(&json!({"inputs": {}}))
                .send()
                .await
                .unwrap()
        }
    };
    let hidden = run("wipe").await;
    let hidden = (
        hidden.status().as_u16(),
        hidden.text().await.unwrap().replace("wipe", "X"),
    );
    let unknown = run("nope").await;
    let unknown = (
        unknown.status().as_u16(),
        unknown.text().await.unwrap().replace("nope", "X"),
    );
    assert_eq!(hidden.0, 404);
    assert_eq!(
        hidden, unknown,
        "a hidden query answers as one that does not exist"
    );
    assert_eq!(run("orders").await.status(), 200);
    // Nothing was wiped anywhere.
    let r = app
        .post(
            &admin,
            &format!(
                "/api/v1/apps/{}/versions/{}/queries/orders/run?environment=production",
                ids.0, ids.1
            ),
            json!({"inputs": {}}),
        )
        .await;
    let rows: Value = r.json().await.unwrap();
    assert_eq!(rows["rows"], json!([["row of production"]]), "{rows}");
}
