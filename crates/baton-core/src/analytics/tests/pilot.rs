use super::*;
use crate::analytics::pilot::{self, Extras, PilotComparison, PilotMetric, PilotSpec, Verdict};
use crate::analytics::{Directories, Facts, Judge};
use crate::lifecycle::OutcomeResult::{Failure, Success};

const VERSION: &str = "sha256:pilot";
/// Fewer resamples than a report draws: enough to place an interval.
const RESAMPLES: usize = 2_000;

/// A pilot of `design` over days 30–60, against days 0–30.
fn spec() -> PilotSpec {
    PilotSpec {
        team: "core".into(),
        types: vec!["design".into()],
        guide_version: VERSION.into(),
        from: day(30),
        to: day(60),
        control: None,
    }
}

/// 25 decisions from `start`, a day apart, each decided after
/// `hours(i)` (times `scale`), every fourth escalated, outcomes alternating.
fn period(first_id: i64, start: i64, scale: i64, version: &str) -> Vec<Decision> {
    (0..25)
        .map(|i| {
            let mut d = opened(first_id + i, "design", "kim", day(start + i))
                .decided(hours((10 + i % 7) * scale))
                .outcome(
                    if i % 3 == 0 { Failure } else { Success },
                    day(start + i + 2),
                );
            if i % 4 == 0 {
                d = d.escalated();
            }
            d.resolution.guide_version = version.into();
            d
        })
        .collect()
}

fn compare(log: &[Decision], spec: &PilotSpec, now: DateTime<Utc>) -> PilotComparison {
    let g = guide();
    let directories = Directories::single(Arc::clone(&g.directory));
    let facts = Facts::of(log, &Judge::new(&directories, &[&g]));
    let (a, b) = pilot::frames(spec, now);
    let none = || Extras {
        enps_scores: vec![],
        alerts: vec![],
    };
    pilot::compare(&facts, spec, now, (&a, &b), (&none(), &none()), RESAMPLES)
}

fn of(c: &PilotComparison, metric: PilotMetric) -> &pilot::Comparison {
    c.comparisons.iter().find(|x| x.metric == metric).unwrap()
}

#[test]
fn two_identical_periods_give_intervals_that_hold_zero() {
    let mut log = period(1, 0, 1, "sha256:before");
    log.extend(period(100, 30, 1, VERSION));
    let c = compare(&log, &spec(), day(120));
    assert_eq!(
        (c.periods.pilot.decided, c.periods.baseline.decided),
        (25, 25)
    );
    for metric in [
        PilotMetric::MedianTimeToDecisionSeconds,
        PilotMetric::EscalationRate,
        PilotMetric::OutcomeQuality,
    ] {
        let x = of(&c, metric);
        assert_eq!(x.difference, Some(0.0), "{metric:?}");
        assert!(x.interval.unwrap().contains_zero(), "{x:?}");
        assert_eq!(x.verdict, Verdict::NoClearDifference);
    }
    // No survey: eNPS has nothing to say.
    assert_eq!(of(&c, PilotMetric::Enps).verdict, Verdict::Inconclusive);
}

#[test]
fn a_pilot_that_doubles_the_time_to_decide_shows_an_interval_above_zero() {
    let mut log = period(1, 0, 1, "sha256:before");
    log.extend(period(100, 30, 2, VERSION));
    let c = compare(&log, &spec(), day(120));
    let x = of(&c, PilotMetric::MedianTimeToDecisionSeconds);
    assert_eq!(x.verdict, Verdict::Higher, "{x:?}");
    assert!(x.interval.unwrap().low > 0.0);
    assert_eq!(x.difference, Some(13.0 * 3600.0));
}

#[test]
fn only_the_pilots_guide_version_is_its_sample_and_other_types_are_left_out() {
    let mut log = period(1, 0, 1, "sha256:before");
    log.extend(period(100, 30, 1, VERSION));
    // Same period, another version or another type: not the pilot's.
    log.push(opened(200, "design", "kim", day(31)).decided(hours(1)));
    log.push({
        let mut d = opened(201, "chore", "mgr", day(32)).decided(hours(1));
        d.resolution.guide_version = VERSION.into();
        d
    });
    let c = compare(&log, &spec(), day(120));
    assert_eq!(c.periods.pilot.opened, 25);
}

#[test]
fn below_twenty_decided_a_difference_is_inconclusive_never_a_number() {
    let mut log = period(1, 0, 1, "sha256:before");
    log.extend(period(100, 30, 2, VERSION).into_iter().take(19));
    let c = compare(&log, &spec(), day(120));
    for x in &c.comparisons {
        assert_eq!(x.verdict, Verdict::Inconclusive, "{x:?}");
        assert_eq!((x.difference, x.interval), (None, None));
    }
    assert!(
        of(&c, PilotMetric::EscalationRate)
            .note
            .contains("fewer than 20")
    );
}

#[test]
fn the_baseline_is_seen_only_as_long_as_the_pilot_has_been_followed() {
    let mut log = period(1, 0, 1, "sha256:before");
    // Decided 25 days after opening: within the baseline's follow-up,
    // but not within the pilot's, which is 10 days old.
    log.push({
        let mut d = opened(50, "design", "kim", day(1)).decided(hours(24 * 25));
        d.resolution.guide_version = "sha256:before".into();
        d
    });
    log.extend(period(100, 30, 1, VERSION).into_iter().take(10));
    let c = compare(&log, &spec(), day(40));
    assert_eq!(c.periods.baseline.observed_until, day(10));
    // Day 10 cuts the baseline where day 40 cuts the pilot.
    assert!(c.periods.baseline.decided < 25, "{:?}", c.periods.baseline);
    assert_eq!(
        c.periods.baseline.still_open,
        c.periods.baseline.opened - c.periods.baseline.decided
    );
}

#[test]
fn a_control_team_is_compared_over_the_same_period() {
    let mut log = period(1, 30, 1, VERSION);
    log.extend(
        period(100, 30, 1, "sha256:web")
            .into_iter()
            .map(|d| d.team("web")),
    );
    let spec = PilotSpec {
        control: Some("web".into()),
        ..spec()
    };
    let c = compare(&log, &spec, day(120));
    assert_eq!(c.periods.baseline.label, "control");
    assert_eq!(
        (c.periods.baseline.team.as_str(), c.periods.baseline.from),
        ("web", day(30))
    );
    assert_eq!(c.periods.baseline.decided, 25);
}

#[test]
fn the_report_is_the_same_to_the_bit_on_every_run() {
    let mut log = period(1, 0, 1, "sha256:before");
    log.extend(period(100, 30, 2, VERSION));
    let a = serde_json::to_string(&compare(&log, &spec(), day(120))).unwrap();
    let b = serde_json::to_string(&compare(&log, &spec(), day(120))).unwrap();
    assert_eq!(a, b);
}
