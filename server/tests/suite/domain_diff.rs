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

/// A page of `n` text components with ids `c0`… in `order`.
fn page_of(name: &str, order: &[usize]) -> Value {
    let components: Vec<Value> = order
        .iter()
        .map(|i| json!({"id": format!("c{i}"), "type": "text", "text": "x"}))
        .collect();
    json!({"name": name, "components": components})
}

fn moved_ids(d: &app::domain::diff::Diff) -> Vec<String> {
    d.changes
        .iter()
        .filter(|c| c.kind == ChangeKind::Moved)
        .map(|c| c.path.rsplit('.').next().unwrap().to_string())
        .collect()
}

/// R9: what moved is the least that explains the new order, case by case.
#[test]
fn r9_moves_are_the_fewest_that_explain_the_order() {
    let cases: &[(&[usize], &[usize], &[&str])] = &[
        (&[0, 1, 2, 3], &[0, 1, 2, 3], &[]),
        (&[0, 1, 2, 3], &[1, 2, 3, 0], &["c0"]),
        (&[0, 1, 2, 3], &[3, 0, 1, 2], &["c3"]),
        (&[0, 1, 2, 3, 4], &[0, 3, 2, 1, 4], &["c1", "c2"]),
        (&[0, 1, 2], &[2, 1, 0], &["c0", "c1"]),
        (&[0, 1, 2, 3], &[0, 2, 3], &[]),
        (&[0, 1, 2, 3], &[0, 9, 1, 3], &[]),
        (&[0, 1, 2, 3, 4, 5], &[5, 4, 0, 1, 2, 3], &["c4", "c5"]),
    ];
    for (a, b, want) in cases {
        let d = diff(
            &json!({"pages": [page_of("home", a)]}),
            &json!({"pages": [page_of("home", b)]}),
        );
        let mut got = moved_ids(&d);
        got.sort();
        assert_eq!(got, *want, "{a:?} -> {b:?}");
    }
}

fn peak_rss_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap()
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

/// R9: the diff is bounded in memory whatever two documents it is given,
/// also ones larger than today's limits (versions saved before them): two
/// pages of 40,000 components each, the second reversed (every one moved
/// but one), used to need 40,000² table cells (12 GB).
#[test]
fn r9_a_diff_of_huge_documents_stays_small_in_memory() {
    let n = 40_000;
    let forward: Vec<usize> = (0..n).collect();
    let backward: Vec<usize> = (0..n).rev().collect();
    let a = json!({"pages": [page_of("home", &forward)]});
    let b = json!({"pages": [page_of("home", &backward)]});
    let before = peak_rss_kb();
    let d = diff(&a, &b);
    let grown_mb = (peak_rss_kb().saturating_sub(before)) / 1024;
    assert_eq!(moved_ids(&d).len(), n - 1);
    // The moves themselves and their JSON take some tens of MB.
    assert!(
        grown_mb < 400,
        "the diff grew the peak RSS by {grown_mb} MB"
    );
}

/// The benchmark of R9 (not a timed test: run it alone on a release build,
/// `bash scripts/bench-diff.sh`): the diff of two versions at every limit
/// (50 pages of 500 components, 200 queries, under 1 MB of JSON each),
/// the second with half its pages reversed, a component in ten moved to
/// another page, one in five edited, and every query changed. Prints the
/// time and how much the peak RSS grew.
#[test]
#[ignore]
fn bench_diff_of_two_largest_allowed_versions() {
    let doc = |edit: bool| {
        let pages: Vec<Value> = (0..50)
            .map(|p| {
                let mut ids: Vec<usize> = (0..500).collect();
                if edit && p % 2 == 0 {
                    ids.reverse();
                }
                let components: Vec<Value> = ids
                    .iter()
                    .map(|i| {
                        // Every tenth component of a page sits on the next page in `b`.
                        let home = if edit && i % 10 == 0 { (p + 1) % 50 } else { p };
                        let text = if edit && i % 5 == 1 { "y" } else { "" };
                        (
                            home,
                            json!({"id": format!("p{home}c{i}"), "type": "text", "text": text}),
                        )
                    })
                    .filter(|(home, _)| *home == p || !edit)
                    .map(|(_, c)| c)
                    .collect();
                json!({"name": format!("page{p}"), "components": components})
            })
            .collect();
        let queries: Vec<Value> = (0..200)
            .map(|q| json!({"name": format!("q{q}"), "data_source": "DB", "sql": if edit { "SELECT 2" } else { "SELECT 1" }}))
            .collect();
        json!({"pages": pages, "queries": queries})
    };
    let (a, b) = (doc(false), doc(true));
    let size = a.to_string().len().max(b.to_string().len());
    assert!(
        size <= 1024 * 1024,
        "each version stays within R9's 1 MB ({size} bytes)"
    );
    let components: usize = a["pages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["components"].as_array().unwrap().len())
        .sum();
    let before = peak_rss_kb();
    let started = std::time::Instant::now();
    let runs = 5;
    let mut changes = 0;
    for _ in 0..runs {
        changes = diff(&a, &b).changes.len();
    }
    let each = started.elapsed() / runs;
    let grown = peak_rss_kb().saturating_sub(before);
    println!(
        "R9 diff: {components} components, {size} bytes of JSON per version, {changes} changes: \
         {:.1} ms per diff, peak RSS grew {:.1} MB",
        each.as_secs_f64() * 1000.0,
        grown as f64 / 1024.0
    );
}
