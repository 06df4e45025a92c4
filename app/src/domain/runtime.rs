//! An app page as it is shown (SPEC R2, R5–R7): the definition's page with
//! every text filled for one environment and every table holding its
//! query's result. Built on the server; the page only displays it, and
//! Leptos escapes every text it displays.
use super::constant::MASK;
use super::definition::{ComponentKind, Definition, InputField, InputType};
use super::query::{cell_text, QueryResult};
use super::template::{self, Reference, Segment};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

/// What a visitor sent with the page: the inputs, and the query a button
/// or form runs first (if any).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Action {
    pub inputs: BTreeMap<String, String>,
    pub run: Option<String>,
}

/// The field prefix of an input in the app's forms and the Queries panel.
pub const INPUT_PREFIX: &str = "input.";

/// The inputs among a form's fields: `input.NAME`, by name.
pub fn inputs_of(fields: &[(String, String)]) -> BTreeMap<String, String> {
    fields
        .iter()
        .filter_map(|(k, v)| Some((k.strip_prefix(INPUT_PREFIX)?.to_string(), v.clone())))
        .collect()
}

impl Action {
    /// What an app page's form sent, read alike from a form post
    /// (`server::app_form`, JavaScript off) and in the browser (in place):
    /// `run` names the query, `input.NAME` the inputs.
    pub fn from_fields(fields: &[(String, String)]) -> Action {
        Action {
            run: fields
                .iter()
                .find(|(k, _)| k == "run")
                .map(|(_, v)| v.clone())
                .filter(|v| !v.is_empty()),
            inputs: inputs_of(fields),
        }
    }
}

/// The released apps a user may open: (name, slug).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Launcher {
    pub apps: Vec<(String, String)>,
}

/// A shown app page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShownApp {
    pub app_name: String,
    pub slug: String,
    /// Where its queries ran (production for a released app).
    pub environment: super::environment::EnvName,
    pub version_name: String,
    /// A preview (R7): shown under a banner naming environment and version.
    pub preview: bool,
    /// Every page: (name, title).
    pub pages: Vec<(String, String)>,
    pub page: String,
    pub title: String,
    pub components: Vec<Shown>,
    /// What the form or button just run did (R4: its own error, if any).
    pub outcome: Option<Outcome>,
    /// For edit access in a preview (P7): the page's live state.
    pub inspector: Option<Inspector>,
}

/// The inspector beside a preview (issue 11, P7): the inputs, each query's
/// last result or error and time, and the environment's global constants.
/// Never a secret: secrets are not read into it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Inspector {
    pub inputs: Vec<(String, String)>,
    pub queries: Vec<QueryState>,
    pub constants: Vec<(String, String)>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueryState {
    pub name: String,
    pub ran: bool,
    pub ok: bool,
    /// "3 rows", "HTTP 200", the error, or "not run".
    pub summary: String,
    pub elapsed_ms: Option<u64>,
}

