//! Pilots (SPEC §6): a team runs a guide version for a period, and the
//! report compares that period with a baseline — the same length just
//! before it, or a control team in the same period — with a 95% bootstrap
//! interval for each difference, and the unintended consequences the seed
//! warns of (alerts, overrides, concentration) beside it.
//!
//! Both periods are followed for the same time. The pilot's decisions are
//! seen as they stand at the report's instant; a baseline before the pilot
//! is seen as it stood the same time after *its* start — a decision
//! decided, escalated or given an outcome later than that counts as not
//! (yet) so — so a pilot still running is not compared with a baseline
//! that has had months longer to settle. Decisions still open at their
//! period's cut-off are counted and shown, never dropped silently.

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use super::bootstrap::{Interval, Statistic, difference_interval};
use super::facts::{Facts, Name, micros};
use super::stats::{gini, rate};
use crate::lifecycle::OutcomeResult;

/// Resamples drawn within each period, per difference.
pub const RESAMPLES: usize = 10_000;
/// The generator's seed: fixed, so a report is the same on every run.
pub const SEED: u64 = 0x6261_746f_6e5f_7069; // "baton_pi"
/// Fewer decided decisions than this in either period, and a difference
/// is inconclusive.
pub const MIN_DECIDED: usize = 20;
/// Fewer survey responses than this in either period, and an eNPS
/// difference is inconclusive.
pub const MIN_RESPONSES: usize = 3;

/// What a pilot names.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct PilotSpec {
    pub team: String,
    pub types: Vec<String>,
    /// `sha256:` + the guide version the team pilots.
    pub guide_version: String,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    /// A team to compare with over the same period, instead of the pilot
    /// team's own period before.
    pub control: Option<String>,
}

/// One period of a pilot report.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Period {
    /// `pilot`, `baseline` or `control`.
    pub label: String,
    pub team: String,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    /// Decisions are seen as they stood at this instant.
    pub observed_until: DateTime<Utc>,
    /// The pilot's guide version; `null` for a comparison period, which
    /// takes every version.
    pub guide_version: Option<String>,
    /// Decisions of the pilot's types opened in the period.
    pub opened: usize,
    /// Of those, decided by the cut-off.
    pub decided: usize,
    /// Of those, still open at the cut-off.
    pub still_open: usize,
    /// Withdrawn or superseded undecided by the cut-off.
    pub closed_undecided: usize,
    pub median_seconds: Option<f64>,
    pub escalation_rate: Option<f64>,
    pub outcome_quality: Option<f64>,
    pub outcomes: usize,
    /// eNPS of the team's surveys that closed in the period.
    pub enps: Option<f64>,
    pub responses: usize,
    /// Unintended consequences.
    pub override_rate: Option<f64>,
    /// Over the people who decided in the period (zeros are not known for
    /// a comparison team's history): `null` with nobody.
    pub gini: Option<f64>,
    pub top_decider: Option<String>,
    pub top_share: Option<f64>,
    /// The kinds and subjects of the team's alerts standing at the end of
    /// the period (`kind: subject`).
    pub alerts: Vec<String>,
}

/// The two periods compared.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Periods {
    pub pilot: Period,
    /// The period before, or the control team's.
    pub baseline: Period,
}

/// Which comparison.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum PilotMetric {
    MedianTimeToDecisionSeconds,
    EscalationRate,
    OutcomeQuality,
    Enps,
}

impl PilotMetric {
    /// How a report names it.
    pub fn name(self) -> &'static str {
        match self {
            Self::MedianTimeToDecisionSeconds => "median time to decision",
            Self::EscalationRate => "escalation rate",
            Self::OutcomeQuality => "outcome quality",
            Self::Enps => "eNPS",
        }
    }
}

/// What a difference says.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// The interval lies wholly below 0: the pilot's value is lower.
    Lower,
    /// The interval lies wholly above 0.
    Higher,
    /// The interval holds 0.
    NoClearDifference,
    /// Too few decisions (or responses) in a period to say anything.
    Inconclusive,
}

