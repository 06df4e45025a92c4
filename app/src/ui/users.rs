//! The admin's users page: create users, change roles, deactivate.
use super::components::{field_error, form_error, ErrorPage, FieldMessage, Notice};
use super::shell::{Gate, Need};
use crate::api::users::{list_users, CreateUser, UpdateUser};
use crate::domain::user::{user_change_refusal, Role, User, UserChange};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn UsersPage() -> impl IntoView {
    view! {
        <Title text="Users"/>
        <Gate need=Need::Admin children=move |me| {
            let me = me.expect("the gate passes a user");
            view! { <UsersAdmin me/> }
        }/>
    }
}

#[component]
fn UsersAdmin(me: User) -> impl IntoView {
    let create = ServerAction::<CreateUser>::new();
    let update = ServerAction::<UpdateUser>::new();
    let users = Resource::new(
        move || (create.version().get(), update.version().get()),
        |_| list_users(),
    );
    let created = move || create.value().get();
    let updated = move || update.value().get();
    let me_id = me.id.clone();
    view! {
        <h1>"Users"</h1>
        <Notice message=form_error(updated)/>
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {
                let me_id = me_id.clone();
                move || {
                    let me_id = me_id.clone();
                    Suspend::new(async move {
                        match users.await {
                            Ok(list) => view! { <UserTable list me_id update/> }.into_any(),
                            Err(e) => view! { <ErrorPage error=e/> }.into_any(),
                        }
                    })
                }
            }
        </Suspense>
        <section class="card">
            <h2>"Create a user"</h2>
            <ActionForm action=create attr:class="grid-form">
                <Notice message=form_error(created)/>
                <label>"Email" <input type="email" name="email" required/></label>
                <FieldMessage message=field_error(created, "email")/>
                <label>"Name" <input type="text" name="name" required/></label>
                <FieldMessage message=field_error(created, "name")/>
                <label>"Password (at least 8 characters)"
                    <input type="password" name="password" autocomplete="new-password" required minlength="8"/>
                </label>
                <FieldMessage message=field_error(created, "password")/>
                <label>"Role" <RoleSelect selected=Role::Builder/></label>
                <FieldMessage message=field_error(created, "role")/>
                <button type="submit" class="primary">"Create user"</button>
            </ActionForm>
            {move || created().and_then(|r| r.ok()).map(|u| view! {
                <p class="notice notice-ok" role="status">"Created " {u.email}</p>
            })}
        </section>
    }
}

#[component]
fn RoleSelect(selected: Role) -> impl IntoView {
    view! {
        <select name="role">
            {Role::ALL.into_iter().map(|r| view! {
                <option value=r.as_str() selected=r == selected>{r.label()}</option>
            }).collect_view()}
        </select>
    }
}

#[component]
fn UserTable(list: Vec<User>, me_id: String, update: ServerAction<UpdateUser>) -> impl IntoView {
    let admins = list
        .iter()
        .filter(|u| u.role == Role::Admin && u.active)
        .count();
    let rows = list
        .into_iter()
        .map(|u| {
            // The same rule the server applies decides what is disabled here.
            let toggle = UserChange { active: Some(!u.active), ..Default::default() };
            let toggle_refusal = user_change_refusal(&me_id, &u, &toggle, admins);
            let demote = UserChange { role: Some(Role::Builder), ..Default::default() };
            let role_refusal = user_change_refusal(&me_id, &u, &demote, admins);
            let status = if u.active { "active" } else { "deactivated" };
            let (id_for_role, id_for_toggle) = (u.id.clone(), u.id.clone());
            view! {
                <tr data-email=u.email.clone()>
                    <td>{u.name.clone()}</td>
                    <td>{u.email.clone()}</td>
                    <td>
                        <ActionForm action=update attr:class="inline">
                            <input type="hidden" name="id" value=id_for_role/>
                            <RoleSelect selected=u.role/>
                            <button type="submit" disabled=role_refusal.is_some()
                                title=role_refusal.unwrap_or("Change this user's role")>"Change role"</button>
                        </ActionForm>
                    </td>
                    <td class=format!("status-{status}")>{status}</td>
                    <td>
                        <ActionForm action=update attr:class="inline">
                            <input type="hidden" name="id" value=id_for_toggle/>
                            <input type="hidden" name="active" value=(!u.active).to_string()/>
                            <button type="submit" disabled=toggle_refusal.is_some()
                                title=toggle_refusal.unwrap_or(if u.active { "Sign this user out and stop them signing in" } else { "Let this user sign in again" })>
                                {if u.active { "Deactivate" } else { "Reactivate" }}
                            </button>
                        </ActionForm>
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="users">
            <thead><tr><th>"Name"</th><th>"Email"</th><th>"Role"</th><th>"Status"</th><th></th></tr></thead>
            <tbody>{rows}</tbody>
        </table>
    }
}
