use crate::lifecycle::act;
use std::sync::Arc;

use chrono::{DateTime, TimeDelta, Utc};

use super::*;
use crate::guide::file::TieRule;
use crate::{Directory, Guide, OrgState, Request, examples, resolve};

fn guide() -> Guide {
    let dir = Arc::new(Directory::load("org.yaml", examples::ORG).unwrap());
    crate::compile_guide("deference.yaml", examples::GUIDE, dir).unwrap()
}

fn t0() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-03-01T12:00:00Z")
        .unwrap()
        .with_timezone(&Utc)
}

fn hours(h: i64) -> DateTime<Utc> {
    t0() + TimeDelta::hours(h)
}

/// An architecture decision: decider kim, backups raj and lee, agree sam,
/// input raj, inform dana; a 24h consensus check, 48h deliberation with
/// minimize-risk, escalation to dana after 72h.
fn opened(g: &Guide) -> Decision {
    let req = Request {
        decision_type: "architecture".into(),
        title: "Move sessions to Postgres".into(),
        context: serde_json::json!({}),
        requester: Some("ana".into()),
        at: t0(),
    };
    let resolution = resolve(g, &OrgState::default(), &req).unwrap();
    let domains = g.types["architecture"].domains.clone();
    let (d, event) = open(
        crate::DecisionId::new(7).unwrap(),
        &req.title,
        domains,
        req.context.clone(),
        resolution,
    );
    assert_eq!(event.kind.as_str(), "opened");
    d
}

fn member(person: &str) -> Actor {
    Actor {
        person: person.into(),
        role: Role::Member,
    }
}

fn system() -> Actor {
    Actor {
        person: SYSTEM.into(),
        role: Role::Admin,
    }
}

#[track_caller]
fn ok(
    g: &Guide,
    d: &Decision,
    actor: &Actor,
    action: Action,
    at: DateTime<Utc>,
) -> (Decision, Vec<Event>) {
    apply(d, actor, &action, at, &g.directory)
        .unwrap_or_else(|e| panic!("{action:?} by {}: {e}", actor.person))
}

#[track_caller]
fn refused(
    g: &Guide,
    d: &Decision,
    actor: &Actor,
    action: Action,
    at: DateTime<Utc>,
) -> LifecycleError {
    apply(d, actor, &action, at, &g.directory).expect_err("should be refused")
}

fn position(option: &str, risk: Option<u8>) -> Action {
    Action::Position(act::Position {
        option: option.into(),
        rationale: "because".into(),
        confidence: 4,
        risk,
        reversible: None,
    })
}

fn decide(option: &str, override_reason: Option<&str>) -> Action {
    Action::Decide(act::Decide {
        option: option.into(),
        rationale: "it fits".into(),
        override_reason: override_reason.map(Into::into),
        review_on: None,
    })
}

/// The decision after its consensus check closed.
fn deliberating(g: &Guide) -> Decision {
    let d = opened(g);
    let (d, _) = ok(
        g,
        &d,
        &member("raj"),
        position("postgres", Some(2)),
        hours(1),
    );
    let (d, events) = ok(g, &d, &system(), Action::Tick, hours(25));
    assert_eq!(events[0].kind.as_str(), "check_closed");
    assert_eq!(d.status, Status::Deliberating);
    d
}

#[test]
fn a_decision_with_a_consensus_check_opens_checking() {
    let g = guide();
    let d = opened(&g);
    assert_eq!(
        (d.status, d.decider.as_str(), d.requester.as_str()),
        (Status::Checking, "kim", "ana")
    );
}

#[test]
fn positions_come_only_from_the_roster_and_before_the_deadline() {
    let g = guide();
    let d = opened(&g);
    assert_eq!(
        refused(&g, &d, &member("chen"), position("x", None), hours(1)).code(),
        "forbidden"
    );
    let (d, _) = ok(&g, &d, &member("sam"), position("x", Some(3)), hours(1));
    assert_eq!(d.positions.len(), 1);
    // A second position by the same person replaces the first.
    let (d, _) = ok(&g, &d, &member("sam"), position("y", Some(3)), hours(2));
    assert_eq!(d.positions.len(), 1);
    assert_eq!(d.positions[0].option, "y");
    let bad = Action::Position(act::Position {
        option: "x".into(),
        rationale: "r".into(),
        confidence: 9,
        risk: None,
        reversible: None,
    });
    assert_eq!(
        refused(&g, &d, &member("sam"), bad, hours(3)).code(),
        "invalid"
    );
    assert_eq!(
        refused(&g, &d, &member("sam"), position("x", None), hours(48)).code(),
        "conflict"
    );
}

