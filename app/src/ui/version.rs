//! One version: its details, the definition (editable only as a draft in
//! development, V3, with the revision it was based on, V10), renaming, and
//! new versions made from it; and the promote and release confirmations.
use super::builder::{askable, reason, ActionButton};
use super::components::{field_error, form_error, EnvBadge, ErrorPage, FieldMessage, Notice};
use super::diff::ComparedSection;
use super::preflight::{OverrideBox, PreflightSection};
use super::requests::AskForm;
use super::shell::{Gate, Need};
use crate::api::apps::{
    load_confirmation, load_version, CreateVersion, PromoteVersion, PutDefinition, ReleaseVersion,
    UpdateVersion,
};
use crate::domain::app::{AppPage, VersionRow, VersionView};
use crate::domain::environment::colour_class;
use crate::domain::lifecycle::{next_environment, VersionAction};
use crate::domain::request::RequestAction;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

fn ids() -> (Memo<String>, Memo<String>) {
    let params = use_params_map();
    (
        Memo::new(move |_| params.read().get("app_id").unwrap_or_default()),
        Memo::new(move |_| params.read().get("version_id").unwrap_or_default()),
    )
}

/// The version's row as the app page would list it.
fn row_of(page: &AppPage, v: &VersionView) -> VersionRow {
    page.versions
        .iter()
        .find(|r| r.version.id == v.id)
        .cloned()
        .unwrap_or(VersionRow {
            version: v.clone(),
            created_by_name: String::new(),
            parent_name: None,
        })
}

#[component]
pub fn VersionPage() -> impl IntoView {
    view! {
        <Title text="Version"/>
        <Gate need=Need::SignedIn children=move |_| view! { <VersionDetail/> }/>
    }
}

#[component]
fn VersionDetail() -> impl IntoView {
    let (app_id, version_id) = ids();
    let put = ServerAction::<PutDefinition>::new();
    let rename = ServerAction::<UpdateVersion>::new();
    let create = ServerAction::<CreateVersion>::new();
    let panel = super::queries::panel_resource(move || (app_id.get(), version_id.get()));
    let data = Resource::new(
        move || {
            (
                app_id.get(),
                version_id.get(),
                put.version().get(),
                rename.version().get(),
            )
        },
        |(a, v, _, _)| load_version(a, v),
    );
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                let (page, v) = match data.await {
                    Ok(d) => d,
                    Err(e) => return view! { <ErrorPage error=e/> }.into_any(),
                };
                let row = row_of(&page, &v);
                let edit_refused = reason(VersionAction::Edit, &row, &page.access, &page.envs, page.version_count);
                let create_refused = reason(VersionAction::CreateFrom, &row, &page.access, &page.envs, page.version_count);
                let definition = serde_json::to_string_pretty(&v.definition.clone().unwrap_or_default()).unwrap_or_default();
                let app_id = page.app.id.clone();
                let back = format!("/build/{app_id}?env={}", v.environment);
                let [a1, a2, a3] = [app_id.clone(), app_id.clone(), app_id.clone()];
                let [i1, i2, i3] = [v.id.clone(), v.id.clone(), v.id.clone()];
                let [e1, e2, e3] = [edit_refused.clone(), edit_refused.clone(), edit_refused.clone()];
                let read_only = edit_refused.is_some();
                let (name, description) = (v.name.clone(), v.description.clone());
                view! {
                    <p><a href=back>"← " {page.app.name.clone()}</a></p>
                    <h1>{v.name.clone()} " " <EnvBadge name=v.environment.clone()/> " "
                        <span class=format!("status-{}", v.status.as_str())>{v.status.as_str()}</span>
                        {v.released.then(|| view! { <span class="released-marker">"released"</span> })}
                    </h1>
                    <p class="muted">{v.description.clone()}</p>
                    {e1.map(|r| view! {
                        <div class=format!("env-banner {}", colour_class(&v.environment))>"Read-only: " {r}</div>
                    })}
                    <p><a class="button" href=format!("/build/{}/versions/{}/edit", page.app.id, v.id)>
                        {if read_only { "Open in the form editor (read-only)" } else { "Open the form editor" }}</a>
                        " "
                        <a class="button" href=format!("/build/{}/diff?a={}&b={}", page.app.id, v.parent_version_id.clone().unwrap_or_else(|| v.id.clone()), v.id)>
                            {if v.parent_version_id.is_some() { "Compare with the version it was made from" } else { "Compare with another version" }}</a></p>
                    <section class="card">
                        <h2>"Definition"</h2>
                        <ActionForm action=put>
                            <Notice message=form_error(move || put.value().get())/>
                            <input type="hidden" name="app_id" value=a1/>
                            <input type="hidden" name="version_id" value=i1/>
                            <input type="hidden" name="revision" value=v.revision.to_string()/>
                            <label>"Definition (JSON)"
                                <textarea name="definition" rows="14" readonly=read_only>{definition}</textarea>
                            </label>
                            <FieldMessage message=field_error(move || put.value().get(), "definition")/>
                            <ActionButton label="Save definition" refused=e2/>
                        </ActionForm>
                    </section>
                    <super::queries::QueriesSection panel app_id=page.app.id.clone() version_id=v.id.clone() version_env=v.environment.clone()/>
                    <section class="card">
                        <h2>"Name and description"</h2>
                        <ActionForm action=rename attr:class="grid-form">
                            <Notice message=form_error(move || rename.value().get())/>
                            <input type="hidden" name="app_id" value=a2/>
                            <input type="hidden" name="version_id" value=i2/>
                            <label>"Name" <input type="text" name="name" value=name/></label>
                            <FieldMessage message=field_error(move || rename.value().get(), "name")/>
                            <label>"Description" <input type="text" name="description" value=description/></label>
                            <FieldMessage message=field_error(move || rename.value().get(), "description")/>
                            <ActionButton label="Rename" refused=e3/>
                        </ActionForm>
                    </section>
                    <section class="card">
                        <h2>"New version from this one"</h2>
                        <ActionForm action=create attr:class="grid-form">
                            <Notice message=form_error(move || create.value().get())/>
                            <input type="hidden" name="app_id" value=a3/>
                            <input type="hidden" name="from_version_id" value=i3/>
                            <label>"Name" <input type="text" name="name" required/></label>
                            <FieldMessage message=field_error(move || create.value().get(), "name")/>
                            <label>"Description" <input type="text" name="description"/></label>
                            <FieldMessage message=field_error(move || create.value().get(), "description")/>
                            <ActionButton label="Create version" refused=create_refused class="primary"/>
                        </ActionForm>
                    </section>
                }.into_any()
            })}
        </Suspense>
    }
}

