//! The Stagecraft server: configuration, start-up, the router (pages,
//! server functions, `/api/v1`, static files), sessions and shutdown.
pub mod admin_cli;
pub mod api_docs;
pub mod app_form;
pub mod assets;
pub mod cache_guard;
pub mod client_address;
pub mod config;
pub mod data_source_form;
pub mod held_pages;
pub mod listener;
pub mod origin;
pub mod page_post;
pub mod query_form;
pub mod released_page;
pub mod rest;
pub mod security_headers;
pub mod server_fn_status;
pub mod sessions;
pub mod setup_host;
pub mod state;
pub mod telemetry;
pub mod token_form;

use app::backend::{passwords, Db};
use app::{shell, App};
use axum::Router;
use config::Settings;
use leptos::prelude::*;
use leptos_axum::{generate_route_list_with_exclusions, LeptosRoutes};
use state::AppState;
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};

/// Opens the database of `settings` (creating the data folder for the
/// SQLite default) and brings it up to date: for serving and for the admin
/// commands alike.
pub async fn open_database(settings: &Settings) -> Result<Db, String> {
    if settings.database_url().starts_with("sqlite:") {
        std::fs::create_dir_all(&settings.data_dir).map_err(|e| {
            format!(
                "cannot create data folder {}: {e}",
                settings.data_dir.display()
            )
        })?;
    }
    let mut db = Db::connect(settings.database_url())
        .await
        .map_err(|e| format!("cannot open the database: {e}"))?;
    db.parts_mut().clock = settings.clock.clone();
    db.migrate()
        .await
        .map_err(|e| format!("migrations failed: {e}"))?;
    Ok(db)
}

/// The master key of `settings` (`STAGECRAFT_MASTER_KEY` or the data
/// folder's key file), checked against `db`. Only the server needs it: the
/// operator's `server admin` commands touch no secret and make no key file.
async fn unlock_secrets(settings: &Settings, mut db: Db) -> Result<Db, String> {
    use app::backend::secrets;
    let source = match &settings.master_key {
        Some(_) => secrets::KEY_SETTING.to_string(),
        None => format!(
            "the key file {}",
            settings.data_dir.join(secrets::KEY_FILE).display()
        ),
    };
    let key = secrets::load_or_create(settings.master_key.as_ref(), &settings.data_dir)?;
    secrets::check(&db, &key, &source).await?;
    db.parts_mut().master_key = Some(std::sync::Arc::new(key));
    db.parts_mut().pools = std::sync::Arc::new(app::backend::runner::Pools::new(
        settings.datasource_dir(),
        app::backend::runner::Egress::new(settings.egress.clone(), settings.database_url()),
    ));
    Ok(db)
}

use axum::extract::{Path, Query, Request};

/// The released app's address (R5).
const RELEASED_APP_PATH: &str = "/apps/{slug}";

/// The pages the router serves, found once per process. Finding them runs
/// the app with resource loading switched off process-wide (leptos_router's
/// `SuppressResourceLoad` is one global flag), and a page whose data began
/// loading on another thread in that moment waits forever (leptos issue
/// #4773): a server finds them before it serves, but a second server in the
/// same process (the tests run dozens) must never find them again.
fn page_routes() -> Vec<leptos_axum::AxumRouteListing> {
    static ROUTES: std::sync::OnceLock<Vec<leptos_axum::AxumRouteListing>> =
        std::sync::OnceLock::new();
    ROUTES
        .get_or_init(|| {
            // Released apps are served by `released_page`, outside the
            // reactive runtime; the router knows the path only to load such
            // a page whole.
            generate_route_list_with_exclusions(App, Some(vec![RELEASED_APP_PATH.to_string()]))
        })
        .clone()
}

