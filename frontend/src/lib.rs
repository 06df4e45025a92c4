//! The browser entry point: hydrate the server-rendered page, nothing else.
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // Asynchronously: a page whose code is in a chunk of its own (ui::app's
    // lazy_page) is loaded before the page is hydrated.
    _ = any_spawner::Executor::init_wasm_bindgen();
    leptos::task::spawn_local(async {
        let body = leptos::prelude::document()
            .body()
            .expect("a page has a body");
        leptos::mount::hydrate_from_async(body.clone(), app::App)
            .await
            .forget();
        // A marker for the browser tests: hydration finished without a panic.
        let _ = body.set_attribute("data-hydrated", "true");
    });
}
