//! The builder's app page: the environment switcher, the versions listed in
//! the chosen environment (V9) and the actions on each, and the app-wide
//! settings (P11: rename, slug, public, delete), each disabled with the
//! reason the server would refuse with (the same domain function).
use super::components::{field_error, form_error, EnvBadge, ErrorPage, FieldMessage, Notice};
use super::requests::RequestsSection;
use super::shell::{Gate, Need};
use crate::api::apps::{load_app_page, DeleteApp, DeleteVersion, SaveVersion, UpdateApp};
use crate::domain::access::{Access, AppChange};
use crate::domain::app::{AppPage, VersionRow};
use crate::domain::environment::{colour_class, Environment};
use crate::domain::lifecycle::{refusal, VersionAction, VersionFacts, VersionStatus};
use crate::domain::request::{ask_refusal, RequestAction};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

/// The facts of the lifecycle rules about `row`.
fn facts(row: &VersionRow, count: usize) -> VersionFacts<'_> {
    let v = &row.version;
    VersionFacts {
        status: v.status,
        environment: &v.environment,
        released: v.released,
        versions_in_app: count,
    }
}

/// Why `action` is refused for `row`, for a disabled button's title.
pub fn reason(
    action: VersionAction,
    row: &VersionRow,
    access: &Access,
    envs: &[Environment],
    count: usize,
) -> Option<String> {
    refusal(action, &facts(row, count), access, envs).map(|e| e.message)
}

/// Whether the caller may ask someone for `action` on `row` (B7): the
/// place of a button they may not press offers the request instead.
pub fn askable(
    action: RequestAction,
    row: &VersionRow,
    access: &Access,
    envs: &[Environment],
    count: usize,
) -> bool {
    ask_refusal(action, &facts(row, count), access, envs).is_none()
}

/// A submit button, disabled with its reason when refused.
#[component]
pub fn ActionButton(
    label: &'static str,
    refused: Option<String>,
    #[prop(optional)] class: &'static str,
) -> impl IntoView {
    let title = refused.clone().unwrap_or_else(|| label.to_string());
    view! { <button type="submit" class=class disabled=refused.is_some() title=title>{label}</button> }
}

/// A link styled as a button, or a disabled button with the reason.
#[component]
pub fn ActionLink(label: &'static str, href: String, refused: Option<String>) -> impl IntoView {
    match refused {
        Some(r) => {
            view! { <button type="button" disabled=true title=r>{label}</button> }.into_any()
        }
        None => view! { <a class="button" href=href>{label}</a> }.into_any(),
    }
}

#[component]
pub fn EnvSwitcher(
    app_id: String,
    envs: Vec<Environment>,
    #[prop(into)] current: String,
    access: Access,
) -> impl IntoView {
    view! {
        <nav class="env-switcher" aria-label="Environment">
            {envs.into_iter().map(|e| {
                let active = e.name == current;
                let allowed = access.has(&e.name);
                let class = format!("env-tab {}{}", colour_class(&e.name), if active { " active" } else { "" });
                let href = format!("/build/{app_id}?env={}", e.name);
                if allowed {
                    view! { <a class=class href=href aria-current=active.then_some("page")>{e.name.to_string()}</a> }.into_any()
                } else {
                    view! { <span class=format!("{class} disabled") title=format!("You do not have access to {}", e.name)>{e.name.to_string()}</span> }.into_any()
                }
            }).collect_view()}
        </nav>
    }
}

#[component]
pub fn AppBuilderPage() -> impl IntoView {
    view! {
        <Title text="App"/>
        <Gate need=Need::SignedIn children=move |_| view! { <AppBuilder/> }/>
    }
}

#[component]
fn AppBuilder() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let save = ServerAction::<SaveVersion>::new();
    let delete = ServerAction::<DeleteVersion>::new();
    let settings = Settings {
        rename: ServerAction::new(),
        publish: ServerAction::new(),
        remove: ServerAction::new(),
    };
    let page = Resource::new(
        move || {
            (
                params.read().get("app_id").unwrap_or_default(),
                // Empty: the server opens the first environment the user has.
                query.read().get("env").unwrap_or_default(),
                save.version().get(),
                delete.version().get(),
                // A deleted app is left for the start page, not reloaded.
                (
                    settings.rename.version().get(),
                    settings.publish.version().get(),
                ),
            )
        },
        |(app_id, env, _, _, _)| load_app_page(app_id, env),
    );
    view! {
        <Notice message=form_error(move || save.value().get())/>
        <Notice message=form_error(move || delete.value().get())/>
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(p) => view! { <AppView page=p save delete settings/> }.into_any(),
                    Err(e) => view! { <ErrorPage error=e/> }.into_any(),
                }
            })}
        </Suspense>
        <RequestsSection app_id=params.read_untracked().get("app_id").unwrap_or_default()/>
        <ReleaseHistory app_id=Signal::derive(move || params.read().get("app_id").unwrap_or_default())/>
    }
}

