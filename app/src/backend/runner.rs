//! Runs queries against data sources (SPEC R3, R4, D4, D5). One resolver
//! fills `{{…}}` for every kind: in SQL each reference becomes a bound
//! parameter of the driver, never spliced text; in REST it fills the URL,
//! query string, headers and body. Connections are pooled per (data
//! source, environment), keyed also by the fingerprint of the options as
//! resolved, so a change of the options or of a constant they use starts a
//! new pool and the old one is dropped.
use super::constants::{self, ConstantValues};
use super::data_sources;
use super::sqlite_files::SqliteFile;
use crate::domain::constant::MASK;
use crate::domain::data_source::{framing_header, Options, FRAMING_HEADERS};
use crate::domain::definition::{Definition, InputType, QueryBody, RestRequest};
use crate::domain::egress::EgressPolicy;
use crate::domain::environment::EnvName;
use crate::domain::query::{QueryResult, ROW_LIMIT, TIME_LIMIT_SECONDS};
use crate::domain::template::{self, Reference, Segment, Slot};
use crate::error::{AppError, AppResult, ErrorCode};
use futures_util::TryStreamExt;
use secrecy::ExposeSecret;
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions, PgSslMode};
use sqlx::{Column, Executor, Row, TypeInfo, ValueRef};
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::db::Db;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// A data source gets few connections: it is someone else's database.
const POOL_SIZE: u32 = 4;
/// The most of a REST answer read (bigger answers fail the query).
const MAX_REST_BODY: usize = 10 * 1024 * 1024;

fn time_limit() -> Duration {
    Duration::from_secs(TIME_LIMIT_SECONDS)
}

#[derive(Clone)]
enum Conn {
    Pg(PgPool),
    Sqlite(Arc<SqliteFile>),
    Http(reqwest::Client),
}

/// The open connections, per (data source id, environment).
pub struct Pools {
    /// The only folder SQLite data sources may open files in.
    dir: PathBuf,
    /// Where PostgreSQL and REST data sources may connect (D10).
    egress: Egress,
    map: Mutex<HashMap<(String, String), (String, Conn)>>,
}

/// Where data sources may connect (D10): the operator's policy, and the
/// product's own PostgreSQL database, which no data source reaches
/// whatever the policy says (it holds sessions, users and keys).
#[derive(Debug, Clone, Default)]
pub struct Egress {
    policy: EgressPolicy,
    own_database: Option<OwnDatabase>,
}

#[derive(Debug, Clone)]
struct OwnDatabase {
    /// `None`: a Unix socket, so this machine.
    host: Option<String>,
    port: u16,
    database: String,
}

impl Egress {
    /// `database_url` is the product's own `DATABASE_URL`; parsed as the
    /// product's own connection parses it (its `PG*` defaults included,
    /// since that is where the product really connects).
    pub fn new(policy: EgressPolicy, database_url: &str) -> Egress {
        let own_database = database_url
            .starts_with("postgres")
            .then(|| database_url.parse::<PgConnectOptions>().ok())
            .flatten()
            .map(|o| OwnDatabase {
                host: (o.get_socket().is_none() && !o.get_host().starts_with('/'))
                    .then(|| o.get_host().to_string()),
                port: o.get_port(),
                database: o.get_database().unwrap_or(o.get_username()).to_string(),
            });
        Egress {
            policy,
            own_database,
        }
    }

    /// Whether `addr` and `database` are the product's own database: the
    /// same port and name, and an address the product's host resolves to.
    /// All of loopback counts as one machine (127.0.0.2 reaches the same
    /// server as 127.0.0.1).
    async fn is_own_database(&self, addr: SocketAddr, database: &str) -> bool {
        let Some(own) = &self.own_database else {
            return false;
        };
        if own.port != addr.port() || own.database != database {
            return false;
        }
        let target = crate::domain::egress::judged(addr.ip());
        let same = |ip: IpAddr| {
            let ip = crate::domain::egress::judged(ip);
            ip == target || (ip.is_loopback() && target.is_loopback())
        };
        match &own.host {
            None => target.is_loopback(),
            Some(host) => match tokio::net::lookup_host((host.as_str(), own.port)).await {
                Ok(addrs) => addrs.map(|a| a.ip()).any(same),
                // Unresolvable now: the literal name is all there is to go on.
                Err(_) => host.parse::<IpAddr>().is_ok_and(same),
            },
        }
    }
}

impl std::fmt::Debug for Pools {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Pools({} open, in {})", self.open(), self.dir.display())
    }
}

impl Default for Pools {
    fn default() -> Self {
        Pools::new(PathBuf::from("data/datasources"), Egress::default())
    }
}

