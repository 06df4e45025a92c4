//! The definition document of a version (SPEC R1–R3, API.md "The
//! definition document"): pages of components, and named queries. Every
//! save parses it here; the first rule it breaks is a 422 whose `field` is
//! the JSON path of the offending value, e.g.
//! `definition.pages[0].components[3].query`.
use super::data_source::DataSourceKind;
use super::template::{self, Reference};
use crate::error::{AppError, AppResult};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, HashMap, HashSet};

#[derive(Debug, Clone, PartialEq)]
pub struct Definition {
    pub pages: Vec<Page>,
    pub queries: Vec<Query>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    pub name: String,
    pub title: String,
    pub components: Vec<Component>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Component {
    pub id: String,
    pub kind: ComponentKind,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ComponentKind {
    Heading {
        text: String,
    },
    Text {
        text: String,
    },
    Input(InputField),
    Table {
        query: String,
    },
    Button {
        label: String,
        query: String,
    },
    Form {
        query: String,
        submit_label: String,
        inputs: Vec<InputField>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputType {
    Text,
    Number,
    Date,
}

#[derive(Debug, Clone, PartialEq)]
pub struct InputField {
    pub name: String,
    pub label: String,
    pub input_type: InputType,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    pub name: String,
    pub data_source: String,
    pub run_on_load: bool,
    pub body: QueryBody,
}

#[derive(Debug, Clone, PartialEq)]
pub enum QueryBody {
    /// SQL in which every `{{…}}` becomes a bound parameter.
    Sql(String),
    Rest(RestRequest),
}

pub const REST_METHODS: [&str; 5] = ["GET", "POST", "PUT", "PATCH", "DELETE"];

#[derive(Debug, Clone, PartialEq)]
pub struct RestRequest {
    pub method: String,
    pub path: String,
    pub query: BTreeMap<String, String>,
    pub headers: Vec<(String, String)>,
    /// JSON whose strings are templates; `None` sends no body.
    pub body: Option<Value>,
}

impl Definition {
    pub fn query(&self, name: &str) -> Option<&Query> {
        self.queries.iter().find(|q| q.name == name)
    }

    /// The type of every input of the version, by name.
    pub fn inputs(&self) -> HashMap<&str, InputType> {
        let mut out = HashMap::new();
        for p in &self.pages {
            for c in &p.components {
                match &c.kind {
                    ComponentKind::Input(i) => {
                        out.insert(i.name.as_str(), i.input_type);
                    }
                    ComponentKind::Form { inputs, .. } => {
                        for i in inputs {
                            out.insert(i.name.as_str(), i.input_type);
                        }
                    }
                    _ => {}
                }
            }
        }
        out
    }

    /// The queries as the Queries panel lists them, each with the inputs
    /// it reads.
    pub fn query_items(&self) -> Vec<super::query::QueryItem> {
        let types = self.inputs();
        self.queries
            .iter()
            .map(|q| {
                let mut texts: Vec<String> = Vec::new();
                let summary = match &q.body {
                    QueryBody::Sql(sql) => {
                        texts.push(sql.clone());
                        sql.clone()
                    }
                    QueryBody::Rest(r) => {
                        texts.push(r.path.clone());
                        texts.extend(r.query.values().cloned());
                        texts.extend(r.headers.iter().map(|(_, v)| v.clone()));
                        if let Some(b) = &r.body {
                            let _ = for_each_string(b, &mut |s| {
                                texts.push(s.to_string());
                                Ok(())
                            });
                        }
                        format!("{} {}", r.method, r.path)
                    }
                };
                let mut inputs: Vec<(String, String)> = Vec::new();
                for t in &texts {
                    for r in template::references(t).unwrap_or_default() {
                        if let Reference::Input(name) = r {
                            if !inputs.iter().any(|(n, _)| *n == name) {
                                let kind = match types.get(name.as_str()) {
                                    Some(InputType::Number) => "number",
                                    Some(InputType::Date) => "date",
                                    _ => "text",
                                };
                                inputs.push((name, kind.to_string()));
                            }
                        }
                    }
                }
                super::query::QueryItem {
                    name: q.name.clone(),
                    data_source: q.data_source.clone(),
                    kind: if matches!(q.body, QueryBody::Sql(_)) {
                        "sql"
                    } else {
                        "rest"
                    }
                    .into(),
                    summary,
                    inputs,
                }
            })
            .collect()
    }

    /// The data sources the version's queries use.
    pub fn data_sources(&self) -> HashSet<&str> {
        self.queries
            .iter()
            .map(|q| q.data_source.as_str())
            .collect()
    }
}

/// The most text one string of a definition may hold.
const MAX_TEXT: usize = 100_000;

/// One JSON object being read, with its path, refusing keys it does not know.
struct Obj<'a> {
    path: String,
    map: &'a Map<String, Value>,
}

fn invalid(path: &str, message: impl Into<String>) -> AppError {
    AppError::invalid(path, message)
}

fn object<'a>(path: &str, v: &'a Value, known: &[&str]) -> AppResult<Obj<'a>> {
    let map = v
        .as_object()
        .ok_or_else(|| invalid(path, format!("{path} must be an object")))?;
    if let Some(k) = map.keys().find(|k| !known.contains(&k.as_str())) {
        let at = format!("{path}.{k}");
        return Err(invalid(
            &at,
            format!(
                "{at} is not part of a definition (expected one of: {})",
                known.join(", ")
            ),
        ));
    }
    Ok(Obj {
        path: path.to_string(),
        map,
    })
}

impl<'a> Obj<'a> {
    fn at(&self, key: &str) -> String {
        format!("{}.{key}", self.path)
    }

