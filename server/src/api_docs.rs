//! `/api/docs`: the OpenAPI document for people, rendered on the server
//! from the same document `/api/v1/openapi.json` serves. Plain HTML: no
//! script, nothing loaded from anywhere else, readable with JavaScript off.
use axum::response::Html;
use serde_json::Value;
use std::fmt::Write;
use std::sync::OnceLock;

const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

pub async fn page() -> Html<&'static str> {
    static PAGE: OnceLock<String> = OnceLock::new();
    Html(PAGE.get_or_init(|| {
        let doc = serde_json::to_value(crate::rest::document()).unwrap_or(Value::Null);
        render(&doc)
    }))
}

fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A schema in a few words: a link to a named one, or its type.
fn describe(schema: &Value) -> String {
    if let Some(r) = schema["$ref"].as_str() {
        let name = r.rsplit('/').next().unwrap_or(r);
        return format!("<a href=\"#schema-{0}\">{0}</a>", esc(name));
    }
    if let Some(items) = schema.get("items") {
        return format!("list of {}", describe(items));
    }
    for key in ["oneOf", "anyOf", "allOf"] {
        if let Some(parts) = schema[key].as_array() {
            let words: Vec<String> = parts.iter().map(describe).collect();
            return words.join(if key == "allOf" { " and " } else { " or " });
        }
    }
    if let Some(values) = schema["enum"].as_array() {
        let words: Vec<String> = values.iter().map(|v| esc(&v.to_string())).collect();
        return format!("one of {}", words.join(", "));
    }
    match &schema["type"] {
        Value::String(t) => esc(t),
        Value::Array(ts) => {
            let words: Vec<String> = ts.iter().filter_map(Value::as_str).map(esc).collect();
            words.join(" or ")
        }
        _ => "any JSON".into(),
    }
}