impl Pools {
    pub fn new(dir: PathBuf, egress: Egress) -> Pools {
        Pools {
            dir,
            egress,
            map: Mutex::new(HashMap::new()),
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Drops the pool of one environment (its options changed).
    pub fn forget(&self, id: &str, env: &str) {
        self.map
            .lock()
            .expect("pools lock")
            .remove(&(id.to_string(), env.to_string()));
    }

    /// Drops every pool of a data source (it was deleted).
    pub fn forget_all(&self, id: &str) {
        self.map
            .lock()
            .expect("pools lock")
            .retain(|(i, _), _| i != id);
    }

    fn get(&self, id: &str, env: &str, fingerprint: &str) -> Option<Conn> {
        let map = self.map.lock().expect("pools lock");
        map.get(&(id.to_string(), env.to_string()))
            .filter(|(f, _)| f == fingerprint)
            .map(|(_, c)| c.clone())
    }

    fn put(&self, id: &str, env: &str, fingerprint: String, conn: Conn) {
        // Replacing drops the old pool: its connections close once idle.
        self.map
            .lock()
            .expect("pools lock")
            .insert((id.to_string(), env.to_string()), (fingerprint, conn));
    }

    /// How many pools are open (the benchmark and tests read it).
    pub fn open(&self) -> usize {
        self.map.lock().expect("pools lock").len()
    }
}

/// What a run resolves references against, and the secret texts to cut
/// out of any message that leaves the server.
struct Scope<'a> {
    environment: &'a EnvName,
    constants: &'a ConstantValues,
    inputs: &'a Map<String, Value>,
    input_types: HashMap<&'a str, InputType>,
    secrets: Vec<String>,
}

fn missing(kind: &str, name: &str, environment: &str) -> AppError {
    let what = if kind == "secret" {
        "secret"
    } else {
        "constant"
    };
    AppError {
        details: Some(json!({ "kind": kind, "name": name, "environment": environment })),
        ..AppError::with_code(
            ErrorCode::MissingValue,
            format!("The {what} {name} has no value in {environment}"),
        )
    }
}

impl<'a> Scope<'a> {
    /// The scope of a data source's options alone (no query, no inputs).
    fn of_options(
        environment: &'a EnvName,
        constants: &'a ConstantValues,
        inputs: &'a Map<String, Value>,
    ) -> Scope<'a> {
        Scope {
            environment,
            constants,
            inputs,
            input_types: HashMap::new(),
            secrets: constants.secret_texts(),
        }
    }

    /// The value of a reference (C2–C4); query cells are not known on the
    /// server before a run and are refused when the version is saved.
    /// `at` names where the reference sits, `slot` what it may hold (C3:
    /// a stored definition that predates the rule fails here, never
    /// resolving a secret where it could leave the data source's host).
    fn value(&mut self, r: &Reference, slot: Slot, at: &str) -> AppResult<Param> {
        if let Some(message) = template::secret_misplaced(at, r, slot) {
            return Err(AppError::invalid(at, message));
        }
        match r {
            Reference::Constant(name) => self
                .constants
                .globals
                .get(name)
                .map(|v| Param::Text(v.clone()))
                .ok_or_else(|| missing("constant", name, self.environment)),
            Reference::Secret(name) => {
                let v = self
                    .constants
                    .secrets
                    .get(name)
                    .ok_or_else(|| missing("secret", name, self.environment))?;
                let text = v.expose_secret().to_string();
                self.secrets.push(text.clone());
                Ok(Param::Text(text))
            }
            Reference::Input(name) => self.input(name),
            Reference::Cell { .. } => Err(AppError::invalid(
                "definition",
                format!("{r} cannot be used here"),
            )),
        }
    }

    /// An input as sent, typed as the version declares it.
    fn input(&self, name: &str) -> AppResult<Param> {
        let field = format!("inputs.{name}");
        let kind = self
            .input_types
            .get(name)
            .copied()
            .unwrap_or(InputType::Text);
        Ok(match (self.inputs.get(name), kind) {
            (None | Some(Value::Null), _) => Param::Null,
            (Some(Value::String(s)), _) if s.is_empty() => Param::Null,
            (Some(Value::Number(n)), InputType::Number) => match n.as_i64() {
                Some(i) => Param::Int(i),
                None => Param::Float(n.as_f64().unwrap_or_default()),
            },
            (Some(Value::String(s)), InputType::Number) => {
                match s.trim().parse::<i64>() {
                    Ok(i) => Param::Int(i),
                    Err(_) => Param::Float(s.trim().parse::<f64>().map_err(|_| {
                        AppError::invalid(&field, format!("{field} must be a number"))
                    })?),
                }
            }
            (Some(Value::String(s)), _) => Param::Text(s.clone()),
            (Some(Value::Number(n)), _) => Param::Text(n.to_string()),
            (Some(Value::Bool(b)), _) => Param::Text(b.to_string()),
            (Some(_), _) => {
                return Err(AppError::invalid(
                    &field,
                    format!("{field} must be a string or a number"),
                ))
            }
        })
    }

    /// `text` with every reference replaced by its value as text.
    fn fill(&mut self, text: &str, slot: Slot, at: &str) -> AppResult<String> {
        let mut out = String::new();
        for s in template::parse(text).map_err(|m| AppError::invalid("definition", m))? {
            match s {
                Segment::Text(t) => out.push_str(&t),
                Segment::Ref(r) => out.push_str(&param_text(&self.value(&r, slot, at)?)),
            }
        }
        Ok(out)
    }

    /// `message` with every secret in play cut out (D4).
    fn redact(&self, message: &str) -> String {
        redact(message, &self.secrets)
    }
}

fn param_text(p: &Param) -> String {
    match p {
        Param::Null => String::new(),
        Param::Int(i) => i.to_string(),
        Param::Float(f) => f.to_string(),
        Param::Text(t) => t.clone(),
    }
}

