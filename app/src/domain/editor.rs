//! The form editor's changes to a definition document (issue 11): add,
//! change, move and remove pages, components and queries. Each change is
//! applied to the JSON as stored; the save that follows parses the result
//! with every rule of `definition::parse`, so the editor cannot make what
//! the API would refuse.
use super::input::Validate;
use crate::error::{AppError, AppResult};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

/// The component types the editor offers, in its menu's order.
pub const COMPONENT_TYPES: [&str; 6] = ["heading", "text", "input", "table", "button", "form"];

/// One form of the editor as sent: `op` says what to do; the other fields
/// are those of the thing changed.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct EditForm {
    pub op: String,
    pub page: Option<String>,
    pub id: Option<String>,
    pub name: Option<String>,
    pub title: Option<String>,
    pub kind: Option<String>,
    pub text: Option<String>,
    pub label: Option<String>,
    pub query: Option<String>,
    pub input_type: Option<String>,
    pub submit_label: Option<String>,
    /// A form component's inputs, one per line: `name`, `name: label` or
    /// `name: label: type`.
    pub inputs: Option<String>,
    pub data_source: Option<String>,
    pub sql: Option<String>,
    pub method: Option<String>,
    pub path: Option<String>,
    pub run_on_load: Option<String>,
}

/// Where a list item moves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Up,
    Down,
}

/// A checked change.
#[derive(Debug, Clone, PartialEq)]
pub enum Edit {
    AddPage {
        name: String,
        title: String,
    },
    SetPage {
        page: String,
        name: String,
        title: String,
    },
    MovePage {
        page: String,
        to: Direction,
    },
    RemovePage {
        page: String,
    },
    AddComponent {
        page: String,
        id: String,
        kind: String,
    },
    SetComponent {
        page: String,
        id: String,
        fields: Map<String, Value>,
    },
    MoveComponent {
        page: String,
        id: String,
        to: Direction,
    },
    RemoveComponent {
        page: String,
        id: String,
    },
    AddQuery {
        name: String,
        data_source: String,
        rest: bool,
    },
    SetQuery {
        name: String,
        fields: Map<String, Value>,
    },
    MoveQuery {
        name: String,
        to: Direction,
    },
    RemoveQuery {
        name: String,
    },
}

fn required(field: &str, v: &Option<String>) -> AppResult<String> {
    v.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .ok_or_else(|| AppError::invalid(field, format!("{field} is required")))
}

fn text(v: &Option<String>) -> String {
    v.clone().unwrap_or_default()
}

/// `name: label: type` lines as a form component's inputs.
fn form_inputs(lines: &str) -> Value {
    Value::Array(
        lines
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(|l| {
                let mut parts = l.splitn(3, ':').map(str::trim);
                let name = parts.next().unwrap_or_default();
                let label = parts.next().filter(|s| !s.is_empty()).unwrap_or(name);
                let kind = parts.next().filter(|s| !s.is_empty()).unwrap_or("text");
                json!({"name": name, "label": label, "input_type": kind})
            })
            .collect(),
    )
}

