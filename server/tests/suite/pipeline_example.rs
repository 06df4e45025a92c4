//! The README's pipeline example (`examples/ship.sh`), run end to end with
//! curl and jq against a real server on both databases: it ships, and it
//! stops with the API's message on the first refusal.
use crate::both_backends;
use crate::support::*;
use serde_json::{json, Value};
use std::process::Command;

both_backends!(b5_the_readme_pipeline_ships_with_a_token);

const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/ship.sh");
const README: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md");

/// Runs the script as a pipeline would, off the server's threads.
async fn ship(app: &TestApp, token: &str, args: &[&str]) -> std::process::Output {
    let (base, token) = (app.base.clone(), token.to_string());
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    tokio::task::spawn_blocking(move || {
        Command::new("bash")
            .arg(SCRIPT)
            .args(args)
            .env("STAGECRAFT_URL", base)
            .env("STAGECRAFT_TOKEN", token)
            .output()
            .expect("bash runs")
    })
    .await
    .unwrap()
}

async fn b5_the_readme_pipeline_ships_with_a_token(b: Backend) {
    let readme = std::fs::read_to_string(README).unwrap();
    let script = std::fs::read_to_string(SCRIPT).unwrap();
    assert!(
        readme.contains(&script),
        "README.md must show examples/ship.sh as it is"
    );

    let app = spawn_app(b).await;
    let admin = app.admin().await;
    let r = app
        .post(&admin, "/api/v1/apps", json!({"name": "Orders"}))
        .await;
    let created: Value = r.json().await.unwrap();
    let app_id = created["id"].as_str().unwrap().to_string();
    let r = app
        .post(&admin, "/api/v1/tokens", json!({"name": "ci"}))
        .await;
    let token = r.json::<Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_string();

    let out = ship(&app, &token, &[&app_id, "v2", "Ships the new report"]).await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.starts_with("Released v2 ("), "{stdout}");

    let r = app
        .get(&admin, &format!("/api/v1/apps/{app_id}/versions"))
        .await;
    let versions: Vec<Value> = r.json().await.unwrap();
    let v2 = versions
        .iter()
        .find(|v| v["name"] == "v2")
        .expect("v2 was made");
    assert_eq!(v2["environment"], "production");
    assert_eq!(v2["released"], true);
    assert_eq!(v2["status"], "saved");
    let r = app.get(&admin, &format!("/api/v1/apps/{app_id}")).await;
    assert_eq!(
        r.json::<Value>().await.unwrap()["released_version_id"],
        v2["id"]
    );
    use sqlx::Row;
    let details: String =
        sqlx::query("SELECT details FROM audit_log WHERE action = 'version.release'")
            .fetch_one(&app.db.pool)
            .await
            .unwrap()
            .get("details");
    assert!(details.contains("Ships the new report"), "{details}");

    // A second run with the same name stops at the first refusal, naming it.
    let again = ship(&app, &token, &[&app_id, "v2"]).await;
    assert!(!again.status.success());
    let err = String::from_utf8_lossy(&again.stderr);
    assert!(err.contains("POST /apps/") && err.contains("409"), "{err}");
    // A revoked token: 401 with the API's message.
    let tokens: Vec<Value> = app
        .get(&admin, "/api/v1/tokens")
        .await
        .json()
        .await
        .unwrap();
    let tid = tokens[0]["id"].as_str().unwrap();
    assert_eq!(
        app.delete(&admin, &format!("/api/v1/tokens/{tid}"))
            .await
            .status(),
        204
    );
    let refused = ship(&app, &token, &[&app_id, "v3"]).await;
    assert!(!refused.status.success());
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(err.contains("401 The access token is not valid"), "{err}");
}
