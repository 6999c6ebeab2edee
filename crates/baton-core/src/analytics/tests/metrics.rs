use super::*;
use crate::analytics::{Directories, Metrics, Quality, Scope, Window};
use crate::lifecycle::OutcomeResult::{Failure, Partial, Success};

/// Days `from` to `to` of March 2026, as a metric window.
fn window(from: i64, to: i64) -> Window {
    Window {
        from: day(from),
        to: day(to),
    }
}

fn dirs(g: &Guide) -> Directories {
    Directories::single(Arc::clone(&g.directory))
}

fn core(log: &[Decision], w: Window) -> Metrics {
    let g = guide();
    metrics(log, &dirs(&g), &[&g], Scope::Team("core"), w)
}

#[track_caller]
fn close(actual: Option<f64>, expected: f64) {
    let a = actual.unwrap_or_else(|| panic!("expected {expected}, got None"));
    assert!((a - expected).abs() < 1e-9, "{a} != {expected}");
}

#[test]
fn time_to_decision_is_median_and_nearest_rank_p90_of_those_decided_in_the_window() {
    let mut log: Vec<Decision> = (1..=10)
        .map(|h| opened(h, "chore", "mgr", day(1)).decided(hours(h)))
        .collect();
    log.push(opened(11, "design", "kim", day(1)).decided(hours(30)));
    log.push(opened(12, "design", "kim", day(1)).decided(hours(50)));
    // Opened in the window but decided after it, and never decided.
    log.push(opened(13, "design", "kim", day(1)).decided(hours(24 * 20)));
    log.push(opened(14, "design", "kim", day(2)));
    let m = core(&log, window(0, 7));
    assert_eq!((m.decided, m.opened), (12, 14));
    let t = m.time_to_decision.unwrap();
    // 1h..10h, 30h, 50h: the middle two are 6h and 7h; rank ceil(10.8) = 11 is 30h.
    assert_eq!(t.median_seconds, 6.5 * 3600.0);
    assert_eq!(t.p90_seconds, 30 * 3600);
    let chore = &t.by_type["chore"];
    assert_eq!(
        (chore.count, chore.median_seconds, chore.p90_seconds),
        (10, 5.5 * 3600.0, 9 * 3600)
    );
    let design = &t.by_type["design"];
    assert_eq!(
        (design.count, design.median_seconds, design.p90_seconds),
        (2, 40.0 * 3600.0, 50 * 3600)
    );
}

#[test]
fn nothing_decided_leaves_times_and_rates_unknown() {
    let log = vec![opened(1, "chore", "mgr", day(1))];
    let m = core(&log, window(0, 7));
    assert_eq!(m.decided, 0);
    assert_eq!(m.time_to_decision, None);
    assert_eq!(
        (m.leader_share, m.expert_share, m.override_rate),
        (None, None, None)
    );
    assert_eq!(
        (m.concentration.gini, m.concentration.top_decider.as_deref()),
        (None, None)
    );
    assert_eq!(m.outcome_quality.overall.rate, None);
    assert_eq!(m.velocity_per_week, Some(0.0));
    close(m.escalation_rate, 0.0);
}

#[test]
fn velocity_is_decided_per_week_of_window() {
    let log: Vec<Decision> = (1..=6)
        .map(|i| opened(i, "chore", "mgr", day(i)).decided(hours(1)))
        .collect();
    close(core(&log, window(0, 14)).velocity_per_week, 3.0);
    assert_eq!(core(&log, window(3, 3)).velocity_per_week, None);
}

#[test]
fn escalation_rate_counts_decisions_opened_in_the_window() {
    let log = vec![
        opened(1, "chore", "mgr", day(1)).escalated(),
        opened(2, "chore", "mgr", day(1)),
        opened(3, "chore", "mgr", day(2)).decided(hours(1)),
        opened(4, "chore", "mgr", day(3)),
        // Before the window: its escalation is another period's.
        opened(5, "chore", "mgr", day(-3))
            .escalated()
            .decided(hours(100)),
    ];
    let m = core(&log, window(0, 7));
    assert_eq!(m.opened, 4);
    close(m.escalation_rate, 0.25);
}

#[test]
fn leaders_are_by_rank_or_reports_and_experts_are_validated_non_leaders() {
    let log = vec![
        opened(1, "design", "boss", day(1)).decided(hours(1)), // leader by rank
        opened(2, "design", "mgr", day(1)).decided(hours(1)),  // leader by reports
        opened(3, "design", "kim", day(1)).decided(hours(1)),  // validated db 4
        opened(4, "design", "raj", day(1)).decided(hours(1)),  // validated db only 2
        opened(5, "design", "ana", day(1)).decided(hours(1)),  // db 5 claimed, unendorsed
        opened(6, "chore", "kim", day(1)).decided(hours(1)),   // no domains: not expertise
        opened(7, "chore", "gone", day(1)).decided(hours(1)),  // not in the directory
        opened(8, "design", "kim", day(1)).decided(hours(1)),
    ];
    let m = core(&log, window(0, 7));
    close(m.leader_share, 2.0 / 8.0);
    close(m.expert_share, 2.0 / 8.0);
}

