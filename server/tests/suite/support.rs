//! `spawn_app`: a server of our own on a free port, with its own fresh
//! database, and a cookie-keeping client. Every test runs on both backends.
#![allow(dead_code)]
use server::config::Settings;
use std::io::Write;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Generates one test per backend from `async fn name(backend: Backend)`.
#[macro_export]
macro_rules! both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite { $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() { super::$name($crate::support::Backend::Sqlite).await }
        )* }
        mod postgres { $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() { super::$name($crate::support::Backend::Postgres).await }
        )* }
    };
}

/// The secret scan reads what an operator who turned on debugging would
/// see: requests, sessions and SQL at DEBUG, not only the INFO lines.
pub const SCANNED_LOG_FILTER: &str = "info,server=debug,app=debug,tower_http=debug,\
    tower_sessions=debug,tower_sessions_core=debug,sqlx=debug,leptos_axum=debug";

/// Everything the servers of this test binary log, to check for secrets.
fn log_buffer() -> &'static Arc<Mutex<Vec<u8>>> {
    static LOG: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    LOG.get_or_init(|| {
        let buf = Arc::new(Mutex::new(Vec::new()));
        let writer = LogWriter(buf.clone());
        tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new(SCANNED_LOG_FILTER))
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .init();
        buf
    })
}

#[derive(Clone)]
struct LogWriter(Arc<Mutex<Vec<u8>>>);

impl Write for LogWriter {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        // STAGECRAFT_TEST_ERRORS=path collects the ERROR events, which the
        // test command checks against the ones the tests cause on purpose.
        if let Ok(path) = std::env::var("STAGECRAFT_TEST_ERRORS") {
            if String::from_utf8_lossy(b).contains(" ERROR ") {
                if let Ok(mut f) = std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(path)
                {
                    let _ = f.write_all(b);
                }
            }
        }
        // STAGECRAFT_TEST_LOG=path keeps a copy, to read after a failure.
        if let Ok(path) = std::env::var("STAGECRAFT_TEST_LOG") {
            if let Ok(mut f) = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
            {
                let _ = f.write_all(b);
            }
        }
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Asserts that none of `secrets` was logged by any server of this binary.
pub fn assert_not_logged(secrets: &[&str]) {
    let log = String::from_utf8_lossy(&log_buffer().lock().unwrap()).to_string();
    assert!(
        !log.is_empty(),
        "the servers logged nothing: the check would be empty"
    );
    assert!(
        log.contains(" DEBUG ") && log.contains("started processing request"),
        "the scanned log holds no DEBUG request lines: the check would be thin"
    );
    for s in secrets {
        assert!(!s.is_empty());
        assert!(!log.contains(s), "a secret reached the log: {s}");
    }
    assert!(!log.contains("$argon2"), "a password hash reached the log");
}

/// The test servers read the epoch of changes often, so a test that
/// changes rows behind their back (`TestApp::changed_outside`) waits little.
pub const CHANGES_POLL: std::time::Duration = std::time::Duration::from_millis(20);

pub struct TestApp {
    pub base: String,
    /// The server's clock of time windows: `advance` moves it.
    pub clock: app::backend::clock::Clock,
    pub backend: Backend,
    pub db: app::backend::Db,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    pg_database: Option<String>,
    pub data_dir: PathBuf,
    database_url: String,
}

pub const ADMIN_EMAIL: &str = "ada@example.com";
pub const ADMIN_PASSWORD: &str = "correct horse battery";

fn pg_base() -> String {
    std::env::var("STAGECRAFT_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into())
}

pub async fn spawn_app(backend: Backend) -> TestApp {
    spawn_app_with(backend, None).await
}

pub async fn spawn_app_with(backend: Backend, public_url: Option<&str>) -> TestApp {
    spawn_app_configured(backend, public_url, "").await
}

/// A server with `trusted_proxies` (STAGECRAFT_TRUSTED_PROXIES).
pub async fn spawn_app_configured(
    backend: Backend,
    public_url: Option<&str>,
    trusted_proxies: &str,
) -> TestApp {
    spawn_app_settings(backend, public_url, trusted_proxies, Default::default()).await
}

/// A server with STAGECRAFT_EGRESS_DENY / STAGECRAFT_EGRESS_ALLOW (D10).
pub async fn spawn_app_egress(backend: Backend, deny: &str, allow: &str) -> TestApp {
    let egress = app::domain::egress::EgressPolicy::parse(deny, allow).unwrap();
    spawn_app_settings(backend, None, "", egress).await
}

async fn spawn_app_settings(
    backend: Backend,
    public_url: Option<&str>,
    trusted_proxies: &str,
    egress: app::domain::egress::EgressPolicy,
) -> TestApp {
    log_buffer();
    let id = uuid::Uuid::new_v4().simple().to_string();
    let data_dir = std::env::temp_dir().join(format!("stagecraft-test-{id}"));
    std::fs::create_dir_all(&data_dir).unwrap();
    let (database_url, pg_database) = match backend {
        Backend::Sqlite => (
            format!("sqlite://{}?mode=rwc", data_dir.join("test.db").display()),
            None,
        ),
        Backend::Postgres => {
            use sqlx::Executor;
            let name = format!("sc_test_{id}");
            let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(&format!(
                "{}/postgres",
                pg_base()
            ))
            .await
            .expect("PostgreSQL must run at STAGECRAFT_TEST_POSTGRES (default 127.0.0.1:5432)");
            conn.execute(format!("CREATE DATABASE {name}").as_str())
                .await
                .unwrap();
            (format!("{}/{name}", pg_base()), Some(name))
        }
    };
    let clock = app::backend::clock::Clock::default();
    let settings = Settings {
        site_addr: "127.0.0.1:0".parse().unwrap(),
        database_url: database_url.clone().into(),
        data_dir: data_dir.clone(),
        public_url: public_url.map(str::to_string),
        session_hours: 12,
        log_json: false,
        trusted_proxies: app::domain::network::TrustedProxies::parse(trusted_proxies).unwrap(),
        clock: clock.clone(),
        master_key: None,
        datasource_dir: None,
        changes_poll: CHANGES_POLL,
        egress: egress.clone(),
    };
    let (base, tx) = serve(&settings).await;
    let mut db = app::backend::Db::connect(&database_url).await.unwrap();
    // The server's key, from the key file it made: tests read secrets as
    // the server does.
    let key_text = std::fs::read_to_string(data_dir.join(app::backend::secrets::KEY_FILE)).unwrap();
    db.parts_mut().master_key = Some(std::sync::Arc::new(
        app::backend::secrets::MasterKey::parse(&key_text).unwrap(),
    ));
    TestApp {
        base,
        clock,
        backend,
        db,
        shutdown: Some(tx),
        pg_database,
        data_dir,
        database_url,
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        let _ = std::fs::remove_dir_all(&self.data_dir);
        if let Some(name) = self.pg_database.take() {
            // A thread of its own: Drop cannot await, and the test's runtime
            // is shutting down.
            std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                rt.block_on(async move {
                    use sqlx::Executor;
                    if let Ok(mut c) = <sqlx::PgConnection as sqlx::Connection>::connect(&format!(
                        "{}/postgres",
                        pg_base()
                    ))
                    .await
                    {
                        let _ = c
                            .execute(
                                format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str(),
                            )
                            .await;
                    }
                });
            })
            .join()
            .ok();
        }
    }
}

