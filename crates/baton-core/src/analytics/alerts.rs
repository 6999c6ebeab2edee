//! The SPEC §6 watchdog alerts: the pitfalls of dynamic deference, each
//! raised with the numbers and decision ids that show it.

use std::collections::{BTreeSet, HashMap, HashSet};

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use super::facts::{Fact, Facts, Name, micros};
use super::watchdogs;
use super::{Guides, Scope};
use crate::Guide;
use crate::guide::file::Settings;
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
    /// A weekly batch of misuse reports came out of the safe channel
    /// (`crate::misuse`); not a watchdog over the log.
    MisuseReported,
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
/// `facts` is the whole log even for one team: fatigue counts what a
/// person decides for every team.
///
/// Each team's watchdogs look back over its `watch.window` ending at `now`
/// — `(now − window, now]`, the same interval `spread` uses for the same
/// over-reliance question — except where SPEC §6 names its own period.
/// Watchdogs that need the guide's rules or types (`bus_factor`,
/// `delegation_failure`, `slow_type`, `stale_rule`) skip teams without one.
///
/// One pass over the projection gathers what looks back over all time
/// (each rule's last routing, each team's oldest decision) and keeps the
/// decisions recent enough for the rest; the watchdogs then read only
/// those.
pub fn alerts(
    facts: &Facts,
    directory: &Directory,
    guides: &[&Guide],
    scope: Scope<'_>,
    now: DateTime<Utc>,
) -> Vec<Alert> {
    let index = Guides::new(guides);
    let teams: BTreeSet<&str> = guides
        .iter()
        .map(|g| g.team.as_str())
        .chain(facts.teams().map(|t| facts.text(t)))
        .filter(|team| scope.covers(team))
        .collect();
    let earliest = teams
        .iter()
        .map(|team| before(now, index.settings(team).watch.window.as_chrono()))
        .chain([before(now, watchdogs::WEEK)])
        .min()
        .unwrap_or(now);
    let gathered = Gathered::new(facts, &teams, micros(earliest), micros(now));
    let mut out = Vec::new();
    for team in teams {
        let settings = index.settings(team);
        let name = facts.name(team);
        let empty = TeamLog::default();
        let since = before(now, settings.watch.window.as_chrono());
        let cx = Team {
            team,
            name,
            settings,
            facts,
            log: name.and_then(|n| gathered.teams.get(&n)).unwrap_or(&empty),
            directory,
            now,
            now_us: micros(now),
            since_us: micros(since),
        };
        watchdogs::over_reliance(&cx, &mut out);
        watchdogs::fatigue(&cx, &gathered, &mut out);
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

/// What one team's decisions say over all time, and its recent ones.
#[derive(Default)]
pub(super) struct TeamLog {
    /// The team's decisions decided after the earliest window start, or
    /// still open: what every windowed watchdog reads, in id order.
    pub recent: Vec<Fact>,
    /// When the team's oldest decision was opened.
    pub oldest: Option<i64>,
    /// When each rule last routed one of its decisions (at or before now).
    pub last_routed: HashMap<Name, i64>,
    /// Everyone who held or decided one of the team's decisions, ever,
    /// among those with recent work (no one else can be fatigued).
    pub involved: HashSet<Name>,
}

/// The pass over the whole projection that every team's run shares.
pub(super) struct Gathered {
    pub teams: HashMap<Name, TeamLog>,
    pub people: People,
}

/// The log by person, for fatigue, across every team: what they decided
/// and what they held, recently.
#[derive(Default)]
pub(super) struct People {
    pub decided: HashMap<Name, Vec<Fact>>,
    pub held: HashMap<Name, Vec<Fact>>,
}

impl Gathered {
    /// Two passes over the projection. The first reads a few columns of
    /// every decision (each team's oldest decision and each rule's last
    /// routing) and decodes only the recent ones. The second marks who was
    /// involved in each team's decisions ever, for the few people recent
    /// work makes candidates for fatigue: a pass over two columns, not a
    /// set insert per decision.
    fn new(facts: &Facts, teams: &BTreeSet<&str>, earliest: i64, now: i64) -> Self {
        let names = facts.names();
        // Team name → its place among the teams in scope.
        let mut place: Vec<Option<usize>> = vec![None; names];
        let mut in_scope: Vec<Name> = Vec::new();
        for name in teams.iter().filter_map(|t| facts.name(t)) {
            if let Some(p) = place.get_mut(name.index()) {
                *p = Some(in_scope.len());
                in_scope.push(name);
            }
        }
        let mut logs: Vec<TeamLog> = in_scope.iter().map(|_| TeamLog::default()).collect();
        let mut last_routed: Vec<Vec<i64>> =
            in_scope.iter().map(|_| vec![i64::MIN; names]).collect();
        let mut people = People::default();
        let scan = facts.scan();
        for slot in 0..scan.status.len() {
            let Some(team) = scan.team_of(slot) else {
                continue;
            };
            let opened = scan.opened.get(slot).copied().unwrap_or(i64::MIN);
            let decided = scan.decided.get(slot).copied().unwrap_or(i64::MIN);
            let team_place = place.get(team.index()).copied().flatten();
            if let Some(p) = team_place
                && let Some(log) = logs.get_mut(p)
            {
                log.oldest = Some(log.oldest.map_or(opened, |o| o.min(opened)));
                if opened <= now
                    && let Some(rule) = scan.rule_of(slot)
                    && let Some(last) = last_routed.get_mut(p).and_then(|v| v.get_mut(rule.index()))
                {
                    *last = (*last).max(opened);
                }
            }
            let recent = if decided != i64::MIN {
                decided > earliest
            } else {
                scan.open(slot)
            };
            if !recent {
                continue;
            }
            let Some(fact) = facts.get(slot as u32) else {
                continue;
            };
            if let Some(who) = fact.call {
                people.decided.entry(who).or_default().push(fact);
            }
            people.held.entry(fact.decider).or_default().push(fact);
            if let Some(log) = team_place.and_then(|p| logs.get_mut(p)) {
                log.recent.push(fact);
            }
        }
        let mut active = vec![false; names];
        for who in people.decided.keys().chain(people.held.keys()) {
            if let Some(a) = active.get_mut(who.index()) {
                *a = true;
            }
        }
        for slot in 0..scan.status.len() {
            let Some(team) = scan.team_of(slot) else {
                continue;
            };
            let Some(log) = place
                .get(team.index())
                .copied()
                .flatten()
                .and_then(|p| logs.get_mut(p))
            else {
                continue;
            };
            for who in [scan.decider_of(slot), scan.call_of(slot)]
                .into_iter()
                .flatten()
            {
                if active.get(who.index()).copied().unwrap_or(false) {
                    log.involved.insert(who);
                }
            }
        }
        for ((log, last), _) in logs.iter_mut().zip(&last_routed).zip(&in_scope) {
            log.last_routed = last
                .iter()
                .enumerate()
                .filter(|(_, at)| **at != i64::MIN)
                .map(|(i, at)| (Name::at(i), *at))
                .collect();
        }
        Self {
            teams: in_scope.into_iter().zip(logs).collect(),
            people,
        }
    }
}

/// One team's watchdog run.
pub(super) struct Team<'a> {
    pub team: &'a str,
    /// The team's interned name; `None` when no decision names it.
    pub name: Option<Name>,
    pub settings: &'a Settings,
    pub facts: &'a Facts,
    pub log: &'a TeamLog,
    pub directory: &'a Directory,
    pub now: DateTime<Utc>,
    pub now_us: i64,
    /// The start of the watch window, exclusive.
    pub since_us: i64,
}

impl<'a> Team<'a> {
    /// `at` falls in `(since, now]`.
    pub fn recent(&self, at: i64, since: i64) -> bool {
        since < at && at <= self.now_us
    }

    /// The team's decisions decided in its watch window, with whose call
    /// each was.
    pub fn decided_in_window(&self) -> impl Iterator<Item = (&'a Fact, Name)> + '_ {
        self.log.recent.iter().filter_map(|f| {
            let at = f.decided?;
            let who = f.call?;
            self.recent(at, self.since_us).then_some((f, who))
        })
    }

    /// The text of an interned name.
    pub fn text(&self, name: Name) -> &'a str {
        self.facts.text(name)
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
