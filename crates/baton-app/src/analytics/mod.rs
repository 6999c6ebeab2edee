//! SPEC §6 over the log: metrics, watchdog alerts, the report, the audit
//! matrix and deference profiles, all read from one projection kept
//! current by the [`engine`] — and the audit matrix of a spreadsheet with
//! no store at all ([`sheet`]).

pub mod engine;
pub mod sheet;

use std::sync::Arc;

use baton_core::analytics::{
    self, Alert, AuditMatrix, Available, Metrics, Profile, Scope, Trend, Window,
};
use baton_core::feedback::{Tally, enps_tally};
use baton_store::StoreError;
use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::App;
use crate::error::failure;
pub use engine::{Progress, Silent};

failure! {
    /// Why an analysis could not be made.
    pub enum AnalyticsError {
        #[error("`{0}` is not in the directory")]
        NoPerson(String) => (NotFound, "not_found"),
    }
}

/// SPEC §6 metrics, with the window's survey eNPS.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct MetricsView {
    #[serde(flatten)]
    pub metrics: Metrics,
    /// From the surveys that closed in the window with at least 3
    /// responses, one score per respondent; `null` with fewer than 3.
    pub enps: Option<Tally>,
}

/// `baton report` and `GET /api/v1/report`: the §6 metrics of a window,
/// how they moved over it, the alerts standing at its end, and everyone's
/// deference profile.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct Report {
    pub window: Window,
    /// `org`, or the team's name.
    pub scope: String,
    /// The instant the alerts stand at: the window's end, or now if that
    /// is earlier.
    pub as_of: DateTime<Utc>,
    pub metrics: MetricsView,
    pub trend: Trend,
    pub alerts: Vec<Alert>,
    pub profiles: Vec<Profile>,
}

/// A person's deference profile, as `GET /api/v1/people/{id}/profile` answers it.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct ProfileView {
    pub window: Window,
    pub scope: String,
    #[serde(flatten)]
    pub profile: Profile,
}

impl App {
    /// Builds the analytics projection now rather than on the first
    /// request, reporting on the way: `serve` and `report` call it.
    pub async fn prepare_analytics(&self, progress: &dyn Progress) -> Result<(), AnalyticsError> {
        Ok(self.engine.current(&self.store, progress).await?)
    }

    /// The projection, current as of now, checked for `team` (which must
    /// have a guide) and for a directory.
    async fn analysed<T, F>(&self, team: Option<&str>, f: F) -> Result<T, AnalyticsError>
    where
        T: Send + 'static,
        F: FnOnce(&engine::Projection) -> T + Send + 'static,
    {
        self.engine.current_detached(&self.store).await?;
        let team = team.map(str::to_owned);
        let checked = self
            .engine
            .read(move |p| {
                if p.directories.is_none() {
                    return Err(StoreError::NoDirectory);
                }
                if let Some(t) = &team
                    && p.guide(t).is_none()
                {
                    return Err(StoreError::NoGuide(t.clone()));
                }
                Ok(f(p))
            })
            .await??;
        Ok(checked)
    }

    /// SPEC §6 metrics of one team (the org when `None`) over `window`,
    /// with the eNPS of the surveys that had closed by `now`.
    pub async fn metrics(
        &self,
        team: Option<&str>,
        window: Window,
        now: DateTime<Utc>,
    ) -> Result<MetricsView, AnalyticsError> {
        let scoped = team.map(str::to_owned);
        let metrics = self
            .analysed(team, move |p| {
                let scope = scoped.as_deref().map_or(Scope::Org, Scope::Team);
                p.directories
                    .as_ref()
                    .map(|d| analytics::metrics(&p.facts, d, scope, window))
            })
            .await?
            .ok_or(StoreError::NoDirectory)?;
        let enps = self.enps(team, window, now).await?;
        Ok(MetricsView { metrics, enps })
    }

    async fn enps(
        &self,
        team: Option<&str>,
        window: Window,
        now: DateTime<Utc>,
    ) -> Result<Option<Tally>, AnalyticsError> {
        let scores = self
            .store
            .feedback()
            .enps_scores(team, window.from, window.to, now)
            .await?;
        Ok((scores.len() >= baton_core::feedback::MIN_RESPONSES).then(|| enps_tally(&scores)))
    }

