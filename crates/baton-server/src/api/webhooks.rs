//! `/api/v1/webhooks`: admins subscribe URLs to decision events and read
//! what became of each delivery.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use baton_app::{Delivery, SubscribeRequest, Subscribed, Webhook};
use serde::Deserialize;

use crate::api::extract::{Body, IdPath, Params};
use crate::auth::Signed;
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

/// `POST /api/v1/webhooks`: subscribe a URL to decision events. Admins.
pub async fn subscribe(
    State(state): State<AppState>,
    signed: Signed,
    Body(body): Body<SubscribeBody>,
) -> Result<(StatusCode, Json<Subscribed>), Problem> {
    let request = SubscribeRequest {
        url: body.url,
        events: body.events,
        secret: body.secret,
    };
    let subscribed = state
        .app
        .subscribe_webhook(&signed.caller, request, state.clock.now())
        .await?;
    Ok((StatusCode::CREATED, Json(subscribed)))
}

/// `GET /api/v1/webhooks`: live subscriptions. Admins.
pub async fn list(
    State(state): State<AppState>,
    signed: Signed,
) -> Result<Json<Vec<Webhook>>, Problem> {
    Ok(Json(state.app.webhooks(&signed.caller).await?))
}

/// `DELETE /api/v1/webhooks/{id}`: unsubscribe. Admins.
pub async fn unsubscribe(
    State(state): State<AppState>,
    signed: Signed,
    Path(IdPath { id }): Path<IdPath>,
) -> Result<StatusCode, Problem> {
    state
        .app
        .unsubscribe_webhook(&signed.caller, id, state.clock.now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DeliveriesQuery {
    /// At most this many, newest first (default 100, at most 1000).
    #[schemars(range(min = 1, max = 1000))]
    limit: Option<i64>,
}

/// `GET /api/v1/webhooks/{id}/deliveries`: every attempt's outcome. Admins.
pub async fn deliveries(
    State(state): State<AppState>,
    signed: Signed,
    Path(IdPath { id }): Path<IdPath>,
    Params(query): Params<DeliveriesQuery>,
) -> Result<Json<Vec<Delivery>>, Problem> {
    let limit = super::extract::page_limit(query.limit, 100, 1000)?;
    Ok(Json(state.app.deliveries(&signed.caller, id, limit).await?))
}
