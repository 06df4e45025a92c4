//! The constants page (`/constants`): one column per environment, each
//! cell its value (secrets masked) with a form to change or delete it.
use super::components::{field_error, form_error, EnvBadge, ErrorPage, FieldMessage, Notice};
use super::shell::{Gate, Need};
use crate::api::constants::{
    load_constants, CreateConstant, DeleteConstant, DeleteConstantValue, SetConstantValue,
};
use crate::domain::constant::{ConstantType, ConstantView, ConstantsPage, MASK};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn ConstantsRoute() -> impl IntoView {
    view! {
        <Title text="Constants"/>
        <Gate need=Need::SignedIn children=move |_| view! { <Constants/> }/>
    }
}

/// The forms of the page, whose results refresh it.
#[derive(Clone, Copy)]
struct Actions {
    create: ServerAction<CreateConstant>,
    set: ServerAction<SetConstantValue>,
    delete_value: ServerAction<DeleteConstantValue>,
    delete: ServerAction<DeleteConstant>,
}

#[component]
fn Constants() -> impl IntoView {
    let a = Actions {
        create: ServerAction::new(),
        set: ServerAction::new(),
        delete_value: ServerAction::new(),
        delete: ServerAction::new(),
    };
    let page = Resource::new(
        move || {
            (
                a.create.version().get(),
                a.set.version().get(),
                a.delete_value.version().get(),
                a.delete.version().get(),
            )
        },
        |_| load_constants(),
    );
    view! {
        <h1>"Constants"</h1>
        <p class="hint">"One value per environment. Apps read "
            <code>"{{constants.NAME}}"</code>" anywhere, and "<code>"{{secrets.NAME}}"</code>
            " only inside queries and data source options, on the server."</p>
        <Notice message=form_error(move || a.set.value().get())/>
        <Notice message=form_error(move || a.delete_value.value().get())/>
        <Notice message=form_error(move || a.delete.value().get())/>
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(p) => view! { <ConstantsTable p a/> }.into_any(),
                    Err(e) => view! { <ErrorPage error=e/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn ConstantsTable(p: ConstantsPage, a: Actions) -> impl IntoView {
    let refusal = p.change_refusal.clone();
    let disabled = refusal.is_some();
    let columns = p.environments.clone();
    let rows = p
        .constants
        .into_iter()
        .map(|c| view! { <ConstantRow c environments=columns.clone() refusal=refusal.clone() a/> })
        .collect_view();
    let set_error = field_error(move || a.set.value().get(), "value");
    let created = move || a.create.value().get();
    view! {
        <table class="constants">
            <thead><tr>
                <th>"Name"</th><th>"Type"</th>
                {p.environments.iter().map(|e| view! { <th><EnvBadge name=e.clone()/></th> }).collect_view()}
                <th></th>
            </tr></thead>
            <tbody>{rows}</tbody>
        </table>
        <FieldMessage message=set_error/>
        <section class="card">
            <h2>"Create a constant"</h2>
            <ActionForm action=a.create attr:class="grid-form">
                <Notice message=form_error(created)/>
                <label>"Name" <input type="text" name="name" required pattern="[A-Za-z_][A-Za-z0-9_]*" maxlength="50" disabled=disabled/></label>
                <FieldMessage message=field_error(created, "name")/>
                <label>"Type"
                    <select name="kind" disabled=disabled>
                        <option value="global">"Global (shown to builders)"</option>
                        <option value="secret">"Secret (write-only, server only)"</option>
                    </select>
                </label>
                <FieldMessage message=field_error(created, "type")/>
                {p.environments.iter().map(|e| {
                    let field = format!("values.{e}");
                    view! {
                        <label>"Value in " <EnvBadge name=e.clone()/>
                            <input type="text" name=format!("values[{e}]") maxlength="10000" disabled=disabled
                                placeholder="(no value)" autocomplete="off"/>
                        </label>
                        <FieldMessage message=move || created().and_then(|r| r.err()).and_then(|e| e.for_field(&field))/>
                    }
                }).collect_view()}
                <button type="submit" class="primary" disabled=disabled
                    title=refusal.clone().unwrap_or_else(|| "Create this constant".into())>"Create constant"</button>
            </ActionForm>
        </section>
    }
}

#[component]
fn ConstantRow(
    c: ConstantView,
    environments: Vec<String>,
    refusal: Option<String>,
    a: Actions,
) -> impl IntoView {
    let disabled = refusal.is_some();
    let title = |ok: &str| refusal.clone().unwrap_or_else(|| ok.to_string());
    let secret = c.kind == ConstantType::Secret;
    let cells = environments
        .into_iter()
        .map(|env| {
            let value = c.values.get(&env).cloned();
            let clear = value.is_some().then(|| {
                let (id, env, title) = (c.id.clone(), env.clone(), title("Remove this environment's value"));
                view! {
                    <ActionForm action=a.delete_value attr:class="inline">
                        <input type="hidden" name="id" value=id/>
                        <input type="hidden" name="environment" value=env/>
                        <button type="submit" class="link" disabled=disabled title=title>"Clear"</button>
                    </ActionForm>
                }
            });
            let (id, label, save_title) = (c.id.clone(), format!("{} in {env}", c.name), title("Save this value"));
            let kind = if secret { "password" } else { "text" };
            let cell_env = env.clone();
            view! {
                <td data-env=cell_env>
                    <ActionForm action=a.set attr:class="inline">
                        <input type="hidden" name="id" value=id/>
                        <input type="hidden" name="environment" value=env/>
                        // A secret shows the mask; sending it back keeps the value (D3).
                        <input type=kind name="value" value=value.unwrap_or_default()
                            placeholder="(no value)" aria-label=label autocomplete="off"
                            maxlength="10000" disabled=disabled/>
                        <button type="submit" disabled=disabled title=save_title>"Save"</button>
                    </ActionForm>
                    {clear}
                </td>
            }
        })
        .collect_view();
    let delete_title = title("Delete this constant and all its values");
    let shown_type = if secret {
        format!("secret ({MASK})")
    } else {
        "global".to_string()
    };
    view! {
        <tr id=format!("constant-{}-{}", c.kind.as_str(), c.name) data-name=c.name.clone() data-type=c.kind.as_str()>
            <td><code>{c.name.clone()}</code></td>
            <td>{shown_type}</td>
            {cells}
            <td>
                <ActionForm action=a.delete attr:class="inline">
                    <input type="hidden" name="id" value=c.id.clone()/>
                    <button type="submit" class="danger" disabled=disabled title=delete_title>"Delete"</button>
                </ActionForm>
            </td>
        </tr>
    }
}
