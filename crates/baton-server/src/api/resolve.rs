//! `POST /api/v1/resolve`: who decides, without recording anything.

use axum::Json;
use axum::extract::State;
use baton_app::ResolveRequest;
use chrono::{DateTime, Utc};
use serde::Deserialize;

use crate::api::extract::Body;
use crate::auth::Signed;
use crate::{AppState, Problem};

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ResolveBody {
    team: baton_core::TeamId,
    #[serde(rename = "type")]
    decision_type: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    context: Option<serde_json::Value>,
    /// Defaults to the token's person.
    #[serde(default)]
    requester: Option<baton_core::PersonId>,
    /// Defaults to now.
    #[serde(default)]
    at: Option<DateTime<Utc>>,
}

pub async fn resolve(
    State(state): State<AppState>,
    signed: Signed,
    Body(body): Body<ResolveBody>,
) -> Result<Json<baton_core::Resolution>, Problem> {
    let at = body.at.unwrap_or_else(|| state.clock.now());
    let request = ResolveRequest {
        team: body.team.into(),
        decision_type: body.decision_type,
        title: body.title,
        context: body.context.unwrap_or_else(|| serde_json::json!({})),
        requester: body.requester.map(Into::into),
    };
    let started = std::time::Instant::now();
    let resolved = state.app.resolve(&signed, request, at).await;
    state.metrics.observe_resolution(started.elapsed());
    Ok(Json(resolved?))
}
