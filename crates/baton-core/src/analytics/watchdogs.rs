//! One function per SPEC §6 watchdog. Each reads one team's run and pushes
//! its alerts; thresholds the SPEC names are constants here, the rest come
//! from the guide's `settings.watch`.

use std::collections::BTreeMap;

use chrono::TimeDelta;
use serde_json::json;

use super::alerts::{Alert, AlertKind, Gathered, Team, before};
use super::facts::{Fact, Name, instant_of, micros};
use super::is_leader;
use super::load::longest_at_max_load;
use super::metrics::summary;
use crate::Guide;
use crate::duration::Span;
use crate::guide::file::{Framework, Impact};
use crate::guide::{ExpertiseIndex, Sel};
use crate::ident::DecisionId;
use crate::lifecycle::{OutcomeResult, Status};
use crate::lint::BUS_FACTOR;

/// Fewer decisions than this say nothing about a share or a rate: the floor
/// SPEC §4.2 sets for `spread`.
const MIN_DECISIONS: usize = crate::resolve::SPREAD_MINIMUM;

/// An override rate above this is status confusion (SPEC §6).
const MAX_OVERRIDE_RATE: f64 = 0.2;

/// Fatigue counts decisions over the last week (SPEC §6).
pub(super) const WEEK: TimeDelta = TimeDelta::days(7);

/// Sitting at `max_load` longer than this is fatigue (SPEC §6).
const MAX_LOAD_STRETCH: TimeDelta = TimeDelta::days(3);

/// Delegated failures this many times within [`DELEGATION_PERIOD`] are a
/// pattern (SPEC §6).
const DELEGATION_FAILURES: usize = 2;
const DELEGATION_PERIOD: TimeDelta = TimeDelta::days(90);

/// A rule that routed nothing for this long is stale (SPEC §6).
const STALE_AFTER: TimeDelta = TimeDelta::days(90);

fn percent(share: f64) -> String {
    format!("{:.0}%", share * 100.0)
}

fn window(cx: &Team<'_>) -> String {
    cx.settings.watch.window.to_string()
}

fn ids<'d>(decisions: impl IntoIterator<Item = &'d Fact>) -> Vec<DecisionId> {
    decisions.into_iter().map(Fact::id).collect()
}

/// One person decided more than `max_share` of a type's decisions in the
/// window, out of at least [`MIN_DECISIONS`].
pub(super) fn over_reliance(cx: &Team<'_>, out: &mut Vec<Alert>) {
    let max_share = cx.settings.watch.max_share;
    let mut by_type: BTreeMap<&str, BTreeMap<&str, Vec<&Fact>>> = BTreeMap::new();
    for (d, who) in cx.decided_in_window() {
        by_type
            .entry(cx.text(d.decision_type))
            .or_default()
            .entry(cx.text(who))
            .or_default()
            .push(d);
    }
    for (ty, people) in by_type {
        let total: usize = people.values().map(Vec::len).sum();
        if total < MIN_DECISIONS {
            continue;
        }
        for (who, theirs) in people {
            let share = theirs.len() as f64 / total as f64;
            if share <= max_share {
                continue;
            }
            out.push(cx.alert(
                AlertKind::OverReliance,
                who,
                format!(
                    "`{who}` decided {} of {total} `{ty}` decisions in the last {} ({}), above the {} limit: spread them, or pair `{who}` with others",
                    theirs.len(),
                    window(cx),
                    percent(share),
                    percent(max_share)
                ),
                json!({
                    "type": ty, "person": who, "decided": theirs.len(), "total": total,
                    "share": share, "max_share": max_share, "window": window(cx),
                    "decisions": ids(theirs),
                }),
            ));
        }
    }
}