/// `message` with every secret cut out (D11), as written or
/// percent-encoded in any mix: an HTTP client's error quotes the URL it
/// sent, encoded for a path segment (`%20`), a query or a form (`+`), in
/// either case of hex digits, so each byte of a secret is matched as itself,
/// as `%XX` or (a space) as `+`. Longer secrets go first, so a secret that
/// contains another is cut whole.
pub fn redact(message: &str, secrets: &[String]) -> String {
    let mut secrets: Vec<&[u8]> = secrets
        .iter()
        .filter(|s| !s.is_empty())
        .map(|s| s.as_bytes())
        .collect();
    secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
    secrets.dedup();
    let mut text = message.as_bytes().to_vec();
    for secret in secrets {
        let mut out = Vec::with_capacity(text.len());
        let mut i = 0;
        while i < text.len() {
            match secret_at(&text, i, secret) {
                Some(end) => {
                    out.extend_from_slice(MASK.as_bytes());
                    i = end;
                }
                None => {
                    out.push(text[i]);
                    i += 1;
                }
            }
        }
        text = out;
    }
    // A match starts at a character boundary (the secret's first byte) and
    // ends after a whole character or an ASCII escape: still UTF-8.
    String::from_utf8(text).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// Where `secret` ends if it is written at `at` of `text`, byte by byte as
/// itself, percent-encoded, or a space as `+`.
fn secret_at(text: &[u8], at: usize, secret: &[u8]) -> Option<usize> {
    let hex = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
    let mut i = at;
    for &b in secret {
        match text.get(i) {
            Some(&c) if c == b => i += 1,
            Some(b'+') if b == b' ' => i += 1,
            Some(b'%') => {
                let hi = text.get(i + 1).copied().and_then(hex)?;
                let lo = text.get(i + 2).copied().and_then(hex)?;
                if hi * 16 + lo != b {
                    return None;
                }
                i += 3;
            }
            _ => return None,
        }
    }
    Some(i)
}

fn failed(scope: &Scope, message: impl std::fmt::Display) -> AppError {
    AppError::with_code(ErrorCode::QueryFailed, scope.redact(&message.to_string()))
}

fn timed_out() -> AppError {
    AppError::with_code(
        ErrorCode::QueryTimeout,
        format!("The query ran past the time limit of {TIME_LIMIT_SECONDS} s and was cancelled"),
    )
}

/// The options with every reference filled, and their secrets noted.
fn resolve_options(options: &Options, scope: &mut Scope) -> AppResult<Options> {
    let note = |s: &Option<String>, scope: &mut Scope| {
        if let Some(s) = s {
            scope.secrets.push(s.clone());
        }
    };
    Ok(match options {
        Options::Postgresql {
            host,
            port,
            database,
            username,
            password,
            ssl_mode,
        } => {
            note(password, scope);
            Options::Postgresql {
                host: scope.fill(host, Slot::Open, "options.host")?,
                port: *port,
                database: scope.fill(database, Slot::Open, "options.database")?,
                username: scope.fill(username, Slot::Open, "options.username")?,
                password: password
                    .as_deref()
                    .map(|p| scope.fill(p, Slot::SecretOption, "options.password"))
                    .transpose()?,
                ssl_mode: ssl_mode.clone(),
            }
        }
        Options::RestApi {
            base_url,
            headers,
            bearer_token,
        } => {
            note(bearer_token, scope);
            let mut filled = Vec::new();
            for h in headers {
                if h.secret {
                    note(&h.value, scope);
                }
                let mut h = h.clone();
                let slot = if h.secret {
                    Slot::SecretOption
                } else {
                    Slot::Open
                };
                h.value = h
                    .value
                    .as_deref()
                    .map(|v| scope.fill(v, slot, "options.headers"))
                    .transpose()?;
                filled.push(h);
            }
            Options::RestApi {
                base_url: scope.fill(base_url, Slot::Open, "options.base_url")?,
                headers: filled,
                bearer_token: bearer_token
                    .as_deref()
                    .map(|t| scope.fill(t, Slot::SecretOption, "options.bearer_token"))
                    .transpose()?,
            }
        }
        Options::Sqlite { file } => Options::Sqlite {
            file: scope.fill(file, Slot::Open, "options.file")?,
        },
    })
}

/// D8: where `options` connect in `environment` with today's constants,
/// as `Options::target_text`, which the secrets saved with them are bound
/// to. A reference that cannot resolve yet (a constant with no value
/// there) stays as written: a run fails on it anyway, and once it has a
/// value the target has moved, so the secrets must be entered again.
pub(super) async fn target_now(
    db: &Db,
    options: &Options,
    environment: &EnvName,
) -> AppResult<String> {
    let constants = constants::values_in(db, environment).await?;
    let inputs = Map::new();
    let mut scope = Scope::of_options(environment, &constants, &inputs);
    let mut filled = options.clone();
    let mut fill = |text: &mut String| -> AppResult<()> {
        let mut out = String::new();
        for segment in template::parse(text).map_err(|m| AppError::invalid("options", m))? {
            match segment {
                Segment::Text(t) => out.push_str(&t),
                Segment::Ref(r) => match scope.value(&r, Slot::Open, "options") {
                    Ok(p) => out.push_str(&param_text(&p)),
                    Err(_) => out.push_str(&r.to_string()),
                },
            }
        }
        *text = out;
        Ok(())
    };
    match &mut filled {
        Options::Postgresql {
            host,
            database,
            username,
            ..
        } => {
            fill(host)?;
            fill(database)?;
            fill(username)?;
        }
        Options::RestApi { base_url, .. } => fill(base_url)?,
        Options::Sqlite { file } => fill(file)?,
    }
    Ok(filled.target_text())
}

/// The file of a SQLite data source, which must stay inside `dir`: the
/// path is checked as written, then resolved (symlinks included) and
/// checked again.
fn sqlite_path(dir: &Path, file: &str) -> AppResult<PathBuf> {
    crate::domain::data_source::sqlite_file(file)?;
    let outside = || {
        AppError::invalid(
            "options.file",
            format!("options.file {file} leads outside the data-source folder"),
        )
    };
    let root = dir.canonicalize().map_err(|_| {
        AppError::invalid(
            "options.file",
            format!(
                "The data-source folder {} does not exist (STAGECRAFT_DATASOURCE_DIR)",
                dir.display()
            ),
        )
    })?;
    let path = root.join(file).canonicalize().map_err(|_| {
        AppError::invalid(
            "options.file",
            format!("There is no file {file} in the data-source folder"),
        )
    })?;
    if !path.starts_with(&root) {
        return Err(outside());
    }
    Ok(path)
}

fn fingerprint(options: &Options) -> String {
    super::secrets::hex(&Sha256::digest(format!("{options:?}").as_bytes()))
}

/// A refusal of where a data source would connect (D10), naming the field.
fn refused(field: &str, message: String) -> AppError {
    AppError::invalid(field, format!("{field}: {message}"))
}

/// D10 on `addrs`, all that `host` resolved to: one refused address
/// refuses the host (a name answering a public and a metadata address
/// must not be tried on the second).
fn check_all(policy: &EgressPolicy, host: &str, addrs: &[SocketAddr]) -> Result<(), String> {
    if addrs.is_empty() {
        return Err(format!("{host} resolves to no address"));
    }
    for a in addrs {
        policy.check(a.ip()).map_err(|why| {
            if a.ip().to_string() == host {
                why
            } else {
                format!("{host} resolves to {}, and {why}", a.ip())
            }
        })?;
    }
    Ok(())
}

/// Where a PostgreSQL data source connects: its host resolved, every
/// address checked (D10), the first one; never a Unix socket, never the
/// product's own database. Other kinds connect later (REST through
/// `CheckedResolver`), or to a file.
async fn egress_target(egress: &Egress, options: &Options) -> AppResult<Option<SocketAddr>> {
    let Options::Postgresql {
        host,
        port,
        database,
        username,
        ..
    } = options
    else {
        return Ok(None);
    };
    let field = "options.host";
    let host = host.trim();
    // libpq reads a host starting with `/` (or `@`, Linux's abstract
    // namespace) as the folder of a Unix socket: the server's own local
    // PostgreSQL, trusted as this machine's users.
    if host.is_empty()
        || host.starts_with('/')
        || host.starts_with('@')
        || host.contains('/')
        || host.contains('\\')
    {
        return Err(refused(
            field,
            format!("{host:?} is refused: data sources connect over TCP to a host name or address, never to a Unix socket"),
        ));
    }
    let addrs: Vec<SocketAddr> =
        match tokio::time::timeout(CONNECT_TIMEOUT, tokio::net::lookup_host((host, *port))).await {
            Err(_) => {
                return Err(AppError::with_code(
                    ErrorCode::QueryFailed,
                    format!(
                        "{field}: {host} did not resolve within {} s",
                        CONNECT_TIMEOUT.as_secs()
                    ),
                ))
            }
            Ok(Err(e)) => {
                return Err(AppError::with_code(
                    ErrorCode::QueryFailed,
                    format!("{field}: {host} does not resolve: {e}"),
                ))
            }
            Ok(Ok(addrs)) => addrs.collect(),
        };
    check_all(&egress.policy, host, &addrs).map_err(|m| refused(field, m))?;
    let addr = addrs[0];
    let database = if database.is_empty() {
        username
    } else {
        database
    };
    if egress.is_own_database(addr, database).await {
        return Err(refused(
            field,
            format!(
                "{host}:{port} database {database} is the product's own database (DATABASE_URL): a data source never reaches it"
            ),
        ));
    }
    Ok(Some(addr))
}

/// D9: a PostgreSQL data source's connect options from its fields alone,
/// to the address `egress_target` checked. sqlx fills defaults from the
/// server's `PG*` variables even without `.pgpass` (`new_without_pgpass`),
/// so every field that has a setter is set here; the three it can only
/// add to, never clear (`PGOPTIONS`, `PGSSLCERT`, `PGSSLKEY`), refuse the
/// connection instead, naming the variable.
///
/// The host is the checked IP address, so TLS checks the certificate
/// against that address: `verify-full` asks for an address in the
/// certificate, and is refused with a host name (the name could only be
/// checked by connecting to it, which is the second lookup D10 rules
/// out). `verify-ca`, `require` and `prefer` mean what they say.
pub fn pg_connect_options(options: &Options, addr: SocketAddr) -> AppResult<PgConnectOptions> {
    let Options::Postgresql {
        host,
        database,
        username,
        password,
        ssl_mode,
        ..
    } = options
    else {
        return Err(AppError::internal());
    };
    let mode = ssl_mode.parse::<PgSslMode>().unwrap_or(PgSslMode::Prefer);
    if matches!(mode, PgSslMode::VerifyFull) && host.trim().parse::<IpAddr>().is_err() {
        return Err(AppError::invalid(
            "options.ssl_mode",
            format!("options.ssl_mode verify-full needs options.host as an IP address its certificate names: the connection goes to the address checked, not to {host} (use verify-ca with a host name)"),
        ));
    }
    let base = PgConnectOptions::new_without_pgpass();
    let ambient = |var: &str| {
        AppError::with_code(
            ErrorCode::QueryFailed,
            format!("{var} is set in the server's environment: a data source never uses the server's own PostgreSQL settings, and this one cannot be left out; unset {var} for the server (DATABASE_URL can carry the product's own)"),
        )
    };
    if base.get_options().is_some() {
        return Err(ambient("PGOPTIONS"));
    }
    // Read from the environment, not from the options' URL form, which
    // cannot be built while the default host is a Unix socket's folder.
    for var in ["PGSSLCERT", "PGSSLKEY"] {
        if std::env::var_os(var).is_some() {
            return Err(ambient(var));
        }
    }
    Ok(base
        .host(&addr.ip().to_string())
        .port(addr.port())
        .username(username)
        // sqlx sends an empty password as no password: PGPASSWORD gone.
        .password(password.as_deref().unwrap_or(""))
        .database(database)
        .ssl_mode(mode)
        // Replaces PGSSLROOTCERT; no extra roots beyond the system's.
        .ssl_root_cert_from_pem(Vec::new())
        .application_name("stagecraft")
        .options([(
            "statement_timeout",
            format!("{}", TIME_LIMIT_SECONDS * 1000),
        )]))
}

/// A refusal made inside the HTTP client's resolver, found again in the
/// chain of the client's error.
#[derive(Debug)]
struct Refused(String);

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Refused {}

/// The REST client's resolver (D10): the addresses it answers are the
/// ones checked, and the only ones the client connects to.
struct CheckedResolver {
    policy: EgressPolicy,
}

impl reqwest::dns::Resolve for CheckedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let policy = self.policy.clone();
        let host = name.as_str().to_string();
        Box::pin(async move {
            let addrs: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            check_all(&policy, &host, &addrs)
                .map_err(|m| Box::new(Refused(m)) as Box<dyn std::error::Error + Send + Sync>)?;
            Ok(Box::new(addrs.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// The refusal in a REST client's error, if its resolver made one.
fn refusal_in(e: &reqwest::Error) -> Option<String> {
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        if let Some(r) = s.downcast_ref::<Refused>() {
            return Some(r.0.clone());
        }
        source = s.source();
    }
    None
}

/// D10 for a URL's host when it is an IP literal, which the client
/// connects to without asking its resolver.
fn check_url(policy: &EgressPolicy, url: &reqwest::Url) -> AppResult<()> {
    let field = "options.base_url";
    let Some(host) = url.host_str() else {
        return Err(AppError::invalid(
            field,
            format!("{field} {url} has no host"),
        ));
    };
    // The URL parser writes every IPv4 spelling (`0x7f.1`) as a.b.c.d and
    // IPv6 in brackets; anything else is a name for the resolver.
    match host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .parse::<IpAddr>()
    {
        Ok(ip) => policy.check(ip).map_err(|m| refused(field, m)),
        Err(_) => Ok(()),
    }
}

/// The pool (or client) of data source `name` in `environment`, with the
/// scope's secrets noted.
async fn connection(db: &Db, name: &str, scope: &mut Scope<'_>) -> AppResult<(Conn, Options)> {
    let environment = scope.environment;
    let found = data_sources::for_run(db, name, environment).await?;
    let (id, _, stored) = &*found;
    let stored = stored.as_ref().ok_or_else(|| {
        AppError::invalid(
            "data_source",
            format!("The data source {name} is not configured in {environment}"),
        )
    })?;
    let options = resolve_options(&stored.options, scope)?;
    crate::domain::data_source::secrets_stay_with_target(
        &options,
        &stored.options,
        &stored.secrets,
    )?;
    let print = fingerprint(&options);
    if let Some(conn) = db.pools.get(&id, environment, &print) {
        return Ok((conn, options));
    }
    // D10 when a pool is made, not on every run (no name lookup per
    // query): its connections go to the address checked now, so a name
    // that later resolves elsewhere never moves them, and options or
    // constants that change make a new pool, checked anew.
    let target = egress_target(&db.pools.egress, &options)
        .await
        .map_err(|mut e| {
            e.message = scope.redact(&e.message);
            e
        })?;
    let conn = match (&options, target) {
        (Options::Postgresql { .. }, Some(addr)) => Conn::Pg(
            PgPoolOptions::new()
                .max_connections(POOL_SIZE)
                .min_connections(0)
                .acquire_timeout(CONNECT_TIMEOUT)
                .idle_timeout(Duration::from_secs(300))
                .connect_lazy_with(pg_connect_options(&options, addr)?),
        ),
        (Options::Postgresql { .. }, None) => return Err(AppError::internal()),
        (Options::Sqlite { file }, _) => {
            let path = sqlite_path(db.pools.dir(), file)?;
            Conn::Sqlite(Arc::new(SqliteFile::new(
                path,
                CONNECT_TIMEOUT,
                POOL_SIZE as usize,
            )))
        }
        (Options::RestApi { .. }, _) => Conn::Http(
            reqwest::Client::builder()
                .connect_timeout(CONNECT_TIMEOUT)
                .timeout(time_limit())
                // A redirect would lead past the checks of the URL asked for.
                .redirect(reqwest::redirect::Policy::none())
                // D9: no HTTP(S)_PROXY of the server's environment.
                .no_proxy()
                // D10: names are resolved and checked here, and the
                // addresses checked are the ones connected to (no second
                // lookup a rebinding name could answer differently). IP
                // literals skip any resolver: `check_url` sees them first.
                .dns_resolver(Arc::new(CheckedResolver {
                    policy: db.pools.egress.policy.clone(),
                }))
                .pool_max_idle_per_host(POOL_SIZE as usize)
                .build()
                .map_err(|e| {
                    tracing::error!(error = %e, "cannot build an HTTP client");
                    AppError::internal()
                })?,
        ),
    };
    db.pools.put(&id, environment, print, conn.clone());
    Ok((conn, options))
}

/// D4: connects to data source `name` in `environment` and says how it went.
pub async fn test_connection(db: &Db, name: &str, environment: &EnvName) -> AppResult<String> {
    let constants = constants::values_in(db, environment).await?;
    let inputs = Map::new();
    let mut scope = Scope::of_options(environment, &constants, &inputs);
    let (conn, options) = connection(db, name, &mut scope).await?;
    let deadline = Instant::now() + time_limit();
    let outcome = tokio::time::timeout(time_limit(), async {
        match &conn {
            Conn::Pg(pool) => pool
                .execute("SELECT 1")
                .await
                .map(|_| format!("Connected to {name} in {environment}"))
                .map_err(|e| RunError::Failed(e.to_string())),
            Conn::Sqlite(file) => match on_file(file.clone(), move |f| f.ping(deadline)).await {
                Ok(()) => Ok(format!("Opened {name} in {environment}")),
                Err(RunError::Timeout) => Err(RunError::Failed("the time limit passed".into())),
                Err(e) => Err(e),
            },
            Conn::Http(client) => {
                let (base_url, headers, bearer) = rest_parts(&options);
                let url = reqwest::Url::parse(&base_url).map_err(|e| {
                    RunError::Refused(AppError::invalid(
                        "options.base_url",
                        format!("options.base_url is not a URL: {e}"),
                    ))
                })?;
                check_url(&db.pools.egress.policy, &url).map_err(RunError::Refused)?;
                refuse_framing("options.headers", headers.iter().map(|(n, _)| n.as_str()))
                    .map_err(RunError::Refused)?;
                let req = with_headers(client.get(url), &headers, bearer.as_deref());
                req.send()
                    .await
                    .map(|r| {
                        format!(
                            "Reached {name} in {environment}: HTTP {}",
                            r.status().as_u16()
                        )
                    })
                    .map_err(rest_error)
            }
        }
    })
    .await;
    match outcome {
        Err(_) => Err(timed_out()),
        Ok(Ok(message)) => Ok(message),
        Ok(Err(RunError::Refused(mut e))) => {
            e.message = scope.redact(&e.message);
            Err(e)
        }
        Ok(Err(RunError::Timeout)) => Err(timed_out()),
        Ok(Err(RunError::Failed(message))) => Err(failed(&scope, message)),
    }
}

/// A REST client's error as a run reports it: a refusal of the resolver
/// (D10) as the refusal it is.
fn rest_error(e: reqwest::Error) -> RunError {
    if let Some(m) = refusal_in(&e) {
        RunError::Refused(refused("options.base_url", m))
    } else if e.is_timeout() {
        RunError::Timeout
    } else {
        RunError::Failed(e.to_string())
    }
}

/// A REST data source's base URL, headers and bearer token, resolved.
fn rest_parts(options: &Options) -> (String, Vec<(String, String)>, Option<String>) {
    match options {
        Options::RestApi {
            base_url,
            headers,
            bearer_token,
        } => (
            base_url.clone(),
            headers
                .iter()
                .map(|h| (h.name.clone(), h.value.clone().unwrap_or_default()))
                .collect(),
            bearer_token.clone(),
        ),
        _ => (String::new(), Vec::new(), None),
    }
}

/// A framing header (`Host`, `Transfer-Encoding`, `Content-Length`,
/// `Connection`) stored before saves refused it is refused when a run
/// would send it: the request is not sent at all.
fn refuse_framing<'a>(field: &str, mut names: impl Iterator<Item = &'a str>) -> AppResult<()> {
    match names.find(|n| framing_header(n)) {
        None => Ok(()),
        Some(name) => Err(AppError::invalid(
            field,
            format!(
                "{field}: {name} is a header that frames the request ({}); it is never sent by hand. Remove it and save again",
                FRAMING_HEADERS.join(", ")
            ),
        )),
    }
}

fn with_headers(
    mut req: reqwest::RequestBuilder,
    headers: &[(String, String)],
    bearer: Option<&str>,
) -> reqwest::RequestBuilder {
    for (n, v) in headers {
        req = req.header(n.as_str(), v.as_str());
    }
    if let Some(t) = bearer {
        req = req.bearer_auth(t);
    }
    req
}

/// Runs query `name` of `definition` in `environment` with `inputs` (R3,
/// R4, D5): the environment's options, constants and secrets.
pub async fn run(
    db: &Db,
    definition: &Definition,
    name: &str,
    environment: &EnvName,
    inputs: &Map<String, Value>,
) -> AppResult<QueryResult> {
    let query = definition
        .query(name)
        .ok_or_else(|| AppError::not_found(format!("The version has no query named {name}")))?;
    let input_types = definition.inputs();
    if let Some(unknown) = inputs
        .keys()
        .find(|k| !input_types.contains_key(k.as_str()))
    {
        let field = format!("inputs.{unknown}");
        return Err(AppError::invalid(
            &field,
            format!("{field}: the version has no input named {unknown}"),
        ));
    }
    let constants = constants::values_in(db, environment).await?;
    let mut scope = Scope {
        environment,
        constants: &constants,
        inputs,
        input_types,
        secrets: constants.secret_texts(),
    };
    // Inputs of the wrong type are refused before anything runs.
    for k in inputs.keys() {
        scope.input(k)?;
    }
    let (conn, options) = connection(db, &query.data_source, &mut scope).await?;
    let started = Instant::now();
    let deadline = started + time_limit();
    let result = match (&query.body, &conn) {
        (QueryBody::Sql(sql), Conn::Pg(pool)) => {
            let (text, params) = bind_sql(sql, &mut scope, Placeholder::Dollar)?;
            tokio::time::timeout(time_limit(), run_pg(pool, &text, &params)).await
        }
        (QueryBody::Sql(sql), Conn::Sqlite(file)) => {
            let (text, params) = bind_sql(sql, &mut scope, Placeholder::Question)?;
            // A little past the deadline: SQLite interrupts itself at it.
            tokio::time::timeout(
                time_limit() + Duration::from_secs(2),
                on_file(file.clone(), move |f| f.query(&text, &params, deadline)),
            )
            .await
        }
        (QueryBody::Rest(r), Conn::Http(client)) => {
            let (base, headers, bearer) = rest_parts(&options);
            let request = rest_request(
                &db.pools.egress.policy,
                client,
                r,
                &base,
                &headers,
                bearer.as_deref(),
                &mut scope,
            )?;
            tokio::time::timeout(time_limit(), run_rest(request)).await
        }
        _ => {
            return Err(AppError::invalid(
                "data_source",
                format!(
                    "The query {name} does not fit the kind of {}",
                    query.data_source
                ),
            ))
        }
    };
    let elapsed_ms = started.elapsed().as_millis() as u64;
    match result {
        Err(_) => Err(timed_out()),
        Ok(Err(RunError::Timeout)) => Err(timed_out()),
        Ok(Err(RunError::Failed(m))) => Err(failed(&scope, m)),
        Ok(Err(RunError::Refused(mut e))) => {
            e.message = scope.redact(&e.message);
            Err(e)
        }
        Ok(Ok(mut r)) => {
            match &mut r {
                QueryResult::Sql { elapsed_ms: e, .. }
                | QueryResult::Rest { elapsed_ms: e, .. } => *e = elapsed_ms,
            }
            Ok(r)
        }
    }
}

pub(super) enum RunError {
    /// The statement ran past its deadline and was interrupted.
    Timeout,
    Failed(String),
    /// Where the data source would connect is refused (D10).
    Refused(AppError),
}

/// One value bound to a SQL parameter (never spliced into the SQL), for
/// PostgreSQL and SQLite data sources alike.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Param {
    Null,
    Int(i64),
    Float(f64),
    Text(String),
}

/// Runs `work` on a SQLite data source's file, on a blocking thread.
async fn on_file<T: Send + 'static>(
    file: Arc<SqliteFile>,
    work: impl FnOnce(&SqliteFile) -> Result<T, RunError> + Send + 'static,
) -> Result<T, RunError> {
    tokio::task::spawn_blocking(move || work(&file))
        .await
        .unwrap_or_else(|e| Err(RunError::Failed(e.to_string())))
}

#[derive(Clone, Copy)]
enum Placeholder {
    /// PostgreSQL's `$1`.
    Dollar,
    /// SQLite's `?1`.
    Question,
}

/// The SQL with every reference replaced by a numbered parameter, and the
/// values to bind (R3): nothing a user sends is ever spliced into SQL.
fn bind_sql(sql: &str, scope: &mut Scope, mark: Placeholder) -> AppResult<(String, Vec<Param>)> {
    let mut text = String::new();
    let mut params = Vec::new();
    for s in template::parse(sql).map_err(|m| AppError::invalid("sql", m))? {
        match s {
            Segment::Text(t) => text.push_str(&t),
            Segment::Ref(r) => {
                params.push(scope.value(&r, Slot::Open, "sql")?);
                let n = params.len();
                match mark {
                    Placeholder::Dollar => text.push_str(&format!("${n}")),
                    Placeholder::Question => text.push_str(&format!("?{n}")),
                }
            }
        }
    }
    Ok((text, params))
}

macro_rules! bind_all {
    ($q:expr, $params:expr) => {{
        let mut q = $q;
        for p in $params {
            q = match p {
                Param::Null => q.bind(None::<String>),
                Param::Int(i) => q.bind(*i),
                Param::Float(f) => q.bind(*f),
                Param::Text(t) => q.bind(t.clone()),
            };
        }
        q
    }};
}

fn is_timeout(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Database(d) => {
            // PostgreSQL's query_canceled (statement_timeout); SQLite's
            // SQLITE_INTERRUPT from the progress handler.
            d.code().as_deref() == Some("57014")
                || d.code().as_deref() == Some("9")
                || d.message().contains("interrupted")
        }
        _ => false,
    }
}

