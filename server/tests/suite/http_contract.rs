//! API.md's error order (401, 404, 403, 422, 409), walked over every route
//! of the router (`server::rest::endpoints`, the list the router is built
//! from), on both databases.
//!
//! Each route is tried by every kind of caller (nobody, an admin, an end
//! user who sees nothing, an end user who views every app), with every
//! path parameter in turn unknown, and with a body that is not a JSON
//! object. The expected answer is the first rule that fails, from a model
//! of the order written here; a request the model expects to succeed is
//! not sent (it would change the fixtures).
use crate::both_backends;
use crate::support::*;
use serde_json::{json, Value};

both_backends!(every_route_answers_the_first_failing_rule_in_api_order);

#[derive(Clone, Copy, Debug, PartialEq)]
enum Who {
    Nobody,
    Admin,
    /// An end user with no permission: sees no app.
    Stranger,
    /// An end user in a group with view on every app and environment.
    Viewer,
}

const WHO: [Who; 4] = [Who::Nobody, Who::Admin, Who::Stranger, Who::Viewer];

/// What a route demands, in the order the service checks it.
#[derive(Debug)]
struct Demands {
    signed_in: bool,
    admin: bool,
    /// The app of `{app_id}` must be visible (404 otherwise).
    app: bool,
    /// Edit-level rights on that app (403 for a viewer).
    edit: bool,
    /// The thing is the caller's own (a token): anyone else's is unknown.
    own: bool,
    /// The `app_create` flag, which end users lack.
    create_flag: bool,
    /// A JSON body, parsed after every check above.
    body: bool,
}

fn demands(method: &str, path: &str) -> Demands {
    let public = matches!((method, path), ("POST", "/setup") | ("POST", "/auth/login"));
    let admin =
        path.starts_with("/users") || path.starts_with("/groups") || path.starts_with("/audit");
    let app = path.starts_with("/apps/");
    let body = match method {
        "POST" | "PUT" | "PATCH" => !matches!(
            path,
            "/auth/logout" | "/apps/{app_id}/versions/{id}/save" | "/groups/{id}/members/{user_id}"
        ),
        _ => false,
    };
    Demands {
        signed_in: !public,
        admin,
        app,
        edit: app && method != "GET",
        own: path.starts_with("/tokens/"),
        create_flag: method == "POST" && path == "/apps",
        body,
    }
}

/// The first failing status, or `None` where the request would succeed.
fn expected(d: &Demands, who: Who, unknown_param: bool, bad_body: bool) -> Option<u16> {
    if who == Who::Nobody && d.signed_in {
        return Some(401);
    }
    let end_user = matches!(who, Who::Stranger | Who::Viewer);
    if d.admin && who != Who::Admin {
        return Some(403);
    }
    if d.create_flag && end_user {
        return Some(403);
    }
    if unknown_param || (d.own && who != Who::Admin) {
        return Some(404);
    }
    if d.app && who == Who::Stranger {
        return Some(404);
    }
    if d.edit && who == Who::Viewer {
        return Some(403);
    }
    if bad_body && d.body {
        return Some(422);
    }
    None
}

struct Fixtures {
    app_id: String,
    version_id: String,
    group_id: String,
    user_id: String,
    permission_id: String,
    /// The admin's.
    token_id: String,
}

impl Fixtures {
    /// The real id for `param` of `path`.
    fn id(&self, path: &str, param: &str) -> String {
        match param {
            "app_id" => &self.app_id,
            "user_id" => &self.user_id,
            "permission_id" => &self.permission_id,
            "id" if path.starts_with("/apps/") => &self.version_id,
            "id" if path.starts_with("/groups/") => &self.group_id,
            "id" if path.starts_with("/users/") => &self.user_id,
            "id" if path.starts_with("/tokens/") => &self.token_id,
            _ => panic!("no fixture for {{{param}}} of {path}"),
        }
        .clone()
    }
}

fn params(path: &str) -> Vec<&str> {
    path.split('/')
        .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
        .collect()
}

fn fill(path: &str, fixtures: &Fixtures, unknown: Option<&str>) -> String {
    let mut out = path.to_string();
    for p in params(path) {
        let id = if Some(p) == unknown {
            "unknown-id-0000".to_string()
        } else {
            fixtures.id(path, p)
        };
        out = out.replace(&format!("{{{p}}}"), &id);
    }
    out
}

/// End users see every released app by default; without that, an end user
/// outside any group sees no app at all.
async fn remove_end_user_default(app: &TestApp, admin: &reqwest::Client) {
    let path = "/api/v1/groups/group-end-user/app-permissions/permission-end-user-default";
    assert_eq!(app.delete(admin, path).await.status(), 204);
}

