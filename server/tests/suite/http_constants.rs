//! Constants (SPEC C1, C3, D3, P9; API.md "Constants"), on both databases:
//! validation naming the field, a global and a secret sharing a name,
//! secrets write-only and sealed at rest, who may list and change them,
//! and simultaneous writes.
use crate::both_backends;
use crate::support::*;
use serde_json::{json, Value};

both_backends!(
    c1_every_bad_field_is_named_and_changes_nothing,
    c1_a_global_and_a_secret_share_a_name_and_the_type_never_changes,
    c3_d3_secrets_are_write_only_and_sealed_at_rest,
    p9_listing_needs_edit_somewhere_and_changing_the_flag,
    c1_simultaneous_creates_of_one_name_make_one,
    c1_simultaneous_value_writes_and_a_delete_never_fail,
);

const SECRET: &str = "pw-Zq8-never-shown";

async fn create(app: &TestApp, c: &reqwest::Client, body: Value) -> Value {
    let r = app.post(c, "/api/v1/constants", body).await;
    assert_eq!(r.status(), 201);
    r.json().await.unwrap()
}

async fn list(app: &TestApp, c: &reqwest::Client) -> Value {
    let r = app.get(c, "/api/v1/constants").await;
    assert_eq!(r.status(), 200);
    r.json().await.unwrap()
}

async fn c1_every_bad_field_is_named_and_changes_nothing(b: Backend) {
    let app = spawn_app(b).await;
    let admin = app.admin().await;
    let long = "v".repeat(10_001);
    let name51 = "N".repeat(51);
    let cases: Vec<(Value, &str)> = vec![
        (json!({"type": "global"}), "name"),
        (json!({"name": "", "type": "global"}), "name"),
        (json!({"name": "2FAST", "type": "global"}), "name"),
        (json!({"name": "with-dash", "type": "global"}), "name"),
        (json!({"name": "with space", "type": "global"}), "name"),
        (json!({"name": name51, "type": "global"}), "name"),
        (json!({"name": 5, "type": "global"}), "name"),
        (json!({"name": "A"}), "type"),
        (json!({"name": "A", "type": "constant"}), "type"),
        (
            json!({"name": "A", "type": "global", "values": {"qa": "x"}}),
            "values.qa",
        ),
        (
            json!({"name": "A", "type": "global", "values": {"staging": ""}}),
            "values.staging",
        ),
        (
            json!({"name": "A", "type": "global", "values": {"staging": long}}),
            "values.staging",
        ),
        (
            json!({"name": "A", "type": "global", "values": {"staging": 5}}),
            "values.staging",
        ),
        (
            json!({"name": "A", "type": "global", "values": ["x"]}),
            "values",
        ),
        (
            json!({"name": "A", "type": "secret", "values": {"staging": "********"}}),
            "values.staging",
        ),
    ];
    for (body, field) in cases {
        let r = app.post(&admin, "/api/v1/constants", body.clone()).await;
        assert_error(r, 422, "invalid", Some(field)).await;
    }
    assert_eq!(app.count("constants").await, 0);
    assert_eq!(app.count("constant_values").await, 0);

    // The longest name and value are accepted.
    let name50 = "N".repeat(50);
    let made = create(
        &app,
        &admin,
        json!({"name": name50, "type": "global", "values": {"staging": "v".repeat(10_000)}}),
    )
    .await;
    let id = made["id"].as_str().unwrap();
    for (path, body, status, field) in [
        ("values/staging", json!({"value": ""}), 422, Some("value")),
        (
            "values/staging",
            json!({"value": "v".repeat(10_001)}),
            422,
            Some("value"),
        ),
        (
            "values/staging",
            json!({"value": ["x"]}),
            422,
            Some("value"),
        ),
        ("values/staging", json!({}), 422, Some("value")),
        ("values/qa", json!({"value": "x"}), 404, None),
    ] {
        let r = app
            .put(&admin, &format!("/api/v1/constants/{id}/{path}"), body)
            .await;
        let code = if status == 404 {
            "not_found"
        } else {
            "invalid"
        };
        assert_error(r, status, code, field).await;
    }
    let listed = list(&app, &admin).await;
    assert_eq!(
        listed[0]["values"]["staging"].as_str().unwrap().len(),
        10_000
    );
    let r = app
        .put(
            &admin,
            "/api/v1/constants/nope/values/staging",
            json!({"value": "x"}),
        )
        .await;
    assert_error(r, 404, "not_found", None).await;
    let r = app.delete(&admin, "/api/v1/constants/nope").await;
    assert_error(r, 404, "not_found", None).await;
    let r = app
        .delete(&admin, &format!("/api/v1/constants/{id}/values/production"))
        .await;
    assert_error(r, 404, "not_found", None).await;
}

