//! Hardening through the HTTP API, on both databases: app-wide changes need
//! edit access everywhere (P11); simultaneous PATCHes of different fields
//! keep both changes; a delete racing a promote never lets both win (V8,
//! P8); a name or slug taken by a simultaneous request is a 409 naming the
//! field (A1); and `GET /apps` pages by name after an app id.
use crate::both_backends;
use crate::http_lifecycle::new_app;
use crate::support::*;
use serde_json::{json, Value};

both_backends!(
    p11_app_wide_changes_need_edit_in_every_environment,
    p11_public_needs_release_and_delete_needs_app_delete,
    simultaneous_app_patches_keep_both_changes,
    simultaneous_version_patches_keep_both_changes,
    v8_p8_delete_racing_a_promote_never_both_win,
    a1_same_slug_or_name_at_once_one_wins_the_other_names_the_field,
    get_apps_pages_by_name_after_an_app,
);

/// The opening tag of the button labelled `label` in a rendered page.
fn button_tag<'a>(html: &'a str, label: &str) -> &'a str {
    let end = html
        .find(&format!(">{label}</button>"))
        .unwrap_or_else(|| panic!("no button {label:?} on the page"));
    let start = html[..end].rfind("<button").expect("a button tag");
    &html[start..end]
}

async fn json_of(r: reqwest::Response, status: u16) -> Value {
    assert_eq!(r.status().as_u16(), status);
    r.json().await.unwrap()
}

/// Asserts a 403 whose message names `what`.
async fn refused(r: reqwest::Response, what: &str) {
    let body = assert_error(r, 403, "forbidden", None).await;
    let message = body["error"]["message"].as_str().unwrap();
    assert!(message.contains(what), "{what} in {message}");
}

/// Of two answers to simultaneous requests, exactly one is `ok`; the other
/// is a 409 whose `details.field` and message name `field`.
async fn one_wins(r1: reqwest::Response, r2: reqwest::Response, ok: u16, field: &str) {
    let (won, lost) = if r1.status().as_u16() == ok {
        (r1, r2)
    } else {
        (r2, r1)
    };
    assert_eq!(won.status().as_u16(), ok);
    let body = assert_error(lost, 409, "conflict", None).await;
    assert_eq!(body["error"]["details"]["field"], field, "{body}");
    assert!(body["error"]["message"].as_str().unwrap().contains(field));
}

async fn group_named(app: &TestApp, admin: &reqwest::Client, name: &str) -> Value {
    let all = json_of(app.get(admin, "/api/v1/groups").await, 200).await;
    all.as_array()
        .unwrap()
        .iter()
        .find(|g| g["name"] == name)
        .cloned()
        .unwrap_or_else(|| panic!("no group {name}"))
}

/// Takes away the builder role's default "edit all apps everywhere" and
/// gives `user_id` edit on every app in `envs` only, through a new group.
async fn edit_only_in(app: &TestApp, admin: &reqwest::Client, user_id: &str, envs: &[&str]) {
    let builder = group_named(app, admin, "builder").await;
    let (gid, pid) = (&builder["id"], &builder["app_permissions"][0]["id"]);
    let path = format!(
        "/api/v1/groups/{}/app-permissions/{}",
        gid.as_str().unwrap(),
        pid.as_str().unwrap()
    );
    assert_eq!(app.delete(admin, &path).await.status(), 204);
    let team = json_of(
        app.post(admin, "/api/v1/groups", json!({"name": "Team"}))
            .await,
        201,
    )
    .await;
    let team = team["id"].as_str().unwrap();
    let grant = json!({"apps": "all", "access": "edit", "environments": envs});
    let r = app
        .post(
            admin,
            &format!("/api/v1/groups/{team}/app-permissions"),
            grant,
        )
        .await;
    assert_eq!(r.status(), 201);
    let r = app
        .put(
            admin,
            &format!("/api/v1/groups/{team}/members/{user_id}"),
            json!({}),
        )
        .await;
    assert_eq!(r.status(), 204);
}

pub(crate) async fn set_builder_flags(app: &TestApp, admin: &reqwest::Client, flags: Value) {
    let id = group_named(app, admin, "builder").await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let r = app
        .patch(
            admin,
            &format!("/api/v1/groups/{id}"),
            json!({ "flags": flags }),
        )
        .await;
    assert_eq!(r.status(), 200);
}

/// `GET /apps?{query}`: the names and ids of the page.
async fn apps_page(app: &TestApp, c: &reqwest::Client, query: &str) -> Vec<(String, String)> {
    let page = json_of(app.get(c, &format!("/api/v1/apps?{query}")).await, 200).await;
    let name_id = |a: &Value| -> (String, String) {
        (
            a["name"].as_str().unwrap().into(),
            a["id"].as_str().unwrap().into(),
        )
    };
    page.as_array().unwrap().iter().map(name_id).collect()
}