fn render(doc: &Value) -> String {
    let mut h = String::new();
    let title = esc(doc["info"]["title"].as_str().unwrap_or("API"));
    let _ = write!(
        h,
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title}</title><style>{STYLE}</style></head><body><main>\
         <h1>{title}</h1><p>{}</p>\
         <p>Base path <code>/api/v1</code>. Authenticate with a personal access token \
         (<code>Authorization: Bearer stc_…</code>) or the session cookie. The machine-readable \
         document: <a href=\"/api/v1/openapi.json\">/api/v1/openapi.json</a> (OpenAPI {}).</p>",
        esc(doc["info"]["description"].as_str().unwrap_or_default()),
        esc(doc["openapi"].as_str().unwrap_or_default()),
    );
    h.push_str("<h2>Operations</h2>");
    let empty = serde_json::Map::new();
    for (path, item) in doc["paths"].as_object().unwrap_or(&empty) {
        for m in METHODS {
            let Some(op) = item.get(m) else { continue };
            let public = op["security"] == serde_json::json!([{}]);
            let _ = write!(
                h,
                "<section class=\"op\" id=\"{id}\"><h3><span class=\"method {m}\">{M}</span> \
                 <code>{p}</code>{lock}</h3>",
                id = esc(op["operationId"].as_str().unwrap_or_default()),
                M = m.to_uppercase(),
                p = esc(path),
                lock = if public {
                    " <span class=\"public\">no sign-in</span>"
                } else {
                    ""
                },
            );
            if let Some(d) = op["description"].as_str().or(op["summary"].as_str()) {
                let _ = write!(h, "<p>{}</p>", esc(d));
            }
            if let Some(params) = op["parameters"].as_array() {
                h.push_str(
                    "<table><tr><th>parameter</th><th>in</th><th>type</th><th>meaning</th></tr>",
                );
                for p in params {
                    let _ = write!(
                        h,
                        "<tr><td><code>{}</code>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                        esc(p["name"].as_str().unwrap_or_default()),
                        if p["required"] == true { "" } else { "?" },
                        esc(p["in"].as_str().unwrap_or_default()),
                        describe(&p["schema"]),
                        esc(p["description"].as_str().unwrap_or_default()),
                    );
                }
                h.push_str("</table>");
            }
            if let Some(body) =
                op["requestBody"]["content"]["application/json"]["schema"].as_object()
            {
                let _ = write!(h, "<p>Body: {}</p>", describe(&Value::Object(body.clone())));
            }
            h.push_str("<ul class=\"answers\">");
            for (status, resp) in op["responses"].as_object().unwrap_or(&empty) {
                let schema = &resp["content"]["application/json"]["schema"];
                let _ = write!(
                    h,
                    "<li><b>{}</b> {}{}</li>",
                    esc(status),
                    esc(resp["description"].as_str().unwrap_or_default()),
                    if schema.is_null() {
                        String::new()
                    } else {
                        format!(": {}", describe(schema))
                    },
                );
            }
            h.push_str("</ul></section>");
        }
    }
    h.push_str("<h2>Schemas</h2>");
    for (name, schema) in doc["components"]["schemas"].as_object().unwrap_or(&empty) {
        let _ = write!(
            h,
            "<section class=\"schema\" id=\"schema-{0}\"><h3>{0}</h3>",
            esc(name)
        );
        if let Some(d) = schema["description"].as_str() {
            let _ = write!(h, "<p>{}</p>", esc(d));
        }
        // A schema made of others (`allOf`: a named one and fields of its
        // own, e.g. the data source plus the `revision` saved) lists the
        // named ones, then its own fields.
        let own = match schema["allOf"].as_array() {
            Some(parts) => {
                let named: Vec<String> = parts
                    .iter()
                    .filter(|p| p.get("$ref").is_some())
                    .map(describe)
                    .collect();
                if !named.is_empty() {
                    let _ = write!(h, "<p>Everything of {}, and:</p>", named.join(", "));
                }
                parts
                    .iter()
                    .find(|p| p["properties"].is_object())
                    .unwrap_or(schema)
            }
            None => schema,
        };
        match own["properties"].as_object() {
            Some(props) => {
                let required: Vec<&str> = own["required"]
                    .as_array()
                    .map(|r| r.iter().filter_map(Value::as_str).collect())
                    .unwrap_or_default();
                h.push_str("<table><tr><th>field</th><th>type</th><th>meaning</th></tr>");
                for (field, p) in props {
                    let _ = write!(
                        h,
                        "<tr><td><code>{}</code>{}</td><td>{}</td><td>{}</td></tr>",
                        esc(field),
                        if required.contains(&field.as_str()) {
                            ""
                        } else {
                            "?"
                        },
                        describe(p),
                        esc(p["description"].as_str().unwrap_or_default()),
                    );
                }
                h.push_str("</table>");
            }
            None => {
                let _ = write!(h, "<p>{}</p>", describe(schema));
            }
        }
        h.push_str("</section>");
    }
    h.push_str("</main></body></html>");
    h
}

const STYLE: &str = "body{font:15px/1.5 system-ui,sans-serif;margin:0;color:#1d2330;background:#f7f8fa}\
main{max-width:60rem;margin:0 auto;padding:1.5rem}\
section{background:#fff;border:1px solid #dde1e8;border-radius:6px;padding:.5rem 1rem;margin:.75rem 0}\
h3{font-size:1rem;margin:.4rem 0}code{font:13px ui-monospace,monospace}\
.method{display:inline-block;min-width:4.2rem;font:600 12px ui-monospace,monospace;color:#fff;\
border-radius:4px;padding:2px 6px;text-align:center;background:#5a6478}\
.get{background:#2f6fb2}.post{background:#2e8b57}.put,.patch{background:#b7791f}.delete{background:#c0392b}\
.public{font-size:12px;color:#2e8b57}table{border-collapse:collapse;margin:.4rem 0}\
td,th{border-bottom:1px solid #eceff3;padding:2px 10px 2px 0;text-align:left;vertical-align:top}\
ul.answers{margin:.3rem 0;padding-left:1.2rem}";
