//! Table tests of the access function (SPEC P3–P8, P10): the reference's
//! five worked examples, every combination rule, and a generated table
//! checked against a second, independently written oracle.
use app::domain::access::{
    decide, explain, Access, Decision, Flags, Grant, GroupFlags, Level, Subject, RELEASED,
};
use app::domain::environment::{EnvName, Environment};

/// An environment name as test data (the database vouches for real ones).
pub fn en(n: &str) -> EnvName {
    EnvName::stored(n.to_string())
}
use app::domain::lifecycle::{refusal, VersionAction, VersionFacts, VersionStatus};
use app::domain::user::Role;
use app::error::ErrorCode;

/// The environments of a fresh installation, as test data (the truth is
/// the first migration, which `e1_e2_environments_in_priority_order` reads).
pub fn envs() -> Vec<Environment> {
    [("development", 1), ("staging", 2), ("production", 3)]
        .iter()
        .map(|(n, p)| Environment {
            id: n.to_string(),
            name: en(n),
            priority: *p,
            is_default: true,
        })
        .collect()
}

pub fn grant(group: &str, access: Level, environments: &[&str], hide: bool) -> Grant {
    Grant {
        permission_id: format!("{group}-{access:?}-{}", environments.join("+")),
        group_name: group.to_string(),
        all_apps: true,
        access,
        environments: environments.iter().map(|e| e.to_string()).collect(),
        hide_from_dashboard: hide,
    }
}

fn group(name: &str, flags: Flags) -> GroupFlags {
    GroupFlags {
        group_name: name.to_string(),
        flags,
    }
}

/// The role group with its default flags (P3).
fn role_group(role: Role) -> GroupFlags {
    match role {
        Role::Admin => group("admin", Flags::ALL),
        Role::Builder => group("builder", Flags::ALL),
        Role::EndUser => group("end-user", Flags::NONE),
    }
}

/// The role group's default permission (P5).
fn role_grant(role: Role) -> Vec<Grant> {
    match role {
        Role::Admin => vec![],
        Role::Builder => vec![grant("builder", Level::Edit, &[], false)],
        Role::EndUser => vec![grant("end-user", Level::View, &["released"], false)],
    }
}

fn access(role: Role, groups: &[GroupFlags], grants: &[Grant]) -> Access {
    decide(
        &Subject {
            role,
            is_creator: false,
            groups,
            grants,
        },
        &envs(),
    )
    .access
}

/// The access a user of `role` has with the role defaults alone.
pub fn role_default(role: Role) -> Access {
    access(role, &[role_group(role)], &role_grant(role))
}

fn facts(env: &str, status: VersionStatus) -> VersionFacts<'_> {
    VersionFacts {
        status,
        environment: Box::leak(Box::new(en(env))),
        released: false,
        versions_in_app: 2,
    }
}

const ALL_ENVS: [&str; 4] = ["development", "staging", "production", "released"];

#[test]
fn p10_example_1_builder_with_view_and_edit_in_one_group_limited_to_staging() {
    // The admin has taken the builder default away; the builder's only
    // group "QA" holds view and edit on the app, both limited to staging.
    let groups = [role_group(Role::Builder), group("QA", Flags::NONE)];
    let grants = [
        grant("QA", Level::View, &["staging"], false),
        grant("QA", Level::Edit, &["staging"], false),
    ];
    let a = access(Role::Builder, &groups, &grants);
    let e = envs();
    assert_eq!(a.level, Level::Edit, "edit takes priority");
    assert_eq!(a.environments, ["staging"]);
    // Opens the app in staging and runs its queries: versions there can be
    // deleted or promoted, as edit access in staging allows.
    assert!(a.has(&en("staging")));
    assert_eq!(a.denial(VersionAction::Promote, &en("staging"), &e), None);
    // Cannot edit the UI or queries: that is development.
    assert!(!a.can(&e).edit && !a.can(&e).create_version);
    assert!(a
        .denial(VersionAction::Edit, &en("development"), &e)
        .is_some());
    // No development, no production (so no release either).
    assert!(!a.has(&en("development")) && !a.has(&en("production")) && !a.has(&RELEASED));
    assert!(!a.can(&e).release && !a.can(&e).open_released);
}