async fn every_route_answers_the_first_failing_rule_in_api_order(b: Backend) {
    let app = spawn_app(b).await;
    let admin = app.admin().await;
    remove_end_user_default(&app, &admin).await;
    let (user_id, stranger) = app.user(&admin, "stranger@example.com", "end-user").await;
    let (viewer_id, viewer) = app.user(&admin, "viewer@example.com", "end-user").await;
    let r = app
        .post(&admin, "/api/v1/apps", json!({"name": "Orders"}))
        .await;
    assert_eq!(r.status(), 201);
    let created: Value = r.json().await.unwrap();
    let r = app
        .post(&admin, "/api/v1/groups", json!({"name": "Viewers"}))
        .await;
    assert_eq!(r.status(), 201);
    let group_id = r.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let r = app
        .post(
            &admin,
            &format!("/api/v1/groups/{group_id}/app-permissions"),
            json!({"apps": "all", "access": "view"}),
        )
        .await;
    assert_eq!(r.status(), 201);
    let permission_id = r.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let r = admin
        .put(app.url(&format!("/api/v1/groups/{group_id}/members/{viewer_id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let r = app
        .post(&admin, "/api/v1/tokens", json!({"name": "walk"}))
        .await;
    assert_eq!(r.status(), 201);
    let token_id = r.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let fixtures = Fixtures {
        token_id,
        app_id: created["id"].as_str().unwrap().into(),
        version_id: created["first_version"]["id"].as_str().unwrap().into(),
        group_id,
        user_id,
        permission_id,
    };
    let nobody = client();
    let client_of = |who: Who| match who {
        Who::Nobody => &nobody,
        Who::Admin => &admin,
        Who::Stranger => &stranger,
        Who::Viewer => &viewer,
    };

    let endpoints = server::rest::endpoints();
    assert!(endpoints.len() >= 30, "the walk would cover too little");
    let mut checked = 0;
    let mut wrong = Vec::new();
    for e in &endpoints {
        let method = e.method.as_str();
        let d = demands(method, e.path);
        let unknowns: Vec<Option<&str>> = std::iter::once(None)
            .chain(params(e.path).into_iter().map(Some))
            .collect();
        for who in WHO {
            for unknown in &unknowns {
                for bad_body in [false, true] {
                    let Some(status) = expected(&d, who, unknown.is_some(), bad_body) else {
                        continue;
                    };
                    let url = app.url(&format!("/api/v1{}", fill(e.path, &fixtures, *unknown)));
                    let mut req = client_of(who).request(e.method.clone(), &url);
                    if bad_body {
                        req = req
                            .header("content-type", "application/json")
                            .body("[\"not an object\"]");
                    }
                    let r = req.send().await.unwrap();
                    let got = r.status().as_u16();
                    let body: Value = r.json().await.unwrap_or(Value::Null);
                    checked += 1;
                    if got != status {
                        wrong.push(format!(
                            "{method} {} as {who:?} (unknown {unknown:?}, bad body {bad_body}): \
                             expected {status}, got {got} {body}",
                            e.path
                        ));
                    } else if status == 422 && body["error"]["field"] != "body" {
                        wrong.push(format!("{method} {}: 422 names no field: {body}", e.path));
                    }
                }
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {checked}:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
    assert!(checked > 150, "only {checked} requests were checked");
}

/// Typed fields: a wrong JSON type is refused naming the field, and only
/// after the caller's rights (the two cases the hand-read bodies got wrong).
#[tokio::test]
async fn typed_fields_after_rights() {
    for b in [Backend::Sqlite, Backend::Postgres] {
        let app = spawn_app(b).await;
        let admin = app.admin().await;
        remove_end_user_default(&app, &admin).await;
        let (_, builder) = app.user(&admin, "b@example.com", "builder").await;
        let (_, end_user) = app.user(&admin, "e@example.com", "end-user").await;
        // {"email": 5} from a builder: 403, not 422.
        let r = app
            .post(&builder, "/api/v1/users", json!({"email": 5}))
            .await;
        assert_error(r, 403, "forbidden", None).await;
        let r = app.post(&admin, "/api/v1/users", json!({"email": 5})).await;
        assert_error(r, 422, "invalid", Some("email")).await;
        // {"public": "y"} on an app the caller cannot see: 404, not 422.
        let r = app
            .post(&admin, "/api/v1/apps", json!({"name": "Hidden"}))
            .await;
        let id = r.json::<Value>().await.unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string();
        let path = format!("/api/v1/apps/{id}");
        let r = app.patch(&end_user, &path, json!({"public": "y"})).await;
        assert_error(r, 404, "not_found", None).await;
        let r = app.patch(&admin, &path, json!({"public": "y"})).await;
        let body = assert_error(r, 422, "invalid", Some("public")).await;
        assert_eq!(body["error"]["message"], "public must be true or false");
        let r = app
            .post(
                &admin,
                &format!("/api/v1/apps/{id}/versions"),
                json!({"name": ["v2"]}),
            )
            .await;
        assert_error(r, 422, "invalid", Some("name")).await;
        let r = app
            .patch(
                &admin,
                "/api/v1/groups/unknown",
                json!({"flags": {"release": 1}}),
            )
            .await;
        assert_error(r, 404, "not_found", None).await;
    }
}
