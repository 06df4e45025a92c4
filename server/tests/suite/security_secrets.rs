//! SPEC C3 and D8: a secret reaches only the host its data source names.
//! The attacks of a builder with `manage_data_sources` or a draft to edit:
//! put `{{secrets.X}}` in SQL (the result carries it back), in a host or a
//! base URL (it goes to a host of theirs), or point a data source whose
//! password is kept at a new host and press Test connection.
use crate::both_backends;
use crate::http_data_sources::{app_with, constant, create, sqlite_file};
use crate::support::*;
use serde_json::{json, Value};

both_backends!(
    c3_data_source_options_hold_secrets_only_in_secret_fields,
    c3_definitions_hold_secrets_only_in_rest_query_headers,
    c3_a_stored_definition_from_before_the_rule_never_resolves,
    d8_a_kept_secret_never_follows_a_changed_target,
    d8_the_page_form_refuses_it_too,
    d8_a_changed_constant_never_moves_a_kept_secret,
);

const SECRET: &str = "the-Secret-c3";

/// The data source `id` as `GET /data-sources` lists it.
async fn listed(app: &TestApp, c: &reqwest::Client, id: &str) -> Value {
    let all: Vec<Value> = app
        .get(c, "/api/v1/data-sources")
        .await
        .json()
        .await
        .unwrap();
    all.into_iter().find(|d| d["id"] == id).expect("listed")
}

async fn with_secret(app: &TestApp, admin: &reqwest::Client) {
    constant(
        app,
        admin,
        "KEY",
        "secret",
        json!({"development": SECRET, "staging": SECRET, "production": SECRET}),
    )
    .await;
}

async fn c3_data_source_options_hold_secrets_only_in_secret_fields(b: Backend) {
    let app = spawn_app(b).await;
    let admin = app.admin().await;
    with_secret(&app, &admin).await;
    let pg = json!({"host": "127.0.0.1", "port": 5432, "database": "orders", "username": "app", "ssl_mode": "disable"});
    let rest = json!({"base_url": "http://127.0.0.1:9/api", "headers": [{"name": "X-Plain", "value": "1", "secret": false}]});
    let with = |base: &Value, field: &str, value: Value| {
        let mut o = base.clone();
        o[field] = value;
        o
    };
    let refused = [
        (
            "postgresql",
            with(&pg, "host", json!("{{secrets.KEY}}.example")),
            "options.host",
        ),
        (
            "postgresql",
            with(&pg, "database", json!("{{secrets.KEY}}")),
            "options.database",
        ),
        (
            "postgresql",
            with(&pg, "username", json!("u{{secrets.KEY}}")),
            "options.username",
        ),
        (
            "rest_api",
            with(
                &rest,
                "base_url",
                json!("http://127.0.0.1:9/{{secrets.KEY}}"),
            ),
            "options.base_url",
        ),
        (
            "rest_api",
            with(
                &rest,
                "headers",
                json!([{"name": "X-Plain", "value": "{{secrets.KEY}}", "secret": false}]),
            ),
            "options.headers[0].value",
        ),
        (
            "sqlite",
            json!({"file": "{{secrets.KEY}}.db"}),
            "options.file",
        ),
    ];
    for (i, (kind, options, field)) in refused.into_iter().enumerate() {
        let body = json!({"name": format!("Refused {i}"), "kind": kind, "environments": {"staging": options.clone()}});
        let r = app.post(&admin, "/api/v1/data-sources", body).await;
        let v = assert_error(
            r,
            422,
            "invalid",
            Some(&format!("environments.staging.{field}")),
        )
        .await;
        assert!(v.to_string().contains("secret"), "{v}");
        // The same on a data source that exists: nothing changes.
        let made = create(
            &app,
            &admin,
            json!({"name": format!("Kept {i}"), "kind": kind}),
        )
        .await;
        let id = made["id"].as_str().unwrap();
        let r = app
            .put(
                &admin,
                &format!("/api/v1/data-sources/{id}/environments/staging"),
                json!({"options": options}),
            )
            .await;
        assert_error(r, 422, "invalid", Some(field)).await;
        let now = listed(&app, &admin, id).await;
        assert_eq!(
            now["environments"]["staging"], made["environments"]["staging"],
            "{now}"
        );
    }
    assert_eq!(
        app.count("data_sources").await,
        6,
        "the refused creates made nothing"
    );
    // The secret fields take secrets.
    let allowed = [
        (
            "postgresql",
            with(&pg, "password", json!("{{secrets.KEY}}")),
        ),
        (
            "rest_api",
            with(&rest, "bearer_token", json!("{{secrets.KEY}}")),
        ),
        (
            "rest_api",
            with(
                &rest,
                "headers",
                json!([{"name": "X-Key", "value": "{{secrets.KEY}}", "secret": true}]),
            ),
        ),
    ];
    for (i, (kind, options)) in allowed.into_iter().enumerate() {
        create(&app, &admin, json!({"name": format!("Allowed {i}"), "kind": kind, "environments": {"staging": options}})).await;
    }
}