#[test]
fn p10_example_2_builder_with_overlapping_permissions_across_groups() {
    let groups = [
        role_group(Role::Builder),
        group("Viewers", Flags::NONE),
        group("Editors", Flags::NONE),
    ];
    let grants = [
        grant("Viewers", Level::View, &["staging"], false),
        grant("Editors", Level::Edit, &["staging"], false),
    ];
    let a = access(Role::Builder, &groups, &grants);
    assert_eq!(a.level, Level::Edit, "edit overrides view across groups");
    assert_eq!(a.environments, ["staging"], "the union is staging alone");
    assert!(!a.can(&envs()).edit);
    assert!(!a.has(&en("development")) && !a.has(&en("production")));
    // The union widens when the groups name different environments (P6).
    let grants = [
        grant("Viewers", Level::View, &["development"], false),
        grant("Editors", Level::Edit, &["staging"], false),
    ];
    let a = access(Role::Builder, &groups, &grants);
    assert_eq!(a.level, Level::Edit);
    assert_eq!(a.environments, ["development", "staging"]);
    assert!(a.can(&envs()).edit, "drafts in development included");
}

#[test]
fn p10_example_3_builder_default_role_with_no_environment_specified() {
    let a = role_default(Role::Builder);
    let e = envs();
    assert_eq!(a.level, Level::Edit);
    assert_eq!(a.environments, ALL_ENVS);
    assert!(a.can(&e).edit, "edits the app in development");
    // Opens staging and production, but versions there are not edited: the
    // state rule refuses (409), the permission allows.
    for env in ["staging", "production"] {
        assert!(a.has(&en(env)));
        let err = refusal(
            VersionAction::Edit,
            &facts(env, VersionStatus::Saved),
            &a,
            &e,
        )
        .unwrap();
        assert_eq!(err.code, ErrorCode::Conflict, "{env}");
    }
}

#[test]
fn p10_example_4_end_user_default_role() {
    let a = role_default(Role::EndUser);
    let e = envs();
    assert_eq!(a.level, Level::View);
    assert_eq!(a.environments, [RELEASED]);
    assert!(a.can(&e).open_released);
    assert!(!a.has(&en("development")) && !a.has(&en("staging")) && !a.has(&en("production")));
    for action in [
        VersionAction::Edit,
        VersionAction::Promote,
        VersionAction::Release,
    ] {
        let err = refusal(action, &facts("development", VersionStatus::Draft), &a, &e).unwrap();
        assert_eq!(err.code, ErrorCode::Forbidden, "{action:?}");
    }
}

#[test]
fn p10_example_5_end_user_with_explicit_preview_access() {
    let groups = [role_group(Role::EndUser), group("Preview", Flags::NONE)];
    let mut grants = role_grant(Role::EndUser);
    grants.push(grant(
        "Preview",
        Level::View,
        &["development", "staging"],
        false,
    ));
    let a = access(Role::EndUser, &groups, &grants);
    assert_eq!(a.level, Level::View, "preview, not edit");
    assert_eq!(a.environments, ["development", "staging", "released"]);
    assert!(
        !a.has(&en("production")),
        "production only through the release"
    );
    let can = a.can(&envs());
    assert!(!can.edit && !can.create_version && !can.promote && !can.release);
    assert!(can.open_released);
}

#[test]
fn p6_edit_wins_over_view_whatever_the_order() {
    for (grants, want) in [
        (vec![grant("a", Level::View, &[], false)], Level::View),
        (vec![grant("a", Level::Edit, &[], false)], Level::Edit),
        (
            vec![
                grant("a", Level::View, &[], false),
                grant("b", Level::Edit, &["production"], false),
            ],
            Level::Edit,
        ),
        (
            vec![
                grant("b", Level::Edit, &["production"], false),
                grant("a", Level::View, &[], false),
            ],
            Level::Edit,
        ),
    ] {
        assert_eq!(
            access(Role::Builder, &[], &grants).level,
            want,
            "{grants:?}"
        );
    }
}

