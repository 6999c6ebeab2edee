//! The `/api/v1` routes and the probes.

mod decisions;
mod resolve;

use axum::Router;
use axum::routing::{get, post};

use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/api/v1/resolve", post(resolve::resolve))
        .route(
            "/api/v1/decisions",
            post(decisions::open).get(decisions::list),
        )
        .route("/api/v1/decisions/{id}", get(decisions::show))
        .route("/api/v1/decisions/{id}/{action}", post(decisions::act))
        .route("/api/v1/audit/verify", get(decisions::verify))
}
