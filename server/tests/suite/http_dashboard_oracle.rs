//! P6 "hidden from the dashboard" is decided twice: by SQL (the dashboard
//! and `GET /apps` filter in the database, for speed) and by the pure
//! `decide`. Random groups, members, permissions (vanished environments
//! included) and apps, on both databases: the SQL's answer must equal the
//! pure function's for every user.
use crate::both_backends;
use crate::domain_access::envs;
use crate::support::*;
use app::domain::access::{decide, Flags, Grant, GroupFlags, Level, Subject};
use app::domain::user::Role;
use serde_json::Value;
use std::collections::BTreeSet;

both_backends!(p6_dashboard_sql_equals_the_access_function);

/// xorshift64*: reproducible without another dependency.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545F4914F6CDD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

struct Permission {
    group: usize,
    all_apps: bool,
    apps: Vec<usize>,
    edit: bool,
    environments: Vec<&'static str>,
    hide: bool,
}

const GROUPS: [&str; 5] = ["group-builder", "group-end-user", "g1", "g2", "g3"];
const ENVIRONMENT_NAMES: [&str; 6] = [
    "development",
    "staging",
    "production",
    "released",
    "qa",
    "uat",
];

async fn exec(app: &TestApp, sql: &str, binds: &[&str]) {
    let mut q = sqlx::query(sql);
    for b in binds {
        q = q.bind(*b);
    }
    q.execute(&app.db.pool).await.unwrap();
}

async fn p6_dashboard_sql_equals_the_access_function(b: Backend) {
    let app = spawn_app(b).await;
    let admin = app.admin().await;
    let mut users: Vec<(String, Role, reqwest::Client)> = Vec::new();
    for (email, role) in [
        ("b1@x.io", Role::Builder),
        ("b2@x.io", Role::Builder),
        ("e1@x.io", Role::EndUser),
        ("e2@x.io", Role::EndUser),
    ] {
        let (id, c) = app.user(&admin, email, role.as_str()).await;
        users.push((id, role, c));
    }
    for g in &GROUPS[2..] {
        exec(&app, "INSERT INTO groups (id, name, name_key, created_at) VALUES ($1, $1, $1, '2026-12-01T00:00:00.000000Z')", &[g]).await;
    }
    let mut rng = Rng(0x9E3779B97F4A7C15 ^ matches!(b, Backend::Postgres) as u64);
    for round in 0..12 {
        for table in ["app_permissions", "group_members", "apps"] {
            exec(&app, &format!("DELETE FROM {table}"), &[]).await;
        }
        let apps: Vec<(String, usize)> = (0..8)
            .map(|i| (format!("app-{round}-{i}"), rng.below(users.len() + 1)))
            .collect();
        let admin_id: String = users_admin_id(&app).await;
        for (id, creator) in &apps {
            let created_by = users
                .get(*creator)
                .map_or(admin_id.as_str(), |u| u.0.as_str());
            exec(&app, "INSERT INTO apps (id, name, name_key, slug, public, created_by, created_at) VALUES ($1, $1, $1, $1, 0, $2, '2026-12-01T00:00:00.000000Z')", &[id, created_by]).await;
        }
        // Members: any user in any custom group.
        let mut members: Vec<(usize, usize)> = Vec::new();
        for u in 0..users.len() {
            for g in 2..GROUPS.len() {
                if rng.chance(35) {
                    members.push((u, g));
                    exec(
                        &app,
                        "INSERT INTO group_members (group_id, user_id) VALUES ($1, $2)",
                        &[GROUPS[g], &users[u].0],
                    )
                    .await;
                }
            }
        }
        let permissions: Vec<Permission> = (0..rng.below(9))
            .map(|_| Permission {
                group: rng.below(GROUPS.len()),
                all_apps: rng.chance(30),
                apps: (0..apps.len()).filter(|_| rng.chance(30)).collect(),
                edit: rng.chance(50),
                environments: ENVIRONMENT_NAMES
                    .iter()
                    .copied()
                    .filter(|_| rng.chance(25))
                    .collect(),
                hide: rng.chance(40),
            })
            .filter(|p| p.all_apps || !p.apps.is_empty())
            .collect();
        for (i, p) in permissions.iter().enumerate() {
            let pid = format!("p-{round}-{i}");
            let sql = format!(
                "INSERT INTO app_permissions (id, group_id, all_apps, access, hide_from_dashboard, created_at) \
                 VALUES ($1, $2, {}, $3, {}, '2026-12-01T00:00:00.000000Z')",
                p.all_apps as i64, p.hide as i64
            );
            exec(
                &app,
                &sql,
                &[&pid, GROUPS[p.group], if p.edit { "edit" } else { "view" }],
            )
            .await;
            for a in p.apps.iter().filter(|_| !p.all_apps) {
                exec(
                    &app,
                    "INSERT INTO app_permission_apps (permission_id, app_id) VALUES ($1, $2)",
                    &[&pid, &apps[*a].0],
                )
                .await;
            }
            for e in &p.environments {
                exec(&app, "INSERT INTO app_permission_environments (permission_id, environment) VALUES ($1, $2)", &[&pid, e]).await;
            }
        }
        // What the servers hold in memory is old now.
        app.changed_outside().await;

        for (u, (_, role, client)) in users.iter().enumerate() {
            let role_group = if *role == Role::Builder { 0 } else { 1 };
            let in_group = |g: usize| g == role_group || members.contains(&(u, g));
            let groups: Vec<GroupFlags> = (0..GROUPS.len())
                .filter(|g| in_group(*g))
                .map(|g| GroupFlags {
                    group_name: GROUPS[g].into(),
                    flags: Flags::NONE,
                })
                .collect();
            let expected: BTreeSet<String> = apps
                .iter()
                .enumerate()
                .filter(|(a, (_, creator))| {
                    let grants: Vec<Grant> = permissions
                        .iter()
                        .filter(|p| in_group(p.group) && (p.all_apps || p.apps.contains(a)))
                        .map(|p| Grant {
                            permission_id: String::new(),
                            group_name: GROUPS[p.group].into(),
                            all_apps: p.all_apps,
                            access: if p.edit { Level::Edit } else { Level::View },
                            environments: p.environments.iter().map(|e| e.to_string()).collect(),
                            hide_from_dashboard: p.hide,
                        })
                        .collect();
                    let subject = Subject {
                        role: *role,
                        is_creator: *creator == u,
                        groups: &groups,
                        grants: &grants,
                    };
                    !decide(&subject, &envs()).hidden
                })
                .map(|(_, (id, _))| id.clone())
                .collect();
            let listed: Value = app.get(client, "/api/v1/apps").await.json().await.unwrap();
            let got: BTreeSet<String> = listed
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a["id"].as_str().unwrap().to_string())
                .collect();
            assert_eq!(got, expected, "round {round}, user {u} ({role:?})");
        }
    }
}

async fn users_admin_id(app: &TestApp) -> String {
    use sqlx::Row;
    sqlx::query("SELECT id FROM users WHERE role = 'admin'")
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
        .get("id")
}