fn sql_error(e: sqlx::Error) -> RunError {
    if is_timeout(&e) {
        RunError::Timeout
    } else {
        RunError::Failed(match &e {
            sqlx::Error::Database(d) => d.message().to_string(),
            other => other.to_string(),
        })
    }
}

async fn run_pg(pool: &PgPool, sql: &str, params: &[Param]) -> Result<QueryResult, RunError> {
    let q = bind_all!(sqlx::query::<sqlx::Postgres>(sql), params);
    let mut stream = q.fetch(pool);
    let mut columns = None;
    let mut rows = Vec::new();
    let mut truncated = false;
    while let Some(row) = stream.try_next().await.map_err(sql_error)? {
        if rows.len() == ROW_LIMIT {
            truncated = true;
            break;
        }
        columns.get_or_insert_with(|| row.columns().iter().map(|c| c.name().to_string()).collect());
        rows.push((0..row.len()).map(|i| pg_value(&row, i)).collect());
    }
    drop(stream);
    let columns = match columns {
        Some(c) => c,
        None => pool
            .describe(sql)
            .await
            .map(|d| d.columns().iter().map(|c| c.name().to_string()).collect())
            .unwrap_or_default(),
    };
    Ok(QueryResult::Sql {
        columns,
        rows,
        truncated,
        elapsed_ms: 0,
    })
}

