//! baton's HTTP API (SPEC §8.2) over the decision log.
//!
//! # Layout
//! - [`router`] builds the axum router over an [`AppState`]; [`run`] serves
//!   it on a listener until a shutdown future resolves, finishing requests
//!   in flight.
//! - `auth`: bearer tokens → the acting person and role. Nobody acts in
//!   another's name: every action is taken as the token's person.
//! - `problem`: errors as `application/problem+json` with a stable `code`.
//! - `api/`: one module per resource.
//! - [`deadlines`], [`webhooks`]: the background tasks (deadline ticks,
//!   webhook deliveries), safe to run on every replica at once.

pub(crate) mod api;
mod auth;
pub mod deadlines;
pub mod metrics;
pub mod openapi;
mod problem;
pub mod slack;
pub mod webhooks;

use std::future::Future;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use baton_store::Store;
use tokio::net::TcpListener;
use tower_http::timeout::TimeoutLayer;

pub use problem::Problem;

/// Request bodies larger than this are refused with 413.
pub const BODY_LIMIT: usize = 1024 * 1024;

/// What every handler shares.
#[derive(Clone, Debug)]
pub struct AppState {
    pub store: Store,
    pub metrics: std::sync::Arc<metrics::Metrics>,
    /// Slack's signing secret; without it the Slack endpoint is off.
    pub slack_secret: Option<slack::Secret>,
}

impl AppState {
    pub fn new(store: Store) -> Self {
        Self {
            store,
            metrics: Default::default(),
            slack_secret: None,
        }
    }

    pub fn with_slack_secret(mut self, secret: Option<String>) -> Self {
        self.slack_secret = secret.filter(|s| !s.is_empty()).map(slack::Secret::new);
        self
    }
}

/// An HTTP client for talking to baton servers and webhook receivers:
/// rustls with ring (installed here, once), no redirects followed.
pub fn http_client(timeout: Duration) -> Result<reqwest::Client, reqwest::Error> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .timeout(timeout)
        .user_agent(concat!("baton/", env!("CARGO_PKG_VERSION")))
        .redirect(reqwest::redirect::Policy::none())
        .build()
}

pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(api::routes())
        .route("/metrics", axum::routing::get(metrics::render))
        .route("/openapi.json", axum::routing::get(openapi::serve))
        .route(
            "/integrations/slack/command",
            axum::routing::post(slack::command),
        )
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            metrics::track,
        ))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(30),
        ))
        .layer(axum::middleware::from_fn(problem::everywhere))
        .with_state(state)
}

/// Serves until `shutdown` resolves, then lets requests in flight finish.
pub async fn run(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown)
        .await
}
