//! The org state the resolver reads — load (SPEC §4.2), `spread` history
//! (§4.4) and track records (§4.5) — folded from decisions. This is the
//! one statement of those rules: the store's SQL reads the same state in
//! one round trip and is checked against this fold by a property test, a
//! write batch moves a fold as it plans, and replay asks it *as of* an
//! instant.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};

use crate::guide::Guide;
use crate::lifecycle::{Decision, OutcomeResult, Status};
use crate::resolve::{HistoryIndex, OrgState, Outcomes, PastDecision};

#[cfg(test)]
mod tests;

/// What one decision contributes to the org state: the fields load,
/// history and track records look at, and when each came to be.
#[derive(Clone, Debug, PartialEq)]
pub struct Footprint {
    pub team: String,
    pub decision_type: String,
    pub domains: Vec<String>,
    pub status: Status,
    /// Who holds it now: whose load it weighs on while open.
    pub decider: String,
    pub opened_at: DateTime<Utc>,
    pub decided_at: Option<DateTime<Utc>>,
    /// Whom its history and outcome are credited to.
    pub decided_by: Option<String>,
    /// How it turned out, and when that was recorded.
    pub outcome: Option<(OutcomeResult, DateTime<Utc>)>,
}

impl Footprint {
    pub fn of(d: &Decision) -> Self {
        Self {
            team: d.team.clone(),
            decision_type: d.decision_type.clone(),
            domains: d.domains.clone(),
            status: d.status,
            decider: d.decider.clone(),
            opened_at: d.opened_at,
            decided_at: d.decided_at,
            decided_by: d.decided_by.clone(),
            outcome: d.outcome.as_ref().map(|o| (o.result, o.at)),
        }
    }

    /// What its `spread` history entry depends on.
    fn history_key(&self) -> (&str, &str, Option<&str>, Option<DateTime<Utc>>) {
        (
            &self.team,
            &self.decision_type,
            self.decided_by.as_deref(),
            self.decided_at,
        )
    }

    /// What its track-record entries depend on.
    fn outcome_key(&self) -> (&[String], Option<&str>, Option<OutcomeResult>) {
        (
            &self.domains,
            self.decided_by.as_deref(),
            self.outcome.map(|(r, _)| r),
        )
    }

    /// The footprint as it stood at `at` (inclusive), or `None` before the
    /// decision was opened. A record keeps when it was opened, decided and
    /// its outcome recorded, but not when it escalated, was withdrawn or
    /// passed to another decider: so a decision weighs on its current
    /// decider from opening until it was decided, or for as long as it
    /// still counts now, and one that escalated or was withdrawn undecided
    /// never weighs — as the analytics' load reads the log too.
    pub fn as_of(&self, at: DateTime<Utc>) -> Option<Self> {
        if self.opened_at > at {
            return None;
        }
        let decided_at = self.decided_at.filter(|t| *t <= at);
        let status = match (decided_at, self.decided_at) {
            // Decided by then: whatever it became since weighs on no one.
            (Some(_), _) => Status::Decided,
            // Decided later: it was open then, in some state that counts.
            (None, Some(_)) => Status::Routed,
            (None, None) => self.status,
        };
        Some(Self {
            status,
            decided_at,
            decided_by: decided_at.and(self.decided_by.clone()),
            outcome: self
                .outcome
                .filter(|(_, t)| decided_at.is_some() && *t <= at),
            ..self.clone()
        })
    }
}

/// Which decided decisions a state keeps as `spread` history: one team's,
/// decided in `(from, to]`, of some types or of all.
#[derive(Clone, Debug, PartialEq)]
pub struct HistoryScope {
    pub team: String,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    /// `None`: every type.
    pub types: Option<BTreeSet<String>>,
}

