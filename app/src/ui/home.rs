//! The start page: the dashboard of apps the user may see, and a form to
//! create one.
use super::components::{field_error, form_error, EnvBadge, ErrorPage, FieldMessage, Notice};
use super::shell::{Gate, Need};
use crate::api::apps::{dashboard, CreateApp};
use crate::domain::access::Flags;
use crate::domain::user::User;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn HomePage() -> impl IntoView {
    view! {
        <Title text=""/>
        <Gate need=Need::SignedIn children=move |user| {
            let user = user.expect("the gate passes a user");
            view! { <Dashboard user/> }
        }/>
    }
}

#[component]
fn Dashboard(user: User) -> impl IntoView {
    let create = ServerAction::<CreateApp>::new();
    let apps = Resource::new(move || create.version().get(), |_| dashboard());
    let result = move || create.value().get();
    let may_create = Flags::for_role(user.role).app_create;
    view! {
        <h1>"Hello, " {user.name.clone()}</h1>
        <h2>"Apps"</h2>
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match apps.await {
                    Ok(list) if list.is_empty() => view! { <p class="muted">"No apps yet."</p> }.into_any(),
                    Ok(list) => view! {
                        <table class="apps">
                            <thead><tr><th>"App"</th><th>"Released"</th><th>"Versions"</th></tr></thead>
                            <tbody>
                                {list.into_iter().map(|d| view! {
                                    <tr data-app=d.app.slug.clone()>
                                        <td><a href=format!("/build/{}", d.app.id)>{d.app.name.clone()}</a>
                                            <br/><small class="slug">{d.app.slug.clone()}</small></td>
                                        <td>{match (d.released_version, d.released_at) {
                                            (Some(v), Some(at)) => view! { <span>{v} <br/><small>{at}</small></span> }.into_any(),
                                            _ => view! { <span class="muted">"not released"</span> }.into_any(),
                                        }}</td>
                                        <td>{d.versions.into_iter().map(|(name, env)| view! {
                                            <span class="version-chip">{name} " " <EnvBadge name=env/></span>
                                        }).collect_view()}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    }.into_any(),
                    Err(e) => view! { <ErrorPage error=e/> }.into_any(),
                }
            })}
        </Suspense>
        {may_create.then(|| view! {
            <section class="card">
                <h2>"Create app"</h2>
                <ActionForm action=create attr:class="grid-form">
                    <Notice message=form_error(result)/>
                    <label>"Name" <input type="text" name="name" required/></label>
                    <FieldMessage message=field_error(result, "name")/>
                    <label>"Slug (optional)" <input type="text" name="slug"/></label>
                    <FieldMessage message=field_error(result, "slug")/>
                    <button type="submit" class="primary">"Create app"</button>
                </ActionForm>
            </section>
        })}
    }
}
