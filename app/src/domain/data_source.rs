//! Data sources (SPEC D1–D3, API.md "Data sources"): a name, a kind, and
//! one set of options per environment. Secret fields are write-only: reads
//! show `MASK`, and saving `MASK` or leaving the field out keeps the
//! stored value.
use super::constant::MASK;
use super::input::Validate;
use super::template::Slot;
use crate::error::{AppError, AppResult};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum DataSourceKind {
    Postgresql,
    RestApi,
    Sqlite,
}

impl DataSourceKind {
    pub const ALL: [DataSourceKind; 3] = [
        DataSourceKind::Postgresql,
        DataSourceKind::RestApi,
        DataSourceKind::Sqlite,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DataSourceKind::Postgresql => "postgresql",
            DataSourceKind::RestApi => "rest_api",
            DataSourceKind::Sqlite => "sqlite",
        }
    }

    pub fn parse(raw: &str) -> Option<DataSourceKind> {
        Self::ALL.into_iter().find(|k| k.as_str() == raw)
    }

    pub fn label(self) -> &'static str {
        match self {
            DataSourceKind::Postgresql => "PostgreSQL",
            DataSourceKind::RestApi => "REST API",
            DataSourceKind::Sqlite => "SQLite file",
        }
    }
}

pub const SSL_MODES: [&str; 5] = ["disable", "prefer", "require", "verify-ca", "verify-full"];

