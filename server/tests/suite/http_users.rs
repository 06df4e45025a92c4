//! User administration through the real router (SPEC P1, P9, S2, L1, L2).
use crate::both_backends;
use crate::support::*;
use serde_json::{json, Value};

both_backends!(
    p1_admin_creates_users_of_each_role,
    s2_create_user_refuses_bad_input,
    p1_duplicate_email_is_a_conflict_whatever_its_case,
    p9_users_and_audit_are_admin_only,
    p1_deactivation_ends_sessions_at_once,
    p1_role_changes_and_refusals,
    l1_l2_audit_records_user_changes_newest_first,
);

async fn p1_admin_creates_users_of_each_role(b: Backend) {
    let app = spawn_app(b).await;
    let admin = app.admin().await;
    for (email, role) in [
        ("bob@example.com", "builder"),
        ("eve@example.com", "end-user"),
        ("root@example.com", "admin"),
    ] {
        let (_, c) = app.user(&admin, email, role).await;
        let me: Value = app.get(&c, "/api/v1/me").await.json().await.unwrap();
        assert_eq!(me["user"]["role"], role);
        assert_eq!(
            me["flags"]["promote"],
            role != "end-user",
            "P3 role defaults"
        );
    }
    let list: Value = app.get(&admin, "/api/v1/users").await.json().await.unwrap();
    let emails: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["email"].as_str().unwrap())
        .collect();
    assert_eq!(
        emails,
        [
            "ada@example.com",
            "bob@example.com",
            "eve@example.com",
            "root@example.com"
        ]
    );
    for u in list.as_array().unwrap() {
        let mut keys: Vec<&String> = u.as_object().unwrap().keys().collect();
        keys.sort();
        assert_eq!(
            keys,
            ["active", "email", "id", "name", "role"],
            "a user object has exactly these fields"
        );
    }
}

async fn s2_create_user_refuses_bad_input(b: Backend) {
    let app = spawn_app(b).await;
    let admin = app.admin().await;
    let good = json!({"email": "bob@example.com", "name": "Bob", "password": "password-of-bob", "role": "builder"});
    let with = |k: &str, v: Value| {
        let mut b = good.clone();
        b[k] = v;
        b
    };
    let without = |k: &str| {
        let mut b = good.clone();
        b.as_object_mut().unwrap().remove(k);
        b
    };
    let cases = [
        (with("email", json!("bob")), "email"),
        (with("email", json!(42)), "email"),
        (without("email"), "email"),
        (with("name", json!("")), "name"),
        (with("name", json!("n".repeat(101))), "name"),
        (without("name"), "name"),
        (with("password", json!("1234567")), "password"),
        (without("password"), "password"),
        (with("role", json!("superuser")), "role"),
        (with("role", json!(null)), "role"),
        (
            json!({"email": "bad", "name": "", "password": "x", "role": "x"}),
            "email",
        ),
    ];
    for (body, field) in cases {
        assert_error(
            app.post(&admin, "/api/v1/users", body).await,
            422,
            "invalid",
            Some(field),
        )
        .await;
    }
    assert_eq!(app.count("users").await, 1, "nothing stored");
    assert_eq!(app.post(&admin, "/api/v1/users", good).await.status(), 201);
}

async fn p1_duplicate_email_is_a_conflict_whatever_its_case(b: Backend) {
    let app = spawn_app(b).await;
    let admin = app.admin().await;
    let body = |email: &str| json!({"email": email, "name": "Bob", "password": "password-of-bob", "role": "builder"});
    assert_eq!(
        app.post(&admin, "/api/v1/users", body("bob@example.com"))
            .await
            .status(),
        201
    );
    assert_error(
        app.post(&admin, "/api/v1/users", body("BOB@Example.com"))
            .await,
        409,
        "conflict",
        None,
    )
    .await;
    assert_error(
        app.post(&admin, "/api/v1/users", body("Ada@example.com"))
            .await,
        409,
        "conflict",
        None,
    )
    .await;
    assert_eq!(app.count("users").await, 2);
}

