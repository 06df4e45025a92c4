//! The user's own Tokens page (SPEC B5): personal access tokens for
//! scripts and CI pipelines, each shown once when made.
use super::components::{form_error, ErrorPage, Notice};
use super::shell::{Gate, Need};
use crate::api::tokens::{list_tokens, RevokeToken};
use crate::domain::token::{CreatedToken, TokenView};
use crate::error::AppError;
use leptos::prelude::*;
use leptos_meta::Title;

/// Where the page lives; its create form posts here too.
pub const TOKENS_PATH: &str = "/settings/tokens";

#[component]
pub fn TokensPage() -> impl IntoView {
    view! {
        <Title text="Access tokens"/>
        <Gate need=Need::SignedIn children=move |_| view! { <Tokens/> }/>
    }
}

/// The result of this answer's form post, if it was one. Read on the
/// server; the browser gets it with the page's data for hydration.
fn just_made() -> OnceResource<Option<Result<CreatedToken, AppError>>> {
    #[cfg(feature = "ssr")]
    let made = use_context::<crate::api::tokens::JustMade>().map(|m| m.0);
    #[cfg(not(feature = "ssr"))]
    let made = None;
    OnceResource::new(async move { made })
}

#[component]
fn Tokens() -> impl IntoView {
    let revoke = ServerAction::<RevokeToken>::new();
    let tokens = Resource::new(move || revoke.version().get(), |_| list_tokens());
    let made = just_made();
    let revoked = move || revoke.value().get();
    view! {
        <h1>"Access tokens"</h1>
        <p class="hint">
            "A token lets a script or CI pipeline use the HTTP API as you, with your access. "
            "Send it as " <code>"Authorization: Bearer <token>"</code> ". It does not open pages."
        </p>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match made.await {
                    Some(Ok(t)) => view! { <NewToken token=t/> }.into_any(),
                    Some(Err(e)) => view! {
                        <p class="notice notice-error" role="alert">{e.message}</p>
                    }.into_any(),
                    None => ().into_any(),
                }
            })}
        </Suspense>
        <section class="card">
            <h2>"Create a token"</h2>
            <form method="post" action=TOKENS_PATH class="grid-form">
                <label>"Name" <input type="text" name="name" required maxlength="100"
                    placeholder="deploy pipeline"/></label>
                <label>"Expires (UTC, optional)" <input type="datetime-local" name="expires_at"/></label>
                <button type="submit" class="primary">"Create token"</button>
            </form>
        </section>
        <Notice message=form_error(revoked)/>
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match tokens.await {
                    Ok(list) => view! { <TokenTable list revoke/> }.into_any(),
                    Err(e) => view! { <ErrorPage error=e/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn NewToken(token: CreatedToken) -> impl IntoView {
    view! {
        <section class="card notice-ok" role="status" data-testid="new-token">
            <h2>"Token “" {token.name} "” created"</h2>
            <p>"Copy it now: it is shown only this once."</p>
            <p><code class="token-value" data-testid="token-value">{token.token}</code></p>
        </section>
    }
}

#[component]
fn TokenTable(list: Vec<TokenView>, revoke: ServerAction<RevokeToken>) -> impl IntoView {
    if list.is_empty() {
        return view! { <p class="empty">"You have no access tokens."</p> }.into_any();
    }
    let never = || "never".to_string();
    view! {
        <table class="tokens">
            <thead><tr><th>"Name"</th><th>"Created"</th><th>"Expires"</th><th>"Last used"</th><th></th></tr></thead>
            <tbody>
                {list.into_iter().map(|t| view! {
                    <tr data-token=t.name.clone()>
                        <td>{t.name.clone()}</td>
                        <td>{t.created_at.clone()}</td>
                        <td>{t.expires_at.clone().unwrap_or_else(never)}</td>
                        <td>{t.last_used_at.clone().unwrap_or_else(never)}</td>
                        <td>
                            <ActionForm action=revoke attr:class="inline">
                                <input type="hidden" name="id" value=t.id.clone()/>
                                <button type="submit" class="danger"
                                    title="It stops working at once">"Revoke"</button>
                            </ActionForm>
                        </td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}
