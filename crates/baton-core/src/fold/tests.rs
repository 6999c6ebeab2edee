#![allow(clippy::unwrap_used, reason = "a test fails loudly")]

use std::sync::Arc;

use chrono::TimeDelta;
use proptest::prelude::*;

use super::*;
use crate::{Directory, examples};

const PEOPLE: [&str; 4] = ["kim", "raj", "lee", "ana"];
const TYPES: [&str; 3] = ["architecture", "incident", "tooling"];
const TEAMS: [&str; 2] = ["platform", "payments"];
const DOMAINS: [&str; 3] = ["db", "api", "ops"];

fn t0() -> DateTime<Utc> {
    "2026-03-01T12:00:00Z".parse().unwrap()
}

fn hours(n: i64) -> DateTime<Utc> {
    t0() + TimeDelta::hours(n)
}

/// A decision's footprint as the lifecycle leaves one: only a decided (or
/// since superseded) decision has a decider of record, a decision time and
/// perhaps an outcome, each after the one before.
fn footprint() -> impl Strategy<Value = Footprint> {
    (
        (
            0..TEAMS.len(),
            0..TYPES.len(),
            0..PEOPLE.len(),
            0..PEOPLE.len(),
        ),
        proptest::sample::subsequence(DOMAINS.to_vec(), 0..=2),
        0..Status::ALL.len(),
        (0i64..200, 0i64..100, 0i64..100),
        proptest::option::of(0..OutcomeResult::ALL.len()),
    )
        .prop_map(
            |((team, ty, decider, by), domains, status, (opened, took, later), outcome)| {
                let status = Status::ALL[status];
                let decided = matches!(status, Status::Decided | Status::Superseded);
                let decided_at = decided.then(|| hours(opened + took));
                Footprint {
                    team: TEAMS[team].into(),
                    decision_type: TYPES[ty].into(),
                    domains: domains.into_iter().map(str::to_owned).collect(),
                    status,
                    decider: PEOPLE[decider].into(),
                    opened_at: hours(opened),
                    decided_at,
                    decided_by: decided.then(|| PEOPLE[by].to_owned()),
                    outcome: decided_at
                        .zip(outcome)
                        .map(|(at, r)| (OutcomeResult::ALL[r], at + TimeDelta::hours(later))),
                }
            },
        )
}

fn scope(types: Option<&[&str]>) -> HistoryScope {
    HistoryScope {
        team: "platform".into(),
        from: hours(50),
        to: hours(250),
        types: types.map(|t| t.iter().map(|s| (*s).to_owned()).collect()),
    }
}

fn scopes() -> impl Strategy<Value = Option<HistoryScope>> {
    prop_oneof![
        Just(None),
        Just(Some(scope(None))),
        Just(Some(scope(Some(&["architecture", "tooling"])))),
    ]
}

proptest! {
    #[test]
    fn taking_footprints_away_leaves_the_state_of_the_others(
        footprints in proptest::collection::vec(footprint(), 0..24),
        gone in proptest::collection::vec(any::<bool>(), 24),
        scope in scopes(),
    ) {
        let mut fold = Fold::new(scope.clone());
        footprints.iter().for_each(|f| fold.add(f));
        let mut kept = Vec::new();
        for (f, gone) in footprints.iter().zip(&gone) {
            if *gone { fold.remove(f) } else { kept.push(f.clone()) }
        }
        prop_assert_eq!(
            fold.into_state().normalized(),
            org_state(&kept, scope.as_ref()).normalized()
        );
    }

    #[test]
    fn moving_each_decision_through_its_changes_folds_its_last_footprint(
        changes in proptest::collection::vec((0usize..6, footprint()), 0..32),
        scope in scopes(),
    ) {
        let mut fold = Fold::new(scope.clone());
        let mut now: Vec<Option<Footprint>> = vec![None; 6];
        for (id, after) in changes {
            fold.moved(now[id].as_ref(), &after);
            now[id] = Some(after);
        }
        let last: Vec<Footprint> = now.into_iter().flatten().collect();
        prop_assert_eq!(
            fold.into_state().normalized(),
            org_state(&last, scope.as_ref()).normalized()
        );
    }

    #[test]
    fn the_state_as_of_after_everything_is_the_state_now_and_before_anything_is_empty(
        footprints in proptest::collection::vec(footprint(), 0..24),
        scope in scopes(),
    ) {
        let now = org_state(&footprints, scope.as_ref()).normalized();
        let after = org_state_as_of(&footprints, scope.as_ref(), hours(1_000)).normalized();
        prop_assert_eq!(after, now);
        let before = org_state_as_of(&footprints, scope.as_ref(), hours(-1));
        prop_assert_eq!(before, OrgState::default());
    }

    #[test]
    fn the_state_as_of_an_instant_sees_no_decision_opened_after_it(
        footprints in proptest::collection::vec(footprint(), 0..24),
        at in 0i64..400,
    ) {
        let at = hours(at);
        let opened: Vec<Footprint> =
            footprints.iter().filter(|f| f.opened_at <= at).cloned().collect();
        let scope = scope(None);
        prop_assert_eq!(
            org_state_as_of(&footprints, Some(&scope), at).normalized(),
            org_state_as_of(&opened, Some(&scope), at).normalized()
        );
    }
}