impl Verdict {
    /// How a report says it.
    pub fn words(self) -> &'static str {
        match self {
            Self::Lower => "lower in the pilot",
            Self::Higher => "higher in the pilot",
            Self::NoClearDifference => "no clear difference",
            Self::Inconclusive => "inconclusive",
        }
    }
}

/// One metric compared between the periods.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Comparison {
    pub metric: PilotMetric,
    pub pilot: Option<f64>,
    pub baseline: Option<f64>,
    /// pilot − baseline; `null` when inconclusive.
    pub difference: Option<f64>,
    /// 95% percentile-bootstrap interval of the difference; `null` when
    /// inconclusive.
    pub interval: Option<Interval>,
    pub verdict: Verdict,
    /// Values behind each side: decided decisions, opened decisions,
    /// outcomes or responses, as the metric counts.
    pub pilot_n: usize,
    pub baseline_n: usize,
    pub note: String,
}

/// The whole report.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct PilotComparison {
    pub as_of: DateTime<Utc>,
    pub periods: Periods,
    pub comparisons: Vec<Comparison>,
    pub resamples: usize,
    pub seed: u64,
}

/// The periods a pilot compares, before they are measured.
#[derive(Clone, Debug, PartialEq)]
pub struct Frame {
    pub label: &'static str,
    pub team: String,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub observed_until: DateTime<Utc>,
    pub guide_version: Option<String>,
}

/// The pilot's period and its comparison, as of `as_of`.
pub fn frames(spec: &PilotSpec, as_of: DateTime<Utc>) -> (Frame, Frame) {
    let observed_until = as_of.max(spec.from);
    let pilot = Frame {
        label: "pilot",
        team: spec.team.clone(),
        from: spec.from,
        to: spec.to,
        observed_until,
        guide_version: Some(spec.guide_version.clone()),
    };
    let comparison = match &spec.control {
        Some(control) => Frame {
            label: "control",
            team: control.clone(),
            from: spec.from,
            to: spec.to,
            observed_until,
            guide_version: None,
        },
        None => {
            let length = spec.to - spec.from;
            Frame {
                label: "baseline",
                team: spec.team.clone(),
                from: shift(spec.from, length),
                to: spec.from,
                observed_until: shift(observed_until, length),
                guide_version: None,
            }
        }
    };
    (pilot, comparison)
}

fn shift(t: DateTime<Utc>, back: TimeDelta) -> DateTime<Utc> {
    t.checked_sub_signed(back)
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
}

/// One period's samples: what the bootstrap resamples.
#[derive(Default)]
struct Samples {
    opened: usize,
    still_open: usize,
    closed_undecided: usize,
    seconds: Vec<f64>,
    escalated: Vec<f64>,
    outcomes: Vec<f64>,
    overridden: usize,
    calls: Vec<(Name, usize)>,
}

