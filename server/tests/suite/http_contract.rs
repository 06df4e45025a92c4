//! API.md's error order (401, 404, 403, 422, 409), walked over every route
//! of the router (`server::rest::endpoints`: the operations of the OpenAPI
//! document, which the router is built from), on both databases.
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
    /// A released app's query: the fixture app was never released, so
    /// after sign-in everyone is told it does not exist.
    released: bool,
    /// The `app_create` flag, which end users lack.
    create_flag: bool,
    /// Shared builder resources (constants, data sources, P9): listing
    /// needs edit access to some app and changing a `manage_*` flag, both
    /// of which end users lack; checked before the thing is looked up.
    builders: bool,
    /// A JSON body, parsed after every check above.
    body: bool,
    /// Running a query by name is the Query Panel's right (P7): edit
    /// access where it runs is checked before the version and the query
    /// named, so a viewer cannot probe which exist.
    access_before_names: bool,
}

fn demands(method: &str, path: &str) -> Demands {
    let public = matches!(
        (method, path),
        ("POST", "/setup") | ("POST", "/auth/login") | ("GET", "/openapi.json")
    );
    let admin =
        path.starts_with("/users") || path.starts_with("/groups") || path.starts_with("/audit");
    // A request (B7) is looked up through its app, and deciding it needs
    // the right it asks for, which a viewer lacks.
    let app = path.starts_with("/apps/") || path.starts_with("/requests/");
    let body = match method {
        "POST" | "PUT" | "PATCH" => !matches!(
            path,
            "/auth/logout"
                | "/apps/{app_id}/versions/{id}/save"
                | "/groups/{id}/members/{user_id}"
                | "/data-sources/{id}/environments/{environment}/test"
        ),
        _ => false,
    };
    Demands {
        signed_in: !public,
        admin,
        app,
        edit: app && method != "GET",
        own: path.starts_with("/tokens/"),
        released: path.starts_with("/released/"),
        create_flag: method == "POST" && path == "/apps",
        builders: path.starts_with("/constants") || path.starts_with("/data-sources"),
        body,
        access_before_names: app && path.ends_with("/run"),
    }
}

