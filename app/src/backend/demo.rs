//! The demo (issue 11): makes the lifecycle visible in a minute. Three
//! SQLite files in the data-source folder hold different rows for
//! development, staging and production; one data source points each
//! environment at its file; a constant differs per environment; and one
//! app has a version in each environment, the production one released.
//! Everything goes through the ordinary use cases, so it is audited and
//! checked like any change an admin makes.
use super::{apps, constants, data_sources, versions, Db};
use crate::domain::app::{
    DefinitionInput, NewAppInput, NewVersionInput, PromoteInput, ReleaseInput,
};
use crate::domain::constant::NewConstantInput;
use crate::domain::data_source::NewDataSourceInput;
use crate::domain::input::Input;
use crate::domain::user::User;
use crate::error::{AppError, AppResult};
use serde_json::json;
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions, Connection, Executor};

pub const DATA_SOURCE: &str = "Demo orders";
pub const APP: &str = "Demo shop";

const ROWS: [(&str, &[(&str, &str, i64)]); 3] = [
    (
        "development",
        &[
            ("Test customer", "Rubber duck", 1),
            ("Dev Dora", "Keyboard", 2),
        ],
    ),
    (
        "staging",
        &[
            ("Stella Staging", "Monitor", 1),
            ("QA Quinn", "Cable", 5),
            ("Test Tim", "Mouse", 3),
        ],
    ),
    (
        "production",
        &[
            ("Acme Ltd", "Laptop", 10),
            ("Globex", "Desk", 4),
            ("Initech", "Stapler", 40),
            ("Umbrella", "Chair", 12),
        ],
    ),
];

/// Writes one environment's demo file, replacing an old one.
async fn write_file(db: &Db, env: &str, rows: &[(&str, &str, i64)]) -> AppResult<String> {
    let file = format!("demo-{env}.db");
    let dir = db.pools.dir();
    let failed = |e: &dyn std::fmt::Display| {
        tracing::error!(error = %e, dir = %dir.display(), "cannot write the demo's SQLite files");
        AppError::internal()
    };
    std::fs::create_dir_all(dir).map_err(|e| failed(&e))?;
    let path = dir.join(&file);
    let _ = std::fs::remove_file(&path);
    let mut c = SqliteConnectOptions::new()
        .filename(&path)
        .create_if_missing(true)
        .connect()
        .await
        .map_err(|e| failed(&e))?;
    c.execute("CREATE TABLE orders (id INTEGER PRIMARY KEY, customer TEXT NOT NULL, item TEXT NOT NULL, qty INTEGER NOT NULL)")
        .await
        .map_err(|e| failed(&e))?;
    for (customer, item, qty) in rows {
        sqlx::query("INSERT INTO orders (customer, item, qty) VALUES (?1, ?2, ?3)")
            .bind(*customer)
            .bind(*item)
            .bind(*qty)
            .execute(&mut c)
            .await
            .map_err(|e| failed(&e))?;
    }
    c.close().await.map_err(|e| failed(&e))?;
    Ok(file)
}

fn definition(title: &str) -> serde_json::Value {
    json!({"pages": [{"name": "orders", "title": title, "components": [
        {"id": "title", "type": "heading", "text": "Orders in {{constants.DEMO_REGION}}"},
        {"id": "intro", "type": "text", "text": "Newest customer: {{queries.orders.rows[0].customer}}"},
        {"id": "who", "type": "input", "name": "customer", "label": "Customer contains", "input_type": "text"},
        {"id": "search", "type": "button", "label": "Search", "query": "orders"},
        {"id": "grid", "type": "table", "query": "orders"},
        {"id": "add", "type": "form", "query": "add_order", "submit_label": "Add order",
         "inputs": [{"name": "item", "label": "Item", "input_type": "text"},
                    {"name": "qty", "label": "Quantity", "input_type": "number"}]}]}],
     "queries": [
        {"name": "orders", "data_source": DATA_SOURCE, "run_on_load": true,
         "sql": "SELECT id, customer, item, qty FROM orders WHERE {{inputs.customer}} IS NULL OR customer LIKE '%' || {{inputs.customer}} || '%' ORDER BY id DESC"},
        {"name": "add_order", "data_source": DATA_SOURCE, "run_on_load": false,
         "sql": "INSERT INTO orders (customer, item, qty) VALUES ('Walk-in', {{inputs.item}}, {{inputs.qty}})"}]})
}

