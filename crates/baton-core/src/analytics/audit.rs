//! The audit matrix (SPEC §6), the first step of adopting the model: per
//! decision type, how decisions are made today — how many, how often
//! against how often the guide says, who decides and how concentrated that
//! is, how long it takes, how often it escalates, how it turns out — and
//! the pain each shows.
//!
//! It reads a projection of the log or of a spreadsheet of past decisions.
//! A spreadsheet may lack what a column needs (no `escalated`, no
//! `outcome`, no directory to tell leaders, no guide to declare types):
//! such cells are [`Known::Unknown`], shown as `unknown`, never a guess.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::{Deserialize, Serialize};

use super::facts::{Facts, Name, micros};
use super::metrics::{Quality, summary};
use super::stats::rate;
use super::{Scope, Window};
use crate::guide::file::{Frequency, GuideFile, Impact};

/// A value, or `"unknown"` where the source does not say.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(untagged)]
pub enum Known<T> {
    Known(T),
    Unknown(Unknown),
}

/// The text `unknown`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub enum Unknown {
    #[serde(rename = "unknown")]
    Unknown,
}

impl<T> Known<T> {
    pub fn unknown() -> Self {
        Self::Unknown(Unknown::Unknown)
    }

    pub fn get(&self) -> Option<&T> {
        match self {
            Self::Known(v) => Some(v),
            Self::Unknown(_) => None,
        }
    }

    fn when(known: bool, value: impl FnOnce() -> T) -> Self {
        if known {
            Self::Known(value())
        } else {
            Self::unknown()
        }
    }
}

/// How often decisions of a type come: the guide's four, and rarer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Observed {
    Daily,
    Weekly,
    Monthly,
    Quarterly,
    /// Less than twice a year.
    Rarely,
}

impl Observed {
    /// The class of a mean interval between decisions: the nominal period
    /// (1, 7, 30.44, 91.31 and 365.25 days) nearest on a log scale, so
    /// the boundaries are the geometric means of neighbours (2.65, 14.60,
    /// 52.72 and 182.62 days).
    pub fn of_interval(days: f64) -> Self {
        const PERIODS: [(Observed, f64); 5] = [
            (Observed::Daily, 1.0),
            (Observed::Weekly, 7.0),
            (Observed::Monthly, 30.4375),
            (Observed::Quarterly, 91.3125),
            (Observed::Rarely, 365.25),
        ];
        let mut class = Observed::Daily;
        for pair in PERIODS.windows(2) {
            if let [(_, a), (next, b)] = pair
                && days > (a * b).sqrt()
            {
                class = *next;
            }
        }
        class
    }

    fn matches(self, declared: Frequency) -> bool {
        matches!(
            (self, declared),
            (Observed::Daily, Frequency::Daily)
                | (Observed::Weekly, Frequency::Weekly)
                | (Observed::Monthly, Frequency::Monthly)
                | (Observed::Quarterly, Frequency::Quarterly)
        )
    }
}

/// Which of its inputs the source holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Available {
    /// When each decision was decided.
    pub decided_at: bool,
    /// Who decided.
    pub decider: bool,
    pub escalated: bool,
    pub outcome: bool,
    /// A directory, to tell formal leaders.
    pub directory: bool,
}

impl Available {
    /// The log has everything.
    pub const ALL: Self = Self {
        decided_at: true,
        decider: true,
        escalated: true,
        outcome: true,
        directory: true,
    };
}

/// The matrix over a window and scope.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct AuditMatrix {
    pub window: Window,
    pub scope: String,
    pub rows: Vec<AuditRow>,
}

/// One decision type's row.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct AuditRow {
    pub team: String,
    #[serde(rename = "type")]
    pub decision_type: String,
    /// Decisions opened in the window.
    pub count: usize,
    /// Decisions decided in the window.
    pub decided: Known<usize>,
    /// The guide's `frequency`; `null` when it declares none.
    pub declared_frequency: Known<Option<Frequency>>,
    /// From the mean interval between the decisions opened in the window;
    /// `null` with none.
    pub observed_frequency: Option<Observed>,
    pub impact: Known<Impact>,
    /// The guide's time-to-decision target; `null` when it sets none.
    pub target_seconds: Known<Option<i64>>,
    /// Up to three people who decided most, most first (ties by id).
    pub top_deciders: Known<Vec<TopDecider>>,
    /// Of the decisions decided in the window, the fraction a formal leader
    /// decided.
    pub leader_share: Known<Option<f64>>,
    pub median_seconds: Known<Option<f64>>,
    /// Nearest-rank.
    pub p90_seconds: Known<Option<i64>>,
    /// Of the decisions opened in the window.
    pub escalation_rate: Known<Option<f64>>,
    /// Of the decisions decided in the window.
    pub outcome_quality: Known<Quality>,
    pub flags: Vec<PainFlag>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct TopDecider {
    pub person: String,
    pub decided: usize,
    /// Of the type's decisions decided in the window.
    pub share: f64,
}

