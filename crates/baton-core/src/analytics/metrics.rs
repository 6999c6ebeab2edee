//! The SPEC §6 metrics over a window and a scope.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

use super::facts::{Fact, Facts, Name, micros};
use super::stats::{gini, median, nearest_rank, rate};
use super::{Directories, Scope, Window};
use crate::lifecycle::OutcomeResult;
use crate::org::Directory;

/// Everything `GET /api/v1/metrics` shows for one window and
/// scope. Rates are `null` when their denominator is zero.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Metrics {
    pub window: Window,
    /// `org`, or the team's name.
    pub scope: String,
    /// Decisions decided in the window: the denominator of most rates.
    pub decided: usize,
    /// Decisions opened in the window: the denominator of the escalation rate.
    pub opened: usize,
    /// `null` when nothing was decided in the window.
    pub time_to_decision: Option<TimeToDecision>,
    /// `null` for an empty window.
    pub velocity_per_week: Option<f64>,
    pub escalation_rate: Option<f64>,
    pub leader_share: Option<f64>,
    pub expert_share: Option<f64>,
    pub concentration: Concentration,
    pub override_rate: Option<f64>,
    pub outcome_quality: OutcomeQuality,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct TimeToDecision {
    /// The mean of the two middle values for an even count.
    pub median_seconds: f64,
    /// Nearest-rank: always one of the observed times.
    pub p90_seconds: i64,
    pub by_type: BTreeMap<String, TypeTimes>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct TypeTimes {
    pub count: usize,
    pub median_seconds: f64,
    pub p90_seconds: i64,
}

/// How unevenly authority is spread over the people who could hold it
/// (SPEC §6): the team's members, zeros included. Decisions of the team
/// decided by someone outside it (an escalation target, a departed person)
/// are not in that distribution; they are counted beside it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Concentration {
    /// The population the Gini coefficient is over: the team's members in
    /// the current directory (everyone in it, for the org).
    pub people: usize,
    /// `null` when no member decided anything.
    pub gini: Option<f64>,
    /// The member with most decisions; ties go to the first id.
    pub top_decider: Option<String>,
    /// The top decider's share of the decisions members decided.
    pub top_share: Option<f64>,
    /// Per-member decided counts; the zeros are left out, since for the org
    /// they would list the whole directory.
    pub decided_by: BTreeMap<String, usize>,
    pub outsiders: Outsiders,
}

/// Decisions decided by people outside the population.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Outsiders {
    pub decided: usize,
    /// Of every decision decided in the window; `null` when none was.
    pub share: Option<f64>,
    pub decided_by: BTreeMap<String, usize>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct OutcomeQuality {
    pub overall: Quality,
    pub by_framework: BTreeMap<String, Quality>,
    pub by_type: BTreeMap<String, Quality>,
    pub by_decider: BTreeMap<String, Quality>,
}

/// Outcomes recorded for decisions decided in the window.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Quality {
    pub recorded: usize,
    pub success: usize,
    pub partial: usize,
    pub failure: usize,
    /// (success + ½ partial) ÷ recorded; `null` with nothing recorded.
    pub rate: Option<f64>,
}

impl Quality {
    pub(super) fn add(&mut self, result: OutcomeResult) {
        self.add_times(result, 1);
    }

    pub(super) fn add_times(&mut self, result: OutcomeResult, times: usize) {
        if times == 0 {
            return;
        }
        self.recorded += times;
        match result {
            OutcomeResult::Success => self.success += times,
            OutcomeResult::Partial => self.partial += times,
            OutcomeResult::Failure => self.failure += times,
        }
        // Halves stay exact in f64, so recomputing per outcome is harmless.
        self.rate = Some((self.success as f64 + 0.5 * self.partial as f64) / self.recorded as f64);
    }
}

