//! The frame around every page: navigation, the signed-in user, sign-out,
//! and the gate that sends visitors where they belong.
use super::app::SessionContext;
use super::components::ErrorPage;
use crate::api::auth::Visitor;
use crate::domain::user::{Role, User};
use crate::error::AppError;
use leptos::prelude::*;
use leptos_router::components::{Redirect, A};

#[component]
pub fn Shell(children: Children) -> impl IntoView {
    let s = expect_context::<SessionContext>();
    let user_nav = move || {
        Suspend::new(async move {
            let visitor = s.visitor.await.ok();
            let lists_shared = visitor.as_ref().is_some_and(|v| v.lists_shared);
            visitor.and_then(|v| v.user).map(|u| {
                let admin = u.role == Role::Admin;
                view! {
                    {admin.then(|| view! { <A href="/admin/users">"Users"</A> <A href="/admin/groups">"Groups"</A> <A href="/admin/access">"Explain access"</A> <A href="/admin/audit">"Audit"</A> })}
                    {lists_shared.then(|| view! { <A href="/data-sources">"Data sources"</A> <A href="/constants">"Constants"</A> })}
                    <A href="/settings/tokens">"Tokens"</A>
                    <span class="whoami" data-testid="whoami">
                        {u.name.clone()} <span class="role">{u.role.label()}</span>
                    </span>
                    <ActionForm action=s.logout attr:class="inline">
                        <button type="submit" class="link">"Sign out"</button>
                    </ActionForm>
                }
            })
        })
    };
    // A released app is its users' own page: no builder chrome (R5).
    let path = leptos_router::hooks::use_location().pathname;
    let bare = move || {
        let p = path.get();
        p.starts_with("/apps/") && !p.ends_with("/preview")
    };
    let children = children();
    view! {
        <Show when=move || !bare()>
            <header class="topbar">
                <a class="brand" href="/">"Stagecraft"</a>
                <nav>
                    <Suspense fallback=|| ()>{user_nav}</Suspense>
                </nav>
            </header>
        </Show>
        <main class="page">{children}</main>
    }
}

/// What a page needs of its visitor before it shows.
#[derive(Clone, Copy, PartialEq)]
pub enum Need {
    /// Only before the first admin exists.
    SetupPending,
    /// A visitor who is not signed in.
    SignedOut,
    SignedIn,
    Admin,
}

/// Renders `children` with the user once the visitor is who the page needs,
/// and otherwise redirects (or explains, for a non-admin on an admin page).
#[component]
pub fn Gate<F, V>(need: Need, children: F) -> impl IntoView
where
    F: Fn(Option<User>) -> V + Send + Sync + Clone + 'static,
    V: IntoView + 'static,
{
    let s = expect_context::<SessionContext>();
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {
                let children = children.clone();
                move || {
                    let children = children.clone();
                    Suspend::new(async move {
                        match s.visitor.await {
                            Err(e) => view! { <ErrorPage error=e/> }.into_any(),
                            Ok(v) => gate(need, v, children),
                        }
                    })
                }
            }
        </Suspense>
    }
}

fn gate<F, V>(need: Need, v: Visitor, children: F) -> AnyView
where
    F: Fn(Option<User>) -> V,
    V: IntoView + 'static,
{
    let to = |path: &'static str| view! { <Redirect path=path/> }.into_any();
    match (need, v.setup_needed, v.user) {
        (Need::SetupPending, true, _) => children(None).into_any(),
        (Need::SetupPending, false, _) => to("/login"),
        (_, true, _) => to("/setup"),
        (Need::SignedOut, false, None) => children(None).into_any(),
        (Need::SignedOut, false, Some(_)) => to("/"),
        (_, false, None) => to("/login"),
        (Need::Admin, false, Some(u)) if u.role != Role::Admin => view! {
            <ErrorPage error=AppError::forbidden("Only admins can manage users.")/>
        }
        .into_any(),
        (_, false, Some(u)) => children(Some(u)).into_any(),
    }
}
