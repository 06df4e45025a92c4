//! The connection test of a data source page (SPEC D4), posted to the page
//! itself (`POST /data-sources/{id}`), which answers the page with the
//! outcome in it: a redirect would lose it. Field: `environment`.
use crate::page_post;
use app::api::data_sources::ConnectionTest;
use app::backend::{data_sources, Db};
use axum::extract::{Path, Request};
use axum::response::Response;
use leptos::config::LeptosOptions;

#[derive(serde::Deserialize)]
struct Form {
    #[serde(default)]
    environment: String,
}

pub async fn test(
    db: Db,
    options: LeptosOptions,
    Path(id): Path<String>,
    req: Request,
) -> Response {
    let (parts, body) = req.into_parts();
    let user = match page_post::user(&db, &parts).await {
        Ok(u) => u,
        Err(answer) => return answer,
    };
    let (environment, result) = match page_post::form::<Form>(body).await {
        Ok(f) => {
            let r = data_sources::test(&db, &user, &id, &f.environment).await;
            (f.environment, r)
        }
        Err(e) => (String::new(), Err(e)),
    };
    let status = page_post::status_of(&result);
    page_post::render(
        db,
        options,
        parts,
        status,
        ConnectionTest {
            environment,
            result,
        },
    )
    .await
}
