//! Apps and versions for the builder's pages.
use crate::domain::app::{AppPage, AppView, Dashboard, VersionView};
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
    let slug = slug.filter(|s| !s.trim().is_empty());
    let (app, _) = crate::backend::apps::create(&db, &user, Ok(&name), Ok(slug.as_deref())).await?;
    super::context::redirect(&format!("/build/{}", app.id));
    Ok(app)
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
    let v = crate::backend::versions::get(&db, &user, &app_id, &version_id).await?;
    let page = crate::backend::versions::page(&db, &user, &app_id, &v.environment).await?;
    Ok((page, v))
}

#[server(endpoint = "create_version")]
pub async fn create_version(
    app_id: String,
    from_version_id: String,
    name: String,
    description: Option<String>,
) -> Result<VersionView, AppError> {
    let (db, user) = super::context::user().await?;
    let v = crate::backend::versions::create(
        &db,
        &user,
        &app_id,
        &name,
        &from_version_id,
        description.as_deref(),
    )
    .await?;
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
    crate::backend::versions::update(
        &db,
        &user,
        &app_id,
        &version_id,
        name.as_deref(),
        description.as_deref(),
    )
    .await
}

/// The definition as the text area sends it: JSON text and the revision it
/// was based on.
#[server(endpoint = "put_definition")]
pub async fn put_definition(
    app_id: String,
    version_id: String,
    definition: String,
    revision: String,
) -> Result<VersionView, AppError> {
    let (db, user) = super::context::user().await?;
    // Text that is not JSON reaches the service as no definition, which it
    // refuses (422 `definition`) after the permission and state checks.
    let parsed: Option<serde_json::Value> = serde_json::from_str(&definition).ok();
    let revision = revision
        .trim()
        .parse::<i64>()
        .map(Some)
        .map_err(|_| AppError::invalid("revision", "revision must be a whole number"));
    crate::backend::versions::put_definition(
        &db,
        &user,
        &app_id,
        &version_id,
        parsed.as_ref(),
        revision,
    )
    .await
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
) -> Result<VersionView, AppError> {
    let (db, user) = super::context::user().await?;
    let (v, followable) =
        crate::backend::versions::promote(&db, &user, &app_id, &version_id, Ok(Some(&from)))
            .await?;
    // A builder restricted to staging stays on staging.
    let env = if followable { &v.environment } else { &from };
    super::context::redirect(&format!("/build/{app_id}?env={env}"));
    Ok(v)
}

#[server(endpoint = "release_version")]
pub async fn release_version(
    app_id: String,
    version_id: String,
    note: Option<String>,
) -> Result<(), AppError> {
    let (db, user) = super::context::user().await?;
    crate::backend::versions::release(&db, &user, &app_id, &version_id, Ok(note.as_deref()))
        .await?;
    super::context::redirect(&format!("/build/{app_id}?env=production"));
    Ok(())
}

#[server(endpoint = "load_audit")]
pub async fn load_audit(
    app_id: Option<String>,
    user_id: Option<String>,
    action: Option<String>,
    before: Option<String>,
) -> Result<crate::domain::audit::AuditPage, AppError> {
    let (db, user) = super::context::user().await?;
    let some = |s: Option<String>| s.filter(|v| !v.trim().is_empty());
    let before = match some(before) {
        None => None,
        Some(b) => Some(
            b.parse::<i64>()
                .map_err(|_| AppError::invalid("before", "before must be a whole number"))?,
        ),
    };
    let filter = crate::backend::audit::AuditFilter {
        app_id: some(app_id),
        user_id: some(user_id),
        action: some(action),
        before,
        limit: Some(50),
    };
    crate::backend::audit::list(&db, &user, filter).await
}
