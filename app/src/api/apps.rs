//! Apps and versions for the builder's pages.
#[cfg(feature = "ssr")]
use crate::domain::app::{
    AppChangeInput, DefinitionInput, NewAppInput, NewVersionInput, PromoteInput, ReleaseInput,
    VersionChangeInput,
};
use crate::domain::app::{AppPage, AppView, Dashboard, VersionView};
#[cfg(feature = "ssr")]
use crate::domain::input::Input;
use crate::error::AppError;
use leptos::prelude::*;

#[server(endpoint = "dashboard")]
pub async fn load_dashboard(page: i64) -> Result<Dashboard, AppError> {
    let (db, user) = super::context::user().await?;
    crate::backend::apps::dashboard(&db, &user, page).await
}

#[server(endpoint = "create_app")]
pub async fn create_app(name: String, slug: Option<String>) -> Result<AppView, AppError> {
    let (db, user) = super::context::user().await?;
    // The form's slug field left empty asks for one derived from the name.
    let slug = slug.filter(|s| !s.trim().is_empty());
    let input = Input::typed(NewAppInput { name, slug });
    let (app, _) = crate::backend::apps::create(&db, &user, input).await?;
    super::context::redirect(&format!("/build/{}", app.id));
    Ok(app)
}

/// Renames the app or changes its slug (the app page's settings form
/// sends both), or makes it public or private; a field left out is not
/// changed (P11).
#[server(endpoint = "update_app")]
pub async fn update_app(
    app_id: String,
    name: Option<String>,
    slug: Option<String>,
    public: Option<bool>,
) -> Result<AppView, AppError> {
    let (db, user) = super::context::user().await?;
    let change = Input::typed(AppChangeInput { name, slug, public });
    crate::backend::apps::update(&db, &user, &app_id, change).await
}

/// Deletes the app (P11) and goes back to the start page.
#[server(endpoint = "delete_app")]
pub async fn delete_app(app_id: String) -> Result<(), AppError> {
    let (db, user) = super::context::user().await?;
    crate::backend::apps::delete(&db, &user, &app_id).await?;
    super::context::redirect("/");
    Ok(())
}

#[server(endpoint = "load_app_page")]
pub async fn load_app_page(app_id: String, environment: String) -> Result<AppPage, AppError> {
    let (db, user) = super::context::user().await?;
    crate::backend::versions::page(&db, &user, &app_id, &environment).await
}

#[server(endpoint = "load_version")]
pub async fn load_version(
    app_id: String,
    version_id: String,
) -> Result<(AppPage, VersionView), AppError> {
    let (db, user) = super::context::user().await?;
    crate::backend::versions::version_page(&db, &user, &app_id, &version_id).await
}

/// B4: the app page's release history.
#[server(endpoint = "load_releases")]
pub async fn load_releases(app_id: String) -> Result<Vec<crate::domain::app::Release>, AppError> {
    let (db, user) = super::context::user().await?;
    crate::backend::versions::releases(&db, &user, &app_id).await
}

/// B2: the diff page.
#[server(endpoint = "load_diff")]
pub async fn load_diff(
    app_id: String,
    a: String,
    b: String,
) -> Result<crate::domain::diff::Compared, AppError> {
    let (db, user) = super::context::user().await?;
    crate::backend::versions::compare(&db, &user, &app_id, &a, &b).await
}

/// B2 on a promote or release confirmation: against what the target holds.
#[server(endpoint = "load_confirmation")]
pub async fn load_confirmation(
    app_id: String,
    version_id: String,
    release: bool,
) -> Result<crate::domain::app::Confirmation, AppError> {
    let (db, user) = super::context::user().await?;
    crate::backend::versions::confirmation(&db, &user, &app_id, &version_id, release).await
}

#[server(endpoint = "create_version")]
pub async fn create_version(
    app_id: String,
    from_version_id: String,
    name: String,
    description: Option<String>,
) -> Result<VersionView, AppError> {
    let (db, user) = super::context::user().await?;
    let input = Input::typed(NewVersionInput {
        name,
        from_version_id,
        description,
    });
    let v = crate::backend::versions::create(&db, &user, &app_id, input).await?;
    super::context::redirect(&format!("/build/{app_id}/versions/{}", v.id));
    Ok(v)
}

#[server(endpoint = "update_version")]
pub async fn update_version(
    app_id: String,
    version_id: String,
    name: Option<String>,
    description: Option<String>,
) -> Result<VersionView, AppError> {
    let (db, user) = super::context::user().await?;
    let change = Input::typed(VersionChangeInput { name, description });
    crate::backend::versions::update(&db, &user, &app_id, &version_id, change).await
}

