//! `POST /api/v1/resolve`: who decides, without recording anything.

use axum::Json;
use axum::extract::State;
use chrono::{DateTime, Utc};
use serde::Deserialize;

use crate::api::decisions::Body;
use crate::auth::Caller;
use crate::{AppState, Problem};

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ResolveBody {
    team: String,
    #[serde(rename = "type")]
    decision_type: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    context: Option<serde_json::Value>,
    /// Defaults to the token's person.
    #[serde(default)]
    requester: Option<String>,
    /// Defaults to now.
    #[serde(default)]
    at: Option<DateTime<Utc>>,
}

pub async fn resolve(
    State(state): State<AppState>,
    caller: Caller,
    Body(body): Body<ResolveBody>,
) -> Result<Json<baton_core::Resolution>, Problem> {
    let guide = state.store.guide_at(&body.team, caller.snapshot).await?;
    let at = body.at.unwrap_or_else(|| state.clock.now());
    let org = state
        .store
        .org_state_at(&guide, at, caller.snapshot)
        .await?;
    let request = baton_core::Request {
        decision_type: body.decision_type,
        title: body.title,
        context: body.context.unwrap_or_else(|| serde_json::json!({})),
        requester: Some(body.requester.unwrap_or(caller.person)),
        at,
    };
    let started = std::time::Instant::now();
    let resolved = baton_core::resolve(&guide, &org, &request);
    state.metrics.observe_resolution(started.elapsed());
    let resolution = resolved.map_err(baton_store::StoreError::from)?;
    Ok(Json(resolution))
}