/// One environment's options, checked. Secret fields hold `None` when the
/// caller kept the stored value (sent `MASK` or nothing).
#[derive(Debug, Clone, PartialEq)]
pub enum Options {
    Postgresql {
        host: String,
        port: u16,
        database: String,
        username: String,
        password: Option<String>,
        ssl_mode: String,
    },
    RestApi {
        base_url: String,
        headers: Vec<Header>,
        bearer_token: Option<String>,
    },
    Sqlite {
        file: String,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Header {
    pub name: String,
    /// `None`: a secret header sent back masked, which keeps its value.
    pub value: Option<String>,
    pub secret: bool,
}

fn field_text(
    field: &str,
    v: Option<&Value>,
    required: bool,
    max: usize,
) -> AppResult<Option<String>> {
    match v {
        None | Some(Value::Null) => {
            if required {
                Err(AppError::invalid(field, format!("{field} is required")))
            } else {
                Ok(None)
            }
        }
        Some(Value::String(s)) => {
            if required && s.trim().is_empty() {
                return Err(AppError::invalid(field, format!("{field} is required")));
            }
            if s.chars().count() > max {
                return Err(AppError::invalid(
                    field,
                    format!("{field} must be at most {max} characters"),
                ));
            }
            Ok(Some(s.clone()))
        }
        Some(_) => Err(AppError::invalid(
            field,
            format!("{field} must be a string"),
        )),
    }
}

/// A secret field: absent, null or `MASK` keeps the stored value.
fn secret_text(field: &str, v: Option<&Value>) -> AppResult<Option<String>> {
    Ok(field_text(field, v, false, 10_000)?.filter(|s| s != MASK))
}

fn known_keys(map: &Map<String, Value>, known: &[&str]) -> AppResult<()> {
    if let Some(k) = map.keys().find(|k| !known.contains(&k.as_str())) {
        let field = format!("options.{k}");
        return Err(AppError::invalid(
            &field,
            format!(
                "{field} is not an option of this kind (expected one of: {})",
                known.join(", ")
            ),
        ));
    }
    Ok(())
}

/// Whether `text` starts with a reference, whose value decides the rest.
fn templated(text: &str) -> bool {
    text.trim_start().starts_with("{{")
}

/// The headers that frame an HTTP message rather than describe it: the
/// HTTP client sets them from the URL and the body, and one given by hand
/// would contradict them (a request smuggled past a proxy, another host's
/// virtual server). Refused wherever headers are given, in any case.
/// The hop-by-hop headers go with them: they speak for the connection,
/// not for the request.
pub const FRAMING_HEADERS: [&str; 10] = [
    "Host",
    "Transfer-Encoding",
    "Content-Length",
    "Connection",
    "Keep-Alive",
    "Proxy-Connection",
    "TE",
    "Trailer",
    "Upgrade",
    "Expect",
];

/// Whether `name` is one of `FRAMING_HEADERS`, in any case, and with `_`
/// for `-` (some proxies and CGI-style backends read `Content_Length` as
/// `Content-Length`).
pub fn framing_header(name: &str) -> bool {
    let name = name.trim().replace('_', "-");
    FRAMING_HEADERS
        .iter()
        .any(|f| f.eq_ignore_ascii_case(&name))
}

/// The refusal of a framing header named at `at` (a `….name` field).
pub fn framing_refusal(at: &str, name: &str) -> AppError {
    AppError::invalid(
        at,
        format!(
            "{at}: {name} cannot be set by hand (the HTTP client sets {}; they frame the request)",
            FRAMING_HEADERS.join(", ")
        ),
    )
}

impl Options {
    /// Checks `options` as sent for `kind`; each error names its field as
    /// `options.NAME`.
    pub fn parse(kind: DataSourceKind, options: &Value) -> AppResult<Options> {
        Self::read(kind, options, true)
    }

    /// `parse`, leniently for options stored before a rule existed (a
    /// framing header is then refused when a run would send it).
    fn read(kind: DataSourceKind, options: &Value, strict: bool) -> AppResult<Options> {
        let map = options
            .as_object()
            .ok_or_else(|| AppError::invalid("options", "options must be an object"))?;
        let text = |name: &str, required: bool, max: usize| {
            field_text(&format!("options.{name}"), map.get(name), required, max)
        };
        match kind {
            DataSourceKind::Postgresql => {
                known_keys(
                    map,
                    &[
                        "host", "port", "database", "username", "password", "ssl_mode",
                    ],
                )?;
                let port = match map.get("port") {
                    None | Some(Value::Null) => 5432,
                    Some(v) => v
                        .as_u64()
                        .filter(|p| (1..=65535).contains(p))
                        .ok_or_else(|| {
                            AppError::invalid(
                                "options.port",
                                "options.port must be a whole number from 1 to 65535",
                            )
                        })? as u16,
                };
                let ssl_mode = text("ssl_mode", false, 20)?.unwrap_or_else(|| "prefer".into());
                if !SSL_MODES.contains(&ssl_mode.as_str()) {
                    return Err(AppError::invalid(
                        "options.ssl_mode",
                        format!("options.ssl_mode must be one of {}", SSL_MODES.join(", ")),
                    ));
                }
                Ok(Options::Postgresql {
                    host: text("host", true, 255)?.unwrap_or_default(),
                    port,
                    database: text("database", true, 255)?.unwrap_or_default(),
                    username: text("username", true, 255)?.unwrap_or_default(),
                    password: secret_text("options.password", map.get("password"))?,
                    ssl_mode,
                })
            }
            DataSourceKind::RestApi => {
                known_keys(map, &["base_url", "headers", "bearer_token"])?;
                let base_url = text("base_url", true, 2000)?.unwrap_or_default();
                let scheme_ok = base_url.starts_with("http://") || base_url.starts_with("https://");
                if !templated(&base_url)
                    && (!scheme_ok || base_url.split("://").nth(1).is_none_or(str::is_empty))
                {
                    return Err(AppError::invalid(
                        "options.base_url",
                        "options.base_url must be an http:// or https:// URL",
                    ));
                }
                let mut headers = Vec::new();
                match map.get("headers") {
                    None | Some(Value::Null) => {}
                    Some(Value::Array(items)) => {
                        for (i, h) in items.iter().enumerate() {
                            let at = format!("options.headers[{i}]");
                            let h = h.as_object().ok_or_else(|| {
                                AppError::invalid(&at, format!("{at} must be an object"))
                            })?;
                            let name = field_text(&format!("{at}.name"), h.get("name"), true, 200)?
                                .unwrap_or_default();
                            if !name
                                .bytes()
                                .all(|b| b.is_ascii_alphanumeric() || b"-_".contains(&b))
                            {
                                return Err(AppError::invalid(&format!("{at}.name"), format!("{at}.name must be a header name (letters, digits, - and _)")));
                            }
                            if strict && framing_header(&name) {
                                return Err(framing_refusal(&format!("{at}.name"), &name));
                            }
                            let secret = match h.get("secret") {
                                None | Some(Value::Null) => false,
                                Some(Value::Bool(b)) => *b,
                                Some(_) => {
                                    return Err(AppError::invalid(
                                        &format!("{at}.secret"),
                                        format!("{at}.secret must be true or false"),
                                    ))
                                }
                            };
                            let value = if secret {
                                secret_text(&format!("{at}.value"), h.get("value"))?
                            } else {
                                Some(
                                    field_text(
                                        &format!("{at}.value"),
                                        h.get("value"),
                                        false,
                                        10_000,
                                    )?
                                    .unwrap_or_default(),
                                )
                            };
                            if headers
                                .iter()
                                .any(|o: &Header| o.name.eq_ignore_ascii_case(&name))
                            {
                                return Err(AppError::invalid(
                                    &format!("{at}.name"),
                                    format!("{at}.name: {name} is given twice"),
                                ));
                            }
                            headers.push(Header {
                                name,
                                value,
                                secret,
                            });
                        }
                    }
                    Some(_) => {
                        return Err(AppError::invalid(
                            "options.headers",
                            "options.headers must be a list",
                        ))
                    }
                }
                Ok(Options::RestApi {
                    base_url,
                    headers,
                    bearer_token: secret_text("options.bearer_token", map.get("bearer_token"))?,
                })
            }
            DataSourceKind::Sqlite => {
                known_keys(map, &["file"])?;
                let file = text("file", true, 255)?.unwrap_or_default();
                sqlite_file(&file)?;
                Ok(Options::Sqlite { file })
            }
        }
    }

    /// What every read shows: secrets as `MASK` where one is stored.
    /// `stored_secrets` names the secret fields that have a value.
    pub fn shown(&self, stored: &Secrets) -> Value {
        let mask = |present: bool| if present { json!(MASK) } else { Value::Null };
        match self {
            Options::Postgresql {
                host,
                port,
                database,
                username,
                ssl_mode,
                ..
            } => json!({
                "host": host, "port": port, "database": database, "username": username,
                "password": mask(stored.0.contains_key("password")), "ssl_mode": ssl_mode,
            }),
            Options::RestApi {
                base_url, headers, ..
            } => json!({
                "base_url": base_url,
                "headers": headers.iter().map(|h| json!({
                    "name": h.name,
                    "value": if h.secret { mask(stored.0.contains_key(&header_key(&h.name))) } else { json!(h.value.clone().unwrap_or_default()) },
                    "secret": h.secret,
                })).collect::<Vec<_>>(),
                "bearer_token": mask(stored.0.contains_key("bearer_token")),
            }),
            Options::Sqlite { file } => json!({ "file": file }),
        }
    }

    /// The options without their secret values, as stored in the clear.
    pub fn public(&self) -> Value {
        self.shown(&Secrets::default())
    }

    /// Where a connection goes (D8): PostgreSQL host, port, database, user
    /// and TLS mode; a REST base URL. As written: a constant in them is a
    /// name.
    fn target(&self) -> Vec<String> {
        match self {
            Options::Postgresql {
                host,
                port,
                database,
                username,
                ssl_mode,
                ..
            } => {
                // ssl_mode too: a downgrade to `disable` would hand a kept
                // password to whoever sits on the path.
                vec![
                    host.clone(),
                    port.to_string(),
                    database.clone(),
                    username.clone(),
                    json!(ssl_mode).to_string(),
                ]
            }
            Options::RestApi { base_url, .. } => vec![base_url.clone()],
            Options::Sqlite { file } => vec![file.clone()],
        }
    }

    /// The field that changed the target, to name in the refusal.
    fn target_field(&self, previous: &Options) -> &'static str {
        match (self, previous) {
            (
                Options::Postgresql {
                    host,
                    port,
                    database,
                    ..
                },
                Options::Postgresql {
                    host: h,
                    port: p,
                    database: d,
                    ..
                },
            ) => {
                if host != h {
                    "host"
                } else if port != p {
                    "port"
                } else if database != d {
                    "database"
                } else if self.target()[3] != previous.target()[3] {
                    "username"
                } else {
                    "ssl_mode"
                }
            }
            (Options::RestApi { .. }, _) => "base_url",
            _ => "file",
        }
    }

    /// The secret values this save sets, merged over `stored`, the values
    /// kept for `previous` options (a field kept keeps its stored value; a
    /// header no longer secret or gone drops its value). D8: a kept secret
    /// never follows a changed target: whoever may edit options could
    /// otherwise point them at a host of theirs and press Test connection.
    ///
    /// `resolved` is where these options connect with today's constants
    /// (`target_text` of the options resolved): the secrets are bound to it,
    /// and a kept secret bound to another one is refused too, so a changed
    /// constant in a host cannot move a kept secret either.
    pub fn merge_secrets(
        &self,
        previous: Option<&Options>,
        stored: &Secrets,
        resolved: &str,
    ) -> AppResult<Secrets> {
        let moved = match previous {
            Some(p) if p.target() != self.target() => Some(self.target_field(p)),
            Some(p) if stored.bound_target_or(p) != resolved => Some("value of a constant it uses"),
            _ => None,
        };
        let mut out = BTreeMap::new();
        let mut keep = |key: String, field: String, sent: &Option<String>| -> AppResult<()> {
            match sent {
                Some(v) => {
                    out.insert(key, v.clone());
                }
                None => {
                    if let Some(v) = stored.0.get(&key) {
                        if let Some(changed) = moved {
                            return Err(AppError::invalid(
                                &field,
                                format!(
                                    "{field}: the {changed} changed, so the stored secret is not sent there: enter it again"
                                ),
                            ));
                        }
                        out.insert(key, v.clone());
                    }
                }
            }
            Ok(())
        };
        match self {
            Options::Postgresql { password, .. } => {
                keep("password".into(), "options.password".into(), password)?
            }
            Options::RestApi {
                headers,
                bearer_token,
                ..
            } => {
                keep(
                    "bearer_token".into(),
                    "options.bearer_token".into(),
                    bearer_token,
                )?;
                for (i, h) in headers.iter().enumerate().filter(|(_, h)| h.secret) {
                    keep(
                        header_key(&h.name),
                        format!("options.headers[{i}].value"),
                        &h.value,
                    )?;
                }
            }
            Options::Sqlite { .. } => {}
        }
        Ok(Secrets(out).bound_to(resolved))
    }

    /// Where a connection goes, as one text to compare (D8).
    pub fn target_text(&self) -> String {
        json!(self.target()).to_string()
    }

    /// Reads stored options back (public part plus secrets).
    pub fn stored(kind: DataSourceKind, public: &Value, secrets: &Secrets) -> AppResult<Options> {
        // The public part parses as sent; secrets come from `secrets`.
        let mut o = Options::read(kind, public, false)?;
        match &mut o {
            Options::Postgresql { password, .. } => *password = secrets.0.get("password").cloned(),
            Options::RestApi {
                headers,
                bearer_token,
                ..
            } => {
                *bearer_token = secrets.0.get("bearer_token").cloned();
                for h in headers.iter_mut().filter(|h| h.secret) {
                    h.value = secrets.0.get(&header_key(&h.name)).cloned();
                }
            }
            Options::Sqlite { .. } => {}
        }
        Ok(o)
    }

    /// Every text of the options a reference may sit in, with its field.
    pub fn texts(&self) -> Vec<(String, &str)> {
        self.texts_in_slots()
            .into_iter()
            .map(|(field, text, _)| (field, text))
            .collect()
    }

    /// Every text field with where it sits as far as secrets go (C3):
    /// only the secret fields may hold `{{secrets.…}}`.
    pub fn texts_in_slots(&self) -> Vec<(String, &str, Slot)> {
        let mut out: Vec<(String, &str, Slot)> = Vec::new();
        match self {
            Options::Postgresql {
                host,
                database,
                username,
                password,
                ..
            } => {
                out.push(("options.host".into(), host, Slot::Open));
                out.push(("options.database".into(), database, Slot::Open));
                out.push(("options.username".into(), username, Slot::Open));
                if let Some(p) = password {
                    out.push(("options.password".into(), p, Slot::SecretOption));
                }
            }
            Options::RestApi {
                base_url,
                headers,
                bearer_token,
            } => {
                out.push(("options.base_url".into(), base_url, Slot::Open));
                for (i, h) in headers.iter().enumerate() {
                    if let Some(v) = &h.value {
                        let slot = if h.secret {
                            Slot::SecretOption
                        } else {
                            Slot::Open
                        };
                        out.push((format!("options.headers[{i}].value"), v, slot));
                    }
                }
                if let Some(t) = bearer_token {
                    out.push(("options.bearer_token".into(), t, Slot::SecretOption));
                }
            }
            Options::Sqlite { file } => out.push(("options.file".into(), file, Slot::Open)),
        }
        out
    }
}

/// The key a secret header's value is stored under.
fn header_key(name: &str) -> String {
    format!("header:{}", name.to_ascii_lowercase())
}

/// The secret values of one environment's options, by field.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Secrets(pub BTreeMap<String, String>);

/// The key, sealed with the secrets, of the target they were entered for
/// (D8); no field's key starts with `@`.
const BOUND_TARGET: &str = "@target";

impl Secrets {
    /// Whether nothing is sealed at all (no secret, no bound target).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The target the options were saved for, resolved. Options saved
    /// before D8 bound them count as bound to their target as written: a
    /// reference in it then always counts as moved, so such options must
    /// be saved again (their secrets entered again) before they connect.
    fn bound_target_or(&self, stored: &Options) -> String {
        self.0
            .get(BOUND_TARGET)
            .cloned()
            .unwrap_or_else(|| stored.target_text())
    }

