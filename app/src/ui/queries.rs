//! The Queries panel of a version page (SPEC R3, R4, P7): each query of the
//! version, runnable in any environment the version has reached where the
//! user has edit access, with its inputs; the rows, the REST answer or the
//! error under it. The run form posts to the page itself
//! (`server::query_form`), so it works the same with JavaScript off.
use super::components::{EnvBadge, RowsTable};
use crate::api::apps::load_queries_panel;
use crate::domain::query::{QueriesPanel, QueryItem, QueryResult, QueryRun};
use leptos::prelude::*;

/// The field prefix of an input in the run form (`server::query_form`),
/// the same as in an app's own forms.
use crate::domain::runtime::INPUT_PREFIX;

/// The run this answer's form post made, if it was one. Read on the
/// server only: it reaches the browser inside the panel's resource, so
/// hydration sees what the server rendered.
fn last_run() -> Option<QueryRun> {
    #[cfg(feature = "ssr")]
    return use_context::<QueryRun>();
    #[cfg(not(feature = "ssr"))]
    None
}

/// The panel's data and the last run, as one resource.
pub type PanelData = Resource<Result<(QueriesPanel, Option<QueryRun>), crate::error::AppError>>;

/// The panel's resource. Made at the top of the page's component, not
/// inside a suspended view: only there does hydration find the value the
/// server rendered (inside, the browser fetched again and showed the panel
/// twice, once without the run).
pub fn panel_resource(ids: impl Fn() -> (String, String) + Send + Sync + 'static) -> PanelData {
    let run = last_run();
    Resource::new(ids, move |(a, v)| {
        let run = run.clone();
        async move { load_queries_panel(a, v).await.map(|p| (p, run)) }
    })
}

#[component]
pub fn QueriesSection(
    panel: PanelData,
    app_id: String,
    version_id: String,
    #[prop(into)] version_env: String,
) -> impl IntoView {
    let action = format!("/build/{app_id}/versions/{version_id}#queries");
    view! {
        <section class="card" id="queries">
            <h2>"Queries"</h2>
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || {
                    let (action, version_env) = (action.clone(), version_env.clone());
                    Suspend::new(async move {
                        match panel.await {
                            Ok((p, last)) => view! { <Panel p last action version_env/> }.into_any(),
                            Err(e) => view! { <p class="notice notice-error">{e.message}</p> }.into_any(),
                        }
                    })
                }}
            </Suspense>
        </section>
    }
}

#[component]
fn Panel(
    p: QueriesPanel,
    last: Option<QueryRun>,
    action: String,
    version_env: String,
) -> impl IntoView {
    if let Some(problem) = p.problem {
        return view! { <p class="notice notice-error" role="alert">"This definition cannot run: " {problem}</p> }.into_any();
    }
    if p.queries.is_empty() {
        return view! { <p class="empty">"This version has no queries yet. Add them to the definition."</p> }.into_any();
    }
    let runnable = p.environments.iter().any(|(_, refused)| refused.is_none());
    view! {
        {(!runnable).then(|| view! {
            <p class="hint">"You can run queries only where you have edit access (P7)."</p>
        })}
        {p.queries.into_iter().map(|q| {
            let mine = last.clone().filter(|r| r.query == q.name);
            view! { <QueryCard q environments=p.environments.clone() last=mine action=action.clone() version_env=version_env.clone()/> }
        }).collect_view()}
    }
    .into_any()
}

#[component]
fn QueryCard(
    q: QueryItem,
    environments: Vec<(crate::domain::environment::EnvName, Option<String>)>,
    last: Option<QueryRun>,
    action: String,
    version_env: String,
) -> impl IntoView {
    let chosen = last
        .as_ref()
        .map(|r| r.environment.to_string())
        .unwrap_or(version_env);
    let any_allowed = environments.iter().any(|(_, r)| r.is_none());
    let first_refusal = environments.iter().find_map(|(_, r)| r.clone());
    let options = environments
        .into_iter()
        .map(|(env, refused)| {
            let env = env.to_string();
            let selected = env == chosen;
            let title = refused.clone().unwrap_or_default();
            view! {
                <option value=env.clone() selected=selected disabled=refused.is_some() title=title>{env.clone()}</option>
            }
        })
        .collect_view();
    let inputs = q
        .inputs
        .iter()
        .map(|(name, kind)| {
            let value = last
                .as_ref()
                .and_then(|r| r.inputs.get(name).cloned())
                .unwrap_or_default();
            view! {
                <label>{name.clone()}
                    <input type=kind.clone() name=format!("{INPUT_PREFIX}{name}") value=value/>
                </label>
            }
        })
        .collect_view();
    let result = last.map(|r| view! { <RunResult run=r/> });
    view! {
        <article class="query" data-query=q.name.clone()>
            <h3><code>{q.name.clone()}</code> " on " {q.data_source.clone()} " (" {q.kind.clone()} ")"</h3>
            <pre class="query-text">{q.summary.clone()}</pre>
            <form method="post" action=action class="grid-form">
                <input type="hidden" name="query" value=q.name.clone()/>
                <label>"Environment" <select name="environment">{options}</select></label>
                {inputs}
                <button type="submit" class="primary" disabled=!any_allowed
                    title=first_refusal.unwrap_or_else(|| "Run this query".into())>"Run"</button>
            </form>
            {result}
        </article>
    }
}

#[component]
fn RunResult(run: QueryRun) -> impl IntoView {
    let env = run.environment.to_string();
    let badge_env = env.clone();
    match run.result {
        Err(e) => view! {
            <div class="notice notice-error" role="alert" data-testid="query-result">
                <EnvBadge name=env/> " " <code>{format!("{:?}", e.code).to_lowercase()}</code> ": " {e.message}
            </div>
        }
        .into_any(),
        Ok(QueryResult::Sql { columns, rows, truncated, elapsed_ms }) => view! {
            <div class="query-result" data-testid="query-result" data-env=env>
                <p><EnvBadge name=badge_env/> " " {format!("{} rows in {elapsed_ms} ms", rows.len())}
                    {truncated.then(|| " (cut at the row limit)")}</p>
                <RowsTable columns rows/>
            </div>
        }
        .into_any(),
        Ok(QueryResult::Rest { status, body, truncated, elapsed_ms, .. }) => view! {
            <div class="query-result" data-testid="query-result" data-env=env>
                <p><EnvBadge name=badge_env/> " " {format!("HTTP {status} in {elapsed_ms} ms")}
                    {truncated.then(|| " (list cut at the row limit)")}</p>
                <pre>{serde_json::to_string_pretty(&body).unwrap_or_default()}</pre>
            </div>
        }
        .into_any(),
    }
}
