//! The server contract of the released binary: configuration from the
//! environment, migrations at start, a SQLite file in the data folder by
//! default, a clean stop on SIGTERM.
use crate::both_backends;
use crate::support::*;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

both_backends!(
    binary_starts_migrates_serves_and_stops_on_sigterm,
    s1_killed_mid_lifecycle_every_invariant_holds,
    d3_the_key_file_is_private_and_another_key_stops_the_server,
    s7_fifty_simultaneous_sign_ins_keep_the_server_small,
);

/// A loopback stand-in for a PostgreSQL server: asks every client for a
/// cleartext password and keeps all the bytes each one sent.
async fn fake_postgres() -> (u16, std::sync::Arc<std::sync::Mutex<Vec<u8>>>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let kept = seen.clone();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let kept = kept.clone();
            tokio::spawn(async move {
                let mut buf = [0u8; 4096];
                let mut asked = false;
                loop {
                    let read = tokio::time::timeout(Duration::from_secs(3), socket.read(&mut buf));
                    match read.await {
                        Ok(Ok(n)) if n > 0 => {
                            kept.lock().unwrap().extend_from_slice(&buf[..n]);
                            if !asked {
                                // AuthenticationCleartextPassword.
                                let _ = socket.write_all(&[b'R', 0, 0, 0, 8, 0, 0, 0, 3]).await;
                                asked = true;
                            }
                        }
                        _ => break,
                    }
                }
            });
        }
    });
    (port, seen)
}

