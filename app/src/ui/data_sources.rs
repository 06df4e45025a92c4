//! The data sources pages (SPEC D1–D6): the list with each environment's
//! state in its colour and a create form (`/data-sources`), and one data
//! source with a tab per environment holding the kind's form, the
//! connection test and delete (`/data-sources/{id}?env=E`).
use super::components::{field_error, form_error, EnvBadge, ErrorPage, FieldMessage, Notice};
use super::shell::{Gate, Need};
#[cfg(feature = "ssr")]
use crate::api::data_sources::ConnectionTest;
use crate::api::data_sources::{
    load_data_sources, CreateDataSource, DeleteDataSource, SetDataSourceOptions,
};
use crate::domain::data_source::{DataSourceKind, OptionsSaved, SSL_MODES};
use crate::domain::environment::colour_class;
use crate::error::AppError;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};
use serde_json::Value;

#[component]
pub fn DataSourcesRoute() -> impl IntoView {
    view! {
        <Title text="Data sources"/>
        <Gate need=Need::SignedIn children=move |_| view! { <DataSources/> }/>
    }
}

#[component]
fn DataSources() -> impl IntoView {
    let create = ServerAction::<CreateDataSource>::new();
    let page = Resource::new(move || create.version().get(), |_| load_data_sources());
    let created = move || create.value().get();
    view! {
        <h1>"Data sources"</h1>
        <p class="hint">"Each data source holds one set of options per environment: an app always uses those of the environment it runs in."</p>
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                let p = match page.await {
                    Ok(p) => p,
                    Err(e) => return view! { <ErrorPage error=e/> }.into_any(),
                };
                let refusal = p.change_refusal.clone();
                let rows = p.data_sources.iter().map(|d| {
                    let envs = p.environments.iter().map(|e| {
                        let configured = d.environments.get(e).is_some_and(|o| o.configured);
                        let class = format!("env-badge {}{}", colour_class(e), if configured { "" } else { " unconfigured" });
                        let label = if configured { e.clone() } else { format!("{e}: not configured") };
                        view! { <span class=class data-configured=configured.to_string()>{label}</span> " " }
                    }).collect_view();
                    view! {
                        <tr data-name=d.name.clone()>
                            <td><a href=format!("/data-sources/{}", d.id)>{d.name.clone()}</a></td>
                            <td>{d.kind.label()}</td>
                            <td>{envs}</td>
                        </tr>
                    }
                }).collect_view();
                let disabled = refusal.is_some();
                view! {
                    <table class="data-sources">
                        <thead><tr><th>"Name"</th><th>"Kind"</th><th>"Environments"</th></tr></thead>
                        <tbody>{rows}</tbody>
                    </table>
                    <section class="card">
                        <h2>"Create a data source"</h2>
                        <ActionForm action=create attr:class="grid-form">
                            <Notice message=form_error(created)/>
                            <label>"Name" <input type="text" name="name" required maxlength="50" disabled=disabled/></label>
                            <FieldMessage message=field_error(created, "name")/>
                            <label>"Kind"
                                <select name="kind" disabled=disabled>
                                    {DataSourceKind::ALL.into_iter().map(|k| view! { <option value=k.as_str()>{k.label()}</option> }).collect_view()}
                                </select>
                            </label>
                            <FieldMessage message=field_error(created, "kind")/>
                            <button type="submit" class="primary" disabled=disabled
                                title=refusal.unwrap_or_else(|| "Create it, then fill in each environment".into())>"Create data source"</button>
                        </ActionForm>
                    </section>
                }.into_any()
            })}
        </Suspense>
    }
}

#[component]
pub fn DataSourceRoute() -> impl IntoView {
    view! {
        <Title text="Data source"/>
        <Gate need=Need::SignedIn children=move |_| view! { <DataSourceDetail/> }/>
    }
}

/// The connection test this answer's form post made, if it was one.
fn last_test() -> OnceResource<
    Option<(
        String,
        Result<crate::domain::data_source::TestResult, AppError>,
    )>,
> {
    #[cfg(feature = "ssr")]
    let test = use_context::<ConnectionTest>().map(|t| (t.environment, t.result));
    #[cfg(not(feature = "ssr"))]
    let test: Option<(
        String,
        Result<crate::domain::data_source::TestResult, AppError>,
    )> = None;
    OnceResource::new(async move { test })
}