fn pg_value(row: &sqlx::postgres::PgRow, i: usize) -> Value {
    if row.try_get_raw(i).map(|v| v.is_null()).unwrap_or(true) {
        return Value::Null;
    }
    let type_name = row.columns()[i].type_info().name().to_string();
    let got = |v: Option<Value>| v.unwrap_or(Value::Null);
    match type_name.as_str() {
        "BOOL" => got(row.try_get::<bool, _>(i).ok().map(Value::from)),
        "INT2" => got(row.try_get::<i16, _>(i).ok().map(Value::from)),
        "INT4" => got(row.try_get::<i32, _>(i).ok().map(Value::from)),
        "INT8" => got(row.try_get::<i64, _>(i).ok().map(Value::from)),
        "FLOAT4" => got(row.try_get::<f32, _>(i).ok().map(Value::from)),
        "FLOAT8" => got(row.try_get::<f64, _>(i).ok().map(Value::from)),
        "JSON" | "JSONB" => got(row.try_get::<Value, _>(i).ok()),
        "UUID" => got(row
            .try_get::<uuid::Uuid, _>(i)
            .ok()
            .map(|u| Value::from(u.to_string()))),
        "TIMESTAMPTZ" => got(row
            .try_get::<time::OffsetDateTime, _>(i)
            .ok()
            .and_then(|t| {
                t.format(&time::format_description::well_known::Rfc3339)
                    .ok()
            })
            .map(Value::from)),
        "TIMESTAMP" => got(row
            .try_get::<time::PrimitiveDateTime, _>(i)
            .ok()
            .map(|t| Value::from(t.to_string()))),
        "DATE" => got(row
            .try_get::<time::Date, _>(i)
            .ok()
            .map(|t| Value::from(t.to_string()))),
        "TIME" => got(row
            .try_get::<time::Time, _>(i)
            .ok()
            .map(|t| Value::from(t.to_string()))),
        _ => match row.try_get::<String, _>(i) {
            Ok(s) => Value::from(s),
            Err(_) => Value::from(format!(
                "({type_name}: cast it to text in the query to see it)"
            )),
        },
    }
}