/// D9: the server's own PostgreSQL settings (PGPASSWORD, PGUSER,
/// PGDATABASE, a password file) never reach a data source, and the ones
/// sqlx cannot leave out (PGSSLKEY) refuse the connection by name. On the
/// SQLite product database only: on PostgreSQL these variables would set
/// up the product's own connection, which is the operator's to choose.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn d9_a_data_source_uses_none_of_the_servers_pg_settings() {
    let pg: Option<TestApp> = None;
    let passfile = std::env::temp_dir().join(format!("pgpass-{}", uuid::Uuid::new_v4().simple()));
    std::fs::write(&passfile, "*:*:*:*:ambient-passfile-secret\n").unwrap();
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&passfile, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    let passfile = passfile.to_string_lossy().to_string();
    let (fake_port, seen) = fake_postgres().await;
    for (settings, refused_by) in [
        (
            vec![
                ("PGPASSWORD", "ambient-pg-secret"),
                ("PGUSER", "ambient-user"),
                ("PGDATABASE", "ambient-db"),
                ("PGPASSFILE", passfile.as_str()),
                ("PGAPPNAME", "ambient-app"),
            ],
            None,
        ),
        (vec![("PGSSLKEY", "/nonexistent/key.pem")], Some("PGSSLKEY")),
    ] {
        seen.lock().unwrap().clear();
        let dir =
            std::env::temp_dir().join(format!("stagecraft-d9-{}", uuid::Uuid::new_v4().simple()));
        let port = free_port();
        let mut child = start_binary_with(port, &dir, pg.as_ref(), &settings);
        let base = format!("http://127.0.0.1:{port}");
        let c = client();
        wait_until_up(&c, &base).await;
        set_up(&c, &base).await;
        let name = format!("Fake{}", uuid::Uuid::new_v4().simple());
        let made: serde_json::Value = c
            .post(format!("{base}/api/v1/data-sources"))
            .json(&serde_json::json!({"name": name, "kind": "postgresql", "environments": {"development":
                {"host": "127.0.0.1", "port": fake_port, "database": "orders", "username": "app", "ssl_mode": "disable"}}}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let id = made["id"].as_str().unwrap_or_else(|| panic!("{made}"));
        let outcome: serde_json::Value = c
            .post(format!(
                "{base}/api/v1/data-sources/{id}/environments/development/test"
            ))
            .json(&serde_json::json!({}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let _ = child.kill();
        let _ = child.wait();
        let _ = std::fs::remove_dir_all(&dir);
        assert_eq!(outcome["ok"], false, "{outcome}");
        let sent = String::from_utf8_lossy(&seen.lock().unwrap()).to_string();
        match refused_by {
            Some(var) => {
                let message = outcome["message"].as_str().unwrap();
                assert!(message.contains(var), "{message}");
                assert!(sent.is_empty(), "nothing is sent: {sent:?}");
            }
            None => {
                assert!(sent.contains("app") && sent.contains("orders"), "{sent:?}");
                for ambient in [
                    "ambient-pg-secret",
                    "ambient-user",
                    "ambient-db",
                    "ambient-passfile-secret",
                    "ambient-app",
                ] {
                    assert!(!sent.contains(ambient), "{ambient} was sent: {sent:?}");
                }
            }
        }
    }
    let _ = std::fs::remove_file(&passfile);
}

/// Sets up the binary at `base` with the admin Ada, signing `c` in.
async fn set_up(c: &reqwest::Client, base: &str) {
    let r = c
        .post(format!("{base}/api/v1/setup"))
        .json(&serde_json::json!({"name": "Ada", "email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
}

/// The most memory the process `pid` has held, in kB (VmHWM).
fn peak_rss_kb(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmHWM in /proc/PID/status")
}

/// S7: fifty sign-ins at once, each from its own address behind a trusted
/// proxy so none is throttled before its password check. argon2 takes
/// 19 MiB per hash: unbounded, the fifty would take about a gigabyte; a
/// few at once keep the peak within 200 MB of the server at rest.
async fn s7_fifty_simultaneous_sign_ins_keep_the_server_small(b: Backend) {
    let dir = std::env::temp_dir().join(format!("stagecraft-s7-{}", uuid::Uuid::new_v4().simple()));
    let pg = match b {
        Backend::Sqlite => None,
        Backend::Postgres => Some(spawn_app(Backend::Postgres).await),
    };
    let port = free_port();
    let mut child = start_binary_with(
        port,
        &dir,
        pg.as_ref(),
        &[("STAGECRAFT_TRUSTED_PROXIES", "127.0.0.1")],
    );
    let base = format!("http://127.0.0.1:{port}");
    let c = client();
    wait_until_up(&c, &base).await;
    set_up(&c, &base).await;
    // One sign-in first: the dummy hash and the pools are made.
    let _ = c
        .post(format!("{base}/api/v1/auth/login"))
        .json(&serde_json::json!({"email": "warm@example.com", "password": "wrong password"}))
        .send()
        .await
        .unwrap();
    let at_rest = peak_rss_kb(child.id());
    let attempts = (0..50).map(|i| {
        let (c, base) = (c.clone(), base.clone());
        async move {
            c.post(format!("{base}/api/v1/auth/login"))
                .header("x-forwarded-for", format!("198.51.100.{}", i + 2))
                .json(&serde_json::json!({"email": format!("nobody{i}@example.com"), "password": "wrong password"}))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    });
    let statuses = futures::future::join_all(attempts).await;
    let peak = peak_rss_kb(child.id());
    let _ = child.kill();
    let _ = child.wait();
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        statuses.iter().all(|s| *s == 401 || *s == 429),
        "{statuses:?}"
    );
    assert!(
        statuses.iter().filter(|s| **s == 401).count() >= 4,
        "some reached the password check: {statuses:?}"
    );
    eprintln!("peak RSS: {at_rest} kB at rest, {peak} kB after 50 simultaneous sign-ins");
    assert!(
        peak - at_rest < 200 * 1024,
        "peak RSS grew by {} kB under 50 sign-ins",
        peak - at_rest
    );
}

/// The release binary on `port` with `data_dir` and, for PostgreSQL, the
/// database of `pg`.
fn start_binary(
    port: u16,
    data_dir: &std::path::Path,
    pg: Option<&TestApp>,
) -> std::process::Child {
    start_binary_with(port, data_dir, pg, &[])
}

/// `start_binary` with settings of its own.
fn start_binary_with(
    port: u16,
    data_dir: &std::path::Path,
    pg: Option<&TestApp>,
    settings: &[(&str, &str)],
) -> std::process::Child {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_server"));
    cmd.envs(settings.iter().copied());
    cmd.current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
        .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
        .env("STAGECRAFT_DATA_DIR", data_dir)
        .env_remove("DATABASE_URL")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    if let Some(app) = pg {
        // Another instance of the test's database: the same master key.
        let key = std::fs::read_to_string(app.data_dir.join("master.key")).unwrap();
        cmd.env("DATABASE_URL", app.database_url())
            .env("STAGECRAFT_MASTER_KEY", key.trim());
    }
    cmd.spawn().expect("the server binary starts")
}

async fn wait_until_up(c: &reqwest::Client, url: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while c
        .get(format!("{url}/api/v1/environments"))
        .send()
        .await
        .is_err()
    {
        assert!(
            Instant::now() < deadline,
            "the server did not answer within 30 s"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn binary_starts_migrates_serves_and_stops_on_sigterm(b: Backend) {
    let dir =
        std::env::temp_dir().join(format!("stagecraft-bin-{}", uuid::Uuid::new_v4().simple()));
    let port = free_port();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_server"));
    cmd.current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
        .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
        .env("STAGECRAFT_DATA_DIR", &dir)
        .env_remove("DATABASE_URL")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    // PostgreSQL: a database of its own, made the way a test app makes one.
    let pg_app = match b {
        Backend::Sqlite => None,
        Backend::Postgres => {
            let app = spawn_app(Backend::Postgres).await;
            Some(app)
        }
    };
    if let Some(app) = &pg_app {
        // A second instance of that database: the same master key.
        let key = std::fs::read_to_string(app.data_dir.join("master.key")).unwrap();
        cmd.env("DATABASE_URL", app.database_url())
            .env("STAGECRAFT_MASTER_KEY", key.trim());
    }
    let mut child = cmd.spawn().expect("the server binary starts");
    let url = format!("http://127.0.0.1:{port}");
    let c = client();
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Ok(r) = c.get(format!("{url}/api/v1/environments")).send().await {
            break r.status();
        }
        assert!(
            Instant::now() < deadline,
            "the server did not answer within 30 s"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(status, 401, "migrated and serving");
    let r = c.get(format!("{url}/login")).send().await.unwrap();
    assert!(r.status() == 200 || r.status() == 302);
    let css = c
        .get(format!("{url}/pkg/stagecraft.css"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        css.status(),
        200,
        "static files are served from target/site"
    );
    if matches!(b, Backend::Sqlite) {
        assert!(
            dir.join("stagecraft.db").exists(),
            "the default database is a SQLite file in the data folder"
        );
    }

    let killed = Command::new("kill")
        .arg("-TERM")
        .arg(child.id().to_string())
        .status()
        .unwrap();
    assert!(killed.success());
    let deadline = Instant::now() + Duration::from_secs(10);
    let exit = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(
            Instant::now() < deadline,
            "the server did not stop within 10 s of SIGTERM"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(exit.success(), "a clean stop: {exit:?}");
    let out = child.wait_with_output().unwrap();
    let log =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(
        log.contains("starting Stagecraft") && log.contains("stopped"),
        "{log}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_bad_setting_stops_the_server_with_a_clear_message() {
    for (var, value, says) in [
        ("DATABASE_URL", "mysql://x", "DATABASE_URL"),
        ("LEPTOS_SITE_ADDR", "not an address", "LEPTOS_SITE_ADDR"),
        ("STAGECRAFT_SESSION_HOURS", "0", "STAGECRAFT_SESSION_HOURS"),
        (
            "STAGECRAFT_PUBLIC_URL",
            "tools.example.com",
            "STAGECRAFT_PUBLIC_URL",
        ),
        (
            "STAGECRAFT_MASTER_KEY",
            "not-a-key",
            "STAGECRAFT_MASTER_KEY must be 64 hexadecimal characters",
        ),
        (
            "STAGECRAFT_TRUSTED_PROXIES",
            "10.0.0.0/8, proxy.internal",
            "STAGECRAFT_TRUSTED_PROXIES: \"proxy.internal\" is not an address",
        ),
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_server"))
            .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
            .env(var, value)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{var}={value}");
        assert!(String::from_utf8_lossy(&out.stderr).contains(says), "{var}");
    }
}

/// S1: the server is killed (SIGKILL) while promotes and releases run; after
/// a restart at most one version is released, it is in production, every
/// saved definition is unchanged, and the audit matches the state.
async fn s1_killed_mid_lifecycle_every_invariant_holds(b: Backend) {
    use serde_json::{json, Value};
    let dir = std::env::temp_dir().join(format!(
        "stagecraft-crash-{}",
        uuid::Uuid::new_v4().simple()
    ));
    let pg = match b {
        Backend::Sqlite => None,
        Backend::Postgres => Some(spawn_app(Backend::Postgres).await),
    };
    let port = free_port();
    let url = format!("http://127.0.0.1:{port}");
    let mut child = start_binary(port, &dir, pg.as_ref());
    let c = client();
    wait_until_up(&c, &url).await;
    let r = c
        .post(format!("{url}/api/v1/setup"))
        .json(&json!({"name": "Ada", "email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let a: Value = c
        .post(format!("{url}/api/v1/apps"))
        .json(&json!({"name": "Crash"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let app_id = a["id"].as_str().unwrap().to_string();
    let v1 = a["first_version"]["id"].as_str().unwrap().to_string();
    let mut ids = vec![v1.clone()];
    for i in 2..=8 {
        let v: Value = c
            .post(format!("{url}/api/v1/apps/{app_id}/versions"))
            .json(&json!({"name": format!("v{i}"), "from_version_id": v1}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        ids.push(v["id"].as_str().unwrap().to_string());
    }
    for (i, id) in ids.iter().enumerate() {
        let base = format!("{url}/api/v1/apps/{app_id}/versions/{id}");
        let r = c
            .put(format!("{base}/definition"))
            .json(&json!({"definition": {"pages": [{"name": format!("p{i}")}]}, "revision": 1}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(
            c.post(format!("{base}/save"))
                .send()
                .await
                .unwrap()
                .status(),
            200
        );
    }
    // Four clients promote and release until the server dies under them.
    let mut tasks = Vec::new();
    for t in 0..4usize {
        let (c, url, app_id, ids) = (c.clone(), url.clone(), app_id.clone(), ids.clone());
        tasks.push(tokio::spawn(async move {
            for k in 0.. {
                let id = &ids[(t * 3 + k) % ids.len()];
                let base = format!("{url}/api/v1/apps/{app_id}/versions/{id}");
                let Ok(r) = c.get(&base).send().await else {
                    return;
                };
                let Ok(v) = r.json::<Value>().await else {
                    return;
                };
                let env = v["environment"].as_str().unwrap_or("").to_string();
                let sent = if env == "production" {
                    c.post(format!("{base}/release"))
                        .json(&json!({"note": format!("t{t}")}))
                        .send()
                        .await
                } else {
                    c.post(format!("{base}/promote"))
                        .json(&json!({"from": env}))
                        .send()
                        .await
                };
                if sent.is_err() {
                    return;
                }
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    for t in tasks {
        let _ = t.await;
    }

    let mut child = start_binary(port, &dir, pg.as_ref());
    wait_until_up(&c, &url).await;
    let db_url = match &pg {
        Some(app) => app.database_url().to_string(),
        None => format!("sqlite://{}", dir.join("stagecraft.db").display()),
    };
    let db = app::backend::Db::connect(&db_url).await.unwrap();
    use sqlx::Row;
    let app_row = sqlx::query("SELECT released_version_id FROM apps WHERE id = $1")
        .bind(&app_id)
        .fetch_one(&db.pool)
        .await
        .unwrap();
    let released: Option<String> = app_row.get("released_version_id");
    let versions =
        sqlx::query("SELECT id, environment, definition, status FROM versions WHERE app_id = $1")
            .bind(&app_id)
            .fetch_all(&db.pool)
            .await
            .unwrap();
    assert_eq!(versions.len(), 8);
    let audit =
        sqlx::query("SELECT action, target, details FROM audit_log WHERE app_id = $1 ORDER BY id")
            .bind(&app_id)
            .fetch_all(&db.pool)
            .await
            .unwrap();
    let mut promotes = 0;
    for (i, id) in ids.iter().enumerate() {
        let v = versions
            .iter()
            .find(|r| r.get::<String, _>("id") == *id)
            .unwrap();
        assert_eq!(v.get::<String, _>("status"), "saved");
        let def: Value = serde_json::from_str(&v.get::<String, _>("definition")).unwrap();
        assert_eq!(
            def,
            json!({"pages": [{"name": format!("p{i}")}]}),
            "a saved definition never changes"
        );
        // The environment is where the last promote in the audit put it.
        let target = format!("version:{id}");
        let last_to = audit
            .iter()
            .filter(|a| {
                a.get::<String, _>("action") == "version.promote"
                    && a.get::<String, _>("target") == target
            })
            .map(|a| {
                serde_json::from_str::<Value>(&a.get::<String, _>("details")).unwrap()["to"]
                    .as_str()
                    .unwrap()
                    .to_string()
            })
            .last();
        promotes += audit
            .iter()
            .filter(|a| {
                a.get::<String, _>("action") == "version.promote"
                    && a.get::<String, _>("target") == target
            })
            .count();
        assert_eq!(
            v.get::<String, _>("environment"),
            last_to.unwrap_or_else(|| "development".into()),
            "audit and state agree for {id}"
        );
    }
    assert!(promotes > 0, "the loop made progress before the kill");
    let last_release = audit
        .iter()
        .filter(|a| a.get::<String, _>("action") == "version.release")
        .map(|a| {
            serde_json::from_str::<Value>(&a.get::<String, _>("details")).unwrap()["version_id"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .last();
    assert_eq!(
        released, last_release,
        "the released pointer is the last recorded release"
    );
    if let Some(r) = &released {
        let v = versions
            .iter()
            .find(|x| x.get::<String, _>("id") == *r)
            .unwrap();
        assert_eq!(
            v.get::<String, _>("environment"),
            "production",
            "the released version is in production"
        );
    }
    // And the restarted server serves.
    let r = c
        .get(format!("{url}/api/v1/apps/{app_id}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    child.kill().unwrap();
    child.wait().unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}

/// Runs the binary until it exits by itself (at most 30 s), as a start-up
/// that must fail does; answers its exit code and everything it printed.
fn run_until_exit(mut cmd: Command) -> (Option<i32>, String) {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the server binary starts");
    let deadline = Instant::now() + Duration::from_secs(30);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = child.wait_with_output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code(), text)
}

/// D3: the first start makes a private key file; the database remembers
/// the key it met first, and a server with another key (SQLite: another
/// STAGECRAFT_MASTER_KEY; PostgreSQL: a second instance with a key file of
/// its own) stops with a message naming the setting.
async fn d3_the_key_file_is_private_and_another_key_stops_the_server(b: Backend) {
    use std::os::unix::fs::PermissionsExt;
    let dir =
        std::env::temp_dir().join(format!("stagecraft-key-{}", uuid::Uuid::new_v4().simple()));
    let pg = match b {
        Backend::Sqlite => None,
        Backend::Postgres => Some(spawn_app(Backend::Postgres).await),
    };
    // The first instance: the binary on SQLite; on PostgreSQL the test's
    // own server, which opened the database first.
    let first_dir = match &pg {
        None => {
            let port = free_port();
            let mut child = start_binary(port, &dir, None);
            wait_until_up(&client(), &format!("http://127.0.0.1:{port}")).await;
            let _ = child.kill();
            let _ = child.wait();
            dir.clone()
        }
        Some(app) => app.data_dir.clone(),
    };
    let key_file = first_dir.join("master.key");
    let mode = std::fs::metadata(&key_file).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "the key file is the owner's alone");
    let key = std::fs::read_to_string(&key_file)
        .unwrap()
        .trim()
        .to_string();
    assert_eq!(key.len(), 64);

    let other_dir =
        std::env::temp_dir().join(format!("stagecraft-key-{}", uuid::Uuid::new_v4().simple()));
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_server"));
    cmd.current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
        .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{}", free_port()))
        .env_remove("DATABASE_URL")
        .env_remove("STAGECRAFT_MASTER_KEY");
    match &pg {
        // The same file, another key.
        None => {
            let other: String = key.chars().rev().collect();
            cmd.env("STAGECRAFT_DATA_DIR", &dir)
                .env("STAGECRAFT_MASTER_KEY", other);
        }
        // A second instance of the same database with a key file of its own.
        Some(app) => {
            cmd.env("STAGECRAFT_DATA_DIR", &other_dir)
                .env("DATABASE_URL", app.database_url());
        }
    }
    let (code, out) = run_until_exit(cmd);
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.contains("does not open the secrets of this database"),
        "{out}"
    );
    assert!(out.contains("STAGECRAFT_MASTER_KEY"), "{out}");
    assert!(!out.contains(&key), "the key is never printed");

    // The right key, given as the setting, starts it.
    let port = free_port();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_server"));
    cmd.current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
        .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
        .env("STAGECRAFT_DATA_DIR", &other_dir)
        .env("STAGECRAFT_MASTER_KEY", &key)
        .env_remove("DATABASE_URL")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    match &pg {
        None => cmd.env("STAGECRAFT_DATA_DIR", &dir),
        Some(app) => cmd.env("DATABASE_URL", app.database_url()),
    };
    let mut child = cmd.spawn().unwrap();
    wait_until_up(&client(), &format!("http://127.0.0.1:{port}")).await;
    let _ = child.kill();
    let _ = child.wait();
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::remove_dir_all(&other_dir);
}