/// SPEC §6 metrics of `scope` over `window`, from the projection. Each
/// decider is judged as `facts` judged them (by the directory in force
/// when they decided and their decision's own team's `leader_rank`); the
/// population of the concentration is the current directory's.
pub fn metrics(
    facts: &Facts,
    directories: &Directories,
    scope: Scope<'_>,
    window: Window,
) -> Metrics {
    let mut tally = Tally::new(facts);
    if let Some(team) = scope.name_in(facts) {
        let scan = facts.scan();
        let (from, to) = (micros(window.from), micros(window.to));
        for slot in 0..scan.status.len() {
            if !scan.in_scope(slot, team) {
                continue;
            }
            let opened = scan.opened.get(slot).copied().unwrap_or(i64::MIN);
            let decided = scan.decided.get(slot).copied().unwrap_or(i64::MIN);
            let opened_in = from <= opened && opened < to;
            let decided_in = from <= decided && decided < to;
            if !opened_in && !decided_in {
                continue;
            }
            let Some(fact) = facts.get(slot as u32) else {
                continue;
            };
            if opened_in {
                tally.opened += 1;
                tally.escalated += usize::from(fact.escalated);
            }
            if decided_in {
                tally.decided(facts, &fact);
            }
        }
    }
    let n = tally.decided;
    let weeks = (window.to - window.from).num_seconds() as f64 / (7.0 * 86_400.0);
    Metrics {
        window,
        scope: scope.name(),
        decided: n,
        opened: tally.opened,
        time_to_decision: time_to_decision(facts, &mut tally.times),
        velocity_per_week: (weeks > 0.0).then(|| n as f64 / weeks),
        escalation_rate: rate(tally.escalated, tally.opened),
        leader_share: rate(tally.leaders, n),
        expert_share: rate(tally.experts, n),
        concentration: concentration(facts, tally.calls(), n, directories.current(), scope),
        override_rate: rate(tally.overridden, n),
        outcome_quality: tally.quality.named(facts),
    }
}

/// What one pass over a window gathers. Per-name tallies are arrays
/// indexed by [`Name::index`]: ten million decided decisions are then
/// counted without hashing one.
struct Tally {
    opened: usize,
    escalated: usize,
    decided: usize,
    leaders: usize,
    experts: usize,
    overridden: usize,
    /// Seconds to decide, by type.
    times: Vec<Vec<i64>>,
    /// Decided count, by whose call it was.
    calls: Vec<usize>,
    quality: QualityBy,
}

impl Tally {
    fn new(facts: &Facts) -> Self {
        Self {
            opened: 0,
            escalated: 0,
            decided: 0,
            leaders: 0,
            experts: 0,
            overridden: 0,
            times: vec![Vec::new(); facts.names()],
            calls: vec![0; facts.names()],
            quality: QualityBy::new(facts),
        }
    }

    fn decided(&mut self, facts: &Facts, fact: &Fact) {
        let Some(who) = fact.call else {
            return;
        };
        self.decided += 1;
        self.overridden += usize::from(fact.overridden);
        let judged = facts.judgment(fact.slot);
        if judged.leader {
            self.leaders += 1;
        } else if judged.expert {
            self.experts += 1;
        }
        if let (Some(seconds), Some(times)) = (
            fact.seconds_to_decide(),
            self.times.get_mut(fact.decision_type.index()),
        ) {
            times.push(seconds);
        }
        if let Some(n) = self.calls.get_mut(who.index()) {
            *n += 1;
        }
        if let Some(result) = fact.outcome {
            self.quality.add(fact, who, result);
        }
    }

    /// The decided counts by whose call, the zeros left out.
    fn calls(&self) -> impl Iterator<Item = (Name, usize)> + '_ {
        self.calls
            .iter()
            .enumerate()
            .filter(|(_, n)| **n > 0)
            .map(|(i, n)| (Name::at(i), *n))
    }
}

/// Outcome quality gathered by interned key, named once at the end.
pub(super) struct QualityBy {
    overall: Quality,
    by_framework: BTreeMap<&'static str, Quality>,
    by_type: Vec<Quality>,
    by_decider: Vec<Quality>,
}

