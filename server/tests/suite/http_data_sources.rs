//! Data sources and queries per environment (SPEC D1–D6, C2–C4, R1–R4;
//! API.md "Data sources", "Running queries", "The definition document"),
//! on both databases. The data sources are real: three PostgreSQL
//! databases, three SQLite files and an HTTP server started here, one per
//! environment, each holding a row that exists only there.
use crate::both_backends;
use crate::support::*;
use serde_json::{json, Value};

both_backends!(
    d1_d2_every_bad_field_is_named_and_changes_nothing,
    d3_secrets_are_masked_kept_and_sealed,
    d5_postgresql_each_environment_reaches_its_own_database,
    d5_sqlite_each_environment_reaches_its_own_file,
    d5_rest_each_environment_reaches_its_own_base_url_with_its_secrets,
    r4_limits_injection_and_missing_values,
    d2_sqlite_files_stay_in_their_folder,
    d6_a_used_data_source_cannot_be_deleted,
    p9_who_lists_and_changes_data_sources,
    r1_r3_every_definition_rule_names_its_path,
    d1_simultaneous_creates_and_a_delete_racing_a_save,
    d3_another_server_with_the_key_reads_secrets_back,
);

const ENVS: [&str; 3] = ["development", "staging", "production"];
const PG_PASSWORD: &str = "pg-Secret-91x";
const TOKEN_PREFIX: &str = "bearer-Secret-";

pub(crate) async fn create(app: &TestApp, c: &reqwest::Client, body: Value) -> Value {
    let r = app.post(c, "/api/v1/data-sources", body).await;
    let status = r.status();
    let v: Value = r.json().await.unwrap();
    assert_eq!(status, 201, "{v}");
    v
}

/// An app whose first version holds `definition`; answers (app id, version id).
pub(crate) async fn app_with(
    app: &TestApp,
    c: &reqwest::Client,
    name: &str,
    definition: Value,
) -> (String, String) {
    let r = app.post(c, "/api/v1/apps", json!({"name": name})).await;
    assert_eq!(r.status(), 201);
    let made: Value = r.json().await.unwrap();
    let app_id = made["id"].as_str().unwrap().to_string();
    let vid = made["first_version"]["id"].as_str().unwrap().to_string();
    let r = app
        .put(
            c,
            &format!("/api/v1/apps/{app_id}/versions/{vid}/definition"),
            json!({"definition": definition, "revision": 1}),
        )
        .await;
    let status = r.status();
    let body: Value = r.json().await.unwrap();
    assert_eq!(status, 200, "{body}");
    (app_id, vid)
}

async fn run(
    app: &TestApp,
    c: &reqwest::Client,
    ids: &(String, String),
    query: &str,
    env: &str,
    inputs: Value,
) -> (u16, Value) {
    let r = app
        .post(
            c,
            &format!(
                "/api/v1/apps/{}/versions/{}/queries/{query}/run?environment={env}",
                ids.0, ids.1
            ),
            json!({"inputs": inputs}),
        )
        .await;
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// Saves the version, then promotes it one step.
pub(crate) async fn save_and_promote(
    app: &TestApp,
    c: &reqwest::Client,
    ids: &(String, String),
    from: &str,
) {
    let base = format!("/api/v1/apps/{}/versions/{}", ids.0, ids.1);
    if from == "development" {
        assert_eq!(
            app.post(c, &format!("{base}/save"), json!({}))
                .await
                .status(),
            200
        );
    }
    let r = app
        .post(c, &format!("{base}/promote"), json!({"from": from}))
        .await;
    assert_eq!(r.status(), 200);
}

async fn test_connection(app: &TestApp, c: &reqwest::Client, id: &str, env: &str) -> Value {
    let r = app
        .post(
            c,
            &format!("/api/v1/data-sources/{id}/environments/{env}/test"),
            json!({}),
        )
        .await;
    assert_eq!(r.status(), 200);
    r.json().await.unwrap()
}

pub(crate) async fn constant(
    app: &TestApp,
    c: &reqwest::Client,
    name: &str,
    kind: &str,
    values: Value,
) {
    let r = app
        .post(
            c,
            "/api/v1/constants",
            json!({"name": name, "type": kind, "values": values}),
        )
        .await;
    assert_eq!(r.status(), 201);
}

async fn d1_d2_every_bad_field_is_named_and_changes_nothing(b: Backend) {
    let app = spawn_app(b).await;
    let admin = app.admin().await;
    let pg =
        |o: Value| json!({"name": "Orders", "kind": "postgresql", "environments": {"staging": o}});
    let good_pg = json!({"host": "db", "port": 5432, "database": "orders", "username": "app"});
    let with = |k: &str, v: Value| {
        let mut o = good_pg.clone();
        o[k] = v;
        pg(o)
    };
    let cases: Vec<(Value, &str)> = vec![
        (json!({"kind": "sqlite"}), "name"),
        (json!({"name": "  ", "kind": "sqlite"}), "name"),
        (json!({"name": "x".repeat(51), "kind": "sqlite"}), "name"),
        (json!({"name": "Orders"}), "kind"),
        (json!({"name": "Orders", "kind": "mysql"}), "kind"),
        (
            json!({"name": "Orders", "kind": "sqlite", "environments": {"qa": {"file": "a.db"}}}),
            "environments.qa",
        ),
        (
            json!({"name": "Orders", "kind": "sqlite", "environments": {"staging": "a.db"}}),
            "environments.staging.options",
        ),
        (
            json!({"name": "Orders", "kind": "sqlite", "environments": {"staging": {}}}),
            "environments.staging.options.file",
        ),
        (
            json!({"name": "Orders", "kind": "sqlite", "environments": {"staging": {"file": "/etc/passwd"}}}),
            "environments.staging.options.file",
        ),
        (
            json!({"name": "Orders", "kind": "sqlite", "environments": {"staging": {"file": "../stagecraft.db"}}}),
            "environments.staging.options.file",
        ),
        (
            json!({"name": "Orders", "kind": "sqlite", "environments": {"staging": {"file": "a/../../b.db"}}}),
            "environments.staging.options.file",
        ),
        (
            json!({"name": "Orders", "kind": "sqlite", "environments": {"staging": {"file": "a.db", "mode": "rw"}}}),
            "environments.staging.options.mode",
        ),
        (with("host", json!("")), "environments.staging.options.host"),
        (with("port", json!(0)), "environments.staging.options.port"),
        (
            with("port", json!(70000)),
            "environments.staging.options.port",
        ),
        (
            with("port", json!("5432")),
            "environments.staging.options.port",
        ),
        (
            with("database", Value::Null),
            "environments.staging.options.database",
        ),
        (
            with("username", json!(7)),
            "environments.staging.options.username",
        ),
        (
            with("ssl_mode", json!("sometimes")),
            "environments.staging.options.ssl_mode",
        ),
        (
            with("host", json!("{{inputs.x}}")),
            "environments.staging.options.host",
        ),
        (
            with("host", json!("{{constants.}}")),
            "environments.staging.options.host",
        ),
        (
            json!({"name": "W", "kind": "rest_api", "environments": {"staging": {"base_url": "ftp://x"}}}),
            "environments.staging.options.base_url",
        ),
        (
            json!({"name": "W", "kind": "rest_api", "environments": {"staging": {"base_url": "https://x", "headers": [{"name": "Bad Header", "value": "v"}]}}}),
            "environments.staging.options.headers[0].name",
        ),
        (
            json!({"name": "W", "kind": "rest_api", "environments": {"staging": {"base_url": "https://x", "headers": [{"name": "A", "value": "v", "secret": "yes"}]}}}),
            "environments.staging.options.headers[0].secret",
        ),
        (
            json!({"name": "W", "kind": "rest_api", "environments": {"staging": {"base_url": "https://x", "headers": {"A": "v"}}}}),
            "environments.staging.options.headers",
        ),
    ];
    for (body, field) in cases {
        let r = app.post(&admin, "/api/v1/data-sources", body.clone()).await;
        let got = assert_error(r, 422, "invalid", Some(field)).await;
        assert!(
            got["error"]["message"].as_str().unwrap().len() > 5,
            "{body}"
        );
    }
    assert_eq!(app.count("data_sources").await, 0);
    assert_eq!(app.count("data_source_options").await, 0);

    // PUT: the options are checked against the kind; unknown ids and
    // environments are 404; nothing changes.
    let made = create(
        &app,
        &admin,
        json!({"name": "Orders", "kind": "postgresql", "environments": {"staging": good_pg}}),
    )
    .await;
    let id = made["id"].as_str().unwrap();
    for (path, body, status, field) in [
        (
            "staging",
            json!({"options": {"file": "a.db"}}),
            422,
            Some("options.file"),
        ),
        ("staging", json!({}), 422, Some("options")),
        ("staging", json!({"options": [1]}), 422, Some("options")),
        ("qa", json!({"options": good_pg.clone()}), 404, None),
    ] {
        let r = app
            .put(
                &admin,
                &format!("/api/v1/data-sources/{id}/environments/{path}"),
                body,
            )
            .await;
        let code = if status == 404 {
            "not_found"
        } else {
            "invalid"
        };
        assert_error(r, status, code, field).await;
    }
    let r = app
        .put(
            &admin,
            "/api/v1/data-sources/nope/environments/staging",
            json!({"options": good_pg}),
        )
        .await;
    assert_error(r, 404, "not_found", None).await;
    let listed: Value = app
        .get(&admin, "/api/v1/data-sources")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        listed[0]["environments"]["staging"]["options"]["host"],
        "db"
    );
    // D1: every environment has an entry; unconfigured reads null.
    assert_eq!(
        listed[0]["environments"]["development"],
        json!({"configured": false, "options": null})
    );
    assert_eq!(
        listed[0]["environments"]["staging"]["options"]["ssl_mode"],
        "prefer"
    );
    // A duplicate name is 409 naming the field.
    let r = app
        .post(
            &admin,
            "/api/v1/data-sources",
            json!({"name": "Orders", "kind": "sqlite"}),
        )
        .await;
    assert_error(r, 409, "conflict", Some("name")).await;
}

