//! The form editor of a draft in development (issue 11): pages, components
//! and queries edited with forms, each change saved at once against the
//! revision the page was loaded at (V10: a stale save says so and leaves
//! the form as typed), with the live preview of the page beside it and the
//! Queries panel under it. Outside a development draft the same forms show
//! read-only, with the reason.
use super::builder::reason;
use super::components::{form_error, EnvBadge, ErrorPage, Notice};
use super::queries::QueriesSection;
use super::shell::{Gate, Need};
use crate::api::apps::{load_version, EditDefinition};
use crate::api::data_sources::load_data_sources;
use crate::domain::editor::COMPONENT_TYPES;
use crate::domain::environment::colour_class;
use crate::domain::lifecycle::VersionAction;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;
use serde_json::Value;

#[component]
pub fn EditorPage() -> impl IntoView {
    view! {
        <Title text="Editor"/>
        <Gate need=Need::SignedIn children=move |_| view! { <Editor/> }/>
    }
}

/// What every form of the page carries.
#[derive(Clone)]
struct Ctx {
    app_id: String,
    version_id: String,
    revision: i64,
    action: ServerAction<EditDefinition>,
    read_only: bool,
    refusal: String,
    queries: Vec<String>,
    sources: Vec<String>,
}

fn s(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_string()
}

#[component]
fn Editor() -> impl IntoView {
    let params = use_params_map();
    let app_id = move || params.read().get("app_id").unwrap_or_default();
    let version_id = move || params.read().get("version_id").unwrap_or_default();
    let action = ServerAction::<EditDefinition>::new();
    let panel = super::queries::panel_resource(move || (app_id(), version_id()));
    let data = Resource::new(
        move || (app_id(), version_id(), action.version().get()),
        |(a, v, _)| load_version(a, v),
    );
    // A resource of its own: a server function called after another's
    // await runs outside the page's context on the server.
    let source_names = Resource::new(|| (), |_| load_data_sources());
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                let (page, v) = match data.await {
                    Ok(d) => d,
                    Err(e) => return view! { <ErrorPage error=e/> }.into_any(),
                };
                // Data source names for the pickers; none when the caller may not list them.
                let sources: Vec<String> = source_names
                    .await
                    .map(|p| p.data_sources.into_iter().map(|d| d.name).collect())
                    .unwrap_or_default();
                let row = page.versions.iter().find(|r| r.version.id == v.id).cloned();
                let refusal = row.and_then(|row| reason(VersionAction::Edit, &row, &page.access, &page.envs, page.version_count));
                let def = v.definition.clone().unwrap_or(Value::Null);
                let queries: Vec<String> = def["queries"].as_array().map(|qs| qs.iter().map(|q| s(&q["name"])).collect()).unwrap_or_default();
                let ctx = Ctx {
                    app_id: page.app.id.clone(),
                    version_id: v.id.clone(),
                    revision: v.revision,
                    action,
                    read_only: refusal.is_some(),
                    refusal: refusal.clone().unwrap_or_default(),
                    queries,
                    sources,
                };
                let preview = format!("/apps/{}/preview?env={}&version={}&r={}", page.app.slug, v.environment, v.name, v.revision);
                let pages = def["pages"].as_array().cloned().unwrap_or_default();
                let query_list = def["queries"].as_array().cloned().unwrap_or_default();
                let ro = ctx.read_only;
                let page_forms = pages.into_iter().map(|p| view! { <PageEditor p ctx=ctx.clone()/> }).collect_view();
                let query_forms = query_list.into_iter().map(|q| view! { <QueryEditor q ctx=ctx.clone()/> }).collect_view();
                let add_page = {
                    let submit = ctx.clone();
                    view! {
                        <EditForm ctx=ctx.clone() op="add_page">
                            <label>"Name" <input type="text" name="name" required disabled=ro/></label>
                            <label>"Title" <input type="text" name="title" disabled=ro/></label>
                            <Submit ctx=submit label="Add page"/>
                        </EditForm>
                    }
                };
                let add_query = {
                    let (picker, submit) = (ctx.clone(), ctx.clone());
                    view! {
                        <EditForm ctx=ctx.clone() op="add_query">
                            <label>"Name" <input type="text" name="name" required disabled=ro/></label>
                            <SourcePicker ctx=picker selected=String::new()/>
                            <label>"Kind" <select name="kind" disabled=ro>
                                <option value="sql">"SQL"</option><option value="rest">"REST"</option>
                            </select></label>
                            <Submit ctx=submit label="Add query"/>
                        </EditForm>
                    }
                };
                view! {
                    <p><a href=format!("/build/{}/versions/{}", page.app.id, v.id)>"← " {v.name.clone()} " (JSON and details)"</a></p>
                    <h1>"Edit " {v.name.clone()} " " <EnvBadge name=v.environment.clone()/></h1>
                    {refusal.map(|r| view! {
                        <div class=format!("env-banner {}", colour_class(&v.environment))>"Read-only: " {r}</div>
                    })}
                    <Notice message=form_error(move || action.value().get())/>
                    <div class="editor-grid">
                        <div class="editor-forms">
                            {page_forms}
                            <section class="card">
                                <h2>"Add a page"</h2>
                                {add_page}
                            </section>
                            <section class="card" id="query-editor">
                                <h2>"Queries"</h2>
                                {query_forms}
                                <h3>"Add a query"</h3>
                                {add_query}
                            </section>
                        </div>
                        <div class="editor-preview">
                            <h2>"Preview"</h2>
                            <iframe src=preview title="Live preview of the page"></iframe>
                        </div>
                    </div>
                    <QueriesSection panel app_id=page.app.id.clone() version_id=v.id.clone() version_env=v.environment.clone()/>
                }
                .into_any()
            })}
        </Suspense>
    }
}

