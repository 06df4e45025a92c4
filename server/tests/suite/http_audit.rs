//! The audit log (SPEC L1, L2) through the HTTP API, on both databases:
//! every use case that exists runs once, and the entry it records (the
//! exact action, actor, target and details) is checked; refused requests
//! and changes that change nothing record nothing. Then the `from`/`to`
//! time filter, on the API and on the page.
use crate::both_backends;
use crate::support::*;
use serde_json::{json, Value};
use sqlx::Row;
use std::collections::{BTreeSet, HashMap};

both_backends!(
    l1_every_use_case_records_its_exact_entry,
    l2_from_and_to_filter_by_time,
    l2_the_page_filters_by_time,
);

const BOB: &str = "bob@example.com";
const BOB_PASSWORD: &str = "password-of-bob";

/// Every action SPEC L1 names that a use case records today.
const L1_ACTIONS: [&str; 29] = [
    "data_source.create",
    "data_source.update",
    "data_source.delete",
    "constant.create",
    "constant.set_value",
    "constant.delete_value",
    "constant.delete",
    "auth.setup",
    "auth.login",
    "auth.login_failed",
    "auth.logout",
    "user.create",
    "user.update",
    "app.create",
    "app.update",
    "app.delete",
    "version.create",
    "version.update",
    "version.save",
    "version.promote",
    "version.release",
    "version.delete",
    "group.create",
    "group.update",
    "group.delete",
    "group.member_add",
    "group.member_remove",
    "permission.grant",
    "permission.revoke",
];

/// The ids the steps learn from the answers, by name.
type Ids = HashMap<&'static str, String>;

/// Who sends the request: each is a client with its own cookies.
#[derive(Clone, Copy, Debug)]
enum By {
    /// Becomes the first admin (Ada) at setup.
    Admin,
    /// Bob, a builder, once he signed in.
    Bob,
    /// Someone without a session.
    Stranger,
}

enum Call {
    Post(String, Value),
    Put(String, Value),
    Patch(String, Value),
    Delete(String),
}

enum Records {
    /// Exactly one entry.
    Entry {
        actor: &'static str,
        action: &'static str,
        target: fn(&Ids) -> String,
        details: fn(&Ids) -> Value,
    },
    /// No entry at all.
    Nothing,
}

struct Step {
    what: &'static str,
    by: By,
    call: fn(&Ids) -> Call,
    status: u16,
    /// Remembers ids from the answer's body (`null` for 204).
    keep: fn(&mut Ids, &Value),
    records: Records,
}

fn keep_nothing(_: &mut Ids, _: &Value) {}

fn id_of(v: &Value) -> String {
    v["id"].as_str().expect("an id in the answer").to_string()
}

fn no_flags() -> Value {
    json!({"app_create": false, "app_delete": false, "promote": false, "release": false,
           "manage_data_sources": false, "manage_constants": false})
}

