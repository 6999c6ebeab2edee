//! The OpenAPI 3.1 document at `/openapi.json`, generated from the routes
//! themselves (`api::routes`, plus the probes and Slack here) and their
//! handlers' types — path and query parameters, bodies, responses, the
//! bearer security — by aide over the same schemars schemas the handlers'
//! types derive. A route is documented by being declared.

use std::sync::Arc;

use aide::axum::ApiRouter;
use aide::axum::routing::{get_with, post_with};
use aide::openapi::{Info, OpenApi, SecurityScheme};
use axum::Router;
use serde_json::Value;

use crate::AppState;

/// The Slack command's path.
const SLACK_COMMAND: &str = "/integrations/slack/command";

/// Every route of the server, documented: the API, the Prometheus metrics
/// and the Slack command endpoint.
fn documented() -> ApiRouter<AppState> {
    crate::api::routes()
        .api_route(
            "/metrics",
            get_with(crate::metrics::render, |op| {
                op.summary("Prometheus metrics (text exposition format)")
                    .response::<200, String>()
            }),
        )
        .api_route(
            SLACK_COMMAND,
            post_with(crate::slack::command, |op| {
                op.summary("A Slack slash command: `/baton who|open|decide …`")
                    .description("Slack's form body (`application/x-www-form-urlencoded`), signed with the app's signing secret (`X-Slack-Signature`, `X-Slack-Request-Timestamp`); 404 `slack_disabled` unless `BATON_SLACK_SIGNING_SECRET` is set.")
                    .response::<200, axum::Json<Value>>()
            }),
        )
}

/// The routes and the document they make.
pub(crate) fn build() -> (Router<AppState>, Arc<Value>) {
    let mut api = OpenApi {
        info: Info {
            title: "baton".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            description: Some(
                "A dynamic deference engine: who decides this, the decision log, and how the model works (SPEC §8.2). Errors are RFC 9457 problem documents with a stable `code`.".into(),
            ),
            ..Info::default()
        },
        ..OpenApi::default()
    };
    let router = documented().finish_api_with(&mut api, |doc| {
        doc.security_scheme(
            "bearer",
            SecurityScheme::Http {
                scheme: "bearer".into(),
                bearer_format: Some("baton_…".into()),
                description: Some("`baton token create --person P --role R`".into()),
                extensions: Default::default(),
            },
        )
    });
    let document = serde_json::to_value(&api).unwrap_or_default();
    (router, Arc::new(document))
}

/// The document a server with `state` serves: the Slack command only when a
/// signing secret turns it on, so that every operation it lists answers
/// rather than 404 `slack_disabled`.
pub(crate) fn served(document: &Value, state: &AppState) -> Value {
    let mut served = document.clone();
    if state.slack_secret.is_none()
        && let Some(paths) = served.get_mut("paths").and_then(Value::as_object_mut)
    {
        paths.remove(SLACK_COMMAND);
    }
    served
}

/// The whole document, every route included.
pub fn document() -> Value {
    build().1.as_ref().clone()
}