#[test]
fn leader_rank_comes_from_the_decisions_own_team_guide() {
    let log = vec![
        opened(1, "design", "raj", day(1)).decided(hours(1)),
        opened(2, "design", "raj", day(1))
            .decided(hours(1))
            .team("web"),
    ];
    let g = guide_from(&GUIDE.replace("leader_rank: 4", "leader_rank: 3"));
    let m = metrics(&log, &dirs(&g), &[&g], Scope::Org, window(0, 7));
    // raj (rank 3) leads in core's guide; web has none, so the default 4.
    close(m.leader_share, 0.5);
    assert_eq!(m.scope, "org");
}

#[test]
fn concentration_counts_every_member_including_those_who_decided_nothing() {
    let mut log: Vec<Decision> = (1..=3)
        .map(|i| opened(i, "design", "kim", day(1)).decided(hours(1)))
        .collect();
    log.push(opened(4, "chore", "raj", day(1)).decided(hours(1)));
    let c = core(&log, window(0, 7)).concentration;
    // Members boss, mgr, kim, raj, ana: counts 0,0,0,1,3.
    assert_eq!(c.people, 5);
    close(c.gini, 0.7);
    assert_eq!(c.top_decider.as_deref(), Some("kim"));
    close(c.top_share, 0.75);
    assert_eq!(
        c.decided_by.into_iter().collect::<Vec<_>>(),
        [("kim".to_owned(), 3), ("raj".to_owned(), 1)]
    );
}

#[test]
fn one_member_deciding_everything_has_gini_n_minus_one_over_n() {
    let log: Vec<Decision> = (1..=4)
        .map(|i| opened(i, "design", "kim", day(1)).decided(hours(1)))
        .collect();
    close(core(&log, window(0, 7)).concentration.gini, 4.0 / 5.0);
}

#[test]
fn everyone_deciding_equally_has_gini_zero_and_ties_go_to_the_first_id() {
    let log: Vec<Decision> = ["boss", "mgr", "kim", "raj", "ana"]
        .iter()
        .enumerate()
        .map(|(i, who)| opened(i as i64 + 1, "chore", who, day(1)).decided(hours(1)))
        .collect();
    let c = core(&log, window(0, 7)).concentration;
    close(c.gini, 0.0);
    assert_eq!(c.top_decider.as_deref(), Some("ana"));
    close(c.top_share, 0.2);
}

#[test]
fn outsiders_deciding_are_counted_beside_the_members_distribution() {
    let log = vec![
        opened(1, "chore", "mgr", day(1))
            .decided(hours(1))
            .overridden_by("out"),
        opened(2, "chore", "mgr", day(1)).decided(hours(1)),
        opened(3, "chore", "mgr", day(1))
            .decided(hours(1))
            .overridden_by("gone"),
    ];
    let c = core(&log, window(0, 7)).concentration;
    // Members boss, mgr, kim, raj, ana: counts 0,1,0,0,0.
    assert_eq!((c.people, c.top_decider.as_deref()), (5, Some("mgr")));
    close(c.gini, 4.0 / 5.0);
    close(c.top_share, 1.0);
    assert_eq!(c.outsiders.decided, 2);
    close(c.outsiders.share, 2.0 / 3.0);
    assert_eq!(
        c.outsiders.decided_by.into_iter().collect::<Vec<_>>(),
        [("gone".to_owned(), 1), ("out".to_owned(), 1)]
    );
    // The org holds everyone in the directory: only `gone` is outside it.
    let g = guide();
    let org = metrics(&log, &dirs(&g), &[&g], Scope::Org, window(0, 7)).concentration;
    assert_eq!((org.people, org.outsiders.decided), (6, 1));
}

#[test]
fn deciders_are_judged_by_the_directory_in_force_when_they_decided() {
    // kim, a validated expert, is promoted to rank 5 on day 3.
    let promoted = ORG.replace(
        "{id: kim, name: Kim, rank: 2,",
        "{id: kim, name: Kim, rank: 5,",
    );
    let later = Arc::new(Directory::load("org.yaml", &promoted).unwrap());
    let directories = Directories::new(vec![(day(-30), directory()), (day(3), later)]).unwrap();
    let log = vec![
        opened(1, "design", "kim", day(1)).decided(hours(1)),
        opened(2, "design", "kim", day(2)).decided(hours(20)),
        opened(3, "design", "kim", day(4)).decided(hours(1)),
    ];
    let g = guide();
    let m = metrics(&log, &directories, &[&g], Scope::Team("core"), window(0, 7));
    close(m.expert_share, 2.0 / 3.0);
    close(m.leader_share, 1.0 / 3.0);
}