async fn c3_definitions_hold_secrets_only_in_rest_query_headers(b: Backend) {
    let app = spawn_app(b).await;
    let admin = app.admin().await;
    with_secret(&app, &admin).await;
    sqlite_file(&app, "dev.db", &["a"]);
    create(&app, &admin, json!({"name": "Local", "kind": "sqlite", "environments": {"development": {"file": "dev.db"}}})).await;
    create(&app, &admin, json!({"name": "Api", "kind": "rest_api", "environments": {"development": {"base_url": "http://127.0.0.1:9"}}})).await;
    let (app_id, vid) = app_with(&app, &admin, "Secrets", json!({})).await;
    let rest = |r: Value| json!({"queries": [{"name": "q", "data_source": "Api", "rest": r}]});
    let cases = [
        (
            json!({"queries": [{"name": "q", "data_source": "Local", "sql": "SELECT {{secrets.KEY}} AS s"}]}),
            "definition.queries[0].sql",
        ),
        (
            rest(json!({"method": "GET", "path": "/{{secrets.KEY}}"})),
            "definition.queries[0].rest.path",
        ),
        (
            rest(json!({"method": "GET", "path": "/", "query": {"k": "{{secrets.KEY}}"}})),
            "definition.queries[0].rest.query.k",
        ),
        (
            rest(json!({"method": "POST", "path": "/", "body": {"k": ["{{secrets.KEY}}"]}})),
            "definition.queries[0].rest.body",
        ),
        (
            json!({"pages": [{"name": "home", "components": [{"id": "t", "type": "text", "text": "{{secrets.KEY}}"}]}]}),
            "definition.pages[0].components[0].text",
        ),
    ];
    let path = format!("/api/v1/apps/{app_id}/versions/{vid}/definition");
    let before: Value = app
        .get(&admin, &format!("/api/v1/apps/{app_id}/versions/{vid}"))
        .await
        .json()
        .await
        .unwrap();
    for (definition, field) in cases {
        let r = app
            .put(
                &admin,
                &path,
                json!({"definition": definition, "revision": before["revision"]}),
            )
            .await;
        assert_error(r, 422, "invalid", Some(field)).await;
    }
    let after: Value = app
        .get(&admin, &format!("/api/v1/apps/{app_id}/versions/{vid}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(after["revision"], before["revision"]);
    assert_eq!(after["definition"], before["definition"]);
    // A REST query's header is the one place a definition may hold one.
    let r = app
        .put(
            &admin,
            &path,
            json!({"definition": rest(json!({"method": "GET", "path": "/", "headers": [{"name": "X-Key", "value": "{{secrets.KEY}}"}]})),
                   "revision": before["revision"]}),
        )
        .await;
    assert_eq!(r.status(), 200);
}

async fn c3_a_stored_definition_from_before_the_rule_never_resolves(b: Backend) {
    let app = spawn_app(b).await;
    let admin = app.admin().await;
    with_secret(&app, &admin).await;
    sqlite_file(&app, "dev.db", &["a"]);
    create(&app, &admin, json!({"name": "Local", "kind": "sqlite", "environments": {"development": {"file": "dev.db"}}})).await;
    let ids = app_with(
        &app,
        &admin,
        "Old",
        json!({"queries": [{"name": "q", "data_source": "Local", "sql": "SELECT 1 AS s"}]}),
    )
    .await;
    // As an older release saved it, past today's validation.
    let old = json!({"pages": [], "queries": [{"name": "q", "data_source": "Local", "sql": "SELECT {{secrets.KEY}} AS s"}]});
    sqlx::query("UPDATE versions SET definition = $1 WHERE id = $2")
        .bind(old.to_string())
        .bind(&ids.1)
        .execute(&app.db.pool)
        .await
        .unwrap();
    app.changed_outside().await;
    let r = app
        .post(
            &admin,
            &format!(
                "/api/v1/apps/{}/versions/{}/queries/q/run?environment=development",
                ids.0, ids.1
            ),
            json!({"inputs": {}}),
        )
        .await;
    let status = r.status().as_u16();
    let text = r.text().await.unwrap();
    assert_eq!(status, 422, "{text}");
    assert!(text.contains("is a secret"), "{text}");
    assert!(!text.contains(SECRET), "{text}");
}

async fn d8_a_kept_secret_never_follows_a_changed_target(b: Backend) {
    let app = spawn_app(b).await;
    let admin = app.admin().await;
    let builder = app.user(&admin, "bea@example.com", "builder").await.1;
    let pg = json!({"host": "127.0.0.1", "port": 5432, "database": "orders", "username": "app", "password": SECRET, "ssl_mode": "disable"});
    let rest = json!({"base_url": "http://127.0.0.1:9/api", "bearer_token": SECRET,
        "headers": [{"name": "X-Plain", "value": "1", "secret": false}, {"name": "X-Key", "value": SECRET, "secret": true}]});
    let pg_id = create(
        &app,
        &admin,
        json!({"name": "Pg", "kind": "postgresql", "environments": {"production": pg.clone()}}),
    )
    .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let rest_id = create(
        &app,
        &admin,
        json!({"name": "Rest", "kind": "rest_api", "environments": {"production": rest.clone()}}),
    )
    .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let stored = |id: String| {
        let app = &app;
        async move {
            use sqlx::Row;
            sqlx::query("SELECT options, secrets FROM data_source_options WHERE data_source_id = $1 AND environment = 'production'")
                .bind(id)
                .fetch_one(&app.db.pool)
                .await
                .map(|r| (r.get::<String, _>("options"), r.get::<Option<String>, _>("secrets")))
                .unwrap()
        }
    };
    let put = |id: String, o: Value| {
        let (app, builder) = (&app, &builder);
        async move {
            app.put(
                builder,
                &format!("/api/v1/data-sources/{id}/environments/production"),
                json!({"options": o}),
            )
            .await
        }
    };
    let masked = |mut o: Value, fields: &[&str]| {
        for f in fields {
            o[*f] = json!("********");
        }
        o
    };
    let pg_before = stored(pg_id.clone()).await;
    // The builder's attack: the host (or port, database, user) of theirs,
    // the stored password masked or left out.
    for (field, value) in [
        ("host", json!("127.0.0.2")),
        ("port", json!(5433)),
        ("database", json!("other")),
        ("username", json!("me")),
        ("ssl_mode", json!("require")),
    ] {
        for keep in [json!("********"), Value::Null] {
            let mut o = pg.clone();
            o[field] = value.clone();
            o["password"] = keep.clone();
            let v = assert_error(
                put(pg_id.clone(), o).await,
                422,
                "invalid",
                Some("options.password"),
            )
            .await;
            assert!(v.to_string().contains(field), "{v}");
        }
    }
    assert_eq!(
        stored(pg_id.clone()).await,
        pg_before,
        "a refused save changed nothing"
    );
    // The same target keeps the secret (D3); a new target with it given anew is fine.
    assert_eq!(
        put(pg_id.clone(), masked(pg.clone(), &["password"]))
            .await
            .status(),
        200
    );
    let mut moved = pg.clone();
    moved["host"] = json!("127.0.0.3");
    moved["password"] = json!("a-new-password");
    assert_eq!(put(pg_id.clone(), moved).await.status(), 200);
    // REST: the base URL moved, each kept secret is refused in turn.
    let rest_before = stored(rest_id.clone()).await;
    let mut o = rest.clone();
    o["base_url"] = json!("http://127.0.0.1:10/api");
    o["bearer_token"] = Value::Null;
    o["headers"][1]["value"] = json!("********");
    assert_error(
        put(rest_id.clone(), o.clone()).await,
        422,
        "invalid",
        Some("options.bearer_token"),
    )
    .await;
    o["bearer_token"] = json!("fresh");
    assert_error(
        put(rest_id.clone(), o.clone()).await,
        422,
        "invalid",
        Some("options.headers[1].value"),
    )
    .await;
    assert_eq!(stored(rest_id.clone()).await, rest_before);
    // Only the path of the same host? Still another URL: refused alike.
    let mut o = masked(rest.clone(), &["bearer_token"]);
    o["base_url"] = json!("http://127.0.0.1:9/other");
    o["headers"][1]["value"] = json!("********");
    assert_error(
        put(rest_id.clone(), o).await,
        422,
        "invalid",
        Some("options.bearer_token"),
    )
    .await;
    assert_eq!(stored(rest_id.clone()).await, rest_before);
}

async fn d8_the_page_form_refuses_it_too(b: Backend) {
    let app = spawn_app(b).await;
    let admin = app.admin().await;
    let pg = json!({"host": "127.0.0.1", "port": 5432, "database": "orders", "username": "app", "password": SECRET, "ssl_mode": "disable"});
    let id = create(
        &app,
        &admin,
        json!({"name": "Pg", "kind": "postgresql", "environments": {"production": pg}}),
    )
    .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let post = |host: &'static str| {
        let (app, admin, id) = (&app, &admin, &id);
        async move {
            admin
                .post(app.url("/api/set_data_source_options"))
                .header("accept", "application/json")
                .form(&[
                    ("id", id.as_str()),
                    ("environment", "production"),
                    ("kind", "postgresql"),
                    ("host", host),
                    ("port", "5432"),
                    ("database", "orders"),
                    ("username", "app"),
                    ("password", ""),
                    ("ssl_mode", "disable"),
                ])
                .send()
                .await
                .unwrap()
        }
    };
    let r = post("127.0.0.9").await;
    let status = r.status().as_u16();
    let text = r.text().await.unwrap();
    assert_eq!(status, 422, "{text}");
    assert!(text.contains("options.password"), "{text}");
    let now = listed(&app, &admin, &id).await;
    assert_eq!(
        now["environments"]["production"]["options"]["host"],
        "127.0.0.1"
    );
    // The same host, the password left empty: kept.
    assert!(post("127.0.0.1").await.status().is_success());
}

/// A loopback listener that counts the connections it accepts: the host
/// of the builder's own in this attack.
async fn counting_listener() -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let count = std::sync::Arc::new(AtomicUsize::new(0));
    let seen = count.clone();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            seen.fetch_add(1, Ordering::SeqCst);
            drop(socket);
        }
    });
    (url, count)
}

