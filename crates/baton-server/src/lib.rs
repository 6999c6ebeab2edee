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
pub mod clock;
pub mod connection;
pub mod deadlines;
pub mod metrics;
pub mod openapi;
mod problem;
mod signing;
pub mod slack;
mod web;
pub mod webhooks;

use std::future::Future;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::HeaderValue;
use baton_app::App;
use tokio::net::TcpListener;
use tower_http::timeout::TimeoutLayer;

pub use clock::Clock;
pub use problem::Problem;
pub use web::PAGES;

/// Request bodies larger than this are refused with 413.
pub const BODY_LIMIT: usize = 1024 * 1024;

/// What every handler shares.
#[derive(Clone, Debug)]
pub struct AppState {
    pub app: App,
    pub metrics: std::sync::Arc<metrics::Metrics>,
    /// Slack's signing secret; without it the Slack endpoint is off.
    pub slack_secret: Option<slack::Secret>,
    /// "Now" for every request: the system clock, or one pinned by
    /// `serve --clock`.
    pub clock: clock::Clock,
}

impl AppState {
    pub fn new(app: App) -> Self {
        Self {
            app,
            metrics: Default::default(),
            slack_secret: None,
            clock: clock::Clock::system(),
        }
    }

    pub fn with_clock(mut self, clock: clock::Clock) -> Self {
        self.clock = clock;
        self
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
    let (routes, document) = openapi::build();
    let document = std::sync::Arc::new(openapi::served(&document, &state));
    routes
        .merge(web::routes())
        .route(
            "/openapi.json",
            axum::routing::get(move || {
                let document = std::sync::Arc::clone(&document);
                async move { axum::Json(document.as_ref().clone()) }
            }),
        )
        // A bug that panics in a handler answers 500 (made a problem
        // document below) instead of dropping the connection.
        .layer(tower_http::catch_panic::CatchPanicLayer::new())
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(axum::middleware::from_fn(api::extract::refuse_nul))
        .layer(TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(30),
        ))
        // Outside the timeout, so that requests it cuts off are counted.
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            metrics::track,
        ))
        .layer(axum::middleware::from_fn(problem::everywhere))
        .with_state(state)
}

/// How connections are held to account.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// A client must send a request's whole head within this long of its
    /// first byte, or the connection is closed: a slow or silent client
    /// cannot hold it open.
    pub header_read: Duration,
    /// An idle keep-alive connection is closed after this long (nginx's
    /// default), and every answer says so in `Keep-Alive: timeout=…`.
    pub keep_alive: Duration,
    /// On closing, what a client still sends is read and dropped for this
    /// long, so an answer given before its body was read (413) reaches it
    /// rather than a reset.
    pub linger: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            header_read: Duration::from_secs(10),
            keep_alive: Duration::from_secs(75),
            linger: Duration::from_secs(5),
        }
    }
}

/// Serves until `shutdown` resolves, then lets requests in flight finish.
pub async fn run(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    run_with(listener, state, shutdown, Limits::default()).await
}

/// [`run`] with explicit limits.
///
/// This is axum's serve loop written out, because `axum::serve` gives
/// hyper no timer, and without one hyper's header-read timeout does
/// nothing: a client trickling a request head would hold its connection
/// for ever. The handlers' own 30 s timeout starts only once the head is
/// read.
pub async fn run_with(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
    limits: Limits,
) -> std::io::Result<()> {
    use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
    use hyper_util::server::conn::auto::Builder;
    use hyper_util::service::TowerToHyperService;

    let keep_alive = HeaderValue::from_str(&format!("timeout={}", limits.keep_alive.as_secs()))
        .unwrap_or(HeaderValue::from_static("timeout=75"));
    let app = router(state).layer(axum::middleware::map_response(
        move |mut response: axum::response::Response| {
            let keep_alive = keep_alive.clone();
            async move {
                response.headers_mut().insert("keep-alive", keep_alive);
                response
            }
        },
    ));
    let mut builder = Builder::new(TokioExecutor::new());
    // hyper's header-read timeout runs while a connection waits for its
    // next request too, so it is the idle limit; `Guarded` times the head
    // itself, from its first byte.
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.keep_alive);
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let stream = match accepted {
                    Ok((stream, _)) => stream,
                    // Out of file descriptors and the like: wait, go on.
                    Err(e) => {
                        tracing::warn!(error = %e, "accepting a connection failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let service = TowerToHyperService::new(app.clone());
                let connection = builder
                    .serve_connection_with_upgrades(
                        TokioIo::new(connection::Guarded::new(stream, limits.header_read, limits.linger)),
                        service,
                    )
                    .into_owned();
                let connection = graceful.watch(connection);
                tokio::spawn(async move {
                    if let Err(e) = connection.await {
                        tracing::debug!(error = %e, "connection ended with an error");
                    }
                });
            }
            () = &mut shutdown => break,
        }
    }
    drop(listener);
    graceful.shutdown().await;
    Ok(())
}
