//! The start page held as rendered HTML (`server::held_pages`): per user and
//! address, dropped by every change, never served to a session that has
//! ended or a user who was deactivated, and never left stale by a change
//! made while it rendered.
use crate::both_backends;
use crate::support::*;
use serde_json::{json, Value};

both_backends!(
    p6_the_held_start_page_is_each_users_own_and_follows_every_change,
    p6_changes_during_renders_never_leave_a_stale_start_page,
    the_held_not_found_page_is_each_visitors_own,
);

/// The status and the page, without the markers hydration puts between
/// adjacent texts.
async fn start_page(app: &TestApp, c: &reqwest::Client, path: &str) -> (u16, String) {
    let r = app.page(c, path).await;
    let status = r.status().as_u16();
    let html = r.text().await.unwrap();
    (status, html.replace("<!---->", "").replace("<!>", ""))
}

/// The page at `path` once it is held: two answers in a row are the same
/// bytes, which two renders never are (each has a fresh script nonce).
/// Tries for a while: a change is also heard by the poll of the epoch, a
/// moment later, and a page rendered meanwhile is not kept.
async fn held(app: &TestApp, c: &reqwest::Client, path: &str) -> (u16, String) {
    for _ in 0..40 {
        let first = start_page(app, c, path).await;
        if start_page(app, c, path).await == first {
            return first;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("{path} is never held");
}

async fn deactivate(app: &TestApp, admin: &reqwest::Client, user_id: &str) {
    let path = format!("/api/v1/users/{user_id}");
    let r = app.patch(admin, &path, json!({"active": false})).await;
    assert_eq!(r.status(), 200);
}

async fn create(app: &TestApp, c: &reqwest::Client, name: String) {
    let r = app.post(c, "/api/v1/apps", json!({ "name": name })).await;
    assert_eq!(r.status(), 201, "create {name}");
}

async fn p6_the_held_start_page_is_each_users_own_and_follows_every_change(b: Backend) {
    let app = spawn_app(b).await;
    let admin = app.admin().await;
    let (bob_id, bob) = app.user(&admin, "bob@example.com", "builder").await;
    let (_, eve) = app.user(&admin, "eve@example.com", "end-user").await;
    create(&app, &admin, "Alpha".into()).await;

    let (status, first) = held(&app, &admin, "/").await;
    assert_eq!(status, 200);
    assert!(
        first.contains("Hello, Ada") && first.contains("Alpha"),
        "{first}"
    );
    // Each user sees their own page at the same address, in any order.
    // (Not compared byte for byte: the tests running beside this one make
    // changes in this process, which drop what is held here too.)
    let ours = |html: &str| html.contains("Hello, Ada") && !html.contains("Hello, Someone");
    for _ in 0..2 {
        let (_, bobs) = start_page(&app, &bob, "/").await;
        assert!(bobs.contains("Hello, Someone") && !bobs.contains("Hello, Ada"));
        let (_, eves) = start_page(&app, &eve, "/").await;
        assert!(
            eves.contains("Your apps") && !eves.contains("Create app"),
            "the launcher"
        );
        assert!(ours(&start_page(&app, &admin, "/").await.1));
    }
    // Another address is another page.
    let (_, second) = start_page(&app, &admin, "/?page=2").await;
    assert!(second.contains("No apps yet.") && !second.contains("Alpha"));

    // A change, by anyone, is on the next page.
    create(&app, &bob, "Bravo".into()).await;
    let (_, after) = start_page(&app, &admin, "/").await;
    assert!(after.contains("Alpha") && after.contains("Bravo"));

    // A deactivated user's held page is not theirs any more.
    deactivate(&app, &admin, &bob_id).await;
    let (status, page) = start_page(&app, &bob, "/").await;
    assert_eq!(status, 302, "sent to sign in");
    assert!(!page.contains("Bravo"));
    // Nor is an ended session's: signed out, the held page is never sent.
    start_page(&app, &eve, "/").await;
    assert_eq!(
        app.post(&eve, "/api/v1/auth/logout", json!({}))
            .await
            .status(),
        204
    );
    let (status, page) = start_page(&app, &eve, "/").await;
    assert_eq!(status, 302);
    assert!(!page.contains("Your apps"));
}

/// Apps created while start pages render: once the creations have
/// answered, the page lists every one of them, round after round.
async fn p6_changes_during_renders_never_leave_a_stale_start_page(b: Backend) {
    let app = spawn_app(b).await;
    let admin = app.admin().await;
    let rows = |html: &str| html.matches("<tr data-app=").count();
    for round in 0..3 {
        let creating = futures::future::join_all(
            (0..6).map(|i| create(&app, &admin, format!("App {round}-{i}")).boxed()),
        );
        let rendering =
            futures::future::join_all((0..12).map(|_| start_page(&app, &admin, "/").boxed()));
        let (_, pages) = tokio::join!(creating, rendering);
        assert!(pages.iter().all(|(status, _)| *status == 200));
        let (_, page) = start_page(&app, &admin, "/").await;
        assert_eq!(rows(&page), 6 * (round + 1), "round {round}");
        let listed: Value = app.get(&admin, "/api/v1/apps").await.json().await.unwrap();
        let listed = listed.as_array().map(Vec::len).unwrap_or_default();
        assert_eq!(listed, 6 * (round + 1), "round {round}: the API agrees");
    }
}

/// The not-found page, held per visitor and address as the start page is.
async fn the_held_not_found_page_is_each_visitors_own(b: Backend) {
    let app = spawn_app(b).await;
    let anonymous = client();
    let setup_needed = |html: &str| html.contains(r#"setup_needed\":true"#);
    let (status, before) = start_page(&app, &anonymous, "/no-such-page").await;
    assert_eq!(status, 404);
    assert!(setup_needed(&before), "{before}");
    let admin = app.admin().await;
    let (bob_id, bob) = app.user(&admin, "bob@example.com", "builder").await;
    // The set-up is a change: the page held before it is not sent after.
    let (status, after) = held(&app, &anonymous, "/no-such-page").await;
    assert_eq!(status, 404);
    assert!(!setup_needed(&after) && !after.contains("whoami\">Ada"));
    for _ in 0..2 {
        let (status, admins) = start_page(&app, &admin, "/no-such-page").await;
        assert_eq!(status, 404);
        assert!(admins.contains("Ada") && !admins.contains("Someone"));
        let (_, bobs) = start_page(&app, &bob, "/no-such-page").await;
        assert!(bobs.contains("Someone") && !bobs.contains("Ada"));
        let (_, anonymous_page) = start_page(&app, &anonymous, "/no-such-page").await;
        assert!(!anonymous_page.contains("Ada") && !anonymous_page.contains("Someone"));
    }
    // A page the app's router matches behind a trailing slash that the
    // server's does not is answered 404, and never held: it may show what
    // moves without a change (a token's last use, a query's rows).
    let (status, once) = start_page(&app, &admin, "/settings/tokens/").await;
    assert_eq!(status, 404);
    assert!(once.contains("Tokens"));
    assert_ne!(start_page(&app, &admin, "/settings/tokens/").await.1, once);
    deactivate(&app, &admin, &bob_id).await;
    let (status, bobs) = start_page(&app, &bob, "/no-such-page").await;
    assert_eq!(status, 404);
    assert!(!bobs.contains("Someone"), "signed out by the deactivation");
}

use futures::FutureExt;
