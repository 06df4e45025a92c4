//! Table tests of the validated user types (SPEC P1, S2).
use app::domain::user::*;

fn field_of<T: std::fmt::Debug>(r: Result<T, app::error::AppError>) -> Option<String> {
    r.err().and_then(|e| e.field)
}

#[test]
fn p1_email_accepts_and_normalises() {
    for (raw, stored) in [
        ("ada@example.com", "ada@example.com"),
        ("  Ada@Example.COM ", "ada@example.com"),
        ("a.b+c@sub.example.org", "a.b+c@sub.example.org"),
        ("x@localhost", "x@localhost"),
    ] {
        assert_eq!(Email::parse(raw).unwrap().as_str(), stored, "{raw}");
    }
}

#[test]
fn p1_s2_email_refuses_with_field() {
    let long = format!("{}@example.com", "a".repeat(250));
    for raw in [
        "",
        "   ",
        "ada",
        "@example.com",
        "ada@",
        "ada@@example.com",
        "ada@.example.com",
        "ada@example.",
        "a da@example.com",
        "ada@exa..mple.com",
        long.as_str(),
        "ada@exam\u{7}ple.com",
    ] {
        assert_eq!(
            field_of(Email::parse(raw)).as_deref(),
            Some("email"),
            "{raw:?}"
        );
    }
}

#[test]
fn p1_user_name_is_1_to_100_characters_after_trimming() {
    let cases: &[(&str, Option<&str>)] = &[
        ("Ada", Some("Ada")),
        ("  Ada Lovelace  ", Some("Ada Lovelace")),
        ("É", Some("É")),
        ("", None),
        ("   ", None),
        ("tab\tname", None),
    ];
    for (raw, want) in cases {
        let got = UserName::parse(raw);
        match want {
            Some(w) => assert_eq!(got.unwrap().as_str(), *w),
            None => assert_eq!(field_of(got).as_deref(), Some("name"), "{raw:?}"),
        }
    }
    assert!(
        UserName::parse(&"é".repeat(100)).is_ok(),
        "100 characters (not bytes) are allowed"
    );
    assert_eq!(
        field_of(UserName::parse(&"a".repeat(101))).as_deref(),
        Some("name")
    );
}

#[test]
fn p1_password_is_at_least_8_characters() {
    for (raw, ok) in [
        ("", false),
        ("1234567", false),
        ("12345678", true),
        ("éééééééé", true),
        ("        ", true),
    ] {
        assert_eq!(Password::parse(raw).is_ok(), ok, "{raw:?}");
        if !ok {
            assert_eq!(field_of(Password::parse(raw)).as_deref(), Some("password"));
        }
    }
    assert!(Password::parse(&"x".repeat(1000)).is_ok());
    assert!(Password::parse(&"x".repeat(1001)).is_err());
}

#[test]
fn s4_password_debug_never_shows_the_password() {
    let p = Password::parse("hunter2hunter2").unwrap();
    assert!(!format!("{p:?}").contains("hunter2"));
}

#[test]
fn p1_role_parses_exactly_three_roles() {
    for (raw, want) in [
        ("admin", Some(Role::Admin)),
        ("builder", Some(Role::Builder)),
        ("end-user", Some(Role::EndUser)),
        (" builder ", Some(Role::Builder)),
        ("Admin", None),
        ("enduser", None),
        ("", None),
        ("root", None),
    ] {
        match want {
            Some(r) => assert_eq!(Role::parse(raw).unwrap(), r),
            None => assert_eq!(
                field_of(Role::parse(raw)).as_deref(),
                Some("role"),
                "{raw:?}"
            ),
        }
    }
    for r in Role::ALL {
        assert_eq!(Role::parse(r.as_str()).unwrap(), r, "round trip");
        assert_eq!(serde_json::to_value(r).unwrap(), r.as_str());
    }
}

#[test]
fn s2_new_user_names_the_first_invalid_field_in_api_order() {
    // API.md: POST /users {email, name, password, role}.
    let cases = [
        (("bad", "", "short", "x"), "email"),
        (("a@b.c", "", "short", "x"), "name"),
        (("a@b.c", "N", "short", "x"), "password"),
        (("a@b.c", "N", "long enough", "x"), "role"),
    ];
    for ((e, n, p, r), field) in cases {
        assert_eq!(field_of(NewUser::parse(e, n, p, r)).as_deref(), Some(field));
    }
    assert!(NewUser::parse("a@b.c", "N", "long enough", "builder").is_ok());
    // POST /setup {name, email, password}.
    assert_eq!(
        field_of(NewAdmin::parse("", "bad", "short")).as_deref(),
        Some("name")
    );
    assert_eq!(
        field_of(NewAdmin::parse("N", "bad", "short")).as_deref(),
        Some("email")
    );
    assert_eq!(
        field_of(NewAdmin::parse("N", "a@b.c", "short")).as_deref(),
        Some("password")
    );
}

#[test]
fn user_change_parses_each_part() {
    assert!(UserChange::parse(None, None, None).unwrap().is_empty());
    assert_eq!(
        field_of(UserChange::parse(Some(""), None, None)).as_deref(),
        Some("name")
    );
    assert_eq!(
        field_of(UserChange::parse(None, Some("boss"), None)).as_deref(),
        Some("role")
    );
    let c = UserChange::parse(Some(" Bo "), Some("end-user"), Some(false)).unwrap();
    assert_eq!(c.name.unwrap().as_str(), "Bo");
    assert_eq!(c.role, Some(Role::EndUser));
    assert_eq!(c.active, Some(false));
}

#[test]
fn s6_which_changes_end_every_session() {
    let user = |role, active| User {
        id: "u".into(),
        email: "u@example.com".into(),
        name: "U".into(),
        role,
        active,
    };
    for before_role in Role::ALL {
        for after_role in Role::ALL {
            for (before_active, after_active) in
                [(true, true), (true, false), (false, true), (false, false)]
            {
                let before = user(before_role, before_active);
                let after = user(after_role, after_active);
                let demoted = matches!(
                    (before_role, after_role),
                    (Role::Admin, Role::Builder)
                        | (Role::Admin, Role::EndUser)
                        | (Role::Builder, Role::EndUser)
                );
                let deactivated = before_active && !after_active;
                assert_eq!(
                    change_ends_sessions(&before, &after),
                    demoted || deactivated,
                    "{before:?} -> {after:?}"
                );
            }
        }
    }
}
