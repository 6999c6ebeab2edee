//! The `/api/v1` routes and the probes.

pub(crate) mod analytics;
mod calendar;
pub(crate) mod decisions;
pub(crate) mod feedback;
pub(crate) mod org;
pub(crate) mod resolve;
pub(crate) mod webhooks;
mod window;

use axum::Router;
use axum::routing::{delete, get, post};

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
        .route("/api/v1/audit", get(analytics::audit))
        .route("/api/v1/metrics", get(analytics::metrics))
        .route("/api/v1/alerts", get(analytics::alerts))
        .route("/api/v1/org", get(org::get_org).put(org::put_org))
        .route(
            "/api/v1/teams/{team}/guide",
            get(org::get_guide).put(org::put_guide),
        )
        .route("/api/v1/endorsements", post(org::endorse))
        .route("/api/v1/people/{id}", get(org::person))
        .route("/api/v1/rotations/{team}/{file}", get(calendar::rotation))
        .route(
            "/api/v1/webhooks",
            post(webhooks::subscribe).get(webhooks::list),
        )
        .route("/api/v1/webhooks/{id}", delete(webhooks::unsubscribe))
        .route(
            "/api/v1/surveys",
            post(feedback::create_survey).get(feedback::list_surveys),
        )
        .route("/api/v1/surveys/{id}", get(feedback::show_survey))
        .route("/api/v1/surveys/{id}/responses", post(feedback::respond))
        .route(
            "/api/v1/surveys/{id}/results",
            get(feedback::survey_results),
        )
        .route("/api/v1/polls", post(feedback::create_poll))
        .route("/api/v1/polls/{id}", get(feedback::show_poll))
        .route("/api/v1/polls/{id}/votes", post(feedback::vote))
        .route(
            "/api/v1/webhooks/{id}/deliveries",
            get(webhooks::deliveries),
        )
}