fn samples(facts: &Facts, frame: &Frame, types: &[String]) -> Samples {
    let mut s = Samples::default();
    let Some(team) = facts.name(&frame.team) else {
        return s;
    };
    let types: Vec<Name> = types.iter().filter_map(|t| facts.name(t)).collect();
    let version = match &frame.guide_version {
        Some(v) => match facts.name(v) {
            Some(n) => Some(n),
            None => return s,
        },
        None => None,
    };
    let (from, to, until) = (
        micros(frame.from),
        micros(frame.to),
        micros(frame.observed_until),
    );
    let seen = |at: Option<i64>| at.is_some_and(|t| t <= until);
    let mut calls = vec![0usize; facts.names()];
    let scan = facts.scan();
    for slot in 0..scan.status.len() {
        if !scan.in_scope(slot, Some(team)) {
            continue;
        }
        let opened = scan.opened.get(slot).copied().unwrap_or(i64::MIN);
        if opened < from || opened >= to {
            continue;
        }
        let Some(fact) = facts.get(slot as u32) else {
            continue;
        };
        if !types.contains(&fact.decision_type) || version.is_some_and(|v| v != fact.guide_version)
        {
            continue;
        }
        s.opened += 1;
        // Escalated by the cut-off; an escalation of unknown instant counts.
        let escalated = fact.escalated && fact.escalated_at.is_none_or(|at| at <= until);
        s.escalated.push(if escalated { 1.0 } else { 0.0 });
        if !seen(fact.decided) {
            if fact.status.is_open() || fact.decided.is_some() {
                s.still_open += 1;
            } else {
                s.closed_undecided += 1;
            }
            continue;
        }
        let Some(who) = fact.call else {
            continue;
        };
        s.seconds.extend(fact.seconds_to_decide().map(|v| v as f64));
        s.overridden += usize::from(fact.overridden);
        if let Some(c) = calls.get_mut(who.index()) {
            *c += 1;
        }
        if let Some(result) = fact.outcome
            && seen(fact.outcome_at)
        {
            s.outcomes.push(match result {
                OutcomeResult::Success => 1.0,
                OutcomeResult::Partial => 0.5,
                OutcomeResult::Failure => 0.0,
            });
        }
    }
    s.calls = calls
        .into_iter()
        .enumerate()
        .filter(|(_, n)| *n > 0)
        .map(|(i, n)| (Name::at(i), n))
        .collect();
    for v in [&mut s.seconds, &mut s.escalated, &mut s.outcomes] {
        v.sort_by(f64::total_cmp);
    }
    s
}

/// eNPS of scores 0–10: % promoters (9–10) − % detractors (0–6), each
/// score as +100, 0 or −100 so the mean is the eNPS.
fn enps_values(scores: &[u64]) -> Vec<f64> {
    let mut v: Vec<f64> = scores
        .iter()
        .map(|&s| match s {
            9.. => 100.0,
            7 | 8 => 0.0,
            _ => -100.0,
        })
        .collect();
    v.sort_by(f64::total_cmp);
    v
}

/// What the application adds to a frame: its surveys' eNPS scores and the
/// alerts standing at its end.
pub struct Extras {
    pub enps_scores: Vec<u64>,
    pub alerts: Vec<String>,
}

/// The pilot report over the projection, with each frame's extras.
pub fn compare(
    facts: &Facts,
    spec: &PilotSpec,
    as_of: DateTime<Utc>,
    (pilot_frame, base_frame): (&Frame, &Frame),
    (pilot_extras, base_extras): (&Extras, &Extras),
    resamples: usize,
) -> PilotComparison {
    let p = samples(facts, pilot_frame, &spec.types);
    let b = samples(facts, base_frame, &spec.types);
    let (pe, be) = (
        enps_values(&pilot_extras.enps_scores),
        enps_values(&base_extras.enps_scores),
    );
    let decided_enough = p.seconds.len() >= MIN_DECIDED && b.seconds.len() >= MIN_DECIDED;
    let too_few = format!(
        "fewer than {MIN_DECIDED} decided decisions in a period ({} and {}): too few to say",
        p.seconds.len(),
        b.seconds.len()
    );
    let mut comparisons = Vec::new();
    let mut seed = SEED;
    for (metric, statistic, x, y, enough, why) in [
        (
            PilotMetric::MedianTimeToDecisionSeconds,
            Statistic::Median,
            &p.seconds,
            &b.seconds,
            decided_enough,
            too_few.clone(),
        ),
        (
            PilotMetric::EscalationRate,
            Statistic::Mean,
            &p.escalated,
            &b.escalated,
            decided_enough,
            too_few.clone(),
        ),
        (
            PilotMetric::OutcomeQuality,
            Statistic::Mean,
            &p.outcomes,
            &b.outcomes,
            decided_enough && !p.outcomes.is_empty() && !b.outcomes.is_empty(),
            if decided_enough {
                "a period has no outcome recorded by its cut-off".to_owned()
            } else {
                too_few.clone()
            },
        ),
        (
            PilotMetric::Enps,
            Statistic::Mean,
            &pe,
            &be,
            pe.len() >= MIN_RESPONSES && be.len() >= MIN_RESPONSES,
            format!(
                "fewer than {MIN_RESPONSES} survey responses in a period ({} and {})",
                pe.len(),
                be.len()
            ),
        ),
    ] {
        seed = seed.wrapping_add(1);
        comparisons.push(comparison(
            metric, statistic, x, y, enough, &why, resamples, seed,
        ));
    }
    PilotComparison {
        as_of,
        periods: Periods {
            pilot: period(facts, pilot_frame, &p, &pe, pilot_extras),
            baseline: period(facts, base_frame, &b, &be, base_extras),
        },
        comparisons,
        resamples,
        seed: SEED,
    }
}

