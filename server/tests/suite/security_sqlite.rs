//! SPEC D7: a SQLite data source reaches its own file and nothing else.
//! The attacks of a builder who may edit a draft: attach the product's own
//! database (sessions, users, tokens) or another environment's file, write
//! a copy of a database anywhere the server may write, load an extension,
//! or switch on schema writing. Each from a draft's query over the API and
//! from the Queries panel of the version page; an ordinary query still runs.
use crate::both_backends;
use crate::http_data_sources::{app_with, create, sqlite_file};
use crate::support::*;
use serde_json::{json, Value};

both_backends!(
    d7_attach_of_the_product_database_is_refused,
    d7_every_statement_kind_that_leaves_the_file_is_refused,
    d7_the_queries_panel_is_confined_too,
    d7_ordinary_queries_still_run,
);

/// An app whose development version holds `queries` on the data source
/// `Local` (development.db), and a production file beside it.
async fn app_with_queries(
    app: &TestApp,
    admin: &reqwest::Client,
    queries: Value,
) -> (String, String) {
    sqlite_file(app, "development.db", &["dev row"]);
    sqlite_file(app, "production.db", &["production row"]);
    create(
        app,
        admin,
        json!({"name": "Local", "kind": "sqlite", "environments": {
        "development": {"file": "development.db"}, "production": {"file": "production.db"}}}),
    )
    .await;
    app_with(app, admin, "Confined", json!({"queries": queries})).await
}

