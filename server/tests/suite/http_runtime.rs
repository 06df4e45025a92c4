//! Apps that run (SPEC R2, R4–R7), on both databases: the same app
//! previewed in development and staging and opened released, each page
//! server-rendered with its environment's rows and constants; escaping;
//! forms that write; who may open what; the demo.
use crate::both_backends;
use crate::http_data_sources::{app_with, constant, create, save_and_promote, sqlite_file};
use crate::support::*;
use serde_json::{json, Value};

both_backends!(
    r5_r7_each_environment_renders_its_own_rows_and_constants,
    r2_text_is_escaped_and_forms_write_with_bound_inputs,
    r6_p10_who_opens_released_apps_and_previews,
    demo_makes_the_lifecycle_visible,
);

const SCRIPT: &str = "<script>alert('x')</script>";

/// An app reading `orders` with a constant in its heading, whose version
/// is in production and released; files per environment with their rows.
async fn released_app(app: &TestApp, admin: &reqwest::Client) -> (String, String) {
    for env in ["development", "staging", "production"] {
        let mut rows = vec![format!("row of {env}")];
        if env == "production" {
            rows.push(SCRIPT.to_string());
        }
        let rows: Vec<&str> = rows.iter().map(String::as_str).collect();
        sqlite_file(app, &format!("{env}.db"), &rows);
    }
    create(app, admin, json!({"name": "Shop", "kind": "sqlite", "environments": {
        "development": {"file": "development.db"}, "staging": {"file": "staging.db"}, "production": {"file": "production.db"}}})).await;
    constant(
        app,
        admin,
        "TOKEN",
        "secret",
        json!({"development": "inspector-Secret", "production": "inspector-Secret"}),
    )
    .await;
    constant(app, admin, "REGION", "global", json!({"development": "dev-land", "staging": "test-land", "production": "<b>prod-land</b>"})).await;
    let def = json!({"pages": [{"name": "home", "title": "Orders of {{constants.REGION}}", "components": [
        {"id": "title", "type": "heading", "text": "Region {{constants.REGION}}"},
        {"id": "first", "type": "text", "text": "First: {{queries.orders.rows[0].customer}}"},
        {"id": "who", "type": "input", "name": "who", "label": "Customer"},
        {"id": "find", "type": "button", "label": "Find", "query": "orders"},
        {"id": "grid", "type": "table", "query": "orders"},
        {"id": "add", "type": "form", "query": "add", "submit_label": "Add", "inputs": [{"name": "customer", "label": "New customer"}]}]}],
      "queries": [
        {"name": "orders", "data_source": "Shop", "run_on_load": true,
         "sql": "SELECT customer FROM orders WHERE {{inputs.who}} IS NULL OR customer = {{inputs.who}} ORDER BY id"},
        {"name": "add", "data_source": "Shop", "sql": "INSERT INTO orders (customer, qty) VALUES ({{inputs.customer}}, 1)"}]});
    let ids = app_with(app, admin, "Shop app", def).await;
    (ids.0, ids.1)
}

/// Takes the version from development to a release.
async fn release(app: &TestApp, admin: &reqwest::Client, ids: &(String, String)) {
    for from in ["development", "staging"] {
        save_and_promote(app, admin, ids, from).await;
    }
    let path = format!("/api/v1/apps/{}/versions/{}/release", ids.0, ids.1);
    assert_eq!(app.post(admin, &path, json!({})).await.status(), 200);
}

async fn page(app: &TestApp, c: &reqwest::Client, path: &str) -> (u16, String) {
    let r = app.page(c, path).await;
    (r.status().as_u16(), r.text().await.unwrap())
}