async fn c1_a_global_and_a_secret_share_a_name_and_the_type_never_changes(b: Backend) {
    let app = spawn_app(b).await;
    let admin = app.admin().await;
    let global = create(
        &app,
        &admin,
        json!({"name": "REGION", "type": "global", "values": {"development": "eu-dev", "production": "eu"}}),
    )
    .await;
    assert_eq!(global["type"], "global");
    assert_eq!(
        global["values"],
        json!({"development": "eu-dev", "production": "eu"})
    );
    let secret = create(
        &app,
        &admin,
        json!({"name": "REGION", "type": "secret", "values": {"staging": SECRET}}),
    )
    .await;
    assert_eq!(secret["values"], json!({"staging": "********"}));
    // Same name and type again: 409 naming the name. Names are exact.
    let r = app
        .post(
            &admin,
            "/api/v1/constants",
            json!({"name": "REGION", "type": "secret"}),
        )
        .await;
    assert_error(r, 409, "conflict", Some("name")).await;
    create(&app, &admin, json!({"name": "region", "type": "global"})).await;

    // Values per environment: set, replace, delete one; the type stays.
    let id = global["id"].as_str().unwrap();
    let r = app
        .put(
            &admin,
            &format!("/api/v1/constants/{id}/values/staging"),
            json!({"value": "eu-test", "type": "secret"}),
        )
        .await;
    assert_eq!(r.status(), 200);
    let r = app
        .delete(
            &admin,
            &format!("/api/v1/constants/{id}/values/development"),
        )
        .await;
    assert_eq!(r.status(), 204);
    let listed = list(&app, &admin).await;
    let names: Vec<(&str, &str)> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["name"].as_str().unwrap(), c["type"].as_str().unwrap()))
        .collect();
    assert_eq!(
        names,
        [
            ("REGION", "global"),
            ("REGION", "secret"),
            ("region", "global")
        ]
    );
    assert_eq!(
        listed[0]["values"],
        json!({"staging": "eu-test", "production": "eu"})
    );
    let r = app.delete(&admin, &format!("/api/v1/constants/{id}")).await;
    assert_eq!(r.status(), 204);
    assert_eq!(list(&app, &admin).await.as_array().unwrap().len(), 2);
    // The values went with it.
    assert_eq!(app.count("constant_values").await, 1);
}

async fn c3_d3_secrets_are_write_only_and_sealed_at_rest(b: Backend) {
    let app = spawn_app(b).await;
    let admin = app.admin().await;
    let made = create(
        &app,
        &admin,
        json!({"name": "DB_PASSWORD", "type": "secret", "values": {"production": SECRET}}),
    )
    .await;
    let id = made["id"].as_str().unwrap();
    let path = format!("/api/v1/constants/{id}/values/production");
    // Sent back masked: kept. Masked where nothing is stored: refused.
    let r = app.put(&admin, &path, json!({"value": "********"})).await;
    assert_eq!(r.status(), 200);
    let r = app
        .put(
            &admin,
            &format!("/api/v1/constants/{id}/values/staging"),
            json!({"value": "********"}),
        )
        .await;
    assert_error(r, 422, "invalid", Some("value")).await;
    let values =
        app::backend::constants::values_in(&app.db, &crate::domain_access::en("production"))
            .await
            .unwrap();
    use secrecy::ExposeSecret;
    assert_eq!(values.secrets["DB_PASSWORD"].expose_secret(), SECRET);

    // Every read masks it; the table holds it sealed.
    let text = list(&app, &admin).await.to_string();
    assert!(
        !text.contains(SECRET) && text.contains("********"),
        "{text}"
    );
    let page = app.page(&admin, "/constants").await.text().await.unwrap();
    assert!(!page.contains(SECRET) && page.contains("DB_PASSWORD"));
    let audit = app.get(&admin, "/api/v1/audit").await.text().await.unwrap();
    assert!(!audit.contains(SECRET));
    use sqlx::Row;
    let raw: String = sqlx::query("SELECT value FROM constant_values")
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
        .get("value");
    assert!(raw.starts_with("v1:") && !raw.contains(SECRET), "{raw}");
    // A sealed value moved to another environment does not open there.
    sqlx::query("UPDATE constant_values SET environment = 'staging'")
        .execute(&app.db.pool)
        .await
        .unwrap();
    // The ERROR it logs is expected (scripts/expected-errors.txt).
    use tracing::Instrument;
    let moved = app::backend::constants::values_in(&app.db, &crate::domain_access::en("staging"))
        .instrument(tracing::error_span!("request", id = "corrupt-row-probe"))
        .await;
    assert!(moved.is_err());
    if matches!(b, Backend::Sqlite) {
        let file = std::fs::read(app.data_dir.join("test.db")).unwrap_or_default();
        let wal = std::fs::read(app.data_dir.join("test.db-wal")).unwrap_or_default();
        for bytes in [file, wal] {
            assert!(!String::from_utf8_lossy(&bytes).contains(SECRET));
        }
    }
    assert_not_logged(&[SECRET]);
}

