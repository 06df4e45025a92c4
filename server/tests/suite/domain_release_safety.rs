//! Table tests of the pre-flight (SPEC B3) and of who may ask for and
//! decide promotion requests (B7): pure functions, every case.
use crate::domain_access::{en, envs};
use app::domain::access::{Access, Flags, Level};
use app::domain::lifecycle::{VersionFacts, VersionStatus};
use app::domain::preflight::{
    fix_link, missing, needs, override_denied, Held, Missing, MissingKind,
};
use app::domain::request::{ask_refusal, may_decide, stale, RequestAction};
use app::domain::user::Role;
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet};

fn doc() -> serde_json::Value {
    json!({"pages": [{"name": "home", "title": "{{constants.TITLE}}", "components": [
        {"id": "t", "type": "text", "text": "Hello {{inputs.who}} from {{constants.REGION}}"},
        {"id": "grid", "type": "table", "query": "orders"}]}],
      "queries": [
        {"name": "orders", "data_source": "Shop", "sql": "SELECT * FROM o WHERE c = {{constants.REGION}}"},
        {"name": "ping", "data_source": "Api", "rest": {"method": "POST", "path": "/p",
         "headers": [{"name": "X", "value": "{{secrets.TOKEN}}"}, {"name": "K", "value": "{{secrets.KEY}}"}],
         "body": {"deep": ["{{constants.DEEP}}"]}}},
        {"name": "again", "data_source": "Shop", "sql": "SELECT 1"}]})
}

fn c(name: &str) -> (MissingKind, String) {
    (MissingKind::Constant, name.to_string())
}

fn s(name: &str) -> (MissingKind, String) {
    (MissingKind::Secret, name.to_string())
}

#[test]
fn b3_needs_reads_every_reference_and_data_source_once() {
    let n = needs(&doc());
    assert_eq!(
        n.data_sources,
        ["Api", "Shop"]
            .iter()
            .map(|x| x.to_string())
            .collect::<BTreeSet<_>>()
    );
    assert_eq!(
        n.constants,
        [c("DEEP"), c("REGION"), c("TITLE"), s("KEY"), s("TOKEN")]
            .into_iter()
            .collect::<BTreeSet<_>>()
    );
    // A document without queries or references needs nothing.
    let empty = needs(&json!({"pages": [{"name": "home", "components": []}]}));
    assert!(empty.data_sources.is_empty() && empty.constants.is_empty());
}

fn m(kind: MissingKind, name: &str) -> Missing {
    Missing {
        kind,
        name: name.to_string(),
        environment: en("production"),
    }
}

