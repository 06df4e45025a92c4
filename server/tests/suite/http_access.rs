//! Groups, granular permissions and their enforcement through the HTTP API
//! (SPEC P2–P8, B6), on both databases.
use crate::both_backends;
use crate::http_lifecycle::new_app;
use crate::support::*;
use serde_json::{json, Value};

both_backends!(
    p2_p3_groups_flags_and_role_groups,
    p3_p4_end_user_rules_and_permission_input,
    p7_p8_builder_restricted_to_staging,
    p7_viewer_end_user_preview_and_no_group,
    p6_hidden_listed_and_creator,
    p4_deleting_an_app_empties_permissions,
    b6_explain_access,
    p6_dashboard_pages_of_fifty,
    p3_role_change_and_joining_race_keeps_end_users_out,
);

/// Asserts a 403 or 409 whose message names `what`.
async fn refused_naming(r: reqwest::Response, status: u16, what: &str) {
    let code = if status == 403 {
        "forbidden"
    } else {
        "conflict"
    };
    let body = assert_error(r, status, code, None).await;
    let message = body["error"]["message"].as_str().unwrap();
    assert!(message.contains(what), "{what} in {message}");
}

async fn groups(app: &TestApp, admin: &reqwest::Client) -> Vec<Value> {
    let r = app.get(admin, "/api/v1/groups").await;
    assert_eq!(r.status(), 200);
    r.json::<Vec<Value>>().await.unwrap()
}

async fn group(app: &TestApp, admin: &reqwest::Client, name: &str) -> Value {
    groups(app, admin)
        .await
        .into_iter()
        .find(|g| g["name"] == name)
        .unwrap_or_else(|| panic!("no group {name}"))
}

async fn new_group(app: &TestApp, admin: &reqwest::Client, name: &str) -> String {
    let r = app
        .post(admin, "/api/v1/groups", json!({ "name": name }))
        .await;
    assert_eq!(r.status(), 201, "create group {name}");
    r.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .into()
}

async fn add_member(
    app: &TestApp,
    admin: &reqwest::Client,
    group: &str,
    user: &str,
) -> reqwest::Response {
    app.put(
        admin,
        &format!("/api/v1/groups/{group}/members/{user}"),
        json!({}),
    )
    .await
}

async fn permit(
    app: &TestApp,
    admin: &reqwest::Client,
    group: &str,
    body: Value,
) -> reqwest::Response {
    app.post(
        admin,
        &format!("/api/v1/groups/{group}/app-permissions"),
        body,
    )
    .await
}

/// Takes away the builder role's default "edit all apps everywhere", as
/// an admin who wants builders to get access group by group would.
async fn remove_builder_default(app: &TestApp, admin: &reqwest::Client) {
    let b = group(app, admin, "builder").await;
    let pid = b["app_permissions"][0]["id"].as_str().unwrap().to_string();
    let r = app
        .delete(
            admin,
            &format!(
                "/api/v1/groups/{}/app-permissions/{pid}",
                b["id"].as_str().unwrap()
            ),
        )
        .await;
    assert_eq!(r.status(), 204);
}

async fn access_of(app: &TestApp, c: &reqwest::Client, app_id: &str) -> Value {
    let r = app.get(c, &format!("/api/v1/apps/{app_id}")).await;
    assert_eq!(r.status(), 200);
    r.json::<Value>().await.unwrap()["access"].clone()
}

async fn versions(
    app: &TestApp,
    c: &reqwest::Client,
    app_id: &str,
    env: &str,
) -> reqwest::Response {
    app.get(
        c,
        &format!("/api/v1/apps/{app_id}/versions?environment={env}"),
    )
    .await
}

async fn act(
    app: &TestApp,
    c: &reqwest::Client,
    app_id: &str,
    vid: &str,
    what: &str,
) -> reqwest::Response {
    app.post(
        c,
        &format!("/api/v1/apps/{app_id}/versions/{vid}/{what}"),
        json!({}),
    )
    .await
}

async fn promote(
    app: &TestApp,
    c: &reqwest::Client,
    app_id: &str,
    vid: &str,
    from: &str,
) -> reqwest::Response {
    app.post(
        c,
        &format!("/api/v1/apps/{app_id}/versions/{vid}/promote"),
        json!({ "from": from }),
    )
    .await
}

/// The app with v1 saved and promoted to staging, and v2 a draft in development.
/// The ids of a 200 version list, newest first.
async fn listed_ids(r: reqwest::Response) -> Vec<String> {
    assert_eq!(r.status(), 200);
    let list: Vec<Value> = r.json().await.unwrap();
    list.iter()
        .map(|v| v["id"].as_str().unwrap().to_string())
        .collect()
}

