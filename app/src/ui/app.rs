//! The document, the router and the session context every page reads.
use super::{
    audit, auth, builder, constants, data_sources, diff, editor, explain, groups, home, not_found,
    requests, runtime, shell, tokens, users, version,
};
use crate::api::auth::{get_visitor, Logout, Visitor};
use crate::error::AppError;
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Title};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{lazy_route, path, Lazy, LazyRoute, SsrMode};

/// The built stylesheet's address, in the build's hashed folder.
pub fn stylesheet_href(options: &LeptosOptions) -> String {
    format!("/{}/{}.css", options.site_pkg_dir, options.output_name)
}

pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                // The build's hashed folder (server::assets): cached for a year.
                <link rel="stylesheet" href=stylesheet_href(&options)/>
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
                    <Route path=path!("/admin/users") view={Lazy::<UsersRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/admin/groups") view={Lazy::<GroupsRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/admin/groups/:id") view={Lazy::<GroupDetailRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/admin/access") view={Lazy::<ExplainRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/admin/audit") view={Lazy::<AuditRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/data-sources") view={Lazy::<DataSourcesRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/data-sources/:id") view={Lazy::<DataSourceRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/constants") view={Lazy::<ConstantsRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/settings/tokens") view={Lazy::<TokensRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/apps/:slug") view=runtime::ReleasedAppRoute ssr=SsrMode::Async/>
                    <Route path=path!("/apps/:slug/preview") view=runtime::PreviewRoute ssr=SsrMode::Async/>
                    <Route path=path!("/build/:app_id") view={Lazy::<AppBuilderRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/build/:app_id/diff") view={Lazy::<DiffRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/build/:app_id/versions/:version_id") view={Lazy::<VersionRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/build/:app_id/versions/:version_id/edit") view={Lazy::<EditorRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/build/:app_id/versions/:version_id/promote") view={Lazy::<PromoteRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/build/:app_id/versions/:version_id/release") view={Lazy::<ReleaseRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/requests/:id") view={Lazy::<RequestRoute>::new()} ssr=SsrMode::Async/>
                </Routes>
            </shell::Shell>
            </SessionProvider>
        </Router>
    }
}

/// A page whose code the browser loads when it is first opened (built with
/// `cargo leptos build --split`): the builders' and admins' pages. The end
/// users' pages (the start page, sign-in, released apps and previews) stay
/// in the main bundle, so what an end user loads first stays small.
macro_rules! lazy_page {
    ($($route:ident => $page:path),* $(,)?) => {$(
        pub struct $route;

        #[lazy_route]
        impl LazyRoute for $route {
            fn data() -> Self {
                $route
            }

            fn view(_this: Self) -> AnyView {
                view! { <$page/> }.into_any()
            }
        }
    )*};
}

lazy_page! {
    UsersRoute => users::UsersPage,
    GroupsRoute => groups::GroupsPage,
    GroupDetailRoute => groups::GroupDetailPage,
    ExplainRoute => explain::ExplainPage,
    AuditRoute => audit::AuditLogPage,
    DataSourcesRoute => data_sources::DataSourcesRoute,
    DataSourceRoute => data_sources::DataSourceRoute,
    ConstantsRoute => constants::ConstantsRoute,
    TokensRoute => tokens::TokensPage,
    AppBuilderRoute => builder::AppBuilderPage,
    VersionRoute => version::VersionPage,
    EditorRoute => editor::EditorPage,
    PromoteRoute => version::PromotePage,
    ReleaseRoute => version::ReleasePage,
    DiffRoute => diff::DiffPage,
    RequestRoute => requests::RequestPage,
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
