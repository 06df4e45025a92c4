//! Table tests of the pure rules: user changes, sign-in throttle (S3),
//! role flags (P3), environments (E1), configuration helpers.
use app::domain::access::{administer_denied, Flags, GroupFlags};
use app::domain::environment::{colour_class, DEFAULT_ENVIRONMENTS};
use app::domain::sign_in::throttled;
use app::domain::user::{user_change_refusal, Role, User, UserChange};

fn user(id: &str, role: Role, active: bool) -> User {
    User {
        id: id.into(),
        email: format!("{id}@x.io"),
        name: id.into(),
        role,
        active,
    }
}

fn change(role: Option<Role>, active: Option<bool>) -> UserChange {
    UserChange {
        name: None,
        role,
        active,
    }
}

#[test]
fn user_change_refusals() {
    let me = user("me", Role::Admin, true);
    let other_admin = user("oa", Role::Admin, true);
    let builder = user("b", Role::Builder, true);
    let gone_admin = user("ga", Role::Admin, false);
    let cases: Vec<(&User, UserChange, usize, Option<&str>)> = vec![
        (
            &me,
            change(None, Some(false)),
            2,
            Some("You cannot deactivate yourself"),
        ),
        (
            &me,
            change(Some(Role::Builder), None),
            2,
            Some("You cannot remove your own admin role"),
        ),
        (&me, change(Some(Role::Admin), None), 1, None),
        (&me, change(None, Some(true)), 1, None),
        (&other_admin, change(None, Some(false)), 2, None),
        (&other_admin, change(Some(Role::EndUser), None), 2, None),
        (
            &other_admin,
            change(None, Some(false)),
            1,
            Some("The last active admin cannot be removed"),
        ),
        (&builder, change(Some(Role::EndUser), Some(false)), 1, None),
        (&builder, change(Some(Role::Admin), None), 1, None),
        (&gone_admin, change(Some(Role::Builder), None), 1, None),
        (&gone_admin, change(None, Some(true)), 1, None),
    ];
    for (target, c, admins, want) in cases {
        assert_eq!(
            user_change_refusal("me", target, &c, admins),
            want,
            "{} {c:?} admins={admins}",
            target.id
        );
    }
}

#[test]
fn s3_throttle_thresholds() {
    for (account, address, refused) in [
        (0, 0, false),
        (4, 19, false),
        (5, 0, true),
        (0, 20, true),
        (6, 25, true),
    ] {
        assert_eq!(
            throttled(account, address),
            refused,
            "account={account} address={address}"
        );
    }
}

#[test]
fn p3_role_default_flags() {
    let all = Flags::combined(Role::Admin, &[]);
    assert!(
        all.app_create
            && all.app_delete
            && all.promote
            && all.release
            && all.manage_data_sources
            && all.manage_constants
    );
    let builder = GroupFlags {
        group_name: "builder".into(),
        flags: all,
    };
    assert_eq!(Flags::combined(Role::Builder, &[builder.clone()]), all);
    let none = Flags::combined(Role::EndUser, &[builder]);
    assert!(
        !(none.app_create
            || none.app_delete
            || none.promote
            || none.release
            || none.manage_data_sources
            || none.manage_constants)
    );
}

#[test]
fn p9_only_admins_administer() {
    assert_eq!(administer_denied(Role::Admin), None);
    assert!(administer_denied(Role::Builder).is_some());
    assert!(administer_denied(Role::EndUser).is_some());
}

#[test]
fn e1_default_environments_and_colours() {
    let names: Vec<_> = DEFAULT_ENVIRONMENTS.iter().map(|(n, _)| *n).collect();
    assert_eq!(names, ["development", "staging", "production"]);
    let prios: Vec<_> = DEFAULT_ENVIRONMENTS.iter().map(|(_, p)| *p).collect();
    assert_eq!(prios, [1, 2, 3]);
    let colours: std::collections::HashSet<_> = names.iter().map(|n| colour_class(n)).collect();
    assert_eq!(colours.len(), 3, "each environment has its own colour");
}

#[test]
fn s4_database_password_is_masked_in_the_start_up_line() {
    use server::config::mask_password;
    for (url, want) in [
        (
            "postgres://u:s3cret@h:5432/db",
            "postgres://u:********@h:5432/db",
        ),
        ("postgres://u@h/db", "postgres://u@h/db"),
        ("sqlite://data/x.db?mode=rwc", "sqlite://data/x.db?mode=rwc"),
        ("postgres://u:p@ss@h/db", "postgres://u:********@h/db"),
    ] {
        assert_eq!(mask_password(url), want);
    }
}

#[test]
fn s3_public_url_origin() {
    use server::origin::origin_of;
    assert_eq!(
        origin_of("https://tools.example.com/"),
        Some("https://tools.example.com".into())
    );
    assert_eq!(
        origin_of("http://10.0.0.1:8080/x/y"),
        Some("http://10.0.0.1:8080".into())
    );
    assert_eq!(origin_of("nonsense"), None);
}