async fn d3_secrets_are_masked_kept_and_sealed(b: Backend) {
    let app = spawn_app(b).await;
    let admin = app.admin().await;
    let options = json!({"host": "127.0.0.1", "port": 5432, "database": "postgres", "username": "postgres", "password": PG_PASSWORD, "ssl_mode": "disable"});
    let made = create(
        &app,
        &admin,
        json!({"name": "Main", "kind": "postgresql", "environments": {"production": options}}),
    )
    .await;
    let id = made["id"].as_str().unwrap().to_string();
    assert_eq!(
        made["environments"]["production"]["options"]["password"],
        "********"
    );
    // Saving the mask, or leaving the field out, keeps the password.
    for password in [json!("********"), Value::Null] {
        let mut o = options.clone();
        o["password"] = password;
        let r = app
            .put(
                &admin,
                &format!("/api/v1/data-sources/{id}/environments/production"),
                json!({"options": o}),
            )
            .await;
        let v: Value = r.json().await.unwrap();
        assert_eq!(
            v["environments"]["production"]["options"]["password"], "********",
            "{v}"
        );
    }
    use sqlx::Row;
    let sealed: String = sqlx::query("SELECT secrets FROM data_source_options")
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
        .get("secrets");
    assert!(sealed.starts_with("v1:") && !sealed.contains(PG_PASSWORD));
    // The kept password is the one given first.
    use secrecy::ExposeSecret;
    let plain = app::backend::secrets::open_stored(
        &app.db,
        &format!("data_source:{id}:production"),
        &sealed,
    )
    .unwrap();
    let kept: Value = serde_json::from_str(plain.expose_secret()).unwrap();
    assert_eq!(kept["password"], PG_PASSWORD);
    // C3: a secret cannot be put where it would travel to another host or
    // show in a driver's message (here, in the host name itself).
    let mut o = options.clone();
    o["host"] = json!("{{secrets.HOSTPART}}.invalid");
    constant(
        &app,
        &admin,
        "HOSTPART",
        "secret",
        json!({"production": "hidden-host-Secret"}),
    )
    .await;
    let r = app
        .put(
            &admin,
            &format!("/api/v1/data-sources/{id}/environments/production"),
            json!({"options": o}),
        )
        .await;
    assert_error(r, 422, "invalid", Some("options.host")).await;
    let everything = [
        app.get(&admin, "/api/v1/data-sources")
            .await
            .text()
            .await
            .unwrap(),
        app.get(&admin, "/api/v1/audit?limit=500")
            .await
            .text()
            .await
            .unwrap(),
        app.page(&admin, "/data-sources")
            .await
            .text()
            .await
            .unwrap(),
    ]
    .join("\n");
    for secret in [PG_PASSWORD, "hidden-host-Secret"] {
        assert!(!everything.contains(secret), "{secret} leaked");
    }
    assert_not_logged(&[PG_PASSWORD, "hidden-host-Secret"]);
}

/// A PostgreSQL database of the test server's, dropped with the guard.
struct PgDatabase {
    name: String,
}