/// The first failing status, or `None` where the request would succeed.
fn expected(d: &Demands, who: Who, unknown: Option<&str>, bad_body: bool) -> Option<u16> {
    let unknown_param = unknown.is_some();
    if who == Who::Nobody && d.signed_in {
        return Some(401);
    }
    let end_user = matches!(who, Who::Stranger | Who::Viewer);
    if d.admin && who != Who::Admin {
        return Some(403);
    }
    if (d.create_flag || d.builders) && end_user {
        return Some(403);
    }
    if d.access_before_names && who == Who::Viewer && unknown != Some("app_id") {
        return Some(403);
    }
    if unknown_param || (d.own && who != Who::Admin) || d.released {
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
    constant_id: String,
    data_source_id: String,
    app_slug: String,
    /// An open request (B7) for the version, written straight into the
    /// database: asking needs a saved version, which would change what
    /// the other routes answer.
    request_id: String,
}

impl Fixtures {
    /// The real id for `param` of `path`.
    fn id(&self, path: &str, param: &str) -> String {
        match param {
            "app_id" => &self.app_id,
            "user_id" => &self.user_id,
            "permission_id" => &self.permission_id,
            "id" | "a" | "b" if path.starts_with("/apps/") => &self.version_id,
            "id" if path.starts_with("/groups/") => &self.group_id,
            "id" if path.starts_with("/users/") => &self.user_id,
            "id" if path.starts_with("/tokens/") => &self.token_id,
            "id" if path.starts_with("/constants/") => &self.constant_id,
            "id" if path.starts_with("/data-sources/") => &self.data_source_id,
            "id" if path.starts_with("/requests/") => &self.request_id,
            "name" => return "q".to_string(),
            "slug" => &self.app_slug,
            "environment" => return "development".to_string(),
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
    let r = app
        .post(
            &admin,
            "/api/v1/constants",
            json!({"name": "REGION", "type": "global", "values": {"development": "eu"}}),
        )
        .await;
    assert_eq!(r.status(), 201);
    let constant_id = r.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let r = app
        .post(
            &admin,
            "/api/v1/data-sources",
            json!({"name": "Walk DB", "kind": "sqlite"}),
        )
        .await;
    assert_eq!(r.status(), 201);
    let data_source_id = r.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    // The version's one query, which the run route names.
    let r = app
        .put(
            &admin,
            &format!(
                "/api/v1/apps/{}/versions/{}/definition",
                created["id"].as_str().unwrap(),
                created["first_version"]["id"].as_str().unwrap()
            ),
            json!({"definition": {"queries": [{"name": "q", "data_source": "Walk DB", "sql": "SELECT 1"}]}, "revision": 1}),
        )
        .await;
    assert_eq!(r.status(), 200);
    let request_id = "walk-request".to_string();
    sqlx::query(
        "INSERT INTO requests (id, app_id, version_id, action, from_env, message, state, requested_by, requested_at) \
         VALUES ($1, $2, $3, 'promote', 'development', '', 'open', 'someone@example.com', '2026-12-03T00:00:00Z')",
    )
    .bind(&request_id)
    .bind(created["id"].as_str().unwrap())
    .bind(created["first_version"]["id"].as_str().unwrap())
    .execute(&app.db.pool)
    .await
    .unwrap();
    app.changed_outside().await;
    let fixtures = Fixtures {
        request_id,
        app_slug: created["slug"].as_str().unwrap().into(),
        data_source_id,
        constant_id,
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
    for (method, path) in &endpoints {
        let d = demands(method.as_str(), path);
        let unknowns: Vec<Option<&str>> = std::iter::once(None)
            .chain(params(path).into_iter().map(Some))
            .collect();
        for who in WHO {
            for unknown in &unknowns {
                for bad_body in [false, true] {
                    let Some(status) = expected(&d, who, *unknown, bad_body) else {
                        continue;
                    };
                    // The run route says where to run, as every caller must.
                    let query = if path.ends_with("/run") {
                        "?environment=development"
                    } else {
                        ""
                    };
                    let url = app.url(&format!(
                        "/api/v1{}{query}",
                        fill(path, &fixtures, *unknown)
                    ));
                    let mut req = client_of(who).request(method.clone(), &url);
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
                            "{method} {path} as {who:?} (unknown {unknown:?}, bad body {bad_body}): \
                             expected {status}, got {got} {body}"
                        ));
                    } else if status == 422 && body["error"]["field"] != "body" {
                        wrong.push(format!("{method} {path}: 422 names no field: {body}"));
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

/// Server functions answer a refusal or a mistake with the error's own
/// status (Leptos answers every error 500), as the pages' fetches see it.
#[tokio::test]
async fn server_functions_answer_with_the_errors_own_status() {
    let app = spawn_app(Backend::Sqlite).await;
    let admin = app.admin().await;
    let (_, builder) = app.user(&admin, "b@example.com", "builder").await;
    let call = |c: &reqwest::Client, name: &str, form: &'static str| {
        c.post(app.url(&format!("/api/{name}")))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form)
            .send()
    };
    let cases: [(&reqwest::Client, &str, &'static str, u16); 6] = [
        (
            &builder,
            "create_user",
            "email=x%40example.com&name=X&password=password1&role=builder",
            403,
        ),
        (
            &admin,
            "create_user",
            "email=nope&name=X&password=password1&role=builder",
            422,
        ),
        (
            &admin,
            "create_user",
            "email=b%40example.com&name=X&password=password1&role=builder",
            409,
        ),
        (&client(), "list_users", "", 401),
        (
            &client(),
            "login",
            "email=ada%40example.com&password=wrong-password",
            401,
        ),
        (
            &admin,
            "load_app_page",
            "app_id=missing&environment=development",
            404,
        ),
    ];
    for (c, name, form, status) in cases {
        let r = call(c, name, form).await.unwrap();
        assert_eq!(r.status().as_u16(), status, "{name} {form}");
        let e: Value = r.json().await.unwrap();
        assert!(e["message"].as_str().is_some_and(|m| !m.is_empty()), "{e}");
    }
}

/// A corrupt row is the operator's problem: 500 with the generic message
/// (nothing of the row leaks), and an ERROR line in the log. The request
/// carries its own id so the test command's log check (scripts/
/// check-errors.sh) knows this ERROR was caused on purpose, and can prove
/// that ERROR lines reach it at all.
#[tokio::test]
async fn a_corrupt_row_is_a_500_and_an_error_for_the_operator() {
    let app = spawn_app(Backend::Sqlite).await;
    let admin = app.admin().await;
    sqlx::query("UPDATE audit_log SET details = 'not json {'")
        .execute(&app.db.pool)
        .await
        .unwrap();
    let r = admin
        .get(app.url("/api/v1/audit"))
        .header("x-request-id", "corrupt-row-probe")
        .send()
        .await
        .unwrap();
    let body = assert_error(r, 500, "internal", None).await;
    assert!(!body.to_string().contains("not json"), "{body}");
}
