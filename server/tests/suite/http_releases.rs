//! B4 through the HTTP API and the pages, on both databases: the release
//! history, its notes, and a rollback as one more release.
use crate::both_backends;
use crate::http_lifecycle::{self, new_app};
use crate::support::*;
use serde_json::{json, Value};

both_backends!(b4_three_releases_then_a_rollback_to_the_first);

async fn b4_three_releases_then_a_rollback_to_the_first(b: Backend) {
    let app = spawn_app(b).await;
    let admin = app.admin().await;
    let (app_id, v1) = new_app(&app, &admin, "Stock").await;
    let act = |vid: String, what: &'static str, body: Value| {
        let (app, admin, app_id) = (&app, &admin, &app_id);
        async move {
            let r = http_lifecycle::act(app, admin, app_id, &vid, what, body).await;
            let status = r.status();
            let text = r.text().await.unwrap();
            assert_eq!(status, 200, "{what}: {text}");
            serde_json::from_str::<Value>(&text).unwrap()
        }
    };
    // Three versions, each a page with its own heading, each in production.
    let mut ids = vec![v1.clone()];
    for name in ["v2", "v3"] {
        ids.push(http_lifecycle::version_from(&app, &admin, &app_id, &v1, name).await);
    }
    for (i, vid) in ids.iter().enumerate() {
        let doc = json!({"pages": [{"name": "home", "title": "", "components": [
            {"id": "h", "type": "heading", "text": format!("Content of v{}", i + 1)}]}], "queries": []});
        let r = app
            .put(
                &admin,
                &format!("/api/v1/apps/{app_id}/versions/{vid}/definition"),
                json!({"definition": doc, "revision": 1}),
            )
            .await;
        assert_eq!(r.status(), 200);
        act(vid.clone(), "save", json!({})).await;
        act(vid.clone(), "promote", json!({"from": "development"})).await;
        act(vid.clone(), "promote", json!({"from": "staging"})).await;
    }
    let history = || {
        let (app, admin, app_id) = (&app, &admin, &app_id);
        async move {
            let r = app
                .get(admin, &format!("/api/v1/apps/{app_id}/releases"))
                .await;
            assert_eq!(r.status(), 200);
            r.json::<Vec<Value>>().await.unwrap()
        }
    };
    assert_eq!(history().await, Vec::<Value>::new());
    let mut previous = Value::Null;
    for (i, vid) in ids.iter().enumerate() {
        let r = act(
            vid.clone(),
            "release",
            json!({"note": format!("release {}", i + 1)}),
        )
        .await;
        assert_eq!(r["previous_version_id"], previous);
        previous = json!(vid);
    }
    // Re-releasing the released version changes nothing and adds nothing.
    act(ids[2].clone(), "release", json!({"note": "again"})).await;
    // A note over 500 characters is refused, naming the field.
    let long = "x".repeat(501);
    assert_error(
        app.post(
            &admin,
            &format!("/api/v1/apps/{app_id}/versions/{}/release", ids[0]),
            json!({"note": long}),
        )
        .await,
        422,
        "invalid",
        Some("note"),
    )
    .await;
    assert_eq!(
        history().await.len(),
        3,
        "neither the re-release nor the refusal is a release"
    );
    // The rollback: v1 released again.
    act(
        ids[0].clone(),
        "release",
        json!({"note": "back to the first"}),
    )
    .await;

    let h = history().await;
    let summary: Vec<(String, String, Value)> = h
        .iter()
        .map(|r| {
            (
                r["version_name"].as_str().unwrap().to_string(),
                r["note"].as_str().unwrap().to_string(),
                r["previous_version_id"].clone(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            ("v1".into(), "back to the first".into(), json!(ids[2])),
            ("v3".into(), "release 3".into(), json!(ids[1])),
            ("v2".into(), "release 2".into(), json!(ids[0])),
            ("v1".into(), "release 1".into(), Value::Null),
        ]
    );
    for r in &h {
        assert_eq!(r["released_by"], ADMIN_EMAIL);
        assert!(r["released_at"].as_str().is_some_and(|t| !t.is_empty()));
    }
    let times: Vec<&str> = h
        .iter()
        .map(|r| r["released_at"].as_str().unwrap())
        .collect();
    let mut sorted = times.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(times, sorted, "newest first");

    // The released app serves the first version's content again.
    let slug: String = app
        .get(&admin, &format!("/api/v1/apps/{app_id}"))
        .await
        .json::<Value>()
        .await
        .unwrap()["slug"]
        .as_str()
        .unwrap()
        .into();
    let html = app
        .page(&admin, &format!("/apps/{slug}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("Content of v1"), "{html}");
    assert!(!html.contains("Content of v3"));

    // The app page lists the history; each older release can be rolled
    // back to through the release confirmation; the live one cannot.
    let page = app
        .page(&admin, &format!("/build/{app_id}"))
        .await
        .text()
        .await
        .unwrap();
    let start = page
        .find(r#"data-testid="releases""#)
        .expect("the releases section");
    let section = &page[start..start + page[start..].find("</section>").unwrap()];
    assert!(section.contains("back to the first"), "{section}");
    let back = |vid: &str| format!("/build/{app_id}/versions/{vid}/release");
    assert!(section.contains(&back(&ids[2])) && section.contains(&back(&ids[1])));
    assert!(
        !section.contains(&back(&ids[0])),
        "the live version has no rollback"
    );
    assert_eq!(section.matches("Roll back to this").count(), 2);

    // An end user who may open only the released app sees no history.
    let (_, eve) = app.user(&admin, "eve@example.com", "end-user").await;
    let r = app
        .get(&eve, &format!("/api/v1/apps/{app_id}/releases"))
        .await;
    assert!(matches!(r.status().as_u16(), 403 | 404), "{}", r.status());
}