async fn p11_app_wide_changes_need_edit_in_every_environment(b: Backend) {
    let app = spawn_app(b).await;
    let admin = app.admin().await;
    let (app_id, _) = new_app(&app, &admin, "Orders").await;
    let (bob_id, bob) = app.user(&admin, "bob@example.com", "builder").await;
    edit_only_in(&app, &admin, &bob_id, &["staging"]).await;
    let path = format!("/api/v1/apps/{app_id}");
    // Every flag is on: what is missing is edit access in development.
    for body in [
        json!({"name": "Mine"}),
        json!({"slug": "mine"}),
        json!({"public": true}),
    ] {
        refused(
            app.patch(&bob, &path, body).await,
            "edit access in development",
        )
        .await;
    }
    refused(app.delete(&bob, &path).await, "edit access in development").await;
    // 403 before 422: a bad value answers the same.
    refused(
        app.patch(&bob, &path, json!({"slug": "Not A Slug"})).await,
        "development",
    )
    .await;
    // The app page disables the same controls with the same reason.
    let html = app
        .page(&bob, &format!("/build/{app_id}?env=staging"))
        .await
        .text()
        .await
        .unwrap();
    for label in ["Rename app", "Make public", "Delete app"] {
        let button = button_tag(&html, label);
        assert!(button.contains("disabled"), "{label}: {button}");
        assert!(
            button.contains("title=\"You do not have edit access in development\""),
            "{label}: {button}"
        );
    }
    let a = json_of(app.get(&admin, &path).await, 200).await;
    assert_eq!(
        (&a["name"], &a["slug"], &a["public"]),
        (&json!("Orders"), &json!("orders"), &json!(false))
    );
    let actions = app.audit_actions().await;
    assert!(
        !actions
            .iter()
            .any(|a| a == "app.update" || a == "app.delete"),
        "{actions:?}"
    );
}

async fn p11_public_needs_release_and_delete_needs_app_delete(b: Backend) {
    let app = spawn_app(b).await;
    let admin = app.admin().await;
    let (app_id, _) = new_app(&app, &admin, "Orders").await;
    // Bob keeps the builder default: edit in every environment.
    let (_, bob) = app.user(&admin, "bob@example.com", "builder").await;
    set_builder_flags(&app, &admin, json!({"release": false, "app_delete": false})).await;
    let path = format!("/api/v1/apps/{app_id}");
    refused(
        app.patch(&bob, &path, json!({"public": true})).await,
        "Release",
    )
    .await;
    // One refused field refuses the whole request: the name stays too.
    refused(
        app.patch(&bob, &path, json!({"name": "Renamed", "public": true}))
            .await,
        "Release",
    )
    .await;
    refused(app.delete(&bob, &path).await, "App delete").await;
    let r = app
        .patch(&bob, &path, json!({"name": "Renamed", "slug": "renamed"}))
        .await;
    let a = json_of(r, 200).await;
    assert_eq!(
        (&a["name"], &a["slug"], &a["public"]),
        (&json!("Renamed"), &json!("renamed"), &json!(false))
    );
    set_builder_flags(&app, &admin, json!({"release": true, "app_delete": true})).await;
    assert_eq!(
        json_of(app.patch(&bob, &path, json!({"public": true})).await, 200).await["public"],
        true
    );
    assert_eq!(app.delete(&bob, &path).await.status(), 204);
}

async fn simultaneous_app_patches_keep_both_changes(b: Backend) {
    let app = spawn_app(b).await;
    let admin = app.admin().await;
    let (app_id, _) = new_app(&app, &admin, "Orders").await;
    let path = format!("/api/v1/apps/{app_id}");
    for round in 0..20 {
        let (name, public) = (format!("Orders {round}"), round % 2 == 0);
        let (r1, r2) = tokio::join!(
            app.patch(&admin, &path, json!({ "name": name })),
            app.patch(&admin, &path, json!({ "public": public })),
        );
        assert_eq!(
            (r1.status().as_u16(), r2.status().as_u16()),
            (200, 200),
            "round {round}"
        );
        let a = json_of(app.get(&admin, &path).await, 200).await;
        assert_eq!(
            (&a["name"], &a["public"]),
            (&json!(name), &json!(public)),
            "round {round}"
        );
    }
}