impl HistoryScope {
    /// The history `guide`'s spread rules may ask about for a request at
    /// any instant in `[early, late]`: a superset the resolver narrows to
    /// each rule's window. `None` when no rule has a spread window, so no
    /// history is kept at all.
    pub fn for_guide(guide: &Guide, early: DateTime<Utc>, late: DateTime<Utc>) -> Option<Self> {
        let widest = guide
            .rules
            .iter()
            .filter_map(|r| r.spread.as_ref().map(|s| s.window.as_chrono()))
            .max()?;
        let mut types = Some(BTreeSet::new());
        for rule in guide.rules.iter().filter(|r| r.spread.is_some()) {
            match (&mut types, &rule.types) {
                (Some(all), Some(these)) => all.extend(these.iter().cloned()),
                _ => types = None,
            }
        }
        Some(Self {
            team: guide.team.clone(),
            from: early
                .checked_sub_signed(widest)
                .unwrap_or(DateTime::<Utc>::MIN_UTC),
            to: late,
            types,
        })
    }

    /// Whether a decision of `team` and `decision_type` decided at
    /// `decided_at` is history this scope keeps.
    pub fn holds(&self, team: &str, decision_type: &str, decided_at: DateTime<Utc>) -> bool {
        team == self.team
            && decided_at > self.from
            && decided_at <= self.to
            && self
                .types
                .as_ref()
                .is_none_or(|types| types.contains(decision_type))
    }

    /// Widens the window to hold `other`'s too.
    pub fn widen(&mut self, other: &Self) {
        self.from = self.from.min(other.from);
        self.to = self.to.max(other.to);
    }
}

/// An org state and the footprints it was folded from, kept current as
/// decisions are added, taken away or changed.
#[derive(Clone, Debug, Default)]
pub struct Fold {
    scope: Option<HistoryScope>,
    state: OrgState,
}

impl Fold {
    /// An empty fold keeping the history `scope` holds (none for `None`).
    pub fn new(scope: Option<HistoryScope>) -> Self {
        Self::from_state(scope, OrgState::default())
    }

    /// A fold starting from `state`, which must be what folding the
    /// decisions there are gives (the store's SQL reads it that way).
    pub fn from_state(scope: Option<HistoryScope>, state: OrgState) -> Self {
        Self { scope, state }
    }

    /// The same fold, keeping its history indexed for `spread` from now
    /// on (see [`OrgState::history_index`]).
    pub fn indexed(mut self) -> Self {
        self.state.history_index = Some(HistoryIndex::of(&self.state.history));
        self
    }

    pub fn scope(&self) -> Option<&HistoryScope> {
        self.scope.as_ref()
    }

    pub fn state(&self) -> &OrgState {
        &self.state
    }

    pub fn into_state(self) -> OrgState {
        self.state
    }

    /// One decision row goes from `before` (`None`: it was not there) to
    /// `after`.
    pub fn moved(&mut self, before: Option<&Footprint>, after: &Footprint) {
        let Some(before) = before else {
            self.add(after);
            return;
        };
        // Only what changed is counted again: recording an outcome leaves
        // load and history as they were, and taking a history entry back
        // means finding it.
        if before.status.counts_toward_load() != after.status.counts_toward_load()
            || before.decider != after.decider
        {
            self.count_load(before, -1);
            self.count_load(after, 1);
        }
        if before.history_key() != after.history_key() {
            self.count_decided(before, -1);
            self.count_decided(after, 1);
        }
        if before.outcome_key() != after.outcome_key() {
            self.count_outcomes(before, -1);
            self.count_outcomes(after, 1);
        }
    }

    pub fn add(&mut self, footprint: &Footprint) {
        self.count(footprint, 1);
    }

    /// Forgets the spread history decided at or before `through`: what no
    /// rule's window can reach any more, for a fold moved forward in time
    /// (replay) that must not grow with the log.
    pub fn forget_history_through(&mut self, through: DateTime<Utc>) {
        self.state.history.retain(|p| p.decided_at > through);
        if let Some(index) = &mut self.state.history_index {
            index.forget_through(through);
        }
    }

    /// Takes away a footprint added before.
    pub fn remove(&mut self, footprint: &Footprint) {
        self.count(footprint, -1);
    }

