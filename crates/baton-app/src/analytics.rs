//! SPEC §6 metrics and watchdog alerts over the log.

use std::sync::Arc;

use baton_core::analytics::{self, Alert, Metrics, Scope, Window};
use baton_core::feedback::{Tally, enps_tally};
use baton_core::lifecycle::Decision;
use baton_core::{Directory, Guide};
use baton_store::DecisionFilter;
use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::App;
use crate::error::failure;

failure! {
    /// Why metrics or alerts could not be computed.
    pub enum AnalyticsError {}
}

/// SPEC §6 metrics, with the window's survey eNPS.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct MetricsView {
    #[serde(flatten)]
    pub metrics: Metrics,
    /// From the surveys that closed in the window with at least 3
    /// responses, one score per respondent; `null` with fewer than 3.
    pub enps: Option<Tally>,
}

/// What the analytics read: the team's decisions (everyone's for the
/// org), its guide (every team's for the org) and the directory.
struct Inputs {
    decisions: Vec<Decision>,
    guides: Vec<Arc<Guide>>,
    directory: Arc<Directory>,
}

impl Inputs {
    fn guides(&self) -> Vec<&Guide> {
        self.guides.iter().map(AsRef::as_ref).collect()
    }
}

impl App {
    async fn inputs(&self, team: Option<&str>) -> Result<Inputs, AnalyticsError> {
        // `guide` answers `NoGuide` for a team without one.
        let guides = match team {
            Some(t) => vec![self.store.guide(t).await?],
            None => {
                let mut guides = Vec::new();
                for t in self.store.teams().await? {
                    guides.push(self.store.guide(&t).await?);
                }
                guides
            }
        };
        let decisions = self
            .store
            .decisions()
            .list(&DecisionFilter {
                team: team.map(str::to_owned),
                ..DecisionFilter::default()
            })
            .await?;
        let directory = self.store.directory().await?;
        Ok(Inputs {
            decisions,
            guides,
            directory,
        })
    }

    /// SPEC §6 metrics of one team (the org when `None`) over `window`,
    /// with the eNPS of the surveys that had closed by `now`.
    pub async fn metrics(
        &self,
        team: Option<&str>,
        window: Window,
        now: DateTime<Utc>,
    ) -> Result<MetricsView, AnalyticsError> {
        let inputs = self.inputs(team).await?;
        let directories = self.store.directories().await?;
        let scope = team.map_or(Scope::Org, Scope::Team);
        let metrics = analytics::metrics(
            &inputs.decisions,
            &directories,
            &inputs.guides(),
            scope,
            window,
        );
        let scores = self
            .store
            .feedback()
            .enps_scores(team, window.from, window.to, now)
            .await?;
        let enps =
            (scores.len() >= baton_core::feedback::MIN_RESPONSES).then(|| enps_tally(&scores));
        Ok(MetricsView { metrics, enps })
    }

    /// The watchdog alerts standing at `now`, each with its evidence, of one
    /// team or the org. Fatigue counts work for every team, so the whole
    /// org is read even for one team's alerts.
    pub async fn alerts(
        &self,
        team: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<Vec<Alert>, AnalyticsError> {
        if let Some(t) = team {
            // A team without a guide is not found, as for metrics.
            self.store.guide(t).await?;
        }
        let inputs = self.inputs(None).await?;
        let scope = team.map_or(Scope::Org, Scope::Team);
        Ok(analytics::alerts(
            &inputs.decisions,
            &inputs.directory,
            &inputs.guides(),
            scope,
            now,
        ))
    }
}