    fn get(&self, key: &str) -> Option<&'a Value> {
        self.map.get(key).filter(|v| !v.is_null())
    }

    fn string(&self, key: &str) -> AppResult<String> {
        let at = self.at(key);
        match self.get(key) {
            None => Err(invalid(&at, format!("{at} is required"))),
            Some(v) => text(&at, v),
        }
    }

    fn optional_string(&self, key: &str) -> AppResult<String> {
        match self.get(key) {
            None => Ok(String::new()),
            Some(v) => text(&self.at(key), v),
        }
    }

    fn name(&self, key: &str) -> AppResult<String> {
        let at = self.at(key);
        super::constant::identifier(&at, &self.string(key)?)
    }

    fn list(&self, key: &str) -> AppResult<&'a [Value]> {
        match self.get(key) {
            None => Ok(&[]),
            Some(Value::Array(items)) => Ok(items),
            Some(_) => {
                let at = self.at(key);
                Err(invalid(&at, format!("{at} must be a list")))
            }
        }
    }
}

fn text(at: &str, v: &Value) -> AppResult<String> {
    let s = v
        .as_str()
        .ok_or_else(|| invalid(at, format!("{at} must be a string")))?;
    if s.chars().count() > MAX_TEXT {
        return Err(invalid(
            at,
            format!("{at} must be at most {MAX_TEXT} characters"),
        ));
    }
    Ok(s.to_string())
}

/// Where a template is used, which decides what it may reference.
#[derive(Clone, Copy, PartialEq)]
enum Place {
    /// Shown to end users.
    Component,
    /// Runs on the server before any result exists: no query cells.
    Query,
    /// A REST query's header: a query, and the one place of a definition a
    /// secret may sit (C3).
    QueryHeader,
}

impl Place {
    fn slot(self) -> template::Slot {
        match self {
            Place::QueryHeader => template::Slot::QueryHeader,
            Place::Component | Place::Query => template::Slot::Open,
        }
    }
}

/// R9: what one definition may hold, so one request stays bounded.
pub const MAX_PAGES: usize = 50;
pub const MAX_COMPONENTS_PER_PAGE: usize = 500;
pub const MAX_QUERIES: usize = 200;
/// The most bytes of JSON (as stored: compact) one definition may take.
pub const MAX_BYTES: usize = 1_000_000;

/// R9: the limits, checked before anything else is read: 422 naming the
/// limit's path (`definition.pages`, `definition.pages[3].components`,
/// `definition.queries`, or `definition` for the size). Lists that are not
/// lists are left to `parse`, which names them.
pub fn check_limits(doc: &Value) -> AppResult<()> {
    let count = |v: &Value| v.as_array().map(Vec::len).unwrap_or(0);
    let too_many = |at: &str, n: usize, max: usize, what: &str| {
        invalid(
            at,
            format!("{at}: a definition holds at most {max} {what} (this one has {n})"),
        )
    };
    let pages = count(&doc["pages"]);
    if pages > MAX_PAGES {
        return Err(too_many("definition.pages", pages, MAX_PAGES, "pages"));
    }
    if let Some(list) = doc["pages"].as_array() {
        for (i, p) in list.iter().enumerate() {
            let n = count(&p["components"]);
            if n > MAX_COMPONENTS_PER_PAGE {
                return Err(too_many(
                    &format!("definition.pages[{i}].components"),
                    n,
                    MAX_COMPONENTS_PER_PAGE,
                    "components per page",
                ));
            }
        }
    }
    let queries = count(&doc["queries"]);
    if queries > MAX_QUERIES {
        return Err(too_many(
            "definition.queries",
            queries,
            MAX_QUERIES,
            "queries",
        ));
    }
    let bytes = json_bytes(doc);
    if bytes > MAX_BYTES {
        return Err(invalid(
            "definition",
            format!("definition: a definition is at most {MAX_BYTES} bytes of JSON (this one is {bytes})"),
        ));
    }
    Ok(())
}