/// A pain the row shows, with the numbers behind it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct PainFlag {
    pub kind: PainKind,
    pub message: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum PainKind {
    /// Median time to decision above the target.
    Slow,
    /// Escalation rate above 20%.
    Escalations,
    /// Outcome quality below 0.5, with at least 5 outcomes.
    PoorOutcomes,
    /// The top decider's share above the team's `watch.max_share`.
    Concentrated,
    /// Observed frequency unlike the declared one.
    Frequency,
}

/// Escalating more often than this is a pain (SPEC §6).
pub const MAX_ESCALATION_RATE: f64 = 0.2;
/// Outcomes below this quality are a pain (SPEC §6)…
pub const MIN_QUALITY: f64 = 0.5;
/// …once there are at least this many of them.
pub const MIN_OUTCOMES: usize = 5;
/// How many top deciders a row lists.
pub const TOP_DECIDERS: usize = 3;

#[derive(Default)]
struct Tally {
    count: usize,
    escalated: usize,
    decided: usize,
    leaders: usize,
    times: Vec<i64>,
    deciders: HashMap<Name, usize>,
    quality: Quality,
}

/// The audit matrix of `scope` over `window`. `guides` declare the types
/// (frequency, impact, target) and each team's `max_share`; `None` when the
/// source has no guide, and the declared columns are unknown.
pub fn audit_matrix(
    facts: &Facts,
    guides: Option<&[&GuideFile]>,
    available: Available,
    scope: Scope<'_>,
    window: Window,
) -> AuditMatrix {
    let mut rows: BTreeMap<(Name, Name), Tally> = BTreeMap::new();
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
            let row = rows.entry((fact.team, fact.decision_type)).or_default();
            if opened_in {
                row.count += 1;
                row.escalated += usize::from(fact.escalated);
            }
            if decided_in {
                row.decided += 1;
                row.times.extend(fact.seconds_to_decide());
                if let Some(who) = fact.call {
                    *row.deciders.entry(who).or_default() += 1;
                }
                if facts.judgment(fact.slot).leader {
                    row.leaders += 1;
                }
                if let Some(result) = fact.outcome {
                    row.quality.add(result);
                }
            }
        }
    }
    let by_team: HashMap<&str, &GuideFile> = guides
        .unwrap_or_default()
        .iter()
        .map(|g| (g.team.as_str(), *g))
        .collect();
    // Every type the guides declare, with or without decisions.
    let mut keys: BTreeSet<(String, String)> = rows
        .keys()
        .map(|(t, ty)| (facts.text(*t).to_owned(), facts.text(*ty).to_owned()))
        .collect();
    for g in by_team.values() {
        if scope.covers(&g.team) {
            keys.extend(
                g.decision_types
                    .keys()
                    .map(|ty| (g.team.clone(), ty.clone())),
            );
        }
    }
    let days = (window.to - window.from).num_seconds() as f64 / 86_400.0;
    let matrix_rows = keys
        .into_iter()
        .map(|(team, ty)| {
            let tally = facts
                .name(&team)
                .zip(facts.name(&ty))
                .and_then(|key| rows.remove(&key))
                .unwrap_or_default();
            let guide = by_team.get(team.as_str()).copied();
            row(
                facts,
                guides.is_some(),
                guide,
                available,
                team,
                ty,
                tally,
                days,
            )
        })
        .collect();
    AuditMatrix {
        window,
        scope: scope.name(),
        rows: matrix_rows,
    }
}