impl Validate for EditForm {
    type Valid = Edit;
    fn validate(self) -> AppResult<Edit> {
        let dir = |op: &str| {
            if op.ends_with("_up") {
                Direction::Up
            } else {
                Direction::Down
            }
        };
        let f = &self;
        Ok(match f.op.as_str() {
            "add_page" => Edit::AddPage {
                name: required("name", &f.name)?,
                title: text(&f.title),
            },
            "set_page" => Edit::SetPage {
                page: required("page", &f.page)?,
                name: required("name", &f.name)?,
                title: text(&f.title),
            },
            "page_up" | "page_down" => Edit::MovePage {
                page: required("page", &f.page)?,
                to: dir(&f.op),
            },
            "remove_page" => Edit::RemovePage {
                page: required("page", &f.page)?,
            },
            "add_component" => {
                let kind = required("kind", &f.kind)?;
                if !COMPONENT_TYPES.contains(&kind.as_str()) {
                    return Err(AppError::invalid(
                        "kind",
                        format!("kind must be one of {}", COMPONENT_TYPES.join(", ")),
                    ));
                }
                Edit::AddComponent {
                    page: required("page", &f.page)?,
                    id: required("id", &f.id)?,
                    kind,
                }
            }
            "set_component" => {
                let mut fields = Map::new();
                let mut put = |k: &str, v: &Option<String>| {
                    if let Some(v) = v {
                        fields.insert(k.to_string(), Value::from(v.clone()));
                    }
                };
                put("text", &f.text);
                put("label", &f.label);
                put("name", &f.name);
                put("query", &f.query);
                put("input_type", &f.input_type);
                put("submit_label", &f.submit_label);
                if let Some(lines) = &f.inputs {
                    fields.insert("inputs".into(), form_inputs(lines));
                }
                Edit::SetComponent {
                    page: required("page", &f.page)?,
                    id: required("id", &f.id)?,
                    fields,
                }
            }
            "component_up" | "component_down" => Edit::MoveComponent {
                page: required("page", &f.page)?,
                id: required("id", &f.id)?,
                to: dir(&f.op),
            },
            "remove_component" => Edit::RemoveComponent {
                page: required("page", &f.page)?,
                id: required("id", &f.id)?,
            },
            "add_query" => Edit::AddQuery {
                name: required("name", &f.name)?,
                data_source: required("data_source", &f.data_source)?,
                rest: f.kind.as_deref() == Some("rest"),
            },
            "set_query" => {
                let mut fields = Map::new();
                if let Some(ds) = &f.data_source {
                    fields.insert("data_source".into(), Value::from(ds.clone()));
                }
                // A check-box: sent when ticked, absent when not.
                fields.insert("run_on_load".into(), Value::Bool(f.run_on_load.is_some()));
                if let Some(sql) = &f.sql {
                    fields.insert("sql".into(), Value::from(sql.clone()));
                }
                if f.method.is_some() || f.path.is_some() {
                    fields.insert(
                        "rest".into(),
                        json!({"method": text(&f.method), "path": text(&f.path)}),
                    );
                }
                Edit::SetQuery {
                    name: required("name", &f.name)?,
                    fields,
                }
            }
            "query_up" | "query_down" => Edit::MoveQuery {
                name: required("name", &f.name)?,
                to: dir(&f.op),
            },
            "remove_query" => Edit::RemoveQuery {
                name: required("name", &f.name)?,
            },
            other => {
                return Err(AppError::invalid(
                    "op",
                    format!("{other:?} is not an editor change"),
                ))
            }
        })
    }
}

fn list<'a>(doc: &'a mut Value, key: &str) -> AppResult<&'a mut Vec<Value>> {
    let map = doc
        .as_object_mut()
        .ok_or_else(|| AppError::invalid("definition", "The definition must be an object"))?;
    let v = map.entry(key).or_insert_with(|| Value::Array(Vec::new()));
    v.as_array_mut().ok_or_else(|| {
        AppError::invalid(
            &format!("definition.{key}"),
            format!("definition.{key} must be a list"),
        )
    })
}

fn position(items: &[Value], key: &str, value: &str, what: &str) -> AppResult<usize> {
    items
        .iter()
        .position(|i| i[key] == value)
        .ok_or_else(|| AppError::not_found(format!("There is no {what} {value}")))
}

fn moved(items: &mut [Value], at: usize, to: Direction) {
    match to {
        Direction::Up if at > 0 => items.swap(at, at - 1),
        Direction::Down if at + 1 < items.len() => items.swap(at, at + 1),
        _ => {}
    }
}

fn components<'a>(doc: &'a mut Value, page: &str) -> AppResult<&'a mut Vec<Value>> {
    let pages = list(doc, "pages")?;
    let at = position(pages, "name", page, "page")?;
    let p = pages[at]
        .as_object_mut()
        .ok_or_else(|| AppError::invalid("page", "The page must be an object"))?;
    p.entry("components")
        .or_insert_with(|| Value::Array(Vec::new()))
        .as_array_mut()
        .ok_or_else(|| AppError::invalid("components", "components must be a list"))
}

