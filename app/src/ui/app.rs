//! The document, the router and the session context every page reads.
use super::{auth, home, not_found, shell, users};
use crate::api::auth::{get_visitor, Login, Logout, Setup, Visitor};
use crate::error::AppError;
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet, Title};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{path, SsrMode};

pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// The visitor and the actions that change who they are. Pages read the
/// visitor from here; it is fetched again whenever one of the actions runs.
#[derive(Clone, Copy)]
pub struct SessionContext {
    pub visitor: Resource<Result<Visitor, AppError>>,
    pub setup: ServerAction<Setup>,
    pub login: ServerAction<Login>,
    pub logout: ServerAction<Logout>,
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    let setup = ServerAction::<Setup>::new();
    let login = ServerAction::<Login>::new();
    let logout = ServerAction::<Logout>::new();
    let visitor = Resource::new(
        move || (setup.version().get(), login.version().get(), logout.version().get()),
        |_| get_visitor(),
    );
    provide_context(SessionContext { visitor, setup, login, logout });

    view! {
        <Stylesheet id="leptos" href="/pkg/stagecraft.css"/>
        <Title formatter=|page: String| if page.is_empty() { "Stagecraft".to_string() } else { format!("{page} · Stagecraft") }/>
        <Router>
            <shell::Shell>
                // Async: a page is rendered whole before it is sent, so a
                // redirect or a 404 status can still be set (JavaScript off).
                <Routes fallback=not_found::NotFound>
                    <Route path=path!("/") view=home::HomePage ssr=SsrMode::Async/>
                    <Route path=path!("/setup") view=auth::SetupPage ssr=SsrMode::Async/>
                    <Route path=path!("/login") view=auth::LoginPage ssr=SsrMode::Async/>
                    <Route path=path!("/admin/users") view=users::UsersPage ssr=SsrMode::Async/>
                </Routes>
            </shell::Shell>
        </Router>
    }
}
