//! B2: the structural diff of two definition documents
//! (`app::domain::diff`), case by case: what changed, and only that.
use app::domain::diff::{diff, Change, ChangeKind};
use serde_json::{json, Value};

fn base() -> Value {
    json!({
        "pages": [
            {"name": "home", "title": "Orders", "components": [
                {"id": "title", "type": "heading", "text": "Orders"},
                {"id": "grid", "type": "table", "query": "orders"},
                {"id": "add", "type": "button", "label": "Add", "query": "insert"}
            ]},
            {"name": "about", "title": "About", "components": [
                {"id": "blurb", "type": "text", "text": "Hello"}
            ]}
        ],
        "queries": [
            {"name": "orders", "data_source": "DB", "run_on_load": true, "sql": "SELECT * FROM orders"},
            {"name": "insert", "data_source": "DB", "run_on_load": false, "sql": "INSERT INTO orders DEFAULT VALUES"}
        ]
    })
}

/// `base()` changed by `edit`.
fn edited(edit: impl Fn(&mut Value)) -> Value {
    let mut d = base();
    edit(&mut d);
    d
}

fn c(path: &str, kind: ChangeKind, before: Option<Value>, after: Option<Value>) -> Change {
    Change {
        path: path.into(),
        kind,
        before,
        after,
    }
}

use ChangeKind::*;