    /// Every save binds, with or without secrets: a REST query's headers
    /// may carry `{{secrets.X}}` to the host of a data source that keeps
    /// none itself.
    fn bound_to(mut self, target: &str) -> Secrets {
        self.0.insert(BOUND_TARGET.into(), target.into());
        self
    }
}

/// D8 at run time: a data source connects only where its options were
/// saved for, so neither its own secrets nor a query's secret headers go
/// anywhere else. `resolved` is the stored options with every reference
/// filled; a constant in a host that changed since the save moves the
/// target, and the run stops before anything is sent.
pub fn secrets_stay_with_target(
    resolved: &Options,
    stored_options: &Options,
    stored: &Secrets,
) -> AppResult<()> {
    if stored.bound_target_or(stored_options) == resolved.target_text() {
        return Ok(());
    }
    Err(AppError::invalid(
        "options",
        "Where this data source connects changed since its options were saved (a constant \
         it uses has another value now), so no secret is sent there: save its options again, \
         entering its secrets again",
    ))
}

/// A SQLite file named relative to the data-source folder: no absolute
/// path, no `..`, nothing but a plain relative path (symlinks are checked
/// against the folder when the file is opened).
pub fn sqlite_file(file: &str) -> AppResult<()> {
    let refuse = |why: &str| {
        Err(AppError::invalid(
            "options.file",
            format!("options.file {why}"),
        ))
    };
    if file.starts_with('/') || file.starts_with('\\') || file.contains(':') {
        return refuse("must be a path inside the data-source folder, not an absolute one");
    }
    if file.split(['/', '\\']).any(|part| part == "..") {
        return refuse("must not contain .. (it must stay inside the data-source folder)");
    }
    if file.contains('\0') || file.split(['/', '\\']).any(str::is_empty) {
        return refuse("must be a plain relative path such as orders.db or team/orders.db");
    }
    Ok(())
}

/// One environment's entry as read: never configured, or its options.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct EnvironmentOptions {
    pub configured: bool,
    /// The kind's options, secrets as `********`; null when unconfigured.
    pub options: Option<Value>,
    /// What a save based on these options sends back (D12): 1 after the
    /// first save, one more at each. Left out when unconfigured, which is
    /// revision 0.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub revision: i64,
}