impl Inspector {
    pub fn of(
        definition: &Definition,
        inputs: &BTreeMap<String, String>,
        results: &HashMap<String, Result<QueryResult, String>>,
        constants: &HashMap<String, String>,
    ) -> Inspector {
        let mut globals: Vec<(String, String)> = constants
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        globals.sort();
        Inspector {
            inputs: inputs.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
            queries: definition
                .queries
                .iter()
                .map(|q| {
                    let (ran, ok, summary, elapsed_ms) = match results.get(&q.name) {
                        None => (false, true, "not run".to_string(), None),
                        Some(Err(e)) => (true, false, e.clone(), None),
                        Some(Ok(QueryResult::Sql {
                            rows,
                            truncated,
                            elapsed_ms,
                            ..
                        })) => (
                            true,
                            true,
                            format!(
                                "{} rows{}",
                                rows.len(),
                                if *truncated { " (cut)" } else { "" }
                            ),
                            Some(*elapsed_ms),
                        ),
                        Some(Ok(QueryResult::Rest {
                            status, elapsed_ms, ..
                        })) => (true, true, format!("HTTP {status}"), Some(*elapsed_ms)),
                    };
                    QueryState {
                        name: q.name.clone(),
                        ran,
                        ok,
                        summary,
                        elapsed_ms,
                    }
                })
                .collect(),
            constants: globals,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Outcome {
    pub query: String,
    pub ok: bool,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShownInput {
    pub name: String,
    pub label: String,
    pub input_type: String,
    pub value: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Shown {
    Heading {
        id: String,
        text: String,
    },
    Text {
        id: String,
        text: String,
    },
    Input {
        id: String,
        input: ShownInput,
    },
    /// A query's rows, or why there are none (R4: per query).
    Table {
        id: String,
        query: String,
        result: Option<Result<QueryResult, String>>,
    },
    Button {
        id: String,
        label: String,
        query: String,
    },
    Form {
        id: String,
        query: String,
        submit_label: String,
        inputs: Vec<ShownInput>,
    },
}

/// What fills a page's texts: the environment's global constants, the
/// inputs as sent, and the queries' results.
pub struct Fill<'a> {
    pub environment: &'a str,
    pub constants: &'a HashMap<String, String>,
    pub inputs: &'a BTreeMap<String, String>,
    pub results: &'a HashMap<String, Result<QueryResult, String>>,
}

impl Fill<'_> {
    /// `text` with its references filled (C2, R2). A constant without a
    /// value here says so (C4) instead of reading as empty; a secret never
    /// shows (the save refuses it in components; this is the last guard).
    pub fn text(&self, text: &str) -> String {
        let Ok(segments) = template::parse(text) else {
            return text.to_string();
        };
        let mut out = String::new();
        for s in segments {
            match s {
                Segment::Text(t) => out.push_str(&t),
                Segment::Ref(Reference::Constant(name)) => match self.constants.get(&name) {
                    Some(v) => out.push_str(v),
                    None => out.push_str(&format!(
                        "[the constant {name} has no value in {}]",
                        self.environment
                    )),
                },
                Segment::Ref(Reference::Secret(_)) => out.push_str(MASK),
                Segment::Ref(Reference::Input(name)) => {
                    out.push_str(self.inputs.get(&name).map(String::as_str).unwrap_or(""))
                }
                Segment::Ref(Reference::Cell { query, row, column }) => {
                    if let Some(Ok(QueryResult::Sql { columns, rows, .. })) =
                        self.results.get(&query)
                    {
                        let at = columns.iter().position(|c| *c == column);
                        if let (Some(at), Some(r)) = (at, rows.get(row)) {
                            out.push_str(&cell_text(&r[at]));
                        }
                    } else if let Some(Ok(QueryResult::Rest { body, .. })) =
                        self.results.get(&query)
                    {
                        out.push_str(&cell_text(&body[row][&column]));
                    }
                }
            }
        }
        out
    }

    fn input(&self, f: &InputField) -> ShownInput {
        ShownInput {
            name: f.name.clone(),
            label: self.text(&f.label),
            input_type: match f.input_type {
                InputType::Text => "text",
                InputType::Number => "number",
                InputType::Date => "date",
            }
            .into(),
            value: self.inputs.get(&f.name).cloned().unwrap_or_default(),
        }
    }

    /// The components of `page` as shown.
    pub fn page(&self, definition: &Definition, page: &str) -> Vec<Shown> {
        let Some(p) = definition.pages.iter().find(|p| p.name == page) else {
            return Vec::new();
        };
        p.components
            .iter()
            .map(|c| {
                let id = c.id.clone();
                match &c.kind {
                    ComponentKind::Heading { text } => Shown::Heading {
                        id,
                        text: self.text(text),
                    },
                    ComponentKind::Text { text } => Shown::Text {
                        id,
                        text: self.text(text),
                    },
                    ComponentKind::Input(f) => Shown::Input {
                        id,
                        input: self.input(f),
                    },
                    ComponentKind::Table { query } => Shown::Table {
                        id,
                        query: query.clone(),
                        result: self.results.get(query).cloned(),
                    },
                    ComponentKind::Button { label, query } => Shown::Button {
                        id,
                        label: self.text(label),
                        query: query.clone(),
                    },
                    ComponentKind::Form {
                        query,
                        submit_label,
                        inputs,
                    } => Shown::Form {
                        id,
                        query: query.clone(),
                        submit_label: self.text(submit_label),
                        inputs: inputs.iter().map(|f| self.input(f)).collect(),
                    },
                }
            })
            .collect()
    }
}

/// The queries a page shows (its tables and `{{queries.Q…}}` texts) that
/// run when it opens: those marked `run_on_load`.
pub fn queries_to_load(definition: &Definition) -> Vec<String> {
    definition
        .queries
        .iter()
        .filter(|q| q.run_on_load)
        .map(|q| q.name.clone())
        .collect()
}

/// What an app's own pages may run when someone clicks (R7, P7): the
/// queries of its buttons and forms. The preview and the released app run
/// nothing else a visitor names; a query no component runs (kept for the
/// builder's Query Panel, say) is the builder's alone.
pub fn runs_on_click(definition: &Definition, query: &str) -> bool {
    use crate::domain::definition::ComponentKind;
    definition
        .pages
        .iter()
        .flat_map(|p| &p.components)
        .any(|c| match &c.kind {
            ComponentKind::Button { query: q, .. } | ComponentKind::Form { query: q, .. } => {
                q == query
            }
            _ => false,
        })
}

/// What a visitor of the app may ask the server to run by name
/// (`POST /released/{slug}/queries/{name}/run`): what a click runs, and
/// what a page loads when it opens.
pub fn runs_for_visitors(definition: &Definition, query: &str) -> bool {
    runs_on_click(definition, query)
        || definition
            .queries
            .iter()
            .any(|q| q.name == query && q.run_on_load)
}