impl PgDatabase {
    async fn create(env: &str) -> PgDatabase {
        use sqlx::{Connection, Executor};
        let name = format!("sc_ds_{}_{env}", uuid::Uuid::new_v4().simple());
        let base = std::env::var("STAGECRAFT_TEST_POSTGRES")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into());
        let mut c = sqlx::PgConnection::connect(&format!("{base}/postgres"))
            .await
            .unwrap();
        c.execute(format!("CREATE DATABASE {name}").as_str())
            .await
            .unwrap();
        let mut d = sqlx::PgConnection::connect(&format!("{base}/{name}"))
            .await
            .unwrap();
        d.execute("CREATE TABLE orders (id INT PRIMARY KEY, customer TEXT, placed DATE, paid BOOLEAN, total FLOAT8)")
            .await
            .unwrap();
        d.execute(
            format!("INSERT INTO orders VALUES (1, 'only-in-{env}', '2026-12-01', true, 12.5)")
                .as_str(),
        )
        .await
        .unwrap();
        PgDatabase { name }
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        let name = self.name.clone();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                use sqlx::{Connection, Executor};
                let base = std::env::var("STAGECRAFT_TEST_POSTGRES")
                    .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into());
                if let Ok(mut c) = sqlx::PgConnection::connect(&format!("{base}/postgres")).await {
                    let _ = c
                        .execute(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str())
                        .await;
                }
            });
        })
        .join()
        .ok();
    }
}

/// The definition of the per-environment tests: one query reading the
/// environment's row and its REGION constant.
fn orders_definition(source: &str) -> Value {
    json!({"pages": [{"name": "home", "title": "Orders", "components": [
        {"id": "title", "type": "heading", "text": "Orders in {{constants.REGION}}"},
        {"id": "who", "type": "input", "name": "customer", "label": "Customer", "input_type": "text"},
        {"id": "grid", "type": "table", "query": "orders"}]}],
     "queries": [{"name": "orders", "data_source": source, "run_on_load": true,
        "sql": "SELECT customer, {{constants.REGION}} AS region FROM orders WHERE {{inputs.customer}} IS NULL OR customer = {{inputs.customer}}"}]})
}

/// Runs `orders` in each environment the version reaches as it is
/// promoted, and checks each environment's row and constant.
async fn each_environment_reads_its_own(
    app: &TestApp,
    admin: &reqwest::Client,
    source_id: &str,
    source: &str,
) -> (String, String) {
    constant(
        app,
        admin,
        "REGION",
        "global",
        json!({"development": "dev-region", "staging": "stg-region", "production": "prd-region"}),
    )
    .await;
    for env in ENVS {
        let t = test_connection(app, admin, source_id, env).await;
        assert_eq!(t["ok"], true, "{env}: {t}");
    }
    let ids = app_with(app, admin, "Orders", orders_definition(source)).await;
    // Not reached yet: staging refuses.
    let (status, body) = run(app, admin, &ids, "orders", "staging", json!({})).await;
    assert_eq!(status, 409, "{body}");
    for (i, env) in ENVS.iter().enumerate() {
        if i > 0 {
            save_and_promote(app, admin, &ids, ENVS[i - 1]).await;
        }
        let (status, body) = run(app, admin, &ids, "orders", env, json!({})).await;
        assert_eq!(status, 200, "{env}: {body}");
        assert_eq!(body["columns"], json!(["customer", "region"]));
        let region = format!(
            "{}-region",
            &env[..3].replace("sta", "stg").replace("pro", "prd")
        );
        assert_eq!(
            body["rows"],
            json!([[format!("only-in-{env}"), region]]),
            "{env}"
        );
        assert_eq!(body["truncated"], false);
        assert!(body["elapsed_ms"].is_u64());
        // The input is a parameter: another customer matches nothing.
        let (_, body) = run(
            app,
            admin,
            &ids,
            "orders",
            env,
            json!({"customer": "only-in-elsewhere"}),
        )
        .await;
        assert_eq!(body["rows"], json!([]));
        // R7: the preview in this environment is rendered on the server
        // with its row and its constant, and nothing of another's.
        let r = app
            .page(admin, &format!("/apps/orders/preview?env={env}&version=v1"))
            .await;
        assert_eq!(r.status(), 200, "{env}");
        let html = r.text().await.unwrap();
        assert!(
            html.contains(&format!("only-in-{env}"))
                && html.contains(&format!("Orders in {region}")),
            "{env}: {html}"
        );
        for other in ENVS.iter().filter(|o| *o != env) {
            assert!(!html.contains(&format!("only-in-{other}")), "{env}: {html}");
        }
    }
    // R5: released, production's row and constant, for everyone who opens it.
    let path = format!("/api/v1/apps/{}/versions/{}/release", ids.0, ids.1);
    assert_eq!(app.post(admin, &path, json!({})).await.status(), 200);
    let r = app.page(admin, "/apps/orders").await;
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("only-in-production") && html.contains("Orders in prd-region"),
        "{html}"
    );
    assert!(
        !html.contains("only-in-staging") && !html.contains("Preview of"),
        "{html}"
    );
    ids
}

async fn d5_postgresql_each_environment_reaches_its_own_database(b: Backend) {
    let app = spawn_app(b).await;
    let admin = app.admin().await;
    let mut dbs = Vec::new();
    let mut environments = serde_json::Map::new();
    for env in ENVS {
        let db = PgDatabase::create(env).await;
        environments.insert(
            env.into(),
            json!({"host": "127.0.0.1", "port": 5432, "database": db.name, "username": "postgres", "password": PG_PASSWORD, "ssl_mode": "disable"}),
        );
        dbs.push(db);
    }
    let made = create(
        &app,
        &admin,
        json!({"name": "Orders DB", "kind": "postgresql", "environments": environments}),
    )
    .await;
    let orders =
        each_environment_reads_its_own(&app, &admin, made["id"].as_str().unwrap(), "Orders DB")
            .await;
    // Types come back as JSON types.
    let ids = app_with(&app, &admin, "Types", json!({"queries": [{"name": "all", "data_source": "Orders DB",
        "sql": "SELECT id, placed, paid, total, NULL::text AS nothing, '{\"a\":1}'::jsonb AS doc FROM orders"}]})).await;
    let (status, body) = run(&app, &admin, &ids, "all", "development", json!({})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["rows"],
        json!([[1, "2026-12-01", true, 12.5, null, {"a": 1}]])
    );
    // A sleeping query is cut off at the limit.
    let ids = app_with(&app, &admin, "Slow", json!({"queries": [{"name": "slow", "data_source": "Orders DB", "sql": "SELECT pg_sleep(30)"}]})).await;
    let started = std::time::Instant::now();
    let (status, body) = run(&app, &admin, &ids, "slow", "development", json!({})).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (422, Some("query_timeout")),
        "{body}"
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(20));
    // The pool holds: fifty runs, twenty at a time, use at most the
    // pool's few connections to production's database.
    for _ in 0..50 / 10 {
        let calls = (0..10).map(|_| run(&app, &admin, &orders, "orders", "production", json!({})));
        for (status, body) in futures::future::join_all(calls).await {
            assert_eq!(status, 200, "{body}");
        }
    }
    let connections = connections_to(&dbs[2].name).await;
    assert!((1..=4).contains(&connections), "{connections} connections");
    drop(dbs);
}

