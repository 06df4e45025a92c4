//! The OpenAPI document (SPEC B5): served without signing in, OpenAPI 3.1,
//! every route of the router in it and nothing else, every reference and
//! path parameter resolved; and the page that shows it.
use crate::support::*;
use serde_json::Value;
use std::collections::BTreeSet;

const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

fn operations(doc: &Value) -> Vec<(String, String, Value)> {
    let mut all = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for m in METHODS {
            if let Some(op) = item.get(m) {
                all.push((m.to_uppercase(), path.clone(), op.clone()));
            }
        }
    }
    all
}

/// Every `$ref` in `v`, e.g. `#/components/schemas/User`.
fn refs(v: &Value, out: &mut BTreeSet<String>) {
    match v {
        Value::Object(map) => {
            for (k, x) in map {
                if k == "$ref" {
                    out.insert(x.as_str().unwrap_or_default().to_string());
                } else {
                    refs(x, out);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|x| refs(x, out)),
        _ => {}
    }
}

#[tokio::test]
async fn b5_the_openapi_document_covers_the_router_and_is_sound() {
    let app = spawn_app(Backend::Sqlite).await;
    let nobody = client();
    let r = app.get(&nobody, "/api/v1/openapi.json").await;
    assert_eq!(r.status(), 200);
    let doc: Value = r.json().await.unwrap();
    assert!(
        doc["openapi"].as_str().unwrap().starts_with("3.1."),
        "{}",
        doc["openapi"]
    );
    assert_eq!(doc["servers"][0]["url"], "/api/v1");
    let ops = operations(&doc);
    assert!(ops.len() >= 36, "only {} operations", ops.len());

    // The document is the router's: each operation reaches a handler (not
    // the fallback's "No such endpoint", not 405), and every other method
    // of its path is 405.
    let paths: BTreeSet<&String> = ops.iter().map(|(_, p, _)| p).collect();
    for path in paths {
        let url = app.url(&format!(
            "/api/v1{}",
            path.replace('{', "x").replace('}', "")
        ));
        for m in METHODS {
            let documented = doc["paths"][path].get(m).is_some();
            let method = reqwest::Method::from_bytes(m.to_uppercase().as_bytes()).unwrap();
            let r = nobody.request(method, &url).send().await.unwrap();
            let status = r.status().as_u16();
            let body = r.text().await.unwrap_or_default();
            if documented {
                assert_ne!(status, 405, "{m} {path} is documented but not routed");
                assert!(
                    !body.contains("No such endpoint"),
                    "{m} {path} is documented but not routed"
                );
            } else {
                assert_eq!(
                    status, 405,
                    "{m} {path} is routed but not documented ({status} {body})"
                );
            }
        }
    }
    // An address outside the document is the fallback.
    let r = app.get(&nobody, "/api/v1/no-such-thing").await;
    assert_error(r, 404, "not_found", None).await;

    // Sound: unique operation ids; every path parameter declared; every
    // operation answers its success and the error body; every $ref resolves.
    let mut ids = BTreeSet::new();
    for (m, path, op) in &ops {
        let id = op["operationId"].as_str().unwrap_or_default().to_string();
        assert!(
            !id.is_empty() && ids.insert(id.clone()),
            "{m} {path}: operationId {id:?}"
        );
        let declared: BTreeSet<&str> = op["parameters"]
            .as_array()
            .map(|ps| {
                ps.iter()
                    .filter(|p| p["in"] == "path")
                    .map(|p| p["name"].as_str().unwrap())
                    .collect()
            })
            .unwrap_or_default();
        let templated: BTreeSet<&str> = path
            .split('/')
            .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
            .collect();
        assert_eq!(declared, templated, "{m} {path}: path parameters");
        let responses = op["responses"].as_object().expect("responses");
        assert!(
            responses.keys().any(|s| s.starts_with('2')),
            "{m} {path}: no success"
        );
        let public = op["security"] == serde_json::json!([{}]);
        if !public {
            assert!(responses.contains_key("401"), "{m} {path}: no 401");
        }
        if op.get("requestBody").is_some() {
            assert!(
                responses.contains_key("422"),
                "{m} {path}: a body but no 422"
            );
        }
    }
    let mut all_refs = BTreeSet::new();
    refs(&doc, &mut all_refs);
    assert!(!all_refs.is_empty());
    for r in &all_refs {
        let name = r
            .strip_prefix("#/components/schemas/")
            .unwrap_or_else(|| panic!("unexpected reference {r}"));
        assert!(
            doc["components"]["schemas"].get(name).is_some(),
            "{r} is not defined"
        );
    }
    for scheme in ["token", "session"] {
        assert!(doc["components"]["securitySchemes"].get(scheme).is_some());
    }
    // The error body and a typed input, as the handlers define them.
    let error = &doc["components"]["schemas"]["AppError"];
    assert!(error["properties"].get("code").is_some(), "{error}");
    let input = &doc["components"]["schemas"]["AppChangeInput"];
    assert_eq!(
        input["properties"]["public"]["type"],
        serde_json::json!(["boolean", "null"])
    );

    // The page for people, from the binary, without signing in.
    let r = app.page(&nobody, "/api/docs").await;
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(html.contains("/api/v1/openapi.json"));
    assert!(
        !html.contains("https://"),
        "the docs page loads nothing from elsewhere"
    );
}
