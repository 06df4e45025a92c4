//! Configuration from environment variables, with defaults that run the
//! product on one machine out of the box.
use app::backend::clock::Clock;
use app::domain::egress::{EgressPolicy, ALLOW_SETTING, DENY_SETTING};
use app::domain::network::TrustedProxies;
use secrecy::{ExposeSecret, SecretString};
use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Clone, Debug)]
pub struct Settings {
    /// `LEPTOS_SITE_ADDR`, default 127.0.0.1:3000.
    pub site_addr: SocketAddr,
    /// `DATABASE_URL`: `sqlite://…` or `postgres://…`; default a SQLite file
    /// in the data folder.
    /// It may hold a password: kept in a `secrecy` box, shown masked.
    pub database_url: SecretString,
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
    /// `STAGECRAFT_TRUSTED_PROXIES`: peers whose `X-Forwarded-For` is
    /// believed (S3); none by default.
    pub trusted_proxies: TrustedProxies,
    /// The clock of the time windows; the real one but in tests.
    pub clock: Clock,
    /// `STAGECRAFT_MASTER_KEY`: the key secrets are sealed with (64 hex
    /// characters); unset, a key file in the data folder.
    pub master_key: Option<SecretString>,
    /// `STAGECRAFT_DATASOURCE_DIR`: the only folder SQLite data sources may
    /// open files in; default `datasources` in the data folder.
    pub datasource_dir: Option<PathBuf>,
    /// How often the epoch of changes is read, so that what this instance
    /// holds in memory follows changes made elsewhere (`cache::watch`);
    /// PostgreSQL's notifications are heard at once.
    pub changes_poll: std::time::Duration,
    /// `STAGECRAFT_EGRESS_DENY` / `STAGECRAFT_EGRESS_ALLOW`: where data
    /// sources may connect (D10).
    pub egress: EgressPolicy,
}

/// `Settings::changes_poll` outside tests.
pub const CHANGES_POLL: std::time::Duration = std::time::Duration::from_millis(250);

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
        let trusted_proxies =
            TrustedProxies::parse(&var("STAGECRAFT_TRUSTED_PROXIES").unwrap_or_default())
                .map_err(|e| format!("STAGECRAFT_TRUSTED_PROXIES: {e}"))?;
        let master_key = var("STAGECRAFT_MASTER_KEY").map(SecretString::from);
        if let Some(k) = &master_key {
            app::backend::secrets::MasterKey::parse(k.expose_secret())
                .map_err(|e| format!("STAGECRAFT_MASTER_KEY {e}"))?;
        }
        let datasource_dir = var("STAGECRAFT_DATASOURCE_DIR").map(PathBuf::from);
        let egress = EgressPolicy::parse(
            &var(DENY_SETTING).unwrap_or_default(),
            &var(ALLOW_SETTING).unwrap_or_default(),
        )?;
        Ok(Settings {
            datasource_dir,
            site_addr,
            database_url: database_url.into(),
            data_dir,
            public_url,
            session_hours,
            log_json,
            trusted_proxies,
            clock: Clock::default(),
            master_key,
            changes_poll: CHANGES_POLL,
            egress,
        })
    }

    /// The folder of SQLite data sources (D2).
    pub fn datasource_dir(&self) -> PathBuf {
        self.datasource_dir
            .clone()
            .unwrap_or_else(|| self.data_dir.join("datasources"))
    }

    /// The database URL, password and all, for connecting only.
    pub fn database_url(&self) -> &str {
        self.database_url.expose_secret()
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
            "address={} database={} data_dir={} public_url={} session_hours={} secure_cookies={} trusted_proxies={} master_key={} {}",
            self.site_addr,
            mask_password(self.database_url.expose_secret()),
            self.data_dir.display(),
            self.public_url.as_deref().unwrap_or("(not set)"),
            self.session_hours,
            self.secure_cookies(),
            self.trusted_proxies,
            if self.master_key.is_some() {
                "STAGECRAFT_MASTER_KEY"
            } else {
                "the key file of the data folder"
            },
            self.egress,
        )
    }
}

/// The database URL as it may be shown: the password of the user part and
/// of `?password=` / `?sslpassword=` masked. A URL that does not parse is
/// shown as its scheme alone, since its secret cannot be found reliably.
pub fn mask_password(raw: &str) -> String {
    const MASK: &str = "********";
    let Ok(mut url) = url::Url::parse(raw) else {
        let scheme = raw.split_once("://").map_or("", |(s, _)| s);
        return format!("{scheme}://{MASK}");
    };
    if url.password().is_some() {
        let _ = url.set_password(Some(MASK));
    }
    let secret =
        |k: &str| k.eq_ignore_ascii_case("password") || k.eq_ignore_ascii_case("sslpassword");
    if url.query_pairs().any(|(k, _)| secret(&k)) {
        let pairs: Vec<(String, String)> = url
            .query_pairs()
            .map(|(k, v)| {
                let v = if secret(&k) {
                    MASK.to_string()
                } else {
                    v.into_owned()
                };
                (k.into_owned(), v)
            })
            .collect();
        url.query_pairs_mut().clear().extend_pairs(pairs);
    }
    // The query serializer percent-encodes the mask; show it plainly.
    url.to_string().replace("%2A%2A%2A%2A%2A%2A%2A%2A", MASK)
}
