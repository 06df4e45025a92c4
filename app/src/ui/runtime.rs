//! Apps as their users see them (SPEC R2, R5–R7): the released app at
//! `/apps/{slug}`, with no builder chrome and the app's own title, and a
//! preview at `/apps/{slug}/preview?env=E&version=NAME` under a banner in
//! E's colour. Both are rendered on the server with the data of their
//! environment. Inputs, buttons and forms are plain form posts to the page
//! itself (`server::app_form`), which answers the page again with the
//! inputs and results. With JavaScript on, the page sends the same fields
//! itself and shows the answer in place (`Sent`).
use super::components::{ErrorPage, RowsTable};
use super::shell::{Gate, Need};
use crate::api::runtime::{flat, open_app, open_preview};
use crate::domain::environment::colour_class;
use crate::domain::query::QueryResult;
use crate::domain::runtime::{Action, Shown, ShownApp, ShownInput, INPUT_PREFIX};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Redirect;
use leptos_router::hooks::{use_params_map, use_query_map};

/// What this answer's form post sent, if it was one.
fn posted() -> Action {
    #[cfg(feature = "ssr")]
    return use_context::<Action>().unwrap_or_default();
    #[cfg(not(feature = "ssr"))]
    Action::default()
}

/// With JavaScript on, what the page's forms sent last, numbered so that
/// sending the same fields twice runs the query twice. The page's resource
/// reads it: a send asks the server for the page again, and the answer
/// replaces the page in place.
#[derive(Clone, Copy)]
struct Sent(RwSignal<(u32, Action)>);

impl Sent {
    fn new() -> Sent {
        let sent = Sent(RwSignal::new((0, posted())));
        provide_context(sent);
        sent
    }
}

/// The forms' submit handler: sends the form in place, as its post would
/// have sent it, on a page that can (`Sent`).
fn send_in_place() -> impl Fn(leptos::ev::SubmitEvent) + Clone + 'static {
    let sent = use_context::<Sent>();
    move |ev| {
        if let Some(Sent(sent)) = sent {
            ev.prevent_default();
            let action = Action::from_fields(&fields_of(&ev));
            sent.update(|(n, a)| {
                *n += 1;
                *a = action;
            });
        }
    }
}

/// The fields a form post would send: the form's inputs and those that
/// name it (`form=`), then the button that sent it.
fn fields_of(ev: &leptos::ev::SubmitEvent) -> Vec<(String, String)> {
    use leptos::wasm_bindgen::JsCast;
    let mut fields = Vec::new();
    let Some(form) = ev
        .target()
        .and_then(|t| t.dyn_into::<web_sys::HtmlFormElement>().ok())
    else {
        return fields;
    };
    let elements = form.elements();
    for i in 0..elements.length() {
        let Some(input) = elements
            .item(i)
            .and_then(|e| e.dyn_into::<web_sys::HtmlInputElement>().ok())
        else {
            continue;
        };
        let unticked = matches!(input.type_().as_str(), "checkbox" | "radio") && !input.checked();
        if !input.name().is_empty() && !unticked {
            fields.push((input.name(), input.value()));
        }
    }
    if let Some(name) = ev.submitter().and_then(|b| b.get_attribute("name")) {
        let value = ev
            .submitter()
            .and_then(|b| b.get_attribute("value"))
            .unwrap_or_default();
        fields.push((name, value));
    }
    fields
}