async fn app_in_staging(
    app: &TestApp,
    admin: &reqwest::Client,
    name: &str,
) -> (String, String, String) {
    let (app_id, v1) = new_app(app, admin, name).await;
    assert_eq!(act(app, admin, &app_id, &v1, "save").await.status(), 200);
    assert_eq!(
        promote(app, admin, &app_id, &v1, "development")
            .await
            .status(),
        200
    );
    let r = app
        .post(
            admin,
            &format!("/api/v1/apps/{app_id}/versions"),
            json!({"name": "v2", "from_version_id": v1}),
        )
        .await;
    assert_eq!(r.status(), 201);
    let v2 = r.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    (app_id, v1, v2)
}

async fn p2_p3_groups_flags_and_role_groups(b: Backend) {
    let app = spawn_app(b).await;
    let admin = app.admin().await;
    let (bob_id, bob) = app.user(&admin, "bob@example.com", "builder").await;
    let all = groups(&app, &admin).await;
    let names: Vec<&str> = all.iter().map(|g| g["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["admin", "builder", "end-user"]);
    assert!(all.iter().all(|g| g["kind"] == "role"));
    assert_eq!(all[1]["members"], json!([bob_id]));
    assert_eq!(all[1]["app_permissions"][0]["apps"], "all");
    assert_eq!(all[1]["app_permissions"][0]["access"], "edit");
    assert_eq!(all[1]["app_permissions"][0]["environments"], json!([]));
    assert_eq!(all[2]["app_permissions"][0]["access"], "view");
    assert_eq!(
        all[2]["app_permissions"][0]["environments"],
        json!(["released"])
    );
    // P3 defaults, as the migration seeds them: admin and builder every
    // flag, end-user none.
    let flag_names = [
        "app_create",
        "app_delete",
        "promote",
        "release",
        "manage_data_sources",
        "manage_constants",
    ];
    for (g, on) in [(&all[0], true), (&all[1], true), (&all[2], false)] {
        let flags = g["flags"].as_object().unwrap();
        assert_eq!(flags.len(), flag_names.len(), "{g}");
        for n in flag_names {
            assert_eq!(flags[n], on, "{} {n}", g["name"]);
        }
    }
    // Custom groups start with every flag off; names are unique ignoring case.
    let qa = new_group(&app, &admin, "QA").await;
    let g = group(&app, &admin, "QA").await;
    assert_eq!(g["kind"], "custom");
    assert!(g["flags"].as_object().unwrap().values().all(|v| v == false));
    assert_error(
        app.post(&admin, "/api/v1/groups", json!({"name": "qa"}))
            .await,
        409,
        "conflict",
        None,
    )
    .await;
    assert_error(
        app.post(&admin, "/api/v1/groups", json!({"name": "  "}))
            .await,
        422,
        "invalid",
        Some("name"),
    )
    .await;
    let r = app
        .patch(
            &admin,
            &format!("/api/v1/groups/{qa}"),
            json!({"name": "Quality", "flags": {"promote": true}}),
        )
        .await;
    assert_eq!(r.status(), 200);
    let g: Value = r.json().await.unwrap();
    assert_eq!(
        (
            g["name"].clone(),
            g["flags"]["promote"].clone(),
            g["flags"]["release"].clone()
        ),
        (json!("Quality"), json!(true), json!(false))
    );
    assert_error(
        app.patch(
            &admin,
            &format!("/api/v1/groups/{qa}"),
            json!({"flags": {"fly": true}}),
        )
        .await,
        422,
        "invalid",
        Some("flags"),
    )
    .await;
    assert_error(
        app.patch(
            &admin,
            "/api/v1/groups/nope",
            json!({"flags": {"fly": true}}),
        )
        .await,
        404,
        "not_found",
        None,
    )
    .await;
    // Role groups: the admin group is locked, none is renamed or deleted,
    // their members follow the role (P2).
    let admin_group = group(&app, &admin, "admin").await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let builder_group = group(&app, &admin, "builder").await["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_error(
        app.patch(
            &admin,
            &format!("/api/v1/groups/{admin_group}"),
            json!({"flags": {"promote": false}}),
        )
        .await,
        409,
        "conflict",
        None,
    )
    .await;
    assert_error(
        app.patch(
            &admin,
            &format!("/api/v1/groups/{builder_group}"),
            json!({"name": "makers"}),
        )
        .await,
        409,
        "conflict",
        None,
    )
    .await;
    assert_error(
        app.delete(&admin, &format!("/api/v1/groups/{builder_group}"))
            .await,
        409,
        "conflict",
        None,
    )
    .await;
    assert_error(
        add_member(&app, &admin, &builder_group, &bob_id).await,
        409,
        "conflict",
        None,
    )
    .await;
    assert_error(
        app.delete(
            &admin,
            &format!("/api/v1/groups/{builder_group}/members/{bob_id}"),
        )
        .await,
        409,
        "conflict",
        None,
    )
    .await;
    // The builder default flags can change (P3): Bob loses app_create.
    let r = app
        .patch(
            &admin,
            &format!("/api/v1/groups/{builder_group}"),
            json!({"flags": {"app_create": false}}),
        )
        .await;
    assert_eq!(r.status(), 200);
    let me: Value = app.get(&bob, "/api/v1/me").await.json().await.unwrap();
    assert_eq!(me["flags"]["app_create"], false);
    assert_error(
        app.post(&bob, "/api/v1/apps", json!({"name": "Mine"}))
            .await,
        403,
        "forbidden",
        None,
    )
    .await;
    // ...and gets it back through a custom group.
    assert_eq!(
        app.patch(
            &admin,
            &format!("/api/v1/groups/{qa}"),
            json!({"flags": {"app_create": true}})
        )
        .await
        .status(),
        200
    );
    assert_eq!(add_member(&app, &admin, &qa, &bob_id).await.status(), 204);
    assert_eq!(
        add_member(&app, &admin, &qa, &bob_id).await.status(),
        204,
        "joining twice changes nothing"
    );
    let me: Value = app.get(&bob, "/api/v1/me").await.json().await.unwrap();
    assert_eq!(me["flags"]["app_create"], true);
    assert_eq!(
        app.post(&bob, "/api/v1/apps", json!({"name": "Mine"}))
            .await
            .status(),
        201
    );
    // Only admins manage groups (P9).
    assert_error(
        app.get(&bob, "/api/v1/groups").await,
        403,
        "forbidden",
        None,
    )
    .await;
    assert_error(
        app.post(&bob, "/api/v1/groups", json!({"name": 5})).await,
        403,
        "forbidden",
        None,
    )
    .await;
    assert_error(
        app.post(&bob, "/api/v1/groups", json!({"name": "Mine"}))
            .await,
        403,
        "forbidden",
        None,
    )
    .await;
    assert_error(
        add_member(&app, &bob, &qa, &bob_id).await,
        403,
        "forbidden",
        None,
    )
    .await;
    assert_eq!(
        app.delete(&admin, &format!("/api/v1/groups/{qa}/members/{bob_id}"))
            .await
            .status(),
        204
    );
    assert_eq!(
        app.delete(&admin, &format!("/api/v1/groups/{qa}"))
            .await
            .status(),
        204
    );
    assert_eq!(groups(&app, &admin).await.len(), 3);
    let actions = app.audit_actions().await;
    for a in [
        "group.create",
        "group.update",
        "group.member_add",
        "group.member_remove",
        "group.delete",
    ] {
        assert_eq!(
            actions.iter().filter(|x| *x == a).count(),
            if a == "group.update" { 3 } else { 1 },
            "{a}: {actions:?}"
        );
    }
}

async fn p3_p4_end_user_rules_and_permission_input(b: Backend) {
    let app = spawn_app(b).await;
    let admin = app.admin().await;
    let (app_id, _) = new_app(&app, &admin, "Stock").await;
    let (eve, _) = app.user(&admin, "eve@example.com", "end-user").await;
    let (bob, _) = app.user(&admin, "bob@example.com", "builder").await;
    let preview = new_group(&app, &admin, "Preview").await;
    assert_eq!(add_member(&app, &admin, &preview, &eve).await.status(), 204);
    // A group holding an end-user gets no flag and no edit permission.
    refused_naming(
        app.patch(
            &admin,
            &format!("/api/v1/groups/{preview}"),
            json!({"flags": {"promote": true}}),
        )
        .await,
        409,
        "Preview",
    )
    .await;
    assert_error(
        permit(
            &app,
            &admin,
            &preview,
            json!({"apps": "all", "access": "edit"}),
        )
        .await,
        409,
        "conflict",
        None,
    )
    .await;
    let r = permit(
        &app,
        &admin,
        &preview,
        json!({"apps": [app_id], "access": "view", "environments": ["development", "staging"]}),
    )
    .await;
    assert_eq!(r.status(), 201);
    let p: Value = r.json().await.unwrap();
    assert_eq!(
        (
            p["apps"].clone(),
            p["access"].clone(),
            p["environments"].clone(),
            p["hide_from_dashboard"].clone()
        ),
        (
            json!([app_id]),
            json!("view"),
            json!(["development", "staging"]),
            json!(false)
        )
    );
    // An end-user cannot join a group with flags or an edit permission.
    let leads = new_group(&app, &admin, "Leads").await;
    assert_eq!(
        app.patch(
            &admin,
            &format!("/api/v1/groups/{leads}"),
            json!({"flags": {"release": true}})
        )
        .await
        .status(),
        200
    );
    refused_naming(add_member(&app, &admin, &leads, &eve).await, 409, "Leads").await;
    let editors = new_group(&app, &admin, "Editors").await;
    let r = permit(
        &app,
        &admin,
        &editors,
        json!({"apps": "all", "access": "edit"}),
    )
    .await;
    assert_eq!(r.status(), 201);
    assert_eq!(
        r.json::<Value>().await.unwrap()["environments"],
        json!([]),
        "absent environments echo as []"
    );
    assert_error(
        add_member(&app, &admin, &editors, &eve).await,
        409,
        "conflict",
        None,
    )
    .await;
    // A builder in such groups cannot become an end-user; the refusal names them.
    assert_eq!(add_member(&app, &admin, &leads, &bob).await.status(), 204);
    assert_eq!(add_member(&app, &admin, &editors, &bob).await.status(), 204);
    let body = assert_error(
        app.patch(
            &admin,
            &format!("/api/v1/users/{bob}"),
            json!({"role": "end-user"}),
        )
        .await,
        409,
        "conflict",
        None,
    )
    .await;
    let m = body["error"]["message"].as_str().unwrap();
    assert!(m.contains("Leads") && m.contains("Editors"), "{m}");
    // The end-user role group: no flags, no edit.
    let end_user = group(&app, &admin, "end-user").await["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_error(
        app.patch(
            &admin,
            &format!("/api/v1/groups/{end_user}"),
            json!({"flags": {"app_create": true}}),
        )
        .await,
        409,
        "conflict",
        None,
    )
    .await;
    assert_error(
        permit(
            &app,
            &admin,
            &end_user,
            json!({"apps": "all", "access": "edit"}),
        )
        .await,
        409,
        "conflict",
        None,
    )
    .await;
    // Input errors name the field, in the order API.md lists them, and change nothing.
    let before = app.count("app_permissions").await;
    for (body, field) in [
        (json!({"access": "view"}), "apps"),
        (json!({"apps": [], "access": "view"}), "apps"),
        (json!({"apps": "some", "access": "view"}), "apps"),
        (json!({"apps": ["no-such-app"], "access": "view"}), "apps"),
        (json!({"apps": ["no-such-app"], "access": "admin"}), "apps"),
        (json!({"apps": "all", "access": "admin"}), "access"),
        (
            json!({"apps": "all", "access": "view", "environments": ["qa"]}),
            "environments",
        ),
        (
            json!({"apps": "all", "access": "view", "environments": "staging"}),
            "environments",
        ),
        (
            json!({"apps": "all", "access": "edit", "hide_from_dashboard": true}),
            "hide_from_dashboard",
        ),
    ] {
        assert_error(
            permit(&app, &admin, &editors, body.clone()).await,
            422,
            "invalid",
            Some(field),
        )
        .await;
    }
    assert_eq!(app.count("app_permissions").await, before);
    assert_error(
        permit(&app, &admin, "nope", json!({})).await,
        404,
        "not_found",
        None,
    )
    .await;
    assert_error(
        app.delete(
            &admin,
            &format!("/api/v1/groups/{editors}/app-permissions/nope"),
        )
        .await,
        404,
        "not_found",
        None,
    )
    .await;
}

async fn p7_p8_builder_restricted_to_staging(b: Backend) {
    let app = spawn_app(b).await;
    let admin = app.admin().await;
    let (app_id, v1, v2) = app_in_staging(&app, &admin, "Orders").await;
    let (bob_id, bob) = app.user(&admin, "bob@example.com", "builder").await;
    remove_builder_default(&app, &admin).await;
    let team = new_group(&app, &admin, "Staging team").await;
    assert_eq!(
        permit(
            &app,
            &admin,
            &team,
            json!({"apps": "all", "access": "edit", "environments": ["staging"]})
        )
        .await
        .status(),
        201
    );
    assert_eq!(add_member(&app, &admin, &team, &bob_id).await.status(), 204);
    let a = access_of(&app, &bob, &app_id).await;
    assert_eq!(a["level"], "edit");
    assert_eq!(a["environments"], json!(["staging"]));
    assert_eq!(
        a["can"],
        json!({"edit": false, "create_version": false, "promote": true, "release": false, "open_released": false})
    );
    // The dashboard shows only the versions Bob may list: v1 (staging),
    // not the draft v2 in development.
    let html = app.page(&bob, "/").await.text().await.unwrap();
    assert_eq!(html.matches("class=\"version-chip\"").count(), 1, "{html}");
    // Open and list in staging; development and production are refused (403).
    let listed: Vec<Value> = versions(&app, &bob, &app_id, "staging")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(listed.len(), 1);
    assert_error(
        versions(&app, &bob, &app_id, "development").await,
        403,
        "forbidden",
        None,
    )
    .await;
    assert_error(
        versions(&app, &bob, &app_id, "production").await,
        403,
        "forbidden",
        None,
    )
    .await;
    assert_eq!(
        app.get(&bob, &format!("/api/v1/apps/{app_id}/versions/{v1}"))
            .await
            .status(),
        200
    );
    assert_error(
        app.get(&bob, &format!("/api/v1/apps/{app_id}/versions/{v2}"))
            .await,
        403,
        "forbidden",
        None,
    )
    .await;
    // No edits, no new versions, no deleting in development.
    refused_naming(
        app.patch(
            &bob,
            &format!("/api/v1/apps/{app_id}/versions/{v2}"),
            json!({"description": "x"}),
        )
        .await,
        403,
        "development",
    )
    .await;
    assert_error(
        app.post(
            &bob,
            &format!("/api/v1/apps/{app_id}/versions"),
            json!({"name": "v3", "from_version_id": v1}),
        )
        .await,
        403,
        "forbidden",
        None,
    )
    .await;
    assert_error(
        app.delete(&bob, &format!("/api/v1/apps/{app_id}/versions/{v2}"))
            .await,
        403,
        "forbidden",
        None,
    )
    .await;
    // Without the promote flag Bob cannot promote (P8); with it he can.
    let builder_group = group(&app, &admin, "builder").await["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        app.patch(
            &admin,
            &format!("/api/v1/groups/{builder_group}"),
            json!({"flags": {"promote": false}})
        )
        .await
        .status(),
        200
    );
    refused_naming(
        promote(&app, &bob, &app_id, &v1, "staging").await,
        403,
        "Promote",
    )
    .await;
    assert_eq!(
        app.patch(
            &admin,
            &format!("/api/v1/groups/{builder_group}"),
            json!({"flags": {"promote": true}})
        )
        .await
        .status(),
        200
    );
    let r = promote(&app, &bob, &app_id, &v1, "staging").await;
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.json::<Value>().await.unwrap()["environment"],
        "production"
    );
    // Now in production: staging still lists it (V9), but releasing and
    // promoting from production need production.
    assert_eq!(
        app.get(&bob, &format!("/api/v1/apps/{app_id}/versions/{v1}"))
            .await
            .status(),
        200
    );
    assert_error(
        act(&app, &bob, &app_id, &v1, "release").await,
        403,
        "forbidden",
        None,
    )
    .await;
    assert_error(
        promote(&app, &bob, &app_id, &v1, "production").await,
        403,
        "forbidden",
        None,
    )
    .await;
    // Refused requests changed nothing and recorded nothing.
    let promotes = app
        .audit_actions()
        .await
        .iter()
        .filter(|a| *a == "version.promote")
        .count();
    assert_eq!(promotes, 2, "the admin's and Bob's");
    // With edit in production too, the release flag decides (P8).
    let prod = new_group(&app, &admin, "Production team").await;
    let r = permit(
        &app,
        &admin,
        &prod,
        json!({"apps": [app_id], "access": "edit", "environments": ["production"]}),
    )
    .await;
    assert_eq!(r.status(), 201);
    assert_eq!(add_member(&app, &admin, &prod, &bob_id).await.status(), 204);
    let flags = |on: bool| json!({"flags": {"release": on, "app_delete": on}});
    let builder_path = format!("/api/v1/groups/{builder_group}");
    assert_eq!(
        app.patch(&admin, &builder_path, flags(false))
            .await
            .status(),
        200
    );
    assert_eq!(
        access_of(&app, &bob, &app_id).await["can"]["release"],
        false
    );
    refused_naming(
        act(&app, &bob, &app_id, &v1, "release").await,
        403,
        "Release",
    )
    .await;
    // The app_delete flag gates deleting the app, even with edit access.
    refused_naming(
        app.delete(&bob, &format!("/api/v1/apps/{app_id}")).await,
        403,
        "App delete",
    )
    .await;
    assert_eq!(
        app.patch(&admin, &builder_path, flags(true)).await.status(),
        200
    );
    assert_eq!(access_of(&app, &bob, &app_id).await["can"]["release"], true);
    assert_eq!(act(&app, &bob, &app_id, &v1, "release").await.status(), 200);
    // P11: deleting the app acts on every environment, and Bob edits only
    // staging and production.
    refused_naming(
        app.delete(&bob, &format!("/api/v1/apps/{app_id}")).await,
        403,
        "edit access in development",
    )
    .await;
    assert_eq!(
        app.get(&admin, &format!("/api/v1/apps/{app_id}"))
            .await
            .status(),
        200
    );
}

