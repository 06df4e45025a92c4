//! The admin's audit log page (SPEC L2): newest first, filtered, paged.
use super::components::ErrorPage;
use super::shell::{Gate, Need};
use crate::api::apps::load_audit;
use crate::domain::audit::{next_page_href, FILTERS};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn AuditLogPage() -> impl IntoView {
    view! {
        <Title text="Audit log"/>
        <Gate need=Need::Admin children=move |_| view! { <AuditLog/> }/>
    }
}

#[component]
fn AuditLog() -> impl IntoView {
    let q = use_query_map();
    let get = move |k: &str| q.read().get(k);
    let entries = Resource::new(
        move || {
            (
                get("app_id"),
                get("user_id"),
                get("action"),
                get("from"),
                get("to"),
                get("before"),
            )
        },
        |(a, u, act, from, to, b)| load_audit(a, u, act, from, to, b),
    );
    view! {
        <h1>"Audit log"</h1>
        <form method="get" class="inline filters">
            <label>"App id" <input type="text" name="app_id" value=move || get("app_id").unwrap_or_default()/></label>
            <label>"User id" <input type="text" name="user_id" value=move || get("user_id").unwrap_or_default()/></label>
            <label>"Action" <input type="text" name="action" placeholder="version.promote" value=move || get("action").unwrap_or_default()/></label>
            // Times in UTC; `from` inclusive, `to` exclusive (API.md).
            <label>"From (UTC)" <input type="datetime-local" name="from" step="1" value=move || get("from").unwrap_or_default()/></label>
            <label>"To (UTC, not included)" <input type="datetime-local" name="to" step="1" value=move || get("to").unwrap_or_default()/></label>
            <button type="submit">"Filter"</button>
        </form>
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match entries.await {
                    Ok(page) => {
                        let next = page.next.map(|n| {
                            let filters: Vec<(&str, Option<String>)> =
                                FILTERS.iter().map(|&k| (k, get(k))).collect();
                            next_page_href(&n, &filters)
                        });
                        view! {
                            <table class="audit">
                                <thead><tr><th>"When"</th><th>"Who"</th><th>"Action"</th><th>"Target"</th><th>"Details"</th></tr></thead>
                                <tbody>
                                    {page.entries.into_iter().map(|e| view! {
                                        <tr><td>{e.at}</td><td>{e.actor.unwrap_or_default()}</td><td>{e.action}</td>
                                            <td>{e.target}</td><td><code>{e.details.to_string()}</code></td></tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                            {next.map(|href| view! { <p><a href=href>"Older entries →"</a></p> })}
                        }.into_any()
                    }
                    Err(e) => view! { <ErrorPage error=e/> }.into_any(),
                }
            })}
        </Suspense>
    }
}
