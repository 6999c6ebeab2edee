use super::*;
use crate::analytics::{Alert, AlertKind, Scope};
use crate::lifecycle::OutcomeResult::{Failure, Success};

/// The watch window is 30d, so the alerts of `day(40)` look at days 10–40.
fn now() -> DateTime<Utc> {
    day(40)
}

fn run_with(log: &[Decision], directory: &Directory) -> Vec<Alert> {
    let g = guide();
    alerts(log, directory, &[&g], Scope::Org, now())
}

fn run(log: &[Decision]) -> Vec<Alert> {
    run_with(log, &directory())
}

fn of(kind: AlertKind, all: &[Alert]) -> Vec<Alert> {
    all.iter().filter(|a| a.kind == kind).cloned().collect()
}

/// The subjects of `kind`'s alerts.
#[track_caller]
fn subjects(kind: AlertKind, log: &[Decision]) -> Vec<String> {
    of(kind, &run(log)).into_iter().map(|a| a.subject).collect()
}

fn design_by(ids: std::ops::RangeInclusive<i64>, who: &str, at: i64) -> Vec<Decision> {
    ids.map(|i| opened(i, "design", who, day(at)).decided(hours(1)))
        .collect()
}

#[test]
fn over_reliance_needs_a_share_above_the_limit_of_at_least_five() {
    let mut log = design_by(1..=3, "kim", 20);
    log.extend(design_by(4..=5, "raj", 21));
    // Outside the window: does not count toward the five.
    log.extend(design_by(6..=9, "kim", 5));
    let found = of(AlertKind::OverReliance, &run(&log));
    assert_eq!(found.len(), 1, "{found:#?}");
    let a = &found[0];
    // raj's 2 of 5 is exactly 40%: not above the limit.
    assert_eq!((a.team.as_str(), a.subject.as_str()), ("core", "kim"));
    assert_eq!(a.evidence["type"], "design");
    assert_eq!(
        (a.evidence["decided"].as_u64(), a.evidence["total"].as_u64()),
        (Some(3), Some(5))
    );
    assert_eq!(a.evidence["decisions"], serde_json::json!([1, 2, 3]));
    assert!(
        a.message.contains("3 of 5 `design` decisions"),
        "{}",
        a.message
    );

    log.truncate(4);
    assert!(subjects(AlertKind::OverReliance, &log).is_empty());
}

#[test]
fn bus_factor_flags_a_domain_a_rule_needs_with_fewer_than_two_qualified() {
    let found = of(AlertKind::BusFactor, &run(&[]));
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].subject, "db");
    assert_eq!(found[0].evidence["qualified"], serde_json::json!(["kim"]));
    assert_eq!(
        found[0].evidence["rules"],
        serde_json::json!(["design-by-expertise"])
    );

    // raj's endorsement rises to 4 after the guide was compiled: the
    // directory handed in is the one that counts.
    let org = ORG
        .replace("expertise: {db: 3}", "expertise: {db: 4}")
        .replace(
            "{by: kim, of: raj, domain: db, level: 2}",
            "{by: kim, of: raj, domain: db, level: 4}",
        );
    let now = Directory::load("org.yaml", &org).unwrap();
    assert!(of(AlertKind::BusFactor, &run_with(&[], &now)).is_empty());
}

#[test]
fn one_teams_alerts_are_the_orgs_for_that_team_and_count_work_done_elsewhere() {
    // kim decides three chores for `core` and two for another team in the
    // last week: four is past `max_weekly` only counting both.
    let mut log: Vec<Decision> = (1..=5)
        .map(|i| opened(i, "chore", "kim", day(34 + i)).decided(hours(1)))
        .collect();
    for d in log.iter_mut().take(2) {
        d.team = "other".into();
    }
    let g = guide();
    let directory = directory();
    let org = alerts(&log, &directory, &[&g], Scope::Org, now());
    let core = alerts(&log, &directory, &[&g], Scope::Team("core"), now());
    let org_for_core: Vec<Alert> = org.into_iter().filter(|a| a.team == "core").collect();
    assert_eq!(core, org_for_core);
    assert!(core.iter().all(|a| a.team == "core"));
    assert_eq!(of(AlertKind::Fatigue, &core).len(), 1, "{core:#?}");
}

#[test]
fn fatigue_flags_more_than_max_weekly_decided_in_the_last_seven_days() {
    let mut log: Vec<Decision> = (1..=4)
        .map(|i| opened(i, "chore", "kim", day(34 + i)).decided(hours(1)))
        .collect();
    log.push(opened(5, "chore", "kim", day(31)).decided(hours(1)));
    let found = of(AlertKind::Fatigue, &run(&log));
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].subject, "kim");
    assert_eq!(found[0].evidence["weekly"]["decided"], 4);
    assert_eq!(found[0].evidence["weekly"]["max_weekly"], 3);
    assert!(found[0].evidence.get("at_max_load").is_none());

    log.remove(0);
    assert!(subjects(AlertKind::Fatigue, &log).is_empty());
}