#[component]
pub fn PromotePage() -> impl IntoView {
    view! {
        <Title text="Promote"/>
        <Gate need=Need::SignedIn children=move |_| view! { <Confirm release=false/> }/>
    }
}

#[component]
pub fn ReleasePage() -> impl IntoView {
    view! {
        <Title text="Release"/>
        <Gate need=Need::SignedIn children=move |_| view! { <Confirm release=true/> }/>
    }
}

/// The confirmation of a promote (naming both environments) or a release
/// (naming the version it replaces).
#[component]
fn Confirm(release: bool) -> impl IntoView {
    let (app_id, version_id) = ids();
    let promote = ServerAction::<PromoteVersion>::new();
    let rel = ServerAction::<ReleaseVersion>::new();
    let data = Resource::new(
        move || (app_id.get(), version_id.get()),
        |(a, v)| load_version(a, v),
    );
    let confirmation = Resource::new(
        move || (app_id.get(), version_id.get()),
        move |(a, v)| load_confirmation(a, v, release),
    );
    view! {
        <Notice message=form_error(move || promote.value().get())/>
        <Notice message=form_error(move || rel.value().get())/>
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                let ((page, v), confirmation) = match (data.await, confirmation.await) {
                    (Ok(d), Ok(c)) => (d, c),
                    (Err(e), _) | (_, Err(e)) => return view! { <ErrorPage error=e/> }.into_any(),
                };
                let row = row_of(&page, &v);
                let compared_app = page.app.id.clone();
                let action = if release { VersionAction::Release } else { VersionAction::Promote };
                let request_action = if release { RequestAction::Release } else { RequestAction::Promote };
                let ask = askable(request_action, &row, &page.access, &page.envs, page.version_count)
                    .then(|| view! { <AskForm app_id=page.app.id.clone() version_id=v.id.clone() action=request_action from=v.environment.clone()/> });
                let refused = reason(action, &row, &page.access, &page.envs, page.version_count)
                    .or_else(|| super::preflight::refusal(&confirmation.preflight));
                let (compared, checked) = (confirmation.compared, confirmation.preflight);
                let checked2 = checked.clone();
                let back = format!("/build/{}?env={}", page.app.id, v.environment);
                let app_id = page.app.id.clone();
                if release {
                    let current = page.versions.iter().find(|r| r.version.released).map(|r| r.version.name.clone());
                    let question = match current {
                        Some(c) if c == v.name => format!("{} is already the released version of {}.", v.name, page.app.name),
                        Some(c) => format!("Release {} of {} to end users, replacing {c}?", v.name, page.app.name),
                        None => format!("Release {} of {} to end users? It is the first release.", v.name, page.app.name),
                    };
                    view! {
                        <section class="card narrow confirm">
                            <h1>"Release"</h1>
                            <p class="question">{question}</p>
                            <PreflightSection checked/>
                            <ActionForm action=rel>
                                <input type="hidden" name="app_id" value=app_id/>
                                <input type="hidden" name="version_id" value=v.id.clone()/>
                                <label>"Note (optional)" <input type="text" name="note"/></label>
                                <OverrideBox checked=checked2/>
                                <ActionButton label="Release" refused=refused class="primary"/>
                            </ActionForm>
                            {ask}
                            <p><a href=back>"Cancel"</a></p>
                            <ComparedSection app_id=compared_app compared against="the released version".into()
                                nothing="Nothing to compare with: no other version is released.".into()/>
                        </section>
                    }.into_any()
                } else {
                    let to = next_environment(&page.envs, &v.environment).map(|e| e.name.to_string()).unwrap_or_default();
                    view! {
                        <section class="card narrow confirm">
                            <h1>"Promote"</h1>
                            <p class="question">
                                "Promote " {v.name.clone()} " from " <EnvBadge name=v.environment.clone()/>
                                " to " <EnvBadge name=to.clone()/> "?"
                            </p>
                            <PreflightSection checked/>
                            <ActionForm action=promote>
                                <input type="hidden" name="app_id" value=app_id/>
                                <input type="hidden" name="version_id" value=v.id.clone()/>
                                <input type="hidden" name="from" value=v.environment.to_string()/>
                                <OverrideBox checked=checked2/>
                                <ActionButton label="Promote" refused=refused class="primary"/>
                            </ActionForm>
                            {ask}
                            <p><a href=back>"Cancel"</a></p>
                            <ComparedSection app_id=compared_app compared against=format!("the newest version in {to}")
                                nothing=format!("Nothing to compare with: {to} holds no other version.")/>
                        </section>
                    }.into_any()
                }
            })}
        </Suspense>
    }
}
