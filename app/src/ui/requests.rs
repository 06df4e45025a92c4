//! Promotion requests (B7): the form that asks, in the place of a button
//! the caller may not press; the lists on the dashboard and the app page;
//! and a request's own page, where whoever holds the right reads the diff
//! and pre-flight and approves or declines.
use super::components::{field_error, form_error, EnvBadge, ErrorPage, FieldMessage, Notice};
use super::diff::ComparedSection;
use super::preflight::{refusal, OverrideBox, PreflightSection};
use super::shell::{Gate, Need};
use crate::api::requests::{
    load_request, load_requests, ApproveRequest, CreateRequest, DeclineRequest,
};
use crate::domain::request::{PromotionRequest, RequestAction, RequestState, RequestsPanel};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

fn verb(action: RequestAction) -> &'static str {
    match action {
        RequestAction::Promote => "promotion",
        RequestAction::Release => "release",
    }
}

/// Asks for a promote or release the caller may not do themselves.
#[component]
pub fn AskForm(
    app_id: String,
    version_id: String,
    action: RequestAction,
    #[prop(into)] from: String,
) -> impl IntoView {
    let ask = ServerAction::<CreateRequest>::new();
    view! {
        <section class="card ask" data-testid="ask">
            <h2>{format!("Ask for a {}", verb(action))}</h2>
            <p class="muted">"Someone who holds the permission will read the changes and approve or decline."</p>
            <ActionForm action=ask>
                <Notice message=form_error(move || ask.value().get())/>
                <input type="hidden" name="app_id" value=app_id/>
                <input type="hidden" name="version_id" value=version_id/>
                <input type="hidden" name="action" value=action.as_str()/>
                <input type="hidden" name="from" value=from/>
                <label>"Message (optional)" <textarea name="message" rows="3" maxlength="500"></textarea></label>
                <FieldMessage message=field_error(move || ask.value().get(), "message")/>
                <button type="submit" class="primary">{format!("Request {}", verb(action))}</button>
            </ActionForm>
        </section>
    }
}

fn request_row(r: PromotionRequest) -> impl IntoView {
    let state = r.state.as_str();
    view! {
        <tr data-request=r.id.clone() data-state=state>
            <td><a href=format!("/requests/{}", r.id)>{r.app_name.clone()} " " {r.version_name.clone()}</a></td>
            <td>{r.action.as_str()} " from " <EnvBadge name=r.from.clone()/></td>
            <td>{r.requested_by.clone()}<br/><small>{r.requested_at.clone()}</small></td>
            <td class=format!("request-{state}")>{state}
                {r.decided_by.clone().map(|d| view! { <br/><small>"by " {d}</small> })}
                {r.reason.clone().map(|why| view! { <br/><small class="reason">{why}</small> })}
            </td>
            <td>{r.message.clone()}</td>
        </tr>
    }
}

fn request_table(list: Vec<PromotionRequest>) -> impl IntoView {
    view! {
        <table class="requests">
            <thead><tr><th>"Version"</th><th>"Asks"</th><th>"By"</th><th>"State"</th><th>"Message"</th></tr></thead>
            <tbody>{list.into_iter().map(request_row).collect_view()}</tbody>
        </table>
    }
}

/// The open requests the caller may decide and their own; nothing when
/// there are none.
#[component]
pub fn RequestsLists(panel: RequestsPanel) -> impl IntoView {
    view! {
        {(!panel.to_decide.is_empty()).then(|| view! {
            <section class="card" data-testid="requests-to-decide">
                <h2>"Requests waiting for you"</h2>
                {request_table(panel.to_decide)}
            </section>
        })}
        {(!panel.mine.is_empty()).then(|| view! {
            <section class="card" data-testid="my-requests">
                <h2>"Your requests"</h2>
                {request_table(panel.mine)}
            </section>
        })}
    }
}

