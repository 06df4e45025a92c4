//! The form editor through its server function (issue 11, V3, V10), on
//! both databases: each change is saved at the revision it was made on, a
//! stale one is refused and changes nothing, a saved version is read-only,
//! and what the rules refuse is refused naming the field.
use crate::both_backends;
use crate::http_data_sources::create;
use crate::support::*;
use serde_json::{json, Value};

both_backends!(editor_changes_are_saved_checked_and_optimistic);

async fn change(
    app: &TestApp,
    c: &reqwest::Client,
    ids: &(String, String),
    revision: i64,
    form: &str,
) -> (u16, Value) {
    let body = format!(
        "app_id={}&version_id={}&revision={revision}&{form}",
        ids.0, ids.1
    );
    let r = c
        .post(app.url("/api/edit_definition"))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("accept", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn editor_changes_are_saved_checked_and_optimistic(b: Backend) {
    let app = spawn_app(b).await;
    let admin = app.admin().await;
    create(&app, &admin, json!({"name": "DB", "kind": "sqlite"})).await;
    let r = app
        .post(&admin, "/api/v1/apps", json!({"name": "Edited"}))
        .await;
    let made: Value = r.json().await.unwrap();
    let ids = (
        made["id"].as_str().unwrap().to_string(),
        made["first_version"]["id"].as_str().unwrap().to_string(),
    );
    let (s, v) = change(
        &app,
        &admin,
        &ids,
        1,
        "op=add_query&name=orders&data_source=DB",
    )
    .await;
    assert_eq!((s, v["revision"].as_i64()), (200, Some(2)), "{v}");
    let (s, v) = change(
        &app,
        &admin,
        &ids,
        2,
        "op=add_component&page=home&kind=table&id=grid",
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(
        v["definition"]["pages"][0]["components"][0],
        json!({"id": "grid", "type": "table", "query": "orders"})
    );
    // A change made on revision 2 after another one: stale, nothing changes.
    let (s, v) = change(
        &app,
        &admin,
        &ids,
        2,
        "op=add_component&page=home&kind=text&id=late",
    )
    .await;
    assert_eq!((s, v["code"].as_str()), (409, Some("conflict")), "{v}");
    // What the rules refuse is refused, naming the field.
    let (s, v) = change(
        &app,
        &admin,
        &ids,
        3,
        "op=add_component&page=home&kind=text&id=bad+id",
    )
    .await;
    assert_eq!(
        (s, v["field"].as_str()),
        (422, Some("definition.pages[0].components[1].id")),
        "{v}"
    );
    let (s, v) = change(
        &app,
        &admin,
        &ids,
        3,
        "op=set_query&name=orders&sql=SELECT+%7B%7Binputs.nobody%7D%7D",
    )
    .await;
    assert_eq!(
        (s, v["field"].as_str()),
        (422, Some("definition.queries[0].sql")),
        "{v}"
    );
    let got: Value = app
        .get(
            &admin,
            &format!("/api/v1/apps/{}/versions/{}", ids.0, ids.1),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(got["revision"], 3);
    assert_eq!(
        got["definition"]["pages"][0]["components"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    // The editor page shows the forms; a viewer's are read-only (403 on change).
    let html = app
        .page(&admin, &format!("/build/{}/versions/{}/edit", ids.0, ids.1))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("data-component=\"grid\"") && html.contains("Add component"),
        "{html}"
    );
    let (viewer_id, viewer) = app.user(&admin, "vic@example.com", "builder").await;
    let r = app
        .delete(
            &admin,
            "/api/v1/groups/group-builder/app-permissions/permission-builder-default",
        )
        .await;
    assert_eq!(r.status(), 204);
    let g: Value = app
        .post(&admin, "/api/v1/groups", json!({"name": "Viewers"}))
        .await
        .json()
        .await
        .unwrap();
    let gid = g["id"].as_str().unwrap();
    assert_eq!(
        app.post(
            &admin,
            &format!("/api/v1/groups/{gid}/app-permissions"),
            json!({"apps": "all", "access": "view"})
        )
        .await
        .status(),
        201
    );
    assert_eq!(
        admin
            .put(app.url(&format!("/api/v1/groups/{gid}/members/{viewer_id}")))
            .send()
            .await
            .unwrap()
            .status(),
        204
    );
    let (s, _) = change(&app, &viewer, &ids, 3, "op=add_page&name=two").await;
    assert_eq!(s, 403);
    // Saved: read-only for everyone (V3).
    assert_eq!(
        app.post(
            &admin,
            &format!("/api/v1/apps/{}/versions/{}/save", ids.0, ids.1),
            json!({})
        )
        .await
        .status(),
        200
    );
    let (s, v) = change(&app, &admin, &ids, 3, "op=add_page&name=two").await;
    assert_eq!(s, 409, "{v}");
}