#[test]
fn p4_p6_environments_union_none_listed_means_all_released_independent() {
    for (lists, want) in [
        (vec![vec![]], ALL_ENVS.to_vec()),
        (vec![vec!["staging"]], vec!["staging"]),
        (vec![vec!["production"]], vec!["production"]),
        (vec![vec!["released"]], vec!["released"]),
        (
            vec![vec!["released", "development"]],
            vec!["development", "released"],
        ),
        (
            vec![vec!["production"], vec!["development"]],
            vec!["development", "production"],
        ),
        (vec![vec!["staging"], vec![]], ALL_ENVS.to_vec()),
        (vec![vec!["staging"], vec!["staging"]], vec!["staging"]),
        // An environment that no longer exists grants nothing.
        (vec![vec!["qa"]], vec![]),
    ] {
        let grants: Vec<Grant> = lists
            .iter()
            .map(|l| grant("g", Level::View, l, false))
            .collect();
        assert_eq!(
            access(Role::Builder, &[], &grants).environments,
            want,
            "{lists:?}"
        );
    }
    // A permission whose every environment has gone grants nothing at all.
    let gone = access(
        Role::Builder,
        &[],
        &[grant("g", Level::Edit, &["qa"], false)],
    );
    assert_eq!(gone.level, Level::None);
    let prod = access(
        Role::Builder,
        &[],
        &[grant("g", Level::Edit, &["production"], false)],
    );
    assert!(
        !prod.can(&envs()).open_released,
        "production does not grant released"
    );
    let rel = access(
        Role::Builder,
        &[],
        &[grant("g", Level::Edit, &["released"], false)],
    );
    assert!(
        !rel.has(&en("production")),
        "released does not grant production"
    );
    assert!(!rel.can(&envs()).release, "release needs production");
}

#[test]
fn p6_creator_admin_no_permission_and_end_user_limits() {
    let e = envs();
    let run = |role, is_creator, grants: &[Grant]| {
        explain(
            &Subject {
                role,
                is_creator,
                groups: &[],
                grants,
            },
            &e,
        )
    };
    // The creator keeps edit everywhere while an admin or a builder.
    for role in [Role::Admin, Role::Builder] {
        let d = run(role, true, &[]);
        assert_eq!(
            (d.access.level, d.access.environments.clone()),
            (Level::Edit, ALL_ENVS.map(en).to_vec())
        );
        assert!(!d.hidden);
    }
    // Not once they are an end-user.
    assert_eq!(run(Role::EndUser, true, &[]).access.level, Level::None);
    // Admins have edit everywhere whatever the permissions.
    let d = run(Role::Admin, false, &[]);
    assert_eq!(d.access.level, Level::Edit);
    assert_eq!(d.access.flags, Flags::ALL);
    // No covering permission: no access, hidden, no environments.
    let d = run(Role::Builder, false, &[]);
    assert_eq!(d.access.level, Level::None);
    assert!(d.access.environments.is_empty() && d.hidden);
    assert!(d.because.iter().any(|b| b.contains("No permission")));
    // An end-user never edits, even through a permission that should not exist.
    let d = run(Role::EndUser, false, &[grant("g", Level::Edit, &[], false)]);
    assert_eq!(d.access.level, Level::View);
}

#[test]
fn p6_hidden_only_if_every_covering_permission_hides() {
    for (hides, hidden) in [
        (vec![true], true),
        (vec![false], false),
        (vec![true, false], false),
        (vec![true, true], true),
    ] {
        let grants: Vec<Grant> = hides
            .iter()
            .map(|h| grant("g", Level::View, &[], *h))
            .collect();
        let d = decide(
            &Subject {
                role: Role::Builder,
                is_creator: false,
                groups: &[],
                grants: &grants,
            },
            &envs(),
        );
        assert_eq!(d.hidden, hidden, "{hides:?}");
    }
}

