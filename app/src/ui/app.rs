//! The document, the router and the session context every page reads.
use super::{
    audit, auth, builder, constants, data_sources, editor, explain, groups, home, not_found,
    runtime, shell, tokens, users, version,
};
use crate::api::auth::{get_visitor, Logout, Visitor};
use crate::error::AppError;
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Title};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{path, SsrMode};

pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                // The build's hashed name (server::assets): cached for a year.
                <link rel="stylesheet" href=format!("/{}/{}.css", options.site_pkg_dir, options.output_name)/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// The visitor, fetched again on every navigation (sign-in and setup end
/// in one) and after signing out.
#[derive(Clone, Copy)]
pub struct SessionContext {
    pub visitor: Resource<Result<Visitor, AppError>>,
    pub logout: ServerAction<Logout>,
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Title formatter=|page: String| if page.is_empty() { "Stagecraft".to_string() } else { format!("{page} · Stagecraft") }/>
        <Router>
            <SessionProvider>
            <shell::Shell>
                // Async: a page is rendered whole before it is sent, so a
                // redirect or a 404 status can still be set (JavaScript off).
                <Routes fallback=not_found::NotFound>
                    <Route path=path!("/") view=home::HomePage ssr=SsrMode::Async/>
                    <Route path=path!("/setup") view=auth::SetupPage ssr=SsrMode::Async/>
                    <Route path=path!("/login") view=auth::LoginPage ssr=SsrMode::Async/>
                    <Route path=path!("/admin/users") view=users::UsersPage ssr=SsrMode::Async/>
                    <Route path=path!("/admin/groups") view=groups::GroupsPage ssr=SsrMode::Async/>
                    <Route path=path!("/admin/groups/:id") view=groups::GroupDetailPage ssr=SsrMode::Async/>
                    <Route path=path!("/admin/access") view=explain::ExplainPage ssr=SsrMode::Async/>
                    <Route path=path!("/admin/audit") view=audit::AuditLogPage ssr=SsrMode::Async/>
                    <Route path=path!("/data-sources") view=data_sources::DataSourcesRoute ssr=SsrMode::Async/>
                    <Route path=path!("/data-sources/:id") view=data_sources::DataSourceRoute ssr=SsrMode::Async/>
                    <Route path=path!("/constants") view=constants::ConstantsRoute ssr=SsrMode::Async/>
                    <Route path=path!("/settings/tokens") view=tokens::TokensPage ssr=SsrMode::Async/>
                    <Route path=path!("/apps/:slug") view=runtime::ReleasedAppRoute ssr=SsrMode::Async/>
                    <Route path=path!("/apps/:slug/preview") view=runtime::PreviewRoute ssr=SsrMode::Async/>
                    <Route path=path!("/build/:app_id") view=builder::AppBuilderPage ssr=SsrMode::Async/>
                    <Route path=path!("/build/:app_id/versions/:version_id") view=version::VersionPage ssr=SsrMode::Async/>
                    <Route path=path!("/build/:app_id/versions/:version_id/edit") view=editor::EditorPage ssr=SsrMode::Async/>
                    <Route path=path!("/build/:app_id/versions/:version_id/promote") view=version::PromotePage ssr=SsrMode::Async/>
                    <Route path=path!("/build/:app_id/versions/:version_id/release") view=version::ReleasePage ssr=SsrMode::Async/>
                </Routes>
            </shell::Shell>
            </SessionProvider>
        </Router>
    }
}

/// Inside the router, so the visitor can follow navigation.
#[component]
fn SessionProvider(children: Children) -> impl IntoView {
    let logout = ServerAction::<Logout>::new();
    let path = leptos_router::hooks::use_location().pathname;
    let visitor = Resource::new(
        move || (path.get(), logout.version().get()),
        |_| get_visitor(),
    );
    provide_context(SessionContext { visitor, logout });
    children()
}
