//! The admin's groups pages: the list of groups, and one group with its
//! flags, members and granular app permissions (SPEC P2–P5).
use super::components::{field_error, form_error, ErrorPage, FieldMessage, Notice};
use super::shell::{Gate, Need};
use crate::api::groups::{
    list_groups, load_group, AddAppPermission, CreateGroup, DeleteGroup, RemoveAppPermission,
    RenameGroup, SetGroupFlags, SetGroupMember,
};
use crate::domain::access::{Flag, Flags, Level};
use crate::domain::group::{Apps, Choices, GroupKind, GroupPage, GroupView};
use crate::domain::user::Role;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

#[component]
pub fn GroupsPage() -> impl IntoView {
    view! {
        <Title text="Groups"/>
        <Gate need=Need::Admin children=move |_| view! { <GroupsAdmin/> }/>
    }
}

#[component]
fn GroupsAdmin() -> impl IntoView {
    let create = ServerAction::<CreateGroup>::new();
    let groups = Resource::new(move || create.version().get(), |_| list_groups());
    let created = move || create.value().get();
    view! {
        <h1>"Groups"</h1>
        <p class="muted">"Roles are groups too. Custom groups add flags and app permissions on top; a user's access combines every group they are in."</p>
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match groups.await {
                    Ok(list) => view! { <GroupTable list/> }.into_any(),
                    Err(e) => view! { <ErrorPage error=e/> }.into_any(),
                }
            })}
        </Suspense>
        <section class="card">
            <h2>"Create a group"</h2>
            <ActionForm action=create attr:class="grid-form">
                <Notice message=form_error(created)/>
                <label>"Name" <input type="text" name="name" required/></label>
                <FieldMessage message=field_error(created, "name")/>
                <button type="submit" class="primary">"Create group"</button>
            </ActionForm>
        </section>
    }
}

fn flags_summary(f: &Flags) -> String {
    let on = f.on();
    if on.is_empty() {
        "none".into()
    } else {
        on.join(", ")
    }
}