/// Connects, migrates and builds the whole router for `settings`.
pub async fn build(settings: &Settings) -> Result<Router, String> {
    let db = unlock_secrets(settings, open_database(settings).await?).await?;
    app::backend::cache::watch(&db, settings.database_url(), settings.changes_poll);
    let store = sessions::Store::new(db.clone(), time::Duration::hours(settings.session_hours));
    store.spawn_cleanup();
    tokio::task::spawn_blocking(passwords::warm_up);

    let mut leptos_options = get_configuration(None)
        .map_err(|e| e.to_string())?
        .leptos_options;
    leptos_options.site_addr = settings.site_addr;
    let (assets, versioned_dir) =
        assets::Assets::load(&leptos_options.site_root, &leptos_options.site_pkg_dir);
    leptos_options.site_pkg_dir = versioned_dir.into();
    let state = AppState {
        db: db.clone(),
        leptos_options: leptos_options.clone(),
    };

    let session_layer = SessionManagerLayer::new(store)
        .with_name("stagecraft_session")
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(settings.secure_cookies())
        .with_expiry(Expiry::OnInactivity(time::Duration::hours(
            settings.session_hours,
        )));

    let routes = page_routes();
    let released = released_page::Released {
        db: db.clone(),
        stylesheet: app::ui::app::stylesheet_href(&leptos_options).into(),
    };
    let context = {
        let db = db.clone();
        move || provide_context(db.clone())
    };
    let public_origin = settings.public_url.as_deref().and_then(origin::origin_of);

    let router = Router::new()
        .nest("/api/v1", rest::router())
        .route("/api/docs", axum::routing::get(api_docs::page))
        .leptos_routes_with_context(&state, routes, context.clone(), {
            let options = leptos_options.clone();
            move || shell(options.clone())
        })
        .route(
            app::ui::tokens::TOKENS_PATH,
            axum::routing::post({
                let (db, options) = (db.clone(), leptos_options.clone());
                move |req: axum::extract::Request| {
                    token_form::create(db.clone(), options.clone(), req)
                }
            }),
        )
        .route(
            "/build/{app_id}/versions/{version_id}",
            axum::routing::post({
                let (db, options) = (db.clone(), leptos_options.clone());
                move |path, req: axum::extract::Request| {
                    query_form::run(db.clone(), options.clone(), path, req)
                }
            }),
        )
        .route(
            "/data-sources/{id}",
            axum::routing::post({
                let (db, options) = (db.clone(), leptos_options.clone());
                move |path, req: axum::extract::Request| {
                    data_source_form::test(db.clone(), options.clone(), path, req)
                }
            }),
        )
        // Leptos's router would match the address with a trailing slash.
        .route(
            "/apps/{slug}/",
            axum::routing::get(|Path(slug): Path<String>, req: Request| async move {
                let query = req
                    .uri()
                    .query()
                    .map(|q| format!("?{q}"))
                    .unwrap_or_default();
                axum::response::Redirect::permanent(&format!("/apps/{slug}{query}"))
            }),
        )
        .route(RELEASED_APP_PATH, {
            let page =
                move |path: Path<String>, query: Query<released_page::PageQuery>, req: Request| {
                    released_page::page(released.clone(), path, query, req)
                };
            axum::routing::get(page.clone()).post(page)
        })
        .route(
            "/apps/{slug}/preview",
            axum::routing::post({
                let (db, options) = (db.clone(), leptos_options.clone());
                move |req: axum::extract::Request| app_form::post(db.clone(), options.clone(), req)
            }),
        )
        .fallback(not_found(
            context,
            leptos_options.clone(),
            held_pages::Pages::new(db.clone(), http::StatusCode::NOT_FOUND, 64),
        ))
        .with_state(state)
        .layer(axum::middleware::from_fn(
            server_fn_status::use_error_status,
        ))
        .layer(axum::middleware::from_fn_with_state(
            held_pages::Pages::new(db.clone(), http::StatusCode::OK, 256),
            held_pages::hold_start_page,
        ))
        .layer(axum::middleware::from_fn_with_state(
            (
                std::sync::Arc::new(setup_host::SetupHosts::new(
                    settings.site_addr,
                    settings.public_url.as_deref(),
                )),
                db.clone(),
            ),
            setup_host::guard,
        ))
        .layer(axum::middleware::from_fn_with_state(
            public_origin,
            origin::refuse_cross_origin,
        ))
        .layer(axum::middleware::from_fn_with_state(
            std::sync::Arc::new(settings.trusted_proxies.clone()),
            client_address::resolve,
        ))
        .layer(session_layer)
        .layer(axum::middleware::from_fn_with_state(
            db.cache.clone(),
            cache_guard::forget_after_change,
        ))
        // Outside the session layer: an asset request never loads a session.
        .layer(axum::middleware::from_fn_with_state(
            assets,
            assets::serve_from_memory,
        ));
    // Outermost: every answer gets them, assets and errors too.
    // No request body is bigger than a definition at its limit (1 MB of
    // JSON, up to three times that form-encoded by the editor's page form):
    // server functions read whole bodies into memory, with no limit of
    // their own (the API's extractors keep axum's 2 MB).
    let router = router.layer(tower_http::limit::RequestBodyLimitLayer::new(
        MAX_REQUEST_BODY,
    ));
    Ok(telemetry::layer(router).layer(axum::middleware::from_fn(security_headers::add)))
}

/// `server --demo`: makes the demo (app::backend::demo) as the first
/// admin, once the installation is set up. Answers what to tell the operator.
pub async fn demo(settings: &Settings) -> Result<String, String> {
    let db = unlock_secrets(settings, open_database(settings).await?).await?;
    let admin = app::backend::users::first_admin(&db)
        .await
        .map_err(|e| e.message)?;
    let Some(admin) = admin else {
        return Ok(
            "the demo needs an admin: finish the setup page, then use the dashboard's demo button"
                .into(),
        );
    };
    match app::backend::demo::create(&db, &admin).await {
        Ok(slug) => Ok(format!("created the demo: open /apps/{slug}")),
        Err(e) if e.status() == 409 => Ok("the demo exists already".into()),
        Err(e) => Err(e.message),
    }
}

/// Everything no route matched: the not-found page (404).
fn not_found(
    context: impl Fn() + Clone + Send + Sync + 'static,
    options: LeptosOptions,
    held: held_pages::Pages,
) -> impl Fn(
    axum::extract::Request,
) -> std::pin::Pin<Box<dyn std::future::Future<Output = axum::response::Response> + Send>>
       + Clone
       + Send
       + Sync
       + 'static {
    // Whole, not streamed: the page is small, and one write of the full
    // body costs less than a stream of chunks (measured in the README).
    let render =
        leptos_axum::render_app_async_with_context(context, move || shell(options.clone()));
    move |req: axum::extract::Request| {
        let (render, held) = (render.clone(), held.clone());
        Box::pin(async move {
            // Held only when the app itself answered 404 (its fallback);
            // a page its router matched but axum did not (a trailing slash)
            // may show what moves without a change (a query's rows).
            let mut res = held.answer(req, render).await;
            if res.status() == http::StatusCode::OK {
                *res.status_mut() = http::StatusCode::NOT_FOUND;
            }
            res
        })
    }
}

/// Resolves on SIGTERM or Ctrl-C, so in-flight requests finish first.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down");
}

/// The largest request body any door takes (bytes).
pub const MAX_REQUEST_BODY: usize = 4 * 1024 * 1024;

/// Serves `router` on `listener` until `shutdown` resolves, every
/// connection bounded in time (listener.rs, SPEC S5).
pub async fn serve(
    listener: tokio::net::TcpListener,
    router: Router,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    listener::serve(listener, router, shutdown).await
}