#[test]
fn p3_flags_are_the_union_admin_all_end_user_none() {
    let mut promote_only = Flags::NONE;
    promote_only.promote = true;
    let mut release_only = Flags::NONE;
    release_only.release = true;
    let groups = [group("a", promote_only), group("b", release_only)];
    let f = Flags::combined(Role::Builder, &groups);
    assert!(f.promote && f.release && !f.app_create && !f.app_delete);
    assert_eq!(Flags::combined(Role::Builder, &[]), Flags::NONE);
    assert_eq!(Flags::combined(Role::Admin, &[]), Flags::ALL);
    assert_eq!(
        Flags::combined(Role::EndUser, &[group("x", Flags::ALL)]),
        Flags::NONE
    );
    assert_eq!(role_default(Role::Builder).flags, Flags::ALL);
    // B6: each flag is explained with the groups that grant it.
    let d = explain(
        &Subject {
            role: Role::Builder,
            is_creator: false,
            groups: &groups,
            grants: &[],
        },
        &envs(),
    );
    assert!(
        d.because
            .contains(&"Flag promote: on (from group \"a\")".to_string()),
        "{:?}",
        d.because
    );
    assert!(d
        .because
        .contains(&"Flag app_create: off (no group of the user has it)".to_string()));
}

#[test]
fn b6_because_names_each_group_and_permission() {
    let grants = [
        grant("QA", Level::View, &["staging", "released"], false),
        grant("builder", Level::Edit, &[], true),
    ];
    let d = explain(
        &Subject {
            role: Role::Builder,
            is_creator: true,
            groups: &[],
            grants: &grants,
        },
        &envs(),
    );
    for line in [
        "Creator of this app: edit in every environment",
        "Group \"QA\": view on all apps in staging, released",
        "Group \"builder\": edit on all apps in every environment (hidden from the dashboard)",
    ] {
        assert!(
            d.because.contains(&line.to_string()),
            "{line}: {:?}",
            d.because
        );
    }
}

// --- The generated table and its oracle -------------------------------

/// What the table asks: an action in one environment.
#[derive(Debug, Clone, Copy)]
enum Ask {
    /// Open the app (list versions) in an environment, or the released app.
    Open,
    EditDraft,
    Delete,
    Promote,
    Release,
}

/// The oracle: P6–P8 read per environment, written without `decide` or
/// `Access`. The level in an environment is the best level of any covering
/// permission if some permission covers that environment, else none.
fn oracle(
    role: Role,
    creator: bool,
    grants: &[(Level, Vec<&str>)],
    flags: Flags,
    ask: Ask,
    env: &str,
) -> bool {
    let level_in = |e: &str| -> Level {
        if role == Role::Admin || (creator && role != Role::EndUser) {
            return Level::Edit;
        }
        let covers = grants.iter().any(|(_, l)| l.is_empty() || l.contains(&e));
        if !covers {
            return Level::None;
        }
        let best = grants
            .iter()
            .map(|(lv, _)| *lv)
            .max()
            .unwrap_or(Level::None);
        if role == Role::EndUser {
            best.min(Level::View)
        } else {
            best
        }
    };
    let flag = |f: bool| match role {
        Role::Admin => true,
        Role::EndUser => false,
        Role::Builder => f,
    };
    match ask {
        Ask::Open => level_in(env) >= Level::View,
        Ask::EditDraft => level_in("development") == Level::Edit,
        Ask::Delete => level_in(env) == Level::Edit,
        Ask::Promote => flag(flags.promote) && level_in(env) == Level::Edit,
        Ask::Release => flag(flags.release) && level_in("production") == Level::Edit,
    }
}