/// B4: every release, newest first; an older one can be released again
/// (a rollback, V7) through the release confirmation and its diff.
#[component]
fn ReleaseHistory(app_id: Signal<String>) -> impl IntoView {
    let releases = Resource::new(move || app_id.get(), crate::api::apps::load_releases);
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                // Without access to the versions there is no history to show.
                let Ok(list) = releases.await else {
                    return ().into_any();
                };
                let app = app_id.get_untracked();
                let current = list.first().map(|r| r.version_id.clone());
                view! {
                    <section class="card releases" data-testid="releases">
                        <h2>"Releases"</h2>
                        {if list.is_empty() {
                            view! { <p class="muted">"Never released."</p> }.into_any()
                        } else {
                            view! {
                                <table class="release-history">
                                    <thead><tr><th>"Version"</th><th>"Released by"</th><th>"When"</th><th>"Note"</th><th></th></tr></thead>
                                    <tbody>
                                        {list.into_iter().map(|r| {
                                            let live = Some(&r.version_id) == current.as_ref();
                                            let href = format!("/build/{app}/versions/{}/release", r.version_id);
                                            view! {
                                                <tr data-release=r.version_name.clone()>
                                                    <td>{r.version_name.clone()}</td>
                                                    <td>{r.released_by.clone()}</td>
                                                    <td><small>{r.released_at.clone()}</small></td>
                                                    <td>{r.note.clone()}</td>
                                                    <td>{if live {
                                                        view! { <span class="released-marker">"released"</span> }.into_any()
                                                    } else {
                                                        view! { <a class="button" href=href>"Roll back to this"</a> }.into_any()
                                                    }}</td>
                                                </tr>
                                            }
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            }.into_any()
                        }}
                    </section>
                }
                .into_any()
            })}
        </Suspense>
    }
}

/// The actions of the app-wide settings (P11).
#[derive(Clone, Copy)]
struct Settings {
    rename: ServerAction<UpdateApp>,
    publish: ServerAction<UpdateApp>,
    remove: ServerAction<DeleteApp>,
}