fn is_zero(n: &i64) -> bool {
    *n == 0
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct DataSourceView {
    pub id: String,
    pub name: String,
    pub kind: DataSourceKind,
    /// Every environment of the installation (D1).
    pub environments: BTreeMap<String, EnvironmentOptions>,
}

/// `POST /data-sources` as sent.
#[derive(Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct NewDataSourceInput {
    #[serde(default)]
    pub name: String,
    /// `postgresql`, `rest_api` or `sqlite`.
    #[serde(default)]
    pub kind: String,
    /// Environment name to that environment's options.
    #[serde(default)]
    pub environments: BTreeMap<String, Value>,
}

pub struct NewDataSource {
    pub name: String,
    pub kind: DataSourceKind,
    pub environments: BTreeMap<String, Options>,
}

/// 1–50 characters after trimming (D1).
pub fn data_source_name(raw: &str) -> AppResult<String> {
    super::input::bounded_text(raw, "name", "The name", 50, "Name the data source")
}

fn kind(raw: &str) -> AppResult<DataSourceKind> {
    DataSourceKind::parse(raw)
        .ok_or_else(|| AppError::invalid("kind", "kind must be postgresql, rest_api or sqlite"))
}

impl Validate for NewDataSourceInput {
    type Valid = NewDataSource;
    fn validate(self) -> AppResult<NewDataSource> {
        let name = data_source_name(&self.name)?;
        let kind = kind(&self.kind)?;
        let mut environments = BTreeMap::new();
        for (env, options) in self.environments {
            let options = Options::parse(kind, &options).map_err(|e| AppError {
                field: e.field.map(|f| format!("environments.{env}.{f}")),
                ..e
            })?;
            environments.insert(env, options);
        }
        Ok(NewDataSource {
            name,
            kind,
            environments,
        })
    }
}

