//! `/api/v1/webhooks`: admins subscribe URLs to decision events and read
//! what became of each delivery.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use baton_core::lifecycle::{EVENT_KINDS, Role};
use baton_store::webhooks::{Delivery, Webhook};
use serde::{Deserialize, Serialize};

use crate::api::decisions::{Body, Params};
use crate::auth::Caller;
use crate::{AppState, Problem};

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SubscribeBody {
    /// Where to POST events: an `http` or `https` URL.
    url: String,
    /// Event kinds to send (`opened`, `decided`, …); all when absent.
    #[serde(default)]
    events: Vec<String>,
    /// The signing secret; a random one is made when absent.
    #[serde(default)]
    secret: Option<String>,
}

/// A new subscription, with its secret: the only time it is shown.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct Subscribed {
    #[serde(flatten)]
    webhook: Webhook,
    secret: String,
}

/// Checks a subscription; returns the URL's origin, which is what the
/// audit log records of it.
fn check(body: &SubscribeBody) -> Result<String, Problem> {
    let url = reqwest::Url::parse(&body.url)
        .map_err(|e| Problem::invalid(format!("`url`: `{}` is not a URL: {e}", body.url)))?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(Problem::invalid(format!(
            "`url`: `{}` must be an http or https URL with a host",
            body.url
        )));
    }
    if let Some(unknown) = body
        .events
        .iter()
        .find(|k| !EVENT_KINDS.contains(&k.as_str()))
    {
        return Err(Problem::invalid(format!(
            "`events`: `{unknown}` is not an event kind; the kinds are {}",
            EVENT_KINDS.join(", ")
        )));
    }
    if body.secret.as_deref().is_some_and(|s| s.len() < 16) {
        return Err(Problem::invalid(
            "`secret`: a signing secret needs at least 16 characters",
        ));
    }
    Ok(url.origin().ascii_serialization())
}

/// `POST /api/v1/webhooks`: subscribe a URL to decision events. Admins.
pub async fn subscribe(
    State(state): State<AppState>,
    caller: Caller,
    Body(body): Body<SubscribeBody>,
) -> Result<(StatusCode, Json<Subscribed>), Problem> {
    caller.require(&[Role::Admin], "subscribe webhooks")?;
    let target = check(&body)?;
    let (webhook, secret) = state
        .store
        .subscribe_webhook(
            &body.url,
            &target,
            &body.events,
            body.secret.as_deref(),
            &caller.person,
            state.clock.now(),
        )
        .await?;
    Ok((StatusCode::CREATED, Json(Subscribed { webhook, secret })))
}

/// `GET /api/v1/webhooks`: live subscriptions. Admins.
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<Webhook>>, Problem> {
    caller.require(&[Role::Admin], "read webhooks")?;
    Ok(Json(state.store.webhooks().await?))
}

/// `DELETE /api/v1/webhooks/{id}`: unsubscribe. Admins.
pub async fn unsubscribe(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<StatusCode, Problem> {
    caller.require(&[Role::Admin], "unsubscribe webhooks")?;
    if state
        .store
        .unsubscribe_webhook(id, &caller.person, state.clock.now())
        .await?
    {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(Problem::not_found(format!(
            "webhook {id} does not exist or was already removed"
        )))
    }
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DeliveriesQuery {
    /// At most this many, newest first (default 100, at most 1000).
    limit: Option<i64>,
}

/// `GET /api/v1/webhooks/{id}/deliveries`: every attempt's outcome. Admins.
pub async fn deliveries(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Params(query): Params<DeliveriesQuery>,
) -> Result<Json<Vec<Delivery>>, Problem> {
    caller.require(&[Role::Admin], "read webhook deliveries")?;
    let limit = query.limit.unwrap_or(100).clamp(1, 1000);
    Ok(Json(state.store.deliveries(id, limit).await?))
}