#[expect(
    clippy::too_many_arguments,
    reason = "one comparison's every input, once"
)]
fn comparison(
    metric: PilotMetric,
    statistic: Statistic,
    pilot: &[f64],
    baseline: &[f64],
    enough: bool,
    why: &str,
    resamples: usize,
    seed: u64,
) -> Comparison {
    let (x, y) = (statistic.of(pilot), statistic.of(baseline));
    let interval = enough
        .then(|| difference_interval(statistic, pilot, baseline, resamples, seed))
        .flatten();
    let verdict = match interval {
        None => Verdict::Inconclusive,
        Some(i) if i.high < 0.0 => Verdict::Lower,
        Some(i) if i.low > 0.0 => Verdict::Higher,
        Some(_) => Verdict::NoClearDifference,
    };
    Comparison {
        metric,
        pilot: x,
        baseline: y,
        difference: interval.and(x.zip(y).map(|(x, y)| x - y)),
        interval,
        verdict,
        pilot_n: pilot.len(),
        baseline_n: baseline.len(),
        note: match verdict {
            Verdict::Inconclusive => why.to_owned(),
            Verdict::NoClearDifference => "the 95% interval holds 0: no clear difference".into(),
            Verdict::Lower => "the 95% interval lies below 0: lower in the pilot".into(),
            Verdict::Higher => "the 95% interval lies above 0: higher in the pilot".into(),
        },
    }
}

fn period(facts: &Facts, frame: &Frame, s: &Samples, enps: &[f64], extras: &Extras) -> Period {
    let decided = s.seconds.len();
    let counts: Vec<u64> = s.calls.iter().map(|(_, n)| *n as u64).collect();
    let top = s.calls.iter().map(|(who, n)| (facts.text(*who), *n)).fold(
        None::<(&str, usize)>,
        |best, (who, n)| match best {
            Some((b, k)) if k > n || (k == n && b < who) => best,
            _ => Some((who, n)),
        },
    );
    Period {
        label: frame.label.to_owned(),
        team: frame.team.clone(),
        from: frame.from,
        to: frame.to,
        observed_until: frame.observed_until,
        guide_version: frame.guide_version.clone(),
        opened: s.opened,
        decided,
        still_open: s.still_open,
        closed_undecided: s.closed_undecided,
        median_seconds: Statistic::Median.of(&s.seconds),
        escalation_rate: Statistic::Mean.of(&s.escalated),
        outcome_quality: Statistic::Mean.of(&s.outcomes),
        outcomes: s.outcomes.len(),
        enps: Statistic::Mean.of(enps),
        responses: enps.len(),
        override_rate: rate(s.overridden, decided),
        gini: gini(&counts),
        top_decider: top.map(|(who, _)| who.to_owned()),
        top_share: top.and_then(|(_, n)| rate(n, decided)),
        alerts: extras.alerts.clone(),
    }
}

/// The instant alerts of a period are read at: its end, or the cut-off if
/// that comes first.
pub fn alerts_at(frame: &Frame) -> DateTime<Utc> {
    frame.to.min(frame.observed_until)
}