#[test]
fn b2_each_kind_of_change_is_named_with_its_old_and_new_value() {
    let cases: Vec<(&str, Value, Vec<Change>)> = vec![
        ("identical versions", base(), vec![]),
        (
            "the same document in another key order",
            serde_json::from_str(&serde_json::to_string(&base()).unwrap().replace(
                r#"{"name":"home","title":"Orders","#,
                r#"{"title":"Orders","name":"home","#,
            ))
            .unwrap(),
            vec![],
        ),
        (
            "a component added",
            edited(|d| {
                d["pages"][0]["components"]
                    .as_array_mut()
                    .unwrap()
                    .push(json!({"id": "note", "type": "text", "text": "New"}))
            }),
            vec![c(
                "pages.home.components.note",
                Added,
                None,
                Some(json!({"id": "note", "type": "text", "text": "New"})),
            )],
        ),
        (
            "a component removed",
            edited(|d| {
                d["pages"][0]["components"]
                    .as_array_mut()
                    .unwrap()
                    .remove(2);
            }),
            vec![c(
                "pages.home.components.add",
                Removed,
                Some(json!({"id": "add", "type": "button", "label": "Add", "query": "insert"})),
                None,
            )],
        ),
        (
            "a component moved up",
            edited(|d| {
                d["pages"][0]["components"]
                    .as_array_mut()
                    .unwrap()
                    .swap(0, 1)
            }),
            vec![c(
                "pages.home.components.title",
                Moved,
                Some(json!({"page": "home", "position": 0})),
                Some(json!({"page": "home", "position": 1})),
            )],
        ),
        (
            "a component moved to another page",
            edited(|d| {
                let blurb = d["pages"][1]["components"]
                    .as_array_mut()
                    .unwrap()
                    .remove(0);
                d["pages"][0]["components"]
                    .as_array_mut()
                    .unwrap()
                    .push(blurb);
            }),
            vec![c(
                "pages.home.components.blurb",
                Moved,
                Some(json!({"page": "about", "position": 0})),
                Some(json!({"page": "home", "position": 3})),
            )],
        ),
        (
            "a component's field changed, and one added",
            edited(|d| {
                d["pages"][0]["components"][0]["text"] = json!("All orders");
                d["pages"][0]["components"][2]["label"] = json!("Add one");
            }),
            vec![
                c(
                    "pages.home.components.title.text",
                    Changed,
                    Some(json!("Orders")),
                    Some(json!("All orders")),
                ),
                c(
                    "pages.home.components.add.label",
                    Changed,
                    Some(json!("Add")),
                    Some(json!("Add one")),
                ),
            ],
        ),
        (
            "a component's type changed",
            edited(|d| d["pages"][1]["components"][0]["type"] = json!("heading")),
            vec![c(
                "pages.about.components.blurb.type",
                Changed,
                Some(json!("text")),
                Some(json!("heading")),
            )],
        ),
        (
            "a changed SQL",
            edited(|d| d["queries"][0]["sql"] = json!("SELECT id FROM orders")),
            vec![c(
                "queries.orders.sql",
                Changed,
                Some(json!("SELECT * FROM orders")),
                Some(json!("SELECT id FROM orders")),
            )],
        ),
        (
            "a query's data source and run on load changed",
            edited(|d| {
                d["queries"][1]["data_source"] = json!("Other");
                d["queries"][1]["run_on_load"] = json!(true);
            }),
            vec![
                c(
                    "queries.insert.data_source",
                    Changed,
                    Some(json!("DB")),
                    Some(json!("Other")),
                ),
                c(
                    "queries.insert.run_on_load",
                    Changed,
                    Some(json!(false)),
                    Some(json!(true)),
                ),
            ],
        ),
        (
            "a query added and one removed; reordering queries is no change",
            edited(|d| {
                let qs = d["queries"].as_array_mut().unwrap();
                qs.remove(1);
                qs.insert(
                    0,
                    json!({"name": "count", "data_source": "DB", "sql": "SELECT 1"}),
                );
            }),
            vec![
                c(
                    "queries.count",
                    Added,
                    None,
                    Some(json!({"name": "count", "data_source": "DB", "sql": "SELECT 1"})),
                ),
                c(
                    "queries.insert",
                    Removed,
                    Some(
                        json!({"name": "insert", "data_source": "DB", "run_on_load": false, "sql": "INSERT INTO orders DEFAULT VALUES"}),
                    ),
                    None,
                ),
            ],
        ),
        (
            "a REST query's field added",
            edited(|d| d["queries"][0]["headers"] = json!({"X-Env": "1"})),
            vec![c(
                "queries.orders.headers",
                Added,
                None,
                Some(json!({"X-Env": "1"})),
            )],
        ),
        (
            "a page renamed: one change, its components stay",
            edited(|d| d["pages"][1]["name"] = json!("info")),
            vec![c(
                "pages.about.name",
                Changed,
                Some(json!("about")),
                Some(json!("info")),
            )],
        ),
        (
            "a page's title changed",
            edited(|d| d["pages"][0]["title"] = json!("All orders")),
            vec![c(
                "pages.home.title",
                Changed,
                Some(json!("Orders")),
                Some(json!("All orders")),
            )],
        ),
        (
            "a page added whole: one change",
            edited(|d| {
                d["pages"].as_array_mut().unwrap().push(
                    json!({"name": "help", "title": "", "components": [{"id": "h", "type": "text", "text": "?"}]}),
                )
            }),
            vec![c(
                "pages.help",
                Added,
                None,
                Some(
                    json!({"name": "help", "title": "", "components": [{"id": "h", "type": "text", "text": "?"}]}),
                ),
            )],
        ),
        (
            "a page removed whole: one change",
            edited(|d| {
                d["pages"].as_array_mut().unwrap().remove(1);
            }),
            vec![c(
                "pages.about",
                Removed,
                Some(
                    json!({"name": "about", "title": "About", "components": [{"id": "blurb", "type": "text", "text": "Hello"}]}),
                ),
                None,
            )],
        ),
        (
            "pages reordered",
            edited(|d| d["pages"].as_array_mut().unwrap().swap(0, 1)),
            vec![c(
                "pages.home",
                Moved,
                Some(json!({"position": 0})),
                Some(json!({"position": 1})),
            )],
        ),
    ];
    for (name, after, expected) in cases {
        let got = diff(&base(), &after).changes;
        assert_eq!(got, expected, "{name}");
        // Backwards, each addition is a removal and the other way round.
        let back = diff(&after, &base()).changes;
        assert_eq!(back.len(), expected.len(), "{name}, backwards: {back:?}");
    }
}

#[test]
fn b2_a_diff_answers_in_the_shape_api_md_gives() {
    let d = diff(
        &base(),
        &edited(|d| d["queries"][0]["sql"] = json!("SELECT 1")),
    );
    assert_eq!(
        serde_json::to_value(&d).unwrap(),
        json!({"changes": [{"path": "queries.orders.sql", "kind": "changed",
            "before": "SELECT * FROM orders", "after": "SELECT 1"}]})
    );
    let added = diff(&json!({}), &json!({"queries": [{"name": "q"}]}));
    assert_eq!(
        serde_json::to_value(&added).unwrap(),
        json!({"changes": [{"path": "queries.q", "kind": "added", "after": {"name": "q"}}]})
    );
}