#[component]
fn DataSourceDetail() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let set = ServerAction::<SetDataSourceOptions>::new();
    let delete = ServerAction::<DeleteDataSource>::new();
    let page = Resource::new(move || set.version().get(), |_| load_data_sources());
    let tested = last_test();
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                let p = match page.await {
                    Ok(p) => p,
                    Err(e) => return view! { <ErrorPage error=e/> }.into_any(),
                };
                let id = params.read().get("id").unwrap_or_default();
                let Some(d) = p.data_sources.iter().find(|d| d.id == id).cloned() else {
                    return view! { <ErrorPage error=AppError::not_found("No such data source")/> }.into_any();
                };
                let test = tested.await;
                let env = query.read().get("env")
                    .filter(|e| p.environments.contains(e))
                    .or_else(|| test.as_ref().map(|t| t.0.clone()))
                    .unwrap_or_else(|| p.environments.first().cloned().unwrap_or_default());
                let refusal = p.change_refusal.clone();
                let tabs = p.environments.iter().map(|e| {
                    let active = *e == env;
                    let configured = d.environments.get(e).is_some_and(|o| o.configured);
                    let class = format!("env-tab {}{}", colour_class(e), if active { " active" } else { "" });
                    view! {
                        <a class=class href=format!("/data-sources/{}?env={e}", d.id) aria-current=active.then_some("page")
                            data-configured=configured.to_string()>{e.clone()} {(!configured).then_some(" (not configured)")}</a>
                    }
                }).collect_view();
                let options = d.environments.get(&env).and_then(|o| o.options.clone()).unwrap_or(Value::Null);
                // D12: the save is based on the options shown here.
                let revision = d.environments.get(&env).map(|o| o.revision).unwrap_or(0).to_string();
                let test_result = test.filter(|t| t.0 == env).map(|(_, r)| match r {
                    Ok(t) => view! {
                        <p class=if t.ok { "notice notice-ok" } else { "notice notice-error" } role="status" data-testid="test-result">
                            {if t.ok { "Connected: " } else { "Failed: " }} {t.message}
                        </p>
                    }.into_any(),
                    Err(e) => view! { <p class="notice notice-error" role="alert" data-testid="test-result">{e.message}</p> }.into_any(),
                });
                let updated = move || set.value().get();
                let disabled = refusal.is_some();
                let title = refusal.clone().unwrap_or_default();
                let test_title = title.clone();
                let test_action = format!("/data-sources/{}?env={env}", d.id);
                let (form_id, delete_id, form_env, test_env, save_env) =
                    (d.id.clone(), d.id.clone(), env.clone(), env.clone(), env.clone());
                view! {
                    <p><a href="/data-sources">"← Data sources"</a></p>
                    <h1>{d.name.clone()} " " <small class="muted">{d.kind.label()}</small></h1>
                    <nav class="env-switcher" aria-label="Environment">{tabs}</nav>
                    <section class=format!("card env-panel {}", colour_class(&env))>
                        <h2>"Options in " <EnvBadge name=env.clone()/></h2>
                        <ActionForm action=set attr:class="grid-form">
                            <Notice message=form_error(updated)/>
                            <input type="hidden" name="id" value=form_id/>
                            <input type="hidden" name="environment" value=form_env/>
                            <input type="hidden" name="kind" value=d.kind.as_str()/>
                            <input type="hidden" name="revision" value=revision/>
                            <KindFields kind=d.kind options=options updated=Signal::derive(updated) disabled/>
                            <button type="submit" class="primary" disabled=disabled title=title>"Save " {save_env}</button>
                        </ActionForm>
                        {move || updated().and_then(|r| r.ok()).map(|_| view! { <p class="notice notice-ok" role="status">"Saved."</p> })}
                        <form method="post" action=test_action class="inline">
                            <input type="hidden" name="environment" value=test_env/>
                            <button type="submit" disabled=disabled title=test_title>"Test connection"</button>
                        </form>
                        {test_result}
                    </section>
                    <ActionForm action=delete attr:class="inline">
                        <Notice message=form_error(move || delete.value().get())/>
                        <input type="hidden" name="id" value=delete_id/>
                        <button type="submit" class="danger" disabled=disabled
                            title=refusal.unwrap_or_else(|| "Delete it (refused while a version uses it)".into())>"Delete data source"</button>
                    </ActionForm>
                }.into_any()
            })}
        </Suspense>
    }
}

