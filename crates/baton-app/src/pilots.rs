//! Pilots (SPEC §6): a team runs a guide version for a period; the report
//! compares it with the period before (or a control team) with bootstrap
//! intervals, beside the unintended consequences.

use baton_core::access::Permission;
use baton_core::analytics::pilot::{self, Extras, Frame, PilotComparison, PilotSpec, RESAMPLES};
use baton_core::analytics::{Scope, alerts};
use baton_store::StoreError;
use baton_store::pilots::Pilot;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::failure;
use crate::{App, Caller};

failure! {
    /// Why a pilot could not be started or reported.
    pub enum PilotError {
        #[error("{0}")]
        Invalid(String) => (Invalid, "invalid"),
    }
}

/// What `pilot create` and `POST /api/v1/pilots` take.
#[derive(Clone, Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PilotRequest {
    /// The team piloting.
    pub team: baton_core::TeamId,
    /// The decision types the pilot covers (at least one, each the team's).
    #[schemars(length(min = 1))]
    pub types: Vec<String>,
    /// The guide version piloted: `sha256:` + hex, a version of the team's
    /// guide (`GET /api/v1/teams/{team}/guide` names the one in force).
    #[schemars(regex(pattern = "^sha256:[0-9a-f]{64}$"))]
    pub guide_version: String,
    /// Start of the pilot (RFC 3339).
    pub from: DateTime<Utc>,
    /// End of the pilot, exclusive (RFC 3339).
    pub to: DateTime<Utc>,
    /// A team to compare with over the same period, instead of the pilot
    /// team's own period just before.
    #[serde(default)]
    pub control: Option<baton_core::TeamId>,
}

/// A pilot and its comparison.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct PilotReport {
    pub pilot: Pilot,
    #[serde(flatten)]
    pub comparison: PilotComparison,
}

impl App {
    /// Starts a pilot: the caller must be an admin or a steward of the team;
    /// the team, its types, the guide version and the control team must
    /// exist, and the period must be a period.
    pub async fn create_pilot(
        &self,
        caller: &Caller,
        request: PilotRequest,
        at: DateTime<Utc>,
    ) -> Result<Pilot, PilotError> {
        let team = request.team.to_string();
        let role = self.role_for(caller, &team, at).await?;
        Permission::RunPilot.check(&caller.person, role)?;
        let guide = self.store.guide(&team).await?;
        let invalid = |m: String| Err(PilotError::Invalid(m));
        if request.from >= request.to {
            return invalid("`from` must come before `to`: a pilot needs a period".into());
        }
        if !baton_core::in_stored_years(request.from) || !baton_core::in_stored_years(request.to) {
            return invalid("a pilot's period must lie within the years 1 to 9999".into());
        }
        if request.types.is_empty() {
            return invalid("a pilot covers at least one decision type".into());
        }
        let mut types = request.types.clone();
        types.sort();
        types.dedup();
        let unknown: Vec<&str> = types
            .iter()
            .filter(|t| !guide.types.contains_key(t.as_str()))
            .map(String::as_str)
            .collect();
        if !unknown.is_empty() {
            let mut known: Vec<&str> = guide.types.keys().map(String::as_str).collect();
            known.sort_unstable();
            return invalid(format!(
                "team `{team}` has no decision type {}: its types are {}",
                unknown
                    .iter()
                    .map(|t| format!("`{t}`"))
                    .collect::<Vec<_>>()
                    .join(", "),
                known.join(", ")
            ));
        }
        let versions = self.store.guide_versions(&team).await?;
        if !versions
            .iter()
            .any(|(digest, _)| *digest == request.guide_version)
        {
            return invalid(format!(
                "`{}` is not a version of team `{team}`'s guide: the one in force is `{}`",
                request.guide_version, guide.version
            ));
        }
        let control = request.control.map(|c| c.to_string());
        if let Some(control) = &control {
            if *control == team {
                return invalid("the control team must be another team".into());
            }
            self.store.guide(control).await?;
        }
        let spec = PilotSpec {
            team,
            types,
            guide_version: request.guide_version,
            from: request.from,
            to: request.to,
            control,
        };
        Ok(self
            .store
            .pilots()
            .create(&spec, &caller.person, at)
            .await?)
    }

    /// Every pilot, newest first.
    pub async fn pilots(&self) -> Result<Vec<Pilot>, PilotError> {
        Ok(self.store.pilots().list().await?)
    }

    /// Pilot `id`'s report as of `now`.
    pub async fn pilot_report(
        &self,
        id: i64,
        now: DateTime<Utc>,
    ) -> Result<PilotReport, PilotError> {
        self.pilot_report_with(id, now, RESAMPLES).await
    }

    /// [`App::pilot_report`] with `resamples` bootstrap resamples.
    pub async fn pilot_report_with(
        &self,
        id: i64,
        now: DateTime<Utc>,
        resamples: usize,
    ) -> Result<PilotReport, PilotError> {
        let pilot = self.store.pilots().get(id).await?;
        let spec = pilot.spec.clone();
        let (pilot_frame, base_frame) = pilot::frames(&spec, now);
        let mut extras = Vec::new();
        for frame in [&pilot_frame, &base_frame] {
            let scores = self
                .store
                .feedback()
                .enps_scores(Some(&frame.team), frame.from, frame.to, now)
                .await?;
            extras.push(scores);
        }
        self.engine.current_detached(&self.store).await?;
        let comparison = self
            .engine
            .read(move |p| {
                let alerts_of = |frame: &Frame| -> Vec<String> {
                    let Some(directories) = &p.directories else {
                        return Vec::new();
                    };
                    alerts(
                        &p.facts,
                        directories.current(),
                        &p.guides(),
                        Scope::Team(&frame.team),
                        pilot::alerts_at(frame),
                    )
                    .into_iter()
                    .map(|a| {
                        let kind = serde_json::to_value(a.kind)
                            .ok()
                            .and_then(|v| v.as_str().map(str::to_owned))
                            .unwrap_or_default();
                        format!("{kind}: {}", a.subject)
                    })
                    .collect()
                };
                let mut scores = extras.into_iter();
                let pilot_extras = Extras {
                    enps_scores: scores.next().unwrap_or_default(),
                    alerts: alerts_of(&pilot_frame),
                };
                let base_extras = Extras {
                    enps_scores: scores.next().unwrap_or_default(),
                    alerts: alerts_of(&base_frame),
                };
                pilot::compare(
                    &p.facts,
                    &spec,
                    now,
                    (&pilot_frame, &base_frame),
                    (&pilot_extras, &base_extras),
                    resamples,
                )
            })
            .await
            .map_err(|e: StoreError| PilotError::from(e))?;
        Ok(PilotReport { pilot, comparison })
    }
}
