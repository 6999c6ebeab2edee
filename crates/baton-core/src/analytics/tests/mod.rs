//! Hand-built decision logs, small enough to count on one's fingers, that
//! pin each metric and each watchdog.

mod alerts;
mod audit;
mod metrics;
mod pilot;
mod profile;
mod story;
mod trend;

use std::sync::Arc;

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};

use crate::guide::file::Framework;
use crate::lifecycle::{Decision, Outcome, OutcomeResult, SYSTEM, Status, open};
use crate::resolve::{Deliberation, Resolution, Roster};
use crate::{Directory, Guide};

/// boss leads by rank, mgr by having reports; kim is a validated db expert
/// (claim 4, endorsed 4); raj's db level validates only to 2; ana's db 5 is
/// a bare claim; out is in another team.
const ORG: &str = "people:
  - {id: boss, name: Boss, rank: 5, teams: [core]}
  - {id: mgr, name: Mgr, rank: 2, teams: [core]}
  - {id: kim, name: Kim, rank: 2, manager: mgr, teams: [core], max_load: 2, expertise: {db: 4}}
  - {id: raj, name: Raj, rank: 3, manager: mgr, teams: [core], expertise: {db: 3}}
  - {id: ana, name: Ana, rank: 1, manager: mgr, teams: [core], expertise: {db: 5}}
  - {id: out, name: Out, rank: 1, teams: [web]}
endorsements:
  - {by: raj, of: kim, domain: db, level: 4}
  - {by: kim, of: raj, domain: db, level: 2}
";

const GUIDE: &str = "version: 1
team: core
settings:
  leader_rank: 4
  watch: {max_share: 0.4, max_weekly: 3, window: 30d}
decision_types:
  design: {domains: [db], impact: high, target: 24h}
  chore: {domains: []}
rules:
  - id: design-by-expertise
    types: [design]
    authority: {expertise: {domain: db, min_level: 4, min_endorsements: 1}}
  - {id: by-manager, authority: {manager_of: requester}}
";

/// `analytics::metrics` over a log of whole decisions, projected first as
/// the application projects the store's.
pub(super) fn metrics(
    log: &[Decision],
    directories: &crate::analytics::Directories,
    guides: &[&Guide],
    scope: crate::analytics::Scope<'_>,
    window: crate::analytics::Window,
) -> crate::analytics::Metrics {
    let judge = crate::analytics::Judge::new(directories, guides);
    let facts = crate::analytics::Facts::of(log, &judge);
    crate::analytics::metrics(&facts, directories, scope, window)
}

/// `analytics::alerts` over a log of whole decisions.
pub(super) fn alerts(
    log: &[Decision],
    directory: &Directory,
    guides: &[&Guide],
    scope: crate::analytics::Scope<'_>,
    now: DateTime<Utc>,
) -> Vec<crate::analytics::Alert> {
    let directories = crate::analytics::Directories::single(Arc::new(directory.clone()));
    let judge = crate::analytics::Judge::new(&directories, guides);
    let facts = crate::analytics::Facts::of(log, &judge);
    crate::analytics::alerts(&facts, directory, guides, scope, now)
}

fn directory() -> Arc<Directory> {
    Arc::new(Directory::load("org.yaml", ORG).unwrap())
}

fn guide_from(text: &str) -> Guide {
    crate::compile_guide("deference.yaml", text, directory()).unwrap_or_else(|e| panic!("{e}"))
}

fn guide() -> Guide {
    guide_from(GUIDE)
}

/// 2026-03-01T00:00:00Z plus `n` days.
fn day(n: i64) -> DateTime<Utc> {
    "2026-03-01T00:00:00Z".parse::<DateTime<Utc>>().unwrap() + TimeDelta::days(n)
}

fn hours(h: i64) -> TimeDelta {
    TimeDelta::hours(h)
}

fn date(text: &str) -> NaiveDate {
    text.parse().unwrap()
}

/// A `core` decision of `ty`, routed to `decider` at `at` by the rule a
/// guide would pick for it, still open.
pub(super) fn opened(id: i64, ty: &str, decider: &str, at: DateTime<Utc>) -> Decision {
    let (rule, framework, domains) = match ty {
        "design" => (
            "design-by-expertise",
            Framework::Expertise,
            vec!["db".into()],
        ),
        _ => ("by-manager", Framework::Hierarchy, vec![]),
    };
    let resolution = Resolution {
        team: "core".into(),
        decision_type: ty.into(),
        rule: rule.into(),
        framework,
        decider: decider.into(),
        backups: vec![],
        roster: Roster {
            decide: decider.into(),
            recommend: Some("ana".into()),
            agree: vec![],
            input: vec![],
            inform: vec![],
        },
        escalation: None,
        deliberation: Deliberation {
            deadline: at + hours(48),
            tiebreaker: None,
        },
        consensus_check: None,
        guide_version: "sha256:test".into(),
        at,
        explanation: vec![],
        reasons: vec![],
    };
    open(
        crate::DecisionId::new(id).unwrap(),
        &format!("decision {id}"),
        domains,
        serde_json::json!({}),
        resolution,
    )
    .0
}

/// Changes to a decision, in the order a log would record them.
trait Then: Sized {
    fn decided(self, after: TimeDelta) -> Self;
    fn by(self, person: &str) -> Self;
    fn overridden_by(self, person: &str) -> Self;
    fn escalated(self) -> Self;
    fn delegated(self, to: &str) -> Self;
    fn outcome(self, result: OutcomeResult, at: DateTime<Utc>) -> Self;
    fn team(self, team: &str) -> Self;
    fn review_on(self, day: NaiveDate) -> Self;
    fn withdrawn(self) -> Self;
}

impl Then for Decision {
    /// Decided by the decider (or the delegate, if any), `after` opening.
    fn decided(mut self, after: TimeDelta) -> Self {
        self.status = Status::Decided;
        self.decided_at = Some(self.opened_at + after);
        self.decided_by = Some(self.delegate.clone().unwrap_or(self.decider.clone()));
        self
    }

    fn by(mut self, person: &str) -> Self {
        self.decided_by = Some(person.into());
        self
    }

    fn overridden_by(mut self, person: &str) -> Self {
        self.decided_by = Some(person.into());
        self.overridden = true;
        self.override_reason = Some("I know better".into());
        self
    }

    fn escalated(mut self) -> Self {
        self.escalated = true;
        self
    }

    fn delegated(mut self, to: &str) -> Self {
        self.delegate = Some(to.into());
        self
    }

    fn outcome(mut self, result: OutcomeResult, at: DateTime<Utc>) -> Self {
        self.outcome = Some(Outcome {
            result,
            notes: String::new(),
            by: SYSTEM.into(),
            at,
        });
        self
    }

    fn team(mut self, team: &str) -> Self {
        self.team = team.into();
        self.resolution.team = team.into();
        self
    }

    fn review_on(mut self, day: NaiveDate) -> Self {
        self.review_on = Some(day);
        self
    }

    fn withdrawn(mut self) -> Self {
        self.status = Status::Withdrawn;
        self
    }
}