async fn p9_listing_needs_edit_somewhere_and_changing_the_flag(b: Backend) {
    let app = spawn_app(b).await;
    let admin = app.admin().await;
    let (_, builder) = app.user(&admin, "bea@example.com", "builder").await;
    let (_, end_user) = app.user(&admin, "eve@example.com", "end-user").await;
    create(
        &app,
        &admin,
        json!({"name": "REGION", "type": "global", "values": {"production": "eu"}}),
    )
    .await;
    // No app yet: the builder edits nothing, so sees nothing.
    let r = app.get(&builder, "/api/v1/constants").await;
    assert_error(r, 403, "forbidden", None).await;
    let r = app
        .post(&admin, "/api/v1/apps", json!({"name": "Orders"}))
        .await;
    assert_eq!(r.status(), 201);
    assert_eq!(list(&app, &builder).await[0]["values"]["production"], "eu");
    // End users never list or change them, whatever they send.
    let r = app.get(&end_user, "/api/v1/constants").await;
    assert_error(r, 403, "forbidden", None).await;
    let r = app
        .post(&end_user, "/api/v1/constants", json!({"name": 5}))
        .await;
    assert_error(r, 403, "forbidden", None).await;
    // Without manage_constants a builder lists but cannot change.
    let r = app
        .patch(
            &admin,
            "/api/v1/groups/group-builder",
            json!({"flags": {"manage_constants": false}}),
        )
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(list(&app, &builder).await.as_array().unwrap().len(), 1);
    let r = app
        .post(
            &builder,
            "/api/v1/constants",
            json!({"name": "X", "type": "global"}),
        )
        .await;
    let body = assert_error(r, 403, "forbidden", None).await;
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("manage_constants"));
    let id = list(&app, &admin).await[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    for r in [
        app.put(
            &builder,
            &format!("/api/v1/constants/{id}/values/staging"),
            json!({"value": "x"}),
        )
        .await,
        app.delete(
            &builder,
            &format!("/api/v1/constants/{id}/values/production"),
        )
        .await,
        app.delete(&builder, &format!("/api/v1/constants/{id}"))
            .await,
    ] {
        assert_error(r, 403, "forbidden", None).await;
    }
    assert_eq!(
        list(&app, &admin).await[0]["values"],
        json!({"production": "eu"})
    );
    // Removing the builders' edit on every app leaves them nothing to list.
    let r = app
        .delete(
            &admin,
            "/api/v1/groups/group-builder/app-permissions/permission-builder-default",
        )
        .await;
    assert_eq!(r.status(), 204);
    let r = app.get(&builder, "/api/v1/constants").await;
    assert_error(r, 403, "forbidden", None).await;
}

async fn c1_simultaneous_creates_of_one_name_make_one(b: Backend) {
    let app = spawn_app(b).await;
    let admin = app.admin().await;
    for round in 0..3 {
        let name = format!("RACE_{round}");
        let calls = (0..12).map(|_| {
            app.post(
                &admin,
                "/api/v1/constants",
                json!({"name": name, "type": "secret", "values": {"production": SECRET}}),
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
            [[201].as_slice(), &[409; 11]].concat(),
            "round {round}"
        );
    }
    assert_eq!(app.count("constants").await, 3);
    let creates = app
        .audit_actions()
        .await
        .iter()
        .filter(|a| *a == "constant.create")
        .count();
    assert_eq!(creates, 3);
}

async fn c1_simultaneous_value_writes_and_a_delete_never_fail(b: Backend) {
    let app = spawn_app(b).await;
    let admin = app.admin().await;
    for round in 0..3 {
        let made = create(
            &app,
            &admin,
            json!({"name": format!("R{round}"), "type": "secret"}),
        )
        .await;
        let id = made["id"].as_str().unwrap().to_string();
        let paths: Vec<String> = (0..10)
            .map(|i| {
                let env = ["development", "staging", "production"][i % 3];
                format!("/api/v1/constants/{id}/values/{env}")
            })
            .collect();
        let calls = paths
            .iter()
            .enumerate()
            .map(|(i, p)| app.put(&admin, p, json!({"value": format!("value-{i}")})));
        let whole = format!("/api/v1/constants/{id}");
        let delete = app.delete(&admin, &whole);
        let (puts, deleted) = tokio::join!(futures::future::join_all(calls), delete);
        assert_eq!(deleted.status(), 204);
        for r in puts {
            assert!(
                [200, 404].contains(&r.status().as_u16()),
                "round {round}: {}",
                r.status()
            );
        }
    }
    assert_eq!(app.count("constants").await, 0);
    assert_eq!(app.count("constant_values").await, 0);
}
