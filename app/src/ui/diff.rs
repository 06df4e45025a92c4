//! B2: two versions side by side as a structural diff, on its own page
//! and on the promote and release confirmations.
use super::components::ErrorPage;
use super::shell::{Gate, Need};
use crate::api::apps::{load_app_page, load_diff};
use crate::domain::diff::{Change, Compared, Diff};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

fn shown(v: &Option<serde_json::Value>) -> Option<String> {
    v.as_ref()
        .map(|v| serde_json::to_string_pretty(v).unwrap_or_default())
}

/// The changes, grouped by what they are about (a page, a query).
#[component]
pub fn DiffList(diff: Diff) -> impl IntoView {
    if diff.changes.is_empty() {
        return view! { <p class="muted" data-testid="diff-empty">"No differences."</p> }
            .into_any();
    }
    let mut groups: Vec<(String, Vec<Change>)> = Vec::new();
    for c in diff.changes {
        let g = c.group();
        match groups.iter_mut().find(|(name, _)| *name == g) {
            Some((_, list)) => list.push(c),
            None => groups.push((g, vec![c])),
        }
    }
    view! {
        <div class="diff" data-testid="diff">
            {groups.into_iter().map(|(group, changes)| view! {
                <section class="diff-group">
                    <h3>{group}</h3>
                    {changes.into_iter().map(|c| {
                        let kind = c.kind.as_str();
                        view! {
                            <div class=format!("diff-change diff-{kind}") data-path=c.path.clone() data-kind=kind>
                                <span class="path">{c.path.clone()}</span> " " <strong>{kind}</strong>
                                {shown(&c.before).map(|b| view! { <pre class="diff-before">{b}</pre> })}
                                {shown(&c.after).map(|a| view! { <pre class="diff-after">{a}</pre> })}
                            </div>
                        }
                    }).collect_view()}
                </section>
            }).collect_view()}
        </div>
    }
    .into_any()
}

/// A confirmation's comparison: what this version changes against the one
/// the target holds, with a link to the full page.
#[component]
pub fn ComparedSection(
    app_id: String,
    compared: Option<Compared>,
    /// What the version is compared with, e.g. "the released version".
    against: String,
    /// Said when there is nothing to compare with.
    nothing: String,
) -> impl IntoView {
    match compared {
        None => view! { <p class="muted" data-testid="diff-none">{nothing}</p> }.into_any(),
        Some(c) => {
            let href = format!("/build/{app_id}/diff?a={}&b={}", c.from_id, c.to_id);
            view! {
                <section class="compared">
                    <h2>{format!("Changes against {} ({against})", c.from_name)}</h2>
                    <DiffList diff=c.diff/>
                    <p><a href=href>"Open the diff on its own page"</a></p>
                </section>
            }
            .into_any()
        }
    }
}

#[component]
pub fn DiffPage() -> impl IntoView {
    view! {
        <Title text="Compare versions"/>
        <Gate need=Need::SignedIn children=move |_| view! { <DiffDetail/> }/>
    }
}

#[component]
fn DiffDetail() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let app_id = move || params.read().get("app_id").unwrap_or_default();
    let pick = move |k: &str| query.read().get(k).unwrap_or_default();
    // One server function per resource: a second call after an `.await`
    // in the same fetcher can run once the request's context is gone.
    let page = Resource::new(app_id, |app| load_app_page(app, String::new()));
    let compared = Resource::new(
        move || (app_id(), pick("a"), pick("b")),
        |(app, a, b)| async move {
            if a.is_empty() || b.is_empty() {
                Ok(None)
            } else {
                load_diff(app, a, b).await.map(Some)
            }
        },
    );
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                let (page, compared) = match (page.await, compared.await) {
                    (Ok(p), Ok(c)) => (p, c),
                    (Err(e), _) | (_, Err(e)) => return view! { <ErrorPage error=e/> }.into_any(),
                };
                let (a, b) = (pick("a"), pick("b"));
                let options = move |chosen: String| page.versions.iter().map(|r| {
                    let id = r.version.id.clone();
                    let selected = id == chosen;
                    view! { <option value=id selected=selected>{format!("{} ({})", r.version.name, r.version.environment)}</option> }
                }).collect_view();
                view! {
                    <p><a href=format!("/build/{}", page.app.id)>"← " {page.app.name.clone()}</a></p>
                    <h1>"Compare versions"</h1>
                    <form method="get" class="inline compare-form">
                        <label>"From " <select name="a">{options(a)}</select></label>
                        " "
                        <label>"to " <select name="b">{options(b)}</select></label>
                        " "
                        <button type="submit">"Compare"</button>
                    </form>
                    {compared.map(|c| view! {
                        <h2>{format!("From {} to {}", c.from_name, c.to_name)}</h2>
                        <DiffList diff=c.diff/>
                    })}
                }.into_any()
            })}
        </Suspense>
    }
}
