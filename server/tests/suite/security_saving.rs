//! Saving safely, on both databases: a data source environment's options
//! are saved based on the revision the saver read (D12, as V10), a
//! definition stays within its limits (R9), REST headers that frame the
//! request are refused (API.md "The definition document"), REST paths stay
//! under their base URL, and a version copy holds the data sources it names
//! against a simultaneous delete (D6).
use crate::both_backends;
use crate::http_data_sources::{app_with, create};
use crate::support::*;
use app::domain::data_source::{DataSourceView, OptionsSaved};
use app::domain::definition::{check_limits, json_bytes, MAX_BYTES};
use serde_json::{json, Value};
use sqlx::Row;

both_backends!(
    d12_a_stale_revision_is_a_conflict_and_changes_nothing,
    d12_the_page_form_sends_its_revision_and_a_stale_one_is_refused,
    d12_two_saves_of_the_same_revision_one_wins,
    d12_two_first_saves_one_wins,
    r9_each_limit_passes_at_it_and_fails_past_it,
    r9_a_copy_of_a_definition_past_the_limits_is_refused,
    rest_framing_headers_are_refused_when_saved,
    rest_stored_framing_headers_are_never_sent,
    d6_a_copy_racing_a_delete_never_names_a_deleted_data_source,
    d6_a_copy_held_up_mid_way_still_holds_its_data_source,
    d12_the_openapi_document_lists_the_revision,
    d12_an_invalid_stale_save_is_told_what_is_invalid_first,
);

/// API.md's order: 422 before 409. A stale save that also sends a kept
/// secret towards a new host (D8) is the D8 refusal.
async fn d12_an_invalid_stale_save_is_told_what_is_invalid_first(b: Backend) {
    let app = spawn_app(b).await;
    let admin = app.admin().await;
    let pg = json!({"host": "127.0.0.1", "port": 5432, "database": "orders", "username": "app", "password": "pw", "ssl_mode": "disable"});
    let made = crate::http_data_sources::create(
        &app,
        &admin,
        json!({"name": "Pg", "kind": "postgresql", "environments": {"staging": pg.clone()}}),
    )
    .await;
    let id = made["id"].as_str().unwrap().to_string();
    let mut moved = pg.clone();
    moved["host"] = json!("127.0.0.2");
    moved["password"] = json!("********");
    let r = put_options(
        &app,
        &admin,
        &id,
        "staging",
        json!({"options": moved, "revision": 7}),
    )
    .await;
    assert_error(r, 422, "invalid", Some("options.password")).await;
    let mut fine = pg.clone();
    fine["password"] = json!("********");
    let r = put_options(
        &app,
        &admin,
        &id,
        "staging",
        json!({"options": fine, "revision": 7}),
    )
    .await;
    assert_error(r, 409, "conflict", None).await;
}

const FILE_A: &str = "a.db";
const FILE_B: &str = "b.db";

async fn sqlite_source(app: &TestApp, admin: &reqwest::Client, name: &str) -> String {
    let made = create(
        app,
        admin,
        json!({"name": name, "kind": "sqlite", "environments": {"staging": {"file": FILE_A}}}),
    )
    .await;
    made["id"].as_str().unwrap().to_string()
}

async fn put_options(
    app: &TestApp,
    c: &reqwest::Client,
    id: &str,
    env: &str,
    body: Value,
) -> reqwest::Response {
    app.put(
        c,
        &format!("/api/v1/data-sources/{id}/environments/{env}"),
        body,
    )
    .await
}

async fn listed(app: &TestApp, c: &reqwest::Client, id: &str) -> DataSourceView {
    let all: Vec<DataSourceView> = app
        .get(c, "/api/v1/data-sources")
        .await
        .json()
        .await
        .unwrap();
    all.into_iter().find(|d| d.id == id).unwrap()
}

/// The stored row of one environment: (options, revision).
async fn stored(app: &TestApp, id: &str, env: &str) -> Option<(String, i64)> {
    sqlx::query(
        "SELECT options, revision FROM data_source_options WHERE data_source_id = $1 AND environment = $2",
    )
    .bind(id)
    .bind(env)
    .fetch_optional(&app.db.pool)
    .await
    .unwrap()
    .map(|r| (r.get("options"), r.get("revision")))
}

