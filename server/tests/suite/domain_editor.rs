//! The form editor's changes (issue 11; `app::domain::editor`), each
//! applied to a document and the result checked with the definition's
//! rules, as the save does.
use app::domain::data_source::DataSourceKind;
use app::domain::definition::parse;
use app::domain::editor::{apply, EditForm};
use app::domain::input::Validate;
use serde_json::{json, Value};
use std::collections::HashMap;

fn form(op: &str, fields: Value) -> EditForm {
    let mut v = fields;
    v["op"] = json!(op);
    serde_json::from_value(v).unwrap()
}

fn edit(doc: &Value, op: &str, fields: Value) -> Value {
    apply(doc, form(op, fields).validate().unwrap()).unwrap()
}

fn sources() -> HashMap<String, DataSourceKind> {
    [
        ("DB".to_string(), DataSourceKind::Sqlite),
        ("API".to_string(), DataSourceKind::RestApi),
    ]
    .into()
}

#[test]
fn editor_builds_a_valid_app_step_by_step() {
    let mut doc =
        json!({"pages": [{"name": "home", "title": "", "components": []}], "queries": []});
    doc = edit(
        &doc,
        "add_query",
        json!({"name": "orders", "data_source": "DB"}),
    );
    doc = edit(
        &doc,
        "set_query",
        json!({"name": "orders", "sql": "SELECT id FROM orders WHERE id = {{inputs.n}}", "run_on_load": "on"}),
    );
    for (kind, id) in [
        ("heading", "title"),
        ("input", "n"),
        ("table", "grid"),
        ("button", "go"),
        ("form", "add"),
        ("text", "note"),
    ] {
        doc = edit(
            &doc,
            "add_component",
            json!({"page": "home", "kind": kind, "id": id}),
        );
    }
    doc = edit(
        &doc,
        "set_component",
        json!({"page": "home", "id": "n", "name": "n", "label": "Number", "input_type": "number"}),
    );
    doc = edit(
        &doc,
        "set_component",
        json!({"page": "home", "id": "add", "query": "orders", "submit_label": "Add", "inputs": "item: Item\nqty: Quantity: number\n"}),
    );
    doc = edit(
        &doc,
        "set_component",
        json!({"page": "home", "id": "title", "text": "Orders {{constants.REGION}}"}),
    );
    let def = parse(&doc, &sources()).expect("the editor made a valid definition");
    let ids: Vec<&str> = def.pages[0]
        .components
        .iter()
        .map(|c| c.id.as_str())
        .collect();
    assert_eq!(ids, ["title", "n", "grid", "go", "add", "note"]);
    assert_eq!(
        doc["pages"][0]["components"][4]["inputs"],
        json!([
        {"name": "item", "label": "Item", "input_type": "text"},
        {"name": "qty", "label": "Quantity", "input_type": "number"}])
    );
    assert_eq!(doc["queries"][0]["run_on_load"], true);

    // Moves: up at the top and down at the bottom change nothing.
    doc = edit(&doc, "component_up", json!({"page": "home", "id": "grid"}));
    doc = edit(&doc, "component_up", json!({"page": "home", "id": "title"}));
    doc = edit(
        &doc,
        "component_down",
        json!({"page": "home", "id": "note"}),
    );
    let order: Vec<&str> = doc["pages"][0]["components"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(order, ["title", "grid", "n", "go", "add", "note"]);
    doc = edit(
        &doc,
        "remove_component",
        json!({"page": "home", "id": "note"}),
    );
    doc = edit(&doc, "add_page", json!({"name": "second", "title": "Two"}));
    doc = edit(&doc, "page_up", json!({"page": "second"}));
    assert_eq!(doc["pages"][0]["name"], "second");
    doc = edit(
        &doc,
        "set_page",
        json!({"page": "second", "name": "first", "title": "One"}),
    );
    assert_eq!(
        (
            doc["pages"][0]["name"].as_str(),
            doc["pages"][0]["title"].as_str()
        ),
        (Some("first"), Some("One"))
    );
    doc = edit(&doc, "remove_page", json!({"page": "first"}));
    // A REST query keeps its other fields when method and path change.
    doc = edit(
        &doc,
        "add_query",
        json!({"name": "weather", "data_source": "API", "kind": "rest"}),
    );
    doc["queries"][1]["rest"]["query"] = json!({"units": "metric"});
    doc = edit(
        &doc,
        "set_query",
        json!({"name": "weather", "method": "POST", "path": "/now"}),
    );
    assert_eq!(
        doc["queries"][1]["rest"],
        json!({"method": "POST", "path": "/now", "query": {"units": "metric"}})
    );
    assert_eq!(
        doc["queries"][1]["run_on_load"], false,
        "an unticked check-box turns it off"
    );
    doc = edit(&doc, "query_up", json!({"name": "weather"}));
    assert_eq!(doc["queries"][0]["name"], "weather");
    parse(&doc, &sources()).expect("still valid");

    // Removing a query a table uses leaves a document the save refuses,
    // naming the table's field.
    let broken = edit(&doc, "remove_query", json!({"name": "orders"}));
    let e = parse(&broken, &sources()).unwrap_err();
    assert_eq!(
        e.field.as_deref(),
        Some("definition.pages[0].components[1].query")
    );
}

#[test]
fn editor_refuses_what_it_cannot_do_naming_the_field() {
    let doc = json!({"pages": [{"name": "home", "components": []}]});
    for (op, fields, field, status) in [
        ("explode", json!({}), "op", 422),
        ("add_page", json!({}), "name", 422),
        (
            "add_component",
            json!({"page": "home", "id": "x"}),
            "kind",
            422,
        ),
        (
            "add_component",
            json!({"page": "home", "id": "x", "kind": "video"}),
            "kind",
            422,
        ),
        (
            "add_component",
            json!({"page": "home", "kind": "text"}),
            "id",
            422,
        ),
        ("add_query", json!({"name": "q"}), "data_source", 422),
        ("remove_page", json!({}), "page", 422),
    ] {
        let e = form(op, fields).validate().unwrap_err();
        assert_eq!(
            (e.field.as_deref(), e.status()),
            (Some(field), status),
            "{op}"
        );
    }
    for (op, fields) in [
        ("remove_page", json!({"page": "nope"})),
        ("set_component", json!({"page": "home", "id": "nope"})),
        ("remove_query", json!({"name": "nope"})),
    ] {
        let e = apply(&doc, form(op, fields).validate().unwrap()).unwrap_err();
        assert_eq!(e.status(), 404, "{op}");
    }
}