#[component]
pub fn ReleasedAppRoute() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let sent = Sent::new();
    let shown = Resource::new(
        move || {
            (
                params.read().get("slug").unwrap_or_default(),
                query.read().get("page"),
                sent.0.get(),
            )
        },
        move |(slug, page, (_, action))| {
            let (run, inputs) = flat(action);
            open_app(slug, page, run, inputs)
        },
    );
    view! {
        <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match shown.await {
                    Ok(app) => view! { <AppPage app/> }.into_any(),
                    // Not signed in and not public: sign in first.
                    Err(e) if e.status() == 401 => view! { <Redirect path="/login"/> }.into_any(),
                    Err(e) => view! { <Title text="Not found"/> <ErrorPage error=e/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
pub fn PreviewRoute() -> impl IntoView {
    view! {
        <Title text="Preview"/>
        <Gate need=Need::SignedIn children=move |_| view! { <Preview/> }/>
    }
}

#[component]
fn Preview() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let sent = Sent::new();
    let shown = Resource::new(
        move || {
            let q = query.read();
            (
                params.read().get("slug").unwrap_or_default(),
                q.get("env"),
                q.get("version"),
                q.get("page"),
                sent.0.get(),
            )
        },
        move |(slug, env, version, page, (_, action))| {
            let (run, inputs) = flat(action);
            open_preview(slug, env, version, page, run, inputs)
        },
    );
    view! {
        <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match shown.await {
                    Ok(app) => view! { <AppPage app/> }.into_any(),
                    Err(e) => view! { <ErrorPage error=e/> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// Where the page's forms post: the page itself, keeping its query.
fn own_address(app: &ShownApp) -> String {
    if app.preview {
        format!(
            "/apps/{}/preview?env={}&version={}&page={}",
            app.slug, app.environment, app.version_name, app.page
        )
    } else {
        format!("/apps/{}?page={}", app.slug, app.page)
    }
}

#[component]
fn AppPage(app: ShownApp) -> impl IntoView {
    let address = own_address(&app);
    // The standalone inputs go with every form, so a form's post keeps them.
    let standalone: Vec<ShownInput> = app
        .components
        .iter()
        .filter_map(|c| match c {
            Shown::Input { input, .. } => Some(input.clone()),
            _ => None,
        })
        .collect();
    let pages = (app.pages.len() > 1).then(|| {
        let base = if app.preview {
            format!("/apps/{}/preview?env={}&version={}&page=", app.slug, app.environment, app.version_name)
        } else {
            format!("/apps/{}?page=", app.slug)
        };
        view! {
            <nav class="app-pages">
                {app.pages.iter().map(|(name, title)| {
                    let label = if title.is_empty() { name.clone() } else { title.clone() };
                    let current = *name == app.page;
                    view! { <a href=format!("{base}{name}") aria-current=current.then_some("page")>{label}</a> " " }
                }).collect_view()}
            </nav>
        }
    });
    let banner = app.preview.then(|| view! {
        <div class=format!("env-banner preview-banner {}", colour_class(&app.environment)) data-testid="preview-banner">
            "Preview of " <strong>{app.version_name.clone()}</strong> " in " <strong>{app.environment.to_string()}</strong>
            " (" {app.app_name.clone()} ")"
        </div>
    });
    let outcome = app.outcome.clone().map(|o| view! {
        <p class=if o.ok { "notice notice-ok" } else { "notice notice-error" } role="status" data-testid="outcome">
            {o.message}
        </p>
    });
    let inspector = app.inspector.clone().map(|i| view! {
        <aside class="card inspector" data-testid="inspector">
            <h2>"Inspector"</h2>
            <h3>"Inputs"</h3>
            {if i.inputs.is_empty() { view! { <p class="muted">"No input sent."</p> }.into_any() } else { view! {
                <table><tbody>{i.inputs.into_iter().map(|(k, v)| view! { <tr><th>{k}</th><td>{v}</td></tr> }).collect_view()}</tbody></table>
            }.into_any() }}
            <h3>"Queries"</h3>
            <table>
                <thead><tr><th>"Query"</th><th>"Last result"</th><th>"Time"</th></tr></thead>
                <tbody>{i.queries.into_iter().map(|q| { let shown = q.name.clone(); view! {
                    <tr data-inspect-query=q.name class=if q.ok { "" } else { "failed" }>
                        <td><code>{shown}</code></td><td>{q.summary}</td>
                        <td>{q.elapsed_ms.map(|ms| format!("{ms} ms")).unwrap_or_default()}</td>
                    </tr>
                } }).collect_view()}</tbody>
            </table>
            <h3>"Constants in " {app.environment.to_string()}</h3>
            <table><tbody>{i.constants.into_iter().map(|(k, v)| view! { <tr><th>{k}</th><td>{v}</td></tr> }).collect_view()}</tbody></table>
        </aside>
    });
    let components = app
        .components
        .into_iter()
        .map(|c| view! { <Component c address=address.clone() standalone=standalone.clone()/> })
        .collect_view();
    view! {
        <Title text=title_text(&app.title)/>
        <article class="released-app" data-env=app.environment.to_string()>
            {banner}
            <h1>{app.title.clone()}</h1>
            {pages}
            {outcome}
            <form id="app-form" method="post" action=address.clone() on:submit=send_in_place()></form>
            {components}
        </article>
        {inspector}
    }
}

/// The page's title for `<title>`, which leptos_meta writes unescaped on
/// the server (0.8): markup characters become look-alikes that cannot end
/// the element. The heading shows the title as it is, escaped.
fn title_text(title: &str) -> String {
    title.replace('<', "‹").replace('>', "›").replace('&', "＆")
}

#[component]
fn Field(input: ShownInput, form: Option<&'static str>) -> impl IntoView {
    view! {
        <label>{input.label.clone()} " "
            <input type=input.input_type.clone() name=format!("{INPUT_PREFIX}{}", input.name)
                value=input.value.clone() form=form/>
        </label>
    }
}

#[component]
fn Component(c: Shown, address: String, standalone: Vec<ShownInput>) -> impl IntoView {
    match c {
        Shown::Heading { id, text } => view! { <h2 data-component=id>{text}</h2> }.into_any(),
        Shown::Text { id, text } => view! { <p data-component=id>{text}</p> }.into_any(),
        Shown::Input { id, input } => view! {
            <div data-component=id><Field input form=Some("app-form")/></div>
        }
        .into_any(),
        Shown::Button { id, label, query } => view! {
            <div data-component=id>
                <button type="submit" form="app-form" name="run" value=query>{label}</button>
            </div>
        }
        .into_any(),
        Shown::Form {
            id,
            query,
            submit_label,
            inputs,
        } => {
            let label = if submit_label.is_empty() {
                "Submit".to_string()
            } else {
                submit_label
            };
            view! {
                <form method="post" action=address class="app-form grid-form" data-component=id on:submit=send_in_place()>
                    <input type="hidden" name="run" value=query/>
                    {standalone.into_iter().map(|i| view! {
                        <input type="hidden" name=format!("{INPUT_PREFIX}{}", i.name) value=i.value/>
                    }).collect_view()}
                    {inputs.into_iter().map(|input| view! { <Field input form=None/> }).collect_view()}
                    <button type="submit" class="primary">{label}</button>
                </form>
            }
            .into_any()
        }
        Shown::Table { id, query, result } => {
            let body = match result {
                None => view! { <p class="muted">{format!("{query} has not run (it does not run on load).")}</p> }.into_any(),
                Some(Err(message)) => view! { <p class="notice notice-error" role="alert">{format!("{query}: {message}")}</p> }.into_any(),
                Some(Ok(QueryResult::Sql { columns, rows, truncated, .. })) => view! {
                    <RowsTable columns rows/>
                    {truncated.then(|| view! { <p class="muted">"Only the first 1,000 rows are shown."</p> })}
                }
                .into_any(),
                Some(Ok(QueryResult::Rest { body, .. })) => view! {
                    <pre>{serde_json::to_string_pretty(&body).unwrap_or_default()}</pre>
                }
                .into_any(),
            };
            view! { <section class="app-table" data-component=id data-query=query.clone()>{body}</section> }.into_any()
        }
    }
}
