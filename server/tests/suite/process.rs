//! The server contract of the released binary: configuration from the
//! environment, migrations at start, a SQLite file in the data folder by
//! default, a clean stop on SIGTERM.
use crate::both_backends;
use crate::support::*;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

both_backends!(binary_starts_migrates_serves_and_stops_on_sigterm);

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
        cmd.env("DATABASE_URL", app.database_url());
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
