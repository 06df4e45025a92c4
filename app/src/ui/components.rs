//! Small pieces every page uses.
use crate::domain::environment::colour_class;
use crate::error::AppError;
use leptos::prelude::*;

/// The message for `field` from the last result of a form, if any.
pub fn field_error<T: Clone + Send + Sync + 'static>(
    result: impl Fn() -> Option<Result<T, AppError>> + Send + Sync + 'static,
    field: &'static str,
) -> impl Fn() -> Option<String> + Send + Sync + 'static {
    move || {
        result()
            .and_then(|r| r.err())
            .and_then(|e| e.for_field(field))
    }
}

/// The message of an error that is not about one field.
pub fn form_error<T: Clone + Send + Sync + 'static>(
    result: impl Fn() -> Option<Result<T, AppError>> + Send + Sync + 'static,
) -> impl Fn() -> Option<String> + Send + Sync + 'static {
    move || {
        result()
            .and_then(|r| r.err())
            .filter(|e| e.field.is_none())
            .map(|e| e.message)
    }
}

#[component]
pub fn FieldMessage(message: impl Fn() -> Option<String> + Send + Sync + 'static) -> impl IntoView {
    move || message().map(|m| view! { <p class="field-error" role="alert">{m}</p> })
}

#[component]
pub fn Notice(message: impl Fn() -> Option<String> + Send + Sync + 'static) -> impl IntoView {
    move || message().map(|m| view! { <p class="notice notice-error" role="alert">{m}</p> })
}

#[component]
pub fn EnvBadge(#[prop(into)] name: String) -> impl IntoView {
    let class = format!("env-badge {}", colour_class(&name));
    view! { <span class=class>{name}</span> }
}

#[component]
pub fn ErrorPage(error: AppError) -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(resp) = use_context::<leptos_axum::ResponseOptions>() {
        if let Ok(status) = http::StatusCode::from_u16(error.status()) {
            resp.set_status(status);
        }
    }
    let title = super::app_html::error_title(error.status());
    view! {
        <section class="error-page">
            <h1>{title}</h1>
            <p>{error.message}</p>
            <p><a href="/">"Back to the start page"</a></p>
        </section>
    }
}

/// A query's rows as a table (the Queries panel), as app pages show them.
#[component]
pub fn RowsTable(columns: Vec<String>, rows: Vec<Vec<serde_json::Value>>) -> impl IntoView {
    let mut html = String::new();
    super::app_html::rows_table(&mut html, &columns, &rows);
    view! { <div class="rows-table" inner_html=html></div> }
}