/// A domain a rule's authority needs has fewer than [`BUS_FACTOR`] qualified
/// people. The same check as the `bus_factor` lint of `baton check`, but
/// against the directory handed in — endorsements change after a guide is
/// compiled — and once per query rather than per rule.
pub(super) fn bus_factor(cx: &Team<'_>, guide: &Guide, out: &mut Vec<Alert>) {
    let mut needed: BTreeMap<usize, Vec<&str>> = BTreeMap::new();
    for rule in &guide.rules {
        rule.authority.walk(&mut |s| {
            if let Sel::Expertise { index, .. } = s {
                let rules = needed.entry(*index).or_default();
                if !rules.contains(&rule.id.as_str()) {
                    rules.push(&rule.id);
                }
            }
        });
    }
    for (index, rules) in needed {
        let Some(query) = guide.expertise.get(index) else {
            continue;
        };
        let ix = ExpertiseIndex::build(
            cx.directory,
            &query.domain,
            query.min_level,
            query.min_endorsements,
        );
        if ix.ranked.len() >= BUS_FACTOR {
            continue;
        }
        let who: Vec<&str> = ix.ranked.iter().map(|q| cx.directory.id(q.pid)).collect();
        out.push(cx.alert(
            AlertKind::BusFactor,
            ix.domain.clone(),
            format!(
                "{} `{}` at level {}+ with {} endorsement(s), but only {} {} ({}): one absence leaves nobody",
                rules_phrase(&rules),
                ix.domain,
                ix.min_level,
                ix.min_endorsements,
                who.len(),
                if who.len() == 1 { "qualifies" } else { "qualify" },
                if who.is_empty() { "nobody".to_owned() } else { who.join(", ") }
            ),
            json!({
                "domain": ix.domain, "min_level": ix.min_level,
                "min_endorsements": ix.min_endorsements, "rules": rules,
                "qualified": who, "needed": BUS_FACTOR,
            }),
        ));
    }
}

fn rules_phrase(rules: &[&str]) -> String {
    let quoted: Vec<String> = rules.iter().map(|r| format!("`{r}`")).collect();
    match quoted.as_slice() {
        [one] => format!("rule {one} needs"),
        _ => format!("rules {} need", quoted.join(", ")),
    }
}

/// A person decided more than `max_weekly` in the last 7 days, or sat at
/// `max_load` for more than 3 days of the window. Counted across all teams —
/// a person tires of decisions, not of one team's — for the team's members
/// and anyone who holds or decided one of its decisions.
pub(super) fn fatigue(cx: &Team<'_>, gathered: &Gathered, out: &mut Vec<Alert>) {
    let max_weekly = cx.settings.watch.max_weekly as usize;
    let week_start = micros(before(cx.now, WEEK));
    let mut people: Vec<&str> = cx
        .directory
        .people()
        .filter(|(_, p)| super::Scope::Team(cx.team).has_member(p))
        .map(|(_, p)| p.id.as_str())
        .collect();
    people.extend(cx.log.involved.iter().map(|&n| cx.text(n)));
    people.sort_unstable();
    people.dedup();
    for who in people {
        let name = cx.facts.name(who);
        let mut evidence = serde_json::Map::new();
        let mut reasons = Vec::new();
        let mut week: Vec<&Fact> = name
            .and_then(|n| gathered.people.decided.get(&n))
            .into_iter()
            .flatten()
            .filter(|d| d.decided.is_some_and(|at| cx.recent(at, week_start)))
            .collect();
        week.sort_by_key(|d| d.slot);
        if week.len() > max_weekly {
            reasons.push(format!(
                "decided {} in the last 7 days (limit {max_weekly})",
                week.len()
            ));
            evidence.insert(
                "weekly".into(),
                json!({"decided": week.len(), "max_weekly": max_weekly, "decisions": ids(week)}),
            );
        }
        let max_load = cx
            .directory
            .find(who)
            .and_then(|pid| cx.directory.person(pid).max_load);
        if let Some(max_load) = max_load {
            let held = name
                .and_then(|n| gathered.people.held.get(&n))
                .map_or(&[][..], Vec::as_slice);
            if let Some(stretch) = longest_at_max_load(held, max_load, cx.since_us, cx.now_us)
                && stretch.to - stretch.from > micros_of(MAX_LOAD_STRETCH)
            {
                let (from, to) = (instant_of(stretch.from), instant_of(stretch.to));
                let days = (to - from).num_seconds() as f64 / 86_400.0;
                reasons.push(format!(
                    "held {max_load}+ open decisions (their max_load) for {days:.1} days from {}",
                    crate::instant(from)
                ));
                evidence.insert(
                    "at_max_load".into(),
                    json!({
                        "max_load": max_load, "from": from, "to": to,
                        "days": days, "decisions": stretch.decisions,
                    }),
                );
            }
        }
        if !reasons.is_empty() {
            evidence.insert("person".into(), json!(who));
            out.push(cx.alert(
                AlertKind::Fatigue,
                who,
                format!(
                    "`{who}` {}: route some of it elsewhere",
                    reasons.join(", and ")
                ),
                serde_json::Value::Object(evidence),
            ));
        }
    }
}

