//! Running a query (SPEC R3, R4; API.md "Running queries"): what a run
//! takes and what it answers.
use super::input::Validate;
use crate::error::AppResult;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The row limit of every kind (R4): more rows come back cut, `truncated`.
pub const ROW_LIMIT: usize = 1_000;
/// The time limit of every kind (R4), after which the query is cancelled.
pub const TIME_LIMIT_SECONDS: u64 = 10;

/// `POST …/queries/{name}/run` as sent: the inputs by name.
#[derive(Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct RunInput {
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(value_type = Object))]
    pub inputs: Map<String, Value>,
}

impl Validate for RunInput {
    /// Checked against the version's inputs by the runner, which knows them.
    type Valid = Map<String, Value>;
    fn validate(self) -> AppResult<Map<String, Value>> {
        Ok(self.inputs)
    }
}

/// A cell as text: a string as it is, null as nothing, anything else as JSON.
pub fn cell_text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A query's answer: rows for SQL, the HTTP answer for REST.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum QueryResult {
    Sql {
        columns: Vec<String>,
        #[cfg_attr(feature = "ssr", schema(value_type = Vec<Vec<Object>>))]
        rows: Vec<Vec<Value>>,
        truncated: bool,
        elapsed_ms: u64,
    },
    Rest {
        status: u16,
        #[cfg_attr(feature = "ssr", schema(value_type = Object))]
        headers: Map<String, Value>,
        /// Parsed JSON when the answer is JSON, else text. A JSON list
        /// longer than the row limit is cut (`truncated`).
        #[cfg_attr(feature = "ssr", schema(value_type = Object))]
        body: Value,
        truncated: bool,
        elapsed_ms: u64,
    },
}

/// One query as the Queries panel lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueryItem {
    pub name: String,
    pub data_source: String,
    /// `sql` or `rest`.
    pub kind: String,
    /// What the query runs, for reading (SQL text, or the REST method and path).
    pub summary: String,
    /// The inputs it reads, with their declared types.
    pub inputs: Vec<(String, String)>,
}

/// The Queries panel of a version page (P7): the version's queries and
/// the environments it has reached, each with why the caller may not run
/// queries there, if they may not.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueriesPanel {
    pub queries: Vec<QueryItem>,
    pub environments: Vec<(super::environment::EnvName, Option<String>)>,
    /// Why the definition cannot run as stored, if it cannot.
    pub problem: Option<String>,
}

/// The last run of the panel's form, shown under its query.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueryRun {
    pub query: String,
    /// As the form sent it: it may name no environment.
    pub environment: String,
    pub inputs: std::collections::BTreeMap<String, String>,
    pub result: Result<QueryResult, crate::error::AppError>,
}