/// The same question put to `Access`, the way the services put it.
fn system(a: &Access, ask: Ask, env: &str, e: &[Environment]) -> bool {
    match ask {
        Ask::Open => a.has(&en(env)),
        Ask::EditDraft => a
            .denial(VersionAction::Edit, &en("development"), e)
            .is_none(),
        Ask::Delete => a.denial(VersionAction::Delete, &en(env), e).is_none(),
        Ask::Promote => a.denial(VersionAction::Promote, &en(env), e).is_none(),
        Ask::Release => a.denial(VersionAction::Release, &en(env), e).is_none(),
    }
}

#[test]
fn p6_p8_generated_table_agrees_with_the_oracle() {
    let e = envs();
    let env_lists: [Vec<&str>; 6] = [
        vec![],
        vec!["development"],
        vec!["staging"],
        vec!["production"],
        vec!["released"],
        vec!["staging", "released"],
    ];
    let mut templates: Vec<(Level, Vec<&str>)> = Vec::new();
    for level in [Level::View, Level::Edit] {
        for l in &env_lists {
            templates.push((level, l.clone()));
        }
    }
    // No grant, each single grant, and each pair of grants.
    let mut sets: Vec<Vec<(Level, Vec<&str>)>> = vec![vec![]];
    for (i, a) in templates.iter().enumerate() {
        sets.push(vec![a.clone()]);
        for b in &templates[i..] {
            sets.push(vec![a.clone(), b.clone()]);
        }
    }
    let mut checked = 0;
    for role in [Role::Admin, Role::Builder, Role::EndUser] {
        for creator in [false, true] {
            for (promote, release) in [(false, false), (true, false), (false, true), (true, true)] {
                let mut flags = Flags::NONE;
                flags.promote = promote;
                flags.release = release;
                let groups = [group("g", flags)];
                for set in &sets {
                    let grants: Vec<Grant> = set
                        .iter()
                        .map(|(lv, l)| grant("g", *lv, l, false))
                        .collect();
                    let subject = Subject {
                        role,
                        is_creator: creator,
                        groups: &groups,
                        grants: &grants,
                    };
                    let d = explain(&subject, &e);
                    assert_eq!(
                        decide(&subject, &e),
                        Decision {
                            because: vec![],
                            ..d
                        },
                        "decide and explain agree"
                    );
                    let a = decide(
                        &Subject {
                            role,
                            is_creator: creator,
                            groups: &groups,
                            grants: &grants,
                        },
                        &e,
                    )
                    .access;
                    for ask in [
                        Ask::Open,
                        Ask::EditDraft,
                        Ask::Delete,
                        Ask::Promote,
                        Ask::Release,
                    ] {
                        for env in ALL_ENVS {
                            let want = oracle(role, creator, set, flags, ask, env);
                            let got = system(&a, ask, env, &e);
                            assert_eq!(got, want, "{role:?} creator={creator} flags={promote}/{release} {set:?} {ask:?} {env}");
                            checked += 1;
                        }
                    }
                    // `can` of the access answer, from the same oracle.
                    let can = a.can(&e);
                    let o = |ask, env| oracle(role, creator, set, flags, ask, env);
                    assert_eq!(can.edit, o(Ask::EditDraft, "development"));
                    assert_eq!(can.create_version, o(Ask::EditDraft, "development"));
                    assert_eq!(
                        can.promote,
                        o(Ask::Promote, "development") || o(Ask::Promote, "staging"),
                        "{role:?} {set:?}"
                    );
                    assert_eq!(can.release, o(Ask::Release, "production"));
                    assert_eq!(can.open_released, o(Ask::Open, "released"));
                }
            }
        }
    }
    assert!(checked > 40_000, "{checked} cases");
}

use app::domain::access::AppChange;

