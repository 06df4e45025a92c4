//! Promotion requests (SPEC B7) through the HTTP API and the pages, on both
//! databases: ask, approve (the version moves, performed by the approver,
//! the audit naming both), decline with a reason, a stale request, who may
//! decide, a release asked for a version not in production; and
//! simultaneous decisions and requests, repeated.
use crate::both_backends;
use crate::http_lifecycle::{act, new_app, version_from};
use crate::http_preflight::{builder_with, environment_of, last_audit};
use crate::support::*;
use serde_json::{json, Value};

both_backends!(
    b7_ask_approve_decline_and_stale,
    b7_who_may_ask_and_decide,
    b7_pages_offer_the_request_and_the_decision,
    b7_simultaneous_decisions_and_requests_end_in_one,
);

async fn ask(
    app: &TestApp,
    c: &reqwest::Client,
    app_id: &str,
    vid: &str,
    body: Value,
) -> reqwest::Response {
    act(app, c, app_id, vid, "requests", body).await
}

async fn created(r: reqwest::Response) -> Value {
    let status = r.status();
    let body: Value = r.json().await.unwrap();
    assert_eq!(status, 201, "{body}");
    body
}

async fn decide(
    app: &TestApp,
    c: &reqwest::Client,
    id: &str,
    what: &str,
    body: Value,
) -> reqwest::Response {
    app.post(c, &format!("/api/v1/requests/{id}/{what}"), body)
        .await
}

async fn listed(app: &TestApp, c: &reqwest::Client, query: &str) -> Vec<Value> {
    let r = app.get(c, &format!("/api/v1/requests{query}")).await;
    assert_eq!(r.status(), 200);
    r.json::<Vec<Value>>().await.unwrap()
}

const ASKER: &str = "asker@example.com";
const LEAD: &str = "lead@example.com";

