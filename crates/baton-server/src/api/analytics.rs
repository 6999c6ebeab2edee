//! `GET /api/v1/metrics`, `/alerts`, `/report`, `/audit-matrix`,
//! `/people/{id}/profile` and `/audit`: how the model is working, from the
//! application's analytics, and the log itself.

use axum::Json;
use axum::extract::{Path, State};
use baton_app::{AuditEvent, MetricsView, ProfileView, Report};
use baton_core::analytics::{Alert, AuditMatrix, Window};
use chrono::{DateTime, Duration, Utc};
use serde::Deserialize;

use super::extract::{Params, PersonIdPath};
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

/// How far back a report looks by default: a quarter, the steward's
/// rotation, in thirteen weekly points.
const REPORT_DAYS: i64 = 90;

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportQuery {
    /// One team's decisions; the whole org when absent.
    team: Option<baton_core::TeamId>,
    /// Start of the window (RFC 3339); default 90 days before `to`.
    from: Option<DateTime<Utc>>,
    /// End of the window, exclusive (RFC 3339); default now.
    to: Option<DateTime<Utc>>,
}

/// `GET /api/v1/report?team=&from=&to=`: the metrics, their trend, the
/// alerts and everyone's deference profile.
pub async fn report(
    State(state): State<AppState>,
    _signed: Signed,
    Params(query): Params<ReportQuery>,
) -> Result<Json<Report>, Problem> {
    let now = state.clock.now();
    let (from, to) = super::window::window(query.from, query.to, now, |to| {
        to - Duration::days(REPORT_DAYS)
    })?;
    Ok(Json(
        state
            .app
            .report(query.team.as_deref(), Window { from, to }, now)
            .await?,
    ))
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AuditMatrixQuery {
    /// One team's decision types; every team's when absent.
    team: Option<baton_core::TeamId>,
    /// Start of the window (RFC 3339); default the first decision.
    from: Option<DateTime<Utc>>,
    /// End of the window, exclusive (RFC 3339); default now.
    to: Option<DateTime<Utc>>,
}

/// `GET /api/v1/audit-matrix?team=&from=&to=`: per decision type, how
/// decisions are made, and the pain each type shows.
pub async fn audit_matrix(
    State(state): State<AppState>,
    _signed: Signed,
    Params(query): Params<AuditMatrixQuery>,
) -> Result<Json<AuditMatrix>, Problem> {
    let (from, to) = super::window::open_window(query.from, query.to)?;
    Ok(Json(
        state
            .app
            .audit_matrix(query.team.as_deref(), from, to, state.clock.now())
            .await?,
    ))
}

/// `GET /api/v1/people/{id}/profile?team=&from=&to=`: how a person used
/// the authority that came their way.
pub async fn profile(
    State(state): State<AppState>,
    _signed: Signed,
    Path(path): Path<PersonIdPath>,
    Params(query): Params<ReportQuery>,
) -> Result<Json<ProfileView>, Problem> {
    let now = state.clock.now();
    let (from, to) = super::window::window(query.from, query.to, now, |to| {
        to - Duration::days(REPORT_DAYS)
    })?;
    Ok(Json(
        state
            .app
            .profile(&path.id, query.team.as_deref(), Window { from, to })
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
    #[schemars(range(min = 0, max = i64::MAX))]
    after: Option<i64>,
    /// At most this many (default 100, at most 1000).
    #[schemars(range(min = 1, max = 1000))]
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
    let limit = super::extract::page_limit(query.limit, 100, 1000)?;
    super::extract::not_negative("after", query.after)?;
    Ok(Json(
        state
            .app
            .audit(query.after.unwrap_or(0), limit, query.decision)
            .await?,
    ))
}