/// P11: renaming (name or slug), deleting and publishing act on every
/// environment at once. Each needs edit access in every environment of the
/// installation (`released` is not one), deleting also `app_delete` and
/// publishing `release`; the flag is named first, then the first
/// environment without edit, in priority order.
#[test]
fn p11_app_wide_changes_need_edit_in_every_environment_and_their_flag() {
    let e = envs();
    let staging = "You do not have edit access in staging";
    let development = "You do not have edit access in development";
    let kinds: Vec<(&str, Level, Vec<&str>, Option<&str>)> = vec![
        ("edit everywhere", Level::Edit, vec![], None),
        (
            "edit in every environment, not released",
            Level::Edit,
            vec!["development", "staging", "production"],
            None,
        ),
        (
            "edit missing staging",
            Level::Edit,
            vec!["development", "production", "released"],
            Some(staging),
        ),
        (
            "edit only in staging",
            Level::Edit,
            vec!["staging"],
            Some(development),
        ),
        ("view only", Level::View, vec![], Some(development)),
    ];
    let mut checked = 0;
    for (kind, level, environments, env_reason) in &kinds {
        for app_delete in [false, true] {
            for release in [false, true] {
                let mut flags = Flags::NONE;
                flags.app_delete = app_delete;
                flags.release = release;
                let g = group("g", flags);
                let a = access(
                    Role::Builder,
                    &[g],
                    &[grant("g", *level, environments, false)],
                );
                for change in [AppChange::Rename, AppChange::Delete, AppChange::Publish] {
                    let flag_reason = match change {
                        AppChange::Delete if !app_delete => {
                            Some("You do not have the App delete permission")
                        }
                        AppChange::Publish if !release => {
                            Some("You do not have the Release permission")
                        }
                        _ => None,
                    };
                    let want = flag_reason.or(*env_reason).map(str::to_string);
                    let got = a.app_wide_denial(change, &e);
                    assert_eq!(
                        got, want,
                        "{kind}, app_delete={app_delete}, release={release}, {change:?}"
                    );
                    checked += 1;
                }
            }
        }
    }
    assert_eq!(checked, 5 * 2 * 2 * 3);
}

/// P11 with the role defaults, an app's creator, and a custom environment:
/// an admin may do all three; a builder's default (edit everywhere, every
/// flag) too; an end-user nothing; a creator still needs the flags; edit
/// in the three default environments is not enough once `qa` exists.
#[test]
fn p11_roles_creators_and_custom_environments() {
    let e = envs();
    let changes = [AppChange::Rename, AppChange::Delete, AppChange::Publish];
    for change in changes {
        assert_eq!(role_default(Role::Admin).app_wide_denial(change, &e), None);
        assert_eq!(
            role_default(Role::Builder).app_wide_denial(change, &e),
            None
        );
        assert!(role_default(Role::EndUser)
            .app_wide_denial(change, &e)
            .is_some());
    }
    let groups = [group("g", Flags::NONE)];
    let creator = decide(
        &Subject {
            role: Role::Builder,
            is_creator: true,
            groups: &groups,
            grants: &[],
        },
        &e,
    )
    .access;
    assert_eq!(creator.app_wide_denial(AppChange::Rename, &e), None);
    assert_eq!(
        creator.app_wide_denial(AppChange::Delete, &e).as_deref(),
        Some("You do not have the App delete permission")
    );
    // A custom environment between development and staging (E4, B1).
    let mut with_qa = e.clone();
    for env in with_qa.iter_mut().filter(|x| x.priority > 1) {
        env.priority += 1;
    }
    with_qa.push(Environment {
        id: "qa".into(),
        name: en("qa"),
        priority: 2,
        is_default: false,
    });
    let defaults_only = [grant(
        "g",
        Level::Edit,
        &["development", "staging", "production"],
        false,
    )];
    let subject = Subject {
        role: Role::Builder,
        is_creator: false,
        groups: &groups,
        grants: &defaults_only,
    };
    let a = decide(&subject, &with_qa).access;
    assert_eq!(
        a.app_wide_denial(AppChange::Rename, &with_qa).as_deref(),
        Some("You do not have edit access in qa")
    );
    let everywhere = [grant("g", Level::Edit, &[], false)];
    let subject = Subject {
        grants: &everywhere,
        ..subject
    };
    assert_eq!(
        decide(&subject, &with_qa)
            .access
            .app_wide_denial(AppChange::Rename, &with_qa),
        None
    );
}