async fn simultaneous_version_patches_keep_both_changes(b: Backend) {
    let app = spawn_app(b).await;
    let admin = app.admin().await;
    let (app_id, v1) = new_app(&app, &admin, "Orders").await;
    let path = format!("/api/v1/apps/{app_id}/versions/{v1}");
    for round in 0..20 {
        let (name, description) = (format!("v1-{round}"), format!("Round {round}"));
        let (r1, r2) = tokio::join!(
            app.patch(&admin, &path, json!({ "name": name })),
            app.patch(&admin, &path, json!({ "description": description })),
        );
        assert_eq!(
            (r1.status().as_u16(), r2.status().as_u16()),
            (200, 200),
            "round {round}"
        );
        let v = json_of(app.get(&admin, &path).await, 200).await;
        assert_eq!(
            (&v["name"], &v["description"]),
            (&json!(name), &json!(description)),
            "round {round}"
        );
    }
}

async fn v8_p8_delete_racing_a_promote_never_both_win(b: Backend) {
    let app = spawn_app(b).await;
    let admin = app.admin().await;
    let (app_id, v1) = new_app(&app, &admin, "Orders").await;
    // Dev may delete versions in development, and has no edit in staging.
    let (dev_id, dev) = app.user(&admin, "dev@example.com", "builder").await;
    edit_only_in(&app, &admin, &dev_id, &["development"]).await;
    let base = format!("/api/v1/apps/{app_id}/versions");
    for round in 0..10 {
        let r = app
            .post(
                &admin,
                &base,
                json!({"name": format!("r{round}"), "from_version_id": v1}),
            )
            .await;
        let vid = json_of(r, 201).await["id"].as_str().unwrap().to_string();
        assert_eq!(
            app.post(&admin, &format!("{base}/{vid}/save"), json!({}))
                .await
                .status(),
            200
        );
        let (promote_path, delete_path) =
            (format!("{base}/{vid}/promote"), format!("{base}/{vid}"));
        let (promoted, deleted) = tokio::join!(
            app.post(&admin, &promote_path, json!({"from": "development"})),
            app.delete(&dev, &delete_path),
        );
        let outcome = (promoted.status().as_u16(), deleted.status().as_u16());
        assert!(
            matches!(outcome, (200, 403 | 404 | 409) | (404 | 409, 204)),
            "round {round}: {outcome:?}"
        );
        let now = app.get(&admin, &format!("{base}/{vid}")).await;
        match outcome.1 {
            204 => assert_eq!(now.status(), 404, "round {round}"),
            _ => assert_eq!(
                json_of(now, 200).await["environment"],
                "staging",
                "round {round}"
            ),
        }
    }
}

async fn a1_same_slug_or_name_at_once_one_wins_the_other_names_the_field(b: Backend) {
    let app = spawn_app(b).await;
    let admin = app.admin().await;
    for round in 0..5 {
        let (a, _) = new_app(&app, &admin, &format!("A{round}")).await;
        let (c, _) = new_app(&app, &admin, &format!("C{round}")).await;
        let slug = json!({ "slug": format!("shared-{round}") });
        let (path_a, path_c) = (format!("/api/v1/apps/{a}"), format!("/api/v1/apps/{c}"));
        let (r1, r2) = tokio::join!(
            app.patch(&admin, &path_a, slug.clone()),
            app.patch(&admin, &path_c, slug.clone()),
        );
        one_wins(r1, r2, 200, "slug").await;
        let name = json!({ "name": format!("Same {round}") });
        let (r1, r2) = tokio::join!(
            app.post(&admin, "/api/v1/apps", name.clone()),
            app.post(&admin, "/api/v1/apps", name.clone()),
        );
        one_wins(r1, r2, 201, "name").await;
    }
}

async fn get_apps_pages_by_name_after_an_app(b: Backend) {
    let app = spawn_app(b).await;
    let admin = app.admin().await;
    for name in ["Gamma", "alpha", "Delta", "beta", "Epsilon", "zeta", "Eta"] {
        new_app(&app, &admin, name).await;
    }
    let (mut seen, mut query) = (Vec::new(), "limit=3".to_string());
    loop {
        let page = apps_page(&app, &admin, &query).await;
        assert!(page.len() <= 3);
        seen.extend(page.iter().map(|(name, _)| name.clone()));
        match page.last() {
            Some((_, id)) if page.len() == 3 => query = format!("limit=3&after={id}"),
            _ => break,
        }
    }
    assert_eq!(
        seen,
        ["alpha", "beta", "Delta", "Epsilon", "Eta", "Gamma", "zeta"]
    );
    assert_eq!(apps_page(&app, &admin, "").await.len(), 7, "100 by default");
    for q in ["limit=0", "limit=501", "limit=ten"] {
        let r = app.get(&admin, &format!("/api/v1/apps?{q}")).await;
        assert_error(r, 422, "invalid", Some("limit")).await;
    }
    let r = app
        .get(&admin, "/api/v1/apps?limit=3&after=no-such-app")
        .await;
    assert_error(r, 422, "invalid", Some("after")).await;
}
