//! Drops what this instance holds in memory (`app::backend::cache`) once a
//! request that changed something has finished: its transaction has
//! committed by then, so the next request reads the change. A copy read
//! while the change was being made is dropped with the rest.
use app::backend::cache::{self, Cache};
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use std::sync::Arc;

pub async fn forget_after_change(
    State(held): State<Arc<Cache>>,
    req: Request,
    next: Next,
) -> Response {
    let before = cache::changes();
    let response = next.run(req).await;
    if cache::changes() != before {
        held.invalidate();
    }
    response
}
