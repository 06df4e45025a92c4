//! Typed inputs (`app::domain::input`): each wrong field of a body is named,
//! in words a user reads; and the token names of B5.
use app::domain::input::{Input, Validate};
use app::domain::token::TokenName;
use app::error::{AppError, AppResult};

use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[allow(dead_code)]
struct Shape {
    #[serde(default)]
    name: String,
    public: Option<bool>,
    limit: Option<i64>,
    tags: Option<Vec<String>>,
    needed: Option<Inner>,
}

#[derive(Debug, Deserialize)]
struct Inner {
    #[allow(dead_code)]
    kind: String,
}

impl Validate for Shape {
    type Valid = String;
    fn validate(self) -> AppResult<String> {
        if self.name.is_empty() {
            return Err(AppError::invalid("name", "Name is required"));
        }
        Ok(self.name)
    }
}

fn field_of(body: &str) -> (Option<String>, String) {
    let e = Input::<Shape>::from_json(body.as_bytes())
        .parse()
        .unwrap_err();
    (e.field, e.message)
}

#[test]
fn each_wrong_field_is_named() {
    let cases = [
        ("{\"name\": 5}", "name", "name must be a string"),
        (
            "{\"name\": \"a\", \"public\": \"y\"}",
            "public",
            "public must be true or false",
        ),
        (
            "{\"name\": \"a\", \"limit\": 1.5}",
            "limit",
            "limit must be a whole number",
        ),
        (
            "{\"name\": \"a\", \"tags\": \"x\"}",
            "tags",
            "tags must be a list",
        ),
        (
            "{\"name\": \"a\", \"tags\": [\"x\", 3]}",
            "tags[1]",
            "tags[1] must be a string",
        ),
        (
            "{\"name\": \"a\", \"needed\": {}}",
            "needed.kind",
            "needed.kind is required",
        ),
        (
            "{\"name\": \"a\", \"needed\": 3}",
            "needed",
            "needed must be an object",
        ),
        ("{}", "name", "Name is required"),
        ("[1]", "body", "The body must be a JSON object"),
        ("{", "body", "The body is not valid JSON"),
    ];
    for (body, field, message) in cases {
        let (f, m) = field_of(body);
        assert_eq!(f.as_deref(), Some(field), "{body}");
        assert!(m.starts_with(message), "{body}: {m}");
    }
}

#[test]
fn an_empty_body_is_an_empty_object_and_nulls_are_absent() {
    assert_eq!(field_of("  ").0.as_deref(), Some("name"));
    let ok = Input::<Shape>::from_json(b"{\"name\": \"a\", \"public\": null}").parse();
    assert_eq!(ok.unwrap(), "a");
    let typed = Input::typed(Shape {
        name: "b".into(),
        public: None,
        limit: None,
        tags: None,
        needed: None,
    });
    assert_eq!(typed.parse().unwrap(), "b");
}

#[test]
fn b5_token_names() {
    let cases = [
        ("ci", Ok("ci")),
        ("  deploy pipeline  ", Ok("deploy pipeline")),
        ("", Err("name")),
        ("   ", Err("name")),
    ];
    for (raw, want) in cases {
        let got = TokenName::parse(raw);
        match want {
            Ok(n) => assert_eq!(got.unwrap().as_str(), n),
            Err(f) => assert_eq!(got.unwrap_err().field.as_deref(), Some(f)),
        }
    }
    assert!(TokenName::parse(&"x".repeat(100)).is_ok());
    assert!(TokenName::parse(&"x".repeat(101)).is_err());
}

/// One bounded-text rule for every typed name: trimmed, 1..=max
/// characters, no control characters, each refusal naming the field.
#[test]
fn every_name_is_one_bounded_text_rule() {
    use app::domain::{data_source, lifecycle, token, user};
    type Parse = fn(&str) -> Result<String, app::error::AppError>;
    let parsers: [(&str, usize, Parse); 5] = [
        ("app", 50, |r| {
            lifecycle::AppName::parse(r).map(|n| n.as_str().to_string())
        }),
        ("version", 25, |r| {
            lifecycle::VersionName::parse(r).map(|n| n.as_str().to_string())
        }),
        ("user", 100, |r| {
            user::UserName::parse(r).map(|n| n.as_str().to_string())
        }),
        ("data source", 50, data_source::data_source_name),
        ("token", 100, |r| {
            token::TokenName::parse(r).map(|n| n.as_str().to_string())
        }),
    ];
    for (what, max, parse) in parsers {
        assert_eq!(parse("  Orders  ").unwrap(), "Orders", "{what}");
        assert_eq!(
            parse(&"é".repeat(max)).unwrap().chars().count(),
            max,
            "{what}"
        );
        for bad in ["", "   ", "a\u{0}b", "a\nb", "tab\there", "bell\u{7}"] {
            let e = parse(bad).unwrap_err();
            assert_eq!(e.field.as_deref(), Some("name"), "{what}: {bad:?}");
        }
        let e = parse(&"x".repeat(max + 1)).unwrap_err();
        assert!(
            e.message.contains(&max.to_string()),
            "{what}: {}",
            e.message
        );
    }
}