    /// The watchdog alerts standing at `now`, each with its evidence, of one
    /// team or the org. Fatigue counts work for every team, so the whole
    /// org is read even for one team's alerts.
    pub async fn alerts(
        &self,
        team: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<Vec<Alert>, AnalyticsError> {
        let scoped = team.map(str::to_owned);
        let mut alerts = self
            .analysed(team, move |p| alerts_of(p, scoped.as_deref(), now))
            .await?;
        alerts.extend(self.misuse_alerts(team, now).await?);
        Ok(alerts)
    }

    /// The report of one team (the org when `None`) over `window`.
    pub async fn report(
        &self,
        team: Option<&str>,
        window: Window,
        now: DateTime<Utc>,
    ) -> Result<Report, AnalyticsError> {
        let as_of = window.to.min(now);
        let scoped = team.map(str::to_owned);
        let (metrics, trend, mut alerts, profiles) = self
            .analysed(team, move |p| {
                let scope = scoped.as_deref().map_or(Scope::Org, Scope::Team);
                let directories = p.directories.as_ref()?;
                Some((
                    analytics::metrics(&p.facts, directories, scope, window),
                    analytics::trend(&p.facts, scope, window),
                    alerts_of(p, scoped.as_deref(), as_of),
                    analytics::profiles(&p.facts, directories, scope, window, None),
                ))
            })
            .await?
            .ok_or(StoreError::NoDirectory)?;
        let enps = self.enps(team, window, now).await?;
        alerts.extend(self.misuse_alerts(team, as_of).await?);
        Ok(Report {
            window,
            scope: metrics.scope.clone(),
            as_of,
            metrics: MetricsView { metrics, enps },
            trend,
            alerts,
            profiles,
        })
    }

    /// The audit matrix of the log, for one team or the org. Without a
    /// `from`, the window starts at the first decision in scope; without a
    /// `to`, it ends `now`.
    pub async fn audit_matrix(
        &self,
        team: Option<&str>,
        from: Option<DateTime<Utc>>,
        to: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Result<AuditMatrix, AnalyticsError> {
        let scoped = team.map(str::to_owned);
        self.analysed(team, move |p| {
            let scope = scoped.as_deref().map_or(Scope::Org, Scope::Team);
            let to = to.unwrap_or(now);
            let from = from
                .or_else(|| analytics::first_opened(&p.facts, scope))
                .unwrap_or(to)
                .min(to);
            let guides: Vec<&baton_core::guide::file::GuideFile> =
                p.guides.iter().map(|g| &g.source).collect();
            analytics::audit_matrix(
                &p.facts,
                Some(&guides),
                Available::ALL,
                scope,
                Window { from, to },
            )
        })
        .await
    }

    /// `person`'s deference profile over `window`, in one team's decisions
    /// or the org's.
    pub async fn profile(
        &self,
        person: &str,
        team: Option<&str>,
        window: Window,
    ) -> Result<ProfileView, AnalyticsError> {
        let directory = self.store.directory().await?;
        if directory.find(person).is_none() {
            return Err(AnalyticsError::NoPerson(person.to_owned()));
        }
        let scoped = team.map(str::to_owned);
        let who = person.to_owned();
        let found = self
            .analysed(team, move |p| {
                let scope = scoped.as_deref().map_or(Scope::Org, Scope::Team);
                let directories = p.directories.as_ref()?;
                analytics::profiles(&p.facts, directories, scope, window, Some(&who))
                    .into_iter()
                    .next()
            })
            .await?;
        Ok(ProfileView {
            window,
            scope: team.unwrap_or("org").to_owned(),
            profile: found.unwrap_or_else(|| Profile {
                person: person.to_owned(),
                ..Profile::default()
            }),
        })
    }
}

/// The alerts of `team` (the org when `None`) standing at `now`.
fn alerts_of(p: &engine::Projection, team: Option<&str>, now: DateTime<Utc>) -> Vec<Alert> {
    let Some(directories) = &p.directories else {
        return Vec::new();
    };
    analytics::alerts(
        &p.facts,
        directories.current(),
        &p.guides(),
        team.map_or(Scope::Org, Scope::Team),
        now,
    )
}

/// The engine is shared by every clone of the application.
pub(crate) type SharedEngine = Arc<engine::Engine>;