async fn b7_ask_approve_decline_and_stale(b: Backend) {
    let app = spawn_app(b).await;
    let admin = app.admin().await;
    let (app_id, vid) = new_app(&app, &admin, "Requested").await;
    let (_, asker) = builder_with(&app, &admin, ASKER, json!({})).await;
    let (_, lead) = builder_with(
        &app,
        &admin,
        LEAD,
        json!({"promote": true, "release": true}),
    )
    .await;
    assert_eq!(
        act(&app, &asker, &app_id, &vid, "save", json!({}))
            .await
            .status(),
        200
    );
    // Asked, with a message: open, from where the version is.
    let r = created(
        ask(
            &app,
            &asker,
            &app_id,
            &vid,
            json!({"action": "promote", "from": "development", "message": "Ready for QA"}),
        )
        .await,
    )
    .await;
    for (k, v) in [
        ("app_id", json!(app_id)),
        ("version_id", json!(vid)),
        ("action", json!("promote")),
        ("from", json!("development")),
        ("message", json!("Ready for QA")),
        ("state", json!("open")),
        ("requested_by", json!(ASKER)),
    ] {
        assert_eq!(r[k], v, "{k}: {r}");
    }
    assert!(r["requested_at"].as_str().is_some());
    let id = r["id"].as_str().unwrap().to_string();
    assert_eq!(last_audit(&app, "request.create").await.0, ASKER);
    // The same request twice is one.
    assert_error(
        ask(&app, &asker, &app_id, &vid, json!({"action": "promote"})).await,
        409,
        "conflict",
        None,
    )
    .await;
    // Both see it: the asker made it, the lead may decide it.
    for c in [&asker, &lead] {
        let open = listed(&app, c, "?state=open").await;
        assert_eq!(
            open.iter().map(|r| r["id"].clone()).collect::<Vec<_>>(),
            [json!(id)]
        );
    }
    assert_eq!(listed(&app, &lead, "?state=declined").await.len(), 0);
    assert_error(
        app.get(&lead, "/api/v1/requests?state=maybe").await,
        422,
        "invalid",
        Some("state"),
    )
    .await;
    // Approved: the lead performs it; the version moves; the audit names both.
    let r = decide(&app, &lead, &id, "approve", json!({})).await;
    assert_eq!(r.status(), 200);
    let approved: Value = r.json().await.unwrap();
    assert_eq!(
        (approved["state"].clone(), approved["decided_by"].clone()),
        (json!("approved"), json!(LEAD))
    );
    assert_eq!(environment_of(&app, &admin, &app_id, &vid).await, "staging");
    let (actor, details) = last_audit(&app, "request.approve").await;
    assert_eq!(
        (actor.as_str(), details["requested_by"].as_str()),
        (LEAD, Some(ASKER))
    );
    let (actor, details) = last_audit(&app, "version.promote").await;
    assert_eq!(
        (
            actor.as_str(),
            details["request"]["requested_by"].as_str(),
            details["to"].as_str()
        ),
        (LEAD, Some(ASKER), Some("staging"))
    );
    assert_error(
        decide(&app, &lead, &id, "approve", json!({})).await,
        409,
        "conflict",
        None,
    )
    .await;
    assert_error(
        decide(&app, &lead, &id, "decline", json!({"reason": "late"})).await,
        409,
        "conflict",
        None,
    )
    .await;
    // Declined with a reason, which the asker reads; the version stays.
    let r = created(
        ask(
            &app,
            &asker,
            &app_id,
            &vid,
            json!({"action": "promote", "from": "staging"}),
        )
        .await,
    )
    .await;
    let id2 = r["id"].as_str().unwrap().to_string();
    assert_error(
        decide(&app, &lead, &id2, "decline", json!({})).await,
        422,
        "invalid",
        Some("reason"),
    )
    .await;
    assert_error(
        decide(
            &app,
            &lead,
            &id2,
            "decline",
            json!({"reason": "x".repeat(501)}),
        )
        .await,
        422,
        "invalid",
        Some("reason"),
    )
    .await;
    let r = decide(
        &app,
        &lead,
        &id2,
        "decline",
        json!({"reason": "Wait for the sign-off"}),
    )
    .await;
    assert_eq!(r.status(), 200);
    assert_eq!(environment_of(&app, &admin, &app_id, &vid).await, "staging");
    let mine = listed(&app, &asker, "?state=declined").await;
    assert_eq!(
        (
            mine[0]["state"].clone(),
            mine[0]["reason"].clone(),
            mine[0]["decided_by"].clone()
        ),
        (
            json!("declined"),
            json!("Wait for the sign-off"),
            json!(LEAD)
        )
    );
    let (actor, details) = last_audit(&app, "request.decline").await;
    assert_eq!(
        (
            actor.as_str(),
            details["requested_by"].as_str(),
            details["reason"].as_str()
        ),
        (LEAD, Some(ASKER), Some("Wait for the sign-off"))
    );
    // Stale: the version moved after the request was made. The move closes
    // the request, naming itself, so it cannot be approved and does not
    // block the next request.
    let r = created(ask(&app, &asker, &app_id, &vid, json!({"action": "promote"})).await).await;
    let id3 = r["id"].as_str().unwrap().to_string();
    let r = act(
        &app,
        &admin,
        &app_id,
        &vid,
        "promote",
        json!({"from": "staging"}),
    )
    .await;
    assert_eq!(r.status(), 200);
    assert_eq!(
        last_audit(&app, "version.promote").await.1["closed_requests"],
        1
    );
    assert_error(
        decide(&app, &lead, &id3, "approve", json!({})).await,
        409,
        "conflict",
        None,
    )
    .await;
    let closed = listed(&app, &asker, "?state=declined").await;
    let closed = closed.iter().find(|r| r["id"] == json!(id3)).unwrap();
    assert!(
        closed["reason"].as_str().unwrap().starts_with("Stale: "),
        "{closed}"
    );
    assert_eq!(closed["decided_by"], json!(ADMIN_EMAIL));
    assert_eq!(
        environment_of(&app, &admin, &app_id, &vid).await,
        "production"
    );
    // A release for a version in production: approved, it is released,
    // the history naming the approver.
    let r = created(
        ask(
            &app,
            &asker,
            &app_id,
            &vid,
            json!({"action": "release", "message": "Go live"}),
        )
        .await,
    )
    .await;
    let id4 = r["id"].as_str().unwrap().to_string();
    assert_eq!(
        decide(&app, &lead, &id4, "approve", json!({}))
            .await
            .status(),
        200
    );
    let a: Value = app
        .get(&admin, &format!("/api/v1/apps/{app_id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(a["released_version_id"], json!(vid));
    let releases: Vec<Value> = app
        .get(&admin, &format!("/api/v1/apps/{app_id}/releases"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(releases[0]["released_by"], json!(LEAD));
    // A release asked for a version not in production: 409.
    let v2 = version_from(&app, &admin, &app_id, &vid, "v2").await;
    assert_eq!(
        act(&app, &asker, &app_id, &v2, "save", json!({}))
            .await
            .status(),
        200
    );
    assert_error(
        ask(&app, &asker, &app_id, &v2, json!({"action": "release"})).await,
        409,
        "conflict",
        None,
    )
    .await;
    // A draft cannot be asked for; a stale `from` is 409.
    let v3 = version_from(&app, &asker, &app_id, &vid, "v3").await;
    assert_error(
        ask(&app, &asker, &app_id, &v3, json!({"action": "promote"})).await,
        409,
        "conflict",
        None,
    )
    .await;
    assert_error(
        ask(
            &app,
            &asker,
            &app_id,
            &v2,
            json!({"action": "promote", "from": "staging"}),
        )
        .await,
        409,
        "conflict",
        None,
    )
    .await;
}

async fn b7_who_may_ask_and_decide(b: Backend) {
    let app = spawn_app(b).await;
    let admin = app.admin().await;
    let (app_id, vid) = new_app(&app, &admin, "Guarded").await;
    let (_, asker) = builder_with(&app, &admin, ASKER, json!({})).await;
    let (_, other) =
        builder_with(&app, &admin, "other@example.com", json!({"release": true})).await;
    let (_, lead) = builder_with(&app, &admin, LEAD, json!({"promote": true})).await;
    let (_, end_user) = app.user(&admin, "end@example.com", "end-user").await;
    assert_eq!(
        act(&app, &asker, &app_id, &vid, "save", json!({}))
            .await
            .status(),
        200
    );
    // Bad fields are named, after access.
    assert_error(
        ask(&app, &asker, &app_id, &vid, json!({"action": "ship"})).await,
        422,
        "invalid",
        Some("action"),
    )
    .await;
    assert_error(
        ask(
            &app,
            &asker,
            &app_id,
            &vid,
            json!({"action": "promote", "message": "m".repeat(501)}),
        )
        .await,
        422,
        "invalid",
        Some("message"),
    )
    .await;
    assert_error(
        ask(
            &app,
            &asker,
            &app_id,
            &vid,
            json!({"action": "promote", "from": "moon"}),
        )
        .await,
        422,
        "invalid",
        Some("from"),
    )
    .await;
    assert_error(
        ask(&app, &asker, &app_id, "nope", json!({"action": "ship"})).await,
        404,
        "not_found",
        None,
    )
    .await;
    // Who may do it is refused: they ask nobody.
    assert_error(
        ask(&app, &lead, &app_id, &vid, json!({"action": "promote"})).await,
        409,
        "conflict",
        None,
    )
    .await;
    let end = ask(&app, &end_user, &app_id, &vid, json!({"action": "ship"}))
        .await
        .status()
        .as_u16();
    assert!(matches!(end, 403 | 404), "end user: {end}");
    let r = created(ask(&app, &asker, &app_id, &vid, json!({"action": "promote"})).await).await;
    let id = r["id"].as_str().unwrap().to_string();
    // Neither the asker nor one with another right decides it, nor sees it.
    for c in [&asker, &other] {
        assert_error(
            decide(&app, c, &id, "approve", json!({})).await,
            403,
            "forbidden",
            None,
        )
        .await;
        assert_error(
            decide(&app, c, &id, "decline", json!({"reason": "no"})).await,
            403,
            "forbidden",
            None,
        )
        .await;
    }
    assert!(listed(&app, &other, "").await.is_empty());
    assert_error(
        decide(&app, &lead, "nope", "approve", json!({})).await,
        404,
        "not_found",
        None,
    )
    .await;
    // An override is an admin's alone, before the body is read.
    assert_error(
        decide(
            &app,
            &lead,
            &id,
            "approve",
            json!({"override_preflight": true}),
        )
        .await,
        403,
        "forbidden",
        None,
    )
    .await;
    assert_eq!(
        environment_of(&app, &admin, &app_id, &vid).await,
        "development"
    );
    let r = decide(
        &app,
        &admin,
        &id,
        "approve",
        json!({"override_preflight": true}),
    )
    .await;
    assert_eq!(r.status(), 200);
    assert_eq!(environment_of(&app, &admin, &app_id, &vid).await, "staging");
}

async fn b7_pages_offer_the_request_and_the_decision(b: Backend) {
    let app = spawn_app(b).await;
    let admin = app.admin().await;
    let (app_id, vid) = new_app(&app, &admin, "Paged").await;
    let (_, asker) = builder_with(&app, &admin, ASKER, json!({})).await;
    let (_, lead) = builder_with(&app, &admin, LEAD, json!({"promote": true})).await;
    assert_eq!(
        act(&app, &asker, &app_id, &vid, "save", json!({}))
            .await
            .status(),
        200
    );
    // In the place of the button the asker may not press: the request.
    let html = app
        .page(&asker, &format!("/build/{app_id}?env=development"))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("data-testid=\"ask-promote\""), "{html}");
    let html = app
        .page(&lead, &format!("/build/{app_id}?env=development"))
        .await
        .text()
        .await
        .unwrap();
    assert!(!html.contains("data-testid=\"ask-promote\""));
    let html = app
        .page(&asker, &format!("/build/{app_id}/versions/{vid}/promote"))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("data-testid=\"ask\""), "{html}");
    let r = created(
        ask(
            &app,
            &asker,
            &app_id,
            &vid,
            json!({"action": "promote", "message": "<b>please</b>"}),
        )
        .await,
    )
    .await;
    let id = r["id"].as_str().unwrap().to_string();
    // The lead sees it on the dashboard and the app page, and decides on
    // its page, which shows the pre-flight and the diff.
    for path in ["/".to_string(), format!("/build/{app_id}")] {
        let html = app.page(&lead, &path).await.text().await.unwrap();
        assert!(
            html.contains("data-testid=\"requests-to-decide\""),
            "{path}: {html}"
        );
        assert!(html.contains(&format!("href=\"/requests/{id}\"")), "{path}");
        assert!(!html.contains("<b>please</b>"), "escaped");
    }
    let html = app
        .page(&lead, &format!("/requests/{id}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("Approve and promote"), "{html}");
    assert!(html.contains("data-testid=\"preflight-ok\""), "{html}");
    assert!(html.contains("Decline"));
    // The asker's page waits; their dashboard lists it as theirs.
    let html = app
        .page(&asker, &format!("/requests/{id}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("data-testid=\"waiting\""), "{html}");
    let html = app.page(&asker, "/").await.text().await.unwrap();
    assert!(html.contains("data-testid=\"my-requests\""), "{html}");
    assert_eq!(
        decide(&app, &lead, &id, "approve", json!({}))
            .await
            .status(),
        200
    );
    let html = app
        .page(&asker, &format!("/requests/{id}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("data-testid=\"outcome\""), "{html}");
    assert!(html.contains(&format!("Approved by {LEAD}")), "{html}");
}

/// Check-then-write: an approve and a decline of one request at the same
/// moment end in exactly one decision; ten identical requests at once
/// leave one open.
async fn b7_simultaneous_decisions_and_requests_end_in_one(b: Backend) {
    let app = spawn_app(b).await;
    let admin = app.admin().await;
    let (app_id, first) = new_app(&app, &admin, "Raced").await;
    let (_, asker) = builder_with(&app, &admin, ASKER, json!({})).await;
    let (_, lead) = builder_with(&app, &admin, LEAD, json!({"promote": true})).await;
    for round in 0..5 {
        let vid = version_from(&app, &admin, &app_id, &first, &format!("r{round}")).await;
        assert_eq!(
            act(&app, &asker, &app_id, &vid, "save", json!({}))
                .await
                .status(),
            200
        );
        let asks: Vec<_> = (0..10)
            .map(|_| ask(&app, &asker, &app_id, &vid, json!({"action": "promote"})))
            .collect();
        let statuses: Vec<u16> = futures::future::join_all(asks)
            .await
            .iter()
            .map(|r| r.status().as_u16())
            .collect();
        assert_eq!(
            statuses.iter().filter(|s| **s == 201).count(),
            1,
            "round {round}: {statuses:?}"
        );
        assert!(
            statuses.iter().all(|s| *s == 201 || *s == 409),
            "{statuses:?}"
        );
        let open = listed(&app, &lead, "?state=open").await;
        assert_eq!(open.len(), 1);
        let id = open[0]["id"].as_str().unwrap().to_string();
        let (a, d) = tokio::join!(
            decide(&app, &lead, &id, "approve", json!({})),
            decide(&app, &admin, &id, "decline", json!({"reason": "race"}))
        );
        let (a, d) = (a.status().as_u16(), d.status().as_u16());
        assert!(
            matches!((a, d), (200, 409) | (409, 200)),
            "round {round}: approve {a}, decline {d}"
        );
        let env = environment_of(&app, &admin, &app_id, &vid).await;
        assert_eq!(
            env,
            if a == 200 { "staging" } else { "development" },
            "round {round}"
        );
        let r: Vec<Value> = listed(&app, &asker, "").await;
        let state = r.iter().find(|x| x["id"] == json!(id)).unwrap()["state"].clone();
        assert_eq!(state, if a == 200 { "approved" } else { "declined" });
    }
}