#[component]
fn AppView(
    page: AppPage,
    save: ServerAction<SaveVersion>,
    delete: ServerAction<DeleteVersion>,
    settings: Settings,
) -> impl IntoView {
    let AppPage {
        app,
        access,
        envs,
        environment,
        versions,
        version_count,
    } = page;
    let app_id = app.id.clone();
    let editable_here = environment == crate::domain::lifecycle::DEVELOPMENT;
    // P11: the same reasons the server refuses with.
    let rename_refused = access.app_wide_denial(AppChange::Rename, &envs);
    let publish_refused = access.app_wide_denial(AppChange::Publish, &envs);
    let delete_app_refused = access.app_wide_denial(AppChange::Delete, &envs);
    let settings_app_id = app_id.clone();
    let rows = versions
        .into_iter()
        .map(|row| {
            let r = |a| reason(a, &row, &access, &envs, version_count);
            let ask = |a| askable(a, &row, &access, &envs, version_count);
            let (save_refused, promote_refused, release_refused, delete_refused) = (
                r(VersionAction::Save),
                r(VersionAction::Promote),
                r(VersionAction::Release),
                r(VersionAction::Delete),
            );
            let v = row.version.clone();
            let (app_a, app_b, id_a, id_b) = (app_id.clone(), app_id.clone(), v.id.clone(), v.id.clone());
            let base = format!("/build/{}/versions/{}", app_id, v.id);
            let status = if v.status == VersionStatus::Draft { "draft" } else { "saved" };
            view! {
                <tr data-version=v.name.clone()>
                    <td><a href=base.clone()>{v.name.clone()}</a>
                        {v.released.then(|| view! { <span class="released-marker" title="Released to end users">"released"</span> })}
                    </td>
                    <td class=format!("status-{status}")>{status}</td>
                    <td><EnvBadge name=v.environment.clone()/></td>
                    <td>{row.created_by_name.clone()}<br/><small>{v.created_at.clone()}</small></td>
                    <td>{row.parent_name.clone().unwrap_or_else(|| "–".into())}</td>
                    <td class="actions">
                        <ActionForm action=save attr:class="inline">
                            <input type="hidden" name="app_id" value=app_a/>
                            <input type="hidden" name="version_id" value=id_a/>
                            <ActionButton label="Save" refused=save_refused/>
                        </ActionForm>
                        {if ask(RequestAction::Promote) {
                            view! { <a class="button" href=format!("{base}/promote") data-testid="ask-promote">"Request promotion"</a> }.into_any()
                        } else {
                            view! { <ActionLink label="Promote" href=format!("{base}/promote") refused=promote_refused/> }.into_any()
                        }}
                        {if ask(RequestAction::Release) {
                            view! { <a class="button" href=format!("{base}/release") data-testid="ask-release">"Request release"</a> }.into_any()
                        } else {
                            view! { <ActionLink label="Release" href=format!("{base}/release") refused=release_refused/> }.into_any()
                        }}
                        <ActionForm action=delete attr:class="inline">
                            <input type="hidden" name="app_id" value=app_b/>
                            <input type="hidden" name="version_id" value=id_b/>
                            <ActionButton label="Delete" class="danger" refused=delete_refused/>
                        </ActionForm>
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <h1>{app.name.clone()} <small class="slug">"/" {app.slug.clone()}</small></h1>
        <EnvSwitcher app_id=app_id.clone() envs=envs.clone() current=environment.clone() access=access.clone()/>
        <div class=format!("env-banner {}", colour_class(&environment))>
            {if editable_here {
                "Development: drafts are edited here.".to_string()
            } else {
                format!("{environment}: versions here are read-only; they are edited only in development.")
            }}
        </div>
        <table class="versions">
            <thead><tr><th>"Version"</th><th>"Status"</th><th>"Environment"</th><th>"Created"</th><th>"From"</th><th></th></tr></thead>
            <tbody>{rows}</tbody>
        </table>
        <AppSettings
            app_id=settings_app_id
            name=app.name.clone()
            slug=app.slug.clone()
            public=app.public
            rename_refused
            publish_refused
            delete_refused=delete_app_refused
            settings
        />
    }
}

/// Rename, slug, public and delete: changes to the app in every
/// environment at once (P11), disabled with the reason when refused.
#[component]
fn AppSettings(
    app_id: String,
    name: String,
    slug: String,
    public: bool,
    rename_refused: Option<String>,
    publish_refused: Option<String>,
    delete_refused: Option<String>,
    settings: Settings,
) -> impl IntoView {
    let Settings {
        rename,
        publish,
        remove,
    } = settings;
    let (id_a, id_b, id_c) = (app_id.clone(), app_id.clone(), app_id);
    let locked = rename_refused.is_some();
    let make_public = (!public).to_string();
    let (publish_label, visibility) = if public {
        (
            "Make private",
            "Public: end users open the released app without signing in.",
        )
    } else {
        (
            "Make public",
            "Private: end users sign in to open the released app.",
        )
    };
    view! {
        <section class="card app-settings">
            <h2>"App settings"</h2>
            <p class="muted">"These change the app in every environment at once."</p>
            <ActionForm action=rename attr:class="grid-form">
                <Notice message=form_error(move || rename.value().get())/>
                <input type="hidden" name="app_id" value=id_a/>
                <label>"Name" <input type="text" name="name" value=name required disabled=locked/></label>
                <FieldMessage message=field_error(move || rename.value().get(), "name")/>
                <label>"Slug" <input type="text" name="slug" value=slug required disabled=locked/></label>
                <FieldMessage message=field_error(move || rename.value().get(), "slug")/>
                <ActionButton label="Rename app" refused=rename_refused/>
            </ActionForm>
            <p class="visibility">{visibility}</p>
            <ActionForm action=publish attr:class="inline">
                <Notice message=form_error(move || publish.value().get())/>
                <input type="hidden" name="app_id" value=id_b/>
                <input type="hidden" name="public" value=make_public/>
                <ActionButton label=publish_label refused=publish_refused/>
            </ActionForm>
            <ActionForm action=remove attr:class="inline">
                <Notice message=form_error(move || remove.value().get())/>
                <input type="hidden" name="app_id" value=id_c/>
                <ActionButton label="Delete app" class="danger" refused=delete_refused/>
            </ActionForm>
        </section>
    }
}
