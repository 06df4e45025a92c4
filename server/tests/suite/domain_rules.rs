//! Table tests of the pure rules: user changes, sign-in throttle (S3),
//! role flags (P3), environments (E1), configuration helpers.
use app::domain::access::{administer_denied, Flags, GroupFlags};
use app::domain::environment::colour_class;
use app::domain::sign_in::{throttle_key, throttled};
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

/// P3: a builder's flags are the union of their groups' flags; admins have
/// every flag whatever their groups say, end-users none. (The defaults the
/// role groups start with come from the migration: `p3_role_groups_start_
/// with_their_default_flags` checks them over HTTP.)
#[test]
fn p3_flags_combine_by_role_and_groups() {
    let with = |names: &[&str]| {
        let mut f = Flags::NONE;
        for n in names {
            f.set(app::domain::access::Flag::parse(n).unwrap(), true);
        }
        f
    };
    let group = |name: &str, flags: Flags| GroupFlags {
        group_name: name.into(),
        flags,
    };
    let promote = group("A", with(&["promote"]));
    let release = group("B", with(&["release", "app_create"]));
    let none = group("C", Flags::NONE);
    for (role, groups, want) in [
        (Role::Builder, vec![], Flags::NONE),
        (Role::Builder, vec![none.clone()], Flags::NONE),
        (Role::Builder, vec![promote.clone()], with(&["promote"])),
        (
            Role::Builder,
            vec![promote.clone(), release.clone(), none.clone()],
            with(&["promote", "release", "app_create"]),
        ),
        (Role::Admin, vec![], Flags::ALL),
        (Role::Admin, vec![none.clone()], Flags::ALL),
        (
            Role::EndUser,
            vec![promote.clone(), release.clone()],
            Flags::NONE,
        ),
        (Role::EndUser, vec![group("all", Flags::ALL)], Flags::NONE),
    ] {
        assert_eq!(
            Flags::combined(role, &groups),
            want,
            "{role:?} in {groups:?}"
        );
    }
    assert!(!Flags::NONE.any() && Flags::ALL.any());
    assert_eq!(with(&["release"]).on(), ["release"]);
}

#[test]
fn p9_only_admins_administer() {
    assert_eq!(administer_denied(Role::Admin), None);
    assert!(administer_denied(Role::Builder).is_some());
    assert!(administer_denied(Role::EndUser).is_some());
}