fn micros_of(span: TimeDelta) -> i64 {
    span.num_microseconds().unwrap_or(i64::MAX)
}

/// A type's override rate in the window is above 20% (of at least
/// [`MIN_DECISIONS`] decided), or a formal leader overrode an
/// expertise-routed decision.
pub(super) fn status_confusion(cx: &Team<'_>, out: &mut Vec<Alert>) {
    let mut by_type: BTreeMap<&str, (usize, Vec<&Fact>)> = BTreeMap::new();
    let leader_rank = cx.settings.leader_rank;
    for (d, who) in cx.decided_in_window() {
        let (decided, overridden) = by_type.entry(cx.text(d.decision_type)).or_default();
        *decided += 1;
        if !d.overridden {
            continue;
        }
        overridden.push(d);
        let who = cx.text(who);
        if d.framework == Framework::Expertise && is_leader(cx.directory, who, leader_rank) {
            let rank = cx.directory.find(who).map(|p| cx.directory.person(p).rank);
            let note = cx.facts.note(d.slot);
            let routed = cx.text(d.routed);
            out.push(cx.alert(
                AlertKind::StatusConfusion,
                d.id().to_string(),
                format!(
                    "formal leader `{who}` overrode decision {} (`{}`), which was routed to `{routed}` for expertise",
                    d.id(),
                    note.map_or("", |n| n.title.as_str()),
                ),
                json!({
                    "decision": d.id(), "type": cx.text(d.decision_type), "decided_by": who,
                    "rank": rank, "leader_rank": leader_rank,
                    "routed_to": routed, "framework": d.framework,
                    "override_reason": note.and_then(|n| n.override_reason.as_deref()),
                }),
            ));
        }
    }
    for (ty, (decided, overridden)) in by_type {
        let rate = overridden.len() as f64 / decided as f64;
        if decided < MIN_DECISIONS || rate <= MAX_OVERRIDE_RATE {
            continue;
        }
        out.push(cx.alert(
            AlertKind::StatusConfusion,
            ty,
            format!(
                "{} of {decided} `{ty}` decisions in the last {} were overridden ({}, above {}): people may not trust who the guide routes them to",
                overridden.len(),
                window(cx),
                percent(rate),
                percent(MAX_OVERRIDE_RATE)
            ),
            json!({
                "type": ty, "decided": decided, "overridden": overridden.len(),
                "rate": rate, "max_rate": MAX_OVERRIDE_RATE, "window": window(cx),
                "decisions": ids(overridden),
            }),
        ));
    }
}