/// One change: the hidden fields every change needs, then `children`.
#[component]
fn EditForm(ctx: Ctx, op: &'static str, children: Children) -> impl IntoView {
    view! {
        <ActionForm action=ctx.action attr:class="grid-form editor-form">
            <input type="hidden" name="app_id" value=ctx.app_id.clone()/>
            <input type="hidden" name="version_id" value=ctx.version_id.clone()/>
            <input type="hidden" name="revision" value=ctx.revision.to_string()/>
            <input type="hidden" name="op" value=op/>
            {children()}
        </ActionForm>
    }
}

#[component]
fn Submit(ctx: Ctx, label: &'static str) -> impl IntoView {
    let title = if ctx.read_only {
        ctx.refusal.clone()
    } else {
        label.to_string()
    };
    view! { <button type="submit" disabled=ctx.read_only title=title>{label}</button> }
}

/// Up, down and remove for one item, named by `key`=`value` (and its page).
#[component]
fn ItemButtons(
    ctx: Ctx,
    what: &'static str,
    key: &'static str,
    value: String,
    page: Option<String>,
) -> impl IntoView {
    let ops: [(&'static str, &'static str); 3] = match what {
        "page" => [
            ("page_up", "Up"),
            ("page_down", "Down"),
            ("remove_page", "Remove"),
        ],
        "component" => [
            ("component_up", "Up"),
            ("component_down", "Down"),
            ("remove_component", "Remove"),
        ],
        _ => [
            ("query_up", "Up"),
            ("query_down", "Down"),
            ("remove_query", "Remove"),
        ],
    };
    view! {
        <div class="item-buttons">
            {ops.into_iter().map(|(op, label)| {
                let (value, page) = (value.clone(), page.clone());
                view! {
                    <EditForm ctx=ctx.clone() op=op>
                        <input type="hidden" name=key value=value/>
                        {page.map(|p| view! { <input type="hidden" name="page" value=p/> })}
                        <button type="submit" class=if label == "Remove" { "danger" } else { "" } disabled=ctx.read_only
                            aria-label=format!("{label} {what}")>{label}</button>
                    </EditForm>
                }
            }).collect_view()}
        </div>
    }
}