#[test]
fn an_objection_passes_authority_to_the_next_backup() {
    let g = guide();
    let d = opened(&g);
    let (d, events) = ok(
        &g,
        &d,
        &member("sam"),
        Action::Object(act::Object {
            reason: "kim wrote the current design".into(),
        }),
        hours(2),
    );
    assert_eq!(d.decider, "raj");
    assert_eq!(
        events.iter().map(|e| e.kind.as_str()).collect::<Vec<_>>(),
        ["objection", "rerouted"]
    );
    let err = refused(
        &g,
        &d,
        &member("sam"),
        Action::Object(act::Object {
            reason: "again".into(),
        }),
        hours(30),
    );
    assert_eq!(err.code(), "conflict", "{err}");
    let err = refused(
        &g,
        &d,
        &member("sam"),
        Action::Object(act::Object { reason: " ".into() }),
        hours(3),
    );
    assert_eq!(err.code(), "invalid");
}

#[test]
fn objections_past_the_last_backup_escalate() {
    let g = guide();
    let mut d = opened(&g);
    for (who, expect) in [("sam", "raj"), ("dana", "lee"), ("ana", "dana")] {
        d = ok(
            &g,
            &d,
            &member(who),
            Action::Object(act::Object {
                reason: "no".into(),
            }),
            hours(2),
        )
        .0;
        assert_eq!(d.decider, expect);
    }
    assert!(d.escalated);
}

#[test]
fn nobody_decides_during_the_consensus_check() {
    let g = guide();
    let d = opened(&g);
    let err = refused(&g, &d, &member("kim"), decide("postgres", None), hours(1));
    assert!(err.to_string().contains("consensus check"), "{err}");
}

#[test]
fn the_decider_decides_once_and_a_second_decide_conflicts() {
    let g = guide();
    let d = deliberating(&g);
    let (d, events) = ok(&g, &d, &member("kim"), decide("postgres", None), hours(26));
    assert_eq!((d.status, d.overridden), (Status::Decided, false));
    assert_eq!(events[0].kind.as_str(), "decided");
    assert_eq!(d.version, 4);
    let err = refused(&g, &d, &member("kim"), decide("mysql", None), hours(27));
    assert_eq!(err.code(), "conflict");
    assert!(err.to_string().contains("decided by kim"), "{err}");
}

#[test]
fn deciding_for_someone_else_needs_an_override_reason_and_is_recorded() {
    let g = guide();
    let d = deliberating(&g);
    let err = refused(&g, &d, &member("dana"), decide("postgres", None), hours(26));
    assert_eq!(err.code(), "forbidden");
    let (d, _) = ok(
        &g,
        &d,
        &member("dana"),
        decide("postgres", Some("board deadline")),
        hours(26),
    );
    assert!(d.overridden);
    assert_eq!(d.override_reason.as_deref(), Some("board deadline"));
}

#[test]
fn a_delegate_decides_without_an_override() {
    let g = guide();
    let d = deliberating(&g);
    let err = refused(
        &g,
        &d,
        &member("raj"),
        Action::Delegate(act::Delegate {
            to: "lee".parse().unwrap(),
            reason: "r".into(),
        }),
        hours(26),
    );
    assert_eq!(err.code(), "forbidden");
    let err = refused(
        &g,
        &d,
        &member("kim"),
        Action::Delegate(act::Delegate {
            to: "zed".parse().unwrap(),
            reason: "r".into(),
        }),
        hours(26),
    );
    assert_eq!(err.code(), "invalid");
    let (d, _) = ok(
        &g,
        &d,
        &member("kim"),
        Action::Delegate(act::Delegate {
            to: "lee".parse().unwrap(),
            reason: "on leave".into(),
        }),
        hours(26),
    );
    let (d, _) = ok(&g, &d, &member("lee"), decide("postgres", None), hours(27));
    assert!(!d.overridden);
}

#[test]
fn the_decider_can_escalate_once() {
    let g = guide();
    let d = deliberating(&g);
    assert_eq!(
        refused(&g, &d, &member("raj"), Action::Escalate, hours(26)).code(),
        "forbidden"
    );
    let (d, _) = ok(&g, &d, &member("kim"), Action::Escalate, hours(26));
    assert_eq!((d.status, d.decider.as_str()), (Status::Escalated, "dana"));
    assert_eq!(
        refused(&g, &d, &member("dana"), Action::Escalate, hours(27)).code(),
        "conflict"
    );
    let (d, _) = ok(&g, &d, &member("dana"), decide("postgres", None), hours(28));
    assert!(
        !d.overridden,
        "the escalation target decides in their own right"
    );
}