#[expect(clippy::too_many_arguments, reason = "one row's every input, once")]
fn row(
    facts: &Facts,
    declared: bool,
    guide: Option<&GuideFile>,
    available: Available,
    team: String,
    ty: String,
    mut t: Tally,
    days: f64,
) -> AuditRow {
    let kind = guide.and_then(|g| g.decision_types.get(&ty));
    let max_share = guide.map_or_else(
        || crate::guide::file::Settings::default().watch.max_share,
        |g| g.settings.watch.max_share,
    );
    let decided_known = available.decided_at;
    let times = decided_known.then(|| summary(&mut t.times)).flatten();
    let mut top: Vec<(&str, usize)> = t
        .deciders
        .iter()
        .map(|(&who, &n)| (facts.text(who), n))
        .filter(|(who, _)| !who.is_empty())
        .collect();
    top.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let top: Vec<TopDecider> = top
        .into_iter()
        .take(TOP_DECIDERS)
        .map(|(person, decided)| TopDecider {
            person: person.to_owned(),
            decided,
            share: decided as f64 / t.decided.max(1) as f64,
        })
        .collect();
    let observed =
        (t.count > 0 && days > 0.0).then(|| Observed::of_interval(days / t.count as f64));
    let mut row = AuditRow {
        team,
        decision_type: ty,
        count: t.count,
        decided: Known::when(decided_known, || t.decided),
        declared_frequency: Known::when(declared, || kind.and_then(|k| k.frequency)),
        observed_frequency: observed,
        impact: match kind {
            Some(k) => Known::Known(k.impact),
            None => Known::unknown(),
        },
        target_seconds: Known::when(declared, || {
            kind.and_then(|k| k.target).map(|s| s.seconds())
        }),
        top_deciders: Known::when(decided_known && available.decider, || top),
        leader_share: Known::when(
            decided_known && available.decider && available.directory,
            || rate(t.leaders, t.decided),
        ),
        median_seconds: Known::when(decided_known, || times.map(|(m, _)| m)),
        p90_seconds: Known::when(decided_known, || times.map(|(_, p)| p)),
        escalation_rate: Known::when(available.escalated, || rate(t.escalated, t.count)),
        outcome_quality: Known::when(decided_known && available.outcome, || t.quality),
        flags: Vec::new(),
    };
    row.flags = flags(&row, max_share);
    row
}

/// The pains of a finished row.
fn flags(row: &AuditRow, max_share: f64) -> Vec<PainFlag> {
    let mut flags = Vec::new();
    let mut flag = |kind, message| flags.push(PainFlag { kind, message });
    if let (Some(Some(median)), Some(Some(target))) =
        (row.median_seconds.get(), row.target_seconds.get())
        && *median > *target as f64
    {
        flag(
            PainKind::Slow,
            format!(
                "median time to decision {} is above the {} target",
                crate::duration::Span::from_seconds(median.round() as i64),
                crate::duration::Span::from_seconds(*target)
            ),
        );
    }
    if let Some(Some(rate)) = row.escalation_rate.get()
        && *rate > MAX_ESCALATION_RATE
    {
        flag(
            PainKind::Escalations,
            format!(
                "{:.0}% of decisions escalated, above {:.0}%",
                rate * 100.0,
                MAX_ESCALATION_RATE * 100.0
            ),
        );
    }
    if let Some(q) = row.outcome_quality.get()
        && q.recorded >= MIN_OUTCOMES
        && q.rate.is_some_and(|r| r < MIN_QUALITY)
    {
        flag(
            PainKind::PoorOutcomes,
            format!(
                "outcome quality {:.2} over {} outcomes, below {MIN_QUALITY}",
                q.rate.unwrap_or_default(),
                q.recorded
            ),
        );
    }
    if let Some(top) = row.top_deciders.get().and_then(|t| t.first())
        && top.share > max_share
    {
        flag(
            PainKind::Concentrated,
            format!(
                "`{}` decided {:.0}% of them, above the {:.0}% limit",
                top.person,
                top.share * 100.0,
                max_share * 100.0
            ),
        );
    }
    if let (Some(observed), Some(Some(declared))) =
        (row.observed_frequency, row.declared_frequency.get())
        && !observed.matches(*declared)
    {
        flag(
            PainKind::Frequency,
            format!(
                "declared {} but comes {}",
                serde_json::to_value(declared)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default(),
                serde_json::to_value(observed)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default()
            ),
        );
    }
    flags
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_interval_is_classed_by_the_nearest_period_on_a_log_scale() {
        assert_eq!(Observed::of_interval(0.2), Observed::Daily);
        assert_eq!(Observed::of_interval(2.6), Observed::Daily);
        assert_eq!(Observed::of_interval(2.7), Observed::Weekly);
        assert_eq!(Observed::of_interval(14.5), Observed::Weekly);
        assert_eq!(Observed::of_interval(14.7), Observed::Monthly);
        assert_eq!(Observed::of_interval(52.0), Observed::Monthly);
        assert_eq!(Observed::of_interval(53.0), Observed::Quarterly);
        assert_eq!(Observed::of_interval(182.0), Observed::Quarterly);
        assert_eq!(Observed::of_interval(183.0), Observed::Rarely);
    }

    #[test]
    fn unknown_serializes_as_the_word() {
        let v: Known<Option<f64>> = Known::unknown();
        assert_eq!(
            serde_json::to_value(&v).unwrap(),
            serde_json::json!("unknown")
        );
        let v: Known<Option<f64>> = Known::Known(None);
        assert_eq!(serde_json::to_value(&v).unwrap(), serde_json::Value::Null);
    }
}
