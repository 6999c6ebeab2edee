//! What a decision waits for from one person now: the same conditions the
//! lifecycle checks when they act, asked before they do — so "waiting for
//! me" never lists an action the lifecycle would refuse.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::model::{Decision, Status};
use super::rules::on_roster;

/// Something a decision waits for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Wait {
    /// A position, from someone on the roster who has given none, before
    /// the deliberation deadline.
    Position,
    /// The decision itself, from whoever holds it (or their delegate).
    Decide,
    /// An objection may still be raised: the consensus check is open.
    Objection,
    /// Its outcome, due since its review date, from whoever decided it.
    Outcome,
}

/// What `d` waits for from `person` at `at`, with the deadline each has
/// (`None` where there is none).
pub fn waits(d: &Decision, person: &str, at: DateTime<Utc>) -> Vec<(Wait, Option<DateTime<Utc>>)> {
    let mut out = Vec::new();
    let holds = d.decider == person || d.delegate.as_deref() == Some(person);
    let on = on_roster(&d.resolution, person) || holds;
    let deliberation = d.resolution.deliberation.deadline;
    let open_for_positions = matches!(
        d.status,
        Status::Routed | Status::Checking | Status::Deliberating | Status::Escalated
    ) && at < deliberation;
    if on && open_for_positions && !d.positions.iter().any(|p| p.person == person) {
        out.push((Wait::Position, Some(deliberation)));
    }
    if let Some(check) = &d.resolution.consensus_check
        && on
        && d.status == Status::Checking
        && at < check.deadline
    {
        out.push((Wait::Objection, Some(check.deadline)));
    }
    if holds
        && matches!(
            d.status,
            Status::Routed | Status::Deliberating | Status::Escalated
        )
    {
        let escalates = d
            .resolution
            .escalation
            .as_ref()
            .filter(|_| !d.escalated)
            .map(|e| e.deadline);
        out.push((Wait::Decide, escalates));
    }
    let decided_it = d.decided_by.as_deref() == Some(person) || d.decider == person;
    if d.status == Status::Decided
        && d.outcome.is_none()
        && decided_it
        && d.review_on.is_some_and(|day| day <= at.date_naive())
    {
        out.push((Wait::Outcome, None));
    }
    out
}