/// The definition as the text area sends it: JSON text and the revision it
/// was based on.
#[server(endpoint = "put_definition")]
pub async fn put_definition(
    app_id: String,
    version_id: String,
    definition: String,
    revision: i64,
) -> Result<VersionView, AppError> {
    let (db, user) = super::context::user().await?;
    // Text that is not JSON reaches the service as no definition, which it
    // refuses (422 `definition`) after the permission and state checks.
    let input = Input::typed(DefinitionInput {
        definition: serde_json::from_str(&definition).ok(),
        revision: Some(revision),
    });
    crate::backend::versions::put_definition(&db, &user, &app_id, &version_id, input).await
}

#[server(endpoint = "save_version")]
pub async fn save_version(app_id: String, version_id: String) -> Result<VersionView, AppError> {
    let (db, user) = super::context::user().await?;
    crate::backend::versions::save(&db, &user, &app_id, &version_id).await
}

#[server(endpoint = "delete_version")]
pub async fn delete_version(app_id: String, version_id: String) -> Result<(), AppError> {
    let (db, user) = super::context::user().await?;
    crate::backend::versions::delete(&db, &user, &app_id, &version_id).await
}

#[server(endpoint = "promote_version")]
pub async fn promote_version(
    app_id: String,
    version_id: String,
    from: String,
    override_preflight: Option<String>,
) -> Result<VersionView, AppError> {
    let (db, user) = super::context::user().await?;
    let input = Input::typed(PromoteInput {
        from: Some(from.clone()),
        override_preflight: override_preflight.map(|_| true),
    });
    let (v, followable) =
        crate::backend::versions::promote(&db, &user, &app_id, &version_id, input).await?;
    // A builder restricted to staging stays on staging.
    let env = if followable {
        v.environment.as_str()
    } else {
        &from
    };
    super::context::redirect(&format!("/build/{app_id}?env={env}"));
    Ok(v)
}

#[server(endpoint = "release_version")]
pub async fn release_version(
    app_id: String,
    version_id: String,
    note: Option<String>,
    override_preflight: Option<String>,
) -> Result<(), AppError> {
    let (db, user) = super::context::user().await?;
    let input = Input::typed(ReleaseInput {
        note,
        override_preflight: override_preflight.map(|_| true),
    });
    crate::backend::versions::release(&db, &user, &app_id, &version_id, input).await?;
    super::context::redirect(&format!("/build/{app_id}?env=production"));
    Ok(())
}

#[server(endpoint = "load_audit")]
pub async fn load_audit(
    app_id: Option<String>,
    user_id: Option<String>,
    action: Option<String>,
    from: Option<String>,
    to: Option<String>,
    before: Option<String>,
) -> Result<crate::domain::audit::AuditPage, AppError> {
    let (db, user) = super::context::user().await?;
    // An empty input of the filter form means "no filter".
    let some = |s: Option<String>| s.filter(|v| !v.trim().is_empty());
    let filter = crate::backend::audit::AuditFilter {
        app_id: some(app_id),
        user_id: some(user_id),
        action: some(action),
        from: some(from),
        to: some(to),
        before: some(before),
        limit: Some("50".into()),
        accept_datetime_local: true,
    };
    crate::backend::audit::list(&db, &user, filter).await
}

#[server(endpoint = "load_queries_panel")]
pub async fn load_queries_panel(
    app_id: String,
    version_id: String,
) -> Result<crate::domain::query::QueriesPanel, AppError> {
    let (db, user) = super::context::user().await?;
    crate::backend::versions::queries_panel(&db, &user, &app_id, &version_id).await
}

/// One change of the form editor (issue 11); see `domain::editor`.
#[allow(clippy::too_many_arguments)]
#[server(endpoint = "edit_definition")]
pub async fn edit_definition(
    app_id: String,
    version_id: String,
    revision: i64,
    op: String,
    page: Option<String>,
    id: Option<String>,
    name: Option<String>,
    title: Option<String>,
    kind: Option<String>,
    text: Option<String>,
    label: Option<String>,
    query: Option<String>,
    input_type: Option<String>,
    submit_label: Option<String>,
    inputs: Option<String>,
    data_source: Option<String>,
    sql: Option<String>,
    method: Option<String>,
    path: Option<String>,
    run_on_load: Option<String>,
) -> Result<VersionView, AppError> {
    use crate::domain::editor::EditForm;
    let (db, user) = super::context::user().await?;
    let form = EditForm {
        op,
        page,
        id,
        name,
        title,
        kind,
        text,
        label,
        query,
        input_type,
        submit_label,
        inputs,
        data_source,
        sql,
        method,
        path,
        run_on_load,
    };
    crate::backend::versions::edit_definition(
        &db,
        &user,
        &app_id,
        &version_id,
        revision,
        Input::typed(form),
    )
    .await
}
