//! Previews (SPEC R7) at `/apps/{slug}/preview?env=E&version=NAME`: the
//! app's article (`ui::app_html`, as released apps show it) under a banner
//! in E's colour, rendered on the server with the data of E, and the
//! inspector for edit access. Inputs, buttons and forms are plain form
//! posts to the page itself (`server::app_form`), which answers the page
//! again with the inputs and results. With JavaScript on, the page sends
//! the same fields itself and shows the answer in place (`Sent`). The
//! released app itself is served outside this runtime
//! (`server::released_page`).
use super::app_html::article;
use super::components::ErrorPage;
use super::shell::{Gate, Need};
use crate::api::runtime::{flat, open_preview};
use crate::domain::runtime::{Action, ShownApp};
use leptos::prelude::*;
use leptos_meta::Title;
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

/// The released app is served whole by the server (`ui::app_html`,
/// `server::released_page`): a link to it followed in the browser loads it.
#[component]
pub fn ReleasedAppRoute() -> impl IntoView {
    // The router changes the address only after this renders: go to the
    // address it matched, not the one still shown.
    #[cfg(not(feature = "ssr"))]
    {
        let at = leptos_router::hooks::use_location();
        let (path, search) = (at.pathname.get_untracked(), at.search.get_untracked());
        let path = path.trim_end_matches('/');
        let to = if search.is_empty() {
            path.to_string()
        } else {
            format!("{path}?{search}")
        };
        // Never the page this is already: that would load it forever.
        let here = window().location();
        let shown = format!(
            "{}{}",
            here.pathname().unwrap_or_default(),
            here.search().unwrap_or_default()
        );
        if shown != to {
            let _ = window().location().set_href(&to);
        }
    }
    view! { <p class="loading">"Loading…"</p> }
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

/// A preview: the app's article (`app_html`, the same as released) and,
/// for edit access, the inspector. With JavaScript on, its forms are sent
/// in place (`Sent`).
#[component]
fn AppPage(app: ShownApp) -> impl IntoView {
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
    view! {
        <Title text=title_text(&app.title)/>
        <div class="app-frame" on:submit=send_in_place() inner_html=article(&app)></div>
        {inspector}
    }
}

/// The page's title for `<title>`, which leptos_meta writes unescaped on
/// the server (0.8): markup characters become look-alikes that cannot end
/// the element. The heading shows the title as it is, escaped.
fn title_text(title: &str) -> String {
    title.replace('<', "‹").replace('>', "›").replace('&', "＆")
}