async fn d12_a_stale_revision_is_a_conflict_and_changes_nothing(b: Backend) {
    let app = spawn_app(b).await;
    let admin = app.admin().await;
    let id = sqlite_source(&app, &admin, "Files").await;
    // GET answers the revision per environment; unconfigured ones have none
    // (revision 0) and read as API.md shows them.
    let d = listed(&app, &admin, &id).await;
    assert_eq!(d.environments["staging"].revision, 1);
    assert_eq!(d.environments["development"].revision, 0);
    let raw: Value = app
        .get(&admin, "/api/v1/data-sources")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(raw[0]["environments"]["staging"]["revision"], 1);
    assert_eq!(
        raw[0]["environments"]["development"],
        json!({"configured": false, "options": null})
    );

    // Based on what was read: saved, and the revision moves on.
    let r = put_options(
        &app,
        &admin,
        &id,
        "staging",
        json!({"options": {"file": FILE_B}, "revision": 1}),
    )
    .await;
    assert_eq!(r.status(), 200);
    let saved: OptionsSaved = r.json().await.unwrap();
    assert_eq!(saved.revision, 2);
    assert_eq!(saved.data_source.environments["staging"].revision, 2);

    // The same save again is stale: 409 naming revision, nothing changes.
    let before = stored(&app, &id, "staging").await;
    let audited = app.audit_actions().await.len();
    for (env, body) in [
        (
            "staging",
            json!({"options": {"file": FILE_A}, "revision": 1}),
        ),
        (
            "staging",
            json!({"options": {"file": FILE_A}, "revision": 3}),
        ),
        // 0 means "it was unconfigured": not so any more.
        (
            "staging",
            json!({"options": {"file": FILE_A}, "revision": 0}),
        ),
        // Based on options that are gone (or never were).
        (
            "production",
            json!({"options": {"file": FILE_A}, "revision": 1}),
        ),
    ] {
        let r = put_options(&app, &admin, &id, env, body.clone()).await;
        let e = assert_error(r, 409, "conflict", None).await;
        let message = e["error"]["message"].as_str().unwrap();
        assert!(message.contains("revision"), "{body}: {message}");
    }
    assert_eq!(stored(&app, &id, "staging").await, before);
    assert_eq!(stored(&app, &id, "production").await, None);
    assert_eq!(app.audit_actions().await.len(), audited, "nothing recorded");

    // A revision that is not one is 422 (checked before it is compared).
    for bad in [json!(-1), json!("two"), json!(1.5)] {
        let r = put_options(
            &app,
            &admin,
            &id,
            "staging",
            json!({"options": {"file": FILE_A}, "revision": bad}),
        )
        .await;
        assert_error(r, 422, "invalid", Some("revision")).await;
    }
    // Bad options with a stale revision: 422 first (API.md's order).
    let r = put_options(
        &app,
        &admin,
        &id,
        "staging",
        json!({"options": {"file": "/etc/passwd"}, "revision": 1}),
    )
    .await;
    assert_error(r, 422, "invalid", Some("options.file")).await;

    // First save of an unconfigured environment, based on revision 0.
    let r = put_options(
        &app,
        &admin,
        &id,
        "development",
        json!({"options": {"file": FILE_A}, "revision": 0}),
    )
    .await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<OptionsSaved>().await.unwrap().revision, 1);

    // Without a revision: the last write wins, as before, and counts.
    for expected in [3, 4] {
        let r = put_options(
            &app,
            &admin,
            &id,
            "staging",
            json!({"options": {"file": FILE_A}}),
        )
        .await;
        assert_eq!(r.status(), 200);
        assert_eq!(r.json::<OptionsSaved>().await.unwrap().revision, expected);
    }
    let r = put_options(
        &app,
        &admin,
        &id,
        "production",
        json!({"options": {"file": FILE_A}, "revision": null}),
    )
    .await;
    assert_eq!(r.json::<OptionsSaved>().await.unwrap().revision, 1);
    // The audit names the revision each save made.
    let details: String = sqlx::query(
        "SELECT details FROM audit_log WHERE action = 'data_source.update' ORDER BY id DESC LIMIT 1",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap()
    .get("details");
    assert_eq!(
        serde_json::from_str::<Value>(&details).unwrap()["revision"],
        1
    );
}

/// A plain form post of the data-source page (JavaScript off), as a
/// browser sends it: answers where it goes next.
async fn form_post(
    app: &TestApp,
    c: &reqwest::Client,
    id: &str,
    file: &str,
    revision: &str,
) -> reqwest::Response {
    c.post(app.url("/api/set_data_source_options"))
        .header(
            "referer",
            app.url(&format!("/data-sources/{id}?env=staging")),
        )
        .header("accept", "text/html")
        .form(&[
            ("id", id),
            ("environment", "staging"),
            ("kind", "sqlite"),
            ("file", file),
            ("revision", revision),
        ])
        .send()
        .await
        .unwrap()
}

