//! The lifecycle through the HTTP API (SPEC A1, A2, V1–V10, L1), on both
//! databases, including concurrent promotes and releases.
use crate::both_backends;
use crate::support::*;
use serde_json::{json, Value};

both_backends!(
    a1_a2_apps_names_slugs_and_first_version,
    v1_v2_v3_v10_versions_and_edits,
    v5_promote_exactly_one_step,
    v6_v7_release_and_rollback,
    v8_delete_refusals,
    v9_listing_per_environment,
    p5_end_users_change_nothing,
    v5_l1_twelve_simultaneous_promotes_one_wins,
    v6_l1_simultaneous_releases_end_at_one_of_them,
    v3_v5_v6_server_functions_enforce_the_same_rules,
);

pub async fn new_app(app: &TestApp, c: &reqwest::Client, name: &str) -> (String, String) {
    let r = app.post(c, "/api/v1/apps", json!({"name": name})).await;
    assert_eq!(r.status(), 201, "create app {name}");
    let v: Value = r.json().await.unwrap();
    (
        v["id"].as_str().unwrap().into(),
        v["first_version"]["id"].as_str().unwrap().into(),
    )
}

pub async fn act(
    app: &TestApp,
    c: &reqwest::Client,
    app_id: &str,
    vid: &str,
    what: &str,
    body: Value,
) -> reqwest::Response {
    app.post(
        c,
        &format!("/api/v1/apps/{app_id}/versions/{vid}/{what}"),
        body,
    )
    .await
}

/// Creates a version from `from` and returns its id.
pub async fn version_from(
    app: &TestApp,
    c: &reqwest::Client,
    app_id: &str,
    from: &str,
    name: &str,
) -> String {
    let r = app
        .post(
            c,
            &format!("/api/v1/apps/{app_id}/versions"),
            json!({"name": name, "from_version_id": from}),
        )
        .await;
    assert_eq!(r.status(), 201, "create version {name}");
    r.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .into()
}

/// Saves `vid` and promotes it up to production.
async fn to_production(app: &TestApp, c: &reqwest::Client, app_id: &str, vid: &str) {
    assert_eq!(
        act(app, c, app_id, vid, "save", json!({})).await.status(),
        200
    );
    for from in ["development", "staging"] {
        assert_eq!(
            act(app, c, app_id, vid, "promote", json!({"from": from}))
                .await
                .status(),
            200,
            "promote from {from}"
        );
    }
}

async fn a1_a2_apps_names_slugs_and_first_version(b: Backend) {
    let app = spawn_app(b).await;
    let admin = app.admin().await;
    let r = app
        .post(&admin, "/api/v1/apps", json!({"name": "  Orders Admin! "}))
        .await;
    assert_eq!(r.status(), 201);
    let a: Value = r.json().await.unwrap();
    assert_eq!(a["name"], "Orders Admin!");
    assert_eq!(a["slug"], "orders-admin");
    assert_eq!(a["public"], false);
    assert!(a["released_version_id"].is_null());
    assert_eq!(a["access"]["level"], "edit");
    let v1 = &a["first_version"];
    assert_eq!(
        (
            v1["name"].as_str(),
            v1["status"].as_str(),
            v1["environment"].as_str()
        ),
        (Some("v1"), Some("draft"), Some("development"))
    );
    // A taken derived slug gets a suffix; a duplicate name is a conflict.
    let r = app
        .post(&admin, "/api/v1/apps", json!({"name": "orders-admin"}))
        .await;
    assert_eq!(r.json::<Value>().await.unwrap()["slug"], "orders-admin-2");
    let r = app
        .post(&admin, "/api/v1/apps", json!({"name": "Orders_Admin"}))
        .await;
    assert_eq!(r.json::<Value>().await.unwrap()["slug"], "orders-admin-3");
    assert_error(
        app.post(&admin, "/api/v1/apps", json!({"name": "ORDERS ADMIN!"}))
            .await,
        409,
        "conflict",
        None,
    )
    .await;
    assert_error(
        app.post(
            &admin,
            "/api/v1/apps",
            json!({"name": "Other", "slug": "orders-admin"}),
        )
        .await,
        409,
        "conflict",
        None,
    )
    .await;
    for (body, field) in [
        (json!({}), "name"),
        (json!({"name": "   "}), "name"),
        (json!({"name": "x".repeat(51)}), "name"),
        (json!({"name": "Fine", "slug": "Bad Slug"}), "slug"),
        (json!({"name": "Fine", "slug": "-dash"}), "slug"),
        (json!({"name": "Fine", "slug": "a".repeat(64)}), "slug"),
        (json!({"name": "!!!"}), "slug"),
    ] {
        assert_error(
            app.post(&admin, "/api/v1/apps", body).await,
            422,
            "invalid",
            Some(field),
        )
        .await;
    }
    assert_eq!(app.count("apps").await, 3);
    assert_eq!(app.count("versions").await, 3);
    let list: Value = app.get(&admin, "/api/v1/apps").await.json().await.unwrap();
    let names: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Orders Admin!", "orders-admin", "Orders_Admin"]);
    // PATCH and 404.
    let id = a["id"].as_str().unwrap();
    let r = app
        .patch(
            &admin,
            &format!("/api/v1/apps/{id}"),
            json!({"public": true, "slug": "orders"}),
        )
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<Value>().await.unwrap()["slug"], "orders");
    assert_error(
        app.get(&admin, "/api/v1/apps/nope").await,
        404,
        "not_found",
        None,
    )
    .await;
    let actions = app.audit_actions().await;
    assert_eq!(actions.iter().filter(|a| *a == "app.create").count(), 3);
    assert_eq!(actions.last().unwrap(), "app.update");
}