#[component]
fn PageEditor(p: Value, ctx: Ctx) -> impl IntoView {
    let name = s(&p["name"]);
    let ro = ctx.read_only;
    let components = p["components"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .map(|c| view! { <ComponentEditor c page=name.clone() ctx=ctx.clone()/> })
        .collect_view();
    let set_page = {
        let (submit, n1, n2, title) = (ctx.clone(), name.clone(), name.clone(), s(&p["title"]));
        view! {
            <EditForm ctx=ctx.clone() op="set_page">
                <input type="hidden" name="page" value=n1/>
                <label>"Name" <input type="text" name="name" value=n2 disabled=ro/></label>
                <label>"Title" <input type="text" name="title" value=title disabled=ro/></label>
                <Submit ctx=submit label="Save page"/>
            </EditForm>
        }
    };
    let add_component = {
        let (submit, n) = (ctx.clone(), name.clone());
        view! {
            <EditForm ctx=ctx.clone() op="add_component">
                <input type="hidden" name="page" value=n/>
                <label>"Type" <select name="kind" disabled=ro>
                    {COMPONENT_TYPES.into_iter().map(|t| view! { <option value=t>{t}</option> }).collect_view()}
                </select></label>
                <label>"Id" <input type="text" name="id" required disabled=ro/></label>
                <Submit ctx=submit label="Add component"/>
            </EditForm>
        }
    };
    let buttons = view! { <ItemButtons ctx=ctx.clone() what="page" key="page" value=name.clone() page=None/> };
    view! {
        <section class="card page-editor" data-page=name.clone()>
            <h2>"Page " <code>{name.clone()}</code></h2>
            {set_page}
            {buttons}
            {components}
            <h3>"Add a component"</h3>
            {add_component}
        </section>
    }
}

#[component]
fn QueryPicker(ctx: Ctx, selected: String) -> impl IntoView {
    view! {
        <label>"Query" <select name="query" disabled=ctx.read_only>
            {ctx.queries.iter().map(|q| view! { <option value=q.clone() selected=*q == selected>{q.clone()}</option> }).collect_view()}
        </select></label>
    }
}

#[component]
fn SourcePicker(ctx: Ctx, selected: String) -> impl IntoView {
    view! {
        <label>"Data source" <select name="data_source" disabled=ctx.read_only>
            {ctx.sources.iter().map(|d| view! { <option value=d.clone() selected=*d == selected>{d.clone()}</option> }).collect_view()}
        </select></label>
    }
}

#[component]
fn ComponentEditor(c: Value, page: String, ctx: Ctx) -> impl IntoView {
    let id = s(&c["id"]);
    let kind = s(&c["type"]);
    let ro = ctx.read_only;
    let fields = match kind.as_str() {
        "heading" => view! { <label>"Text" <input type="text" name="text" value=s(&c["text"]) disabled=ro/></label> }.into_any(),
        "text" => view! { <label>"Text" <textarea name="text" rows="2" disabled=ro>{s(&c["text"])}</textarea></label> }.into_any(),
        "input" => {
            let t = s(&c["input_type"]);
            view! {
                <label>"Input name" <input type="text" name="name" value=s(&c["name"]) disabled=ro/></label>
                <label>"Label" <input type="text" name="label" value=s(&c["label"]) disabled=ro/></label>
                <label>"Input type" <select name="input_type" disabled=ro>
                    {["text", "number", "date"].into_iter().map(|o| view! { <option value=o selected=o == t>{o}</option> }).collect_view()}
                </select></label>
            }.into_any()
        }
        "table" => view! { <QueryPicker ctx=ctx.clone() selected=s(&c["query"])/> }.into_any(),
        "button" => view! {
            <label>"Label" <input type="text" name="label" value=s(&c["label"]) disabled=ro/></label>
            <QueryPicker ctx=ctx.clone() selected=s(&c["query"])/>
        }.into_any(),
        _ => {
            let lines = c["inputs"].as_array().map(|is| is.iter().map(|i| format!("{}: {}: {}", s(&i["name"]), s(&i["label"]), s(&i["input_type"]))).collect::<Vec<_>>().join("\n")).unwrap_or_default();
            view! {
                <QueryPicker ctx=ctx.clone() selected=s(&c["query"])/>
                <label>"Submit label" <input type="text" name="submit_label" value=s(&c["submit_label"]) disabled=ro/></label>
                <label>"Inputs (one per line: name: label: type)" <textarea name="inputs" rows="3" disabled=ro>{lines}</textarea></label>
            }.into_any()
        }
    };
    let form = {
        let (submit, p, i) = (ctx.clone(), page.clone(), id.clone());
        view! {
            <EditForm ctx=ctx.clone() op="set_component">
                <input type="hidden" name="page" value=p/>
                <input type="hidden" name="id" value=i/>
                {fields}
                <Submit ctx=submit label="Save"/>
            </EditForm>
        }
    };
    let buttons = view! { <ItemButtons ctx=ctx.clone() what="component" key="id" value=id.clone() page=Some(page)/> };
    view! {
        <div class="component-editor" data-component=id.clone()>
            <h4><code>{id.clone()}</code> " " <span class="muted">{kind}</span></h4>
            {form}
            {buttons}
        </div>
    }
}

#[component]
fn QueryEditor(q: Value, ctx: Ctx) -> impl IntoView {
    let name = s(&q["name"]);
    let ro = ctx.read_only;
    let body = if q.get("rest").is_some_and(|r| !r.is_null()) {
        let m = s(&q["rest"]["method"]);
        view! {
            <label>"Method" <select name="method" disabled=ro>
                {crate::domain::definition::REST_METHODS.into_iter().map(|o| view! { <option value=o selected=o == m>{o}</option> }).collect_view()}
            </select></label>
            <label>"Path" <input type="text" name="path" value=s(&q["rest"]["path"]) disabled=ro/></label>
        }.into_any()
    } else {
        view! { <label>"SQL" <textarea name="sql" rows="3" class="sql" disabled=ro>{s(&q["sql"])}</textarea></label> }.into_any()
    };
    let form = {
        let (picker, submit, n) = (ctx.clone(), ctx.clone(), name.clone());
        let source = s(&q["data_source"]);
        let on_load = q["run_on_load"] == Value::Bool(true);
        view! {
            <EditForm ctx=ctx.clone() op="set_query">
                <input type="hidden" name="name" value=n/>
                <SourcePicker ctx=picker selected=source/>
                {body}
                <label class="check"><input type="checkbox" name="run_on_load" value="on" checked=on_load disabled=ro/> " Run on load"</label>
                <Submit ctx=submit label="Save query"/>
            </EditForm>
        }
    };
    let buttons = view! { <ItemButtons ctx=ctx.clone() what="query" key="name" value=name.clone() page=None/> };
    view! {
        <div class="query-editor" data-query-editor=name.clone()>
            <h4><code>{name.clone()}</code></h4>
            {form}
            {buttons}
        </div>
    }
}