#[component]
fn GroupTable(list: Vec<GroupView>) -> impl IntoView {
    view! {
        <table class="groups">
            <thead><tr><th>"Group"</th><th>"Kind"</th><th>"Members"</th><th>"Flags"</th><th>"App permissions"</th></tr></thead>
            <tbody>
                {list.into_iter().map(|g| view! {
                    <tr data-group=g.name.clone()>
                        <td><a href=format!("/admin/groups/{}", g.id)>{g.name.clone()}</a></td>
                        <td>{if g.kind == GroupKind::Role { "role" } else { "custom" }}</td>
                        <td>{g.members.len()}</td>
                        <td>{flags_summary(&g.flags)}</td>
                        <td>{g.app_permissions.len()}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
}

#[component]
pub fn GroupDetailPage() -> impl IntoView {
    view! {
        <Title text="Group"/>
        <Gate need=Need::Admin children=move |_| view! { <GroupAdmin/> }/>
    }
}

/// Every form of the group page, so one resource reloads after any of them.
#[derive(Clone, Copy)]
struct GroupActions {
    rename: ServerAction<RenameGroup>,
    flags: ServerAction<SetGroupFlags>,
    delete: ServerAction<DeleteGroup>,
    member: ServerAction<SetGroupMember>,
    add: ServerAction<AddAppPermission>,
    remove: ServerAction<RemoveAppPermission>,
}

#[component]
fn GroupAdmin() -> impl IntoView {
    let params = use_params_map();
    let a = GroupActions {
        rename: ServerAction::new(),
        flags: ServerAction::new(),
        delete: ServerAction::new(),
        member: ServerAction::new(),
        add: ServerAction::new(),
        remove: ServerAction::new(),
    };
    let page = Resource::new(
        move || {
            (
                params.read().get("id").unwrap_or_default(),
                a.rename.version().get(),
                a.flags.version().get(),
                a.member.version().get(),
                a.add.version().get(),
                a.remove.version().get(),
            )
        },
        |(id, ..)| load_group(id),
    );
    view! {
        <Notice message=form_error(move || a.rename.value().get())/>
        <Notice message=form_error(move || a.flags.value().get())/>
        <Notice message=form_error(move || a.delete.value().get())/>
        <Notice message=form_error(move || a.member.value().get())/>
        <Notice message=form_error(move || a.remove.value().get())/>
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(p) => view! { <GroupSections page=p a/> }.into_any(),
                    Err(e) => view! { <ErrorPage error=e/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn GroupSections(page: GroupPage, a: GroupActions) -> impl IntoView {
    let GroupPage {
        group,
        choices: Choices { users, apps },
        environments,
    } = page;
    let role = group.role();
    let id = group.id.clone();
    let custom = role.is_none();
    let name_of_app = {
        let apps = apps.clone();
        move |app_id: &str| {
            apps.iter()
                .find(|(i, _)| i == app_id)
                .map(|(_, n)| n.clone())
                .unwrap_or_else(|| app_id.to_string())
        }
    };
    view! {
        <h1>"Group " <span data-testid="group-name">{group.name.clone()}</span></h1>
        <p class="muted">{if custom { "A custom group." } else { "A role group: its members are the users with this role." }}</p>
        {custom.then(|| {
            let (id1, id2) = (id.clone(), id.clone());
            let name = group.name.clone();
            view! {
                <section class="card">
                    <h2>"Name"</h2>
                    <ActionForm action=a.rename attr:class="inline">
                        <input type="hidden" name="id" value=id1/>
                        <input type="text" name="name" value=name required aria-label="Group name"/>
                        <button type="submit">"Rename"</button>
                    </ActionForm>
                    <FieldMessage message=field_error(move || a.rename.value().get(), "name")/>
                    <ActionForm action=a.delete attr:class="inline">
                        <input type="hidden" name="id" value=id2/>
                        <button type="submit" class="danger">"Delete group"</button>
                    </ActionForm>
                </section>
            }
        })}
        <FlagsForm id=id.clone() flags=group.flags role a/>
        <Members id=id.clone() group=group.clone() users a/>
        <Permissions id=id.clone() group=group.clone() apps environments name_of_app a/>
    }
}

#[component]
fn FlagsForm(id: String, flags: Flags, role: Option<Role>, a: GroupActions) -> impl IntoView {
    let locked = crate::domain::group::flags_locked(role);
    view! {
        <section class="card">
            <h2>"Flags"</h2>
            <ActionForm action=a.flags attr:class="flags-form">
                <input type="hidden" name="id" value=id/>
                {Flag::ALL.into_iter().map(|f| view! {
                    <label class="toggle">
                        <input type="checkbox" name="flags[]" value=f.name() checked=flags.get(f) disabled=locked.is_some()/>
                        {f.name().replace('_', " ")}
                    </label>
                }).collect_view()}
                <button type="submit" disabled=locked.is_some() title=locked.unwrap_or("Save the flags")>"Save flags"</button>
                {locked.map(|r| view! { <p class="muted reason">{r}</p> })}
            </ActionForm>
        </section>
    }
}

#[component]
fn Members(
    id: String,
    group: GroupView,
    users: Vec<crate::domain::user::User>,
    a: GroupActions,
) -> impl IntoView {
    let custom = group.kind == GroupKind::Custom;
    let (members, others): (Vec<_>, Vec<_>) = users
        .into_iter()
        .partition(|u| group.members.contains(&u.id));
    let rows = members
        .into_iter()
        .map(|u| {
            let id = id.clone();
            view! {
                <tr data-email=u.email.clone()>
                    <td>{u.name.clone()}</td><td>{u.email.clone()}</td><td>{u.role.label()}</td>
                    <td>{custom.then(|| view! {
                        <ActionForm action=a.member attr:class="inline">
                            <input type="hidden" name="id" value=id/>
                            <input type="hidden" name="user_id" value=u.id.clone()/>
                            <input type="hidden" name="joining" value="false"/>
                            <button type="submit">"Remove"</button>
                        </ActionForm>
                    })}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <section class="card">
            <h2>"Members"</h2>
            <table class="members"><tbody>{rows}</tbody></table>
            {if custom {
                view! {
                    <ActionForm action=a.member attr:class="inline">
                        <input type="hidden" name="id" value=id.clone()/>
                        <input type="hidden" name="joining" value="true"/>
                        <select name="user_id" aria-label="User to add">
                            <option value="">"Choose a user"</option>
                            {others.into_iter().map(|u| view! {
                                <option value=u.id.clone()>{format!("{} <{}> ({})", u.name, u.email, u.role.label())}</option>
                            }).collect_view()}
                        </select>
                        <button type="submit">"Add member"</button>
                    </ActionForm>
                    <FieldMessage message=field_error(move || a.member.value().get(), "user_id")/>
                }.into_any()
            } else {
                view! { <p class="muted">"Membership of a role group changes only with the user's role (Users page)."</p> }.into_any()
            }}
        </section>
    }
}

#[component]
fn Permissions(
    id: String,
    group: GroupView,
    apps: Vec<(String, String)>,
    environments: Vec<String>,
    name_of_app: impl Fn(&str) -> String + 'static,
    a: GroupActions,
) -> impl IntoView {
    let is_admin = group.role() == Some(Role::Admin);
    let rows = group
        .app_permissions
        .into_iter()
        .map(|p| {
            let id = id.clone();
            let pid = p.id.clone();
            let row_id = p.id.clone();
            let apps_text = match &p.apps {
                Apps::All => "All apps".to_string(),
                Apps::List(ids) => ids
                    .iter()
                    .map(|i| name_of_app(i))
                    .collect::<Vec<_>>()
                    .join(", "),
            };
            let envs_text = if p.environments.is_empty() {
                "All environments".to_string()
            } else {
                p.environments.join(", ")
            };
            view! {
                <tr data-permission=row_id>
                    <td>{apps_text}</td>
                    <td>{if p.access == Level::Edit { "Edit" } else { "View" }}</td>
                    <td>{envs_text}</td>
                    <td>{if p.hide_from_dashboard { "hidden" } else { "" }}</td>
                    <td>
                        <ActionForm action=a.remove attr:class="inline">
                            <input type="hidden" name="id" value=id.clone()/>
                            <input type="hidden" name="permission_id" value=pid/>
                            <button type="submit">"Remove"</button>
                        </ActionForm>
                    </td>
                </tr>
            }
        })
        .collect_view();
    let added = move || a.add.value().get();
    view! {
        <section class="card">
            <h2>"Granular access"</h2>
            {if is_admin {
                view! { <p class="muted">"Admins have edit access to every app in every environment."</p> }.into_any()
            } else {
                view! {
                    <table class="permissions">
                        <thead><tr><th>"Apps"</th><th>"Access"</th><th>"Environments"</th><th>"Dashboard"</th><th></th></tr></thead>
                        <tbody>{rows}</tbody>
                    </table>
                    <h3>"Add a permission"</h3>
                    <ActionForm action=a.add attr:class="grid-form permission-form">
                        <Notice message=form_error(added)/>
                        <input type="hidden" name="id" value=id.clone()/>
                        <fieldset>
                            <legend>"Apps"</legend>
                            <label><input type="radio" name="apps" value="all" checked=true/>"All apps, including future ones"</label>
                            <label><input type="radio" name="apps" value="list"/>"These apps:"</label>
                            <select name="app_ids[]" multiple=true aria-label="Apps">
                                {apps.into_iter().map(|(i, n)| view! { <option value=i>{n}</option> }).collect_view()}
                            </select>
                        </fieldset>
                        <FieldMessage message=field_error(added, "apps")/>
                        <fieldset>
                            <legend>"Access"</legend>
                            <label><input type="radio" name="access" value="edit"/>"Edit"</label>
                            <label><input type="radio" name="access" value="view" checked=true/>"View"</label>
                        </fieldset>
                        <FieldMessage message=field_error(added, "access")/>
                        <fieldset>
                            <legend>"Environments (none checked means all)"</legend>
                            {environments.into_iter().map(|e| view! {
                                <label><input type="checkbox" name="environments[]" value=e.clone()/>{e.clone()}</label>
                            }).collect_view()}
                        </fieldset>
                        <FieldMessage message=field_error(added, "environments")/>
                        <label><input type="checkbox" name="hide_from_dashboard" value="on"/>"Hide from the dashboard (view only)"</label>
                        <FieldMessage message=field_error(added, "hide_from_dashboard")/>
                        <button type="submit" class="primary">"Add permission"</button>
                    </ActionForm>
                }.into_any()
            }}
        </section>
    }
}