async fn r5_r7_each_environment_renders_its_own_rows_and_constants(b: Backend) {
    let app = spawn_app(b).await;
    let admin = app.admin().await;
    let ids = released_app(&app, &admin).await;
    let slug = "shop-app";
    // Never released: a 404 page saying so.
    let (status, html) = page(&app, &admin, &format!("/apps/{slug}")).await;
    assert_eq!(status, 404);
    assert!(html.contains("not been released yet"), "{html}");
    // Preview in development: development's rows and constant.
    let (status, html) = page(
        &app,
        &admin,
        &format!("/apps/{slug}/preview?env=development&version=v1"),
    )
    .await;
    assert_eq!(status, 200, "{html}");
    assert!(
        html.contains("row of development") && html.contains("Region dev-land"),
        "{html}"
    );
    assert!(html.contains("Preview of") && html.contains("First: row of development"));
    assert!(!html.contains("row of staging"));
    // The inspector beside it (edit access): inputs, queries, constants,
    // never a secret.
    assert!(html.contains("data-testid=\"inspector\""), "{html}");
    assert!(
        html.contains("data-inspect-query=\"orders\"") && html.contains("1 rows"),
        "{html}"
    );
    assert!(html.contains("<th>REGION</th><td>dev-land</td>"), "{html}");
    assert!(!html.contains("inspector-Secret"), "{html}");
    // Not in staging yet: 409.
    let (status, _) = page(
        &app,
        &admin,
        &format!("/apps/{slug}/preview?env=staging&version=v1"),
    )
    .await;
    assert_eq!(status, 409);
    save_and_promote(&app, &admin, &ids, "development").await;
    let (_, html) = page(
        &app,
        &admin,
        &format!("/apps/{slug}/preview?env=staging&version=v1"),
    )
    .await;
    assert!(
        html.contains("row of staging") && html.contains("Region test-land"),
        "{html}"
    );
    assert!(!html.contains("row of development"));
    save_and_promote(&app, &admin, &ids, "staging").await;
    let r = app
        .post(
            &admin,
            &format!("/api/v1/apps/{}/versions/{}/release", ids.0, ids.1),
            json!({}),
        )
        .await;
    assert_eq!(r.status(), 200);
    // Released: production's rows, no builder chrome, the app's title.
    let (status, html) = page(&app, &admin, &format!("/apps/{slug}")).await;
    assert_eq!(status, 200);
    assert!(html.contains("row of production"), "{html}");
    assert!(
        html.contains("<title>Orders of &lt;b&gt;prod-land&lt;/b&gt; · Stagecraft</title>")
            || html.contains("Orders of &lt;b&gt;prod-land&lt;/b&gt;"),
        "{html}"
    );
    assert!(
        !html.contains("Preview of") && !html.contains("class=\"topbar\""),
        "{html}"
    );
    // A query error is the table's, not the page's (R4).
    sqlx::query("UPDATE data_source_options SET options = '{\"file\": \"gone.db\"}' WHERE environment = 'production'")
        .execute(&app.db.pool)
        .await
        .unwrap();
    app.changed_outside().await;
    let (status, html) = page(&app, &admin, &format!("/apps/{slug}")).await;
    assert_eq!(status, 200);
    assert!(
        html.contains("Region") && html.contains("orders: "),
        "{html}"
    );
}

async fn r2_text_is_escaped_and_forms_write_with_bound_inputs(b: Backend) {
    let app = spawn_app(b).await;
    let admin = app.admin().await;
    let ids = released_app(&app, &admin).await;
    release(&app, &admin, &ids).await;
    let (_, html) = page(&app, &admin, "/apps/shop-app").await;
    assert!(
        !html.contains(SCRIPT) && !html.contains("<b>prod-land"),
        "unescaped: {html}"
    );
    assert!(html.contains("&lt;script&gt;"), "{html}");
    // A form post writes through a bound parameter and the table reads it.
    let post = |form: &'static str| {
        admin
            .post(app.url("/apps/shop-app?page=home"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form)
            .send()
    };
    let r =
        post("run=add&input.customer=%3Cscript%3Ex%3C%2Fscript%3E%27%29%3B+DROP+TABLE+orders%3B--")
            .await
            .unwrap();
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(html.contains("Done."), "{html}");
    assert!(
        html.contains("&lt;script&gt;x&lt;/script&gt;&#39;); DROP TABLE orders;--"),
        "{html}"
    );
    // The button runs the search with the page's input, which it keeps.
    let r = post("run=orders&input.who=row+of+production")
        .await
        .unwrap();
    let html = r.text().await.unwrap();
    assert!(html.contains("value=\"row of production\""), "{html}");
    assert!(
        html.contains("row of production") && !html.contains("DROP TABLE"),
        "{html}"
    );
    // An input that is no input of the app is ignored; a failing query is its own message.
    let r = post("run=nope&input.other=1").await.unwrap();
    assert_eq!(r.status(), 200);
    // A page runs only what its buttons and forms run (R7).
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("no button or form that runs nope"));
}

