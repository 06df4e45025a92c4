//! Explain access (SPEC B6): pick a user and an app and see their level,
//! environments and rights, with the groups and permissions behind them.
use super::components::{EnvBadge, ErrorPage};
use super::shell::{Gate, Need};
use crate::api::groups::{explain_access, explain_choices};
use crate::domain::access::Level;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn ExplainPage() -> impl IntoView {
    view! {
        <Title text="Explain access"/>
        <Gate need=Need::Admin children=move |_| view! { <Explain/> }/>
    }
}

#[component]
fn Explain() -> impl IntoView {
    let query = use_query_map();
    let picked = move || {
        let q = query.read();
        (
            q.get("user_id").unwrap_or_default(),
            q.get("app_id").unwrap_or_default(),
        )
    };
    let choices = Resource::new(|| (), |_| explain_choices());
    let answer = Resource::new(picked, |(u, a)| async move {
        if u.is_empty() || a.is_empty() {
            None
        } else {
            Some(explain_access(u, a).await)
        }
    });
    view! {
        <h1>"Explain access"</h1>
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                let (user_id, app_id) = picked();
                match choices.await {
                    Err(e) => view! { <ErrorPage error=e/> }.into_any(),
                    Ok(c) => view! {
                        // A GET form: the answer has an address, with or without JavaScript.
                        <form method="get" action="/admin/access" class="inline explain-form">
                            <select name="user_id" aria-label="User">
                                <option value="">"Choose a user"</option>
                                {c.users.into_iter().map(|u| view! {
                                    <option value=u.id.clone() selected=u.id == user_id>{format!("{} <{}>", u.name, u.email)}</option>
                                }).collect_view()}
                            </select>
                            <select name="app_id" aria-label="App">
                                <option value="">"Choose an app"</option>
                                {c.apps.into_iter().map(|(i, n)| view! {
                                    <option value=i.clone() selected=i == app_id>{n}</option>
                                }).collect_view()}
                            </select>
                            <button type="submit">"Explain"</button>
                        </form>
                    }.into_any(),
                }
            })}
        </Suspense>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match answer.await {
                    None => view! { <p class="muted">"Choose a user and an app."</p> }.into_any(),
                    Some(Err(e)) => view! { <ErrorPage error=e/> }.into_any(),
                    Some(Ok(x)) => {
                        let level = match x.level { Level::Edit => "edit", Level::View => "view", Level::None => "none" };
                        let can = [
                            ("Edit drafts", x.can.edit),
                            ("Create versions", x.can.create_version),
                            ("Promote", x.can.promote),
                            ("Release", x.can.release),
                            ("Open the released app", x.can.open_released),
                        ];
                        view! {
                            <section class="card explanation" data-testid="explanation">
                                <p>"Level: " <strong data-testid="level">{level}</strong></p>
                                <p>"Environments: " {if x.environments.is_empty() {
                                    view! { <span class="muted">"none"</span> }.into_any()
                                } else {
                                    x.environments.into_iter().map(|e| view! { <EnvBadge name=e/> " " }).collect_view().into_any()
                                }}</p>
                                <ul class="can">
                                    {can.into_iter().map(|(label, yes)| view! {
                                        <li class=if yes { "yes" } else { "no" }>{if yes { "✓ " } else { "✗ " }}{label}</li>
                                    }).collect_view()}
                                </ul>
                                <h2>"Because"</h2>
                                <ul class="because">{x.because.into_iter().map(|b| view! { <li>{b}</li> }).collect_view()}</ul>
                            </section>
                        }.into_any()
                    }
                }
            })}
        </Suspense>
    }
}
