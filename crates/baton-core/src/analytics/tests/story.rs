//! One decision taken through the real resolver and lifecycle, so the
//! analytics read the records the store will hand them, not only the ones
//! these tests build by hand.

use super::*;
use crate::analytics::{AlertKind, Scope, Window};
use crate::lifecycle::act;
use crate::lifecycle::{Action, Actor, Role, apply};
use crate::{OrgState, Request, examples, resolve};

#[test]
fn a_decision_made_through_the_lifecycle_is_measured_and_its_review_comes_due() {
    let dir = Arc::new(Directory::load("org.yaml", examples::ORG).unwrap());
    let g = crate::compile_guide("deference.yaml", examples::GUIDE, dir).unwrap();
    let t0: DateTime<Utc> = "2026-03-01T12:00:00Z".parse().unwrap();
    let req = Request {
        decision_type: "architecture".into(),
        title: "Move sessions to Postgres".into(),
        context: serde_json::json!({}),
        requester: Some("ana".into()),
        at: t0,
    };
    let resolution = resolve(&g, &OrgState::default(), &req).unwrap();
    let domains = g.types["architecture"].domains.clone();
    let (d, _) = open(
        crate::DecisionId::new(7).unwrap(),
        &req.title,
        domains,
        req.context.clone(),
        resolution,
    );
    let system = Actor {
        person: SYSTEM.into(),
        role: Role::Admin,
    };
    let (d, _) = apply(&d, &system, &Action::Tick, t0 + hours(25), &g.directory).unwrap();
    let kim = Actor {
        person: "kim".into(),
        role: Role::Member,
    };
    let decide = Action::Decide(act::Decide {
        option: "postgres".into(),
        rationale: "it fits".into(),
        override_reason: None,
        review_on: Some(date("2026-04-01")),
    });
    let (d, _) = apply(&d, &kim, &decide, t0 + hours(30), &g.directory).unwrap();
    let log = [d];

    let march = Window {
        from: "2026-03-01T00:00:00Z".parse().unwrap(),
        to: "2026-04-01T00:00:00Z".parse().unwrap(),
    };
    let m = metrics(
        &log,
        &crate::analytics::Directories::single(std::sync::Arc::clone(&g.directory)),
        &[&g],
        Scope::Team("platform"),
        march,
    );
    assert_eq!((m.decided, m.opened), (1, 1));
    assert_eq!(m.time_to_decision.unwrap().p90_seconds, 30 * 3600);
    // kim (rank 2, no reports) holds a validated databases 5.
    assert_eq!((m.leader_share, m.expert_share), (Some(0.0), Some(1.0)));
    assert_eq!(m.concentration.top_decider.as_deref(), Some("kim"));

    let found = alerts(
        &log,
        &g.directory,
        &[&g],
        Scope::Org,
        "2026-04-01T08:00:00Z".parse().unwrap(),
    );
    let due: Vec<&str> = found
        .iter()
        .filter(|a| a.kind == AlertKind::OutcomeReviewDue)
        .map(|a| a.subject.as_str())
        .collect();
    assert_eq!(due, ["7"]);
}