/// A client with its own cookie jar: one browser, one person.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        // A request that hangs fails its test, naming its URL, instead of
        // stopping the whole suite.
        .timeout(std::time::Duration::from_secs(90))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// Builds the server for `settings` and serves it on a free port until the
/// sender is dropped or used; answers its base URL.
async fn serve(settings: &Settings) -> (String, tokio::sync::oneshot::Sender<()>) {
    let router = server::build(settings).await.expect("server builds");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(server::serve(listener, router, async {
        let _ = rx.await;
    }));
    (base, tx)
}

/// A second server on the same database, as a load balancer would put
/// beside the first; it stops when the answer is dropped.
pub struct Instance {
    pub base: String,
    _shutdown: tokio::sync::oneshot::Sender<()>,
}

impl Instance {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}

impl TestApp {
    pub async fn another_instance(&self) -> Instance {
        let settings = Settings {
            site_addr: "127.0.0.1:0".parse().unwrap(),
            database_url: self.database_url.clone().into(),
            data_dir: self.data_dir.clone(),
            public_url: None,
            session_hours: 12,
            log_json: false,
            trusted_proxies: Default::default(),
            clock: Default::default(),
            master_key: None,
            datasource_dir: None,
            changes_poll: CHANGES_POLL,
            egress: Default::default(),
        };
        let (base, tx) = serve(&settings).await;
        Instance {
            base,
            _shutdown: tx,
        }
    }

    /// After a test wrote rows itself, as another process would: bumps the
    /// epoch of changes as every change does, and waits until the servers'
    /// polls have seen it.
    pub async fn changed_outside(&self) {
        sqlx::query("UPDATE cache_epoch SET n = n + 1 WHERE id = 1")
            .execute(&self.db.pool)
            .await
            .unwrap();
        tokio::time::sleep(CHANGES_POLL * 5).await;
    }