/// A new component of `kind`, with what it needs to be valid where it can.
fn new_component(id: &str, kind: &str, first_query: Option<String>) -> Value {
    let query = first_query.unwrap_or_default();
    match kind {
        "heading" => json!({"id": id, "type": "heading", "text": "New heading"}),
        "text" => json!({"id": id, "type": "text", "text": ""}),
        "input" => {
            json!({"id": id, "type": "input", "name": id, "label": id, "input_type": "text"})
        }
        "table" => json!({"id": id, "type": "table", "query": query}),
        "button" => json!({"id": id, "type": "button", "label": "Run", "query": query}),
        _ => {
            json!({"id": id, "type": "form", "query": query, "submit_label": "Submit", "inputs": []})
        }
    }
}

/// `doc` with `edit` applied. What the result must satisfy is checked by
/// the save (`definition::parse`).
pub fn apply(doc: &Value, edit: Edit) -> AppResult<Value> {
    let mut doc = if doc.is_object() {
        doc.clone()
    } else {
        json!({})
    };
    match edit {
        Edit::AddPage { name, title } => {
            list(&mut doc, "pages")?.push(json!({"name": name, "title": title, "components": []}));
        }
        Edit::SetPage { page, name, title } => {
            let pages = list(&mut doc, "pages")?;
            let at = position(pages, "name", &page, "page")?;
            pages[at]["name"] = Value::from(name);
            pages[at]["title"] = Value::from(title);
        }
        Edit::MovePage { page, to } => {
            let pages = list(&mut doc, "pages")?;
            let at = position(pages, "name", &page, "page")?;
            moved(pages, at, to);
        }
        Edit::RemovePage { page } => {
            let pages = list(&mut doc, "pages")?;
            let at = position(pages, "name", &page, "page")?;
            pages.remove(at);
        }
        Edit::AddComponent { page, id, kind } => {
            let first_query = list(&mut doc, "queries")?
                .first()
                .and_then(|q| q["name"].as_str().map(str::to_string));
            components(&mut doc, &page)?.push(new_component(&id, &kind, first_query));
        }
        Edit::SetComponent { page, id, fields } => {
            let items = components(&mut doc, &page)?;
            let at = position(items, "id", &id, "component")?;
            let c = items[at]
                .as_object_mut()
                .expect("components are objects here");
            for (k, v) in fields {
                c.insert(k, v);
            }
        }
        Edit::MoveComponent { page, id, to } => {
            let items = components(&mut doc, &page)?;
            let at = position(items, "id", &id, "component")?;
            moved(items, at, to);
        }
        Edit::RemoveComponent { page, id } => {
            let items = components(&mut doc, &page)?;
            let at = position(items, "id", &id, "component")?;
            items.remove(at);
        }
        Edit::AddQuery {
            name,
            data_source,
            rest,
        } => {
            let q = if rest {
                json!({"name": name, "data_source": data_source, "run_on_load": true, "rest": {"method": "GET", "path": "/"}})
            } else {
                json!({"name": name, "data_source": data_source, "run_on_load": true, "sql": "SELECT 1"})
            };
            list(&mut doc, "queries")?.push(q);
        }
        Edit::SetQuery { name, fields } => {
            let items = list(&mut doc, "queries")?;
            let at = position(items, "name", &name, "query")?;
            let q = items[at].as_object_mut().expect("queries are objects here");
            for (k, v) in fields {
                // A REST query keeps its query string, headers and body.
                if k == "rest" {
                    if let Some(Value::Object(old)) = q.get_mut("rest") {
                        for (rk, rv) in v.as_object().cloned().unwrap_or_default() {
                            old.insert(rk, rv);
                        }
                        continue;
                    }
                }
                q.insert(k, v);
            }
        }
        Edit::MoveQuery { name, to } => {
            let items = list(&mut doc, "queries")?;
            let at = position(items, "name", &name, "query")?;
            moved(items, at, to);
        }
        Edit::RemoveQuery { name } => {
            let items = list(&mut doc, "queries")?;
            let at = position(items, "name", &name, "query")?;
            items.remove(at);
        }
    }
    Ok(doc)
}