#[test]
fn fatigue_flags_more_than_three_days_at_max_load() {
    // kim's max_load is 2: both open since day 36, four days by day 40.
    let log = vec![
        opened(1, "design", "kim", day(36)),
        opened(2, "design", "kim", day(36) + hours(1)),
        opened(3, "design", "kim", day(30)).decided(hours(24 * 6) + hours(2)),
    ];
    let found = of(AlertKind::Fatigue, &run(&log));
    assert_eq!(found.len(), 1, "{found:#?}");
    let load = &found[0].evidence["at_max_load"];
    // 3 and 1 make two at day 36 00:00, then 2 keeps it there when 3 closes.
    assert_eq!(load["from"], "2026-04-06T00:00:00Z");
    assert_eq!(load["to"], "2026-04-10T00:00:00Z");
    assert_eq!(load["decisions"], serde_json::json!([1, 2, 3]));

    // Only two days at the limit.
    let short = vec![
        opened(1, "design", "kim", day(38)),
        opened(2, "design", "kim", day(38)),
    ];
    assert!(subjects(AlertKind::Fatigue, &short).is_empty());
    // A withdrawn decision left no trace of when it stopped counting.
    let withdrawn = vec![
        opened(1, "design", "kim", day(36)),
        opened(2, "design", "kim", day(36)).withdrawn(),
    ];
    assert!(subjects(AlertKind::Fatigue, &withdrawn).is_empty());
}

#[test]
fn fatigue_remembers_a_past_stretch_within_the_window() {
    let log = vec![
        opened(1, "design", "kim", day(20)).decided(hours(24 * 5)),
        opened(2, "design", "kim", day(20)).decided(hours(24 * 6)),
    ];
    let found = of(AlertKind::Fatigue, &run(&log));
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].evidence["at_max_load"]["days"], 5.0);
}

#[test]
fn status_confusion_flags_a_type_overridden_more_than_a_fifth_of_the_time() {
    let mut log: Vec<Decision> = (1..=5)
        .map(|i| opened(i, "chore", "mgr", day(20)).decided(hours(1)))
        .collect();
    log[0] = log[0].clone().overridden_by("raj");
    log[1] = log[1].clone().overridden_by("raj");
    let found = of(AlertKind::StatusConfusion, &run(&log));
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].subject, "chore");
    assert_eq!(found[0].evidence["rate"], 0.4);
    assert_eq!(found[0].evidence["decisions"], serde_json::json!([1, 2]));

    // Two in four is too few to judge.
    assert!(subjects(AlertKind::StatusConfusion, &log[..4]).is_empty());
    // One in five is exactly 20%: not above.
    log[1] = opened(2, "chore", "mgr", day(20)).decided(hours(1));
    assert!(subjects(AlertKind::StatusConfusion, &log).is_empty());
}

#[test]
fn status_confusion_flags_a_formal_leader_overriding_an_expertise_routed_decision() {
    let log = vec![
        opened(1, "design", "kim", day(20))
            .decided(hours(1))
            .overridden_by("boss"),
        opened(2, "design", "kim", day(20))
            .decided(hours(1))
            .overridden_by("raj"),
        // Hierarchy-routed: a leader overriding it is no status confusion.
        opened(3, "chore", "mgr", day(20))
            .decided(hours(1))
            .overridden_by("boss"),
    ];
    let found = of(AlertKind::StatusConfusion, &run(&log));
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].subject, "1");
    assert_eq!(found[0].evidence["decided_by"], "boss");
    assert_eq!(found[0].evidence["routed_to"], "kim");
}

#[test]
fn delegation_failure_needs_two_failed_high_impact_downward_delegations_in_90_days() {
    let failed = |id, ty: &str, failed_on| {
        opened(id, ty, "boss", day(failed_on - 10))
            .delegated("kim")
            .decided(hours(1))
            .outcome(Failure, day(failed_on))
    };
    let log = vec![failed(1, "design", 30), failed(2, "design", 35)];
    let found = of(AlertKind::DelegationFailure, &run(&log));
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].subject, "boss");
    assert_eq!(found[0].evidence["failures"][1]["decision"], 2);
    assert_eq!(found[0].evidence["failures"][1]["delegate"], "kim");

    let once = vec![failed(1, "design", -60), failed(2, "design", 35)];
    assert!(subjects(AlertKind::DelegationFailure, &once).is_empty());
    let low_impact = vec![failed(1, "chore", 30), failed(2, "chore", 35)];
    assert!(subjects(AlertKind::DelegationFailure, &low_impact).is_empty());
    let decided_himself = vec![failed(1, "design", 30), failed(2, "design", 35).by("boss")];
    assert!(subjects(AlertKind::DelegationFailure, &decided_himself).is_empty());
    let succeeded = vec![
        failed(1, "design", 30),
        opened(2, "design", "boss", day(25))
            .delegated("kim")
            .decided(hours(1))
            .outcome(Success, day(35)),
    ];
    assert!(subjects(AlertKind::DelegationFailure, &succeeded).is_empty());
}

