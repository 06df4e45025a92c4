//! The released page's renderer (`app::ui::app_html`, R2, R5): every text
//! and attribute an app or its data supplies arrives escaped, whatever
//! field it is in, and the page carries no builder chrome and no
//! WebAssembly.
use app::domain::environment::DEVELOPMENT;
use app::domain::query::QueryResult;
use app::domain::runtime::{Outcome, Shown, ShownApp, ShownInput};
use app::ui::app_html::{article, escape, refusal_page, released_page};
use serde_json::json;

const EVIL: &str = "<script>alert(\"x\")</script>&'";

fn input(name: &str, value: &str) -> ShownInput {
    ShownInput {
        name: name.into(),
        label: name.into(),
        input_type: "text".into(),
        value: value.into(),
    }
}

/// An app whose every supplied string is `s`.
fn app_of(s: &str, preview: bool) -> ShownApp {
    ShownApp {
        app_name: s.into(),
        slug: "shop".into(),
        environment: DEVELOPMENT,
        version_name: s.into(),
        preview,
        pages: vec![("home".into(), s.into()), (s.into(), String::new())],
        page: "home".into(),
        title: s.into(),
        components: vec![
            Shown::Heading {
                id: s.into(),
                text: s.into(),
            },
            Shown::Text {
                id: "t".into(),
                text: s.into(),
            },
            Shown::Input {
                id: "i".into(),
                input: input(s, s),
            },
            Shown::Button {
                id: "b".into(),
                label: s.into(),
                query: s.into(),
            },
            Shown::Form {
                id: "f".into(),
                query: s.into(),
                submit_label: s.into(),
                inputs: vec![input(s, s)],
            },
            Shown::Table {
                id: "tab".into(),
                query: s.into(),
                result: Some(Ok(QueryResult::Sql {
                    columns: vec![s.into()],
                    rows: vec![vec![json!(s)], vec![json!({ "k": s })]],
                    truncated: false,
                    elapsed_ms: 1,
                })),
            },
            Shown::Table {
                id: "e".into(),
                query: s.into(),
                result: Some(Err(s.into())),
            },
            Shown::Table {
                id: "r".into(),
                query: "rest".into(),
                result: Some(Ok(QueryResult::Rest {
                    status: 200,
                    headers: Default::default(),
                    body: json!([s]),
                    truncated: false,
                    elapsed_ms: 1,
                })),
            },
        ],
        outcome: Some(Outcome {
            query: s.into(),
            ok: false,
            message: s.into(),
        }),
        inspector: None,
    }
}

#[test]
fn escape_writes_the_five_markup_characters_as_references() {
    let table = [
        ("plain", "plain"),
        ("a<b", "a&lt;b"),
        ("a>b", "a&gt;b"),
        ("a&b", "a&amp;b"),
        ("\"q\"", "&quot;q&quot;"),
        ("it's", "it&#39;s"),
        ("<<>>", "&lt;&lt;&gt;&gt;"),
        ("é ü 漢", "é ü 漢"),
        ("", ""),
    ];
    for (raw, want) in table {
        let mut out = String::new();
        escape(&mut out, raw);
        assert_eq!(out, want, "{raw:?}");
    }
}

#[test]
fn r5_every_supplied_string_arrives_escaped() {
    for preview in [false, true] {
        let html = article(&app_of(EVIL, preview));
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("\"x\""), "a quote ends no attribute: {html}");
        assert!(!html.contains("&'"), "{html}");
        assert!(html.contains("&lt;script&gt;"), "{html}");
        let page = released_page(&app_of(EVIL, preview), "/pkg/x.css");
        // The page's own script is the only one.
        assert_eq!(page.matches("<script").count(), 1, "{page}");
        assert!(page.contains("<title>&lt;script&gt;"), "{page}");
    }
    let page = refusal_page(404, EVIL, "/pkg/x.css");
    assert!(!page.contains("<script"), "{page}");
    assert!(page.contains("<h1>Not found</h1>"), "{page}");
}

#[test]
fn r2_forms_post_to_the_page_itself_and_keep_the_standalone_inputs() {
    let app = app_of("v", false);
    let html = article(&app);
    assert!(
        html.contains(r#"<form id="app-form" method="post" action="/apps/shop?page=home"></form>"#),
        "{html}"
    );
    // The button submits the page's form with its query.
    assert!(
        html.contains(r#"<button type="submit" form="app-form" name="run" value="v">v</button>"#),
        "{html}"
    );
    // A standalone input belongs to the page's form; a form carries it hidden.
    assert!(
        html.contains(r#"name="input.v" value="v" form="app-form"/>"#),
        "{html}"
    );
    assert!(
        html.contains(r#"<input type="hidden" name="input.v" value="v"/>"#),
        "{html}"
    );
    // No builder chrome, no banner, no WebAssembly on a released page.
    let page = released_page(&app, "/pkg/x.css");
    assert!(
        !page.contains("topbar") && !page.contains("preview-banner"),
        "{page}"
    );
    assert!(
        !page.contains(".wasm") && !page.contains("modulepreload"),
        "{page}"
    );
    // A preview's forms post to the preview, under a banner.
    let html = article(&app_of("v", true));
    assert!(
        html.contains(r#"action="/apps/shop/preview?env=development&amp;version=v&amp;page=home""#),
        "{html}"
    );
    assert!(html.contains("preview-banner env-development"), "{html}");
    // The current page is marked; a page without a title shows its name.
    let html = article(&app);
    assert!(
        html.contains(r#"<a href="/apps/shop?page=home" aria-current="page">v</a>"#),
        "{html}"
    );
    assert!(
        html.contains(r#"<a href="/apps/shop?page=v">v</a>"#),
        "{html}"
    );
}