async fn p9_users_and_audit_are_admin_only(b: Backend) {
    let app = spawn_app(b).await;
    let admin = app.admin().await;
    let (bob_id, bob) = app.user(&admin, "bob@example.com", "builder").await;
    let (_, eve) = app.user(&admin, "eve@example.com", "end-user").await;
    for c in [&bob, &eve] {
        assert_error(app.get(c, "/api/v1/users").await, 403, "forbidden", None).await;
        // 403 comes before 422: the body is not even read.
        assert_error(
            app.post(c, "/api/v1/users", json!({"email": "bad"})).await,
            403,
            "forbidden",
            None,
        )
        .await;
        assert_error(
            app.patch(
                c,
                &format!("/api/v1/users/{bob_id}"),
                json!({"role": "admin"}),
            )
            .await,
            403,
            "forbidden",
            None,
        )
        .await;
        assert_error(app.get(c, "/api/v1/audit").await, 403, "forbidden", None).await;
        // And the page says so.
        let r = app.page(c, "/admin/users").await;
        assert_eq!(r.status(), 403);
    }
    let anon = client();
    assert_error(
        app.get(&anon, "/api/v1/users").await,
        401,
        "unauthenticated",
        None,
    )
    .await;
    assert_error(
        app.post(&anon, "/api/v1/users", json!({})).await,
        401,
        "unauthenticated",
        None,
    )
    .await;
    let r = app.page(&anon, "/admin/users").await;
    assert_eq!(r.status(), 302);
    assert_eq!(r.headers()["location"], "/login");
    let me: Value = app.get(&bob, "/api/v1/me").await.json().await.unwrap();
    assert_eq!(me["user"]["role"], "builder", "nothing changed");
    assert_eq!(app.page(&admin, "/admin/users").await.status(), 200);
}

async fn p1_deactivation_ends_sessions_at_once(b: Backend) {
    let app = spawn_app(b).await;
    let admin = app.admin().await;
    let (bob_id, bob) = app.user(&admin, "bob@example.com", "builder").await;
    let (_, bob_laptop) = {
        let c = client();
        let r = app
            .post(
                &c,
                "/api/v1/auth/login",
                json!({"email": "bob@example.com", "password": "password-of-someone"}),
            )
            .await;
        assert_eq!(r.status(), 200);
        ((), c)
    };
    let r = app
        .patch(
            &admin,
            &format!("/api/v1/users/{bob_id}"),
            json!({"active": false}),
        )
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<Value>().await.unwrap()["active"], false);
    for c in [&bob, &bob_laptop] {
        assert_error(app.get(c, "/api/v1/me").await, 401, "unauthenticated", None).await;
    }
    let again = app
        .post(
            &client(),
            "/api/v1/auth/login",
            json!({"email": "bob@example.com", "password": "password-of-someone"}),
        )
        .await;
    assert_error(again, 401, "unauthenticated", None).await;

    let r = app
        .patch(
            &admin,
            &format!("/api/v1/users/{bob_id}"),
            json!({"active": true}),
        )
        .await;
    assert_eq!(r.status(), 200);
    let back = app
        .post(
            &client(),
            "/api/v1/auth/login",
            json!({"email": "bob@example.com", "password": "password-of-someone"}),
        )
        .await;
    assert_eq!(back.status(), 200, "reactivated users sign in again");
}