/// Percent-encodes a value put into a URL path, so an input cannot add
/// path segments or a query string. A value that is a dot segment (`.`,
/// `..`) has its dots encoded too; the URL parser still reads `%2E%2E` as
/// `..` (WHATWG), so `rest_url` is what keeps the path under the base.
pub fn path_value(text: &str) -> String {
    if text == "." || text == ".." {
        return text.replace('.', "%2E");
    }
    let mut out = String::new();
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The URL of a REST query: `path` after the base URL, and still under it
/// once the URL parser has applied the dot segments (`..`, `%2E%2E`,
/// `.%2e`) of the query's text or of its inputs. The base URL is the data
/// source owner's choice; a query author (or an input) climbing out of its
/// path (`/api/v1/../../admin`) or changing its host (`@other`) is refused.
pub fn rest_url(base: &str, path: &str) -> AppResult<reqwest::Url> {
    let field = "rest.path";
    let base_url = reqwest::Url::parse(base).map_err(|e| {
        AppError::invalid(
            "options.base_url",
            format!("options.base_url is not a URL: {e}"),
        )
    })?;
    let url = reqwest::Url::parse(&format!("{}{path}", base.trim_end_matches('/')))
        .map_err(|e| AppError::invalid(field, format!("{field} does not make a URL: {e}")))?;
    let prefix = base_url.path().trim_end_matches('/');
    let under = url.path() == prefix
        || url.path().starts_with(&format!("{prefix}/"))
        || (prefix.is_empty() && url.path().starts_with('/'));
    if url.origin() != base_url.origin() || !under {
        return Err(AppError::invalid(
            field,
            format!("{field} leads outside the data source's base_url ({base})"),
        ));
    }
    Ok(url)
}

#[allow(clippy::too_many_arguments)]
fn rest_request(
    policy: &EgressPolicy,
    client: &reqwest::Client,
    r: &RestRequest,
    base: &str,
    headers: &[(String, String)],
    bearer: Option<&str>,
    scope: &mut Scope,
) -> AppResult<reqwest::RequestBuilder> {
    let mut path = String::new();
    for s in template::parse(&r.path).map_err(|m| AppError::invalid("rest.path", m))? {
        match s {
            Segment::Text(t) => path.push_str(&t),
            Segment::Ref(reference) => path.push_str(&path_value(&param_text(&scope.value(
                &reference,
                Slot::Open,
                "rest.path",
            )?))),
        }
    }
    let url = rest_url(base, &path)?;
    check_url(policy, &url)?;
    let method = reqwest::Method::from_bytes(r.method.as_bytes())
        .map_err(|_| AppError::invalid("rest.method", "Unknown method"))?;
    let mut query = Vec::new();
    for (k, v) in &r.query {
        query.push((k.clone(), scope.fill(v, Slot::Open, "rest.query")?));
    }
    refuse_framing("options.headers", headers.iter().map(|(n, _)| n.as_str()))?;
    refuse_framing("rest.headers", r.headers.iter().map(|(n, _)| n.as_str()))?;
    let mut all_headers = headers.to_vec();
    for (n, v) in &r.headers {
        all_headers.push((n.clone(), scope.fill(v, Slot::QueryHeader, "rest.headers")?));
    }
    let mut req = with_headers(
        client.request(method, url).query(&query),
        &all_headers,
        bearer,
    );
    if let Some(body) = &r.body {
        req = req.json(&fill_json(body, scope)?);
    }
    Ok(req)
}

fn fill_json(v: &Value, scope: &mut Scope) -> AppResult<Value> {
    Ok(match v {
        Value::String(s) => Value::String(scope.fill(s, Slot::Open, "rest.body")?),
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|i| fill_json(i, scope))
                .collect::<AppResult<_>>()?,
        ),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, i)| Ok((k.clone(), fill_json(i, scope)?)))
                .collect::<AppResult<_>>()?,
        ),
        other => other.clone(),
    })
}