/// A person delegated high-impact decisions to lower-ranked people who then
/// decided them, and [`DELEGATION_FAILURES`] of them failed within the last
/// [`DELEGATION_PERIOD`] (by when the failure was recorded).
pub(super) fn delegation_failure(cx: &Team<'_>, guide: &Guide, out: &mut Vec<Alert>) {
    let since = micros(before(cx.now, DELEGATION_PERIOD));
    let rank = |id: &str| cx.directory.find(id).map(|p| cx.directory.person(p).rank);
    let mut by_delegator: BTreeMap<&str, Vec<(Fact, Name, i64)>> = BTreeMap::new();
    for (d, delegate) in cx.facts.delegated() {
        if Some(d.team) != cx.name {
            continue;
        }
        let failed_at = d
            .outcome_at
            .filter(|&at| d.outcome == Some(OutcomeResult::Failure) && cx.recent(at, since));
        let Some(failed_at) = failed_at else {
            continue;
        };
        let high = guide
            .types
            .get(cx.text(d.decision_type))
            .is_some_and(|t| t.impact == Impact::High);
        // While a delegate is set, `decider` is still the person who
        // delegated: escalation and rerouting clear the delegate.
        let downward = matches!(
            (rank(cx.text(delegate)), rank(cx.text(d.decider))),
            (Some(a), Some(b)) if a < b
        );
        if high && downward && d.call == Some(delegate) {
            by_delegator
                .entry(cx.text(d.decider))
                .or_default()
                .push((d, delegate, failed_at));
        }
    }
    for (who, mut failures) in by_delegator {
        if failures.len() < DELEGATION_FAILURES {
            continue;
        }
        failures.sort_by_key(|(d, _, _)| d.slot);
        let listed: Vec<serde_json::Value> = failures
            .iter()
            .map(|(d, delegate, failed_at)| {
                let delegate = cx.text(*delegate);
                json!({
                    "decision": d.id(), "type": cx.text(d.decision_type), "delegate": delegate,
                    "delegate_rank": rank(delegate),
                    "failed_at": instant_of(*failed_at),
                })
            })
            .collect();
        out.push(cx.alert(
            AlertKind::DelegationFailure,
            who,
            format!(
                "{} high-impact decisions `{who}` delegated to lower-ranked people failed in the last 90 days (decisions {}): a pattern to review, not a verdict",
                failures.len(),
                failures
                    .iter()
                    .map(|(d, _, _)| d.id().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            json!({"delegator": who, "rank": rank(who), "period": "90d", "failures": listed}),
        ));
    }
}

/// A type's median time to decision over the window is above its `target`.
pub(super) fn slow_type(cx: &Team<'_>, guide: &Guide, out: &mut Vec<Alert>) {
    let mut by_type: BTreeMap<&str, Vec<&Fact>> = BTreeMap::new();
    for (d, _) in cx.decided_in_window() {
        by_type.entry(cx.text(d.decision_type)).or_default().push(d);
    }
    for (ty, decided) in by_type {
        let Some(target) = guide.types.get(ty).and_then(|t| t.target) else {
            continue;
        };
        let mut times: Vec<i64> = decided
            .iter()
            .filter_map(|d| d.seconds_to_decide())
            .collect();
        let Some((median, p90)) = summary(&mut times) else {
            continue;
        };
        if median <= target.seconds() as f64 {
            continue;
        }
        let late = decided
            .iter()
            .filter(|d| d.seconds_to_decide().is_some_and(|s| s > target.seconds()));
        out.push(cx.alert(
            AlertKind::SlowType,
            ty,
            format!(
                "`{ty}` decisions took a median of {} over the last {} ({} decided), above the {target} target",
                Span::from_seconds(median.round() as i64),
                window(cx),
                decided.len()
            ),
            json!({
                "type": ty, "decided": decided.len(), "median_seconds": median,
                "p90_seconds": p90, "target_seconds": target.seconds(),
                "target": target.to_string(), "window": window(cx),
                "over_target": ids(late.copied()),
            }),
        ));
    }
}

/// A rule that routed no decision in the last 90 days. The log cannot say
/// how old the guide is, so this speaks only once the team's log itself
/// reaches back more than 90 days: a team that started last month has no
/// stale rules yet.
pub(super) fn stale_rule(cx: &Team<'_>, guide: &Guide, out: &mut Vec<Alert>) {
    let since = micros(before(cx.now, STALE_AFTER));
    let Some(oldest) = cx.log.oldest else {
        return;
    };
    if oldest > since {
        return;
    }
    for rule in &guide.rules {
        let last = cx
            .facts
            .name(&rule.id)
            .and_then(|n| cx.log.last_routed.get(&n))
            .copied();
        if last.is_some_and(|at| at > since) {
            continue;
        }
        out.push(cx.alert(
            AlertKind::StaleRule,
            rule.id.clone(),
            match last {
                Some(at) => format!(
                    "rule `{}` has routed no decision since {}: remove it, or check that its `when` and `types` still match",
                    rule.id,
                    crate::instant(instant_of(at))
                ),
                None => format!(
                    "rule `{}` has never routed a decision in the log: remove it, or check that its `when` and `types` still match",
                    rule.id
                ),
            },
            json!({
                "rule": rule.id, "last_routed": last.map(instant_of), "period": "90d",
                "log_since": instant_of(oldest),
            }),
        ));
    }
}

/// A decided decision's `review_on` date has come and no outcome is
/// recorded. Dates are compared in UTC.
pub(super) fn outcome_review_due(cx: &Team<'_>, out: &mut Vec<Alert>) {
    let today = cx.now.date_naive();
    for (d, note) in cx.facts.noted() {
        if Some(d.team) != cx.name {
            continue;
        }
        let Some(due) = d.review_on else {
            continue;
        };
        if d.status != Status::Decided || d.outcome.is_some() || due > today {
            continue;
        }
        let overdue = (today - due).num_days();
        out.push(cx.alert(
            AlertKind::OutcomeReviewDue,
            d.id().to_string(),
            format!(
                "decision {} (`{}`) was due for an outcome review on {due}: record how it turned out",
                d.id(),
                note.title
            ),
            json!({
                "decision": d.id(), "type": cx.text(d.decision_type), "review_on": due,
                "days_overdue": overdue, "decided_at": d.decided.map(instant_of),
                "decided_by": d.call.map(|n| cx.text(n)),
            }),
        ));
    }
}