async fn p7_viewer_end_user_preview_and_no_group(b: Backend) {
    let app = spawn_app(b).await;
    let admin = app.admin().await;
    let (app_id, v1, v2) = app_in_staging(&app, &admin, "Orders").await;
    remove_builder_default(&app, &admin).await;
    // A viewer: view on all apps, every environment.
    let (vic_id, vic) = app.user(&admin, "vic@example.com", "builder").await;
    let viewers = new_group(&app, &admin, "Viewers").await;
    assert_eq!(
        permit(
            &app,
            &admin,
            &viewers,
            json!({"apps": "all", "access": "view"})
        )
        .await
        .status(),
        201
    );
    assert_eq!(
        add_member(&app, &admin, &viewers, &vic_id).await.status(),
        204
    );
    let a = access_of(&app, &vic, &app_id).await;
    assert_eq!(a["level"], "view");
    assert_eq!(
        a["environments"],
        json!(["development", "staging", "production", "released"])
    );
    assert_eq!(
        a["can"],
        json!({"edit": false, "create_version": false, "promote": false, "release": false, "open_released": true})
    );
    // Preview lists what each environment holds (V9): development every
    // version, staging only v1, which is there.
    assert_eq!(
        listed_ids(versions(&app, &vic, &app_id, "development").await).await,
        [v2.clone(), v1.clone()]
    );
    assert_eq!(
        listed_ids(versions(&app, &vic, &app_id, "staging").await).await,
        [v1.clone()]
    );
    assert_eq!(
        listed_ids(versions(&app, &vic, &app_id, "production").await).await,
        Vec::<String>::new()
    );
    for r in [
        app.patch(
            &vic,
            &format!("/api/v1/apps/{app_id}/versions/{v2}"),
            json!({"description": "x"}),
        )
        .await,
        act(&app, &vic, &app_id, &v2, "save").await,
        promote(&app, &vic, &app_id, &v1, "staging").await,
        act(&app, &vic, &app_id, &v1, "release").await,
        app.delete(&vic, &format!("/api/v1/apps/{app_id}/versions/{v2}"))
            .await,
        app.post(
            &vic,
            &format!("/api/v1/apps/{app_id}/versions"),
            json!({"name": "v3", "from_version_id": v1}),
        )
        .await,
        app.patch(
            &vic,
            &format!("/api/v1/apps/{app_id}"),
            json!({"name": "Mine"}),
        )
        .await,
        app.delete(&vic, &format!("/api/v1/apps/{app_id}")).await,
    ] {
        assert_error(r, 403, "forbidden", None).await;
    }
    // An end-user with preview access to development and staging.
    let (eve_id, eve) = app.user(&admin, "eve@example.com", "end-user").await;
    let preview = new_group(&app, &admin, "Preview").await;
    assert_eq!(
        permit(
            &app,
            &admin,
            &preview,
            json!({"apps": [app_id], "access": "view", "environments": ["development", "staging"]})
        )
        .await
        .status(),
        201
    );
    assert_eq!(
        add_member(&app, &admin, &preview, &eve_id).await.status(),
        204
    );
    let a = access_of(&app, &eve, &app_id).await;
    assert_eq!(a["level"], "view");
    assert_eq!(
        a["environments"],
        json!(["development", "staging", "released"])
    );
    assert_eq!(
        listed_ids(versions(&app, &eve, &app_id, "development").await).await,
        [v2.clone(), v1.clone()]
    );
    assert_eq!(
        listed_ids(versions(&app, &eve, &app_id, "staging").await).await,
        [v1.clone()]
    );
    assert_error(
        versions(&app, &eve, &app_id, "production").await,
        403,
        "forbidden",
        None,
    )
    .await;
    assert_error(
        promote(&app, &eve, &app_id, &v1, "staging").await,
        403,
        "forbidden",
        None,
    )
    .await;
    assert_error(
        act(&app, &eve, &app_id, &v2, "save").await,
        403,
        "forbidden",
        None,
    )
    .await;
    // A builder in no group with a permission: the app does not exist.
    let (_, nobody) = app.user(&admin, "nobody@example.com", "builder").await;
    assert_error(
        app.get(&nobody, &format!("/api/v1/apps/{app_id}")).await,
        404,
        "not_found",
        None,
    )
    .await;
    assert_error(
        versions(&app, &nobody, &app_id, "development").await,
        404,
        "not_found",
        None,
    )
    .await;
    assert_error(
        promote(&app, &nobody, &app_id, &v1, "staging").await,
        404,
        "not_found",
        None,
    )
    .await;
    assert_error(
        app.get(&nobody, &format!("/api/v1/apps/{app_id}/versions/{v1}"))
            .await,
        404,
        "not_found",
        None,
    )
    .await;
    let listed: Vec<Value> = app.get(&nobody, "/api/v1/apps").await.json().await.unwrap();
    assert!(listed.is_empty());
    // Its pages answer 404 too, not an empty shell.
    assert_eq!(
        app.page(&nobody, &format!("/build/{app_id}"))
            .await
            .status(),
        404
    );
}