#[test]
fn b3_missing_lists_each_kind_in_order() {
    let n = needs(&doc());
    let all_constants: BTreeSet<_> = [
        c("DEEP"),
        c("REGION"),
        c("TITLE"),
        s("KEY"),
        s("TOKEN"),
        c("HOST"),
    ]
    .into_iter()
    .collect();
    let sources = |api_named: &[&str]| -> BTreeMap<String, BTreeSet<(MissingKind, String)>> {
        [
            ("Shop".to_string(), BTreeSet::new()),
            ("Api".to_string(), api_named.iter().map(|x| c(x)).collect()),
        ]
        .into_iter()
        .collect()
    };
    type Case = (&'static str, Held, Vec<Missing>);
    let cases: Vec<Case> = vec![
        (
            "everything held",
            Held {
                data_sources: sources(&[]),
                constants: all_constants.clone(),
            },
            vec![],
        ),
        (
            "a data source unconfigured",
            Held {
                data_sources: sources(&[])
                    .into_iter()
                    .filter(|(k, _)| k != "Api")
                    .collect(),
                constants: all_constants.clone(),
            },
            vec![m(MissingKind::DataSource, "Api")],
        ),
        (
            "a constant only in a data source's options",
            Held {
                data_sources: sources(&["HOST"]),
                constants: all_constants
                    .iter()
                    .filter(|x| x.1 != "HOST")
                    .cloned()
                    .collect(),
            },
            vec![m(MissingKind::Constant, "HOST")],
        ),
        (
            "options of an unconfigured data source are not asked for",
            Held {
                data_sources: sources(&["HOST"])
                    .into_iter()
                    .filter(|(k, _)| k != "Api")
                    .collect(),
                constants: all_constants
                    .iter()
                    .filter(|x| x.1 != "HOST")
                    .cloned()
                    .collect(),
            },
            vec![m(MissingKind::DataSource, "Api")],
        ),
        (
            "a global and a secret without values, listed by kind then name",
            Held {
                data_sources: sources(&[]),
                constants: all_constants
                    .iter()
                    .filter(|x| x.1 != "TITLE" && x.1 != "KEY" && x.1 != "DEEP")
                    .cloned()
                    .collect(),
            },
            vec![
                m(MissingKind::Constant, "DEEP"),
                m(MissingKind::Constant, "TITLE"),
                m(MissingKind::Secret, "KEY"),
            ],
        ),
        (
            "a secret of the same name is not the global",
            Held {
                data_sources: sources(&[]),
                constants: all_constants
                    .iter()
                    .filter(|x| **x != c("REGION"))
                    .cloned()
                    .chain([s("REGION")])
                    .collect(),
            },
            vec![m(MissingKind::Constant, "REGION")],
        ),
        (
            "nothing held",
            Held::default(),
            vec![
                m(MissingKind::DataSource, "Api"),
                m(MissingKind::DataSource, "Shop"),
                m(MissingKind::Constant, "DEEP"),
                m(MissingKind::Constant, "REGION"),
                m(MissingKind::Constant, "TITLE"),
                m(MissingKind::Secret, "KEY"),
                m(MissingKind::Secret, "TOKEN"),
            ],
        ),
    ];
    for (name, held, expected) in cases {
        assert_eq!(missing(&n, &held, &en("production")), expected, "{name}");
    }
    // The wire names of API.md.
    assert_eq!(
        serde_json::to_value(m(MissingKind::DataSource, "Api")).unwrap(),
        json!({"kind": "data_source", "name": "Api", "environment": "production"})
    );
}

#[test]
fn b3_only_admins_override_and_each_missing_value_links_to_its_fix() {
    assert_eq!(override_denied(Role::Admin), None);
    assert!(override_denied(Role::Builder).is_some());
    assert!(override_denied(Role::EndUser).is_some());
    let cases = [
        (
            m(MissingKind::DataSource, "Api"),
            Some("ds1"),
            "/data-sources/ds1?env=production",
        ),
        (m(MissingKind::DataSource, "Gone"), None, "/data-sources"),
        (
            m(MissingKind::Constant, "TITLE"),
            None,
            "/constants#constant-global-TITLE",
        ),
        (
            m(MissingKind::Secret, "KEY"),
            None,
            "/constants#constant-secret-KEY",
        ),
    ];
    for (missing, id, link) in cases {
        assert_eq!(fix_link(&missing, id), link);
    }
}

fn access(edit_in: &[&str], promote: bool, release: bool) -> Access {
    let mut flags = Flags::NONE;
    flags.promote = promote;
    flags.release = release;
    Access {
        level: if edit_in.is_empty() {
            Level::View
        } else {
            Level::Edit
        },
        environments: edit_in.iter().map(|e| en(e)).collect(),
        flags,
    }
}

fn facts(status: VersionStatus, env: &str) -> VersionFacts<'_> {
    VersionFacts {
        status,
        environment: Box::leak(Box::new(en(env))),
        released: false,
        versions_in_app: 2,
    }
}

#[test]
fn b7_who_may_ask_and_who_decides() {
    use RequestAction::{Promote, Release};
    use VersionStatus::{Draft, Saved};
    let all = ["development", "staging", "production"];
    let envs = envs();
    // (action, status, where, edits in, promote, release) → status code or None (may ask)
    let cases: Vec<(
        RequestAction,
        VersionStatus,
        &str,
        &[&str],
        bool,
        bool,
        Option<u16>,
    )> = vec![
        (Promote, Saved, "development", &all, false, false, None),
        (Promote, Saved, "staging", &["staging"], false, false, None),
        (
            Promote,
            Saved,
            "staging",
            &["development"],
            false,
            false,
            Some(403),
        ),
        (Promote, Saved, "development", &[], false, false, Some(403)),
        (Promote, Saved, "development", &all, true, false, Some(409)),
        (Promote, Draft, "development", &all, false, false, Some(409)),
        (Promote, Saved, "production", &all, false, false, Some(409)),
        (Release, Saved, "production", &all, false, false, None),
        (
            Release,
            Saved,
            "production",
            &["production"],
            true,
            false,
            None,
        ),
        (
            Release,
            Saved,
            "production",
            &["staging"],
            false,
            false,
            Some(403),
        ),
        (Release, Saved, "production", &all, false, true, Some(409)),
        (Release, Saved, "staging", &all, false, false, Some(409)),
    ];
    for (action, status, env, edits, promote, release, expected) in cases {
        let a = access(edits, promote, release);
        let got = ask_refusal(action, &facts(status, env), &a, &envs).map(|e| e.status());
        assert_eq!(
            got, expected,
            "{action:?} {status:?} in {env}, edits {edits:?}, promote {promote}, release {release}"
        );
        // Whoever may decide could do it themselves; no one asks themselves.
        let decides = may_decide(action, &en(env), &a, &envs);
        assert!(
            !(decides && got.is_none()),
            "{action:?} in {env}: both ask and decide"
        );
    }
    assert!(may_decide(
        Promote,
        &en("staging"),
        &access(&["staging"], true, false),
        &envs
    ));
    assert!(!may_decide(
        Promote,
        &en("staging"),
        &access(&["development"], true, false),
        &envs
    ));
    assert!(!may_decide(
        Release,
        &en("production"),
        &access(&all, true, false),
        &envs
    ));
    assert!(stale("development", "staging"));
    assert!(!stale("staging", "staging"));
}
