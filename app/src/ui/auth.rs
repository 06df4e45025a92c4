//! First-run setup and sign-in pages.
use super::app::SessionContext;
use super::components::{field_error, form_error, FieldMessage, Notice};
use super::shell::{Gate, Need};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn SetupPage() -> impl IntoView {
    let s = expect_context::<SessionContext>();
    let result = move || s.setup.value().get();
    view! {
        <Title text="Set up"/>
        <Gate need=Need::SetupPending children=move |_| view! {
            <section class="card narrow">
                <h1>"Welcome to Stagecraft"</h1>
                <p>"Create the first admin account. You can add everyone else afterwards."</p>
                <ActionForm action=s.setup>
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
    let s = expect_context::<SessionContext>();
    let result = move || s.login.value().get();
    view! {
        <Title text="Sign in"/>
        <Gate need=Need::SignedOut children=move |_| view! {
            <section class="card narrow">
                <h1>"Sign in"</h1>
                <ActionForm action=s.login>
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