async fn p6_hidden_listed_and_creator(b: Backend) {
    let app = spawn_app(b).await;
    let admin = app.admin().await;
    let (orders, _) = new_app(&app, &admin, "Orders").await;
    let (stock, _) = new_app(&app, &admin, "Stock").await;
    remove_builder_default(&app, &admin).await;
    let (vic_id, vic) = app.user(&admin, "vic@example.com", "builder").await;
    let g = new_group(&app, &admin, "Some").await;
    assert_eq!(add_member(&app, &admin, &g, &vic_id).await.status(), 204);
    // A listed permission covers only its apps.
    assert_eq!(
        permit(
            &app,
            &admin,
            &g,
            json!({"apps": [orders], "access": "view", "hide_from_dashboard": true})
        )
        .await
        .status(),
        201
    );
    assert_eq!(access_of(&app, &vic, &orders).await["level"], "view");
    assert_error(
        app.get(&vic, &format!("/api/v1/apps/{stock}")).await,
        404,
        "not_found",
        None,
    )
    .await;
    // Hidden: reachable by its address, absent from the list...
    let names = |v: Vec<Value>| {
        v.iter()
            .map(|a| a["name"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    assert!(names(app.get(&vic, "/api/v1/apps").await.json().await.unwrap()).is_empty());
    // ...until one covering permission does not hide it.
    // The answer echoes the apps as posted, each once.
    let r = permit(
        &app,
        &admin,
        &g,
        json!({"apps": [stock, orders, stock], "access": "view", "environments": ["released"]}),
    )
    .await;
    assert_eq!(r.status(), 201);
    assert_eq!(
        r.json::<Value>().await.unwrap()["apps"],
        json!([stock, orders])
    );
    assert_eq!(
        names(app.get(&vic, "/api/v1/apps").await.json().await.unwrap()),
        ["Orders", "Stock"]
    );
    // The dashboard page shows the same apps.
    let html = app.page(&vic, "/").await.text().await.unwrap();
    assert!(html.contains("Orders") && html.contains("Stock"));
    // The creator keeps edit everywhere (P6), whatever the groups say.
    let (_, carl) = app.user(&admin, "carl@example.com", "builder").await;
    let (mine, _) = new_app(&app, &carl, "Carl's").await;
    let a = access_of(&app, &carl, &mine).await;
    assert_eq!(a["level"], "edit");
    assert_eq!(
        a["environments"],
        json!(["development", "staging", "production", "released"])
    );
    assert_error(
        app.get(&carl, &format!("/api/v1/apps/{orders}")).await,
        404,
        "not_found",
        None,
    )
    .await;
    assert_eq!(
        names(app.get(&carl, "/api/v1/apps").await.json().await.unwrap()),
        ["Carl's"]
    );
}

async fn p4_deleting_an_app_empties_permissions(b: Backend) {
    let app = spawn_app(b).await;
    let admin = app.admin().await;
    let (a, _) = new_app(&app, &admin, "A").await;
    let (bb, _) = new_app(&app, &admin, "B").await;
    let g = new_group(&app, &admin, "G").await;
    assert_eq!(
        permit(&app, &admin, &g, json!({"apps": [a], "access": "view"}))
            .await
            .status(),
        201
    );
    assert_eq!(
        permit(&app, &admin, &g, json!({"apps": [a, bb], "access": "view"}))
            .await
            .status(),
        201
    );
    assert_eq!(
        app.delete(&admin, &format!("/api/v1/apps/{a}"))
            .await
            .status(),
        204
    );
    let perms = group(&app, &admin, "G").await["app_permissions"].clone();
    // The permission of A alone is gone (it never widens to all apps); the
    // other lists B alone.
    assert_eq!(perms.as_array().unwrap().len(), 1, "{perms}");
    assert_eq!(perms[0]["apps"], json!([bb]));
}

async fn b6_explain_access(b: Backend) {
    let app = spawn_app(b).await;
    let admin = app.admin().await;
    let (app_id, _) = new_app(&app, &admin, "Orders").await;
    let (bob_id, bob) = app.user(&admin, "bob@example.com", "builder").await;
    let qa = new_group(&app, &admin, "QA").await;
    assert_eq!(
        permit(
            &app,
            &admin,
            &qa,
            json!({"apps": [app_id], "access": "view", "environments": ["staging"]})
        )
        .await
        .status(),
        201
    );
    assert_eq!(add_member(&app, &admin, &qa, &bob_id).await.status(), 204);
    let r = app
        .get(&admin, &format!("/api/v1/users/{bob_id}/access/{app_id}"))
        .await;
    assert_eq!(r.status(), 200);
    let x: Value = r.json().await.unwrap();
    assert_eq!(x["level"], "edit");
    assert_eq!(
        x["environments"],
        json!(["development", "staging", "production", "released"])
    );
    assert_eq!(x["can"]["release"], true);
    let because: Vec<&str> = x["because"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(
        because.contains(&"Group \"builder\": edit on all apps in every environment"),
        "{because:?}"
    );
    assert!(
        because.contains(&"Group \"QA\": view on this app in staging"),
        "{because:?}"
    );
    assert!(
        because.contains(&"Flag promote: on (from group \"builder\")"),
        "{because:?}"
    );
    // With the builder default gone, QA's view on staging is what is left.
    remove_builder_default(&app, &admin).await;
    let x: Value = app
        .get(&admin, &format!("/api/v1/users/{bob_id}/access/{app_id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (x["level"].clone(), x["environments"].clone()),
        (json!("view"), json!(["staging"]))
    );
    assert_error(
        app.get(&admin, &format!("/api/v1/users/nope/access/{app_id}"))
            .await,
        404,
        "not_found",
        None,
    )
    .await;
    assert_error(
        app.get(&admin, &format!("/api/v1/users/{bob_id}/access/nope"))
            .await,
        404,
        "not_found",
        None,
    )
    .await;
    assert_error(
        app.get(&bob, &format!("/api/v1/users/{bob_id}/access/{app_id}"))
            .await,
        403,
        "forbidden",
        None,
    )
    .await;
}

async fn p6_dashboard_pages_of_fifty(b: Backend) {
    let app = spawn_app(b).await;
    let admin = app.admin().await;
    let mut ids = Vec::new();
    for i in 0..52 {
        ids.push(new_app(&app, &admin, &format!("App {i:02}")).await.0);
    }
    remove_builder_default(&app, &admin).await;
    let (vic_id, vic) = app.user(&admin, "vic@example.com", "builder").await;
    let g = new_group(&app, &admin, "Some").await;
    assert_eq!(add_member(&app, &admin, &g, &vic_id).await.status(), 204);
    // Vic sees 51 of the 52 apps: a page of 50, then one.
    let r = permit(
        &app,
        &admin,
        &g,
        json!({"apps": ids[1..].to_vec(), "access": "view"}),
    )
    .await;
    assert_eq!(r.status(), 201);
    let rows = |html: &str| html.matches("<tr data-app=").count();
    let first = app.page(&vic, "/").await.text().await.unwrap();
    assert_eq!(rows(&first), 50);
    assert!(first.contains("App 01") && !first.contains("App 00"));
    assert!(
        first.contains("href=\"/?page=2\""),
        "a link to the next page"
    );
    // Past the end, and absurdly far: an empty page, not an error.
    for path in ["/?page=3", "/?page=9223372036854775807"] {
        let r = app.page(&vic, path).await;
        assert_eq!(r.status(), 200, "{path}");
        assert!(r.text().await.unwrap().contains("No apps yet."), "{path}");
    }
    let second = app.page(&vic, "/?page=2").await.text().await.unwrap();
    assert_eq!(rows(&second), 1);
    assert!(second.contains("App 51") && !second.contains("href=\"/?page=3\""));
}

async fn p3_role_change_and_joining_race_keeps_end_users_out(b: Backend) {
    let app = spawn_app(b).await;
    let admin = app.admin().await;
    let (_, other) = app.user(&admin, "second-admin@example.com", "admin").await;
    for i in 0..8 {
        let (uid, _) = app
            .user(&admin, &format!("u{i}@example.com"), "builder")
            .await;
        let g = new_group(&app, &admin, &format!("Leads {i}")).await;
        let r = app
            .patch(
                &admin,
                &format!("/api/v1/groups/{g}"),
                json!({"flags": {"promote": true}}),
            )
            .await;
        assert_eq!(r.status(), 200);
        // One admin adds the builder to a group with flags while another
        // makes them an end-user: one of the two must be refused.
        let user_path = format!("/api/v1/users/{uid}");
        let (joined, demoted) = tokio::join!(
            add_member(&app, &admin, &g, &uid),
            app.patch(&other, &user_path, json!({"role": "end-user"}))
        );
        let ok = (joined.status() == 204, demoted.status() == 200);
        assert!(
            ok == (true, false) || ok == (false, true),
            "round {i}: {ok:?}"
        );
        let members = group(&app, &admin, &format!("Leads {i}")).await["members"].clone();
        assert_eq!(
            members.as_array().unwrap().len(),
            ok.0 as usize,
            "round {i}"
        );
    }
}