async fn r6_p10_who_opens_released_apps_and_previews(b: Backend) {
    let app = spawn_app(b).await;
    let admin = app.admin().await;
    let ids = released_app(&app, &admin).await;
    let (_, end_user) = app.user(&admin, "eve@example.com", "end-user").await;
    let nobody = client();
    // Not released: the end user gets 404, not the app.
    let (status, _) = page(&app, &end_user, "/apps/shop-app").await;
    assert_eq!(status, 404);
    let r = end_user
        .post(app.url("/api/v1/released/shop-app/queries/orders/run"))
        .json(&json!({"inputs": {}}))
        .send()
        .await
        .unwrap();
    assert_error(r, 404, "not_found", None).await;
    release(&app, &admin, &ids).await;
    // Released: the end user opens it (the default view on `released`) and
    // sees production's rows; the start page lists it.
    let (status, html) = page(&app, &end_user, "/apps/shop-app").await;
    assert_eq!((status, html.contains("row of production")), (200, true));
    let (_, home) = page(&app, &end_user, "/").await;
    assert!(home.contains("href=\"/apps/shop-app\""), "{home}");
    // The API's door to the same queries (API.md "Running queries").
    let run = |c: &reqwest::Client, q: &str| {
        c.post(app.url(&format!("/api/v1/released/shop-app/queries/{q}/run")))
            .json(&json!({"inputs": {}}))
            .send()
    };
    let r = run(&end_user, "orders").await.unwrap();
    assert_eq!(r.status(), 200);
    let rows: Value = r.json().await.unwrap();
    assert_eq!(rows["rows"][0], json!(["row of production"]));
    assert_eq!(run(&end_user, "nope").await.unwrap().status(), 404);
    assert_eq!(run(&nobody, "orders").await.unwrap().status(), 401);
    // No preview of staging unless granted (P10 example 5).
    let (status, _) = page(
        &app,
        &end_user,
        "/apps/shop-app/preview?env=staging&version=v1",
    )
    .await;
    assert_eq!(status, 403);
    // Signed out: sent to sign in; public: opens, its preview does not.
    let r = app.page(&nobody, "/apps/shop-app").await;
    assert_eq!(r.status(), 302);
    assert_eq!(r.headers()["location"], "/login");
    // With a trailing slash: the same address, kept with its query.
    let r = app.page(&nobody, "/apps/shop-app/?page=home").await;
    assert_eq!(r.status(), 308);
    assert_eq!(r.headers()["location"], "/apps/shop-app?page=home");
    let r = app
        .patch(
            &admin,
            &format!("/api/v1/apps/{}", ids.0),
            json!({"public": true}),
        )
        .await;
    assert_eq!(r.status(), 200);
    let r = app.page(&nobody, "/apps/shop-app").await;
    assert_eq!(r.status(), 200);
    assert_eq!(run(&nobody, "orders").await.unwrap().status(), 200);
    assert!(r.text().await.unwrap().contains("row of production"));
    let r = app
        .page(&nobody, "/apps/shop-app/preview?env=production&version=v1")
        .await;
    assert_eq!(r.status(), 302);
    let r = nobody.get(app.url("/api/v1/apps")).send().await.unwrap();
    assert_eq!(r.status(), 401);
    // A signed-out form post on a public app works too (R6).
    let r = nobody
        .post(app.url("/apps/shop-app?page=home"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("run=add&input.customer=walk-in")
        .send()
        .await
        .unwrap();
    assert!(r.text().await.unwrap().contains("walk-in"));
    // An unknown app is 404 alike.
    let (status, _) = page(&app, &end_user, "/apps/no-such-app").await;
    assert_eq!(status, 404);
}

async fn demo_makes_the_lifecycle_visible(b: Backend) {
    let app = spawn_app(b).await;
    let admin = app.admin().await;
    let call = |c: &reqwest::Client| {
        c.post(app.url("/api/create_demo"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body("")
            .send()
    };
    let (_, builder) = app.user(&admin, "bob@example.com", "builder").await;
    assert_eq!(call(&builder).await.unwrap().status(), 403);
    let r = call(&admin).await.unwrap();
    assert!(
        r.status().is_success() || r.status().is_redirection(),
        "{}",
        r.status()
    );
    assert_eq!(call(&admin).await.unwrap().status(), 409);
    let (status, html) = page(&app, &admin, "/apps/demo-shop").await;
    assert_eq!(status, 200, "{html}");
    assert!(
        html.contains("Acme Ltd") && html.contains("Orders in production"),
        "{html}"
    );
    let versions: Value = app
        .get(&admin, "/api/v1/apps")
        .await
        .json::<Value>()
        .await
        .unwrap();
    let demo = &versions.as_array().unwrap()[0];
    let id = demo["id"].as_str().unwrap();
    let listed: Value = app
        .get(&admin, &format!("/api/v1/apps/{id}/versions"))
        .await
        .json()
        .await
        .unwrap();
    let mut envs: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["environment"].as_str().unwrap())
        .collect();
    envs.sort();
    assert_eq!(envs, ["development", "production", "staging"]);
    let (_, html) = page(
        &app,
        &admin,
        "/apps/demo-shop/preview?env=staging&version=v2",
    )
    .await;
    assert!(
        html.contains("Stella Staging") && html.contains("Orders in the staging copy"),
        "{html}"
    );
    assert!(!html.contains("Acme Ltd"));
}