fn the_steps() -> Vec<Step> {
    use By::*;
    use Call::*;
    use Records::*;
    vec![
        // Setup and sessions.
        Step {
            what: "first run sets up the admin",
            by: Admin,
            call: |_| {
                Post(
                    "/api/v1/setup".into(),
                    json!({"name": "Ada", "email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}),
                )
            },
            status: 201,
            keep: |ids, v| {
                ids.insert("ada", id_of(v));
            },
            records: Entry {
                actor: ADMIN_EMAIL,
                action: "auth.setup",
                target: |ids| format!("user:{}", ids["ada"]),
                details: |_| json!({}),
            },
        },
        Step {
            what: "the admin creates Bob",
            by: Admin,
            call: |_| {
                Post(
                    "/api/v1/users".into(),
                    json!({"email": BOB, "name": "Bob", "password": BOB_PASSWORD, "role": "builder"}),
                )
            },
            status: 201,
            keep: |ids, v| {
                ids.insert("bob", id_of(v));
            },
            records: Entry {
                actor: ADMIN_EMAIL,
                action: "user.create",
                target: |ids| format!("user:{}", ids["bob"]),
                details: |_| json!({"email": BOB, "name": "Bob", "role": "builder"}),
            },
        },
        Step {
            what: "Bob signs in",
            by: Bob,
            call: |_| {
                Post(
                    "/api/v1/auth/login".into(),
                    json!({"email": BOB, "password": BOB_PASSWORD}),
                )
            },
            status: 200,
            keep: keep_nothing,
            records: Entry {
                actor: BOB,
                action: "auth.login",
                target: |ids| format!("user:{}", ids["bob"]),
                details: |_| json!({}),
            },
        },
        Step {
            what: "a wrong password for Bob",
            by: Stranger,
            call: |_| {
                Post(
                    "/api/v1/auth/login".into(),
                    json!({"email": BOB, "password": "not-his-password"}),
                )
            },
            status: 401,
            keep: keep_nothing,
            records: Entry {
                actor: BOB,
                action: "auth.login_failed",
                target: |_| format!("email:{BOB}"),
                details: |_| json!({"reason": "wrong_password", "address": "127.0.0.1"}),
            },
        },
        Step {
            what: "an unknown email",
            by: Stranger,
            call: |_| {
                Post(
                    "/api/v1/auth/login".into(),
                    json!({"email": "nobody@example.com", "password": "whatever-it-is"}),
                )
            },
            status: 401,
            keep: keep_nothing,
            records: Entry {
                actor: "nobody@example.com",
                action: "auth.login_failed",
                target: |_| "email:nobody@example.com".into(),
                details: |_| json!({"reason": "unknown_email", "address": "127.0.0.1"}),
            },
        },
        Step {
            what: "a builder may not create users (403)",
            by: Bob,
            call: |_| {
                Post(
                    "/api/v1/users".into(),
                    json!({"email": "eve@example.com", "name": "Eve", "password": "password-of-eve", "role": "admin"}),
                )
            },
            status: 403,
            keep: keep_nothing,
            records: Nothing,
        },
        Step {
            what: "the admin renames Bob",
            by: Admin,
            call: |ids| {
                Patch(
                    format!("/api/v1/users/{}", ids["bob"]),
                    json!({"name": "Robert", "role": "builder"}),
                )
            },
            status: 200,
            keep: keep_nothing,
            records: Entry {
                actor: ADMIN_EMAIL,
                action: "user.update",
                target: |ids| format!("user:{}", ids["bob"]),
                details: |_| json!({"name": {"from": "Bob", "to": "Robert"}}),
            },
        },
        Step {
            what: "a user change that changes nothing",
            by: Admin,
            call: |ids| {
                Patch(
                    format!("/api/v1/users/{}", ids["bob"]),
                    json!({"name": "Robert", "active": true}),
                )
            },
            status: 200,
            keep: keep_nothing,
            records: Nothing,
        },
        // Apps and versions.
        Step {
            what: "the admin creates an app",
            by: Admin,
            call: |_| Post("/api/v1/apps".into(), json!({"name": "Orders"})),
            status: 201,
            keep: |ids, v| {
                ids.insert("app", id_of(v));
                ids.insert("v1", id_of(&v["first_version"]));
            },
            records: Entry {
                actor: ADMIN_EMAIL,
                action: "app.create",
                target: |ids| format!("app:{}", ids["app"]),
                details: |ids| json!({"name": "Orders", "slug": "orders", "first_version_id": ids["v1"]}),
            },
        },
        Step {
            what: "renames it and makes it public",
            by: Admin,
            call: |ids| {
                Patch(
                    format!("/api/v1/apps/{}", ids["app"]),
                    json!({"name": "Orders Admin", "slug": "orders", "public": true}),
                )
            },
            status: 200,
            keep: keep_nothing,
            records: Entry {
                actor: ADMIN_EMAIL,
                action: "app.update",
                target: |ids| format!("app:{}", ids["app"]),
                details: |_| json!({"name": {"from": "Orders", "to": "Orders Admin"}, "public": {"from": false, "to": true}}),
            },
        },
        Step {
            what: "an app change that changes nothing",
            by: Admin,
            call: |ids| {
                Patch(
                    format!("/api/v1/apps/{}", ids["app"]),
                    json!({"name": "Orders Admin", "public": true}),
                )
            },
            status: 200,
            keep: keep_nothing,
            records: Nothing,
        },
        Step {
            what: "names and describes v1",
            by: Admin,
            call: |ids| {
                Patch(
                    format!("/api/v1/apps/{}/versions/{}", ids["app"], ids["v1"]),
                    json!({"name": "first", "description": "The start"}),
                )
            },
            status: 200,
            keep: keep_nothing,
            records: Entry {
                actor: ADMIN_EMAIL,
                action: "version.update",
                target: |ids| format!("version:{}", ids["v1"]),
                details: |_| {
                    json!({"name": {"from": "v1", "to": "first"},
                           "description": {"from": "", "to": "The start"}})
                },
            },
        },
        Step {
            what: "a version change that changes nothing",
            by: Admin,
            call: |ids| {
                Patch(
                    format!("/api/v1/apps/{}/versions/{}", ids["app"], ids["v1"]),
                    json!({"name": "first", "description": "The start"}),
                )
            },
            status: 200,
            keep: keep_nothing,
            records: Nothing,
        },
        Step {
            what: "edits v1's definition",
            by: Admin,
            call: |ids| {
                Put(
                    format!(
                        "/api/v1/apps/{}/versions/{}/definition",
                        ids["app"], ids["v1"]
                    ),
                    json!({"definition": {"pages": [{"name": "home"}]}, "revision": 1}),
                )
            },
            status: 200,
            keep: keep_nothing,
            records: Entry {
                actor: ADMIN_EMAIL,
                action: "version.update",
                target: |ids| format!("version:{}", ids["v1"]),
                details: |_| json!({"definition": {"revision": 2}}),
            },
        },
        Step {
            what: "a stale definition edit (409)",
            by: Admin,
            call: |ids| {
                Put(
                    format!(
                        "/api/v1/apps/{}/versions/{}/definition",
                        ids["app"], ids["v1"]
                    ),
                    json!({"definition": {"pages": []}, "revision": 1}),
                )
            },
            status: 409,
            keep: keep_nothing,
            records: Nothing,
        },
        Step {
            what: "promoting a draft (409)",
            by: Admin,
            call: |ids| {
                Post(
                    format!("/api/v1/apps/{}/versions/{}/promote", ids["app"], ids["v1"]),
                    json!({"from": "development"}),
                )
            },
            status: 409,
            keep: keep_nothing,
            records: Nothing,
        },
        Step {
            what: "saves v1",
            by: Admin,
            call: |ids| {
                Post(
                    format!("/api/v1/apps/{}/versions/{}/save", ids["app"], ids["v1"]),
                    json!({}),
                )
            },
            status: 200,
            keep: keep_nothing,
            records: Entry {
                actor: ADMIN_EMAIL,
                action: "version.save",
                target: |ids| format!("version:{}", ids["v1"]),
                details: |_| json!({"name": "first"}),
            },
        },
        Step {
            what: "releasing from development (409)",
            by: Admin,
            call: |ids| {
                Post(
                    format!("/api/v1/apps/{}/versions/{}/release", ids["app"], ids["v1"]),
                    json!({}),
                )
            },
            status: 409,
            keep: keep_nothing,
            records: Nothing,
        },
        Step {
            what: "promotes v1 to staging",
            by: Admin,
            call: |ids| {
                Post(
                    format!("/api/v1/apps/{}/versions/{}/promote", ids["app"], ids["v1"]),
                    json!({"from": "development"}),
                )
            },
            status: 200,
            keep: keep_nothing,
            records: Entry {
                actor: ADMIN_EMAIL,
                action: "version.promote",
                target: |ids| format!("version:{}", ids["v1"]),
                details: |_| json!({"name": "first", "from": "development", "to": "staging"}),
            },
        },
        Step {
            what: "a promote from where it no longer is (409)",
            by: Admin,
            call: |ids| {
                Post(
                    format!("/api/v1/apps/{}/versions/{}/promote", ids["app"], ids["v1"]),
                    json!({"from": "development"}),
                )
            },
            status: 409,
            keep: keep_nothing,
            records: Nothing,
        },
        Step {
            what: "promotes v1 to production",
            by: Admin,
            call: |ids| {
                Post(
                    format!("/api/v1/apps/{}/versions/{}/promote", ids["app"], ids["v1"]),
                    json!({"from": "staging"}),
                )
            },
            status: 200,
            keep: keep_nothing,
            records: Entry {
                actor: ADMIN_EMAIL,
                action: "version.promote",
                target: |ids| format!("version:{}", ids["v1"]),
                details: |_| json!({"name": "first", "from": "staging", "to": "production"}),
            },
        },
        Step {
            what: "releases v1",
            by: Admin,
            call: |ids| {
                Post(
                    format!("/api/v1/apps/{}/versions/{}/release", ids["app"], ids["v1"]),
                    json!({"note": " go live "}),
                )
            },
            status: 200,
            keep: keep_nothing,
            records: Entry {
                actor: ADMIN_EMAIL,
                action: "version.release",
                target: |ids| format!("version:{}", ids["v1"]),
                details: |ids| json!({"name": "first", "previous_version_id": null, "version_id": ids["v1"], "note": "go live"}),
            },
        },
        Step {
            what: "re-releasing the released version changes nothing",
            by: Admin,
            call: |ids| {
                Post(
                    format!("/api/v1/apps/{}/versions/{}/release", ids["app"], ids["v1"]),
                    json!({"note": "again"}),
                )
            },
            status: 200,
            keep: keep_nothing,
            records: Nothing,
        },
        Step {
            what: "deleting the released version (409)",
            by: Admin,
            call: |ids| {
                Delete(format!(
                    "/api/v1/apps/{}/versions/{}",
                    ids["app"], ids["v1"]
                ))
            },
            status: 409,
            keep: keep_nothing,
            records: Nothing,
        },
        Step {
            what: "creates v2 from v1",
            by: Admin,
            call: |ids| {
                Post(
                    format!("/api/v1/apps/{}/versions", ids["app"]),
                    json!({"name": "second", "from_version_id": ids["v1"]}),
                )
            },
            status: 201,
            keep: |ids, v| {
                ids.insert("v2", id_of(v));
            },
            records: Entry {
                actor: ADMIN_EMAIL,
                action: "version.create",
                target: |ids| format!("version:{}", ids["v2"]),
                details: |ids| json!({"name": "second", "from_version_id": ids["v1"]}),
            },
        },
        Step {
            what: "promoting the draft v2 (409)",
            by: Admin,
            call: |ids| {
                Post(
                    format!("/api/v1/apps/{}/versions/{}/promote", ids["app"], ids["v2"]),
                    json!({"from": "development"}),
                )
            },
            status: 409,
            keep: keep_nothing,
            records: Nothing,
        },
        Step {
            what: "deletes the draft v2",
            by: Admin,
            call: |ids| {
                Delete(format!(
                    "/api/v1/apps/{}/versions/{}",
                    ids["app"], ids["v2"]
                ))
            },
            status: 204,
            keep: keep_nothing,
            records: Entry {
                actor: ADMIN_EMAIL,
                action: "version.delete",
                target: |ids| format!("version:{}", ids["v2"]),
                details: |_| json!({"name": "second", "environment": "development"}),
            },
        },
        Step {
            what: "creates v3 from v1",
            by: Admin,
            call: |ids| {
                Post(
                    format!("/api/v1/apps/{}/versions", ids["app"]),
                    json!({"name": "third", "from_version_id": ids["v1"], "description": "Next"}),
                )
            },
            status: 201,
            keep: |ids, v| {
                ids.insert("v3", id_of(v));
            },
            records: Entry {
                actor: ADMIN_EMAIL,
                action: "version.create",
                target: |ids| format!("version:{}", ids["v3"]),
                details: |ids| json!({"name": "third", "from_version_id": ids["v1"]}),
            },
        },
        Step {
            what: "saves v3",
            by: Admin,
            call: |ids| {
                Post(
                    format!("/api/v1/apps/{}/versions/{}/save", ids["app"], ids["v3"]),
                    json!({}),
                )
            },
            status: 200,
            keep: keep_nothing,
            records: Entry {
                actor: ADMIN_EMAIL,
                action: "version.save",
                target: |ids| format!("version:{}", ids["v3"]),
                details: |_| json!({"name": "third"}),
            },
        },
        Step {
            what: "saving it again (409)",
            by: Admin,
            call: |ids| {
                Post(
                    format!("/api/v1/apps/{}/versions/{}/save", ids["app"], ids["v3"]),
                    json!({}),
                )
            },
            status: 409,
            keep: keep_nothing,
            records: Nothing,
        },
        Step {
            what: "promotes v3 to staging",
            by: Admin,
            call: |ids| {
                Post(
                    format!("/api/v1/apps/{}/versions/{}/promote", ids["app"], ids["v3"]),
                    json!({"from": "development"}),
                )
            },
            status: 200,
            keep: keep_nothing,
            records: Entry {
                actor: ADMIN_EMAIL,
                action: "version.promote",
                target: |ids| format!("version:{}", ids["v3"]),
                details: |_| json!({"name": "third", "from": "development", "to": "staging"}),
            },
        },
        Step {
            what: "promotes v3 to production",
            by: Admin,
            call: |ids| {
                Post(
                    format!("/api/v1/apps/{}/versions/{}/promote", ids["app"], ids["v3"]),
                    json!({"from": "staging"}),
                )
            },
            status: 200,
            keep: keep_nothing,
            records: Entry {
                actor: ADMIN_EMAIL,
                action: "version.promote",
                target: |ids| format!("version:{}", ids["v3"]),
                details: |_| json!({"name": "third", "from": "staging", "to": "production"}),
            },
        },
        Step {
            what: "releases v3 over v1",
            by: Admin,
            call: |ids| {
                Post(
                    format!("/api/v1/apps/{}/versions/{}/release", ids["app"], ids["v3"]),
                    json!({}),
                )
            },
            status: 200,
            keep: keep_nothing,
            records: Entry {
                actor: ADMIN_EMAIL,
                action: "version.release",
                target: |ids| format!("version:{}", ids["v3"]),
                details: |ids| json!({"name": "third", "previous_version_id": ids["v1"], "version_id": ids["v3"], "note": ""}),
            },
        },
        Step {
            what: "rolls back to v1",
            by: Admin,
            call: |ids| {
                Post(
                    format!("/api/v1/apps/{}/versions/{}/release", ids["app"], ids["v1"]),
                    json!({"note": "rollback"}),
                )
            },
            status: 200,
            keep: keep_nothing,
            records: Entry {
                actor: ADMIN_EMAIL,
                action: "version.release",
                target: |ids| format!("version:{}", ids["v1"]),
                details: |ids| json!({"name": "first", "previous_version_id": ids["v3"], "version_id": ids["v1"], "note": "rollback"}),
            },
        },
        Step {
            what: "deletes v3, no longer released",
            by: Admin,
            call: |ids| {
                Delete(format!(
                    "/api/v1/apps/{}/versions/{}",
                    ids["app"], ids["v3"]
                ))
            },
            status: 204,
            keep: keep_nothing,
            records: Entry {
                actor: ADMIN_EMAIL,
                action: "version.delete",
                target: |ids| format!("version:{}", ids["v3"]),
                details: |_| json!({"name": "third", "environment": "production"}),
            },
        },
        // Groups, members and permissions.
        Step {
            what: "creates a group",
            by: Admin,
            call: |_| Post("/api/v1/groups".into(), json!({"name": "QA"})),
            status: 201,
            keep: |ids, v| {
                ids.insert("group", id_of(v));
            },
            records: Entry {
                actor: ADMIN_EMAIL,
                action: "group.create",
                target: |ids| format!("group:{}", ids["group"]),
                details: |_| json!({"name": "QA"}),
            },
        },
        Step {
            what: "a duplicate group name (409)",
            by: Admin,
            call: |_| Post("/api/v1/groups".into(), json!({"name": "qa"})),
            status: 409,
            keep: keep_nothing,
            records: Nothing,
        },
        Step {
            what: "renames it and gives it the promote flag",
            by: Admin,
            call: |ids| {
                Patch(
                    format!("/api/v1/groups/{}", ids["group"]),
                    json!({"name": "Quality", "flags": {"promote": true}}),
                )
            },
            status: 200,
            keep: keep_nothing,
            records: Entry {
                actor: ADMIN_EMAIL,
                action: "group.update",
                target: |ids| format!("group:{}", ids["group"]),
                details: |_| {
                    let mut to = no_flags();
                    to["promote"] = json!(true);
                    json!({"name": {"from": "QA", "to": "Quality"}, "flags": {"from": no_flags(), "to": to}})
                },
            },
        },
        Step {
            what: "a group change that changes nothing",
            by: Admin,
            call: |ids| {
                Patch(
                    format!("/api/v1/groups/{}", ids["group"]),
                    json!({"name": "Quality", "flags": {"promote": true}}),
                )
            },
            status: 200,
            keep: keep_nothing,
            records: Nothing,
        },
        Step {
            what: "adds Bob to it",
            by: Admin,
            call: |ids| {
                Put(
                    format!("/api/v1/groups/{}/members/{}", ids["group"], ids["bob"]),
                    json!({}),
                )
            },
            status: 204,
            keep: keep_nothing,
            records: Entry {
                actor: ADMIN_EMAIL,
                action: "group.member_add",
                target: |ids| format!("group:{}", ids["group"]),
                details: |ids| json!({"group": "Quality", "user_id": ids["bob"], "email": BOB}),
            },
        },
        Step {
            what: "adding him again changes nothing",
            by: Admin,
            call: |ids| {
                Put(
                    format!("/api/v1/groups/{}/members/{}", ids["group"], ids["bob"]),
                    json!({}),
                )
            },
            status: 204,
            keep: keep_nothing,
            records: Nothing,
        },
        Step {
            what: "grants the group view in staging, hidden",
            by: Admin,
            call: |ids| {
                Post(
                    format!("/api/v1/groups/{}/app-permissions", ids["group"]),
                    json!({"apps": [ids["app"]], "access": "view", "environments": ["staging"], "hide_from_dashboard": true}),
                )
            },
            status: 201,
            keep: |ids, v| {
                ids.insert("perm1", id_of(v));
            },
            records: Entry {
                actor: ADMIN_EMAIL,
                action: "permission.grant",
                target: |ids| format!("group:{}", ids["group"]),
                details: |ids| {
                    json!({"group": "Quality", "permission": {
                    "id": ids["perm1"], "apps": [ids["app"]], "access": "view",
                    "environments": ["staging"], "hide_from_dashboard": true}})
                },
            },
        },
        Step {
            what: "grants the group edit on the app",
            by: Admin,
            call: |ids| {
                Post(
                    format!("/api/v1/groups/{}/app-permissions", ids["group"]),
                    json!({"apps": [ids["app"]], "access": "edit"}),
                )
            },
            status: 201,
            keep: |ids, v| {
                ids.insert("perm2", id_of(v));
            },
            records: Entry {
                actor: ADMIN_EMAIL,
                action: "permission.grant",
                target: |ids| format!("group:{}", ids["group"]),
                details: |ids| {
                    json!({"group": "Quality", "permission": {
                    "id": ids["perm2"], "apps": [ids["app"]], "access": "edit",
                    "environments": [], "hide_from_dashboard": false}})
                },
            },
        },
        Step {
            what: "a grant with a bad access (422)",
            by: Admin,
            call: |ids| {
                Post(
                    format!("/api/v1/groups/{}/app-permissions", ids["group"]),
                    json!({"apps": "all", "access": "own"}),
                )
            },
            status: 422,
            keep: keep_nothing,
            records: Nothing,
        },
        Step {
            what: "revokes the view permission",
            by: Admin,
            call: |ids| {
                Delete(format!(
                    "/api/v1/groups/{}/app-permissions/{}",
                    ids["group"], ids["perm1"]
                ))
            },
            status: 204,
            keep: keep_nothing,
            records: Entry {
                actor: ADMIN_EMAIL,
                action: "permission.revoke",
                target: |ids| format!("group:{}", ids["group"]),
                details: |ids| json!({"group": "Quality", "permission_id": ids["perm1"]}),
            },
        },
        Step {
            what: "revoking it again (404)",
            by: Admin,
            call: |ids| {
                Delete(format!(
                    "/api/v1/groups/{}/app-permissions/{}",
                    ids["group"], ids["perm1"]
                ))
            },
            status: 404,
            keep: keep_nothing,
            records: Nothing,
        },
        Step {
            what: "deletes the app, and the permission that listed only it",
            by: Admin,
            call: |ids| Delete(format!("/api/v1/apps/{}", ids["app"])),
            status: 204,
            keep: keep_nothing,
            records: Entry {
                actor: ADMIN_EMAIL,
                action: "app.delete",
                target: |ids| format!("app:{}", ids["app"]),
                details: |ids| json!({"name": "Orders Admin", "slug": "orders", "deleted_permission_ids": [ids["perm2"]]}),
            },
        },
        Step {
            what: "removes Bob from the group",
            by: Admin,
            call: |ids| {
                Delete(format!(
                    "/api/v1/groups/{}/members/{}",
                    ids["group"], ids["bob"]
                ))
            },
            status: 204,
            keep: keep_nothing,
            records: Entry {
                actor: ADMIN_EMAIL,
                action: "group.member_remove",
                target: |ids| format!("group:{}", ids["group"]),
                details: |ids| json!({"group": "Quality", "user_id": ids["bob"], "email": BOB}),
            },
        },
        Step {
            what: "removing him again changes nothing",
            by: Admin,
            call: |ids| {
                Delete(format!(
                    "/api/v1/groups/{}/members/{}",
                    ids["group"], ids["bob"]
                ))
            },
            status: 204,
            keep: keep_nothing,
            records: Nothing,
        },
        Step {
            what: "deletes the group",
            by: Admin,
            call: |ids| Delete(format!("/api/v1/groups/{}", ids["group"])),
            status: 204,
            keep: keep_nothing,
            records: Entry {
                actor: ADMIN_EMAIL,
                action: "group.delete",
                target: |ids| format!("group:{}", ids["group"]),
                details: |_| json!({"name": "Quality"}),
            },
        },
        // Constants (C1–C3): a secret's value never reaches the log.
        Step {
            what: "Bob creates a global constant",
            by: Bob,
            call: |_| {
                Post(
                    "/api/v1/constants".into(),
                    json!({"name": "REGION", "type": "global", "values": {"development": "eu", "staging": "us"}}),
                )
            },
            status: 201,
            keep: |ids, v| {
                ids.insert("region", id_of(v));
            },
            records: Entry {
                actor: BOB,
                action: "constant.create",
                target: |ids| format!("constant:{}", ids["region"]),
                details: |_| json!({"name": "REGION", "type": "global", "values": {"development": "eu", "staging": "us"}}),
            },
        },
        Step {
            what: "the same global again (409)",
            by: Bob,
            call: |_| {
                Post(
                    "/api/v1/constants".into(),
                    json!({"name": "REGION", "type": "global"}),
                )
            },
            status: 409,
            keep: keep_nothing,
            records: Nothing,
        },
        Step {
            what: "the admin creates a secret",
            by: Admin,
            call: |_| {
                Post(
                    "/api/v1/constants".into(),
                    json!({"name": "API_KEY", "type": "secret", "values": {"production": "s3cret-prod-key"}}),
                )
            },
            status: 201,
            keep: |ids, v| {
                ids.insert("api_key", id_of(v));
            },
            records: Entry {
                actor: ADMIN_EMAIL,
                action: "constant.create",
                target: |ids| format!("constant:{}", ids["api_key"]),
                details: |_| json!({"name": "API_KEY", "type": "secret", "values": {"production": "********"}}),
            },
        },
        Step {
            what: "a constant by nobody (401)",
            by: Stranger,
            call: |_| {
                Post(
                    "/api/v1/constants".into(),
                    json!({"name": "X", "type": "global"}),
                )
            },
            status: 401,
            keep: keep_nothing,
            records: Nothing,
        },
        Step {
            what: "the secret sent back masked keeps its value",
            by: Admin,
            call: |ids| {
                Put(
                    format!("/api/v1/constants/{}/values/production", ids["api_key"]),
                    json!({"value": "********"}),
                )
            },
            status: 200,
            keep: keep_nothing,
            records: Nothing,
        },
        Step {
            what: "a global's production value",
            by: Admin,
            call: |ids| {
                Put(
                    format!("/api/v1/constants/{}/values/production", ids["region"]),
                    json!({"value": "ap"}),
                )
            },
            status: 200,
            keep: keep_nothing,
            records: Entry {
                actor: ADMIN_EMAIL,
                action: "constant.set_value",
                target: |ids| format!("constant:{}", ids["region"]),
                details: |_| json!({"name": "REGION", "type": "global", "environment": "production", "value": "ap"}),
            },
        },
        Step {
            what: "a secret's staging value",
            by: Admin,
            call: |ids| {
                Put(
                    format!("/api/v1/constants/{}/values/staging", ids["api_key"]),
                    json!({"value": "another-secret"}),
                )
            },
            status: 200,
            keep: keep_nothing,
            records: Entry {
                actor: ADMIN_EMAIL,
                action: "constant.set_value",
                target: |ids| format!("constant:{}", ids["api_key"]),
                details: |_| json!({"name": "API_KEY", "type": "secret", "environment": "staging", "value": "********"}),
            },
        },
        Step {
            what: "deletes the global's staging value",
            by: Admin,
            call: |ids| {
                Delete(format!(
                    "/api/v1/constants/{}/values/staging",
                    ids["region"]
                ))
            },
            status: 204,
            keep: keep_nothing,
            records: Entry {
                actor: ADMIN_EMAIL,
                action: "constant.delete_value",
                target: |ids| format!("constant:{}", ids["region"]),
                details: |_| json!({"name": "REGION", "type": "global", "environment": "staging"}),
            },
        },
        Step {
            what: "deleting it again (404)",
            by: Admin,
            call: |ids| {
                Delete(format!(
                    "/api/v1/constants/{}/values/staging",
                    ids["region"]
                ))
            },
            status: 404,
            keep: keep_nothing,
            records: Nothing,
        },
        Step {
            what: "deletes the secret",
            by: Admin,
            call: |ids| Delete(format!("/api/v1/constants/{}", ids["api_key"])),
            status: 204,
            keep: keep_nothing,
            records: Entry {
                actor: ADMIN_EMAIL,
                action: "constant.delete",
                target: |ids| format!("constant:{}", ids["api_key"]),
                details: |_| json!({"name": "API_KEY", "type": "secret"}),
            },
        },
        // Data sources (D1–D3): a secret option never reaches the log.
        Step {
            what: "Bob creates a data source",
            by: Bob,
            call: |_| {
                Post(
                    "/api/v1/data-sources".into(),
                    json!({"name": "Orders DB", "kind": "postgresql", "environments": {"staging": {"host": "db", "database": "orders", "username": "app", "password": "ds-pass-Secret"}}}),
                )
            },
            status: 201,
            keep: |ids, v| {
                ids.insert("source", id_of(v));
            },
            records: Entry {
                actor: BOB,
                action: "data_source.create",
                target: |ids| format!("data_source:{}", ids["source"]),
                details: |_| json!({"name": "Orders DB", "kind": "postgresql", "environments": ["staging"]}),
            },
        },
        Step {
            what: "the admin sets its production options",
            by: Admin,
            call: |ids| {
                Put(
                    format!(
                        "/api/v1/data-sources/{}/environments/production",
                        ids["source"]
                    ),
                    json!({"options": {"host": "db", "database": "orders", "username": "app", "password": "ds-pass-Secret"}}),
                )
            },
            status: 200,
            keep: keep_nothing,
            records: Entry {
                actor: ADMIN_EMAIL,
                action: "data_source.update",
                target: |ids| format!("data_source:{}", ids["source"]),
                details: |_| json!({"name": "Orders DB", "environment": "production", "options": {"host": "db", "port": 5432, "database": "orders", "username": "app", "password": "********", "ssl_mode": "prefer"}, "revision": 1}),
            },
        },
        Step {
            what: "options of another kind (422)",
            by: Admin,
            call: |ids| {
                Put(
                    format!(
                        "/api/v1/data-sources/{}/environments/production",
                        ids["source"]
                    ),
                    json!({"options": {"file": "x.db"}}),
                )
            },
            status: 422,
            keep: keep_nothing,
            records: Nothing,
        },
        Step {
            what: "deletes the data source",
            by: Admin,
            call: |ids| Delete(format!("/api/v1/data-sources/{}", ids["source"])),
            status: 204,
            keep: keep_nothing,
            records: Entry {
                actor: ADMIN_EMAIL,
                action: "data_source.delete",
                target: |ids| format!("data_source:{}", ids["source"]),
                details: |_| json!({"name": "Orders DB", "kind": "postgresql"}),
            },
        },
        Step {
            what: "Bob signs out",
            by: Bob,
            call: |_| Post("/api/v1/auth/logout".into(), json!({})),
            status: 204,
            keep: keep_nothing,
            records: Entry {
                actor: BOB,
                action: "auth.logout",
                target: |ids| format!("user:{}", ids["bob"]),
                details: |_| json!({}),
            },
        },
        Step {
            what: "signing out without a session (401)",
            by: Bob,
            call: |_| Post("/api/v1/auth/logout".into(), json!({})),
            status: 401,
            keep: keep_nothing,
            records: Nothing,
        },
    ]
}

/// The entries after `after` (an audit id), oldest first:
/// (id, actor, action, target, details).
async fn entries_after(
    app: &TestApp,
    after: i64,
) -> Vec<(i64, Option<String>, String, String, Value)> {
    sqlx::query(
        "SELECT id, actor, action, target, details FROM audit_log WHERE id > $1 ORDER BY id",
    )
    .bind(after)
    .fetch_all(&app.db.pool)
    .await
    .unwrap()
    .iter()
    .map(|r| {
        (
            r.get::<i64, _>("id"),
            r.get::<Option<String>, _>("actor"),
            r.get::<String, _>("action"),
            r.get::<String, _>("target"),
            serde_json::from_str(&r.get::<String, _>("details")).expect("details are JSON"),
        )
    })
    .collect()
}

async fn l1_every_use_case_records_its_exact_entry(b: Backend) {
    let app = spawn_app(b).await;
    let (admin, bob, stranger) = (client(), client(), client());
    let mut ids = Ids::new();
    let mut last = 0_i64;
    let mut seen = BTreeSet::new();
    for step in the_steps() {
        let c = match step.by {
            By::Admin => &admin,
            By::Bob => &bob,
            By::Stranger => &stranger,
        };
        let r = match (step.call)(&ids) {
            Call::Post(path, body) => app.post(c, &path, body).await,
            Call::Put(path, body) => app.put(c, &path, body).await,
            Call::Patch(path, body) => app.patch(c, &path, body).await,
            Call::Delete(path) => app.delete(c, &path).await,
        };
        let status = r.status().as_u16();
        let raw = r.bytes().await.unwrap();
        let body: Value = serde_json::from_slice(&raw).unwrap_or(Value::Null);
        assert_eq!(status, step.status, "{}: {body}", step.what);
        (step.keep)(&mut ids, &body);
        let new = entries_after(&app, last).await;
        match step.records {
            Records::Nothing => {
                let actions: Vec<&str> = new.iter().map(|e| e.2.as_str()).collect();
                assert!(new.is_empty(), "{} recorded {actions:?}", step.what);
            }
            Records::Entry {
                actor,
                action,
                target,
                details,
            } => {
                assert_eq!(new.len(), 1, "{}: one entry", step.what);
                let (id, got_actor, got_action, got_target, got_details) = &new[0];
                assert_eq!(got_action, action, "{}", step.what);
                assert_eq!(got_actor.as_deref(), Some(actor), "{}", step.what);
                assert_eq!(*got_target, target(&ids), "{}", step.what);
                assert_eq!(*got_details, details(&ids), "{}", step.what);
                last = *id;
                seen.insert(action);
            }
        }
    }
    // The table ran every action L1 names for today's use cases.
    assert_eq!(seen, L1_ACTIONS.into_iter().collect::<BTreeSet<_>>());

    // The API reads the same entries, newest first, with no secret.
    let page: Value = app
        .get(&admin, "/api/v1/audit?limit=500")
        .await
        .json()
        .await
        .unwrap();
    let mut stored = entries_after(&app, 0).await;
    stored.reverse();
    let listed: Vec<(String, String, Value)> = page["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap().to_string(),
                e["target"].as_str().unwrap().to_string(),
                e["details"].clone(),
            )
        })
        .collect();
    let expected: Vec<(String, String, Value)> = stored
        .into_iter()
        .map(|(_, _, action, target, details)| (action, target, details))
        .collect();
    assert_eq!(listed, expected);
    let text = page.to_string();
    for secret in [
        ADMIN_PASSWORD,
        BOB_PASSWORD,
        "not-his-password",
        "whatever-it-is",
        "s3cret-prod-key",
        "another-secret",
        "ds-pass-Secret",
    ] {
        assert!(!text.contains(secret), "a password in the audit");
    }
}