#[test]
fn ticks_escalate_at_the_deadline_and_are_idempotent() {
    let g = guide();
    let d = opened(&g);
    let (d, _) = ok(&g, &d, &system(), Action::Tick, hours(25));
    assert_eq!(
        d.status,
        Status::Routed,
        "no positions: routed after the check"
    );
    assert!(!due(&d, hours(71)));
    assert!(due(&d, hours(72)));
    let (d, events) = ok(&g, &d, &system(), Action::Tick, hours(72));
    assert_eq!((d.status, d.decider.as_str()), (Status::Escalated, "dana"));
    assert_eq!(events[0].actor, SYSTEM);
    let (again, events) = ok(&g, &d, &system(), Action::Tick, hours(73));
    assert!(events.is_empty());
    assert_eq!(again, d);
    assert_eq!(
        refused(&g, &d, &member("kim"), Action::Tick, hours(73)).code(),
        "forbidden"
    );
}

#[test]
fn a_disagreement_at_the_deadline_is_settled_by_the_tiebreaker_rule() {
    let g = guide();
    let d = deliberating(&g);
    let (d, _) = ok(
        &g,
        &d,
        &member("lee"),
        position("mysql", Some(4)),
        hours(30),
    );
    let (d, _) = ok(
        &g,
        &d,
        &member("sam"),
        position("mysql", Some(5)),
        hours(30),
    );
    assert!(!due(&d, hours(47)));
    let (d, events) = ok(&g, &d, &system(), Action::Tick, hours(48));
    assert_eq!(events[0].kind.as_str(), "tiebreak");
    assert_eq!(
        (d.status, d.option.as_deref()),
        (Status::Decided, Some("postgres"))
    );
    assert_eq!(d.decided_by.as_deref(), Some(SYSTEM));
}

#[test]
fn one_position_past_every_deadline_escalates_instead_of_being_settled_by_the_tiebreaker() {
    let g = guide();
    let d = opened(&g);
    let (d, _) = ok(&g, &d, &member("raj"), position("kafka", Some(2)), hours(1));
    let at = hours(72) + TimeDelta::seconds(1);
    assert!(due(&d, at), "the escalation is due");
    let (d, events) = ok(&g, &d, &system(), Action::Tick, at);
    let kinds: Vec<&str> = events.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(kinds, ["check_closed", "escalated"]);
    assert_eq!(
        (d.status, d.decider.as_str(), d.decided_by.as_deref()),
        (Status::Escalated, "dana", None)
    );
}

#[test]
fn agreement_at_the_deliberation_deadline_leaves_the_decision_to_the_decider() {
    let g = guide();
    let d = deliberating(&g);
    let (d, _) = ok(
        &g,
        &d,
        &member("lee"),
        position("postgres", Some(4)),
        hours(30),
    );
    assert!(!due(&d, hours(48)), "no disagreement to settle");
    let (d, events) = ok(&g, &d, &system(), Action::Tick, hours(48));
    assert!(events.is_empty(), "{events:?}");
    assert_eq!(d.status, Status::Deliberating);
}

#[test]
fn outcomes_follow_a_decision_once_and_only_from_the_decider_or_a_steward() {
    let g = guide();
    let d = deliberating(&g);
    let outcome = Action::Outcome(act::Outcome {
        result: OutcomeResult::Success,
        notes: "fast".into(),
    });
    assert_eq!(
        refused(&g, &d, &member("kim"), outcome.clone(), hours(26)).code(),
        "conflict"
    );
    let (d, _) = ok(&g, &d, &member("kim"), decide("postgres", None), hours(26));
    assert_eq!(
        refused(&g, &d, &member("raj"), outcome.clone(), hours(90)).code(),
        "forbidden"
    );
    let steward = Actor {
        person: "omar".into(),
        role: Role::Steward,
    };
    let (d, _) = ok(&g, &d, &steward, outcome.clone(), hours(90));
    assert_eq!(
        d.outcome.as_ref().map(|o| o.result),
        Some(OutcomeResult::Success)
    );
    assert_eq!(
        refused(&g, &d, &member("kim"), outcome, hours(91)).code(),
        "conflict"
    );
}

