//! Server functions: the UI's door to the service layer. Each one finds out
//! who is calling, then makes one call into `backend`; no rules live here.
pub mod apps;
pub mod auth;
pub mod constants;
pub mod data_sources;
pub mod environments;
pub mod groups;
pub mod requests;
pub mod runtime;
pub mod tokens;
pub mod users;

#[cfg(feature = "ssr")]
pub(crate) mod context {
    use crate::backend::{session, Db};
    use crate::domain::user::User;
    use crate::error::{AppError, AppResult};
    use tower_sessions::Session;

    pub fn db() -> AppResult<Db> {
        leptos::prelude::use_context::<Db>().ok_or_else(|| {
            tracing::error!("database missing from server function context");
            AppError::internal()
        })
    }

    pub async fn session() -> AppResult<Session> {
        leptos_axum::extract::<Session>().await.map_err(|e| {
            tracing::error!(error = %e, "session layer missing");
            AppError::internal()
        })
    }

    /// The caller's address, as the server's middleware decided it (S3).
    pub async fn client_address() -> AppResult<String> {
        use crate::domain::network::ClientAddress;
        use axum::Extension;
        leptos_axum::extract::<Extension<ClientAddress>>()
            .await
            .map(|Extension(ClientAddress(a))| a.to_string())
            .map_err(|e| {
                tracing::error!(error = %e, "client address middleware missing");
                AppError::internal()
            })
    }

    pub async fn user() -> AppResult<(Db, User)> {
        let db = db()?;
        let user = session::require_user(&db, &session().await?).await?;
        Ok((db, user))
    }

    /// The one place that tells the browser where to go next (the signature
    /// of `leptos_axum::redirect` changes in Leptos 0.9).
    pub fn redirect(path: &str) {
        leptos_axum::redirect(path);
    }
}
