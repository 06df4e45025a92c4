//! The start page: the dashboard of apps the user may see, and a form to
//! create one.
use super::components::{field_error, form_error, EnvBadge, ErrorPage, FieldMessage, Notice};
use super::shell::{Gate, Need};
use crate::api::apps::{load_dashboard, CreateApp};
use crate::domain::app::Dashboard;
use crate::domain::user::User;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn HomePage() -> impl IntoView {
    view! {
        <Title text=""/>
        <Gate need=Need::SignedIn children=move |user| {
            let user = user.expect("the gate passes a user");
            // End users open released apps; they build nothing (R5).
            if user.role == crate::domain::user::Role::EndUser {
                view! { <Launcher user/> }.into_any()
            } else {
                view! { <Dashboard user/> }.into_any()
            }
        }/>
    }
}

/// An end user's start page: the released apps they may open.
#[component]
fn Launcher(user: User) -> impl IntoView {
    let apps = Resource::new(|| (), |_| crate::api::runtime::load_launcher());
    view! {
        <h1>"Hello, " {user.name.clone()}</h1>
        <h2>"Your apps"</h2>
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match apps.await {
                    Ok(l) if l.apps.is_empty() => view! {
                        <p class="empty">"No app has been released to you yet."</p>
                    }.into_any(),
                    Ok(l) => view! {
                        <ul class="launcher">
                            {l.apps.into_iter().map(|(name, slug)| view! {
                                <li><a href=format!("/apps/{slug}") rel="external">{name}</a></li>
                            }).collect_view()}
                        </ul>
                    }.into_any(),
                    Err(e) => view! { <ErrorPage error=e/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Dashboard(user: User) -> impl IntoView {
    let create = ServerAction::<CreateApp>::new();
    let query = use_query_map();
    let page = move || {
        query
            .read()
            .get("page")
            .and_then(|p| p.parse::<i64>().ok())
            .unwrap_or(1)
    };
    let dashboard = Resource::new(
        move || (create.version().get(), page()),
        |(_, p)| load_dashboard(p),
    );
    let result = move || create.value().get();
    let admin = user.role == crate::domain::user::Role::Admin;
    view! {
        <h1>"Hello, " {user.name.clone()}</h1>
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match dashboard.await {
                    Ok(d) => view! {
                        <super::requests::RequestsLists panel=d.requests.clone()/>
                        <h2>"Apps"</h2>
                        <AppList d create result admin/>
                    }.into_any(),
                    Err(e) => view! { <ErrorPage error=e/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn AppList(
    d: Dashboard,
    create: ServerAction<CreateApp>,
    result: impl Fn() -> Option<Result<crate::domain::app::AppView, crate::error::AppError>>
        + Send
        + Sync
        + Copy
        + 'static,
    admin: bool,
) -> impl IntoView {
    let pager = (d.page > 1 || d.has_next).then(|| view! {
        <nav class="pager" aria-label="Pages">
            {(d.page > 1).then(|| view! { <a rel="prev" href=format!("/?page={}", d.page - 1)>"Previous"</a> })}
            <span>{format!("Page {}", d.page)}</span>
            {d.has_next.then(|| view! { <a rel="next" href=format!("/?page={}", d.page + 1)>"Next"</a> })}
        </nav>
    });
    let table = if d.apps.is_empty() {
        let demo = ServerAction::<crate::api::runtime::CreateDemo>::new();
        view! {
            <p class="muted">"No apps yet."</p>
            {admin.then(|| view! {
                <ActionForm action=demo attr:class="inline">
                    <Notice message=form_error(move || demo.value().get())/>
                    <button type="submit" title="Three SQLite files with different rows, a constant per environment, and an app with a version in each environment, released">
                        "Create the demo app"
                    </button>
                </ActionForm>
            })}
        }.into_any()
    } else {
        view! {
            <table class="apps">
                <thead><tr><th>"App"</th><th>"Released"</th><th>"Versions"</th></tr></thead>
                <tbody>
                    {d.apps.into_iter().map(|d| view! {
                        <tr data-app=d.slug.clone()>
                            <td><a href=format!("/build/{}", d.id)>{d.name.clone()}</a>
                                <br/><small class="slug">{d.slug.clone()}</small></td>
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
        }.into_any()
    };
    let refusal = d.create_refusal.clone();
    view! {
        {table}
        {pager}
        <section class="card">
            <h2>"Create app"</h2>
            <ActionForm action=create attr:class="grid-form">
                <Notice message=form_error(result)/>
                <label>"Name" <input type="text" name="name" required disabled=refusal.is_some()/></label>
                <FieldMessage message=field_error(result, "name")/>
                <label>"Slug (optional)" <input type="text" name="slug" disabled=refusal.is_some()/></label>
                <FieldMessage message=field_error(result, "slug")/>
                <button type="submit" class="primary" disabled=refusal.is_some()
                    title=refusal.clone().unwrap_or_else(|| "Create the app with its first version".into())>"Create app"</button>
                {refusal.map(|r| view! { <p class="muted reason">{r}</p> })}
            </ActionForm>
        </section>
    }
}
