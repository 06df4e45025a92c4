//! B3 on the promote and release confirmations: what the target lacks,
//! each with a link to where it is given a value; the confirm button stays
//! disabled with the reason, except for an admin, who gets an explicit
//! override check-box (the server decides both: `Checked`).
use crate::domain::preflight::{Checked, MissingKind};
use leptos::prelude::*;

fn label(kind: MissingKind) -> &'static str {
    match kind {
        MissingKind::DataSource => "Data source",
        MissingKind::Constant => "Constant",
        MissingKind::Secret => "Secret",
    }
}

/// Why the pre-flight keeps the button disabled for this caller, if it does.
pub fn refusal(checked: &Option<Checked>) -> Option<String> {
    let c = checked.as_ref()?;
    if c.missing.is_empty() {
        return None;
    }
    c.override_denied.as_ref().map(|why| {
        format!(
            "{} lacks values this version uses (listed below). {why}.",
            c.environment
        )
    })
}

/// The list of what is missing, or that nothing is.
#[component]
pub fn PreflightSection(checked: Option<Checked>) -> impl IntoView {
    let Some(c) = checked else {
        return ().into_any();
    };
    if c.missing.is_empty() {
        return view! {
            <p class="notice notice-ok" data-testid="preflight-ok">
                "Pre-flight: " {c.environment.to_string()} " has a value for every data source and constant this version uses."
            </p>
        }
        .into_any();
    }
    let why = refusal(&Some(c.clone()));
    view! {
        <section class="preflight" data-testid="preflight">
            <h2>"Pre-flight: missing in " {c.environment.to_string()}</h2>
            <ul>
                {c.missing.into_iter().map(|(m, link)| view! {
                    <li data-kind=m.kind.as_str() data-name=m.name.clone()>
                        {label(m.kind)} " " <a href=link><code>{m.name.clone()}</code></a>
                        " has no value in " {m.environment.to_string()}
                    </li>
                }).collect_view()}
            </ul>
            {why.map(|w| view! { <p class="notice notice-error" data-testid="preflight-refusal">{w}</p> })}
        </section>
    }
    .into_any()
}

/// Inside the confirm form: the override check-box, for an admin facing a
/// failed pre-flight only.
#[component]
pub fn OverrideBox(checked: Option<Checked>) -> impl IntoView {
    let shown = checked
        .as_ref()
        .is_some_and(|c| !c.missing.is_empty() && c.override_denied.is_none());
    shown.then(|| {
        view! {
            <label class="override">
                <input type="checkbox" name="override_preflight" data-testid="override-preflight"/>
                " Override the pre-flight: go ahead although values are missing (recorded in the audit log)"
            </label>
        }
    })
}