/// The environments themselves come from the migration (checked over HTTP
/// by `e1_e2_environments_in_priority_order`); here, their colours.
#[test]
fn e1_each_environment_has_its_own_colour() {
    let names = ["development", "staging", "production", "released"];
    let colours: std::collections::HashSet<_> = names.iter().map(|n| colour_class(n)).collect();
    assert_eq!(
        colours.len(),
        names.len(),
        "each environment has its own colour"
    );
    assert_eq!(
        colour_class("qa"),
        colour_class("uat"),
        "custom ones share one"
    );
    assert!(!colours.contains(colour_class("qa")));
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
        ("postgres://u:p%40ss@h/db", "postgres://u:********@h/db"),
        (
            "postgres://u@h/db?password=s3cret&sslmode=require",
            "postgres://u@h/db?password=********&sslmode=require",
        ),
        (
            "postgres://u:a@h/db?sslpassword=s3cret",
            "postgres://u:********@h/db?sslpassword=********",
        ),
        ("postgres://u:p@ss@h/db", "postgres://u:********@h/db"),
        (
            "sqlite://./data/stagecraft.db?mode=rwc",
            "sqlite://./data/stagecraft.db?mode=rwc",
        ),
        ("postgres://u:p ss@h:x/db", "postgres://********"),
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

#[test]
fn s3_client_address_behind_trusted_proxies() {
    use app::domain::network::TrustedProxies;
    use std::net::IpAddr;
    let ip = |s: &str| s.parse::<IpAddr>().unwrap();
    // (trusted proxies, peer, X-Forwarded-For headers, the client)
    let table: &[(&str, &str, &[&str], &str)] = &[
        ("", "127.0.0.1", &["203.0.113.7"], "127.0.0.1"),
        ("10.0.0.1", "192.0.2.1", &["203.0.113.7"], "192.0.2.1"),
        ("10.0.0.1", "10.0.0.1", &[], "10.0.0.1"),
        ("10.0.0.1", "10.0.0.1", &["203.0.113.7"], "203.0.113.7"),
        (
            "10.0.0.0/8",
            "10.9.9.9",
            &["1.1.1.1, 203.0.113.7, 10.0.0.2"],
            "203.0.113.7",
        ),
        (
            "10.0.0.0/8",
            "10.9.9.9",
            &["1.1.1.1", "203.0.113.7"],
            "203.0.113.7",
        ),
        (
            "10.0.0.0/8",
            "10.9.9.9",
            &["10.0.0.3, 10.0.0.2"],
            "10.0.0.3",
        ),
        ("10.0.0.0/8", "10.9.9.9", &["junk, 10.0.0.2"], "10.0.0.2"),
        ("10.0.0.0/8", "11.0.0.1", &["203.0.113.7"], "11.0.0.1"),
        ("10.0.0.0/31", "10.0.0.1", &["203.0.113.7"], "203.0.113.7"),
        ("10.0.0.0/31", "10.0.0.2", &["203.0.113.7"], "10.0.0.2"),
        ("::1", "::1", &["2001:db8::7"], "2001:db8::7"),
        (
            "fd00::/8",
            "fd12::1",
            &["2001:db8::7, fd00::2"],
            "2001:db8::7",
        ),
        (
            "127.0.0.1",
            "::ffff:127.0.0.1",
            &["203.0.113.7"],
            "203.0.113.7",
        ),
        ("0.0.0.0/0", "8.8.8.8", &["203.0.113.7"], "203.0.113.7"),
    ];
    for (trusted, peer, headers, client) in table {
        let t = TrustedProxies::parse(trusted).unwrap();
        assert_eq!(
            t.client_address(ip(peer), headers),
            ip(client),
            "trusted={trusted} peer={peer} xff={headers:?}"
        );
    }
    for bad in [
        "10.0.0.0/33",
        "::/129",
        "example.com",
        "10.0.0",
        "1.2.3.4/x",
    ] {
        assert!(TrustedProxies::parse(bad).is_err(), "{bad}");
    }
    assert_eq!(
        TrustedProxies::parse(" 10.0.0.1 , ,::1 ")
            .unwrap()
            .to_string(),
        "10.0.0.1/32,::1/128"
    );
}

/// E1, P4: a name from a request becomes an `EnvName` only if the
/// environment exists (or, for a permission, is `released`); otherwise the
/// error names the field (422), or is a 404 for a name in a path.
#[test]
fn e1_environment_names_are_parsed_against_the_installation() {
    use app::domain::environment::{EnvName, DEVELOPMENT, RELEASED};
    let envs = crate::domain_access::envs();
    let table: [(&str, bool, bool); 6] = [
        // (raw, exists, may be granted)
        ("development", true, true),
        ("staging", true, true),
        ("production", true, true),
        ("released", false, true),
        ("Production", false, false),
        ("", false, false),
    ];
    for (raw, exists, grantable) in table {
        match EnvName::existing("to", raw, &envs) {
            Ok(e) => {
                assert!(exists, "{raw:?} parsed");
                assert_eq!(e, raw);
                assert_eq!(e.as_str(), raw);
            }
            Err(err) => {
                assert!(!exists, "{raw:?} refused");
                assert_eq!(err.status(), 422, "{raw:?}");
                assert_eq!(err.field.as_deref(), Some("to"), "{raw:?}");
            }
        }
        match EnvName::in_path(raw, &envs) {
            Ok(_) => assert!(exists, "{raw:?} in a path"),
            Err(err) => assert_eq!((exists, err.status()), (false, 404), "{raw:?}"),
        }
        match EnvName::granted("environments", raw, &envs) {
            Ok(e) => assert!(grantable && e == raw, "{raw:?} granted"),
            Err(err) => {
                assert!(!grantable, "{raw:?} refused as a grant");
                assert_eq!(err.field.as_deref(), Some("environments"));
            }
        }
    }
    assert_eq!(DEVELOPMENT, "development");
    assert_eq!(RELEASED, "released");
    // The wire form is the bare name, both ways.
    let dev = EnvName::existing("to", "development", &envs).unwrap();
    assert_eq!(serde_json::to_string(&dev).unwrap(), "\"development\"");
    assert_eq!(
        serde_json::from_str::<EnvName>("\"development\"").unwrap(),
        DEVELOPMENT
    );
}

#[test]
fn s7_throttle_key_is_the_ipv4_address_or_the_ipv6_64() {
    for (address, key) in [
        ("203.0.113.7", "203.0.113.7"),
        ("::ffff:203.0.113.7", "203.0.113.7"),
        ("2001:db8:1:2::1", "2001:db8:1:2::/64"),
        ("2001:db8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:2::/64"),
        ("2001:db8:1:3::1", "2001:db8:1:3::/64"),
        ("::1", "::/64"),
        ("fe80::1:2:3:4", "fe80::/64"),
        ("unknown", "unknown"),
        ("", ""),
    ] {
        assert_eq!(throttle_key(address), key, "{address}");
    }
}
