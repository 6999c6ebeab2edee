//! The SPEC §6 metrics over a window and a scope.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

use super::stats::{gini, median, nearest_rank, rate};
use super::{Directories, Judge, Scope, Window, decided_by};
use crate::Guide;
use crate::lifecycle::{Decision, OutcomeResult};
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
    fn add(&mut self, result: OutcomeResult) {
        self.recorded += 1;
        match result {
            OutcomeResult::Success => self.success += 1,
            OutcomeResult::Partial => self.partial += 1,
            OutcomeResult::Failure => self.failure += 1,
        }
        // Halves stay exact in f64, so recomputing per outcome is harmless.
        self.rate = Some((self.success as f64 + 0.5 * self.partial as f64) / self.recorded as f64);
    }
}

/// SPEC §6 metrics of `scope` over `window`. Each decider is judged by the
/// directory in force when they decided and by their decision's own team's
/// guide (`leader_rank`; teams without one use the defaults); the
/// population of the concentration is the current directory's.
pub fn metrics(
    decisions: &[Decision],
    directories: &Directories,
    guides: &[&Guide],
    scope: Scope<'_>,
    window: Window,
) -> Metrics {
    let judge = Judge::new(directories, guides);
    let mut opened = 0;
    let mut escalated = 0;
    let mut decided: Vec<(&Decision, &str)> = Vec::new();
    for d in decisions.iter().filter(|d| scope.includes(d)) {
        if window.contains(d.opened_at) {
            opened += 1;
            escalated += usize::from(d.escalated);
        }
        if let (Some(at), Some(who)) = (d.decided_at, decided_by(d))
            && window.contains(at)
        {
            decided.push((d, who));
        }
    }
    let mut leaders = 0;
    let mut experts = 0;
    let mut overridden = 0;
    let mut quality = OutcomeQuality::default();
    for &(d, who) in &decided {
        overridden += usize::from(d.overridden);
        match judge.judge(d, who) {
            Some(j) if j.leader => leaders += 1,
            Some(j) if j.expert => experts += 1,
            _ => {}
        }
        if let Some(outcome) = &d.outcome {
            let result = outcome.result;
            quality.overall.add(result);
            let framework = d.resolution.framework.as_str().to_owned();
            quality
                .by_framework
                .entry(framework)
                .or_default()
                .add(result);
            quality
                .by_type
                .entry(d.decision_type.clone())
                .or_default()
                .add(result);
            quality
                .by_decider
                .entry(who.to_owned())
                .or_default()
                .add(result);
        }
    }
    let n = decided.len();
    let weeks = (window.to - window.from).num_seconds() as f64 / (7.0 * 86_400.0);
    Metrics {
        window,
        scope: scope.name(),
        decided: n,
        opened,
        time_to_decision: time_to_decision(&decided),
        velocity_per_week: (weeks > 0.0).then(|| n as f64 / weeks),
        escalation_rate: rate(escalated, opened),
        leader_share: rate(leaders, n),
        expert_share: rate(experts, n),
        concentration: concentration(&decided, directories.current(), scope),
        override_rate: rate(overridden, n),
        outcome_quality: quality,
    }
}

/// `decided_at − opened_at` in seconds; never negative, even for a log
/// whose clocks disagreed.
pub(super) fn seconds_to_decide(d: &Decision) -> Option<i64> {
    Some((d.decided_at? - d.opened_at).num_seconds().max(0))
}

fn time_to_decision(decided: &[(&Decision, &str)]) -> Option<TimeToDecision> {
    let mut all = Vec::with_capacity(decided.len());
    let mut per_type: BTreeMap<String, Vec<i64>> = BTreeMap::new();
    for (d, _) in decided {
        if let Some(s) = seconds_to_decide(d) {
            all.push(s);
            per_type.entry(d.decision_type.clone()).or_default().push(s);
        }
    }
    let (median_seconds, p90_seconds) = summary(&mut all)?;
    let by_type = per_type
        .into_iter()
        .filter_map(|(t, mut times)| {
            let (median_seconds, p90_seconds) = summary(&mut times)?;
            Some((
                t,
                TypeTimes {
                    count: times.len(),
                    median_seconds,
                    p90_seconds,
                },
            ))
        })
        .collect();
    Some(TimeToDecision {
        median_seconds,
        p90_seconds,
        by_type,
    })
}

/// Median and nearest-rank p90; sorts `times` in place.
pub(super) fn summary(times: &mut [i64]) -> Option<(f64, i64)> {
    times.sort_unstable();
    Some((median(times)?, nearest_rank(times, 90)?))
}

fn concentration(
    decided: &[(&Decision, &str)],
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
    for (_, who) in decided {
        match members.get_mut(who) {
            Some(n) => {
                *n += 1;
                *counts.entry((*who).to_owned()).or_default() += 1;
            }
            None => {
                outsiders.decided += 1;
                *outsiders.decided_by.entry((*who).to_owned()).or_default() += 1;
            }
        }
    }
    outsiders.share = rate(outsiders.decided, decided.len());
    let by_members = decided.len() - outsiders.decided;
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
