//! What a caller sent, held unparsed until the service has decided that the
//! caller may do what they ask.
//!
//! Both doors hand a service an `Input<T>`: the HTTP API the request body
//! as it arrived, a server function the typed fields of its form. The
//! service authorizes first and only then calls `parse`, so API.md's order
//! (401, 404, 403, 422, 409) holds by construction: nobody learns what a
//! field must look like on an app they cannot see. `T` is the use case's
//! wire shape (the fields and JSON types of API.md); `Validate` turns it
//! into the domain's checked types, each error naming its field.
use crate::error::{AppError, AppResult};
use serde::de::DeserializeOwned;
use serde_json::Value;

/// A use case's wire shape and the checked value it becomes.
pub trait Validate: DeserializeOwned {
    type Valid;
    fn validate(self) -> AppResult<Self::Valid>;
}

/// A body or form, not yet parsed.
#[derive(Debug)]
pub struct Input<T>(Raw<T>);

#[derive(Debug)]
enum Raw<T> {
    Typed(T),
    Json(Value),
    /// Not a JSON object at all: refused as `body` when parsed.
    Unreadable(String),
}

impl<T: Validate> Input<T> {
    /// Fields a form already typed (a server function's arguments).
    pub fn typed(value: T) -> Self {
        Input(Raw::Typed(value))
    }

    /// A request body: JSON text. An empty body reads as `{}`, so a
    /// body-less call of an endpoint whose fields are all optional works.
    pub fn from_json(bytes: &[u8]) -> Self {
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Input(Raw::Json(Value::Object(Default::default())));
        }
        match serde_json::from_slice::<Value>(bytes) {
            Ok(v @ Value::Object(_)) => Input(Raw::Json(v)),
            Ok(_) => Input(Raw::Unreadable("The body must be a JSON object".into())),
            Err(e) => Input(Raw::Unreadable(format!("The body is not valid JSON: {e}"))),
        }
    }

    /// A body that could not be read at all (too large, cut off).
    pub fn unreadable(message: impl Into<String>) -> Self {
        Input(Raw::Unreadable(message.into()))
    }

    /// The wire shape, without its checks: for the few services whose
    /// checks need the database (a slug already taken, say).
    pub fn read(self) -> AppResult<T> {
        match self.0 {
            Raw::Typed(t) => Ok(t),
            Raw::Unreadable(m) => Err(AppError::invalid("body", m)),
            Raw::Json(v) => serde_path_to_error::deserialize(v).map_err(|e| {
                let path = e.path().to_string();
                wire_error(&path, &e.into_inner().to_string())
            }),
        }
    }

    /// Whether `field` was sent (and not null), whatever its value: some
    /// rights depend on what a caller asks to change, and must be checked
    /// before the value is.
    pub fn has(&self, field: &str) -> bool
    where
        T: serde::Serialize,
    {
        self.sent(field, |f| !f.is_null())
    }

    /// Whether `field` was sent as `true`: a right asked for, checked before
    /// the body is (a `true` that is not a boolean is no such request, and
    /// the parse refuses it).
    pub fn is_true(&self, field: &str) -> bool
    where
        T: serde::Serialize,
    {
        self.sent(field, |f| *f == Value::Bool(true))
    }

    /// Whether `field` was sent with a value that `test` accepts, before the
    /// body is parsed.
    fn sent(&self, field: &str, test: impl Fn(&Value) -> bool) -> bool
    where
        T: serde::Serialize,
    {
        let sent = |v: &Value| v.get(field).is_some_and(&test);
        match &self.0 {
            Raw::Typed(t) => serde_json::to_value(t).is_ok_and(|v| sent(&v)),
            Raw::Json(v) => sent(v),
            Raw::Unreadable(_) => false,
        }
    }

    /// The checked value; 422 naming the first field that is wrong.
    pub fn parse(self) -> AppResult<T::Valid> {
        self.read()?.validate()
    }
}

/// serde's complaint about the field at `path`, in words a user reads.
fn wire_error(path: &str, serde_message: &str) -> AppError {
    // A missing field is reported at its parent ("." for the body).
    if let Some(rest) = serde_message.strip_prefix("missing field `") {
        let name = rest.split('`').next().unwrap_or_default();
        let field = match path {
            "." | "" => name.to_string(),
            parent => format!("{parent}.{name}"),
        };
        return AppError::invalid(&field, format!("{field} is required"));
    }
    let field = if path == "." || path.is_empty() {
        "body"
    } else {
        path
    };
    let expected = serde_message
        .split_once(", expected ")
        .map(|(_, e)| e.trim_end_matches(|c: char| c == '.'));
    let message = match expected {
        Some("a string") => format!("{field} must be a string"),
        Some("a boolean") => format!("{field} must be true or false"),
        Some(e) if e.starts_with('i') || e.starts_with('u') => {
            format!("{field} must be a whole number")
        }
        Some("a sequence") => format!("{field} must be a list"),
        Some(e) if e.starts_with("a map") || e.starts_with("struct") => {
            format!("{field} must be an object")
        }
        // A type's own message (`Deserialize` written by hand) already
        // says what is wrong in full.
        None => serde_message.to_string(),
        _ => format!("{field}: {serde_message}"),
    };
    AppError::invalid(field, message)
}

/// The one rule for every name a person types (apps, versions, users,
/// groups, data sources, tokens): 1 to `max` characters after trimming, no
/// control characters. `missing` is what an empty one is told; `what`
/// names the field in the other refusals.
pub fn bounded_text(
    raw: &str,
    field: &str,
    what: &str,
    max: usize,
    missing: &str,
) -> crate::error::AppResult<String> {
    use crate::error::AppError;
    let t = raw.trim();
    if t.is_empty() {
        return Err(AppError::invalid(field, missing));
    }
    if t.chars().count() > max {
        return Err(AppError::invalid(
            field,
            format!("{what} must be at most {max} characters"),
        ));
    }
    if t.chars().any(char::is_control) {
        return Err(AppError::invalid(
            field,
            format!("{what} must not contain control characters"),
        ));
    }
    Ok(t.to_string())
}