#[test]
fn only_the_requester_or_an_admin_withdraws() {
    let g = guide();
    let d = opened(&g);
    assert_eq!(
        refused(&g, &d, &member("kim"), Action::Withdraw, hours(1)).code(),
        "forbidden"
    );
    let (d, _) = ok(&g, &d, &member("ana"), Action::Withdraw, hours(1));
    assert_eq!(d.status, Status::Withdrawn);
    assert_eq!(
        refused(&g, &d, &member("ana"), Action::Withdraw, hours(2)).code(),
        "conflict"
    );
}

#[test]
fn viewers_and_time_travellers_are_refused() {
    let g = guide();
    let d = opened(&g);
    let viewer = Actor {
        person: "kim".into(),
        role: Role::Viewer,
    };
    assert_eq!(
        refused(&g, &d, &viewer, position("x", None), hours(1)).code(),
        "forbidden"
    );
    assert_eq!(
        refused(&g, &d, &member("kim"), position("x", None), hours(-1)).code(),
        "invalid"
    );
}

mod tiebreakers {
    use super::*;

    fn p(person: &str, option: &str, risk: Option<u8>, reversible: Option<bool>) -> Position {
        Position {
            person: person.into(),
            option: option.into(),
            rationale: String::new(),
            confidence: 3,
            risk,
            reversible,
            at: t0(),
        }
    }

    #[track_caller]
    fn check(rule: TieRule, positions: &[Position], expected: Option<&str>) {
        let g = guide();
        let domains = ["databases".to_owned()];
        let got = settle(rule, positions, &g.directory, &domains).map(|(o, _)| o);
        assert_eq!(got.as_deref(), expected);
    }

    #[test]
    fn majority_counts_positions_and_breaks_ties_by_name() {
        check(
            TieRule::Majority,
            &[
                p("a", "x", None, None),
                p("b", "y", None, None),
                p("c", "y", None, None),
            ],
            Some("y"),
        );
        check(
            TieRule::Majority,
            &[p("a", "x", None, None), p("b", "y", None, None)],
            Some("x"),
        );
    }

    #[test]
    fn minimize_risk_takes_the_lowest_mean_stated_risk() {
        check(
            TieRule::MinimizeRisk,
            &[
                p("a", "x", Some(2), None),
                p("b", "x", Some(4), None),
                p("c", "y", Some(2), None),
            ],
            Some("y"),
        );
        check(TieRule::MinimizeRisk, &[p("a", "x", None, None)], None);
    }

    #[test]
    fn most_reversible_takes_the_option_marked_reversible() {
        check(
            TieRule::MostReversible,
            &[
                p("a", "x", None, Some(false)),
                p("b", "y", None, Some(true)),
            ],
            Some("y"),
        );
    }

    #[test]
    fn highest_expertise_follows_the_most_expert_holder() {
        // kim claims databases 5; lee 4.
        check(
            TieRule::HighestExpertise,
            &[p("lee", "x", None, None), p("kim", "y", None, None)],
            Some("y"),
        );
    }
}

fn offered(g: &Guide, d: &Decision, person: &str, at: DateTime<Utc>) -> Vec<&'static str> {
    offers(d, &member(person), at, &g.directory)
        .into_iter()
        .map(|o| match o {
            Offer::Decide { needs_reason: true } => "decide with a reason",
            o => o.as_str(),
        })
        .collect()
}

#[test]
fn a_page_offers_each_person_only_what_the_lifecycle_would_accept() {
    let g = guide();
    let d = opened(&g);
    // During the check: raj (backup, input) may take positions and
    // object; the requester recommends, so may too, and may withdraw.
    assert_eq!(
        offered(&g, &d, "raj", hours(1)),
        ["position", "object"],
        "a roster member during the consensus check"
    );
    assert_eq!(
        offered(&g, &d, "ana", hours(1)),
        ["position", "object", "withdraw"],
        "the requester"
    );
    let d = deliberating(&g);
    assert_eq!(
        offered(&g, &d, "kim", hours(26)),
        ["position", "decide", "delegate", "escalate"]
    );
    assert_eq!(
        offered(&g, &d, "lee", hours(26)),
        ["position", "decide with a reason"],
        "a backup decides only with an override reason"
    );
    let (decided, _) = ok(&g, &d, &member("kim"), decide("postgres", None), hours(27));
    assert_eq!(offered(&g, &decided, "kim", hours(28)), ["outcome"]);
    assert!(offered(&g, &decided, "lee", hours(28)).is_empty());
    let viewer = Actor {
        person: "sam".into(),
        role: Role::Viewer,
    };
    assert!(offers(&d, &viewer, hours(26), &g.directory).is_empty());
}