/// The requests of one app, on its page (the dashboard carries its own
/// with the rest of its data).
#[component]
pub fn RequestsSection(app_id: String) -> impl IntoView {
    let panel = Resource::new(move || app_id.clone(), |a| load_requests(Some(a)));
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match panel.await {
                    Ok(panel) => view! { <RequestsLists panel/> }.into_any(),
                    Err(_) => ().into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
pub fn RequestPage() -> impl IntoView {
    view! {
        <Title text="Request"/>
        <Gate need=Need::SignedIn children=move |_| view! { <RequestDetail/> }/>
    }
}

#[component]
fn RequestDetail() -> impl IntoView {
    let params = use_params_map();
    let id = Memo::new(move |_| params.read().get("id").unwrap_or_default());
    let approve = ServerAction::<ApproveRequest>::new();
    let decline = ServerAction::<DeclineRequest>::new();
    let data = Resource::new(
        move || (id.get(), approve.version().get(), decline.version().get()),
        |(id, _, _)| load_request(id),
    );
    view! {
        <Notice message=form_error(move || approve.value().get())/>
        <Notice message=form_error(move || decline.value().get())/>
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                let page = match data.await {
                    Ok(p) => p,
                    Err(e) => return view! { <ErrorPage error=e/> }.into_any(),
                };
                let r = page.request;
                let state = r.state;
                let release = r.action == RequestAction::Release;
                let title = format!("{} of {} {}", verb(r.action), r.app_name, r.version_name);
                let decision = match (state, page.decidable, page.confirmation) {
                    (RequestState::Open, true, Some(c)) => {
                        let refused = refusal(&c.preflight);
                        let checked = c.preflight.clone();
                        let (i1, i2) = (r.id.clone(), r.id.clone());
                        let against = if release { "the released version".to_string() } else { "the newest version there".to_string() };
                        view! {
                            <PreflightSection checked=c.preflight/>
                            <ActionForm action=approve>
                                <input type="hidden" name="id" value=i1/>
                                <OverrideBox checked/>
                                <button type="submit" class="primary" disabled=refused.is_some() title=refused.clone().unwrap_or_default()>
                                    {if release { "Approve and release" } else { "Approve and promote" }}</button>
                            </ActionForm>
                            <ActionForm action=decline attr:class="grid-form">
                                <input type="hidden" name="id" value=i2/>
                                <label>"Reason" <input type="text" name="reason" required maxlength="500"/></label>
                                <FieldMessage message=field_error(move || decline.value().get(), "reason")/>
                                <button type="submit" class="danger">"Decline"</button>
                            </ActionForm>
                            <ComparedSection app_id=r.app_id.clone() compared=c.compared against
                                nothing="Nothing to compare with.".into()/>
                        }.into_any()
                    }
                    (RequestState::Open, _, c) => view! {
                        <p class="muted" data-testid="waiting">
                            {format!("Waiting for someone with the {} permission.", if release { "Release" } else { "Promote" })}
                        </p>
                        {c.map(|c| view! {
                            <PreflightSection checked=c.preflight/>
                            <ComparedSection app_id=r.app_id.clone() compared=c.compared against="what it replaces".into()
                                nothing="Nothing to compare with.".into()/>
                        })}
                    }.into_any(),
                    (_, _, _) => view! {
                        <p class=format!("notice request-{}", state.as_str()) data-testid="outcome">
                            {format!("{} by {}", if state == RequestState::Approved { "Approved" } else { "Declined" },
                                r.decided_by.clone().unwrap_or_default())}
                            {r.decided_at.clone().map(|at| format!(" on {at}"))}
                            {r.reason.clone().map(|why| format!(": {why}"))}
                        </p>
                    }.into_any(),
                };
                view! {
                    <p><a href=format!("/build/{}", r.app_id)>"← " {r.app_name.clone()}</a></p>
                    <h1>{title}</h1>
                    <p>"Asked by " {r.requested_by.clone()} " on " {r.requested_at.clone()}
                        " to " {r.action.as_str()} " from " <EnvBadge name=r.from.clone()/>
                        " (" <span data-testid="request-state">{state.as_str()}</span> ")"</p>
                    {(!r.message.is_empty()).then(|| view! { <blockquote>{r.message.clone()}</blockquote> })}
                    <p><a href=format!("/build/{}/versions/{}", r.app_id, r.version_id)>"Open the version"</a></p>
                    {decision}
                }.into_any()
            })}
        </Suspense>
    }
}
