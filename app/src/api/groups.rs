//! Groups, members, permissions and the access explanation for the admin
//! pages. Forms send checked boxes as `name[]` lists.
use crate::domain::group::{Choices, GroupPage, GroupView};
#[cfg(feature = "ssr")]
use crate::domain::group::{GroupChangeInput, NewGroupInput};
#[cfg(feature = "ssr")]
use crate::domain::input::Input;
use crate::error::AppError;
use leptos::prelude::*;

#[server(endpoint = "list_groups")]
pub async fn list_groups() -> Result<Vec<GroupView>, AppError> {
    let (db, admin) = super::context::user().await?;
    crate::backend::groups::list(&db, &admin).await
}

#[server(endpoint = "load_group")]
pub async fn load_group(id: String) -> Result<GroupPage, AppError> {
    let (db, admin) = super::context::user().await?;
    crate::backend::groups::page(&db, &admin, &id).await
}

#[server(endpoint = "create_group")]
pub async fn create_group(name: String) -> Result<GroupView, AppError> {
    let (db, admin) = super::context::user().await?;
    let input = Input::typed(NewGroupInput { name });
    let g = crate::backend::groups::create(&db, &admin, input).await?;
    super::context::redirect(&format!("/admin/groups/{}", g.id));
    Ok(g)
}

#[server(endpoint = "rename_group")]
pub async fn rename_group(id: String, name: String) -> Result<GroupView, AppError> {
    let (db, admin) = super::context::user().await?;
    let change = Input::typed(GroupChangeInput {
        name: Some(name),
        flags: None,
    });
    crate::backend::groups::update(&db, &admin, &id, change).await
}

/// The flags form sends the names of the checked flags; the rest go off.
#[server(endpoint = "set_group_flags")]
pub async fn set_group_flags(
    id: String,
    flags: Option<Vec<String>>,
) -> Result<GroupView, AppError> {
    use crate::domain::access::Flag;
    let (db, admin) = super::context::user().await?;
    // The check-boxes of the form: each flag ticked is on, the rest off;
    // a name that is no flag is refused by the parse.
    let on = flags.unwrap_or_default();
    let mut set: std::collections::BTreeMap<String, bool> = Flag::ALL
        .iter()
        .map(|f| (f.name().to_string(), on.iter().any(|n| n == f.name())))
        .collect();
    set.extend(on.into_iter().map(|n| (n, true)));
    let change = Input::typed(GroupChangeInput {
        name: None,
        flags: Some(set),
    });
    crate::backend::groups::update(&db, &admin, &id, change).await
}

#[server(endpoint = "delete_group")]
pub async fn delete_group(id: String) -> Result<(), AppError> {
    let (db, admin) = super::context::user().await?;
    crate::backend::groups::delete(&db, &admin, &id).await?;
    super::context::redirect("/admin/groups");
    Ok(())
}

/// `joining` is "true" to add the user, "false" to remove them.
#[server(endpoint = "set_group_member")]
pub async fn set_group_member(
    id: String,
    user_id: String,
    joining: String,
) -> Result<(), AppError> {
    let (db, admin) = super::context::user().await?;
    crate::backend::groups::set_member(&db, &admin, &id, &user_id, joining == "true").await
}

/// `apps` is "all" or "list" (then `app_ids` are the chosen apps).
#[server(endpoint = "add_app_permission")]
pub async fn add_app_permission(
    id: String,
    apps: String,
    app_ids: Option<Vec<String>>,
    access: String,
    environments: Option<Vec<String>>,
    hide_from_dashboard: Option<String>,
) -> Result<crate::domain::group::PermissionView, AppError> {
    use crate::domain::group::{Apps, PermissionInput};
    let (db, admin) = super::context::user().await?;
    let apps = match apps.as_str() {
        "all" => Some(Apps::All),
        _ => Some(Apps::List(app_ids.unwrap_or_default())),
    };
    let input = PermissionInput {
        apps,
        access: Some(access),
        environments,
        hide_from_dashboard: Some(hide_from_dashboard.is_some()),
    };
    crate::backend::groups::add_permission(&db, &admin, &id, Input::typed(input)).await
}

#[server(endpoint = "remove_app_permission")]
pub async fn remove_app_permission(id: String, permission_id: String) -> Result<(), AppError> {
    let (db, admin) = super::context::user().await?;
    crate::backend::groups::remove_permission(&db, &admin, &id, &permission_id).await
}

#[server(endpoint = "explain_choices")]
pub async fn explain_choices() -> Result<Choices, AppError> {
    let (db, admin) = super::context::user().await?;
    crate::backend::groups::choices(&db, &admin).await
}

#[server(endpoint = "explain_access")]
pub async fn explain_access(
    user_id: String,
    app_id: String,
) -> Result<crate::domain::access::Explanation, AppError> {
    let (db, admin) = super::context::user().await?;
    crate::backend::access::explain(&db, &admin, &user_id, &app_id).await
}
