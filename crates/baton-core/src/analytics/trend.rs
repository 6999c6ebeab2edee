//! How the §6 metrics moved over a window: the window cut into equal
//! buckets of whole weeks (at most [`MAX_BUCKETS`] of them, the last cut
//! short at the window's end), each bucket with the same definitions as
//! the window's own metrics — what a steward reads as a sparkline or a
//! chart, and what SQL over the export can recompute bucket by bucket.

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use super::facts::{Facts, micros};
use super::stats::{median, rate};
use super::{Scope, Window};

/// No more buckets than this: a terminal line or a chart's width.
pub const MAX_BUCKETS: i64 = 26;

const WEEK_SECONDS: i64 = 7 * 86_400;

/// The metrics of each bucket of a window, oldest first.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Trend {
    /// Each bucket's length (the last may be shorter): whole weeks.
    pub bucket_seconds: i64,
    pub points: Vec<TrendPoint>,
}

/// One bucket `[from, to)`. Rates are `null` when their denominator is 0.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct TrendPoint {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    /// Decisions opened in the bucket.
    pub opened: usize,
    /// Decisions decided in the bucket.
    pub decided: usize,
    pub velocity_per_week: f64,
    /// Of the decisions decided in the bucket.
    pub median_seconds: Option<f64>,
    /// Of the decisions opened in the bucket.
    pub escalation_rate: Option<f64>,
    pub override_rate: Option<f64>,
    pub leader_share: Option<f64>,
    pub expert_share: Option<f64>,
}

/// The bucket length for `window`: one week, or as many whole weeks as
/// keep the buckets to [`MAX_BUCKETS`].
pub fn bucket_seconds(window: Window) -> i64 {
    let seconds = (window.to - window.from).num_seconds().max(1);
    let weeks = ceil_div(seconds, WEEK_SECONDS);
    ceil_div(weeks, MAX_BUCKETS).max(1) * WEEK_SECONDS
}

/// `a ÷ b` rounded up, for non-negative `a` and positive `b`.
fn ceil_div(a: i64, b: i64) -> i64 {
    (a + b - 1) / b
}

#[derive(Default)]
struct Bucket {
    opened: usize,
    escalated: usize,
    decided: usize,
    overridden: usize,
    leaders: usize,
    experts: usize,
    times: Vec<i64>,
}

/// The trend of `scope` over `window`, in one pass over the projection.
pub fn trend(facts: &Facts, scope: Scope<'_>, window: Window) -> Trend {
    let step = bucket_seconds(window);
    let (from, to) = (micros(window.from), micros(window.to));
    let step_micros = step * 1_000_000;
    let count = usize::try_from(ceil_div((to - from).max(0), step_micros)).unwrap_or(0);
    let mut buckets: Vec<Bucket> = (0..count).map(|_| Bucket::default()).collect();
    let bucket_of = |at: i64| -> Option<usize> {
        (from <= at && at < to)
            .then(|| usize::try_from((at - from) / step_micros).ok())
            .flatten()
    };
    if let Some(team) = scope.name_in(facts) {
        let scan = facts.scan();
        for slot in 0..scan.status.len() {
            if !scan.in_scope(slot, team) {
                continue;
            }
            let opened = scan.opened.get(slot).copied().and_then(bucket_of);
            let decided = scan.decided.get(slot).copied().and_then(bucket_of);
            if opened.is_none() && decided.is_none() {
                continue;
            }
            let Some(fact) = facts.get(slot as u32) else {
                continue;
            };
            if let Some(b) = opened.and_then(|i| buckets.get_mut(i)) {
                b.opened += 1;
                b.escalated += usize::from(fact.escalated);
            }
            if fact.call.is_none() {
                continue;
            }
            if let Some(b) = decided.and_then(|i| buckets.get_mut(i)) {
                b.decided += 1;
                b.overridden += usize::from(fact.overridden);
                let judged = facts.judgment(fact.slot);
                if judged.leader {
                    b.leaders += 1;
                } else if judged.expert {
                    b.experts += 1;
                }
                b.times.extend(fact.seconds_to_decide());
            }
        }
    }
    let points = buckets
        .into_iter()
        .enumerate()
        .map(|(i, mut b)| {
            let start = window.from + TimeDelta::seconds(step * i as i64);
            let end = (start + TimeDelta::seconds(step)).min(window.to);
            let weeks = (end - start).num_seconds() as f64 / WEEK_SECONDS as f64;
            TrendPoint {
                from: start,
                to: end,
                opened: b.opened,
                decided: b.decided,
                velocity_per_week: if weeks > 0.0 {
                    b.decided as f64 / weeks
                } else {
                    0.0
                },
                median_seconds: median(&mut b.times),
                escalation_rate: rate(b.escalated, b.opened),
                override_rate: rate(b.overridden, b.decided),
                leader_share: rate(b.leaders, b.decided),
                expert_share: rate(b.experts, b.decided),
            }
        })
        .collect();
    Trend {
        bucket_seconds: step,
        points,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn window(days: i64) -> Window {
        let from: DateTime<Utc> = "2026-01-01T00:00:00Z".parse().unwrap();
        Window {
            from,
            to: from + TimeDelta::days(days),
        }
    }

    #[test]
    fn buckets_are_weeks_until_there_would_be_more_than_twenty_six() {
        assert_eq!(bucket_seconds(window(1)), WEEK_SECONDS);
        assert_eq!(bucket_seconds(window(26 * 7)), WEEK_SECONDS);
        assert_eq!(bucket_seconds(window(26 * 7 + 1)), 2 * WEEK_SECONDS);
        assert_eq!(bucket_seconds(window(364)), 2 * WEEK_SECONDS);
        assert_eq!(bucket_seconds(window(365)), 3 * WEEK_SECONDS);
        assert_eq!(bucket_seconds(window(3650)), 21 * WEEK_SECONDS);
    }

    #[test]
    fn an_empty_log_has_a_point_per_bucket_with_unknown_rates() {
        let t = trend(&Facts::new(), Scope::Org, window(10));
        assert_eq!(t.points.len(), 2);
        assert_eq!(t.points[1].to, window(10).to);
        assert_eq!(t.points[0].escalation_rate, None);
        assert_eq!(t.points[0].velocity_per_week, 0.0);
    }
}