async fn v1_v2_v3_v10_versions_and_edits(b: Backend) {
    let app = spawn_app(b).await;
    let admin = app.admin().await;
    let (app_id, v1) = new_app(&app, &admin, "Stock").await;
    let base = format!("/api/v1/apps/{app_id}/versions");
    // V10: optimistic concurrency on the definition.
    let r = app
        .put(
            &admin,
            &format!("{base}/{v1}/definition"),
            json!({"definition": {"pages": [{"name": "home"}]}, "revision": 1}),
        )
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<Value>().await.unwrap()["revision"], 2);
    let stale = app
        .put(
            &admin,
            &format!("{base}/{v1}/definition"),
            json!({"definition": {"pages": []}, "revision": 1}),
        )
        .await;
    assert_error(stale, 409, "conflict", None).await;
    for (body, field) in [
        (json!({"definition": [1], "revision": 2}), "definition"),
        (json!({"revision": 2}), "definition"),
        (json!({"definition": {}}), "revision"),
        (json!({"definition": {}, "revision": "2"}), "revision"),
    ] {
        assert_error(
            app.put(&admin, &format!("{base}/{v1}/definition"), body)
                .await,
            422,
            "invalid",
            Some(field),
        )
        .await;
    }
    // V3: rename and describe a draft.
    let r = app
        .patch(
            &admin,
            &format!("{base}/{v1}"),
            json!({"name": " first ", "description": "the start"}),
        )
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<Value>().await.unwrap()["name"], "first");
    for (body, field) in [
        (json!({"name": ""}), "name"),
        (json!({"name": "n".repeat(26)}), "name"),
        (json!({"description": "d".repeat(501)}), "description"),
    ] {
        assert_error(
            app.patch(&admin, &format!("{base}/{v1}"), body).await,
            422,
            "invalid",
            Some(field),
        )
        .await;
    }
    // V4: saving freezes the definition.
    let r = app
        .post(&admin, &format!("{base}/{v1}/save"), json!({}))
        .await;
    assert_eq!(r.json::<Value>().await.unwrap()["status"], "saved");
    assert_error(
        app.post(&admin, &format!("{base}/{v1}/save"), json!({}))
            .await,
        409,
        "conflict",
        None,
    )
    .await;
    assert_error(
        app.patch(&admin, &format!("{base}/{v1}"), json!({"name": "renamed"}))
            .await,
        409,
        "conflict",
        None,
    )
    .await;
    assert_error(
        app.put(
            &admin,
            &format!("{base}/{v1}/definition"),
            json!({"definition": {}, "revision": 2}),
        )
        .await,
        409,
        "conflict",
        None,
    )
    .await;
    let got: Value = app
        .get(&admin, &format!("{base}/{v1}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(got["definition"], json!({"pages": [{"name": "home"}]}));
    // V2: a new draft copies the definition, from any environment.
    let r = app
        .post(
            &admin,
            &base,
            json!({"name": "second", "from_version_id": v1, "description": "next"}),
        )
        .await;
    assert_eq!(r.status(), 201);
    let v2: Value = r.json().await.unwrap();
    assert_eq!(
        (
            v2["status"].as_str(),
            v2["environment"].as_str(),
            v2["parent_version_id"].as_str()
        ),
        (Some("draft"), Some("development"), Some(v1.as_str()))
    );
    let got: Value = app
        .get(&admin, &format!("{base}/{}", v2["id"].as_str().unwrap()))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(got["definition"], json!({"pages": [{"name": "home"}]}));
    // V1: names are unique within the app.
    assert_error(
        app.post(
            &admin,
            &base,
            json!({"name": "SECOND", "from_version_id": v1}),
        )
        .await,
        409,
        "conflict",
        None,
    )
    .await;
    assert_error(
        app.post(
            &admin,
            &base,
            json!({"name": "third", "from_version_id": "nope"}),
        )
        .await,
        422,
        "invalid",
        Some("from_version_id"),
    )
    .await;
    assert_error(
        app.post(&admin, &base, json!({"name": "", "from_version_id": v1}))
            .await,
        422,
        "invalid",
        Some("name"),
    )
    .await;
    assert_error(
        app.get(&admin, &format!("{base}/nope")).await,
        404,
        "not_found",
        None,
    )
    .await;
    assert_eq!(app.count("versions").await, 2);
}

async fn v5_promote_exactly_one_step(b: Backend) {
    let app = spawn_app(b).await;
    let admin = app.admin().await;
    let (app_id, v1) = new_app(&app, &admin, "Stock").await;
    assert_error(
        act(
            &app,
            &admin,
            &app_id,
            &v1,
            "promote",
            json!({"from": "development"}),
        )
        .await,
        409,
        "conflict",
        None,
    )
    .await;
    act(&app, &admin, &app_id, &v1, "save", json!({})).await;
    assert_error(
        act(&app, &admin, &app_id, &v1, "promote", json!({})).await,
        422,
        "invalid",
        Some("from"),
    )
    .await;
    assert_error(
        act(&app, &admin, &app_id, &v1, "promote", json!({"from": "qa"})).await,
        422,
        "invalid",
        Some("from"),
    )
    .await;
    assert_error(
        act(
            &app,
            &admin,
            &app_id,
            &v1,
            "promote",
            json!({"from": "staging"}),
        )
        .await,
        409,
        "conflict",
        None,
    )
    .await;
    let r = act(
        &app,
        &admin,
        &app_id,
        &v1,
        "promote",
        json!({"from": "development"}),
    )
    .await;
    assert_eq!(r.json::<Value>().await.unwrap()["environment"], "staging");
    assert_error(
        act(
            &app,
            &admin,
            &app_id,
            &v1,
            "promote",
            json!({"from": "development"}),
        )
        .await,
        409,
        "conflict",
        None,
    )
    .await;
    let r = act(
        &app,
        &admin,
        &app_id,
        &v1,
        "promote",
        json!({"from": "staging"}),
    )
    .await;
    assert_eq!(
        r.json::<Value>().await.unwrap()["environment"],
        "production"
    );
    assert_error(
        act(
            &app,
            &admin,
            &app_id,
            &v1,
            "promote",
            json!({"from": "production"}),
        )
        .await,
        409,
        "conflict",
        None,
    )
    .await;
    let page: Value = app
        .get(
            &admin,
            &format!("/api/v1/audit?app_id={app_id}&action=version.promote"),
        )
        .await
        .json()
        .await
        .unwrap();
    let details: Vec<(String, String)> = page["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["details"]["from"].as_str().unwrap().into(),
                e["details"]["to"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        details,
        [
            ("staging".to_string(), "production".to_string()),
            ("development".into(), "staging".into())
        ]
    );
}

async fn v6_v7_release_and_rollback(b: Backend) {
    let app = spawn_app(b).await;
    let admin = app.admin().await;
    let (app_id, v1) = new_app(&app, &admin, "Stock").await;
    act(&app, &admin, &app_id, &v1, "save", json!({})).await;
    assert_error(
        act(&app, &admin, &app_id, &v1, "release", json!({})).await,
        409,
        "conflict",
        None,
    )
    .await;
    act(
        &app,
        &admin,
        &app_id,
        &v1,
        "promote",
        json!({"from": "development"}),
    )
    .await;
    assert_error(
        act(&app, &admin, &app_id, &v1, "release", json!({})).await,
        409,
        "conflict",
        None,
    )
    .await;
    act(
        &app,
        &admin,
        &app_id,
        &v1,
        "promote",
        json!({"from": "staging"}),
    )
    .await;
    let r = act(
        &app,
        &admin,
        &app_id,
        &v1,
        "release",
        json!({"note": "first"}),
    )
    .await;
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.json::<Value>().await.unwrap(),
        json!({"released_version_id": v1, "previous_version_id": null})
    );
    let before = app.audit_actions().await.len();
    let again = act(&app, &admin, &app_id, &v1, "release", json!({})).await;
    assert_eq!(
        again.json::<Value>().await.unwrap(),
        json!({"released_version_id": v1, "previous_version_id": v1})
    );
    assert_eq!(
        app.audit_actions().await.len(),
        before,
        "a re-release changes and records nothing"
    );
    let v2 = version_from(&app, &admin, &app_id, &v1, "v2").await;
    to_production(&app, &admin, &app_id, &v2).await;
    let r = act(&app, &admin, &app_id, &v2, "release", json!({})).await;
    assert_eq!(
        r.json::<Value>().await.unwrap(),
        json!({"released_version_id": v2, "previous_version_id": v1})
    );
    // V7: rollback is releasing the older one.
    let r = act(
        &app,
        &admin,
        &app_id,
        &v1,
        "release",
        json!({"note": "rollback"}),
    )
    .await;
    assert_eq!(
        r.json::<Value>().await.unwrap(),
        json!({"released_version_id": v1, "previous_version_id": v2})
    );
    let a: Value = app
        .get(&admin, &format!("/api/v1/apps/{app_id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(a["released_version_id"], v1.as_str());
    let list: Value = app
        .get(
            &admin,
            &format!("/api/v1/apps/{app_id}/versions?environment=production"),
        )
        .await
        .json()
        .await
        .unwrap();
    let released: Vec<bool> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["released"].as_bool().unwrap())
        .collect();
    assert_eq!(released.iter().filter(|r| **r).count(), 1);
    let page: Value = app
        .get(
            &admin,
            &format!("/api/v1/audit?app_id={app_id}&action=version.release"),
        )
        .await
        .json()
        .await
        .unwrap();
    let last = &page["entries"][0]["details"];
    assert_eq!(
        (
            last["previous_version_id"].as_str(),
            last["version_id"].as_str(),
            last["note"].as_str()
        ),
        (Some(v2.as_str()), Some(v1.as_str()), Some("rollback"))
    );
    assert_eq!(page["entries"].as_array().unwrap().len(), 3);
}

async fn v8_delete_refusals(b: Backend) {
    let app = spawn_app(b).await;
    let admin = app.admin().await;
    let (app_id, v1) = new_app(&app, &admin, "Stock").await;
    let del = |vid: String| {
        let url = app.url(&format!("/api/v1/apps/{app_id}/versions/{vid}"));
        let c = admin.clone();
        async move { c.delete(url).send().await.unwrap() }
    };
    assert_error(del(v1.clone()).await, 409, "conflict", None).await;
    to_production(&app, &admin, &app_id, &v1).await;
    act(&app, &admin, &app_id, &v1, "release", json!({})).await;
    let v2 = version_from(&app, &admin, &app_id, &v1, "v2").await;
    assert_error(del(v1.clone()).await, 409, "conflict", None).await;
    assert_eq!(del(v2.clone()).await.status(), 204);
    assert_error(del(v2.clone()).await, 404, "not_found", None).await;
    assert_eq!(app.count("versions").await, 1);
    assert_eq!(app.audit_actions().await.last().unwrap(), "version.delete");
}

async fn v9_listing_per_environment(b: Backend) {
    let app = spawn_app(b).await;
    let admin = app.admin().await;
    let (app_id, v1) = new_app(&app, &admin, "Stock").await;
    let v2 = version_from(&app, &admin, &app_id, &v1, "v2").await;
    let v3 = version_from(&app, &admin, &app_id, &v1, "v3").await;
    to_production(&app, &admin, &app_id, &v1).await;
    act(&app, &admin, &app_id, &v2, "save", json!({})).await;
    act(
        &app,
        &admin,
        &app_id,
        &v2,
        "promote",
        json!({"from": "development"}),
    )
    .await;
    let names = |env: Option<&'static str>| {
        let url = match env {
            Some(e) => format!("/api/v1/apps/{app_id}/versions?environment={e}"),
            None => format!("/api/v1/apps/{app_id}/versions"),
        };
        let (app, admin) = (&app, &admin);
        async move {
            let v: Value = app.get(admin, &url).await.json().await.unwrap();
            let mut n: Vec<String> = v
                .as_array()
                .unwrap()
                .iter()
                .map(|x| x["name"].as_str().unwrap().to_string())
                .collect();
            n.sort();
            n
        }
    };
    assert_eq!(names(Some("development")).await, ["v1", "v2", "v3"]);
    assert_eq!(names(Some("staging")).await, ["v1", "v2"]);
    assert_eq!(names(Some("production")).await, ["v1"]);
    assert_eq!(names(None).await, ["v1", "v2", "v3"]);
    assert_error(
        app.get(
            &admin,
            &format!("/api/v1/apps/{app_id}/versions?environment=qa"),
        )
        .await,
        422,
        "invalid",
        Some("environment"),
    )
    .await;
    let _ = v3;
}

async fn p5_end_users_change_nothing(b: Backend) {
    let app = spawn_app(b).await;
    let admin = app.admin().await;
    let (app_id, v1) = new_app(&app, &admin, "Stock").await;
    let (_, eve) = app.user(&admin, "eve@example.com", "end-user").await;
    let a: Value = app
        .get(&eve, &format!("/api/v1/apps/{app_id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(a["access"]["level"], "view");
    assert_eq!(a["access"]["environments"], json!(["released"]));
    assert_eq!(
        a["access"]["can"],
        json!({"edit": false, "create_version": false, "promote": false, "release": false, "open_released": true})
    );
    assert_error(
        app.post(&eve, "/api/v1/apps", json!({"name": 5})).await,
        403,
        "forbidden",
        None,
    )
    .await;
    assert_error(
        app.get(&eve, &format!("/api/v1/apps/{app_id}/versions"))
            .await,
        403,
        "forbidden",
        None,
    )
    .await;
    assert_error(
        app.get(
            &eve,
            &format!("/api/v1/apps/{app_id}/versions?environment=development"),
        )
        .await,
        403,
        "forbidden",
        None,
    )
    .await;
    for (what, body) in [
        ("save", json!({})),
        ("promote", json!({"from": 1})),
        ("release", json!({})),
    ] {
        assert_error(
            act(&app, &eve, &app_id, &v1, what, body).await,
            403,
            "forbidden",
            None,
        )
        .await;
    }
    assert_error(
        app.post(
            &eve,
            &format!("/api/v1/apps/{app_id}/versions"),
            json!({"name": "x", "from_version_id": v1}),
        )
        .await,
        403,
        "forbidden",
        None,
    )
    .await;
    assert_error(
        app.patch(
            &eve,
            &format!("/api/v1/apps/{app_id}"),
            json!({"public": true}),
        )
        .await,
        403,
        "forbidden",
        None,
    )
    .await;
    let r = eve
        .delete(app.url(&format!("/api/v1/apps/{app_id}")))
        .send()
        .await
        .unwrap();
    assert_error(r, 403, "forbidden", None).await;
    assert_eq!(app.count("versions").await, 1);
    // The builder's defaults: everything (P5).
    let (_, bob) = app.user(&admin, "bob@example.com", "builder").await;
    assert_eq!(
        act(&app, &bob, &app_id, &v1, "save", json!({}))
            .await
            .status(),
        200
    );
}

async fn v5_l1_twelve_simultaneous_promotes_one_wins(b: Backend) {
    let app = spawn_app(b).await;
    let admin = app.admin().await;
    let (app_id, v1) = new_app(&app, &admin, "Stock").await;
    act(&app, &admin, &app_id, &v1, "save", json!({})).await;
    let url = app.url(&format!("/api/v1/apps/{app_id}/versions/{v1}/promote"));
    let tasks: Vec<_> = (0..12)
        .map(|_| {
            let (c, url) = (admin.clone(), url.clone());
            tokio::spawn(async move {
                c.post(url)
                    .json(&json!({"from": "development"}))
                    .send()
                    .await
                    .unwrap()
                    .status()
                    .as_u16()
            })
        })
        .collect();
    let mut statuses = Vec::new();
    for t in tasks {
        statuses.push(t.await.unwrap());
    }
    statuses.sort();
    let mut want = vec![200];
    want.extend(std::iter::repeat(409).take(11));
    assert_eq!(statuses, want);
    let promotes = app
        .audit_actions()
        .await
        .iter()
        .filter(|a| *a == "version.promote")
        .count();
    assert_eq!(promotes, 1, "exactly one audit entry");
    let v: Value = app
        .get(&admin, &format!("/api/v1/apps/{app_id}/versions/{v1}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["environment"], "staging");
}

async fn v6_l1_simultaneous_releases_end_at_one_of_them(b: Backend) {
    let app = spawn_app(b).await;
    let admin = app.admin().await;
    let (app_id, v1) = new_app(&app, &admin, "Stock").await;
    let v2 = version_from(&app, &admin, &app_id, &v1, "v2").await;
    to_production(&app, &admin, &app_id, &v1).await;
    to_production(&app, &admin, &app_id, &v2).await;
    let mut releases_before = 0;
    let mut previous: Option<String> = None;
    for _round in 0..5 {
        let tasks: Vec<_> = [&v1, &v2]
            .into_iter()
            .map(|vid| {
                let c = admin.clone();
                let url = app.url(&format!("/api/v1/apps/{app_id}/versions/{vid}/release"));
                tokio::spawn(async move {
                    c.post(url)
                        .json(&json!({}))
                        .send()
                        .await
                        .unwrap()
                        .status()
                        .as_u16()
                })
            })
            .collect();
        for t in tasks {
            assert_eq!(t.await.unwrap(), 200);
        }
        let a: Value = app
            .get(&admin, &format!("/api/v1/apps/{app_id}"))
            .await
            .json()
            .await
            .unwrap();
        let released = a["released_version_id"].as_str().unwrap();
        // Whichever ran last won; what it means is exact: if the release of
        // the version already released ran first it changed nothing, and
        // one entry was recorded, for the other version; if it ran second,
        // it released its version back, and two were.
        let recorded = app
            .audit_actions()
            .await
            .iter()
            .filter(|a| *a == "version.release")
            .count();
        let new_entries = recorded - releases_before;
        // (In the first round nothing was released: both changed it.)
        match &previous {
            None => assert_eq!(new_entries, 2, "first round"),
            Some(p) if p == released => assert_eq!(new_entries, 2, "round {_round}"),
            Some(_) => assert_eq!(new_entries, 1, "round {_round}"),
        }
        assert!(released == v1 || released == v2);
        releases_before = recorded;
        previous = Some(released.to_string());
        // The audit's chain of releases ends at the released version, and
        // each entry's previous is the one before it.
        let page: Value = app
            .get(
                &admin,
                &format!("/api/v1/audit?app_id={app_id}&action=version.release&limit=500"),
            )
            .await
            .json()
            .await
            .unwrap();
        let entries = page["entries"].as_array().unwrap();
        assert_eq!(entries[0]["details"]["version_id"], released);
        for pair in entries.windows(2) {
            assert_eq!(
                pair[0]["details"]["previous_version_id"],
                pair[1]["details"]["version_id"]
            );
        }
        // B4: the release history holds the same chain, entry for entry,
        // numbered without a gap or a clash under the race.
        let history: Vec<Value> = app
            .get(&admin, &format!("/api/v1/apps/{app_id}/releases"))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(history.len(), entries.len());
        for (h, e) in history.iter().zip(entries) {
            assert_eq!(h["version_id"], e["details"]["version_id"]);
            assert_eq!(
                h["previous_version_id"],
                e["details"]["previous_version_id"]
            );
        }
    }
}

/// The pages' door: the same rules, the same messages, as the API's.
async fn v3_v5_v6_server_functions_enforce_the_same_rules(b: Backend) {
    let app = spawn_app(b).await;
    let admin = app.admin().await;
    let (app_id, v1) = new_app(&app, &admin, "Stock").await;
    let sf = |name: &str, form: Vec<(&str, String)>| {
        let req = admin.post(app.url(&format!("/api/{name}"))).form(&form);
        async move {
            let r = req.send().await.unwrap();
            let ok = r.status().is_success();
            (ok, r.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    let ids = |extra: Vec<(&'static str, String)>| {
        let mut f = vec![("app_id", app_id.clone()), ("version_id", v1.clone())];
        f.extend(extra);
        f
    };
    // A draft cannot be promoted: the API's message, through the server function.
    let api = act(
        &app,
        &admin,
        &app_id,
        &v1,
        "promote",
        json!({"from": "development"}),
    )
    .await;
    let api: Value = api.json().await.unwrap();
    let (ok, err) = sf("promote_version", ids(vec![("from", "development".into())])).await;
    assert!(!ok);
    assert_eq!(err["code"], "conflict");
    assert_eq!(err["message"], api["error"]["message"]);
    // Editing with a stale revision is a conflict; bad JSON names the field.
    let (ok, err) = sf(
        "put_definition",
        ids(vec![
            ("definition", "{\"pages\": []}".into()),
            ("revision", "7".into()),
        ]),
    )
    .await;
    assert!(!ok);
    assert_eq!(err["code"], "conflict");
    let (ok, err) = sf(
        "put_definition",
        ids(vec![
            ("definition", "{not json".into()),
            ("revision", "1".into()),
        ]),
    )
    .await;
    assert!(!ok);
    assert_eq!(err["field"], "definition");
    let (ok, err) = sf(
        "put_definition",
        ids(vec![
            ("definition", "{\"pages\": [1]}".into()),
            ("revision", "1".into()),
        ]),
    )
    .await;
    assert!(!ok);
    assert_eq!(err["field"], "definition.pages[0]");
    let (ok, _) = sf(
        "put_definition",
        ids(vec![
            ("definition", "{\"pages\": [{\"name\": \"home\"}]}".into()),
            ("revision", "1".into()),
        ]),
    )
    .await;
    assert!(ok);
    let (ok, _) = sf("save_version", ids(vec![])).await;
    assert!(ok);
    let (ok, err) = sf("update_version", ids(vec![("name", "renamed".into())])).await;
    assert!(!ok, "V3 through the pages too");
    assert_eq!(err["code"], "conflict");
    let (ok, v) = sf("promote_version", ids(vec![("from", "development".into())])).await;
    assert!(ok);
    assert_eq!(v["environment"], "staging");
    let (ok, err) = sf("release_version", ids(vec![])).await;
    assert!(!ok);
    assert_eq!(err["message"], "Versions are released from production");
    // An end-user is refused with the permission's name.
    let (_, eve) = app.user(&admin, "eve@example.com", "end-user").await;
    let r = eve
        .post(app.url("/api/release_version"))
        .form(&ids(vec![]))
        .send()
        .await
        .unwrap();
    let err: Value = r.json().await.unwrap();
    assert_eq!(err["code"], "forbidden");
    assert_eq!(err["message"], "You do not have the Release permission");
    let promotes = app
        .audit_actions()
        .await
        .iter()
        .filter(|a| *a == "version.promote")
        .count();
    assert_eq!(promotes, 1);
}
