//! The start page of a signed-in user.
use super::components::{EnvBadge, ErrorPage};
use super::shell::{Gate, Need};
use crate::api::environments::list_environments;
use crate::domain::user::Role;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn HomePage() -> impl IntoView {
    view! {
        <Title text=""/>
        <Gate need=Need::SignedIn children=move |user| {
            let user = user.expect("the gate passes a user");
            let envs = Resource::new(|| (), |_| list_environments());
            view! {
                <h1>"Hello, " {user.name.clone()}</h1>
                <p>"You are signed in as " <strong>{user.email.clone()}</strong>
                   " with the " <strong>{user.role.label()}</strong> " role."</p>
                {(user.role == Role::Admin).then(|| view! {
                    <p><a href="/admin/users">"Manage users"</a></p>
                })}
                <h2>"Environments"</h2>
                <Suspense fallback=|| ()>
                    {move || Suspend::new(async move {
                        match envs.await {
                            Ok(list) => view! {
                                <ol class="env-list">
                                    {list.into_iter().map(|e| view! {
                                        <li><EnvBadge name=e.name/></li>
                                    }).collect_view()}
                                </ol>
                            }.into_any(),
                            Err(e) => view! { <ErrorPage error=e/> }.into_any(),
                        }
                    })}
                </Suspense>
            }
        }/>
    }
}