async fn run_rest(req: reqwest::RequestBuilder) -> Result<QueryResult, RunError> {
    let mut resp = req.send().await.map_err(rest_error)?;
    let status = resp.status().as_u16();
    let mut headers = Map::new();
    for (n, v) in resp.headers() {
        headers.insert(
            n.as_str().to_string(),
            Value::from(String::from_utf8_lossy(v.as_bytes()).to_string()),
        );
    }
    let json = resp
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.contains("json"));
    let mut bytes = Vec::new();
    while let Some(chunk) = resp
        .chunk()
        .await
        .map_err(|e| RunError::Failed(e.to_string()))?
    {
        if bytes.len() + chunk.len() > MAX_REST_BODY {
            return Err(RunError::Failed(format!(
                "The answer is larger than {} MB",
                MAX_REST_BODY / 1024 / 1024
            )));
        }
        bytes.extend_from_slice(&chunk);
    }
    let mut truncated = false;
    let body = if json {
        match serde_json::from_slice::<Value>(&bytes) {
            Ok(Value::Array(mut items)) => {
                if items.len() > ROW_LIMIT {
                    items.truncate(ROW_LIMIT);
                    truncated = true;
                }
                Value::Array(items)
            }
            Ok(v) => v,
            Err(_) => Value::from(String::from_utf8_lossy(&bytes).to_string()),
        }
    } else {
        Value::from(String::from_utf8_lossy(&bytes).to_string())
    };
    Ok(QueryResult::Rest {
        status,
        headers,
        body,
        truncated,
        elapsed_ms: 0,
    })
}
