//! What waits for a person: positions to give, decisions to make,
//! objection windows open, outcomes due — the dashboard's first panel and
//! `GET /api/v1/me/waiting`. Each is what the lifecycle would accept from
//! them now (`baton_core::lifecycle::waits`).

use baton_core::DecisionId;
use baton_core::lifecycle::{Decision, Status, Wait, waits};
use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::decisions::ReadError;
use crate::{App, Caller};

/// What waits for one person, each list oldest first.
#[derive(Clone, Debug, Default, Serialize, schemars::JsonSchema)]
pub struct Waiting {
    pub person: String,
    /// Decisions they are on the roster of and have given no position on,
    /// before the deliberation deadline.
    pub positions: Vec<Waits>,
    /// Decisions they hold (or were delegated) and may decide now.
    pub decisions: Vec<Waits>,
    /// Decisions in their consensus check, whose routing they may object to.
    pub objections: Vec<Waits>,
    /// Decisions they decided whose outcome review date has come.
    pub outcomes: Vec<Waits>,
    /// Hand-offs of rotation shifts offered to them, to accept or decline.
    pub handoffs: Vec<baton_core::availability::Handoff>,
}

/// One decision waiting, and until when.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct Waits {
    pub id: DecisionId,
    pub team: String,
    #[serde(rename = "type")]
    pub decision_type: String,
    pub title: String,
    pub status: Status,
    pub decider: String,
    /// The deadline this is waited for by; `null` without one.
    pub until: Option<DateTime<Utc>>,
}

fn item(d: &Decision, until: Option<DateTime<Utc>>) -> Waits {
    Waits {
        id: d.id,
        team: d.team.clone(),
        decision_type: d.decision_type.clone(),
        title: d.title.clone(),
        status: d.status,
        decider: d.decider.clone(),
        until,
    }
}

impl App {
    /// What waits for `caller` at `now`.
    pub async fn waiting(&self, caller: &Caller, now: DateTime<Utc>) -> Result<Waiting, ReadError> {
        let mut out = Waiting {
            person: caller.person.clone(),
            ..Waiting::default()
        };
        let open = self.store.decisions().undecided().await?;
        let due = self
            .store
            .decisions()
            .reviews_due(now, caller.person.as_str())
            .await?;
        for d in open.iter().chain(&due) {
            for (wait, until) in waits(d, &caller.person, now) {
                let list = match wait {
                    Wait::Position => &mut out.positions,
                    Wait::Decide => &mut out.decisions,
                    Wait::Objection => &mut out.objections,
                    Wait::Outcome => &mut out.outcomes,
                };
                list.push(item(d, until));
            }
        }
        out.handoffs = self
            .store
            .availability()
            .handoffs(Some(&caller.person))
            .await?
            .into_iter()
            .filter(|h| h.to_person == caller.person && h.status.waits() && h.to > now)
            .collect();
        Ok(out)
    }
}
