//! The SPEC §6 watchdog alerts: the pitfalls of dynamic deference, each
//! raised with the numbers and decision ids that show it.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use super::watchdogs;
use super::{Guides, Scope, decided_by};
use crate::Guide;
use crate::guide::file::Settings;
use crate::lifecycle::Decision;
use crate::org::Directory;

#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum AlertKind {
    OverReliance,
    BusFactor,
    Fatigue,
    StatusConfusion,
    DelegationFailure,
    SlowType,
    StaleRule,
    OutcomeReviewDue,
}

/// One pitfall spotted in one team, with what raised it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Alert {
    pub kind: AlertKind,
    pub team: String,
    /// What the alert is about: a person, a decision type, a domain, a rule
    /// id, or a decision id, depending on the kind.
    pub subject: String,
    pub message: String,
    /// The numbers and decision ids behind the alert, so a steward can check
    /// it rather than take it on trust.
    pub evidence: serde_json::Value,
}

/// Every watchdog alert as of `now`, for every team in `scope` that has a
/// guide or decisions in the log, sorted by team, kind and subject.
/// `decisions` is the whole log even for one team: fatigue counts what a
/// person decides for every team.
///
/// Each team's watchdogs look back over its `watch.window` ending at `now`
/// — `(now − window, now]`, the same interval `spread` uses for the same
/// over-reliance question — except where SPEC §6 names its own period.
/// Watchdogs that need the guide's rules or types (`bus_factor`,
/// `delegation_failure`, `slow_type`, `stale_rule`) skip teams without one.
pub fn alerts(
    decisions: &[Decision],
    directory: &Directory,
    guides: &[&Guide],
    scope: Scope<'_>,
    now: DateTime<Utc>,
) -> Vec<Alert> {
    let index = Guides::new(guides);
    let log = Log::new(decisions);
    let teams: BTreeSet<&str> = guides
        .iter()
        .map(|g| g.team.as_str())
        .chain(decisions.iter().map(|d| d.team.as_str()))
        .filter(|team| scope.covers(team))
        .collect();
    let mut out = Vec::new();
    for team in teams {
        let settings = index.settings(team);
        let cx = Team {
            team,
            settings,
            decisions: decisions.iter().filter(|d| d.team == team).collect(),
            directory,
            log: &log,
            now,
            since: before(now, settings.watch.window.as_chrono()),
        };
        watchdogs::over_reliance(&cx, &mut out);
        watchdogs::fatigue(&cx, &mut out);
        watchdogs::status_confusion(&cx, &mut out);
        watchdogs::outcome_review_due(&cx, &mut out);
        if let Some(guide) = index.get(team) {
            watchdogs::bus_factor(&cx, guide, &mut out);
            watchdogs::delegation_failure(&cx, guide, &mut out);
            watchdogs::slow_type(&cx, guide, &mut out);
            watchdogs::stale_rule(&cx, guide, &mut out);
        }
    }
    out.sort_by(|a, b| sort_key(a).cmp(&sort_key(b)));
    out
}

/// Decision ids sort as numbers, so decision 9 comes before decision 10.
fn sort_key(a: &Alert) -> (&str, AlertKind, Option<i64>, &str, &str) {
    (
        a.team.as_str(),
        a.kind,
        a.subject.parse().ok(),
        a.subject.as_str(),
        a.message.as_str(),
    )
}

/// `span` before `at`, or the earliest instant when that is out of range.
pub(super) fn before(at: DateTime<Utc>, span: TimeDelta) -> DateTime<Utc> {
    at.checked_sub_signed(span)
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
}

/// One team's watchdog run.
pub(super) struct Team<'a> {
    pub team: &'a str,
    pub settings: &'a Settings,
    /// The team's decisions, in log order.
    pub decisions: Vec<&'a Decision>,
    pub directory: &'a Directory,
    /// The whole log, indexed: fatigue is per person, across teams.
    pub log: &'a Log<'a>,
    pub now: DateTime<Utc>,
    /// The start of the watch window, exclusive.
    pub since: DateTime<Utc>,
}

impl<'a> Team<'a> {
    /// `at` falls in `(since, now]`.
    pub fn recent(&self, at: DateTime<Utc>, since: DateTime<Utc>) -> bool {
        since < at && at <= self.now
    }

    /// The team's decisions decided in its watch window, with whose call
    /// each was.
    pub fn decided_in_window(&self) -> impl Iterator<Item = (&'a Decision, &'a str)> + '_ {
        self.decisions.iter().filter_map(|&d| {
            let at = d.decided_at?;
            let who = decided_by(d)?;
            self.recent(at, self.since).then_some((d, who))
        })
    }

    pub fn alert(
        &self,
        kind: AlertKind,
        subject: impl Into<String>,
        message: String,
        evidence: serde_json::Value,
    ) -> Alert {
        Alert {
            kind,
            team: self.team.to_owned(),
            subject: subject.into(),
            message,
            evidence,
        }
    }
}

/// The log indexed by person, built once for every team's run.
pub(super) struct Log<'a> {
    /// Per person: the decisions whose call was theirs.
    pub decided: HashMap<&'a str, Vec<&'a Decision>>,
    /// Per current decider: every decision they hold or held authority on.
    pub held: HashMap<&'a str, Vec<&'a Decision>>,
}

impl<'a> Log<'a> {
    fn new(decisions: &'a [Decision]) -> Self {
        let mut decided: HashMap<&str, Vec<&Decision>> = HashMap::new();
        let mut held: HashMap<&str, Vec<&Decision>> = HashMap::new();
        for d in decisions {
            if let Some(who) = decided_by(d) {
                decided.entry(who).or_default().push(d);
            }
            held.entry(d.decider.as_str()).or_default().push(d);
        }
        Self { decided, held }
    }
}
