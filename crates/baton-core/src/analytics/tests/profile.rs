use super::*;
use crate::analytics::{Directories, Judge, Profile, Scope, Window};
use crate::lifecycle::OutcomeResult::{Failure, Partial, Success};

fn week() -> Window {
    Window {
        from: day(0),
        to: day(7),
    }
}

fn profiles_of(log: &[Decision], scope: Scope<'_>) -> Vec<Profile> {
    let g = guide();
    let directories = Directories::single(Arc::clone(&g.directory));
    let facts = crate::analytics::Facts::of(log, &Judge::new(&directories, &[&g]));
    crate::analytics::profiles(&facts, &directories, scope, week(), None)
}

#[track_caller]
fn of<'a>(all: &'a [Profile], person: &str) -> &'a Profile {
    all.iter()
        .find(|p| p.person == person)
        .unwrap_or_else(|| panic!("no profile of {person}: {all:#?}"))
}

/// kim (rank 2) is the routed db expert; boss (5) and raj (3) outrank her,
/// mgr (2) and ana (1) do not.
fn staged() -> Vec<Decision> {
    vec![
        opened(1, "design", "kim", day(1))
            .decided(hours(2))
            .outcome(Success, day(3)),
        opened(2, "design", "kim", day(1))
            .decided(hours(3))
            .overridden_by("boss")
            .outcome(Failure, day(3)),
        opened(3, "design", "kim", day(2))
            .delegated("ana")
            .decided(hours(4))
            .outcome(Partial, day(4)),
        opened(4, "chore", "mgr", day(2)).decided(hours(1)),
        opened(5, "design", "kim", day(3)),
        // Decided outside the window: not counted.
        opened(6, "design", "kim", day(5)).decided(hours(24 * 5)),
    ]
}

#[test]
fn routed_counts_openings_and_decided_counts_whose_call_it_was() {
    let all = profiles_of(&staged(), Scope::Team("core"));
    let kim = of(&all, "kim");
    assert_eq!((kim.routed, kim.decided, kim.decided_as_routed), (5, 1, 1));
    let ana = of(&all, "ana");
    assert_eq!((ana.routed, ana.decided, ana.decided_as_routed), (0, 1, 0));
    let mgr = of(&all, "mgr");
    assert_eq!((mgr.routed, mgr.decided), (1, 1));
}

#[test]
fn delegating_is_deferring_and_its_outcome_counts_for_who_delegated() {
    let all = profiles_of(&staged(), Scope::Team("core"));
    let kim = of(&all, "kim");
    assert_eq!((kim.deferred.delegated, kim.deferred.to_experts), (1, 0));
    assert_eq!(kim.outcomes.deferred.partial, 1);
    assert_eq!(kim.deference_rate, Some(1.0));
}

#[test]
fn those_who_outrank_the_routed_expert_defer_by_letting_them_decide_or_override() {
    let all = profiles_of(&staged(), Scope::Team("core"));
    let boss = of(&all, "boss");
    // 1 and 3 left to stand, 2 overridden.
    assert_eq!((boss.deferred.to_experts, boss.overrode), (2, 1));
    assert_eq!(boss.outcomes.overridden.rate, Some(0.0));
    assert_eq!(boss.outcomes.deferred.rate, Some(0.75));
    assert_eq!(boss.deference_rate, Some(2.0 / 3.0));
    let raj = of(&all, "raj");
    assert_eq!((raj.deferred.to_experts, raj.overrode), (2, 0));
    // Not above kim in rank, or making the call themselves.
    assert_eq!(of(&all, "mgr").deferred.total, 0);
    assert_eq!(of(&all, "ana").deferred.total, 0);
}

#[test]
fn a_team_scope_lists_every_member_and_only_its_decisions() {
    let mut log = staged();
    log.push(
        opened(7, "chore", "out", day(1))
            .team("web")
            .decided(hours(1)),
    );
    let core = profiles_of(&log, Scope::Team("core"));
    let people: Vec<&str> = core.iter().map(|p| p.person.as_str()).collect();
    assert_eq!(people, ["ana", "boss", "kim", "mgr", "raj"]);
    let org = profiles_of(&log, Scope::Org);
    assert_eq!(of(&org, "out").decided, 1);
}