#[test]
fn slow_type_flags_a_median_above_the_types_target() {
    let log = vec![
        opened(1, "design", "kim", day(20)).decided(hours(30)),
        opened(2, "design", "kim", day(20)).decided(hours(30)),
        opened(3, "design", "kim", day(20)).decided(hours(10)),
        // No target: never slow.
        opened(4, "chore", "mgr", day(20)).decided(hours(100)),
    ];
    let found = of(AlertKind::SlowType, &run(&log));
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].subject, "design");
    assert_eq!(found[0].evidence["median_seconds"], 30.0 * 3600.0);
    assert_eq!(found[0].evidence["target"], "1d");
    assert_eq!(found[0].evidence["over_target"], serde_json::json!([1, 2]));

    let fast = vec![
        opened(1, "design", "kim", day(20)).decided(hours(30)),
        opened(2, "design", "kim", day(20)).decided(hours(10)),
        opened(3, "design", "kim", day(20)).decided(hours(10)),
    ];
    assert!(subjects(AlertKind::SlowType, &fast).is_empty());
}

#[test]
fn stale_rule_flags_rules_that_routed_nothing_in_90_days_of_a_longer_log() {
    let log = vec![
        opened(1, "chore", "mgr", day(-60)).decided(hours(1)),
        opened(2, "design", "kim", day(35)).decided(hours(1)),
    ];
    let found = of(AlertKind::StaleRule, &run(&log));
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].subject, "by-manager");
    assert_eq!(found[0].evidence["last_routed"], "2025-12-31T00:00:00Z");

    let designs_only = vec![
        opened(1, "design", "kim", day(-60)).decided(hours(1)),
        opened(2, "design", "kim", day(35)).decided(hours(1)),
    ];
    let found = of(AlertKind::StaleRule, &run(&designs_only));
    assert_eq!(found.len(), 1);
    assert!(
        found[0].message.contains("never routed"),
        "{}",
        found[0].message
    );

    // A log younger than 90 days cannot tell a stale rule from a new one.
    assert!(subjects(AlertKind::StaleRule, &log[1..]).is_empty());
}

#[test]
fn outcome_review_due_flags_decided_decisions_past_their_review_date_without_outcome() {
    let today = now().date_naive();
    let log = vec![
        opened(10, "chore", "mgr", day(5))
            .decided(hours(1))
            .review_on(today),
        opened(9, "chore", "mgr", day(5))
            .decided(hours(1))
            .review_on(date("2026-04-01")),
        opened(3, "chore", "mgr", day(5))
            .decided(hours(1))
            .review_on(date("2026-04-11")),
        opened(4, "chore", "mgr", day(5))
            .decided(hours(1))
            .review_on(date("2026-04-01"))
            .outcome(Success, day(30)),
        opened(5, "chore", "out", day(5))
            .decided(hours(1))
            .review_on(today)
            .team("web"),
    ];
    let found = of(AlertKind::OutcomeReviewDue, &run(&log));
    let got: Vec<(&str, &str)> = found
        .iter()
        .map(|a| (a.team.as_str(), a.subject.as_str()))
        .collect();
    // A team with no guide still gets its reviews; ids sort as numbers.
    assert_eq!(got, [("core", "9"), ("core", "10"), ("web", "5")]);
    assert_eq!(found[0].evidence["days_overdue"], 9);
}

#[test]
fn alerts_are_sorted_by_team_kind_and_subject_and_serialize_in_snake_case() {
    let mut log = design_by(1..=5, "kim", 20);
    log.push(
        opened(6, "chore", "mgr", day(5))
            .decided(hours(1))
            .review_on(date("2026-04-01")),
    );
    let all = run(&log);
    let kinds: Vec<AlertKind> = all.iter().map(|a| a.kind).collect();
    assert_eq!(
        kinds,
        [
            AlertKind::OverReliance,
            AlertKind::BusFactor,
            AlertKind::OutcomeReviewDue
        ]
    );
    assert_eq!(all, run(&log));
    let json = serde_json::to_value(&all[0]).unwrap();
    assert_eq!(json["kind"], "over_reliance");
    assert_eq!(json["team"], "core");
    let schema = serde_json::to_value(schemars::schema_for!(Alert)).unwrap();
    assert!(schema.to_string().contains("outcome_review_due"));
}