async fn p1_role_changes_and_refusals(b: Backend) {
    let app = spawn_app(b).await;
    let admin = app.admin().await;
    let (bob_id, bob) = app.user(&admin, "bob@example.com", "builder").await;
    let me: Value = app.get(&admin, "/api/v1/me").await.json().await.unwrap();
    let ada_id = me["user"]["id"].as_str().unwrap().to_string();

    let r = app
        .patch(
            &admin,
            &format!("/api/v1/users/{bob_id}"),
            json!({"role": "end-user", "name": "  Bobby "}),
        )
        .await;
    assert_eq!(r.status(), 200);
    let u: Value = r.json().await.unwrap();
    assert_eq!(
        (u["role"].as_str(), u["name"].as_str()),
        (Some("end-user"), Some("Bobby"))
    );
    // S6: a demotion ends the sessions; signed in anew, the new role holds.
    assert_error(
        app.get(&bob, "/api/v1/me").await,
        401,
        "unauthenticated",
        None,
    )
    .await;
    let bob = sign_in(&app, "bob@example.com", "password-of-someone").await;
    let me: Value = app.get(&bob, "/api/v1/me").await.json().await.unwrap();
    assert_eq!(me["flags"]["app_create"], false, "the new role applies");

    for (body, field) in [
        (json!({"role": "owner"}), "role"),
        (json!({"name": ""}), "name"),
        (json!({"active": "no"}), "active"),
        (json!({"name": 3}), "name"),
    ] {
        assert_error(
            app.patch(&admin, &format!("/api/v1/users/{bob_id}"), body)
                .await,
            422,
            "invalid",
            Some(field),
        )
        .await;
    }
    assert_error(
        app.patch(&admin, "/api/v1/users/nobody", json!({"role": "builder"}))
            .await,
        404,
        "not_found",
        None,
    )
    .await;
    assert_error(
        app.patch(
            &admin,
            &format!("/api/v1/users/{ada_id}"),
            json!({"active": false}),
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
            &format!("/api/v1/users/{ada_id}"),
            json!({"role": "builder"}),
        )
        .await,
        409,
        "conflict",
        None,
    )
    .await;
    // A second admin may remove the first, but not the last one.
    let (root_id, root) = app.user(&admin, "root@example.com", "admin").await;
    assert_eq!(
        app.patch(
            &root,
            &format!("/api/v1/users/{ada_id}"),
            json!({"role": "builder"})
        )
        .await
        .status(),
        200
    );
    // Ada, demoted, signs in anew as the builder she now is.
    let admin = sign_in(&app, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_error(
        app.patch(
            &admin,
            &format!("/api/v1/users/{root_id}"),
            json!({"active": false}),
        )
        .await,
        403,
        "forbidden",
        None,
    )
    .await;
    let me: Value = app.get(&root, "/api/v1/me").await.json().await.unwrap();
    assert_eq!(me["user"]["role"], "admin");
    // An empty change changes nothing and records nothing.
    let before = app.audit_actions().await.len();
    assert_eq!(
        app.patch(&root, &format!("/api/v1/users/{bob_id}"), json!({}))
            .await
            .status(),
        200
    );
    assert_eq!(app.audit_actions().await.len(), before);
}

async fn l1_l2_audit_records_user_changes_newest_first(b: Backend) {
    let app = spawn_app(b).await;
    let admin = app.admin().await;
    let (bob_id, _) = app.user(&admin, "bob@example.com", "builder").await;
    app.patch(
        &admin,
        &format!("/api/v1/users/{bob_id}"),
        json!({"role": "end-user"}),
    )
    .await;
    let page: Value = app.get(&admin, "/api/v1/audit").await.json().await.unwrap();
    let actions: Vec<&str> = page["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        ["user.update", "auth.login", "user.create", "auth.setup"]
    );
    assert!(page["next"].is_null());
    let update = &page["entries"][0];
    assert_eq!(update["actor"], ADMIN_EMAIL);
    assert_eq!(update["target"], format!("user:{bob_id}"));
    assert_eq!(
        update["details"]["role"],
        json!({"from": "builder", "to": "end-user"})
    );
    assert!(update["at"].as_str().unwrap().ends_with('Z'));
    let create = &page["entries"][2];
    assert_eq!(create["details"]["email"], "bob@example.com");
    assert!(
        !create["details"].to_string().contains("password"),
        "no secret in the audit"
    );

    // Paging and filters.
    let p1: Value = app
        .get(&admin, "/api/v1/audit?limit=2")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(p1["entries"].as_array().unwrap().len(), 2);
    let next = p1["next"].as_str().unwrap().to_string();
    let p2: Value = app
        .get(&admin, &format!("/api/v1/audit?limit=2&before={next}"))
        .await
        .json()
        .await
        .unwrap();
    let p2_actions: Vec<&str> = p2["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(p2_actions, ["user.create", "auth.setup"]);
    let only: Value = app
        .get(&admin, "/api/v1/audit?action=user.create")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(only["entries"].as_array().unwrap().len(), 1);
    let by_bob: Value = app
        .get(&admin, &format!("/api/v1/audit?user_id={bob_id}"))
        .await
        .json()
        .await
        .unwrap();
    let bob_actions: Vec<&str> = by_bob["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(bob_actions, ["auth.login"]);
    for q in ["limit=0", "limit=501", "limit=x", "before=abc"] {
        let field = q.split('=').next().unwrap();
        assert_error(
            app.get(&admin, &format!("/api/v1/audit?{q}")).await,
            422,
            "invalid",
            Some(field),
        )
        .await;
    }
}
