//! How long a person sat at their `max_load`, rebuilt from the log.
//!
//! The log keeps each decision's current authority holder, not the history
//! of who held it when, so a decision counts toward the load of its final
//! `decider` for its whole open life: from `opened_at` to `decided_at`, or
//! to now while it still counts toward load. Nor does the log keep when a
//! decision was escalated: one decided after escalating counts until it was
//! decided, and one still waiting at its escalation target, whose load
//! SPEC §4.2 leaves it out of, is left out. So is a withdrawn decision,
//! which records no time of withdrawal: left out rather than guessed at.

use std::collections::BTreeSet;

use super::facts::Fact;
use crate::ident::DecisionId;

/// An unbroken stretch at or above `max_load`, clipped to the window, in
/// microseconds since the epoch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Stretch {
    pub from: i64,
    pub to: i64,
    /// Every decision open at some point of the stretch.
    pub decisions: Vec<DecisionId>,
}

/// The longest stretch within `(since, now]` during which `held` had at
/// least `max_load` decisions open at once; the earliest of equals.
pub(super) fn longest_at_max_load(
    held: &[Fact],
    max_load: u32,
    since: i64,
    now: i64,
) -> Option<Stretch> {
    // (instant, +1 open / −1 close, id).
    let mut events: Vec<(i64, i8, DecisionId)> = Vec::new();
    for d in held {
        let end = match d.decided {
            Some(at) => at,
            None if d.status.counts_toward_load() => now,
            None => continue,
        };
        let end = end.min(now);
        if d.opened >= end || end <= since {
            continue;
        }
        events.push((d.opened, 1, d.id()));
        events.push((end, -1, d.id()));
    }
    events.sort_unstable_by_key(|&(at, delta, id)| (at, delta, id));
    let max_load = i64::from(max_load);
    let mut open: BTreeSet<DecisionId> = BTreeSet::new();
    let mut current: Option<(i64, BTreeSet<DecisionId>)> = None;
    let mut best: Option<Stretch> = None;
    let mut keep = |from: i64, to: i64, ids: BTreeSet<DecisionId>| {
        let from = from.max(since);
        if to <= from {
            return;
        }
        if best.as_ref().is_none_or(|b| to - from > b.to - b.from) {
            best = Some(Stretch {
                from,
                to,
                decisions: ids.into_iter().collect(),
            });
        }
    };
    let mut events = events.into_iter().peekable();
    while let Some((at, delta, id)) = events.next() {
        if delta > 0 {
            open.insert(id);
        } else {
            open.remove(&id);
        }
        // Judge the load once every change at this instant is in: a
        // handover (one closes as another opens) is no break.
        if events.peek().is_some_and(|&(next, _, _)| next == at) {
            continue;
        }
        if open.len() as i64 >= max_load {
            let (_, ids) = current.get_or_insert_with(|| (at, BTreeSet::new()));
            ids.extend(open.iter().copied());
        } else if let Some((from, ids)) = current.take() {
            keep(from, at, ids);
        }
    }
    if let Some((from, ids)) = current {
        keep(from, now, ids);
    }
    best
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, TimeDelta, Utc};

    use super::*;
    use crate::analytics::facts::{Facts, micros};
    use crate::lifecycle::{Decision, Status};

    fn at(h: i64) -> i64 {
        micros("2026-03-01T00:00:00Z".parse::<DateTime<Utc>>().unwrap() + TimeDelta::hours(h))
    }

    fn decisions(spans: &[(i64, i64, Option<i64>)]) -> Vec<Decision> {
        let time =
            |h: i64| "2026-03-01T00:00:00Z".parse::<DateTime<Utc>>().unwrap() + TimeDelta::hours(h);
        spans
            .iter()
            .map(|&(id, from, to)| {
                let mut d = crate::analytics::tests::opened(id, "chore", "kim", time(from));
                if let Some(to) = to {
                    d.status = Status::Decided;
                    d.decided_at = Some(time(to));
                }
                d
            })
            .collect()
    }

    fn facts_of(log: &[Decision]) -> Vec<Fact> {
        let mut facts = Facts::new();
        for d in log {
            facts.upsert(&crate::analytics::facts::FactRow::of(d));
        }
        facts.iter().collect()
    }

    /// Decisions as (id, opened hour, decided hour or still open).
    fn held(spans: &[(i64, i64, Option<i64>)]) -> Vec<Fact> {
        facts_of(&decisions(spans))
    }

    #[track_caller]
    fn check(
        spans: &[(i64, i64, Option<i64>)],
        max_load: u32,
        since: i64,
        expected: Option<(i64, i64, &[i64])>,
    ) {
        let got = longest_at_max_load(&held(spans), max_load, at(since), at(100));
        let want = expected.map(|(from, to, ids)| Stretch {
            from: at(from),
            to: at(to),
            decisions: ids.iter().map(|&id| DecisionId::new(id).unwrap()).collect(),
        });
        assert_eq!(got, want);
    }

    #[test]
    fn a_stretch_runs_from_reaching_the_limit_to_dropping_below_it() {
        check(
            &[(1, 0, Some(50)), (2, 10, Some(40))],
            2,
            0,
            Some((10, 40, &[1, 2])),
        );
        check(&[(1, 0, Some(50)), (2, 10, Some(40))], 3, 0, None);
    }

    #[test]
    fn a_handover_at_the_same_instant_is_no_break_and_the_longest_stretch_wins() {
        // 2 closes as 3 opens: the load never drops below 2.
        check(
            &[
                (1, 0, None),
                (2, 10, Some(20)),
                (3, 20, Some(30)),
                (4, 60, Some(90)),
            ],
            2,
            0,
            Some((60, 90, &[1, 4])),
        );
        check(
            &[(1, 0, None), (2, 10, Some(20)), (3, 20, Some(45))],
            2,
            0,
            Some((10, 45, &[1, 2, 3])),
        );
    }

    #[test]
    fn stretches_are_clipped_to_the_window_and_still_open_ones_run_to_now() {
        check(
            &[(1, 0, None), (2, 0, None)],
            2,
            70,
            Some((70, 100, &[1, 2])),
        );
    }

    #[test]
    fn an_escalated_decision_still_undecided_weighs_on_no_one() {
        let mut log = decisions(&[(1, 0, None), (2, 10, None)]);
        assert!(longest_at_max_load(&facts_of(&log), 2, at(0), at(100)).is_some());
        log[1].status = Status::Escalated;
        assert_eq!(
            longest_at_max_load(&facts_of(&log), 2, at(0), at(100)),
            None
        );
    }
}
