//! Org state: what the store knows that changes who may decide.
//!
//! The resolver is a pure function, so everything it needs beyond the
//! directory and the guide arrives in this value. The offline CLI passes
//! [`OrgState::default`]; the store fills it from the decision log.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct OrgState {
    /// Open decisions (`routed`, `deliberating`, `checking`) per decider id.
    #[serde(default)]
    pub load: HashMap<String, u32>,
    /// Decided decisions, for `spread`. Only those inside the largest
    /// `spread.window` of the guide matter.
    #[serde(default)]
    pub history: Vec<PastDecision>,
    /// Outcomes per domain, then per person id, for track records. Keyed by
    /// domain first because an expertise query asks "who in this domain has
    /// a record?", and must not walk everyone's history to find out.
    #[serde(default)]
    pub track: HashMap<String, HashMap<String, Outcomes>>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PastDecision {
    #[serde(rename = "type")]
    pub decision_type: String,
    pub decider: String,
    pub decided_at: DateTime<Utc>,
}

/// Successful and failed outcomes; a `partial` adds ½ to each.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Outcomes {
    pub success: f64,
    pub failure: f64,
}

impl Outcomes {
    /// SPEC §4.5: (s + 1) / (s + f + 2), a Laplace-smoothed success rate, so
    /// a person with no history sits at ½ rather than at an extreme.
    pub fn track_record(self) -> f64 {
        (self.success + 1.0) / (self.success + self.failure + 2.0)
    }
}

impl OrgState {
    pub fn load_of(&self, id: &str) -> u32 {
        self.load.get(id).copied().unwrap_or(0)
    }

    pub fn track_record(&self, id: &str, domain: &str) -> f64 {
        self.track
            .get(domain)
            .and_then(|people| people.get(id))
            .copied()
            .unwrap_or_default()
            .track_record()
    }

    /// The same state with its history in one order (by instant, then
    /// person and type), so that two states compare equal whatever order
    /// they were read or folded in.
    pub fn normalized(mut self) -> Self {
        self.history.sort_by(|a, b| {
            (a.decided_at, &a.decider, &a.decision_type).cmp(&(
                b.decided_at,
                &b.decider,
                &b.decision_type,
            ))
        });
        self
    }

    /// Records `outcomes` for `person` in `domain`, replacing any before.
    pub fn record(&mut self, person: &str, domain: &str, outcomes: Outcomes) {
        self.track
            .entry(domain.to_owned())
            .or_default()
            .insert(person.to_owned(), outcomes);
    }
}