/// Creates the demo as `admin`; 409 when it exists already.
pub async fn create(db: &Db, admin: &User) -> AppResult<String> {
    super::users::require_admin(admin)?;
    if data_sources::kinds(db, None)
        .await?
        .contains_key(DATA_SOURCE)
    {
        return Err(AppError::conflict("The demo exists already"));
    }
    let mut files = serde_json::Map::new();
    for (env, rows) in ROWS {
        files.insert(
            env.into(),
            json!({ "file": write_file(db, env, rows).await? }),
        );
    }
    data_sources::create(
        db,
        admin,
        Input::typed(NewDataSourceInput {
            name: DATA_SOURCE.into(),
            kind: "sqlite".into(),
            environments: files.into_iter().collect(),
        }),
    )
    .await?;
    let region = constants::create(
        db,
        admin,
        Input::typed(NewConstantInput {
            name: "DEMO_REGION".into(),
            kind: "global".into(),
            values: [
                ("development", "the developer's sandbox"),
                ("staging", "the staging copy"),
                ("production", "production"),
            ]
            .into_iter()
            .map(|(e, v)| (e.to_string(), v.to_string()))
            .collect(),
        }),
    );
    // A name already taken by someone's own constant is theirs to keep.
    if let Err(e) = region.await {
        if e.status() != 409 {
            return Err(e);
        }
    }
    let (app, first) = apps::create(
        db,
        admin,
        Input::typed(NewAppInput {
            name: APP.into(),
            slug: None,
        }),
    )
    .await?;
    let step = |from: &str| {
        Input::typed(PromoteInput {
            from: Some(from.to_string()),
            override_preflight: None,
        })
    };
    // v1: released in production.
    versions::put_definition(
        db,
        admin,
        &app.id,
        &first.id,
        Input::typed(DefinitionInput {
            definition: Some(definition("Orders")),
            revision: Some(first.revision),
        }),
    )
    .await?;
    versions::save(db, admin, &app.id, &first.id).await?;
    versions::promote(db, admin, &app.id, &first.id, step("development")).await?;
    versions::promote(db, admin, &app.id, &first.id, step("staging")).await?;
    versions::release(
        db,
        admin,
        &app.id,
        &first.id,
        Input::typed(ReleaseInput {
            note: Some("The demo's first release".into()),
            override_preflight: None,
        }),
    )
    .await?;
    // v2: in staging, a new title being tested.
    let v2 = versions::create(
        db,
        admin,
        &app.id,
        Input::typed(NewVersionInput {
            name: "v2".into(),
            from_version_id: first.id.clone(),
            description: Some("A new title, in testing".into()),
        }),
    )
    .await?;
    versions::put_definition(
        db,
        admin,
        &app.id,
        &v2.id,
        Input::typed(DefinitionInput {
            definition: Some(definition("Orders, now with search")),
            revision: Some(v2.revision),
        }),
    )
    .await?;
    versions::save(db, admin, &app.id, &v2.id).await?;
    versions::promote(db, admin, &app.id, &v2.id, step("development")).await?;
    // v3: a draft in development.
    versions::create(
        db,
        admin,
        &app.id,
        Input::typed(NewVersionInput {
            name: "v3".into(),
            from_version_id: v2.id.clone(),
            description: Some("Work in progress".into()),
        }),
    )
    .await?;
    Ok(app.slug)
}