    pub fn database_url(&self) -> &str {
        &self.database_url
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn post(
        &self,
        c: &reqwest::Client,
        path: &str,
        body: serde_json::Value,
    ) -> reqwest::Response {
        c.post(self.url(path)).json(&body).send().await.unwrap()
    }

    pub async fn get(&self, c: &reqwest::Client, path: &str) -> reqwest::Response {
        c.get(self.url(path)).send().await.unwrap()
    }

    pub async fn put(
        &self,
        c: &reqwest::Client,
        path: &str,
        body: serde_json::Value,
    ) -> reqwest::Response {
        c.put(self.url(path)).json(&body).send().await.unwrap()
    }

    pub async fn delete(&self, c: &reqwest::Client, path: &str) -> reqwest::Response {
        c.delete(self.url(path)).send().await.unwrap()
    }

    /// A page, as a browser asks for it.
    pub async fn page(&self, c: &reqwest::Client, path: &str) -> reqwest::Response {
        c.get(self.url(path))
            .header("accept", "text/html")
            .send()
            .await
            .unwrap()
    }

    pub async fn patch(
        &self,
        c: &reqwest::Client,
        path: &str,
        body: serde_json::Value,
    ) -> reqwest::Response {
        c.patch(self.url(path)).json(&body).send().await.unwrap()
    }

    /// Sets up the first admin and returns their signed-in client.
    pub async fn admin(&self) -> reqwest::Client {
        let c = client();
        let r = self.setup(&c).await;
        assert_eq!(r.status(), 201, "setup");
        c
    }

    /// Sets up the installation with the admin Ada, signing `c` in: the
    /// answer, with its session cookie.
    pub async fn setup(&self, c: &reqwest::Client) -> reqwest::Response {
        self.post(
            c,
            "/api/v1/setup",
            serde_json::json!({"name": "Ada", "email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}),
        )
        .await
    }

    /// Creates a user with `role` as `admin` and returns (id, signed-in client).
    pub async fn user(
        &self,
        admin: &reqwest::Client,
        email: &str,
        role: &str,
    ) -> (String, reqwest::Client) {
        let r = self
            .post(admin, "/api/v1/users", serde_json::json!({"email": email, "name": "Someone", "password": "password-of-someone", "role": role}))
            .await;
        assert_eq!(r.status(), 201, "create {email}");
        let id = r.json::<serde_json::Value>().await.unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string();
        let c = client();
        let r = self
            .post(
                &c,
                "/api/v1/auth/login",
                serde_json::json!({"email": email, "password": "password-of-someone"}),
            )
            .await;
        assert_eq!(r.status(), 200, "login {email}");
        (id, c)
    }

    /// The actions of the audit log, oldest first.
    pub async fn audit_actions(&self) -> Vec<String> {
        use sqlx::Row;
        sqlx::query("SELECT action FROM audit_log ORDER BY id")
            .fetch_all(&self.db.pool)
            .await
            .unwrap()
            .iter()
            .map(|r| r.get::<String, _>("action"))
            .collect()
    }

    pub async fn count(&self, table: &str) -> i64 {
        use sqlx::Row;
        sqlx::query(&format!("SELECT COUNT(*) AS n FROM {table}"))
            .fetch_one(&self.db.pool)
            .await
            .unwrap()
            .get("n")
    }
}

/// Asserts an API error: status, code and (for 422) the field.
pub async fn assert_error(
    r: reqwest::Response,
    status: u16,
    code: &str,
    field: Option<&str>,
) -> serde_json::Value {
    assert_eq!(r.status().as_u16(), status);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], code, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "{body}"
    );
    match field {
        Some(f) => assert_eq!(body["error"]["field"], f, "{body}"),
        None => assert!(body["error"].get("field").is_none(), "{body}"),
    }
    body
}

/// The session cookie a response sets, as `Set-Cookie` says it.
pub fn session_cookie(r: &reqwest::Response) -> Option<String> {
    r.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("stagecraft_session="))
        .map(str::to_string)
}

/// The session id of a `Set-Cookie` line.
pub fn cookie_value(set_cookie: &str) -> String {
    set_cookie
        .split(';')
        .next()
        .unwrap()
        .trim_start_matches("stagecraft_session=")
        .to_string()
}

/// `server admin ARGS` on the test's database, `stdin` typed at its prompt.
pub fn admin_command(app: &TestApp, args: &[&str], stdin: &str) -> std::process::Output {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_server"))
        .arg("admin")
        .args(args)
        .env("DATABASE_URL", app.database_url())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

/// A new client signed in as `email`.
pub async fn sign_in(app: &TestApp, email: &str, password: &str) -> reqwest::Client {
    let c = client();
    let r = app
        .post(
            &c,
            "/api/v1/auth/login",
            serde_json::json!({"email": email, "password": password}),
        )
        .await;
    assert_eq!(r.status(), 200, "sign in {email}");
    c
}
