//! `GET /api/v1/metrics`, `/alerts` and `/audit`: how the model is working,
//! computed by the core's analytics from the log, and the log itself.

use axum::Json;
use axum::extract::State;
use baton_core::analytics::{self, Alert, Directories, Metrics, Scope, Window};
use baton_core::feedback::{Tally, enps_tally};
use baton_core::lifecycle::Decision;
use baton_core::{Directory, Guide};
use baton_store::{AuditEvent, DecisionFilter};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

use super::decisions::Params;
use crate::auth::Caller;
use crate::{AppState, Problem};

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MetricsQuery {
    /// One team's decisions; the whole org when absent.
    team: Option<String>,
    /// Start of the window (RFC 3339); default 30 days before `to`.
    from: Option<DateTime<Utc>>,
    /// End of the window, exclusive (RFC 3339); default now.
    to: Option<DateTime<Utc>>,
}

/// SPEC §6 metrics, with the eNPS of the surveys answered in the window.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct MetricsView {
    #[serde(flatten)]
    metrics: Metrics,
    /// From the surveys that closed in the window with at least 3
    /// responses, one score per respondent; `null` with fewer than 3.
    enps: Option<Tally>,
}

/// What the analytics read: the team's decisions (everyone's for the
/// org), its guide (every team's for the org) and the directory.
struct Inputs {
    decisions: Vec<Decision>,
    guides: Vec<Arc<Guide>>,
    directory: Arc<Directory>,
    /// Every directory version, to judge deciders by the one of their day.
    directories: Directories,
}

impl Inputs {
    async fn read(state: &AppState, team: Option<&str>) -> Result<Self, Problem> {
        // `guide` answers `NoGuide` for a team without one.
        let guides = match team {
            Some(t) => vec![state.store.guide(t).await?],
            None => {
                let mut guides = Vec::new();
                for t in state.store.teams().await? {
                    guides.push(state.store.guide(&t).await?);
                }
                guides
            }
        };
        let decisions = state
            .store
            .list(&DecisionFilter {
                team: team.map(str::to_owned),
                ..DecisionFilter::default()
            })
            .await?;
        let directory = state.store.directory().await?;
        let directories = state.store.directories().await?;
        Ok(Self {
            decisions,
            guides,
            directory,
            directories,
        })
    }

    fn guides(&self) -> Vec<&Guide> {
        self.guides.iter().map(AsRef::as_ref).collect()
    }
}

/// `GET /api/v1/metrics?team=&from=&to=`.
pub async fn metrics(
    State(state): State<AppState>,
    _caller: Caller,
    Params(query): Params<MetricsQuery>,
) -> Result<Json<MetricsView>, Problem> {
    let (from, to) = super::window::window(query.from, query.to, state.clock.now(), |to| {
        to - Duration::days(30)
    })?;
    let team = query.team.as_deref();
    let inputs = Inputs::read(&state, team).await?;
    let scope = team.map_or(Scope::Org, Scope::Team);
    let metrics = analytics::metrics(
        &inputs.decisions,
        &inputs.directories,
        &inputs.guides(),
        scope,
        Window { from, to },
    );
    let scores = state
        .store
        .enps_scores(team, from, to, state.clock.now())
        .await?;
    let enps = (scores.len() >= baton_core::feedback::MIN_RESPONSES).then(|| enps_tally(&scores));
    Ok(Json(MetricsView { metrics, enps }))
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AlertsQuery {
    team: Option<String>,
}

/// `GET /api/v1/alerts?team=`: the watchdog alerts standing now, each with
/// the evidence that raised it.
pub async fn alerts(
    State(state): State<AppState>,
    _caller: Caller,
    Params(query): Params<AlertsQuery>,
) -> Result<Json<Vec<Alert>>, Problem> {
    let team = query.team.as_deref();
    if let Some(t) = team {
        // A team without a guide is not found, as for metrics.
        state.store.guide(t).await?;
    }
    // Fatigue is counted across every team a person decides for, so the
    // whole org is read even for one team's alerts.
    let inputs = Inputs::read(&state, None).await?;
    let scope = team.map_or(Scope::Org, Scope::Team);
    Ok(Json(analytics::alerts(
        &inputs.decisions,
        &inputs.directory,
        &inputs.guides(),
        scope,
        state.clock.now(),
    )))
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    /// Events after this sequence number (for paging); default 0.
    after: Option<i64>,
    /// At most this many (default 100, at most 1000).
    limit: Option<i64>,
    /// Only this decision's events.
    decision: Option<i64>,
}

/// `GET /api/v1/audit`: the hash-chained audit log in order, each event
/// with its hash; page with `after` = the last `seq` seen.
pub async fn audit(
    State(state): State<AppState>,
    _caller: Caller,
    Params(query): Params<AuditQuery>,
) -> Result<Json<Vec<AuditEvent>>, Problem> {
    let limit = query.limit.unwrap_or(100).clamp(1, 1000);
    Ok(Json(
        state
            .store
            .audit(query.after.unwrap_or(0), limit, query.decision)
            .await?,
    ))
}
