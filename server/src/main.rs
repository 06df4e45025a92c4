use server::config::Settings;

/// jemalloc: under load a page's many small allocations cost glibc's
/// allocator about a fifth of the time (README, "Measurements").
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// Hands the memory start-up used and freed (migrations, reading and
/// gzipping the built assets) back to the system now, instead of after
/// jemalloc's decay time, so a server at rest holds only what it uses.
fn release_startup_memory() {
    // MALLCTL_ARENAS_ALL: every arena.
    let name = c"arena.4096.purge";
    // SAFETY: a void control with no old or new value, by a NUL-ended name.
    let failed = unsafe {
        tikv_jemalloc_sys::mallctl(
            name.as_ptr(),
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            0,
        )
    };
    if failed != 0 {
        tracing::warn!(code = failed, "jemalloc did not purge its arenas");
    }
}

#[tokio::main]
async fn main() {
    let settings = match Settings::from_env() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("stagecraft: configuration error: {e}");
            std::process::exit(2);
        }
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut demo = false;
    match args.first().map(String::as_str) {
        None => {}
        Some("--demo") if args.len() == 1 => demo = true,
        Some("admin") => {
            let code = server::admin_cli::run(&settings, &args[1..]).await;
            std::process::exit(code);
        }
        Some(_) => {
            eprintln!("{}", server::admin_cli::USAGE);
            std::process::exit(2);
        }
    }
    server::telemetry::init(settings.log_json);
    tracing::info!(settings = %settings.describe(), "starting Stagecraft");
    if demo {
        match server::demo(&settings).await {
            Ok(what) => tracing::info!("demo: {what}"),
            Err(e) => {
                tracing::error!(error = %e, "cannot create the demo");
                std::process::exit(1);
            }
        }
    }
    let router = match server::build(&settings).await {
        Ok(r) => r,
        Err(e) => {
            tracing::error!(error = %e, "start-up failed");
            std::process::exit(1);
        }
    };
    release_startup_memory();
    let listener = match tokio::net::TcpListener::bind(settings.site_addr).await {
        Ok(l) => l,
        Err(e) => {
            tracing::error!(error = %e, address = %settings.site_addr, "cannot listen");
            std::process::exit(1);
        }
    };
    tracing::info!("listening on http://{}", settings.site_addr);
    if let Err(e) = server::serve(listener, router, server::shutdown_signal()).await {
        tracing::error!(error = %e, "server error");
        std::process::exit(1);
    }
    tracing::info!("stopped");
}
