//! Promotion pre-flight (SPEC B3): what a version needs in the environment
//! it goes to, and which of it that environment lacks. A version needs the
//! data sources its queries use, every constant and secret named anywhere
//! in its definition (queries, components, REST fields), and those named in
//! the target environment's options of the data sources it uses.
use super::definition::for_each_string;
use super::environment::EnvName;
use super::template::{self, Reference};
use super::user::Role;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// What is missing: API.md's pre-flight `kind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum MissingKind {
    DataSource,
    Constant,
    Secret,
}

impl MissingKind {
    pub fn as_str(self) -> &'static str {
        match self {
            MissingKind::DataSource => "data_source",
            MissingKind::Constant => "constant",
            MissingKind::Secret => "secret",
        }
    }
}

/// One value the target environment lacks.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Missing {
    pub kind: MissingKind,
    pub name: String,
    pub environment: EnvName,
}

/// `GET …/preflight?to=E`: `ok` exactly when nothing is missing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Preflight {
    pub ok: bool,
    pub missing: Vec<Missing>,
}

impl Preflight {
    pub fn of(missing: Vec<Missing>) -> Preflight {
        Preflight {
            ok: missing.is_empty(),
            missing,
        }
    }
}

/// A constant or secret, by kind and name.
pub type ConstantRef = (MissingKind, String);

/// The constants and secrets named in some texts (texts that are not
/// templates name nothing; the save refused them anyway).
pub fn constants_in<'a>(texts: impl IntoIterator<Item = &'a str>) -> BTreeSet<ConstantRef> {
    let mut out = BTreeSet::new();
    for text in texts {
        for r in template::references(text).unwrap_or_default() {
            match r {
                Reference::Constant(n) => {
                    out.insert((MissingKind::Constant, n));
                }
                Reference::Secret(n) => {
                    out.insert((MissingKind::Secret, n));
                }
                Reference::Input(_) | Reference::Cell { .. } => {}
            }
        }
    }
    out
}

/// What a version needs wherever it runs, before any data source's options.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Needs {
    pub data_sources: BTreeSet<String>,
    pub constants: BTreeSet<ConstantRef>,
}

/// The needs of a version, from its definition document as stored. Read
/// from the document, not the parsed `Definition`: parsing refuses a data
/// source that no longer exists, which is exactly what must be listed.
pub fn needs(doc: &Value) -> Needs {
    let mut texts: Vec<String> = Vec::new();
    // Collecting never fails.
    let _ = for_each_string(doc, &mut |s| {
        texts.push(s.to_string());
        Ok(())
    });
    Needs {
        data_sources: doc
            .get("queries")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|q| q.get("data_source").and_then(Value::as_str))
            .map(str::to_string)
            .collect(),
        constants: constants_in(texts.iter().map(String::as_str)),
    }
}

/// What the target environment holds of what a version needs.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Held {
    /// The data sources configured there, each with the constants and
    /// secrets its options there name.
    pub data_sources: BTreeMap<String, BTreeSet<ConstantRef>>,
    /// The constants and secrets with a value there.
    pub constants: BTreeSet<ConstantRef>,
}

/// The constants and secrets a version wants where `sources` (data source
/// name to what its options there name) are configured: its own, and
/// those named by the options of the data sources it uses.
pub fn wanted(
    needs: &Needs,
    sources: &BTreeMap<String, BTreeSet<ConstantRef>>,
) -> BTreeSet<ConstantRef> {
    let mut out = needs.constants.clone();
    for source in &needs.data_sources {
        if let Some(named) = sources.get(source) {
            out.extend(named.iter().cloned());
        }
    }
    out
}

/// Everything `needs` lacks in `environment`: data sources first, then
/// constants, then secrets, each by name.
pub fn missing(needs: &Needs, held: &Held, environment: &EnvName) -> Vec<Missing> {
    let at = |kind, name: &str| Missing {
        kind,
        name: name.to_string(),
        environment: environment.clone(),
    };
    let mut out: BTreeSet<Missing> = needs
        .data_sources
        .iter()
        .filter(|s| !held.data_sources.contains_key(*s))
        .map(|s| at(MissingKind::DataSource, s))
        .collect();
    for (kind, name) in wanted(needs, &held.data_sources) {
        if !held.constants.contains(&(kind, name.clone())) {
            out.insert(at(kind, &name));
        }
    }
    out.into_iter().collect()
}

/// Why this role may not override a failed pre-flight, if it may not: only
/// admins may (B3).
pub fn override_denied(role: Role) -> Option<&'static str> {
    (role != Role::Admin).then_some("Only an admin may override the pre-flight")
}

/// The pre-flight as a confirmation page shows it: each missing value with
/// the page where it is given one, and why the caller may not override.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Checked {
    pub environment: EnvName,
    pub missing: Vec<(Missing, String)>,
    pub override_denied: Option<String>,
}

/// Where a missing value is given one: the data source's page in that
/// environment (`source_id` when it exists), or the constant's row.
pub fn fix_link(m: &Missing, source_id: Option<&str>) -> String {
    match (m.kind, source_id) {
        (MissingKind::DataSource, Some(id)) => format!("/data-sources/{id}?env={}", m.environment),
        (MissingKind::DataSource, None) => "/data-sources".to_string(),
        (MissingKind::Constant, _) => format!("/constants#constant-global-{}", m.name),
        (MissingKind::Secret, _) => format!("/constants#constant-secret-{}", m.name),
    }
}