#[test]
fn override_rate_is_overridden_over_decided() {
    let log = vec![
        opened(1, "chore", "mgr", day(1)).decided(hours(1)),
        opened(2, "chore", "mgr", day(1))
            .decided(hours(1))
            .overridden_by("boss"),
        opened(3, "chore", "mgr", day(1))
            .delegated("kim")
            .decided(hours(1)),
        opened(4, "chore", "mgr", day(1)).decided(hours(1)),
        opened(5, "chore", "mgr", day(1)).overridden_by("boss"), // not decided
    ];
    let m = core(&log, window(0, 7));
    close(m.override_rate, 0.25);
    // The delegate's decision counts for the delegate.
    assert_eq!(m.concentration.decided_by["kim"], 1);
}

#[test]
fn a_tiebreak_by_rule_counts_for_the_authority_holder() {
    let log = vec![
        opened(1, "design", "kim", day(1))
            .decided(hours(1))
            .by(SYSTEM),
    ];
    let m = core(&log, window(0, 7));
    assert_eq!(m.concentration.top_decider.as_deref(), Some("kim"));
    close(m.expert_share, 1.0);
}

#[test]
fn outcome_quality_weighs_partial_as_half_by_framework_type_and_decider() {
    let log = vec![
        opened(1, "design", "kim", day(1))
            .decided(hours(1))
            .outcome(Success, day(20)),
        opened(2, "design", "kim", day(1))
            .decided(hours(1))
            .outcome(Partial, day(20)),
        opened(3, "design", "raj", day(1))
            .decided(hours(1))
            .outcome(Failure, day(20)),
        opened(4, "chore", "mgr", day(1))
            .decided(hours(1))
            .outcome(Success, day(20)),
        opened(5, "chore", "mgr", day(1)).decided(hours(1)),
        // Decided before the window: its outcome belongs to that period.
        opened(6, "chore", "mgr", day(-9))
            .decided(hours(1))
            .outcome(Failure, day(2)),
    ];
    let q = core(&log, window(0, 7)).outcome_quality;
    let quality = |recorded, success, partial, failure, rate: f64| Quality {
        recorded,
        success,
        partial,
        failure,
        rate: Some(rate),
    };
    assert_eq!(q.overall, quality(4, 2, 1, 1, 2.5 / 4.0));
    assert_eq!(q.by_framework["expertise"], quality(3, 1, 1, 1, 0.5));
    assert_eq!(q.by_framework["hierarchy"], quality(1, 1, 0, 0, 1.0));
    assert_eq!(q.by_type["design"], q.by_framework["expertise"]);
    assert_eq!(q.by_decider["kim"], quality(2, 1, 1, 0, 0.75));
    assert_eq!(q.by_decider["raj"], quality(1, 0, 0, 1, 0.0));
    assert_eq!(q.by_decider.len(), 3);
}

#[test]
fn a_team_scope_counts_only_that_teams_decisions() {
    let log = vec![
        opened(1, "chore", "mgr", day(1)).decided(hours(1)),
        opened(2, "chore", "out", day(1))
            .decided(hours(1))
            .team("web"),
        opened(3, "chore", "out", day(1)).team("web"),
    ];
    let g = guide();
    let web = metrics(&log, &dirs(&g), &[&g], Scope::Team("web"), window(0, 7));
    assert_eq!((web.scope.as_str(), web.decided, web.opened), ("web", 1, 2));
    assert_eq!(web.concentration.people, 1);
    let org = metrics(&log, &dirs(&g), &[&g], Scope::Org, window(0, 7));
    assert_eq!((org.decided, org.opened), (2, 3));
}

#[test]
fn metrics_serialize_with_nulls_for_unknowns_and_have_a_schema() {
    let m = core(&[], window(0, 7));
    let json = serde_json::to_value(&m).unwrap();
    assert_eq!(json["scope"], "core");
    assert_eq!(json["window"]["from"], "2026-03-01T00:00:00Z");
    assert!(json["time_to_decision"].is_null());
    assert!(json["concentration"]["top_share"].is_null());
    assert_eq!(json["concentration"]["people"], 5);
    let schema = serde_json::to_value(schemars::schema_for!(Metrics)).unwrap();
    assert!(schema["properties"]["outcome_quality"].is_object());
}
