//! Setup, sign-in and sign-out for the pages.
use crate::domain::access::Flags;
use crate::domain::user::User;
use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// What every page needs to know about the visitor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Visitor {
    pub setup_needed: bool,
    pub user: Option<User>,
    pub flags: Option<Flags>,
    /// P9: whether the user may list data sources and constants, decided by
    /// the rule the server refuses with (`access::edits_some_app`), so the
    /// navigation never leads into a 403.
    #[serde(default)]
    pub lists_shared: bool,
}

#[server(endpoint = "get_visitor")]
pub async fn get_visitor() -> Result<Visitor, AppError> {
    use super::context;
    use crate::backend::{auth, session};
    let db = context::db()?;
    let user = session::current_user(&db, &context::session().await?).await?;
    let (flags, lists_shared) = match &user {
        Some(u) => (
            Some(crate::backend::access::flags_of(&db, u).await?),
            crate::backend::access::edits_some_app(&db, u).await?,
        ),
        None => (None, false),
    };
    Ok(Visitor {
        setup_needed: auth::setup_needed(&db).await?,
        flags,
        user,
        lists_shared,
    })
}

#[server(endpoint = "setup")]
pub async fn setup(name: String, email: String, password: String) -> Result<User, AppError> {
    use super::context;
    use crate::backend::{auth, session};
    use crate::domain::input::Input;
    use crate::domain::user::SetupInput;
    let db = context::db()?;
    let input = Input::typed(SetupInput {
        name,
        email,
        password,
    });
    let signed_in = auth::setup(&db, input).await?;
    session::begin(&context::session().await?, &signed_in).await?;
    let user = signed_in.user;
    context::redirect("/");
    Ok(user)
}

#[server(endpoint = "login")]
pub async fn login(email: String, password: String) -> Result<User, AppError> {
    use super::context;
    use crate::backend::{auth, session};
    use crate::domain::input::Input;
    use crate::domain::user::LoginInput;
    let db = context::db()?;
    let input = Input::typed(LoginInput { email, password });
    let signed_in = auth::sign_in(&db, input, &context::client_address().await?).await?;
    session::begin(&context::session().await?, &signed_in).await?;
    let user = signed_in.user;
    context::redirect("/");
    Ok(user)
}

#[server(endpoint = "logout")]
pub async fn logout() -> Result<(), AppError> {
    use super::context;
    use crate::backend::{auth, session};
    let db = context::db()?;
    let sess = context::session().await?;
    if let Some(user) = session::current_user(&db, &sess).await? {
        auth::sign_out(&db, &user).await?;
    }
    session::end(&sess).await?;
    context::redirect("/login");
    Ok(())
}
