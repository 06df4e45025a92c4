//! First-run setup and sign-in pages.
use super::components::{field_error, form_error, FieldMessage, Notice};
use super::shell::{Gate, Need};
use crate::api::auth::{Login, Setup};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn SetupPage() -> impl IntoView {
    // Created inside the routes, where an error sent back in the URL (a
    // form posted with JavaScript off) reaches it.
    let setup = ServerAction::<Setup>::new();
    let result = move || setup.value().get();
    view! {
        <Title text="Set up"/>
        <Gate need=Need::SetupPending children=move |_| view! {
            <section class="card narrow">
                <h1>"Welcome to Stagecraft"</h1>
                <p>"Create the first admin account. You can add everyone else afterwards."</p>
                <ActionForm action=setup>
                    <Notice message=form_error(result)/>
                    <label>"Your name" <input type="text" name="name" autocomplete="name" required/></label>
                    <FieldMessage message=field_error(result, "name")/>
                    <label>"Email" <input type="email" name="email" autocomplete="email" required/></label>
                    <FieldMessage message=field_error(result, "email")/>
                    <label>"Password (at least 8 characters)"
                        <input type="password" name="password" autocomplete="new-password" required minlength="8"/>
                    </label>
                    <FieldMessage message=field_error(result, "password")/>
                    <button type="submit" class="primary">"Create admin account"</button>
                </ActionForm>
            </section>
        }/>
    }
}

#[component]
pub fn LoginPage() -> impl IntoView {
    let login = ServerAction::<Login>::new();
    let result = move || login.value().get();
    view! {
        <Title text="Sign in"/>
        <Gate need=Need::SignedOut children=move |_| view! {
            <section class="card narrow">
                <h1>"Sign in"</h1>
                <ActionForm action=login>
                    <Notice message=form_error(result)/>
                    <label>"Email" <input type="email" name="email" autocomplete="username" required/></label>
                    <FieldMessage message=field_error(result, "email")/>
                    <label>"Password" <input type="password" name="password" autocomplete="current-password" required/></label>
                    <FieldMessage message=field_error(result, "password")/>
                    <button type="submit" class="primary">"Sign in"</button>
                </ActionForm>
            </section>
        }/>
    }
}
