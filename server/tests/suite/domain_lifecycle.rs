//! Table tests of the lifecycle rules (SPEC A1, V1–V9) and the role-default
//! access (P3, P5, P8) they are checked with.
use super::domain_access::{en, envs, role_default};
use app::domain::access::{Level, RELEASED};
use app::domain::lifecycle::*;
use app::domain::user::Role;
use app::error::ErrorCode;

#[test]
fn a1_app_names_and_slugs() {
    assert_eq!(AppName::parse("  Orders  ").unwrap().as_str(), "Orders");
    assert!(AppName::parse(&"x".repeat(50)).is_ok());
    for bad in ["", "   ", &"x".repeat(51)] {
        assert_eq!(
            AppName::parse(bad).unwrap_err().field.as_deref(),
            Some("name")
        );
    }
    for (name, slug) in [
        ("Orders Admin!", Some("orders-admin")),
        ("  --Hello__World--  ", Some("hello-world")),
        ("Ünïcode Straße 42", Some("n-code-stra-e-42")),
        ("ABC", Some("abc")),
        ("!!!", None),
        ("", None),
    ] {
        match slug {
            Some(s) => assert_eq!(Slug::derive(name).unwrap().as_str(), s, "{name}"),
            None => assert_eq!(
                Slug::derive(name).unwrap_err().field.as_deref(),
                Some("slug")
            ),
        }
    }
    let long = Slug::derive(&"a".repeat(100)).unwrap();
    assert_eq!(long.as_str().len(), 63);
    assert_eq!(long.with_suffix(2).as_str().len(), 63);
    assert!(long.with_suffix(2).as_str().ends_with("-2"));
    assert_eq!(
        Slug::parse("orders").unwrap().with_suffix(13).as_str(),
        "orders-13"
    );
    for ok in ["a", "0", "a-b", "a--b", "abc-", &"a".repeat(63)] {
        assert!(Slug::parse(ok).is_ok(), "{ok}");
    }
    for bad in ["", "-a", "A", "a b", "a_b", "é", &"a".repeat(64)] {
        assert_eq!(
            Slug::parse(bad).unwrap_err().field.as_deref(),
            Some("slug"),
            "{bad}"
        );
    }
}

#[test]
fn v1_version_names_and_descriptions() {
    assert_eq!(VersionName::parse(" v2 ").unwrap().as_str(), "v2");
    assert!(VersionName::parse(&"é".repeat(25)).is_ok());
    for bad in ["", "  ", &"n".repeat(26)] {
        assert_eq!(
            VersionName::parse(bad).unwrap_err().field.as_deref(),
            Some("name")
        );
    }
    assert!(parse_description(&"d".repeat(500)).is_ok());
    assert_eq!(
        parse_description(&"d".repeat(501))
            .unwrap_err()
            .field
            .as_deref(),
        Some("description")
    );
}

#[test]
fn v5_next_environment_is_one_step() {
    let e = envs();
    let next = |n: &str| next_environment(&e, &en(n)).map(|x| x.name.clone());
    assert_eq!(next("development").as_deref(), Some("staging"));
    assert_eq!(next("staging").as_deref(), Some("production"));
    assert_eq!(next("production"), None);
    assert_eq!(next("nowhere"), None);
    assert_eq!(release_environment(&e).unwrap().name, "production");
}

#[test]
fn v9_listing_per_environment() {
    let e = envs();
    let cases = [
        ("development", "development", true),
        ("staging", "development", true),
        ("production", "development", true),
        ("development", "staging", false),
        ("staging", "staging", true),
        ("production", "staging", true),
        ("development", "production", false),
        ("staging", "production", false),
        ("production", "production", true),
    ];
    for (version_env, listing, listed) in cases {
        assert_eq!(
            listed_in(&e, &en(version_env), &en(listing)),
            listed,
            "{version_env} in {listing}"
        );
    }
}

fn facts(status: VersionStatus, env: &str, released: bool, count: usize) -> VersionFacts<'_> {
    VersionFacts {
        status,
        environment: Box::leak(Box::new(en(env))),
        released,
        versions_in_app: count,
    }
}

#[test]
fn v3_v4_v5_v6_v8_state_rules() {
    use VersionAction::*;
    use VersionStatus::*;
    let e = envs();
    // (action, status, environment, released, versions in app, refused?)
    let cases: &[(VersionAction, VersionStatus, &str, bool, usize, bool)] = &[
        (Edit, Draft, "development", false, 1, false),
        (Edit, Saved, "development", false, 1, true),
        (Edit, Saved, "staging", false, 1, true),
        (Save, Draft, "development", false, 1, false),
        (Save, Saved, "development", false, 1, true),
        (Promote, Draft, "development", false, 1, true),
        (Promote, Saved, "development", false, 1, false),
        (Promote, Saved, "staging", false, 1, false),
        (Promote, Saved, "production", false, 1, true),
        (Release, Saved, "development", false, 1, true),
        (Release, Saved, "staging", false, 1, true),
        (Release, Saved, "production", false, 1, false),
        (Release, Saved, "production", true, 1, false),
        (Delete, Draft, "development", false, 2, false),
        (Delete, Draft, "development", false, 1, true),
        (Delete, Saved, "production", true, 2, true),
        (Delete, Saved, "staging", false, 2, false),
        (CreateFrom, Saved, "production", true, 1, false),
        (CreateFrom, Draft, "development", false, 1, false),
    ];
    for (action, status, env, released, count, refused) in cases {
        let got = state_refusal(*action, &facts(*status, env, *released, *count), &e);
        assert_eq!(
            got.is_some(),
            *refused,
            "{action:?} {status:?} {env} released={released} n={count}: {got:?}"
        );
    }
}

#[test]
fn p3_p5_p8_role_defaults_decide_permission_first() {
    use VersionAction::*;
    let e = envs();
    let builder = role_default(Role::Builder);
    assert_eq!(builder.level, Level::Edit);
    assert_eq!(
        builder.environments,
        ["development", "staging", "production", "released"]
    );
    let end_user = role_default(Role::EndUser);
    assert_eq!(end_user.level, Level::View);
    assert_eq!(end_user.environments, [RELEASED]);
    let can = end_user.can(&e);
    assert!(!can.edit && !can.create_version && !can.promote && !can.release && can.open_released);
    let can = role_default(Role::Admin).can(&e);
    assert!(can.edit && can.create_version && can.promote && can.release && can.open_released);
    let draft = facts(VersionStatus::Draft, "development", false, 1);
    for action in [Edit, Save, Promote, Release, Delete, CreateFrom] {
        // End-users are refused with 403 whatever the state (permission first).
        let err = refusal(action, &draft, &end_user, &e).expect("end-users change nothing");
        assert_eq!(err.code, ErrorCode::Forbidden, "{action:?}");
        // Builders get the state's answer.
        let state = refusal(action, &draft, &builder, &e).map(|e| e.code);
        assert!(
            state.is_none() || state == Some(ErrorCode::Conflict),
            "{action:?}"
        );
    }
    let err = refusal(Release, &draft, &end_user, &e).unwrap();
    assert_eq!(err.message, "You do not have the Release permission");
}