/// `PUT /data-sources/{id}/environments/{E}` as sent; checked against the
/// data source's kind by the service.
#[derive(Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct OptionsInput {
    pub options: Option<Value>,
    /// The revision of the options the saver saw (D12): the save happens
    /// only if they are still at it, else 409. `0`: the environment was
    /// unconfigured. Left out: the save replaces whatever is there.
    #[serde(default)]
    pub revision: Option<i64>,
}

/// `OptionsInput`, checked: the options (checked against the kind by the
/// service) and the revision they are based on, if given.
pub struct OptionsChange {
    pub options: Value,
    pub revision: Option<i64>,
}

impl Validate for OptionsInput {
    type Valid = OptionsChange;
    fn validate(self) -> AppResult<OptionsChange> {
        let options = self
            .options
            .ok_or_else(|| AppError::invalid("options", "options is required"))?;
        if self.revision.is_some_and(|r| r < 0) {
            return Err(AppError::invalid(
                "revision",
                "revision must be 0 (unconfigured) or the revision the options were read at",
            ));
        }
        Ok(OptionsChange {
            options,
            revision: self.revision,
        })
    }
}

/// The answer of a save of one environment's options: the data source,
/// and the new revision of the options saved (D12).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct OptionsSaved {
    #[serde(flatten)]
    pub data_source: DataSourceView,
    /// The saved environment's revision now: what the next save sends.
    pub revision: i64,
}

/// Why a save based on `given` finds the options at `current` (D12).
pub fn stale_options(given: i64, current: i64) -> AppError {
    let what = if current == 0 {
        format!("revision {given} was sent, but they are unconfigured now (revision 0)")
    } else if given == 0 {
        format!("revision 0 (unconfigured) was sent, but they are at revision {current} now")
    } else {
        format!("revision {given} was sent, but they are at revision {current} now")
    };
    AppError::conflict(format!(
        "These options changed since you read them: {what}. Reload them and apply your change again."
    ))
}

/// `POST …/test`'s answer (D4).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TestResult {
    pub ok: bool,
    pub message: String,
}

/// The data sources page: the data sources, the environments as tabs, and
/// why the caller may not change them (the controls are disabled with it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DataSourcesPage {
    pub data_sources: Vec<DataSourceView>,
    pub environments: Vec<String>,
    pub change_refusal: Option<String>,
}