/// The length of `doc` as compact JSON, counted without building it.
pub fn json_bytes(doc: &Value) -> usize {
    struct Count(usize);
    impl std::io::Write for Count {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0 += b.len();
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut c = Count(0);
    // Writing a `Value` into a counter cannot fail.
    let _ = serde_json::to_writer(&mut c, doc);
    c.0
}

/// A definition being saved or made (a new version's): the limits (R9),
/// every rule of `parse`, and the rules that stored definitions predate,
/// which `parse` leaves to the run (a framing header, refused when sent).
pub fn parse_new(doc: &Value, sources: &HashMap<String, DataSourceKind>) -> AppResult<Definition> {
    check_limits(doc)?;
    let definition = parse(doc, sources)?;
    for (i, q) in definition.queries.iter().enumerate() {
        if let QueryBody::Rest(r) = &q.body {
            for (k, (name, _)) in r.headers.iter().enumerate() {
                if super::data_source::framing_header(name) {
                    return Err(super::data_source::framing_refusal(
                        &format!("definition.queries[{i}].rest.headers[{k}].name"),
                        name,
                    ));
                }
            }
        }
    }
    Ok(definition)
}

/// The parsed definition, checked against the version itself and the
/// installation's data sources (name to kind).
pub fn parse(doc: &Value, sources: &HashMap<String, DataSourceKind>) -> AppResult<Definition> {
    let root = object("definition", doc, &["pages", "queries"])?;
    let mut names = Names::default();
    // Queries first: components name them.
    let mut queries = Vec::new();
    for (i, q) in root.list("queries")?.iter().enumerate() {
        let q = query(&format!("definition.queries[{i}]"), q, sources)?;
        names.unique(&format!("definition.queries[{i}].name"), "query", &q.name)?;
        queries.push(q);
    }
    let mut pages = Vec::new();
    for (i, p) in root.list("pages")?.iter().enumerate() {
        pages.push(page(&format!("definition.pages[{i}]"), p, &mut names)?);
    }
    let definition = Definition { pages, queries };
    // References, now that every input and query is known.
    let inputs = definition.inputs();
    let known_query = |n: &str| definition.query(n).is_some();
    for (i, p) in definition.pages.iter().enumerate() {
        for (j, c) in p.components.iter().enumerate() {
            let at = format!("definition.pages[{i}].components[{j}]");
            let check = |field: &str, t: &str| {
                references(
                    &format!("{at}.{field}"),
                    t,
                    Place::Component,
                    &inputs,
                    &known_query,
                )
            };
            match &c.kind {
                ComponentKind::Heading { text } | ComponentKind::Text { text } => {
                    check("text", text)?
                }
                ComponentKind::Input(f) => check("label", &f.label)?,
                ComponentKind::Button { label, query } => {
                    check("label", label)?;
                    named_query(&format!("{at}.query"), query, &known_query)?;
                }
                ComponentKind::Table { query } => {
                    named_query(&format!("{at}.query"), query, &known_query)?
                }
                ComponentKind::Form {
                    query,
                    submit_label,
                    inputs: fields,
                } => {
                    named_query(&format!("{at}.query"), query, &known_query)?;
                    check("submit_label", submit_label)?;
                    for (k, f) in fields.iter().enumerate() {
                        check(&format!("inputs[{k}].label"), &f.label)?;
                    }
                }
            }
        }
    }
    for (i, q) in definition.queries.iter().enumerate() {
        let at = format!("definition.queries[{i}]");
        let check_in = |field: &str, t: &str, place: Place| {
            references(&format!("{at}.{field}"), t, place, &inputs, &known_query)
        };
        let check = |field: &str, t: &str| check_in(field, t, Place::Query);
        match &q.body {
            QueryBody::Sql(sql) => check("sql", sql)?,
            QueryBody::Rest(r) => {
                check("rest.path", &r.path)?;
                for (k, v) in &r.query {
                    check(&format!("rest.query.{k}"), v)?;
                }
                for (k, (_, v)) in r.headers.iter().enumerate() {
                    check_in(&format!("rest.headers[{k}].value"), v, Place::QueryHeader)?;
                }
                if let Some(body) = &r.body {
                    for_each_string(body, &mut |s| check("rest.body", s))?;
                }
            }
        }
    }
    Ok(definition)
}

/// Calls `f` on every string inside `v`.
pub fn for_each_string(v: &Value, f: &mut dyn FnMut(&str) -> AppResult<()>) -> AppResult<()> {
    match v {
        Value::String(s) => f(s),
        Value::Array(items) => items.iter().try_for_each(|i| for_each_string(i, f)),
        Value::Object(map) => map.values().try_for_each(|i| for_each_string(i, f)),
        _ => Ok(()),
    }
}

fn named_query(at: &str, name: &str, known: &dyn Fn(&str) -> bool) -> AppResult<()> {
    if known(name) {
        Ok(())
    } else {
        Err(invalid(
            at,
            format!("{at}: the version has no query named {name:?}"),
        ))
    }
}

fn references(
    at: &str,
    text: &str,
    place: Place,
    inputs: &HashMap<&str, InputType>,
    known_query: &dyn Fn(&str) -> bool,
) -> AppResult<()> {
    for r in template::references(text).map_err(|m| invalid(at, format!("{at}: {m}")))? {
        if let Some(message) = template::secret_misplaced(at, &r, place.slot()) {
            return Err(invalid(at, message));
        }
        match &r {
            Reference::Cell { .. } if place != Place::Component => {
                return Err(invalid(
                    at,
                    format!("{at}: a query cannot read another query's rows ({r})"),
                ))
            }
            Reference::Input(name) if !inputs.contains_key(name.as_str()) => {
                return Err(invalid(
                    at,
                    format!("{at}: the version has no input named {name:?}"),
                ))
            }
            Reference::Cell { query, .. } if !known_query(query) => {
                return Err(invalid(
                    at,
                    format!("{at}: the version has no query named {query:?}"),
                ))
            }
            _ => {}
        }
    }
    Ok(())
}

/// Names that must be unique in the version, by what they name.
#[derive(Default)]
struct Names(HashSet<(&'static str, String)>);

impl Names {
    fn unique(&mut self, at: &str, what: &'static str, name: &str) -> AppResult<()> {
        if self.0.insert((what, name.to_string())) {
            Ok(())
        } else {
            Err(invalid(
                at,
                format!("{at}: another {what} is already named {name}"),
            ))
        }
    }
}

fn page(at: &str, v: &Value, names: &mut Names) -> AppResult<Page> {
    let o = object(at, v, &["name", "title", "components"])?;
    let name = o.name("name")?;
    names.unique(&o.at("name"), "page", &name)?;
    let title = o.optional_string("title")?;
    let mut components = Vec::new();
    for (i, c) in o.list("components")?.iter().enumerate() {
        components.push(component(&format!("{at}.components[{i}]"), c, names)?);
    }
    Ok(Page {
        name,
        title,
        components,
    })
}

fn input_field(o: &Obj, names: &mut Names) -> AppResult<InputField> {
    let name = o.name("name")?;
    names.unique(&o.at("name"), "input", &name)?;
    let input_type = match o
        .get("input_type")
        .map(|v| text(&o.at("input_type"), v))
        .transpose()?
        .as_deref()
    {
        None | Some("text") => InputType::Text,
        Some("number") => InputType::Number,
        Some("date") => InputType::Date,
        Some(_) => {
            let at = o.at("input_type");
            return Err(invalid(&at, format!("{at} must be text, number or date")));
        }
    };
    Ok(InputField {
        name,
        label: o.optional_string("label")?,
        input_type,
    })
}

fn component(at: &str, v: &Value, names: &mut Names) -> AppResult<Component> {
    let kind = v
        .as_object()
        .ok_or_else(|| invalid(at, format!("{at} must be an object")))?
        .get("type")
        .and_then(Value::as_str)
        .ok_or_else(|| {
            invalid(
                &format!("{at}.type"),
                format!("{at}.type is required: heading, text, input, table, button or form"),
            )
        })?;
    let known: &[&str] = match kind {
        "heading" | "text" => &["id", "type", "text"],
        "input" => &["id", "type", "name", "label", "input_type"],
        "table" => &["id", "type", "query"],
        "button" => &["id", "type", "label", "query"],
        "form" => &["id", "type", "query", "submit_label", "inputs"],
        other => {
            let at = format!("{at}.type");
            return Err(invalid(
                &at,
                format!("{at}: {other:?} is not a component type (heading, text, input, table, button or form)"),
            ));
        }
    };
    let o = object(at, v, known)?;
    let id = o.name("id")?;
    names.unique(&o.at("id"), "component", &id)?;
    let kind = match kind {
        "heading" => ComponentKind::Heading {
            text: o.optional_string("text")?,
        },
        "text" => ComponentKind::Text {
            text: o.optional_string("text")?,
        },
        "input" => ComponentKind::Input(input_field(&o, names)?),
        "table" => ComponentKind::Table {
            query: o.name("query")?,
        },
        "button" => ComponentKind::Button {
            label: o.optional_string("label")?,
            query: o.name("query")?,
        },
        _ => {
            let query = o.name("query")?;
            let submit_label = o.optional_string("submit_label")?;
            let mut inputs = Vec::new();
            for (i, f) in o.list("inputs")?.iter().enumerate() {
                let f = object(
                    &format!("{at}.inputs[{i}]"),
                    f,
                    &["name", "label", "input_type"],
                )?;
                inputs.push(input_field(&f, names)?);
            }
            ComponentKind::Form {
                query,
                submit_label,
                inputs,
            }
        }
    };
    Ok(Component { id, kind })
}

fn query(at: &str, v: &Value, sources: &HashMap<String, DataSourceKind>) -> AppResult<Query> {
    let o = object(
        at,
        v,
        &["name", "data_source", "run_on_load", "sql", "rest"],
    )?;
    let name = o.name("name")?;
    let data_source = o.string("data_source")?;
    let kind = sources.get(&data_source).copied().ok_or_else(|| {
        let at = o.at("data_source");
        invalid(
            &at,
            format!("{at}: there is no data source named {data_source:?}"),
        )
    })?;
    let run_on_load = match o.get("run_on_load") {
        None => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => {
            let at = o.at("run_on_load");
            return Err(invalid(&at, format!("{at} must be true or false")));
        }
    };
    let body = match (o.get("sql"), o.get("rest")) {
        (Some(_), Some(_)) | (None, None) => {
            return Err(invalid(at, format!("{at} needs either sql or rest")));
        }
        (Some(sql), None) => {
            let at = o.at("sql");
            if kind == DataSourceKind::RestApi {
                return Err(invalid(
                    &at,
                    format!("{at}: {data_source} is a rest_api data source: give rest, not sql"),
                ));
            }
            let sql = text(&at, sql)?;
            if sql.trim().is_empty() {
                return Err(invalid(&at, format!("{at} is empty")));
            }
            QueryBody::Sql(sql)
        }
        (None, Some(rest)) => {
            let at = o.at("rest");
            if kind != DataSourceKind::RestApi {
                return Err(invalid(
                    &at,
                    format!(
                        "{at}: {data_source} is a {} data source: give sql, not rest",
                        kind.as_str()
                    ),
                ));
            }
            QueryBody::Rest(rest_request(&at, rest)?)
        }
    };
    Ok(Query {
        name,
        data_source,
        run_on_load,
        body,
    })
}

fn rest_request(at: &str, v: &Value) -> AppResult<RestRequest> {
    let o = object(at, v, &["method", "path", "query", "headers", "body"])?;
    let method = match o.get("method") {
        None => "GET".to_string(),
        Some(m) => text(&o.at("method"), m)?.to_ascii_uppercase(),
    };
    if !REST_METHODS.contains(&method.as_str()) {
        let at = o.at("method");
        return Err(invalid(
            &at,
            format!("{at} must be one of {}", REST_METHODS.join(", ")),
        ));
    }
    let path = o.optional_string("path")?;
    if !(path.is_empty() || path.starts_with('/')) || path.contains("://") {
        let at = o.at("path");
        return Err(invalid(
            &at,
            format!("{at} must start with / (it is added to the data source's base URL)"),
        ));
    }
    let mut query = BTreeMap::new();
    if let Some(q) = o.get("query") {
        let at = o.at("query");
        let map = q
            .as_object()
            .ok_or_else(|| invalid(&at, format!("{at} must be an object of strings")))?;
        for (k, v) in map {
            query.insert(k.clone(), text(&format!("{at}.{k}"), v)?);
        }
    }
    let mut headers = Vec::new();
    for (i, h) in o.list("headers")?.iter().enumerate() {
        let h = object(&format!("{at}.headers[{i}]"), h, &["name", "value"])?;
        let name = h.string("name")?;
        if name.is_empty()
            || !name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_".contains(&b))
        {
            let at = h.at("name");
            return Err(invalid(
                &at,
                format!("{at} must be a header name (letters, digits, - and _)"),
            ));
        }
        headers.push((name, h.optional_string("value")?));
    }
    Ok(RestRequest {
        method,
        path,
        query,
        headers,
        body: o.get("body").cloned(),
    })
}