impl QualityBy {
    pub(super) fn new(facts: &Facts) -> Self {
        Self {
            overall: Quality::default(),
            by_framework: BTreeMap::new(),
            by_type: vec![Quality::default(); facts.names()],
            by_decider: vec![Quality::default(); facts.names()],
        }
    }

    pub(super) fn add(&mut self, fact: &Fact, who: Name, result: OutcomeResult) {
        self.overall.add(result);
        self.by_framework
            .entry(fact.framework.as_str())
            .or_default()
            .add(result);
        if let Some(q) = self.by_type.get_mut(fact.decision_type.index()) {
            q.add(result);
        }
        if let Some(q) = self.by_decider.get_mut(who.index()) {
            q.add(result);
        }
    }

    pub(super) fn named(self, facts: &Facts) -> OutcomeQuality {
        let named = |m: Vec<Quality>| {
            m.into_iter()
                .enumerate()
                .filter(|(_, q)| q.recorded > 0)
                .map(|(i, q)| (facts.text(Name::at(i)).to_owned(), q))
                .collect()
        };
        OutcomeQuality {
            overall: self.overall,
            by_framework: self
                .by_framework
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v))
                .collect(),
            by_type: named(self.by_type),
            by_decider: named(self.by_decider),
        }
    }
}

fn time_to_decision(facts: &Facts, per_type: &mut [Vec<i64>]) -> Option<TimeToDecision> {
    let mut by_type = BTreeMap::new();
    for (ty, times) in per_type.iter_mut().enumerate() {
        if let Some((median_seconds, p90_seconds)) = summary(times) {
            by_type.insert(
                facts.text(Name::at(ty)).to_owned(),
                TypeTimes {
                    count: times.len(),
                    median_seconds,
                    p90_seconds,
                },
            );
        }
    }
    let mut all: Vec<i64> = Vec::with_capacity(per_type.iter().map(Vec::len).sum());
    for times in per_type.iter_mut() {
        all.append(times);
    }
    let (median_seconds, p90_seconds) = summary(&mut all)?;
    Some(TimeToDecision {
        median_seconds,
        p90_seconds,
        by_type,
    })
}

/// Median and nearest-rank p90 of `times`, which it reorders.
pub(super) fn summary(times: &mut [i64]) -> Option<(f64, i64)> {
    let p90 = nearest_rank(times, 90)?;
    Some((median(times)?, p90))
}

fn concentration(
    facts: &Facts,
    calls: impl Iterator<Item = (Name, usize)>,
    decided: usize,
    directory: &Directory,
    scope: Scope<'_>,
) -> Concentration {
    let mut members: HashMap<&str, u64> = directory
        .people()
        .filter(|(_, p)| scope.has_member(p))
        .map(|(_, p)| (p.id.as_str(), 0))
        .collect();
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    let mut outsiders = Outsiders::default();
    for (who, n) in calls {
        let who = facts.text(who);
        match members.get_mut(who) {
            Some(count) => {
                *count += n as u64;
                counts.insert(who.to_owned(), n);
            }
            None => {
                outsiders.decided += n;
                outsiders.decided_by.insert(who.to_owned(), n);
            }
        }
    }
    outsiders.share = rate(outsiders.decided, decided);
    let by_members = decided - outsiders.decided;
    let values: Vec<u64> = members.values().copied().collect();
    // BTreeMap order is id order, so the first of equal counts wins the tie.
    let top = counts
        .iter()
        .fold(None::<(&String, usize)>, |best, (who, &n)| match best {
            Some((_, b)) if b >= n => best,
            _ => Some((who, n)),
        });
    Concentration {
        people: values.len(),
        gini: gini(&values),
        top_decider: top.map(|(who, _)| who.clone()),
        top_share: top.and_then(|(_, n)| rate(n, by_members)),
        decided_by: counts,
        outsiders,
    }
}