/// How many connections the server holds to database `name`.
async fn connections_to(name: &str) -> i64 {
    use sqlx::{Connection, Row};
    let base = std::env::var("STAGECRAFT_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into());
    let mut c = sqlx::PgConnection::connect(&format!("{base}/postgres"))
        .await
        .unwrap();
    sqlx::query("SELECT COUNT(*) AS n FROM pg_stat_activity WHERE datname = $1 AND application_name = 'stagecraft'")
        .bind(name)
        .fetch_one(&mut c)
        .await
        .unwrap()
        .get("n")
}

pub(crate) fn sqlite_file(app: &TestApp, file: &str, rows: &[&str]) {
    let dir = app.data_dir.join("datasources");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(file);
    let c = std::process::Command::new("python3")
        .arg("-c")
        .arg(format!(
            "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute('CREATE TABLE orders (id INTEGER PRIMARY KEY, customer TEXT, qty INTEGER)'); c.executemany('INSERT INTO orders (customer, qty) VALUES (?, 1)', [(r,) for r in sys.argv[2:]]); c.commit()"
        ))
        .arg(&path)
        .args(rows)
        .status()
        .unwrap();
    assert!(c.success());
}

async fn d5_sqlite_each_environment_reaches_its_own_file(b: Backend) {
    let app = spawn_app(b).await;
    let admin = app.admin().await;
    let mut environments = serde_json::Map::new();
    for env in ENVS {
        sqlite_file(&app, &format!("{env}.db"), &[&format!("only-in-{env}")]);
        environments.insert(env.into(), json!({"file": format!("{env}.db")}));
    }
    let made = create(
        &app,
        &admin,
        json!({"name": "Orders file", "kind": "sqlite", "environments": environments}),
    )
    .await;
    each_environment_reads_its_own(&app, &admin, made["id"].as_str().unwrap(), "Orders file").await;
}

/// An HTTP server answering with what it was sent, per environment path.
async fn echo_server() -> String {
    use axum::routing::any;
    async fn echo(
        uri: axum::http::Uri,
        headers: axum::http::HeaderMap,
        body: String,
    ) -> axum::Json<Value> {
        let h = |n: &str| {
            headers
                .get(n)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_string()
        };
        axum::Json(
            json!({"path": uri.path(), "query": uri.query(), "authorization": h("authorization"),
            "region": h("x-region"), "key": h("x-api-key"), "body": body}),
        )
    }
    async fn many() -> axum::Json<Value> {
        axum::Json(Value::Array((0..1500).map(|i| json!({"n": i})).collect()))
    }
    let router = axum::Router::new()
        .route("/{env}/many", any(many))
        .fallback(any(echo));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    base
}

async fn d5_rest_each_environment_reaches_its_own_base_url_with_its_secrets(b: Backend) {
    let app = spawn_app(b).await;
    let admin = app.admin().await;
    let base = echo_server().await;
    constant(
        &app,
        &admin,
        "REGION",
        "global",
        json!({"development": "dev-region", "staging": "stg-region", "production": "prd-region"}),
    )
    .await;
    constant(&app, &admin, "API_KEY", "secret", json!({"development": "key-Secret-dev", "staging": "key-Secret-stg", "production": "key-Secret-prd"})).await;
    let mut environments = serde_json::Map::new();
    for env in ENVS {
        environments.insert(
            env.into(),
            json!({"base_url": format!("{base}/{env}"),
            "headers": [{"name": "X-Region", "value": "{{constants.REGION}}", "secret": false},
                        {"name": "X-Api-Key", "value": "{{secrets.API_KEY}}", "secret": true}],
            "bearer_token": format!("{TOKEN_PREFIX}{env}")}),
        );
    }
    let made = create(
        &app,
        &admin,
        json!({"name": "Weather", "kind": "rest_api", "environments": environments}),
    )
    .await;
    let id = made["id"].as_str().unwrap().to_string();
    assert_eq!(
        made["environments"]["staging"]["options"]["headers"][1]["value"],
        "********"
    );
    assert_eq!(
        made["environments"]["staging"]["options"]["bearer_token"],
        "********"
    );
    let def = json!({"pages": [{"name": "home", "components": [{"id": "city", "type": "input", "name": "city"}]}],
        "queries": [{"name": "forecast", "data_source": "Weather",
            "rest": {"method": "POST", "path": "/forecast/{{inputs.city}}", "query": {"city": "{{inputs.city}}", "units": "metric"},
                     "headers": [{"name": "X-Extra", "value": "1"}], "body": {"city": "{{inputs.city}}", "region": "{{constants.REGION}}"}}},
            {"name": "many", "data_source": "Weather", "rest": {"path": "/many"}}]});
    let ids = app_with(&app, &admin, "Weather app", def).await;
    for (i, env) in ENVS.iter().enumerate() {
        if i > 0 {
            save_and_promote(&app, &admin, &ids, ENVS[i - 1]).await;
        }
        let t = test_connection(&app, &admin, &id, env).await;
        assert_eq!(t["ok"], true, "{t}");
        let (status, r) = run(
            &app,
            &admin,
            &ids,
            "forecast",
            env,
            json!({"city": "a/b?c"}),
        )
        .await;
        assert_eq!(status, 200, "{r}");
        assert_eq!(r["status"], 200);
        let got = &r["body"];
        let short = &env[..3];
        assert_eq!(got["path"], format!("/{env}/forecast/a%2Fb%3Fc"));
        assert_eq!(got["query"], "city=a%2Fb%3Fc&units=metric");
        assert_eq!(got["authorization"], format!("Bearer {TOKEN_PREFIX}{env}"));
        assert!(got["region"].as_str().unwrap().ends_with("-region"));
        assert!(got["key"].as_str().unwrap().starts_with("key-Secret-"));
        assert!(got["key"]
            .as_str()
            .unwrap()
            .ends_with(&short.replace("sta", "stg").replace("pro", "prd")));
        assert_eq!(
            serde_json::from_str::<Value>(got["body"].as_str().unwrap()).unwrap()["city"],
            "a/b?c"
        );
    }
    // A JSON list past the row limit comes back cut.
    let (status, r) = run(&app, &admin, &ids, "many", "production", json!({})).await;
    assert_eq!(status, 200);
    assert_eq!(
        (
            r["body"].as_array().unwrap().len(),
            r["truncated"].as_bool()
        ),
        (1000, Some(true))
    );
    // Saving the options with the secrets masked keeps them.
    let mut kept = made["environments"]["production"]["options"].clone();
    kept["base_url"] = json!(format!("{base}/production"));
    let r = app
        .put(
            &admin,
            &format!("/api/v1/data-sources/{id}/environments/production"),
            json!({"options": kept}),
        )
        .await;
    assert_eq!(r.status(), 200);
    let (_, r) = run(
        &app,
        &admin,
        &ids,
        "forecast",
        "production",
        json!({"city": "x"}),
    )
    .await;
    assert_eq!(
        r["body"]["authorization"],
        format!("Bearer {TOKEN_PREFIX}production")
    );
    assert_eq!(r["body"]["key"], "key-Secret-prd");
    let put = |o: Value| {
        let (app, admin, id) = (&app, &admin, &id);
        async move {
            app.put(
                admin,
                &format!("/api/v1/data-sources/{id}/environments/production"),
                json!({"options": o}),
            )
            .await
        }
    };
    // C3: a secret is never part of the address.
    let mut down = kept.clone();
    down["base_url"] = json!("http://127.0.0.1:9/{{secrets.API_KEY}}");
    assert_error(
        put(down.clone()).await,
        422,
        "invalid",
        Some("options.base_url"),
    )
    .await;
    // D8: the kept secrets do not follow a new address; given again, they do.
    down["base_url"] = json!("http://127.0.0.1:9/");
    assert_error(
        put(down.clone()).await,
        422,
        "invalid",
        Some("options.bearer_token"),
    )
    .await;
    down["bearer_token"] = json!(format!("{TOKEN_PREFIX}production"));
    assert_error(
        put(down.clone()).await,
        422,
        "invalid",
        Some("options.headers[1].value"),
    )
    .await;
    down["headers"][1]["value"] = json!("{{secrets.API_KEY}}");
    let r = put(down).await;
    assert_eq!(r.status(), 200);
    // An unreachable upstream fails with its message, secrets removed.
    let (status, r) = run(&app, &admin, &ids, "many", "production", json!({})).await;
    assert_eq!(
        (status, r["error"]["code"].as_str()),
        (422, Some("query_failed")),
        "{r}"
    );
    assert!(!r.to_string().contains("key-Secret"), "{r}");
    let listed = app
        .get(&admin, "/api/v1/data-sources")
        .await
        .text()
        .await
        .unwrap();
    assert!(!listed.contains("Secret-"), "{listed}");
    assert_not_logged(&[
        "key-Secret-dev",
        "key-Secret-prd",
        &format!("{TOKEN_PREFIX}staging"),
    ]);
}

async fn r4_limits_injection_and_missing_values(b: Backend) {
    let app = spawn_app(b).await;
    let admin = app.admin().await;
    sqlite_file(&app, "dev.db", &["alice", "bob"]);
    create(&app, &admin, json!({"name": "Local", "kind": "sqlite", "environments": {"development": {"file": "dev.db"}}})).await;
    let def = json!({"pages": [{"name": "home", "components": [
            {"id": "who", "type": "input", "name": "who"},
            {"id": "n", "type": "input", "name": "n", "input_type": "number"}]}],
        "queries": [
            {"name": "find", "data_source": "Local", "sql": "SELECT customer FROM orders WHERE customer = {{inputs.who}}"},
            {"name": "many", "data_source": "Local", "sql": "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 5000) SELECT x FROM c"},
            {"name": "forever", "data_source": "Local", "sql": "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c"},
            {"name": "typed", "data_source": "Local", "sql": "SELECT {{inputs.n}} + 1 AS next, typeof({{inputs.n}}) AS t"},
            {"name": "region", "data_source": "Local", "sql": "SELECT {{constants.REGION}} AS r"},
            {"name": "broken", "data_source": "Local", "sql": "SELEC nothing"},
            {"name": "other_env", "data_source": "Local", "sql": "SELECT 1"}]});
    let ids = app_with(&app, &admin, "Limits", def).await;
    // Injection through an input is data.
    for evil in [
        "alice' OR '1'='1",
        "x'; DROP TABLE orders; --",
        "\" OR 1=1 --",
    ] {
        let (status, r) = run(
            &app,
            &admin,
            &ids,
            "find",
            "development",
            json!({"who": evil}),
        )
        .await;
        assert_eq!((status, &r["rows"]), (200, &json!([])), "{r}");
    }
    let (_, r) = run(
        &app,
        &admin,
        &ids,
        "find",
        "development",
        json!({"who": "alice"}),
    )
    .await;
    assert_eq!(r["rows"], json!([["alice"]]));
    // 5,000 rows come back as 1,000.
    let (_, r) = run(&app, &admin, &ids, "many", "development", json!({})).await;
    assert_eq!(
        (
            r["rows"].as_array().unwrap().len(),
            r["truncated"].as_bool()
        ),
        (1000, Some(true))
    );
    assert_eq!(r["rows"][999], json!([1000]));
    // Numbers bind as numbers; a number input that is not one is refused.
    let (_, r) = run(
        &app,
        &admin,
        &ids,
        "typed",
        "development",
        json!({"n": "41"}),
    )
    .await;
    assert_eq!(r["rows"], json!([[42, "integer"]]));
    let (status, r) = run(
        &app,
        &admin,
        &ids,
        "typed",
        "development",
        json!({"n": "forty"}),
    )
    .await;
    assert_eq!(
        (status, r["error"]["field"].as_str()),
        (422, Some("inputs.n")),
        "{r}"
    );
    let (status, r) = run(
        &app,
        &admin,
        &ids,
        "typed",
        "development",
        json!({"nope": 1}),
    )
    .await;
    assert_eq!(
        (status, r["error"]["field"].as_str()),
        (422, Some("inputs.nope")),
        "{r}"
    );
    // C4: a missing value names itself and the environment.
    let (status, r) = run(&app, &admin, &ids, "region", "development", json!({})).await;
    assert_eq!(status, 422);
    assert_eq!(r["error"]["code"], "missing_value");
    assert_eq!(
        r["error"]["details"],
        json!({"kind": "constant", "name": "REGION", "environment": "development"})
    );
    constant(
        &app,
        &admin,
        "REGION",
        "global",
        json!({"development": "eu"}),
    )
    .await;
    let (status, r) = run(&app, &admin, &ids, "region", "development", json!({})).await;
    assert_eq!((status, &r["rows"]), (200, &json!([["eu"]])));
    // A driver error is query_failed with the driver's words.
    let (status, r) = run(&app, &admin, &ids, "broken", "development", json!({})).await;
    assert_eq!(
        (status, r["error"]["code"].as_str()),
        (422, Some("query_failed"))
    );
    assert!(
        r["error"]["message"]
            .as_str()
            .unwrap()
            .contains("syntax error"),
        "{r}"
    );
    // Unconfigured in an environment (reached past the pre-flight, B3, by
    // an admin's override): 422 naming the data source and it.
    let base = format!("/api/v1/apps/{}/versions/{}", ids.0, ids.1);
    assert_eq!(
        app.post(&admin, &format!("{base}/save"), json!({}))
            .await
            .status(),
        200
    );
    let r = app
        .post(
            &admin,
            &format!("{base}/promote"),
            json!({"from": "development", "override_preflight": true}),
        )
        .await;
    assert_eq!(r.status(), 200);
    let (status, r) = run(&app, &admin, &ids, "other_env", "staging", json!({})).await;
    assert_eq!(status, 422, "{r}");
    let m = r["error"]["message"].as_str().unwrap();
    assert!(m.contains("Local") && m.contains("staging"), "{m}");
    // The time limit cuts off a query that never ends.
    let started = std::time::Instant::now();
    let (status, r) = run(&app, &admin, &ids, "forever", "development", json!({})).await;
    assert_eq!(
        (status, r["error"]["code"].as_str()),
        (422, Some("query_timeout")),
        "{r}"
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(20));
    // The pool's connection still works after the interruption.
    let (status, _) = run(
        &app,
        &admin,
        &ids,
        "find",
        "development",
        json!({"who": "bob"}),
    )
    .await;
    assert_eq!(status, 200);
    // Unknown query, environment, or one the caller cannot reach.
    let (status, _) = run(&app, &admin, &ids, "nope", "development", json!({})).await;
    assert_eq!(status, 404);
    let (status, r) = run(&app, &admin, &ids, "find", "qa", json!({})).await;
    assert_eq!(
        (status, r["error"]["field"].as_str()),
        (422, Some("environment"))
    );
}

async fn d2_sqlite_files_stay_in_their_folder(b: Backend) {
    let app = spawn_app(b).await;
    let admin = app.admin().await;
    sqlite_file(&app, "inside.db", &["ok"]);
    // A symlink inside the folder that leads out of it, to the product's
    // own database folder.
    let outside = app.data_dir.join("outside.db");
    std::fs::copy(app.data_dir.join("datasources/inside.db"), &outside).unwrap();
    std::os::unix::fs::symlink(&outside, app.data_dir.join("datasources/link.db")).unwrap();
    std::os::unix::fs::symlink(&app.data_dir, app.data_dir.join("datasources/up")).unwrap();
    let made = create(&app, &admin, json!({"name": "Files", "kind": "sqlite", "environments": {
        "development": {"file": "link.db"}, "staging": {"file": "up/outside.db"}, "production": {"file": "missing.db"}}})).await;
    let id = made["id"].as_str().unwrap();
    for env in ENVS {
        let t = test_connection(&app, &admin, id, env).await;
        assert_eq!(t["ok"], false, "{env}: {t}");
        let m = t["message"].as_str().unwrap();
        assert!(m.contains("outside") || m.contains("no file"), "{m}");
    }
    let r = app
        .put(
            &admin,
            &format!("/api/v1/data-sources/{id}/environments/development"),
            json!({"options": {"file": "inside.db"}}),
        )
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(
        test_connection(&app, &admin, id, "development").await["ok"],
        true
    );
    // Nothing was created outside the folder.
    assert!(!app.data_dir.join("missing.db").exists());
    assert!(!app.data_dir.join("datasources/missing.db").exists());
}

async fn d6_a_used_data_source_cannot_be_deleted(b: Backend) {
    let app = spawn_app(b).await;
    let admin = app.admin().await;
    let made = create(&app, &admin, json!({"name": "Used", "kind": "sqlite"})).await;
    let id = made["id"].as_str().unwrap();
    let ids = app_with(
        &app,
        &admin,
        "Consumer",
        json!({"queries": [{"name": "q", "data_source": "Used", "sql": "SELECT 1"}]}),
    )
    .await;
    let r = app
        .delete(&admin, &format!("/api/v1/data-sources/{id}"))
        .await;
    let body = assert_error(r, 409, "conflict", None).await;
    let m = body["error"]["message"].as_str().unwrap();
    assert!(m.contains("Consumer") && m.contains("v1"), "{m}");
    assert_eq!(
        body["error"]["details"]["used_by"],
        json!([{"app": "Consumer", "version": "v1"}])
    );
    // Once no version uses it, it goes.
    let r = app
        .put(
            &admin,
            &format!("/api/v1/apps/{}/versions/{}/definition", ids.0, ids.1),
            json!({"definition": {}, "revision": 2}),
        )
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(
        app.delete(&admin, &format!("/api/v1/data-sources/{id}"))
            .await
            .status(),
        204
    );
    assert_eq!(app.count("data_sources").await, 0);
    assert!(app
        .audit_actions()
        .await
        .iter()
        .any(|a| a == "data_source.delete"));
}

async fn p9_who_lists_and_changes_data_sources(b: Backend) {
    let app = spawn_app(b).await;
    let admin = app.admin().await;
    let (_, builder) = app.user(&admin, "bea@example.com", "builder").await;
    let (_, end_user) = app.user(&admin, "eve@example.com", "end-user").await;
    sqlite_file(&app, "a.db", &["x"]);
    let made = create(
        &app,
        &admin,
        json!({"name": "A", "kind": "sqlite", "environments": {"development": {"file": "a.db"}}}),
    )
    .await;
    let id = made["id"].as_str().unwrap().to_string();
    let r = app
        .post(&admin, "/api/v1/apps", json!({"name": "Any"}))
        .await;
    assert_eq!(r.status(), 201);
    let r = app.get(&builder, "/api/v1/data-sources").await;
    assert_eq!(r.status(), 200);
    for r in [
        app.get(&end_user, "/api/v1/data-sources").await,
        app.post(&end_user, "/api/v1/data-sources", json!({"name": 1}))
            .await,
    ] {
        assert_error(r, 403, "forbidden", None).await;
    }
    let r = app
        .patch(
            &admin,
            "/api/v1/groups/group-builder",
            json!({"flags": {"manage_data_sources": false}}),
        )
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(
        app.get(&builder, "/api/v1/data-sources").await.status(),
        200
    );
    for r in [
        app.post(
            &builder,
            "/api/v1/data-sources",
            json!({"name": "B", "kind": "sqlite"}),
        )
        .await,
        app.put(
            &builder,
            &format!("/api/v1/data-sources/{id}/environments/staging"),
            json!({"options": {"file": "a.db"}}),
        )
        .await,
        app.post(
            &builder,
            &format!("/api/v1/data-sources/{id}/environments/development/test"),
            json!({}),
        )
        .await,
        app.delete(&builder, &format!("/api/v1/data-sources/{id}"))
            .await,
    ] {
        let body = assert_error(r, 403, "forbidden", None).await;
        assert!(body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("manage_data_sources"));
    }
    assert_eq!(app.count("data_sources").await, 1);
    // Running queries (P7): edit access in that environment, not view.
    let ids = app_with(
        &app,
        &admin,
        "Run",
        json!({"queries": [{"name": "q", "data_source": "A", "sql": "SELECT 1 AS one"}]}),
    )
    .await;
    let (status, r) = run(&app, &builder, &ids, "q", "development", json!({})).await;
    assert_eq!((status, &r["rows"]), (200, &json!([[1]])));
    let r = app
        .post(
            &admin,
            "/api/v1/groups/group-end-user/app-permissions",
            json!({"apps": "all", "access": "view"}),
        )
        .await;
    assert_eq!(r.status(), 201);
    let (status, r) = run(&app, &end_user, &ids, "q", "development", json!({})).await;
    assert_eq!(status, 403, "{r}");
}

async fn r1_r3_every_definition_rule_names_its_path(b: Backend) {
    let app = spawn_app(b).await;
    let admin = app.admin().await;
    create(&app, &admin, json!({"name": "DB", "kind": "sqlite"})).await;
    create(&app, &admin, json!({"name": "API", "kind": "rest_api"})).await;
    let (app_id, vid) = app_with(&app, &admin, "Rules", json!({})).await;
    let q = |extra: Value| {
        let mut q = json!({"name": "q", "data_source": "DB", "sql": "SELECT 1"});
        for (k, v) in extra.as_object().unwrap() {
            q[k] = v.clone();
        }
        q
    };
    let page = |components: Value| json!({"pages": [{"name": "home", "components": components}], "queries": [q(json!({}))]});
    let cases: Vec<(Value, &str)> = vec![
        (json!([]), "definition"),
        (json!({"pages": {}}), "definition.pages"),
        (json!({"pagez": []}), "definition.pagez"),
        (json!({"pages": [1]}), "definition.pages[0]"),
        (json!({"pages": [{}]}), "definition.pages[0].name"),
        (
            json!({"pages": [{"name": "bad name"}]}),
            "definition.pages[0].name",
        ),
        (
            json!({"pages": [{"name": "a"}, {"name": "a"}]}),
            "definition.pages[1].name",
        ),
        (
            json!({"pages": [{"name": "a", "title": 5}]}),
            "definition.pages[0].title",
        ),
        (
            page(json!([{"id": "x"}])),
            "definition.pages[0].components[0].type",
        ),
        (
            page(json!([{"id": "x", "type": "video"}])),
            "definition.pages[0].components[0].type",
        ),
        (
            page(json!([{"type": "heading"}])),
            "definition.pages[0].components[0].id",
        ),
        (
            page(json!([{"id": "x", "type": "heading"}, {"id": "x", "type": "text"}])),
            "definition.pages[0].components[1].id",
        ),
        (
            page(json!([{"id": "x", "type": "heading", "text": "{{secrets.KEY}}"}])),
            "definition.pages[0].components[0].text",
        ),
        (
            page(json!([{"id": "x", "type": "text", "text": "{{inputs.nobody}}"}])),
            "definition.pages[0].components[0].text",
        ),
        (
            page(json!([{"id": "x", "type": "text", "text": "{{queries.nope.rows[0].a}}"}])),
            "definition.pages[0].components[0].text",
        ),
        (
            page(json!([{"id": "x", "type": "text", "text": "{{ unclosed"}])),
            "definition.pages[0].components[0].text",
        ),
        (
            page(json!([{"id": "x", "type": "text", "text": "{{weather.now}}"}])),
            "definition.pages[0].components[0].text",
        ),
        (
            page(json!([{"id": "x", "type": "heading", "colour": "red"}])),
            "definition.pages[0].components[0].colour",
        ),
        (
            page(json!([{"id": "x", "type": "table", "query": "nope"}])),
            "definition.pages[0].components[0].query",
        ),
        (
            page(json!([{"id": "x", "type": "table"}])),
            "definition.pages[0].components[0].query",
        ),
        (
            page(json!([{"id": "x", "type": "button", "label": "Go", "query": "nope"}])),
            "definition.pages[0].components[0].query",
        ),
        (
            page(json!([{"id": "x", "type": "input", "name": "a", "input_type": "color"}])),
            "definition.pages[0].components[0].input_type",
        ),
        (
            page(
                json!([{"id": "x", "type": "input", "name": "a"}, {"id": "y", "type": "form", "query": "q", "inputs": [{"name": "a"}]}]),
            ),
            "definition.pages[0].components[1].inputs[0].name",
        ),
        (
            page(
                json!([{"id": "y", "type": "form", "query": "q", "inputs": [{"name": "b", "label": 3}]}]),
            ),
            "definition.pages[0].components[0].inputs[0].label",
        ),
        (
            json!({"queries": [q(json!({"name": "1q"}))]}),
            "definition.queries[0].name",
        ),
        (
            json!({"queries": [q(json!({})), q(json!({}))]}),
            "definition.queries[1].name",
        ),
        (
            json!({"queries": [q(json!({"data_source": "Nope"}))]}),
            "definition.queries[0].data_source",
        ),
        (
            json!({"queries": [q(json!({"data_source": "API"}))]}),
            "definition.queries[0].sql",
        ),
        (
            json!({"queries": [{"name": "q", "data_source": "DB", "rest": {"path": "/x"}}]}),
            "definition.queries[0].rest",
        ),
        (
            json!({"queries": [{"name": "q", "data_source": "DB"}]}),
            "definition.queries[0]",
        ),
        (
            json!({"queries": [q(json!({"run_on_load": "yes"}))]}),
            "definition.queries[0].run_on_load",
        ),
        (
            json!({"queries": [q(json!({"sql": "SELECT {{inputs.missing}}"}))]}),
            "definition.queries[0].sql",
        ),
        (
            json!({"queries": [q(json!({"sql": "SELECT {{queries.q.rows[0].a}}"}))]}),
            "definition.queries[0].sql",
        ),
        (
            json!({"queries": [q(json!({"sql": "  "}))]}),
            "definition.queries[0].sql",
        ),
        (
            json!({"queries": [{"name": "q", "data_source": "API", "rest": {"method": "FETCH"}}]}),
            "definition.queries[0].rest.method",
        ),
        (
            json!({"queries": [{"name": "q", "data_source": "API", "rest": {"path": "http://evil"}}]}),
            "definition.queries[0].rest.path",
        ),
        (
            json!({"queries": [{"name": "q", "data_source": "API", "rest": {"query": {"a": 1}}}]}),
            "definition.queries[0].rest.query.a",
        ),
        (
            json!({"queries": [{"name": "q", "data_source": "API", "rest": {"headers": [{"name": "X Y", "value": "1"}]}}]}),
            "definition.queries[0].rest.headers[0].name",
        ),
        (
            json!({"queries": [{"name": "q", "data_source": "API", "rest": {"body": {"a": "{{inputs.zz}}"}}}]}),
            "definition.queries[0].rest.body",
        ),
    ];
    let path = format!("/api/v1/apps/{app_id}/versions/{vid}/definition");
    for (definition, field) in cases {
        let r = app
            .put(
                &admin,
                &path,
                json!({"definition": definition.clone(), "revision": 2}),
            )
            .await;
        let status = r.status();
        let body: Value = r.json().await.unwrap();
        assert_eq!(status, 422, "{definition}: {body}");
        assert_eq!(body["error"]["field"], field, "{definition}: {body}");
    }
    // Nothing was saved: the revision is still 2.
    let v: Value = app
        .get(&admin, &format!("/api/v1/apps/{app_id}/versions/{vid}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (v["revision"].as_i64(), &v["definition"]),
        (Some(2), &json!({}))
    );
    // API.md's own example is valid once its data sources exist.
    create(
        &app,
        &admin,
        json!({"name": "Orders DB", "kind": "postgresql"}),
    )
    .await;
    create(
        &app,
        &admin,
        json!({"name": "Weather API", "kind": "rest_api"}),
    )
    .await;
    let example = json!({"pages": [{"name": "home", "title": "Orders",
       "components": [
         {"id": "title",  "type": "heading", "text": "Orders ({{constants.REGION}})"},
         {"id": "intro",  "type": "text",    "text": "First: {{queries.orders.rows[0].customer}}"},
         {"id": "who",    "type": "input",   "name": "customer", "label": "Customer", "input_type": "text"},
         {"id": "grid",   "type": "table",   "query": "orders"},
         {"id": "reload", "type": "button",  "label": "Refresh", "query": "orders"},
         {"id": "add",    "type": "form",    "query": "add_order", "submit_label": "Add",
          "inputs": [{"name": "item", "label": "Item", "input_type": "text"},
                     {"name": "qty",  "label": "Quantity", "input_type": "number"}]}]}],
     "queries": [
       {"name": "orders", "data_source": "Orders DB", "run_on_load": true,
        "sql": "SELECT id, customer, item FROM orders WHERE customer LIKE {{inputs.customer}}"},
       {"name": "add_order", "data_source": "Orders DB", "run_on_load": false,
        "sql": "INSERT INTO orders (item, qty) VALUES ({{inputs.item}}, {{inputs.qty}})"},
       {"name": "weather", "data_source": "Weather API", "run_on_load": true,
        "rest": {"method": "GET", "path": "/forecast", "query": {"city": "{{inputs.city}}"},
                 "headers": [{"name": "X-Region", "value": "{{constants.REGION}}"}], "body": null}}]});
    let r = app
        .put(
            &admin,
            &path,
            json!({"definition": example.clone(), "revision": 2}),
        )
        .await;
    let body: Value = r.json().await.unwrap();
    // `{{inputs.city}}` names no input of the example: the one rule it breaks.
    assert_eq!(
        body["error"]["field"], "definition.queries[2].rest.query.city",
        "{body}"
    );
    let mut fixed = example.clone();
    fixed["pages"][0]["components"]
        .as_array_mut()
        .unwrap()
        .push(json!({"id": "city", "type": "input", "name": "city"}));
    let r = app
        .put(
            &admin,
            &path,
            json!({"definition": fixed.clone(), "revision": 2}),
        )
        .await;
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["definition"], fixed);
}

async fn d1_simultaneous_creates_and_a_delete_racing_a_save(b: Backend) {
    let app = spawn_app(b).await;
    let admin = app.admin().await;
    for round in 0..3 {
        let name = format!("Race {round}");
        let calls = (0..10).map(|_| {
            app.post(
                &admin,
                "/api/v1/data-sources",
                json!({"name": name, "kind": "sqlite"}),
            )
        });
        let mut statuses: Vec<u16> = futures::future::join_all(calls)
            .await
            .iter()
            .map(|r| r.status().as_u16())
            .collect();
        statuses.sort();
        assert_eq!(
            statuses,
            [[201].as_slice(), &[409; 9]].concat(),
            "round {round}"
        );
    }
    // A delete racing a save that starts using it: never both.
    for round in 0..4 {
        let name = format!("Contested {round}");
        let made = create(&app, &admin, json!({"name": name, "kind": "sqlite"})).await;
        let (app_id, vid) = app_with(&app, &admin, &format!("Racer {round}"), json!({})).await;
        let def_path = format!("/api/v1/apps/{app_id}/versions/{vid}/definition");
        let del_path = format!("/api/v1/data-sources/{}", made["id"].as_str().unwrap());
        let save = app.put(&admin, &def_path, json!({"definition": {"queries": [{"name": "q", "data_source": name, "sql": "SELECT 1"}]}, "revision": 2}));
        let delete = app.delete(&admin, &del_path);
        let (saved, deleted) = tokio::join!(save, delete);
        let (s, d) = (saved.status().as_u16(), deleted.status().as_u16());
        assert!(
            matches!((s, d), (200, 409) | (422, 204)),
            "round {round}: save {s}, delete {d}"
        );
    }
}

/// A second server on the same database and key file, as after a restart
/// or beside the first behind a load balancer, opens the sealed secrets:
/// the query it runs gets the secret constant's value. (A server with
/// another key does not start: `process::d3_*`.)
async fn d3_another_server_with_the_key_reads_secrets_back(b: Backend) {
    let app = spawn_app(b).await;
    let admin = app.admin().await;
    let base = echo_server().await;
    constant(
        &app,
        &admin,
        "TOKEN",
        "secret",
        json!({"development": "restart-Secret"}),
    )
    .await;
    // C3: a secret travels only to its data source's host, in a header.
    create(&app, &admin, json!({"name": "Echo", "kind": "rest_api", "environments": {"development": {"base_url": base}}})).await;
    let ids = app_with(&app, &admin, "Secrets", json!({"queries": [{"name": "q", "data_source": "Echo",
        "rest": {"method": "GET", "path": "/", "headers": [{"name": "X-Api-Key", "value": "{{secrets.TOKEN}}"}]}}]})).await;
    let other = app.another_instance().await;
    let r = admin
        .post(other.url(&format!(
            "/api/v1/apps/{}/versions/{}/queries/q/run?environment=development",
            ids.0, ids.1
        )))
        .json(&json!({"inputs": {}}))
        .send()
        .await
        .unwrap();
    let status = r.status();
    let body: Value = r.json().await.unwrap();
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["body"]["key"], "restart-Secret");
}
