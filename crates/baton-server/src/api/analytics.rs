//! `GET /api/v1/metrics`, `/alerts` and `/audit`: how the model is working,
//! computed by the core's analytics from the log, and the log itself.

use axum::Json;
use axum::extract::State;
use baton_app::{AuditEvent, MetricsView};
use baton_core::analytics::{Alert, Window};
use chrono::{DateTime, Duration, Utc};
use serde::Deserialize;

use super::extract::Params;
use crate::auth::Signed;
use crate::{AppState, Problem};

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MetricsQuery {
    /// One team's decisions; the whole org when absent.
    team: Option<baton_core::TeamId>,
    /// Start of the window (RFC 3339); default 30 days before `to`.
    from: Option<DateTime<Utc>>,
    /// End of the window, exclusive (RFC 3339); default now.
    to: Option<DateTime<Utc>>,
}

/// `GET /api/v1/metrics?team=&from=&to=`.
pub async fn metrics(
    State(state): State<AppState>,
    _signed: Signed,
    Params(query): Params<MetricsQuery>,
) -> Result<Json<MetricsView>, Problem> {
    let (from, to) = super::window::window(query.from, query.to, state.clock.now(), |to| {
        to - Duration::days(30)
    })?;
    Ok(Json(
        state
            .app
            .metrics(
                query.team.as_deref(),
                Window { from, to },
                state.clock.now(),
            )
            .await?,
    ))
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AlertsQuery {
    team: Option<baton_core::TeamId>,
}

/// `GET /api/v1/alerts?team=`: the watchdog alerts standing now, each with
/// the evidence that raised it.
pub async fn alerts(
    State(state): State<AppState>,
    _signed: Signed,
    Params(query): Params<AlertsQuery>,
) -> Result<Json<Vec<Alert>>, Problem> {
    Ok(Json(
        state
            .app
            .alerts(query.team.as_deref(), state.clock.now())
            .await?,
    ))
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    /// Events after this sequence number (for paging); default 0.
    after: Option<i64>,
    /// At most this many (default 100, at most 1000).
    limit: Option<i64>,
    /// Only this decision's events.
    decision: Option<baton_core::DecisionId>,
}

/// `GET /api/v1/audit`: the hash-chained audit log in order, each event
/// with its hash; page with `after` = the last `seq` seen.
pub async fn audit(
    State(state): State<AppState>,
    _signed: Signed,
    Params(query): Params<AuditQuery>,
) -> Result<Json<Vec<AuditEvent>>, Problem> {
    let limit = query.limit.unwrap_or(100).clamp(1, 1000);
    Ok(Json(
        state
            .app
            .audit(query.after.unwrap_or(0), limit, query.decision)
            .await?,
    ))
}
