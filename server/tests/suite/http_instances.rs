//! Several instances on one database (what PostgreSQL is for): what one
//! instance holds in memory (sessions, users, groups and flags) follows a
//! change made on another within a moment: PostgreSQL's notification,
//! heard at once, or the poll of the epoch of changes (`CHANGES_POLL` here).
use crate::both_backends;
use crate::support::*;
use serde_json::{json, Value};

both_backends!(
    p3_a_flag_changed_on_one_instance_holds_at_once_on_another,
    p1_a_user_deactivated_on_one_instance_is_out_on_another,
    s4_a_session_ended_on_one_instance_is_ended_on_another,
    pages_render_while_other_servers_start_in_the_process,
);

/// Whether `check` holds within half a second: a moment for the other
/// instance to hear of the change, far less than a request's round trip
/// from a person.
async fn within_a_moment<F, Fut>(mut check: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..50 {
        if check().await {
            return true;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    false
}

async fn me_on(c: &reqwest::Client, other: &Instance) -> reqwest::Response {
    c.get(other.url("/api/v1/me")).send().await.unwrap()
}

async fn builder_group_id(app: &TestApp, admin: &reqwest::Client) -> String {
    let groups: Vec<Value> = app.get(admin, "/api/v1/groups").await.json().await.unwrap();
    groups.iter().find(|g| g["name"] == "builder").unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string()
}

async fn p3_a_flag_changed_on_one_instance_holds_at_once_on_another(b: Backend) {
    let app = spawn_app(b).await;
    let other = app.another_instance().await;
    let admin = app.admin().await;
    let (_, bob) = app.user(&admin, "bob@example.com", "builder").await;
    let group = builder_group_id(&app, &admin).await;
    for round in 0..3 {
        let on = round % 2 == 1;
        // The other instance reads (and holds) the flags first.
        let me: Value = me_on(&bob, &other).await.json().await.unwrap();
        assert_eq!(me["flags"]["app_create"], !on, "round {round}");
        let r = app
            .patch(
                &admin,
                &format!("/api/v1/groups/{group}"),
                json!({"flags": {"app_create": on}}),
            )
            .await;
        assert_eq!(r.status(), 200);
        let seen = within_a_moment(|| async {
            let me: Value = me_on(&bob, &other).await.json().await.unwrap();
            me["flags"]["app_create"] == on
        })
        .await;
        assert!(seen, "round {round}: the other instance sees the change");
        // And acts on it: the create is refused or allowed there too.
        let r = bob
            .post(other.url("/api/v1/apps"))
            .json(&json!({"name": format!("App {round}")}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), if on { 201 } else { 403 }, "round {round}");
    }
}

async fn p1_a_user_deactivated_on_one_instance_is_out_on_another(b: Backend) {
    let app = spawn_app(b).await;
    let other = app.another_instance().await;
    let admin = app.admin().await;
    let (bob_id, bob) = app.user(&admin, "bob@example.com", "builder").await;
    assert_eq!(me_on(&bob, &other).await.status(), 200);
    let r = app
        .patch(
            &admin,
            &format!("/api/v1/users/{bob_id}"),
            json!({"active": false}),
        )
        .await;
    assert_eq!(r.status(), 200);
    // On the instance that made the change, at once.
    assert_eq!(app.get(&bob, "/api/v1/me").await.status(), 401);
    assert!(within_a_moment(|| async { me_on(&bob, &other).await.status() == 401 }).await);
}

async fn s4_a_session_ended_on_one_instance_is_ended_on_another(b: Backend) {
    let app = spawn_app(b).await;
    let other = app.another_instance().await;
    // Setting up signs the admin in.
    let c = client();
    let r = app.setup(&c).await;
    assert_eq!(r.status(), 201);
    let cookie = format!(
        "stagecraft_session={}",
        cookie_value(&session_cookie(&r).expect("sign-in sets the session cookie"))
    );
    // The session replayed by hand, cookie jar or not.
    let me_there = || async {
        reqwest::Client::new()
            .get(other.url("/api/v1/me"))
            .header("cookie", &cookie)
            .send()
            .await
            .unwrap()
            .status()
    };
    // The other instance reads (and holds) the session first.
    assert_eq!(me_there().await, 200);
    assert_eq!(me_there().await, 200);
    let r = app.post(&c, "/api/v1/auth/logout", json!({})).await;
    assert_eq!(r.status(), 204);
    assert!(within_a_moment(|| async { me_there().await == 401 }).await);
}

/// Starting a server once ran the whole app with resource loading switched
/// off for the process (leptos_router's route listing), and a page whose
/// data began loading in that moment never answered: a dashboard in the CI
/// run waited 90 s. Servers start here while pages render, and every page
/// answers, whole, within seconds.
async fn pages_render_while_other_servers_start_in_the_process(b: Backend) {
    let app = spawn_app(b).await;
    let admin = app.admin().await;
    let r = app
        .post(&admin, "/api/v1/apps", json!({"name": "Rendered"}))
        .await;
    assert_eq!(r.status(), 201);
    let starting = async {
        let mut started = Vec::new();
        for _ in 0..6 {
            started.push(app.another_instance().await);
        }
        started
    };
    let rendering = futures::future::join_all((0..3).map(|lane| {
        let (app, admin) = (&app, &admin);
        async move {
            for i in 0..15 {
                let page = async {
                    let r = app.page(admin, "/").await;
                    (r.status(), r.text().await.unwrap())
                };
                let (status, html) = tokio::time::timeout(std::time::Duration::from_secs(20), page)
                    .await
                    .unwrap_or_else(|_| panic!("lane {lane}, page {i}: no answer in 20 s"));
                assert_eq!(status, 200, "lane {lane}, page {i}");
                assert!(
                    html.contains("Rendered"),
                    "lane {lane}, page {i}: the app listed"
                );
            }
        }
    }));
    let (started, _) = tokio::join!(starting, rendering);
    // The servers that started serve too.
    for other in &started {
        let r = admin.get(other.url("/")).send().await.unwrap();
        assert_eq!(r.status(), 200);
    }
}
