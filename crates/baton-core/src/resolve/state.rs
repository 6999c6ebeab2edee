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
    /// `history` indexed for `spread`, when the [`crate::fold::Fold`] that
    /// keeps this state was asked to keep one (replay, which resolves
    /// hundreds of thousands of requests, each against a month of
    /// history); `None` on a state built any other way, which `spread`
    /// then walks.
    #[serde(skip)]
    pub history_index: Option<HistoryIndex>,
}

/// Decided decisions by type, and by type and decider, each a sorted list
/// of instants: a `spread` window is then counted with binary searches,
/// not a walk of the history.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct HistoryIndex {
    by_type: HashMap<String, TypeHistory>,
}

#[derive(Clone, Debug, Default, PartialEq)]
struct TypeHistory {
    all: Vec<DateTime<Utc>>,
    by: HashMap<String, Vec<DateTime<Utc>>>,
}

impl HistoryIndex {
    pub fn of(history: &[PastDecision]) -> Self {
        let mut index = Self::default();
        for p in history {
            index.add(p);
        }
        index
    }

    pub fn add(&mut self, p: &PastDecision) {
        // Keys are cloned only when new: replay adds an entry per decision.
        if !self.by_type.contains_key(&p.decision_type) {
            self.by_type
                .insert(p.decision_type.clone(), TypeHistory::default());
        }
        let Some(t) = self.by_type.get_mut(&p.decision_type) else {
            return;
        };
        insert_sorted(&mut t.all, p.decided_at);
        if !t.by.contains_key(&p.decider) {
            t.by.insert(p.decider.clone(), Vec::new());
        }
        if let Some(times) = t.by.get_mut(&p.decider) {
            insert_sorted(times, p.decided_at);
        }
    }

    pub fn remove(&mut self, p: &PastDecision) {
        let Some(t) = self.by_type.get_mut(&p.decision_type) else {
            return;
        };
        remove_one(&mut t.all, p.decided_at);
        if let Some(times) = t.by.get_mut(&p.decider) {
            remove_one(times, p.decided_at);
            if times.is_empty() {
                t.by.remove(&p.decider);
            }
        }
        if t.all.is_empty() {
            self.by_type.remove(&p.decision_type);
        }
    }

    /// Forgets what was decided at or before `through`.
    pub fn forget_through(&mut self, through: DateTime<Utc>) {
        for t in self.by_type.values_mut() {
            drop_through(&mut t.all, through);
            for times in t.by.values_mut() {
                drop_through(times, through);
            }
            t.by.retain(|_, times| !times.is_empty());
        }
        self.by_type.retain(|_, t| !t.all.is_empty());
    }

    /// Decisions decided in `(from, to]` of the types `applies` accepts,
    /// by `decider` (everyone's with `None`).
    pub fn count(
        &self,
        applies: impl Fn(&str) -> bool,
        decider: Option<&str>,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> usize {
        self.by_type
            .iter()
            .filter(|(ty, _)| applies(ty))
            .map(|(_, t)| match decider {
                None => within(&t.all, from, to),
                Some(d) => t.by.get(d).map_or(0, |times| within(times, from, to)),
            })
            .sum()
    }
}

fn insert_sorted(times: &mut Vec<DateTime<Utc>>, at: DateTime<Utc>) {
    let i = times.partition_point(|t| *t <= at);
    times.insert(i, at);
}

fn remove_one(times: &mut Vec<DateTime<Utc>>, at: DateTime<Utc>) {
    let i = times.partition_point(|t| *t < at);
    if times.get(i) == Some(&at) {
        times.remove(i);
    }
}

fn drop_through(times: &mut Vec<DateTime<Utc>>, through: DateTime<Utc>) {
    let n = times.partition_point(|t| *t <= through);
    times.drain(..n);
}

/// How many of the sorted `times` fall in `(from, to]`.
fn within(times: &[DateTime<Utc>], from: DateTime<Utc>, to: DateTime<Utc>) -> usize {
    let end = times.partition_point(|t| *t <= to);
    let start = times.partition_point(|t| *t <= from);
    end.saturating_sub(start)
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