    fn count(&mut self, row: &Footprint, sign: i8) {
        self.count_load(row, sign);
        self.count_decided(row, sign);
        self.count_outcomes(row, sign);
    }

    fn count_load(&mut self, row: &Footprint, sign: i8) {
        if !row.status.counts_toward_load() {
            return;
        }
        let load = self.state.load.remove(&row.decider).unwrap_or(0);
        let load = i64::from(load) + i64::from(sign);
        if load > 0 {
            let load = u32::try_from(load).unwrap_or(u32::MAX);
            self.state.load.insert(row.decider.clone(), load);
        }
    }

    fn count_decided(&mut self, row: &Footprint, sign: i8) {
        if let (Some(by), Some(decided_at)) = (&row.decided_by, row.decided_at) {
            self.count_history(row, by, decided_at, sign);
        }
    }

    fn count_outcomes(&mut self, row: &Footprint, sign: i8) {
        if let (Some(by), Some((result, _))) = (&row.decided_by, row.outcome) {
            self.count_outcome(row, by, result, sign);
        }
    }

    fn count_history(&mut self, row: &Footprint, by: &str, decided_at: DateTime<Utc>, sign: i8) {
        let kept = self
            .scope
            .as_ref()
            .is_some_and(|s| s.holds(&row.team, &row.decision_type, decided_at));
        if !kept {
            return;
        }
        let history = &mut self.state.history;
        if sign > 0 {
            let past = PastDecision {
                decision_type: row.decision_type.clone(),
                decider: by.to_owned(),
                decided_at,
            };
            if let Some(index) = &mut self.state.history_index {
                index.add(&past);
            }
            history.push(past);
        } else if let Some(i) = history.iter().position(|p| {
            p.decided_at == decided_at && p.decider == by && p.decision_type == row.decision_type
        }) {
            let past = history.swap_remove(i);
            if let Some(index) = &mut self.state.history_index {
                index.remove(&past);
            }
        }
    }

    fn count_outcome(&mut self, row: &Footprint, by: &str, result: OutcomeResult, sign: i8) {
        let weight = weight(result);
        let sign = f64::from(sign);
        for domain in &row.domains {
            let people = self.state.track.entry(domain.clone()).or_default();
            let o = people.entry(by.to_owned()).or_default();
            o.success += sign * weight.success;
            o.failure += sign * weight.failure;
            // Counts are whole or half numbers, so exact: a record taken
            // back to nothing is nothing, as if it had never been.
            if o.success <= 0.0 && o.failure <= 0.0 {
                people.remove(by);
            }
            if people.is_empty() {
                self.state.track.remove(domain);
            }
        }
    }
}

/// What one outcome adds to a track record: a success or a failure, or
/// half of each for a `partial` (SPEC §4.5).
pub fn weight(result: OutcomeResult) -> Outcomes {
    match result {
        OutcomeResult::Success => Outcomes {
            success: 1.0,
            failure: 0.0,
        },
        OutcomeResult::Failure => Outcomes {
            success: 0.0,
            failure: 1.0,
        },
        OutcomeResult::Partial => Outcomes {
            success: 0.5,
            failure: 0.5,
        },
    }
}

/// The org state the decisions make as they stand, keeping the history
/// `scope` holds.
pub fn org_state<'a>(
    footprints: impl IntoIterator<Item = &'a Footprint>,
    scope: Option<&HistoryScope>,
) -> OrgState {
    let mut fold = Fold::new(scope.cloned());
    for footprint in footprints {
        fold.add(footprint);
    }
    fold.into_state()
}

/// The org state as it stood at `at` (inclusive), from the decisions as
/// they stand now: each as [`Footprint::as_of`] reads it.
pub fn org_state_as_of<'a>(
    footprints: impl IntoIterator<Item = &'a Footprint>,
    scope: Option<&HistoryScope>,
    at: DateTime<Utc>,
) -> OrgState {
    let mut fold = Fold::new(scope.cloned());
    for then in footprints.into_iter().filter_map(|f| f.as_of(at)) {
        fold.add(&then);
    }
    fold.into_state()
}