/// The actions `GET /audit?{query}` lists, newest first.
async fn listed(app: &TestApp, c: &reqwest::Client, query: &str) -> Vec<String> {
    let r = app.get(c, &format!("/api/v1/audit?{query}")).await;
    assert_eq!(r.status(), 200, "{query}");
    let page: Value = r.json().await.unwrap();
    page["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_string())
        .collect()
}

/// Three entries at known times, on 1 and 2 January 2020 (UTC).
async fn insert_fixtures(app: &TestApp) {
    for (at, action) in [
        ("2020-01-01T00:00:00.000000Z", "fixture.early"),
        ("2020-01-01T12:00:00.000000Z", "fixture.noon"),
        ("2020-01-02T00:00:00.000000Z", "fixture.late"),
    ] {
        sqlx::query(
            "INSERT INTO audit_log (at, actor, action, target, details) \
             VALUES ($1, 'fixture', $2, 'fixture', '{}')",
        )
        .bind(at)
        .bind(action)
        .execute(&app.db.pool)
        .await
        .unwrap();
    }
}

async fn l2_from_and_to_filter_by_time(b: Backend) {
    let app = spawn_app(b).await;
    let admin = app.admin().await;
    insert_fixtures(&app).await;
    let cases: [(&str, &[&str]); 10] = [
        // `from` inclusive, `to` exclusive.
        (
            "from=2020-01-01T12:00:00Z&to=2020-01-02T00:00:00Z",
            &["fixture.noon"],
        ),
        (
            "from=2020-01-01T12:00:00.000001Z&to=2021-01-01T00:00:00Z",
            &["fixture.late"],
        ),
        ("to=2020-01-01T12:00:00Z", &["fixture.early"]),
        ("from=2020-01-01T00:00:00Z&to=2020-01-01T00:00:00Z", &[]),
        (
            "from=2020-01-01T00:00:00Z&to=2020-01-01T00:00:00.000001Z",
            &["fixture.early"],
        ),
        // Other offsets are converted to UTC (`+` percent-encoded).
        (
            "from=2020-01-01T13:00:00%2B01:00&to=2020-01-01T19:00:00-05:00",
            &["fixture.noon"],
        ),
        (
            "from=2019-12-31T23:00:00-01:00&to=2020-01-01T00:00:01Z",
            &["fixture.early"],
        ),
        // Later than `to` and earlier than `from`: nothing, not an error.
        ("from=2020-01-02T00:00:00Z&to=2020-01-01T00:00:00Z", &[]),
        // With the other filters.
        (
            "from=2020-01-01T06:00:00Z&action=fixture.late",
            &["fixture.late"],
        ),
        (
            "from=2020-01-01T00:00:00Z&to=2021-01-01T00:00:00Z",
            &["fixture.late", "fixture.noon", "fixture.early"],
        ),
    ];
    for (query, expected) in cases {
        assert_eq!(listed(&app, &admin, query).await, expected, "{query}");
    }
    // A stored time read back as a bound: in with `from`, out with `to`.
    let setup: Value = app
        .get(&admin, "/api/v1/audit?action=auth.setup")
        .await
        .json()
        .await
        .unwrap();
    let at = setup["entries"][0]["at"].as_str().unwrap().to_string();
    assert_eq!(
        listed(&app, &admin, &format!("from={at}")).await,
        ["auth.setup"]
    );
    assert_eq!(
        listed(&app, &admin, &format!("to={at}")).await,
        ["fixture.late", "fixture.noon", "fixture.early"]
    );
    // Paging keeps the time filter.
    let range = "from=2020-01-01T00:00:00Z&to=2021-01-01T00:00:00Z";
    let p1: Value = app
        .get(&admin, &format!("/api/v1/audit?{range}&limit=2"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(p1["entries"].as_array().unwrap().len(), 2);
    let next = p1["next"].as_str().unwrap();
    assert_eq!(
        listed(&app, &admin, &format!("{range}&limit=2&before={next}")).await,
        ["fixture.early"]
    );

    // Bad times name their field; the first bad one in API.md's order.
    for (query, field) in [
        ("from=yesterday", "from"),
        ("to=yesterday", "to"),
        ("from=2020-01-01", "from"),
        ("from=2020-01-01T12:00", "from"),
        ("to=2020-13-01T00:00:00Z", "to"),
        ("from=", "from"),
        ("from=yesterday&to=tomorrow", "from"),
        ("to=tomorrow&before=abc", "to"),
        ("before=abc&limit=0", "before"),
    ] {
        assert_error(
            app.get(&admin, &format!("/api/v1/audit?{query}")).await,
            422,
            "invalid",
            Some(field),
        )
        .await;
    }
    // The admin check answers first (403 before 422).
    let (_, bob) = app.user(&admin, BOB, "builder").await;
    assert_error(
        app.get(&bob, "/api/v1/audit?from=yesterday").await,
        403,
        "forbidden",
        None,
    )
    .await;
}

async fn l2_the_page_filters_by_time(b: Backend) {
    let app = spawn_app(b).await;
    let admin = app.admin().await;
    insert_fixtures(&app).await;
    // What a `datetime-local` input sends (no zone: UTC), with and without
    // seconds; RFC 3339 works on the page too. Empty inputs filter nothing.
    for (query, shown) in [
        ("from=2020-01-01T12:00&to=2020-01-02T00:00", "fixture.noon"),
        (
            "from=2020-01-01T12:00:00&to=2020-01-01T12:00:01",
            "fixture.noon",
        ),
        (
            "from=2020-01-01T00:00:00Z&to=2020-01-01T00:00:00.000001Z",
            "fixture.early",
        ),
        ("from=2020-01-02T00:00&to=", "fixture.late"),
    ] {
        let r = app.page(&admin, &format!("/admin/audit?{query}")).await;
        assert_eq!(r.status(), 200, "{query}");
        let html = r.text().await.unwrap();
        for fixture in ["fixture.early", "fixture.noon", "fixture.late"] {
            assert_eq!(
                html.contains(fixture),
                fixture == shown,
                "{fixture} for {query}"
            );
        }
    }
    let html = app
        .page(&admin, "/admin/audit?app_id=&user_id=&action=&from=&to=")
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("fixture.early") && html.contains("auth.setup"));
    // A bad time is an error naming the field, on the page as in the API.
    let html = app
        .page(&admin, "/admin/audit?from=yesterday")
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("from must be an RFC 3339 time"), "{html}");
    assert!(!html.contains("fixture.noon"));
}

#[test]
fn l2_one_parser_of_times_for_both_doors() {
    use app::backend::clock::parse_time;
    for (raw, page_only, stored) in [
        ("2020-01-01T12:00:00Z", false, "2020-01-01T12:00:00.000000Z"),
        (
            "2020-01-01T12:00:00.5Z",
            false,
            "2020-01-01T12:00:00.500000Z",
        ),
        (
            "2020-01-01T13:30:00+01:30",
            false,
            "2020-01-01T12:00:00.000000Z",
        ),
        (
            "2019-12-31T23:00:00-13:00",
            false,
            "2020-01-01T12:00:00.000000Z",
        ),
        (
            "2020-01-01T12:00:00.1234567Z",
            false,
            "2020-01-01T12:00:00.123456Z",
        ),
        ("2020-01-01T12:00", true, "2020-01-01T12:00:00.000000Z"),
        ("2020-01-01T12:00:07", true, "2020-01-01T12:00:07.000000Z"),
        (
            "2020-01-01T12:00:07.25",
            true,
            "2020-01-01T12:00:07.250000Z",
        ),
    ] {
        assert_eq!(parse_time("from", raw, true).unwrap(), stored, "{raw}");
        let api = parse_time("from", raw, false);
        if page_only {
            assert_eq!(api.unwrap_err().field.as_deref(), Some("from"), "{raw}");
        } else {
            assert_eq!(api.unwrap(), stored, "{raw}");
        }
    }
    for raw in [
        "",
        "yesterday",
        "2020-01-01",
        "2020-01-01 12:00",
        "2020-02-30T12:00:00Z",
        "2020-01-01T25:00:00Z",
    ] {
        for datetime_local in [false, true] {
            let e = parse_time("to", raw, datetime_local).unwrap_err();
            assert_eq!(e.field.as_deref(), Some("to"), "{raw}");
        }
    }
}

#[test]
fn l2_the_next_page_keeps_the_filters_encoded() {
    let href = app::domain::audit::next_page_href(
        "42",
        &[
            ("app_id", None),
            ("action", Some("version.promote".into())),
            ("from", Some("2026-01-31T09:00:00+02:00".into())),
            ("to", Some(String::new())),
        ],
    );
    assert_eq!(
        href,
        "/admin/audit?before=42&action=version.promote&from=2026-01-31T09%3A00%3A00%2B02%3A00"
    );
}
