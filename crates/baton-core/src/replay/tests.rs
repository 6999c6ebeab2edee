//! Replays of small hand-built logs under the example org.

use std::sync::Arc;

use chrono::{DateTime, TimeDelta, Utc};

use super::*;
use crate::{Directory, examples};

fn at(hours: i64) -> DateTime<Utc> {
    "2026-03-02T09:00:00Z".parse::<DateTime<Utc>>().unwrap() + TimeDelta::hours(hours)
}

fn directory() -> Arc<Directory> {
    Arc::new(Directory::load("org.yaml", examples::ORG).unwrap())
}

fn guide(text: &str) -> Guide {
    crate::compile_guide("deference.yaml", text, directory()).unwrap_or_else(|e| panic!("{e}"))
}

/// A platform decision of `ty` opened at `hours`, routed to `routed` and
/// decided by them `decided_after` hours later (never, with `None`).
fn past(id: i64, ty: &str, routed: &str, hours: i64, decided_after: Option<i64>) -> Past {
    Past {
        id: DecisionId::new(id).unwrap(),
        team: "platform".into(),
        decision_type: ty.into(),
        domains: vec![],
        status: if decided_after.is_some() {
            Status::Decided
        } else {
            Status::Routed
        },
        decider: routed.into(),
        routed: routed.into(),
        rule: "before".into(),
        decided_by: decided_after.map(|_| routed.into()),
        opened_at: at(hours),
        decided_at: decided_after.map(|h| at(hours + h)),
        escalated_at: None,
        escalated: false,
        outcome: None,
        request: Some(Stored {
            title: format!("decision {id}"),
            requester: "ana".into(),
            context: serde_json::json!({}),
            explanation: vec!["rule `before`: matched".into()],
            imported: false,
        }),
    }
}

fn run(log: &[Past], guide: &Guide) -> ReplayReport {
    let guides = [GuideAt {
        from: DateTime::<Utc>::MIN_UTC,
        guide: Ok(guide),
    }];
    let mut replayer = Replayer::new("platform", None, &guides, &guide.version);
    for p in log {
        replayer.step(p);
    }
    replayer.finish()
}

/// The example guide with tooling sent to kim, then raj: kim's `max_load`
/// is 4.
fn tooling_to_kim() -> String {
    examples::GUIDE.replace(
        "rules:\n",
        "rules:\n  - id: tooling-to-kim\n    types: [tooling]\n    authority: {any_of: [{person: kim}, {person: raj}]}\n",
    )
}

#[test]
fn a_type_sent_to_one_person_spills_to_the_next_once_they_reach_max_load() {
    // Six tooling decisions an hour apart, each open for a day.
    let log: Vec<Past> = (1..=6)
        .map(|i| past(i, "tooling", "ana", i, Some(24)))
        .collect();
    let r = run(&log, &guide(&tooling_to_kim()));
    assert_eq!((r.replayed, r.changed, r.errors), (6, 6, 0));
    let deciders: Vec<&str> = r.moved.iter().map(|m| m.after.as_str()).collect();
    assert_eq!(deciders, ["kim", "kim", "kim", "kim", "raj", "raj"]);
    assert!(
        r.moved[0]
            .reasons_new
            .iter()
            .any(|x| x.contains("tooling-to-kim")),
        "{:?}",
        r.moved[0]
    );
    assert_eq!(r.moved[0].reasons_gone, ["rule `before`: matched"]);
    let kim = r.load.iter().find(|l| l.person == "kim").unwrap();
    assert_eq!((kim.before, kim.after), (0, 4));
}

#[test]
fn decided_decisions_free_their_deciders_load_for_later_ones() {
    // Each decided before the next opens: kim is never at max_load.
    let log: Vec<Past> = (1..=6)
        .map(|i| past(i, "tooling", "ana", i * 10, Some(2)))
        .collect();
    let r = run(&log, &guide(&tooling_to_kim()));
    assert!(r.moved.iter().all(|m| m.after == "kim"), "{r:?}");
}

#[test]
fn other_teams_keep_their_routing_and_weigh_on_the_load_the_replay_sees() {
    // Four web decisions held open by kim: she is at max_load already.
    let mut log: Vec<Past> = (1..=4)
        .map(|i| {
            let mut p = past(i, "tooling", "kim", i, None);
            p.team = "web".into();
            p.request = None;
            p
        })
        .collect();
    log.push(past(5, "tooling", "ana", 10, Some(1)));
    let r = run(&log, &guide(&tooling_to_kim()));
    assert_eq!(r.replayed, 1);
    assert_eq!(r.moved[0].after, "raj");
}

#[test]
fn an_unroutable_request_is_reported_and_keeps_its_stored_routing() {
    let text = examples::GUIDE.replace(
        "  - id: default\n    authority: {manager_of: requester}\n",
        "",
    );
    assert_ne!(text, examples::GUIDE);
    let mut p = past(1, "hiring", "omar", 1, Some(2));
    if let Some(r) = p.request.as_mut() {
        r.requester = "dana".into();
    }
    let r = run(&[p], &guide(&text));
    assert_eq!((r.replayed, r.errors), (1, 1), "{r:?}");
    assert_eq!(r.new_errors[0].code, "unrouted");
    assert_eq!(r.by_type[0].errors, 1);
}

#[test]
fn an_imported_decision_is_replayed_with_an_empty_context_and_flagged() {
    let mut p = past(1, "tooling", "ana", 1, Some(2));
    if let Some(r) = p.request.as_mut() {
        r.imported = true;
        r.context = serde_json::json!({"urgency": "critical"});
    }
    let r = run(&[p], &guide(examples::GUIDE));
    assert_eq!(r.without_context, 1);
    assert_eq!(r.flagged, [DecisionId::new(1).unwrap()]);
}

#[test]
fn another_teams_decisions_do_not_count_toward_a_rules_spread() {
    // Kim decided five web architecture decisions: the platform guide's
    // spread counts the platform's alone.
    let mut log: Vec<Past> = (1..=5)
        .map(|i| {
            let mut p = past(i, "architecture", "kim", i, Some(1));
            p.team = "web".into();
            p.request = None;
            p
        })
        .collect();
    log.push(past(6, "architecture", "kim", 20, Some(1)));
    let r = run(&log, &guide(examples::GUIDE));
    assert_eq!((r.replayed, r.changed), (1, 0), "{r:?}");
}
