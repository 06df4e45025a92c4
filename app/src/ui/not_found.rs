use super::components::ErrorPage;
use crate::error::AppError;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn NotFound() -> impl IntoView {
    view! {
        <Title text="Not found"/>
        <ErrorPage error=AppError::not_found("There is no page at this address.")/>
    }
}