fn lived() -> Footprint {
    Footprint {
        team: "platform".into(),
        decision_type: "architecture".into(),
        domains: vec!["db".into(), "api".into()],
        status: Status::Decided,
        decider: "kim".into(),
        opened_at: hours(60),
        decided_at: Some(hours(70)),
        decided_by: Some("raj".into()),
        outcome: Some((OutcomeResult::Partial, hours(80))),
    }
}

#[test]
fn a_decision_weighs_on_its_decider_until_decided_then_counts_as_history_then_as_a_record() {
    let d = [lived()];
    let scope = scope(None);
    let at = |h| org_state_as_of(&d, Some(&scope), hours(h));

    assert_eq!(at(59), OrgState::default());
    let open = at(60);
    assert_eq!(open.load_of("kim"), 1);
    assert!(open.history.is_empty() && open.track.is_empty());

    let decided = at(70);
    assert_eq!(decided.load_of("kim"), 0);
    assert_eq!(decided.history.len(), 1);
    assert_eq!(decided.history[0].decider, "raj");
    assert!(decided.track.is_empty());

    let recorded = at(80);
    for domain in ["db", "api"] {
        assert_eq!(
            recorded.track[domain]["raj"],
            Outcomes {
                success: 0.5,
                failure: 0.5
            }
        );
    }
}

#[test]
fn an_escalated_or_withdrawn_decision_weighs_on_no_one() {
    for status in [Status::Escalated, Status::Withdrawn] {
        let d = [Footprint {
            status,
            decided_at: None,
            decided_by: None,
            outcome: None,
            ..lived()
        }];
        assert_eq!(org_state(&d, None), OrgState::default(), "{status:?}");
        assert_eq!(
            org_state_as_of(&d, None, hours(65)),
            OrgState::default(),
            "{status:?}"
        );
    }
}

#[test]
fn history_is_kept_only_inside_the_scope() {
    let inside = lived();
    let other_team = Footprint {
        team: "payments".into(),
        ..lived()
    };
    let other_type = Footprint {
        decision_type: "incident".into(),
        ..lived()
    };
    let too_early = Footprint {
        opened_at: hours(40),
        decided_at: Some(hours(50)),
        ..lived()
    };
    let all = [inside, other_team, other_type, too_early];
    let typed = scope(Some(&["architecture"]));
    assert_eq!(org_state(&all, Some(&typed)).history.len(), 1);
    assert_eq!(org_state(&all, Some(&scope(None))).history.len(), 2);
    assert!(org_state(&all, None).history.is_empty());
}

#[test]
fn a_guides_scope_reaches_back_its_widest_spread_window_over_the_types_spread_counts() {
    let dir = Arc::new(Directory::load("org.yaml", examples::ORG).unwrap());
    let guide = crate::compile_guide("deference.yaml", examples::GUIDE, dir).unwrap();
    let widest = guide
        .rules
        .iter()
        .filter_map(|r| r.spread.as_ref().map(|s| s.window.as_chrono()))
        .max()
        .expect("the example guide has a spread rule");
    let scope = HistoryScope::for_guide(&guide, hours(0), hours(5)).unwrap();
    assert_eq!(scope.team, guide.team);
    assert_eq!((scope.from, scope.to), (hours(0) - widest, hours(5)));
    let spread_types: Vec<&Option<Vec<String>>> = guide
        .rules
        .iter()
        .filter(|r| r.spread.is_some())
        .map(|r| &r.types)
        .collect();
    match &scope.types {
        Some(types) => assert!(spread_types.iter().all(|t| {
            t.as_ref()
                .is_some_and(|t| t.iter().all(|t| types.contains(t)))
        })),
        None => assert!(spread_types.iter().any(|t| t.is_none())),
    }

    let mut without = guide;
    for rule in &mut without.rules {
        rule.spread = None;
    }
    assert_eq!(HistoryScope::for_guide(&without, hours(0), hours(5)), None);
}