fn text(options: &Value, key: &str) -> String {
    match &options[key] {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        _ => String::new(),
    }
}

/// The kind's fields, filled with the environment's options (secrets as
/// `********`, which saving keeps).
#[component]
fn KindFields(
    kind: DataSourceKind,
    options: Value,
    updated: Signal<Option<Result<OptionsSaved, AppError>>>,
    disabled: bool,
) -> impl IntoView {
    let err = move |f: &'static str| {
        let field = format!("options.{f}");
        move || {
            updated
                .get()
                .and_then(|r| r.err())
                .and_then(|e| e.for_field(&field))
        }
    };
    match kind {
        DataSourceKind::Postgresql => {
            let ssl = text(&options, "ssl_mode");
            let ssl = if ssl.is_empty() { "prefer".to_string() } else { ssl };
            view! {
                <label>"Host" <input type="text" name="host" value=text(&options, "host") disabled=disabled/></label>
                <FieldMessage message=err("host")/>
                <label>"Port" <input type="text" inputmode="numeric" name="port" value={let p = text(&options, "port"); if p.is_empty() { "5432".into() } else { p }} disabled=disabled/></label>
                <FieldMessage message=err("port")/>
                <label>"Database" <input type="text" name="database" value=text(&options, "database") disabled=disabled/></label>
                <FieldMessage message=err("database")/>
                <label>"Username" <input type="text" name="username" value=text(&options, "username") disabled=disabled/></label>
                <FieldMessage message=err("username")/>
                <label>"Password (kept when left as is)" <input type="password" name="password" value=text(&options, "password") autocomplete="new-password" disabled=disabled/></label>
                <FieldMessage message=err("password")/>
                <label>"SSL mode"
                    <select name="ssl_mode" disabled=disabled>
                        {SSL_MODES.into_iter().map(|m| view! { <option value=m selected=m == ssl>{m}</option> }).collect_view()}
                    </select>
                </label>
                <FieldMessage message=err("ssl_mode")/>
            }.into_any()
        }
        DataSourceKind::RestApi => {
            let mut headers: Vec<(String, String, bool)> = options["headers"]
                .as_array()
                .map(|hs| hs.iter().map(|h| (text(h, "name"), text(h, "value"), h["secret"] == Value::Bool(true))).collect())
                .unwrap_or_default();
            headers.push(Default::default());
            headers.push(Default::default());
            view! {
                <label>"Base URL" <input type="url" name="base_url" value=text(&options, "base_url") placeholder="https://api.example.com" disabled=disabled/></label>
                <FieldMessage message=err("base_url")/>
                <fieldset>
                    <legend>"Headers (a secret one is write-only)"</legend>
                    {headers.into_iter().enumerate().map(|(i, (name, value, secret))| view! {
                        <div class="header-row">
                            <input type="text" name=format!("header_name[{i}]") value=name placeholder="Header" aria-label=format!("Header {} name", i + 1) disabled=disabled/>
                            <input type=if secret { "password" } else { "text" } name=format!("header_value[{i}]") value=value aria-label=format!("Header {} value", i + 1) disabled=disabled/>
                            <select name=format!("header_secret[{i}]") aria-label=format!("Header {} kind", i + 1) disabled=disabled>
                                <option value="plain" selected=!secret>"plain"</option>
                                <option value="secret" selected=secret>"secret"</option>
                            </select>
                        </div>
                    }).collect_view()}
                </fieldset>
                <label>"Bearer token (kept when left as is)" <input type="password" name="bearer_token" value=text(&options, "bearer_token") autocomplete="new-password" disabled=disabled/></label>
                <FieldMessage message=err("bearer_token")/>
            }.into_any()
        }
        DataSourceKind::Sqlite => view! {
            <label>"File (inside the data-source folder)" <input type="text" name="file" value=text(&options, "file") placeholder="orders.db" disabled=disabled/></label>
            <FieldMessage message=err("file")/>
        }.into_any(),
    }
}
