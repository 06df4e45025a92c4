//! Configuration from environment variables, with defaults that run the
//! product on one machine out of the box.
use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Clone, Debug)]
pub struct Settings {
    /// `LEPTOS_SITE_ADDR`, default 127.0.0.1:3000.
    pub site_addr: SocketAddr,
    /// `DATABASE_URL`: `sqlite://…` or `postgres://…`; default a SQLite file
    /// in the data folder.
    pub database_url: String,
    /// `STAGECRAFT_DATA_DIR`, default `./data`.
    pub data_dir: PathBuf,
    /// `STAGECRAFT_PUBLIC_URL`: where users reach the product. An https URL
    /// makes the session cookie `Secure`.
    pub public_url: Option<String>,
    /// `STAGECRAFT_SESSION_HOURS`: a session ends after this long unused
    /// (default 12).
    pub session_hours: i64,
    /// `STAGECRAFT_LOG_FORMAT`: `text` (default) or `json`.
    pub log_json: bool,
}

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

impl Settings {
    pub fn from_env() -> Result<Settings, String> {
        let site_addr = var("LEPTOS_SITE_ADDR")
            .unwrap_or_else(|| "127.0.0.1:3000".into())
            .parse()
            .map_err(|e| format!("LEPTOS_SITE_ADDR must be an address like 127.0.0.1:3000: {e}"))?;
        let data_dir = PathBuf::from(var("STAGECRAFT_DATA_DIR").unwrap_or_else(|| "./data".into()));
        let database_url = var("DATABASE_URL").unwrap_or_else(|| {
            format!(
                "sqlite://{}?mode=rwc",
                data_dir.join("stagecraft.db").display()
            )
        });
        if app::backend::db::Backend::of_url(&database_url).is_none() {
            return Err("DATABASE_URL must start with sqlite:// or postgres://".into());
        }
        let public_url = var("STAGECRAFT_PUBLIC_URL");
        if let Some(u) = &public_url {
            if !(u.starts_with("http://") || u.starts_with("https://")) {
                return Err("STAGECRAFT_PUBLIC_URL must start with http:// or https://".into());
            }
        }
        let session_hours = match var("STAGECRAFT_SESSION_HOURS") {
            None => 12,
            Some(h) => h
                .parse::<i64>()
                .ok()
                .filter(|h| (1..=24 * 90).contains(h))
                .ok_or("STAGECRAFT_SESSION_HOURS must be a whole number of hours, 1 to 2160")?,
        };
        let log_json = match var("STAGECRAFT_LOG_FORMAT").as_deref() {
            None | Some("text") => false,
            Some("json") => true,
            Some(_) => return Err("STAGECRAFT_LOG_FORMAT must be text or json".into()),
        };
        Ok(Settings {
            site_addr,
            database_url,
            data_dir,
            public_url,
            session_hours,
            log_json,
        })
    }

    /// Whether the session cookie is `Secure` (SPEC S3).
    pub fn secure_cookies(&self) -> bool {
        self.public_url
            .as_deref()
            .is_some_and(|u| u.starts_with("https://"))
    }

    /// The settings as printed at start: the database password masked.
    pub fn describe(&self) -> String {
        format!(
            "address={} database={} data_dir={} public_url={} session_hours={} secure_cookies={}",
            self.site_addr,
            mask_password(&self.database_url),
            self.data_dir.display(),
            self.public_url.as_deref().unwrap_or("(not set)"),
            self.session_hours,
            self.secure_cookies(),
        )
    }
}

/// `postgres://user:secret@host/db` → `postgres://user:********@host/db`.
pub fn mask_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let Some((auth, host)) = rest.rsplit_once('@') else {
        return url.to_string();
    };
    match auth.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:********@{host}"),
        None => url.to_string(),
    }
}
