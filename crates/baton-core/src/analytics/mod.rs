//! SPEC §6 analytics: the metrics and the watchdog alerts, computed from the
//! decision log.
//!
//! Everything here is a pure function of values — the decisions, the
//! directory, the team guides and the instants the caller names — so the
//! store, the server and any report all get the same numbers, and a test
//! can pin them with a handful of hand-built decisions. Output maps are
//! `BTreeMap`s so that equal inputs serialize to equal bytes.
//!
//! Who "decided" a decision is the person in `decided_by`; a decision settled
//! by a tiebreaker rule (`decided_by` is [`SYSTEM`]) counts for the person
//! who held authority, because the analytics ask whose call it was, and a
//! rule is nobody's.

mod alerts;
mod audit;
mod bootstrap;
mod facts;
mod judge;
mod load;
mod metrics;
pub mod pilot;
mod profile;
mod stats;
mod trend;
mod watchdogs;

use std::collections::HashMap;

pub use alerts::{Alert, AlertKind, alerts};
pub use audit::{
    AuditMatrix, AuditRow, Available, Known, Observed, PainFlag, PainKind, TopDecider, Unknown,
    audit_matrix,
};
pub use bootstrap::{Interval, Rng, Statistic, difference_interval};
pub use facts::{
    Dictionary, DomainSet, Fact, FactRow, Facts, Judgment, Name, Note, OwnedFactRow, instant_of,
    micros,
};
pub use judge::{Directories, Judge, Judged};
pub use metrics::{
    Concentration, Metrics, OutcomeQuality, Outsiders, Quality, TimeToDecision, TypeTimes, metrics,
};
pub use profile::{Deferred, Profile, ProfileOutcomes, profiles};
pub use trend::{Trend, TrendPoint, trend};

use crate::Guide;
use crate::guide::file::Settings;
use crate::lifecycle::{Decision, SYSTEM};
use crate::org::Directory;

/// A metric's period: the same half-open `[from, to)` as an absence.
pub use crate::org::Window;

/// Which decisions a metric counts: one team's, or everyone's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope<'a> {
    Org,
    Team(&'a str),
}

impl Scope<'_> {
    fn covers(self, team: &str) -> bool {
        match self {
            Self::Org => true,
            Self::Team(scoped) => scoped == team,
        }
    }

    fn has_member(self, person: &crate::org::Person) -> bool {
        match self {
            Self::Org => true,
            Self::Team(team) => person.teams.iter().any(|t| t == team),
        }
    }

    fn name(self) -> String {
        match self {
            Self::Org => "org".to_owned(),
            Self::Team(team) => team.to_owned(),
        }
    }

    /// The scope as the projection names it: `Some(None)` for the org,
    /// `Some(Some(team))` for a team with decisions, `None` for a team
    /// with none (nothing is in scope).
    fn name_in(self, facts: &Facts) -> Option<Option<Name>> {
        match self {
            Self::Org => Some(None),
            Self::Team(team) => facts.name(team).map(Some),
        }
    }
}

/// When the first decision in `scope` was opened: where a window over
/// "everything" starts.
pub fn first_opened(facts: &Facts, scope: Scope<'_>) -> Option<chrono::DateTime<chrono::Utc>> {
    let team = scope.name_in(facts)?;
    let scan = facts.scan();
    (0..scan.status.len())
        .filter(|&slot| scan.in_scope(slot, team))
        .filter_map(|slot| scan.opened.get(slot).copied())
        .min()
        .map(instant_of)
}

/// The person whose call a decided decision was; `None` while undecided.
pub fn decided_by(decision: &Decision) -> Option<&str> {
    decision.decided_at?;
    match decision.decided_by.as_deref() {
        Some(person) if person != SYSTEM => Some(person),
        _ => Some(decision.decider.as_str()),
    }
}

/// The guides by team, so each decision is judged by its own team's
/// settings (an org-wide metric mixes teams with different `leader_rank`).
struct Guides<'a> {
    by_team: HashMap<&'a str, &'a Guide>,
    default: Settings,
}

impl<'a> Guides<'a> {
    fn new(guides: &[&'a Guide]) -> Self {
        Self {
            by_team: guides.iter().map(|g| (g.team.as_str(), *g)).collect(),
            default: Settings::default(),
        }
    }

    fn get(&self, team: &str) -> Option<&'a Guide> {
        self.by_team.get(team).copied()
    }

    /// A team without a guide (deleted, or never applied) still has
    /// decisions in the log: it is judged by the SPEC §3.2 defaults.
    fn settings(&self, team: &str) -> &Settings {
        self.get(team).map_or(&self.default, |g| &g.settings)
    }
}

/// SPEC §6 "formal leader": rank at or above the team's `leader_rank`, or a
/// direct report. People missing from the directory are not leaders.
fn is_leader(directory: &Directory, person: &str, leader_rank: i64) -> bool {
    directory
        .find(person)
        .is_some_and(|pid| directory.is_leader(pid, leader_rank))
}

/// The validated level SPEC §6 calls an expert: at least this, in one of the
/// decision type's domains.
const EXPERT_LEVEL: u8 = 3;

/// Endorsements behind an expert's level. "Validated" means someone else
/// confirmed it: with none required, SPEC §4.3 takes the bare claim, and a
/// self-declared 5 would count as expertise. One endorsement is the least
/// that makes the level a validated one.
const EXPERT_ENDORSEMENTS: u32 = 1;

#[cfg(test)]
mod tests;