async fn run(
    app: &TestApp,
    c: &reqwest::Client,
    ids: &(String, String),
    query: &str,
) -> (u16, Value) {
    let r = app
        .post(
            c,
            &format!(
                "/api/v1/apps/{}/versions/{}/queries/{query}/run?environment=development",
                ids.0, ids.1
            ),
            json!({"inputs": {}}),
        )
        .await;
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// The run failed with a message containing `why`, and returned no rows.
fn refused(answer: &(u16, Value), why: &str) {
    let (status, body) = answer;
    assert_ne!(*status, 200, "{body}");
    let message = body["error"]["message"].as_str().unwrap_or_default();
    assert!(message.contains(why), "expected {why:?} in {body}");
    assert!(body.get("rows").is_none(), "{body}");
}

fn sql(name: &str, sql: String) -> Value {
    json!({"name": name, "data_source": "Local", "sql": sql})
}

async fn d7_attach_of_the_product_database_is_refused(b: Backend) {
    let app = spawn_app(b).await;
    let admin = app.admin().await;
    let builder = app.user(&admin, "bea@example.com", "builder").await;
    // On SQLite the product's file; on PostgreSQL a file of the data folder
    // all the same (the key file's folder, where a default install keeps it).
    let product = app.data_dir.join("test.db");
    let other = app.data_dir.join("datasources").join("production.db");
    let ids = app_with_queries(
        &app,
        &admin,
        json!([
            sql(
                "own",
                format!("ATTACH DATABASE '{}' AS p", product.display())
            ),
            sql("read", "SELECT name FROM p.sqlite_master".into()),
            sql("other_env", format!("ATTACH '{}' AS prod", other.display())),
            sql("relative", "ATTACH 'production.db' AS prod".into()),
            sql("memory", "ATTACH ':memory:' AS m".into()),
            sql(
                "uri",
                format!("ATTACH 'file:{}?mode=ro' AS p", product.display())
            ),
            sql(
                "hidden",
                "/* a */ attach /* b */ database 'production.db' as \"x\"".into()
            ),
        ]),
    )
    .await;
    let users_before = app.count("users").await;
    for c in [&admin, &builder.1] {
        for q in ["own", "other_env", "relative", "memory", "uri", "hidden"] {
            refused(&run(&app, c, &ids, q).await, "ATTACH");
        }
        // Nothing was attached by an earlier statement on a pooled connection.
        let (status, body) = run(&app, c, &ids, "read").await;
        assert_ne!(status, 200, "{body}");
        assert!(!body.to_string().contains("sessions"), "{body}");
    }
    assert_eq!(app.count("users").await, users_before);
}

async fn d7_every_statement_kind_that_leaves_the_file_is_refused(b: Backend) {
    let app = spawn_app(b).await;
    let admin = app.admin().await;
    let copy = app.data_dir.join("copy-of-everything.db");
    let copy_in_folder = app.data_dir.join("datasources").join("copy.db");
    let ids = app_with_queries(
        &app,
        &admin,
        json!([
            sql("vacuum_into", format!("VACUUM INTO '{}'", copy.display())),
            sql(
                "vacuum_into_folder",
                format!("VACUUM main INTO '{}'", copy_in_folder.display())
            ),
            sql("detach", "DETACH DATABASE main".into()),
            sql(
                "extension",
                "SELECT load_extension('/usr/lib/x86_64-linux-gnu/libc.so.6')".into()
            ),
            sql("writable_schema", "PRAGMA writable_schema = ON".into()),
            sql("journal", "PRAGMA journal_mode = OFF".into()),
            sql("schema_version", "PRAGMA schema_version = 1".into()),
            sql("mmap", "PRAGMA mmap_size = 1000000".into()),
            sql("temp_dir", "PRAGMA temp_store_directory = '/tmp'".into()),
            sql("pragma_fn", "SELECT * FROM pragma_journal_mode".into()),
        ]),
    )
    .await;
    for (q, why) in [
        ("vacuum_into", "VACUUM"),
        ("vacuum_into_folder", "VACUUM"),
        ("detach", "DETACH"),
        ("extension", "load_extension"),
        ("writable_schema", "PRAGMA writable_schema"),
        ("journal", "PRAGMA journal_mode"),
        ("schema_version", "PRAGMA schema_version"),
        ("mmap", "PRAGMA mmap_size"),
        ("temp_dir", "PRAGMA temp_store_directory"),
        ("pragma_fn", "PRAGMA journal_mode"),
    ] {
        refused(&run(&app, &admin, &ids, q).await, why);
    }
    assert!(!copy.exists(), "VACUUM INTO wrote {}", copy.display());
    assert!(
        !copy_in_folder.exists(),
        "VACUUM INTO wrote {}",
        copy_in_folder.display()
    );
}

async fn d7_the_queries_panel_is_confined_too(b: Backend) {
    let app = spawn_app(b).await;
    let admin = app.admin().await;
    let product = app.data_dir.join("test.db");
    let copy = app.data_dir.join("panel-copy.db");
    let ids = app_with_queries(
        &app,
        &admin,
        json!([
            sql(
                "own",
                format!("ATTACH DATABASE '{}' AS p", product.display())
            ),
            sql("vacuum_into", format!("VACUUM INTO '{}'", copy.display())),
            sql("ok", "SELECT customer FROM orders".into()),
        ]),
    )
    .await;
    let panel = |query: &'static str| {
        let url = app.url(&format!("/build/{}/versions/{}", ids.0, ids.1));
        let admin = admin.clone();
        async move {
            let r = admin
                .post(url)
                .form(&[("query", query), ("environment", "development")])
                .send()
                .await
                .unwrap();
            r.text().await.unwrap()
        }
    };
    let html = panel("own").await;
    assert!(
        html.contains("ATTACH and VACUUM INTO are not allowed"),
        "{html}"
    );
    let html = panel("vacuum_into").await;
    assert!(html.contains("not allowed"), "{html}");
    assert!(!copy.exists());
    let html = panel("ok").await;
    assert!(html.contains("dev row"), "{html}");
}

async fn d7_ordinary_queries_still_run(b: Backend) {
    let app = spawn_app(b).await;
    let admin = app.admin().await;
    let ids = app_with_queries(
        &app,
        &admin,
        json!([
            sql("select", "SELECT customer FROM orders ORDER BY id".into()),
            sql(
                "insert",
                "INSERT INTO orders (customer, qty) VALUES ('new', 2)".into()
            ),
            sql("schema", "PRAGMA table_info(orders)".into()),
            sql(
                "with_temp",
                "WITH t(x) AS (SELECT 1) SELECT x FROM t".into()
            ),
            sql(
                "create",
                "CREATE TABLE IF NOT EXISTS notes (body TEXT)".into()
            ),
        ]),
    )
    .await;
    for q in ["insert", "create", "schema", "with_temp"] {
        let (status, body) = run(&app, &admin, &ids, q).await;
        assert_eq!(status, 200, "{q}: {body}");
    }
    let (status, body) = run(&app, &admin, &ids, "select").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["rows"], json!([["dev row"], ["new"]]));
}