async fn d12_the_page_form_sends_its_revision_and_a_stale_one_is_refused(b: Backend) {
    let app = spawn_app(b).await;
    let admin = app.admin().await;
    let id = sqlite_source(&app, &admin, "Files").await;
    let page = |env: &'static str| {
        let (app, admin, id) = (&app, &admin, id.clone());
        async move {
            app.page(admin, &format!("/data-sources/{id}?env={env}"))
                .await
                .text()
                .await
                .unwrap()
        }
    };
    // The form holds the revision it shows: 1 in staging, 0 where the
    // environment is unconfigured.
    assert!(page("staging")
        .await
        .contains(r#"name="revision" value="1""#));
    assert!(page("production")
        .await
        .contains(r#"name="revision" value="0""#));

    // Someone else saves first (here, through the API).
    let r = put_options(
        &app,
        &admin,
        &id,
        "staging",
        json!({"options": {"file": FILE_B}, "revision": 1}),
    )
    .await;
    assert_eq!(r.status(), 200);

    // The form opened before that is refused: back to the page, with the
    // reason shown on it, and the other save stands.
    let r = form_post(&app, &admin, &id, "mine.db", "1").await;
    assert_eq!(r.status(), 302);
    let location = r.headers()["location"].to_str().unwrap().to_string();
    assert!(location.contains("__err"), "{location}");
    let html = admin
        .get(if location.starts_with("http") {
            location.clone()
        } else {
            app.url(&location)
        })
        .header("accept", "text/html")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("These options changed since you read them: revision 1 was sent, but they are at revision 2 now"),
        "the page shows why"
    );
    let (options, revision) = stored(&app, &id, "staging").await.unwrap();
    assert_eq!(revision, 2);
    assert!(options.contains(FILE_B), "{options}");

    // The same form with JavaScript on (the server function's JSON): 409.
    let r = admin
        .post(app.url("/api/set_data_source_options"))
        .header("accept", "application/json")
        .form(&[
            ("id", id.as_str()),
            ("environment", "staging"),
            ("kind", "sqlite"),
            ("file", "mine.db"),
            ("revision", "1"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 409);
    let e: Value = r.json().await.unwrap();
    assert_eq!(e["code"], "conflict");

    // Reloaded, the form holds revision 2, and saving it works.
    assert!(page("staging")
        .await
        .contains(r#"name="revision" value="2""#));
    let r = form_post(&app, &admin, &id, "mine.db", "2").await;
    assert_eq!(r.status(), 302);
    let location = r.headers()["location"].to_str().unwrap();
    assert!(!location.contains("__err"), "{location}");
    let (options, revision) = stored(&app, &id, "staging").await.unwrap();
    assert_eq!(revision, 3);
    assert!(options.contains("mine.db"), "{options}");
    // A first save from the page of an unconfigured environment sends 0.
    let r = admin
        .post(app.url("/api/set_data_source_options"))
        .header("accept", "application/json")
        .form(&[
            ("id", id.as_str()),
            ("environment", "production"),
            ("kind", "sqlite"),
            ("file", "prod.db"),
            ("revision", "0"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(stored(&app, &id, "production").await.unwrap().1, 1);
}

/// Ten rounds of two people saving the options they both read at the same
/// moment: exactly one save wins, the other is told, never silently lost.
async fn d12_two_saves_of_the_same_revision_one_wins(b: Backend) {
    let app = spawn_app(b).await;
    let admin = app.admin().await;
    let (_, other) = app.user(&admin, "bob@example.com", "admin").await;
    let id = sqlite_source(&app, &admin, "Files").await;
    for round in 0..10 {
        let revision = stored(&app, &id, "staging").await.unwrap().1;
        let (x, y) = tokio::join!(
            put_options(
                &app,
                &admin,
                &id,
                "staging",
                json!({"options": {"file": format!("ada{round}.db")}, "revision": revision})
            ),
            put_options(
                &app,
                &other,
                &id,
                "staging",
                json!({"options": {"file": format!("bob{round}.db")}, "revision": revision})
            ),
        );
        let statuses = [x.status().as_u16(), y.status().as_u16()];
        let mut sorted = statuses;
        sorted.sort();
        assert_eq!(sorted, [200, 409], "round {round}");
        let winner = if statuses[0] == 200 { "ada" } else { "bob" };
        let (options, now) = stored(&app, &id, "staging").await.unwrap();
        assert_eq!(now, revision + 1, "round {round}");
        assert!(
            options.contains(&format!("{winner}{round}.db")),
            "round {round}: {options}"
        );
    }
}

/// Ten rounds of two first saves of an unconfigured environment, both
/// based on revision 0: one inserts, the other is a conflict.
async fn d12_two_first_saves_one_wins(b: Backend) {
    let app = spawn_app(b).await;
    let admin = app.admin().await;
    for round in 0..10 {
        let id = sqlite_source(&app, &admin, &format!("Files {round}")).await;
        let (x, y) = tokio::join!(
            put_options(
                &app,
                &admin,
                &id,
                "production",
                json!({"options": {"file": "x.db"}, "revision": 0})
            ),
            put_options(
                &app,
                &admin,
                &id,
                "production",
                json!({"options": {"file": "y.db"}, "revision": 0})
            ),
        );
        let mut statuses = [x.status().as_u16(), y.status().as_u16()];
        statuses.sort();
        assert_eq!(statuses, [200, 409], "round {round}");
        assert_eq!(stored(&app, &id, "production").await.unwrap().1, 1);
    }
}

// R9 -------------------------------------------------------------------

fn pages(n: usize) -> Value {
    json!({"pages": (0..n).map(|i| json!({"name": format!("p{i}")})).collect::<Vec<_>>()})
}

fn components(n: usize) -> Value {
    json!({"pages": [{"name": "home", "components": (0..n)
        .map(|i| json!({"id": format!("c{i}"), "type": "heading", "text": "x"}))
        .collect::<Vec<_>>()}]})
}

fn queries(n: usize) -> Value {
    json!({"queries": (0..n)
        .map(|i| json!({"name": format!("q{i}"), "data_source": "Files", "sql": "SELECT 1"}))
        .collect::<Vec<_>>()})
}

/// A valid definition of exactly `bytes` bytes of compact JSON: text
/// components (each at most 100,000 characters), the last one filling up.
fn sized(bytes: usize) -> Value {
    let with = |last: usize| {
        let mut cs: Vec<Value> = (0..10)
            .map(|i| json!({"id": format!("t{i}"), "type": "text", "text": "a".repeat(99_000)}))
            .collect();
        cs.push(json!({"id": "last", "type": "text", "text": "b".repeat(last)}));
        json!({"pages": [{"name": "home", "components": cs}], "queries": []})
    };
    let base = json_bytes(&with(0));
    let doc = with(bytes - base);
    assert_eq!(serde_json::to_string(&doc).unwrap().len(), bytes);
    doc
}

/// The limits as a table: each at its limit passes, one past it fails
/// naming the limit's path (the pure check, then through the API).
fn limit_cases() -> Vec<(Value, Value, &'static str)> {
    vec![
        (pages(50), pages(51), "definition.pages"),
        (
            components(500),
            components(501),
            "definition.pages[0].components",
        ),
        (queries(200), queries(201), "definition.queries"),
        (sized(MAX_BYTES), sized(MAX_BYTES + 1), "definition"),
    ]
}

#[test]
fn r9_limits_table() {
    for (at_limit, past, field) in limit_cases() {
        assert_eq!(check_limits(&at_limit), Ok(()), "{field} at its limit");
        let e = check_limits(&past).unwrap_err();
        assert_eq!(e.status(), 422);
        assert_eq!(e.field.as_deref(), Some(field));
        assert!(e.message.contains("at most"), "{}", e.message);
    }
    // Components are counted per page; pages past the limit first.
    let mut two = components(500);
    two["pages"]
        .as_array_mut()
        .unwrap()
        .push(components(501)["pages"][0].clone());
    two["pages"][1]["name"] = json!("second");
    assert_eq!(
        check_limits(&two).unwrap_err().field.as_deref(),
        Some("definition.pages[1].components")
    );
    let mut both = pages(51);
    both["queries"] = queries(201)["queries"].clone();
    assert_eq!(
        check_limits(&both).unwrap_err().field.as_deref(),
        Some("definition.pages")
    );
    // Not lists: left to the parse, which names them.
    assert_eq!(check_limits(&json!({"pages": 3, "queries": "x"})), Ok(()));
    assert_eq!(
        json_bytes(&json!({"a": [1, "é"]})),
        r#"{"a":[1,"é"]}"#.len()
    );
}

async fn version(app: &TestApp, c: &reqwest::Client, app_id: &str, vid: &str) -> Value {
    app.get(c, &format!("/api/v1/apps/{app_id}/versions/{vid}"))
        .await
        .json()
        .await
        .unwrap()
}

async fn r9_each_limit_passes_at_it_and_fails_past_it(b: Backend) {
    let app = spawn_app(b).await;
    let admin = app.admin().await;
    sqlite_source(&app, &admin, "Files").await;
    let (app_id, vid) = app_with(&app, &admin, "Limits", json!({})).await;
    let path = format!("/api/v1/apps/{app_id}/versions/{vid}/definition");
    for (at_limit, past, field) in limit_cases() {
        let before = version(&app, &admin, &app_id, &vid).await;
        let revision = before["revision"].as_i64().unwrap();
        let r = app
            .put(
                &admin,
                &path,
                json!({"definition": past, "revision": revision}),
            )
            .await;
        let e = assert_error(r, 422, "invalid", Some(field)).await;
        assert!(
            e["error"]["message"].as_str().unwrap().contains("at most"),
            "{field}"
        );
        let after = version(&app, &admin, &app_id, &vid).await;
        assert_eq!(after, before, "{field}: nothing changed");
        let r = app
            .put(
                &admin,
                &path,
                json!({"definition": at_limit, "revision": revision}),
            )
            .await;
        assert_eq!(r.status(), 200, "{field} at its limit");
    }
    // The page's door (the definition's text area) checks the same.
    let revision = version(&app, &admin, &app_id, &vid).await["revision"]
        .as_i64()
        .unwrap();
    let r = admin
        .post(app.url("/api/put_definition"))
        .header("accept", "application/json")
        .form(&[
            ("app_id", app_id.as_str()),
            ("version_id", vid.as_str()),
            ("definition", &pages(51).to_string()),
            ("revision", &revision.to_string()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let e: Value = r.json().await.unwrap();
    assert_eq!(e["field"], "definition.pages", "{e}");
    assert_eq!(
        version(&app, &admin, &app_id, &vid).await["revision"],
        revision
    );
}

async fn r9_a_copy_of_a_definition_past_the_limits_is_refused(b: Backend) {
    let app = spawn_app(b).await;
    let admin = app.admin().await;
    let (app_id, vid) = app_with(&app, &admin, "Old", json!({})).await;
    // A definition stored before the limits (written behind the server).
    sqlx::query("UPDATE versions SET definition = $1 WHERE id = $2")
        .bind(pages(51).to_string())
        .bind(&vid)
        .execute(&app.db.pool)
        .await
        .unwrap();
    app.changed_outside().await;
    let versions = app.count("versions").await;
    let body = json!({"name": "v2", "from_version_id": vid});
    let r = app
        .post(&admin, &format!("/api/v1/apps/{app_id}/versions"), body)
        .await;
    assert_error(r, 422, "invalid", Some("definition.pages")).await;
    // The page's door: the same refusal.
    let r = admin
        .post(app.url("/api/create_version"))
        .header("accept", "application/json")
        .form(&[
            ("app_id", app_id.as_str()),
            ("from_version_id", vid.as_str()),
            ("name", "v2"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert_eq!(app.count("versions").await, versions, "nothing made");
    // Within the limits, the copy is made.
    sqlx::query("UPDATE versions SET definition = $1 WHERE id = $2")
        .bind(pages(50).to_string())
        .bind(&vid)
        .execute(&app.db.pool)
        .await
        .unwrap();
    let body = json!({"name": "v2", "from_version_id": vid});
    let r = app
        .post(&admin, &format!("/api/v1/apps/{app_id}/versions"), body)
        .await;
    assert_eq!(r.status(), 201);
}

// REST headers and paths ------------------------------------------------

const FRAMING: [&str; 16] = [
    "Host",
    "host",
    "Transfer-Encoding",
    "transfer-ENCODING",
    "Content-Length",
    "content-length",
    "Content_Length",
    "transfer_encoding",
    "Connection",
    "CONNECTION",
    "Keep-Alive",
    "Proxy-Connection",
    "TE",
    "Trailer",
    "Upgrade",
    "Expect",
];

async fn rest_framing_headers_are_refused_when_saved(b: Backend) {
    let app = spawn_app(b).await;
    let admin = app.admin().await;
    let base = "http://127.0.0.1:9";
    let made = create(
        &app,
        &admin,
        json!({"name": "Api", "kind": "rest_api", "environments": {"staging": {"base_url": base}}}),
    )
    .await;
    let id = made["id"].as_str().unwrap().to_string();
    let (app_id, vid) = app_with(&app, &admin, "Headers", json!({})).await;
    let def_path = format!("/api/v1/apps/{app_id}/versions/{vid}/definition");
    let sources = app.count("data_sources").await;
    for name in FRAMING {
        let headers = json!([{"name": "X-Fine", "value": "1"}, {"name": name, "value": "x"}]);
        // A data source made with it, and one environment saved with it.
        let r = app
            .post(
                &admin,
                "/api/v1/data-sources",
                json!({"name": format!("New {name}"), "kind": "rest_api",
                "environments": {"production": {"base_url": base, "headers": headers}}}),
            )
            .await;
        let e = assert_error(
            r,
            422,
            "invalid",
            Some("environments.production.options.headers[1].name"),
        )
        .await;
        assert!(
            e["error"]["message"].as_str().unwrap().contains(name),
            "{e}"
        );
        let r = put_options(
            &app,
            &admin,
            &id,
            "staging",
            json!({"options": {"base_url": base, "headers": headers}}),
        )
        .await;
        assert_error(r, 422, "invalid", Some("options.headers[1].name")).await;
        // A REST query with it.
        let definition = json!({"queries": [{"name": "q", "data_source": "Api",
            "rest": {"method": "GET", "path": "/x", "headers": headers}}]});
        let r = app
            .put(
                &admin,
                &def_path,
                json!({"definition": definition, "revision": 2}),
            )
            .await;
        assert_error(
            r,
            422,
            "invalid",
            Some("definition.queries[0].rest.headers[1].name"),
        )
        .await;
    }
    assert_eq!(app.count("data_sources").await, sources);
    assert_eq!(
        listed(&app, &admin, &id).await.environments["staging"].revision,
        1,
        "nothing saved"
    );
    // Other headers are fine, in both places.
    let headers =
        json!([{"name": "X-Host", "value": "x"}, {"name": "Content-Type", "value": "text/plain"}]);
    let r = put_options(
        &app,
        &admin,
        &id,
        "staging",
        json!({"options": {"base_url": base, "headers": headers}}),
    )
    .await;
    assert_eq!(r.status(), 200);
    let definition = json!({"queries": [{"name": "q", "data_source": "Api",
        "rest": {"method": "GET", "path": "/x", "headers": headers}}]});
    let r = app
        .put(
            &admin,
            &def_path,
            json!({"definition": definition, "revision": 2}),
        )
        .await;
    assert_eq!(r.status(), 200);
}

/// A server on 127.0.0.1 counting the requests it receives.
async fn counting_server() -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let hits = std::sync::Arc::new(AtomicUsize::new(0));
    let counted = hits.clone();
    let router = axum::Router::new().fallback(axum::routing::any(move || {
        let counted = counted.clone();
        async move {
            counted.fetch_add(1, Ordering::SeqCst);
            axum::Json(json!({"ok": true}))
        }
    }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    (base, hits)
}

async fn rest_stored_framing_headers_are_never_sent(b: Backend) {
    use std::sync::atomic::Ordering;
    let app = spawn_app(b).await;
    let admin = app.admin().await;
    let (base, hits) = counting_server().await;
    let made = create(
        &app,
        &admin,
        json!({"name": "Api", "kind": "rest_api", "environments": {"development": {"base_url": base}}}),
    )
    .await;
    let id = made["id"].as_str().unwrap().to_string();
    let definition = json!({"queries": [{"name": "q", "data_source": "Api", "rest": {"method": "POST", "path": "/x", "body": {"a": 1}}}]});
    let ids = app_with(&app, &admin, "Stored", definition.clone()).await;
    let run_path = format!(
        "/api/v1/apps/{}/versions/{}/queries/q/run?environment=development",
        ids.0, ids.1
    );
    let r = app.post(&admin, &run_path, json!({"inputs": {}})).await;
    assert_eq!(r.status(), 200, "the query runs as saved");
    assert_eq!(hits.load(Ordering::SeqCst), 1);

    // Stored before saves refused them (written behind the server): in the
    // query, then in the data source's options.
    for name in ["Content-Length", "transfer-encoding"] {
        let mut stale = definition.clone();
        stale["queries"][0]["rest"]["headers"] = json!([{"name": name, "value": "5"}]);
        sqlx::query("UPDATE versions SET definition = $1 WHERE id = $2")
            .bind(stale.to_string())
            .bind(&ids.1)
            .execute(&app.db.pool)
            .await
            .unwrap();
        app.changed_outside().await;
        let r = app.post(&admin, &run_path, json!({"inputs": {}})).await;
        let e = assert_error(r, 422, "invalid", Some("rest.headers")).await;
        assert!(
            e["error"]["message"].as_str().unwrap().contains(name),
            "{e}"
        );
    }
    sqlx::query("UPDATE versions SET definition = $1 WHERE id = $2")
        .bind(definition.to_string())
        .bind(&ids.1)
        .execute(&app.db.pool)
        .await
        .unwrap();
    let options = json!({"base_url": base, "headers": [{"name": "Host", "value": "elsewhere.example", "secret": false}], "bearer_token": null});
    sqlx::query("UPDATE data_source_options SET options = $1 WHERE data_source_id = $2")
        .bind(options.to_string())
        .bind(&id)
        .execute(&app.db.pool)
        .await
        .unwrap();
    app.changed_outside().await;
    // Still listed (a stored row reads back), refused when it would be sent.
    assert_eq!(
        listed(&app, &admin, &id).await.environments["development"]
            .options
            .as_ref()
            .unwrap()["headers"][0]["name"],
        "Host"
    );
    let r = app.post(&admin, &run_path, json!({"inputs": {}})).await;
    let e = assert_error(r, 422, "invalid", Some("options.headers")).await;
    assert!(
        e["error"]["message"].as_str().unwrap().contains("Host"),
        "{e}"
    );
    let r = app
        .post(
            &admin,
            &format!("/api/v1/data-sources/{id}/environments/development/test"),
            json!({}),
        )
        .await;
    let tested: Value = r.json().await.unwrap();
    assert_eq!(tested["ok"], false, "{tested}");
    assert!(
        tested["message"].as_str().unwrap().contains("Host"),
        "{tested}"
    );
    assert_eq!(hits.load(Ordering::SeqCst), 1, "nothing more was sent");
}

/// The path of a REST query, with its inputs, stays under the base URL:
/// dot segments as text or from an input, percent-encoded or not, are
/// encoded or refused (`runner::path_value`, `runner::rest_url`).
#[test]
fn rest_paths_stay_under_the_base_url() {
    use app::backend::runner::{path_value, rest_url};
    // An input that is a dot segment is encoded, never a segment.
    assert_eq!(path_value(".."), "%2E%2E");
    assert_eq!(path_value("."), "%2E");
    assert_eq!(path_value("../admin"), "..%2Fadmin");
    assert_eq!(path_value("a/b?c#d"), "a%2Fb%3Fc%23d");
    let base = "http://127.0.0.1:9/api/v1";
    let ok = [
        ("/orders", "/api/v1/orders"),
        ("", "/api/v1"),
        ("/a/./b", "/api/v1/a/b"),
        ("/a/../b", "/api/v1/b"),
    ];
    for (path, expected) in ok {
        let url = rest_url(base, path).unwrap_or_else(|e| panic!("{path}: {e}"));
        assert_eq!(url.path(), expected, "{path}");
        assert_eq!(url.host_str(), Some("127.0.0.1"));
    }
    // Climbing out of the base path, in every spelling, or to another host.
    for path in [
        "/..",
        "/../admin",
        "/a/../../admin",
        "/%2e%2e/admin",
        "/%2E%2E/admin",
        "/.%2e/admin",
        "/%2e./admin",
        "/../v10",
        &format!("/{}", path_value("..")),
        &format!("/{0}/{0}/admin", path_value("..")),
        "@elsewhere.example/x",
        ":80@elsewhere.example/",
    ] {
        let e = rest_url(base, path).expect_err(path);
        assert_eq!(e.field.as_deref(), Some("rest.path"), "{path}");
    }
    // A base at the root: any path is under it, dots or not.
    let url = rest_url("http://127.0.0.1:9", "/../../etc").unwrap();
    assert_eq!(url.path(), "/etc");
}

// D6: a copy racing a delete ---------------------------------------------

/// Every data source a version's queries name, that does not exist.
async fn dangling(app: &TestApp) -> Vec<String> {
    let names: Vec<String> = sqlx::query("SELECT name FROM data_sources")
        .fetch_all(&app.db.pool)
        .await
        .unwrap()
        .iter()
        .map(|r| r.get("name"))
        .collect();
    let rows = sqlx::query("SELECT name, definition FROM versions")
        .fetch_all(&app.db.pool)
        .await
        .unwrap();
    let mut out = Vec::new();
    for r in &rows {
        let def: Value = serde_json::from_str(&r.get::<String, _>("definition")).unwrap();
        for q in def["queries"].as_array().into_iter().flatten() {
            let ds = q["data_source"].as_str().unwrap().to_string();
            if !names.contains(&ds) {
                out.push(format!("{} names {ds}", r.get::<String, _>("name")));
            }
        }
    }
    out
}

/// Many rounds of: copies of a version made while that version is deleted
/// and then the data source it names. A copy that read the definition
/// before the version went must hold the data source until it commits (the
/// delete then sees the copy use it), or find it gone and fail.
async fn d6_a_copy_racing_a_delete_never_names_a_deleted_data_source(b: Backend) {
    let app = spawn_app(b).await;
    let admin = app.admin().await;
    let (app_id, _) = app_with(&app, &admin, "Racing", json!({})).await;
    let versions = format!("/api/v1/apps/{app_id}/versions");
    for round in 0..12 {
        let name = format!("Contested {round}");
        let ds = sqlite_source(&app, &admin, &name).await;
        // The version to copy (beside v1, so it may be deleted: V8).
        let r = app
            .post(&admin, &versions, json!({"name": format!("from{round}"), "from_version_id": first_version(&app, &admin, &app_id).await}))
            .await;
        assert_eq!(r.status(), 201);
        let from: Value = r.json().await.unwrap();
        let from_id = from["id"].as_str().unwrap().to_string();
        let r = app
            .put(&admin, &format!("{versions}/{from_id}/definition"),
                json!({"definition": {"queries": [{"name": "q", "data_source": name, "sql": "SELECT 1"}]}, "revision": 1}))
            .await;
        assert_eq!(r.status(), 200);
        let copies = (0..4).map(|i| {
            let body = json!({"name": format!("copy{round}-{i}"), "from_version_id": from_id});
            let (app, admin, versions) = (&app, &admin, &versions);
            async move { app.post(admin, versions, body).await.status().as_u16() }
        });
        let deletes = async {
            let v = app
                .delete(&admin, &format!("{versions}/{from_id}"))
                .await
                .status()
                .as_u16();
            let d = app
                .delete(&admin, &format!("/api/v1/data-sources/{ds}"))
                .await
                .status()
                .as_u16();
            (v, d)
        };
        let (copied, (v, d)) = tokio::join!(futures::future::join_all(copies), deletes);
        assert_eq!(v, 204, "round {round}");
        let made = copied.iter().filter(|s| **s == 201).count();
        assert!(
            copied.iter().all(|s| matches!(s, 201 | 409 | 422)),
            "round {round}: {copied:?}"
        );
        match d {
            // Deleted: no copy was made that names it.
            204 => assert_eq!(made, 0, "round {round}: {copied:?}"),
            // Refused: a copy uses it.
            409 => assert!(made > 0, "round {round}: {copied:?}"),
            other => panic!("round {round}: delete answered {other}"),
        }
        assert_eq!(dangling(&app).await, Vec::<String>::new(), "round {round}");
    }
}

/// The race above, made certain: the copy is held up between reading the
/// definition and writing the new version (on PostgreSQL, by a transaction
/// of the test holding the new version's name, uncommitted; on SQLite, by a
/// write transaction, which makes every other one wait). Meanwhile the
/// version copied stops using the data source and the data source is
/// deleted. The delete must wait for the copy and then see it use the data
/// source (D6), never leave the copy naming a deleted one.
async fn d6_a_copy_held_up_mid_way_still_holds_its_data_source(b: Backend) {
    let app = spawn_app(b).await;
    let admin = app.admin().await;
    let (app_id, v1) = app_with(&app, &admin, "Held", json!({})).await;
    let versions = format!("/api/v1/apps/{app_id}/versions");
    let ds = sqlite_source(&app, &admin, "Contested").await;
    let r = app
        .post(
            &admin,
            &versions,
            json!({"name": "from", "from_version_id": v1}),
        )
        .await;
    let from_id = r.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let def_path = format!("{versions}/{from_id}/definition");
    let uses = json!({"queries": [{"name": "q", "data_source": "Contested", "sql": "SELECT 1"}]});
    let r = app
        .put(
            &admin,
            &def_path,
            json!({"definition": uses, "revision": 1}),
        )
        .await;
    assert_eq!(r.status(), 200);
    let admin_id: String = sqlx::query("SELECT id FROM users")
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
        .get("id");

    let mut blocker = app.db.begin().await.unwrap();
    if matches!(b, Backend::Postgres) {
        sqlx::query(
            "INSERT INTO versions (id, app_id, name, name_key, description, status, environment, \
             created_by, created_at, revision, definition) \
             VALUES ('blocker', $1, 'copy', 'copy', '', 'draft', 'development', $2, '2026-01-01T00:00:00Z', 1, '{}')",
        )
        .bind(&app_id)
        .bind(&admin_id)
        .execute(&mut *blocker)
        .await
        .unwrap();
    }
    let send = |req: reqwest::RequestBuilder| {
        tokio::spawn(async move { req.send().await.unwrap().status().as_u16() })
    };
    let copy = send(
        admin
            .post(app.url(&versions))
            .json(&json!({"name": "copy", "from_version_id": from_id})),
    );
    let pause = || tokio::time::sleep(std::time::Duration::from_millis(400));
    pause().await;
    let stop_using = send(
        admin
            .put(app.url(&def_path))
            .json(&json!({"definition": {}, "revision": 2})),
    );
    if matches!(b, Backend::Postgres) {
        // Not held up: the copy holds nothing a definition save needs.
        assert_eq!(stop_using.await.unwrap(), 200);
    }
    let delete = send(admin.delete(app.url(&format!("/api/v1/data-sources/{ds}"))));
    pause().await;
    blocker.rollback().await.unwrap();
    let (copied, deleted) = (copy.await.unwrap(), delete.await.unwrap());
    assert_eq!(
        dangling(&app).await,
        Vec::<String>::new(),
        "copy {copied}, delete {deleted}"
    );
    if matches!(b, Backend::Postgres) {
        assert_eq!(
            (copied, deleted),
            (201, 409),
            "the delete waited for the copy"
        );
    } else {
        assert!(
            copied != 201 || deleted == 409,
            "copy {copied}, delete {deleted}"
        );
    }
}

async fn first_version(app: &TestApp, c: &reqwest::Client, app_id: &str) -> String {
    let all: Vec<Value> = app
        .get(c, &format!("/api/v1/apps/{app_id}/versions"))
        .await
        .json()
        .await
        .unwrap();
    all.iter().find(|v| v["name"] == "v1").unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string()
}

async fn d12_the_openapi_document_lists_the_revision(b: Backend) {
    let app = spawn_app(b).await;
    let doc: Value = app
        .get(&client(), "/api/v1/openapi.json")
        .await
        .json()
        .await
        .unwrap();
    let schemas = &doc["components"]["schemas"];
    for schema in ["OptionsInput", "EnvironmentOptions", "OptionsSaved"] {
        let s = schemas[schema].to_string();
        assert!(s.contains("\"revision\""), "{schema}: {s}");
    }
    let put = &doc["paths"]["/data-sources/{id}/environments/{environment}"]["put"];
    assert!(put["responses"].get("409").is_some(), "{put}");
    assert!(
        put["responses"]["200"].to_string().contains("OptionsSaved"),
        "{put}"
    );
    // The page for people lists it too, in the answer of the save.
    let html = app.page(&client(), "/api/docs").await.text().await.unwrap();
    let saved = &html[html
        .find("id=\"schema-OptionsSaved\"")
        .expect("OptionsSaved")..];
    let saved = &saved[..saved.find("</section>").unwrap()];
    assert!(
        saved.contains("DataSourceView") && saved.contains("<code>revision</code>"),
        "{saved}"
    );
}