/// D8 through a constant: the data source's base URL is
/// `{{constants.API}}`, its bearer token kept. Whoever may change
/// constants points API at a host of theirs; neither Test connection, nor a
/// query run, nor a save with the token masked sends it there.
async fn d8_a_changed_constant_never_moves_a_kept_secret(b: Backend) {
    use std::sync::atomic::Ordering;
    let app = spawn_app(b).await;
    let admin = app.admin().await;
    let builder = app.user(&admin, "bea@example.com", "builder").await.1;
    let (honest, _) = counting_listener().await;
    let (theirs, reached) = counting_listener().await;
    let r = app
        .post(
            &admin,
            "/api/v1/constants",
            json!({"name": "API", "type": "global", "values": {"development": honest}}),
        )
        .await;
    assert_eq!(r.status(), 201);
    let constant_id = r.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let options = json!({"base_url": "{{constants.API}}", "bearer_token": SECRET, "headers": []});
    let id = create(
        &app,
        &admin,
        json!({"name": "Rest", "kind": "rest_api", "environments": {"development": options.clone()}}),
    )
    .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let test = || {
        let (app, builder, id) = (&app, &builder, &id);
        async move {
            let r = app
                .post(
                    builder,
                    &format!("/api/v1/data-sources/{id}/environments/development/test"),
                    json!({}),
                )
                .await;
            assert_eq!(r.status(), 200);
            r.json::<Value>().await.unwrap()
        }
    };
    // The builder (manage_constants by default) moves the constant.
    let r = app
        .put(
            &builder,
            &format!("/api/v1/constants/{constant_id}/values/development"),
            json!({"value": theirs}),
        )
        .await;
    assert_eq!(r.status(), 200);
    let tried = test().await;
    assert_eq!(tried["ok"], false, "{tried}");
    assert!(
        tried["message"]
            .as_str()
            .unwrap()
            .contains("save its options again"),
        "{tried}"
    );
    // A query of a draft in development runs through the same connection.
    let ids = crate::http_data_sources::app_with(
        &app,
        &builder,
        "Moved",
        json!({"queries": [{"name": "q", "data_source": "Rest", "rest": {"method": "GET", "path": "/x"}}]}),
    )
    .await;
    let run = app
        .post(
            &builder,
            &format!(
                "/api/v1/apps/{}/versions/{}/queries/q/run?environment=development",
                ids.0, ids.1
            ),
            json!({"inputs": {}}),
        )
        .await;
    let body = assert_error(run, 422, "invalid", Some("options")).await;
    assert!(
        body.to_string().contains("save its options again"),
        "{body}"
    );
    // Saving the options again with the token masked is the D8 refusal.
    let mut masked = options.clone();
    masked["bearer_token"] = json!("********");
    let v = assert_error(
        app.put(
            &builder,
            &format!("/api/v1/data-sources/{id}/environments/development"),
            json!({"options": masked}),
        )
        .await,
        422,
        "invalid",
        Some("options.bearer_token"),
    )
    .await;
    assert!(v.to_string().contains("constant"), "{v}");
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert_eq!(
        reached.load(Ordering::SeqCst),
        0,
        "nothing reached their host"
    );
    // Entered again, the token goes where the options now lead.
    let mut fresh = options.clone();
    fresh["bearer_token"] = json!("a-new-token");
    assert_eq!(
        app.put(
            &builder,
            &format!("/api/v1/data-sources/{id}/environments/development"),
            json!({"options": fresh}),
        )
        .await
        .status(),
        200
    );
    test().await;
    assert!(
        reached.load(Ordering::SeqCst) >= 1,
        "the new target is used"
    );

    // A data source that keeps no secret of its own, whose query sends a
    // secret constant in a header (C3 allows it: to its own host only).
    let (honest, _) = counting_listener().await;
    let (theirs, reached) = counting_listener().await;
    let r = app
        .post(
            &admin,
            "/api/v1/constants",
            json!({"name": "PLAIN", "type": "global", "values": {"development": honest}}),
        )
        .await;
    let plain_id = r.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    constant(
        &app,
        &admin,
        "TOKEN",
        "secret",
        json!({"development": SECRET}),
    )
    .await;
    create(
        &app,
        &admin,
        json!({"name": "Plain", "kind": "rest_api", "environments": {"development": {"base_url": "{{constants.PLAIN}}", "headers": []}}}),
    )
    .await;
    let ids = crate::http_data_sources::app_with(
        &app,
        &builder,
        "Header",
        json!({"queries": [{"name": "q", "data_source": "Plain", "rest": {"method": "GET", "path": "/x",
            "headers": [{"name": "X-Token", "value": "{{secrets.TOKEN}}"}]}}]}),
    )
    .await;
    let r = app
        .put(
            &builder,
            &format!("/api/v1/constants/{plain_id}/values/development"),
            json!({"value": theirs}),
        )
        .await;
    assert_eq!(r.status(), 200);
    let run = app
        .post(
            &builder,
            &format!(
                "/api/v1/apps/{}/versions/{}/queries/q/run?environment=development",
                ids.0, ids.1
            ),
            json!({"inputs": {}}),
        )
        .await;
    let body = assert_error(run, 422, "invalid", Some("options")).await;
    assert!(
        body.to_string().contains("save its options again"),
        "{body}"
    );
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert_eq!(
        reached.load(Ordering::SeqCst),
        0,
        "the secret header went nowhere"
    );
}
