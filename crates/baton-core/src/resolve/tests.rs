use std::sync::Arc;

use chrono::{DateTime, TimeDelta, Utc};
use serde_json::json;

use super::*;
use crate::guide::file::Framework;

const ORG: &str = "people:
  - {id: boss, name: Boss, rank: 5, teams: [core]}
  - {id: mgr, name: Manager, rank: 4, manager: boss}
  - {id: ann, name: Ann, manager: mgr, expertise: {db: 5, web: 2}}
  - {id: bob, name: Bob, manager: mgr, max_load: 2, expertise: {db: 4, web: 4}}
  - {id: cat, name: Cat, manager: mgr, expertise: {db: 4, web: 5}}
  - {id: dan, name: Dan, manager: mgr, expertise: {db: 3},
     unavailable: [{from: 2026-05-01T00:00:00Z, to: 2026-05-08T00:00:00Z}]}
endorsements:
  - {by: bob, of: ann, domain: db, level: 5}
  - {by: ann, of: bob, domain: db, level: 4}
  - {by: cat, of: bob, domain: db, level: 4}
  - {by: ann, of: cat, domain: db, level: 4}
  - {by: ann, of: dan, domain: db, level: 3}
";

fn guide_with(rules: &str) -> Guide {
    let text = format!(
        "version: 1
team: core
roles:
  lead: {{person: mgr}}
  captain: {{rotation: duty}}
rotations:
  duty: {{members: [cat, dan, ann], start: 2026-01-05T00:00:00Z, every: 1w}}
decision_types:
  design: {{domains: [db], impact: high}}
  chore: {{domains: [web], reversible: true}}
rules:
{rules}"
    );
    let dir = Arc::new(Directory::load("org.yaml", ORG).unwrap());
    crate::compile_guide("deference.yaml", &text, dir).unwrap_or_else(|e| panic!("{e}"))
}

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn request(t: &str, requester: &str) -> Request {
    Request {
        decision_type: t.into(),
        title: "t".into(),
        context: json!({}),
        requester: Some(requester.into()),
        at: at("2026-03-02T12:00:00Z"),
    }
}

#[track_caller]
fn decider_and_backups(rules: &str, state: &OrgState, req: &Request) -> (String, Vec<String>) {
    let r = resolve(&guide_with(rules), state, req).unwrap_or_else(|e| panic!("{e:?}"));
    (r.decider, r.backups)
}

#[track_caller]
fn check(rules: &str, req: &Request, decider: &str, backups: &[&str]) {
    let got = decider_and_backups(rules, &OrgState::default(), req);
    assert_eq!(
        (
            got.0.as_str(),
            got.1.iter().map(String::as_str).collect::<Vec<_>>()
        ),
        (decider, backups.to_vec())
    );
}

#[track_caller]
fn check_error(rules: &str, req: &Request, code: ErrorCode) -> ResolveError {
    let err = resolve(&guide_with(rules), &OrgState::default(), req).unwrap_err();
    assert_eq!(err.code, code, "{err:?}");
    err
}

mod selectors {
    use super::*;

    #[test]
    fn a_person_selector_names_that_person() {
        check(
            "  - {id: r, authority: {person: cat}}",
            &request("design", "ann"),
            "cat",
            &[],
        );
    }

    #[test]
    fn a_role_names_its_person() {
        check(
            "  - {id: r, authority: {role: lead}}",
            &request("design", "ann"),
            "mgr",
            &[],
        );
    }

    #[test]
    fn a_role_backed_by_a_rotation_acts_as_the_rotation() {
        // 2026-03-02 is 8 weeks after the start: handoff #9, index 8 % 3 = 2.
        check(
            "  - {id: r, authority: {role: captain}}",
            &request("design", "ann"),
            "ann",
            &["cat", "dan"],
        );
    }

    #[test]
    fn an_expertise_selector_ranks_by_validated_level_then_endorsements() {
        let rules =
            "  - {id: r, authority: {expertise: {domain: db, min_level: 3, min_endorsements: 1}}}";
        // ann 5 (1 endorsement); bob 4 (2); cat 4 (1); dan 3 (1).
        check(rules, &request("design", "boss"), "ann", &["bob", "cat"]);
    }

    #[test]
    fn claims_alone_do_not_qualify_when_endorsements_are_required() {
        let rules =
            "  - {id: r, authority: {expertise: {domain: web, min_level: 1, min_endorsements: 1}}}";
        check_error(
            rules,
            &request("design", "boss"),
            ErrorCode::NoEligibleAuthority,
        );
    }

    #[test]
    fn without_required_endorsements_claims_rank_alone() {
        let rules = "  - {id: r, authority: {expertise: {domain: web, min_level: 3}}}";
        check(rules, &request("design", "boss"), "cat", &["bob"]);
    }

    #[test]
    fn exclude_requester_and_top_trim_the_list() {
        let rules = "  - {id: r, authority: {expertise: {domain: db, min_level: 3, exclude_requester: true, top: 2}}}";
        check(rules, &request("design", "ann"), "bob", &["cat"]);
    }

    #[test]
    fn manager_of_requester_walks_up_the_chain() {
        check(
            "  - {id: r, authority: {manager_of: requester}}",
            &request("design", "ann"),
            "mgr",
            &["boss"],
        );
    }

    #[test]
    fn requester_selector_names_the_requester() {
        check(
            "  - {id: r, authority: {requester: true}}",
            &request("design", "dan"),
            "dan",
            &[],
        );
    }

    #[test]
    fn any_of_concatenates_keeping_first_places() {
        let rules = "  - {id: r, authority: {any_of: [{person: cat}, {manager_of: requester}, {person: cat}, {person: bob}]}}";
        check(rules, &request("design", "ann"), "cat", &["mgr", "boss"]);
    }
}

mod filters {
    use super::*;

    const EXPERTS: &str =
        "  - {id: r, authority: {expertise: {domain: db, min_level: 3, min_endorsements: 1}}}";

    #[test]
    fn unavailable_people_are_excluded_with_the_window() {
        let mut req = request("design", "boss");
        req.at = at("2026-05-02T00:00:00Z");
        let rules = "  - {id: r, authority: {any_of: [{person: dan}, {person: cat}]}}";
        let r = resolve(&guide_with(rules), &OrgState::default(), &req).unwrap();
        assert_eq!(r.decider, "cat");
        assert!(
            r.explanation
                .iter()
                .any(|l| l.contains("dan: excluded, unavailable from 2026-05-01T00:00:00Z")),
            "{:?}",
            r.explanation
        );
    }

    #[test]
    fn people_at_max_load_are_excluded() {
        let state = OrgState {
            load: [("bob".to_owned(), 2)].into(),
            ..OrgState::default()
        };
        let got = decider_and_backups(EXPERTS, &state, &request("design", "boss"));
        assert_eq!(got, ("ann".into(), vec!["cat".into(), "dan".into()]));
    }

    #[test]
    fn ignore_load_keeps_people_at_max_load() {
        let state = OrgState {
            load: [("bob".to_owned(), 2)].into(),
            ..OrgState::default()
        };
        let rules = "  - {id: r, ignore_load: true, authority: {expertise: {domain: db, min_level: 3, min_endorsements: 1}}}";
        let got = decider_and_backups(rules, &state, &request("design", "boss"));
        assert_eq!(got.1, vec!["bob".to_owned(), "cat".to_owned()]);
    }

    #[test]
    fn endorsement_count_ranks_before_track_record() {
        // bob and cat both validate at db 4; bob has two endorsements, cat one.
        let rules = "  - {id: r, authority: {expertise: {domain: db, min_level: 4}}}";
        let mut state = OrgState::default();
        assert_eq!(
            decider_and_backups(rules, &state, &request("design", "boss")).1,
            ["bob", "cat"]
        );
        state.record(
            "cat",
            "db",
            Outcomes {
                success: 5.0,
                failure: 0.0,
            },
        );
        assert_eq!(
            decider_and_backups(rules, &state, &request("design", "boss")).1,
            ["bob", "cat"]
        );
    }

    #[test]
    fn among_exact_ties_track_record_then_load_then_id_decide() {
        let org = "people:\n  - {id: p1, name: P1, teams: [t], expertise: {x: 3}}\n  - {id: p2, name: P2, expertise: {x: 3}}\n  - {id: p3, name: P3, expertise: {x: 3}}\n";
        let text = "version: 1\nteam: t\ndecision_types: {d: {domains: [x]}}\nrules:\n  - {id: r, authority: {expertise: {domain: x}}}\n";
        let guide =
            crate::compile_guide("g", text, Arc::new(Directory::load("o", org).unwrap())).unwrap();
        let req = Request {
            requester: None,
            ..request("d", "p1")
        };
        let order = |state: &OrgState| {
            let r = resolve(&guide, state, &req).unwrap();
            std::iter::once(r.decider)
                .chain(r.backups)
                .collect::<Vec<_>>()
        };
        assert_eq!(order(&OrgState::default()), ["p1", "p2", "p3"]);
        let mut state = OrgState::default();
        state.load.insert("p1".into(), 1);
        assert_eq!(order(&state), ["p2", "p3", "p1"]);
        state.record(
            "p3",
            "x",
            Outcomes {
                success: 3.0,
                failure: 0.0,
            },
        );
        assert_eq!(order(&state), ["p3", "p2", "p1"]);
        state.record(
            "p2",
            "x",
            Outcomes {
                success: 0.0,
                failure: 2.0,
            },
        );
        assert_eq!(order(&state), ["p3", "p1", "p2"]);
    }

    fn history(deciders: &[&str], end: DateTime<Utc>) -> Vec<PastDecision> {
        deciders
            .iter()
            .enumerate()
            .map(|(i, d)| PastDecision {
                decision_type: "design".into(),
                decider: (*d).into(),
                decided_at: end - TimeDelta::hours(i as i64 + 1),
            })
            .collect()
    }

    const SPREAD: &str = "  - {id: r, types: [design], spread: {max_share: 0.5, window: 30d}, authority: {expertise: {domain: db, min_level: 3, min_endorsements: 1}}}";

    #[test]
    fn spread_moves_an_over_relied_on_expert_back_and_pairs_them() {
        let req = request("design", "boss");
        let state = OrgState {
            history: history(&["ann", "ann", "ann", "ann", "bob", "cat"], req.at),
            ..OrgState::default()
        };
        let r = resolve(&guide_with(SPREAD), &state, &req).unwrap();
        assert_eq!(
            (r.decider.as_str(), r.backups.clone()),
            ("bob", vec!["cat".into(), "dan".into()])
        );
        assert!(
            r.roster.input.contains(&"ann".to_owned()),
            "ann is paired: {:?}",
            r.roster.input
        );
        assert!(
            r.explanation
                .iter()
                .any(|l| l.contains("ann: moved back, decided 4 of the 6")),
            "{:?}",
            r.explanation
        );
    }

    #[test]
    fn spread_needs_five_decisions_in_the_window() {
        let req = request("design", "boss");
        let mut state = OrgState {
            history: history(&["ann", "ann", "ann", "ann"], req.at),
            ..OrgState::default()
        };
        assert_eq!(decider_and_backups(SPREAD, &state, &req).0, "ann");
        // Decisions older than the window do not count either.
        state.history.push(PastDecision {
            decision_type: "design".into(),
            decider: "ann".into(),
            decided_at: req.at - TimeDelta::days(31),
        });
        assert_eq!(decider_and_backups(SPREAD, &state, &req).0, "ann");
    }

    #[test]
    fn a_moved_back_expert_still_decides_when_nobody_else_can() {
        let req = request("design", "boss");
        let state = OrgState {
            history: history(&["ann"; 6], req.at),
            ..OrgState::default()
        };
        let rules = "  - {id: r, spread: {max_share: 0.5, window: 30d}, authority: {person: ann}}";
        assert_eq!(decider_and_backups(rules, &state, &req).0, "ann");
    }
}

/// `spread` counted through a [`HistoryIndex`] (replay's fold keeps one)
/// resolves exactly as the walk over the history does.
mod indexed_history {
    use super::*;
    use proptest::prelude::*;

    const RULES: &str = "  - {id: r, types: [design, chore], spread: {max_share: 0.4, window: 7d}, authority: {expertise: {domain: db, min_level: 3, min_endorsements: 1}}}\n  - {id: s, spread: {max_share: 0.3, window: 30d}, authority: {person: ann}}";

    fn past() -> impl Strategy<Value = PastDecision> {
        (
            prop::sample::select(vec!["design", "chore", "ops"]),
            prop::sample::select(vec!["ann", "bob", "cat", "dan", "boss"]),
            -40i64 * 24..24,
        )
            .prop_map(|(t, d, hours)| PastDecision {
                decision_type: t.into(),
                decider: d.into(),
                decided_at: request("design", "boss").at + TimeDelta::hours(hours),
            })
    }

    proptest! {
        #[test]
        fn spread_reads_the_same_counts_indexed_or_walked(
            history in prop::collection::vec(past(), 0..60),
            forget in prop::option::of(-40i64 * 24..0),
            t in prop::sample::select(vec!["design", "chore"]),
        ) {
            let guide = guide_with(RULES);
            let req = request(t, "boss");
            let mut fold = crate::fold::Fold::from_state(
                None,
                OrgState { history, ..OrgState::default() },
            )
            .indexed();
            if let Some(hours) = forget {
                fold.forget_history_through(req.at + TimeDelta::hours(hours));
            }
            let indexed = fold.state().clone();
            let walked = OrgState { history_index: None, ..indexed.clone() };
            prop_assert!(indexed.history_index.is_some());
            let a = resolve(&guide, &indexed, &req);
            let b = resolve(&guide, &walked, &req);
            prop_assert_eq!(
                a.as_ref().map(|r| (&r.decider, &r.backups, &r.explanation)).map_err(|e| &e.explanation),
                b.as_ref().map(|r| (&r.decider, &r.backups, &r.explanation)).map_err(|e| &e.explanation)
            );
        }
    }
}

mod protocol {
    use super::*;

    const FULL: &str = "  - id: r
    authority: {expertise: {domain: db, min_level: 3, min_endorsements: 1}}
    consult: {expertise: {domain: web, top: 2}}
    agree: [{role: lead}]
    inform: [{person: boss}, {role: captain}]
    escalate: {after: 72h, to: {any_of: [{person: ann}, {person: boss}]}}
    disagreement: {deliberation: 24h, tiebreaker: {role: lead}}
    consensus_check: {window: 12h, on_objection: escalate}
";

    #[test]
    fn the_roster_follows_rapid() {
        let r = resolve(
            &guide_with(FULL),
            &OrgState::default(),
            &request("design", "dan"),
        )
        .unwrap();
        assert_eq!(r.roster.decide, "ann");
        assert_eq!(r.roster.recommend.as_deref(), Some("dan"));
        assert_eq!(r.roster.agree, ["mgr"]);
        assert_eq!(
            r.roster.input,
            ["cat", "bob"],
            "web experts; the decider is never input"
        );
        assert_eq!(
            r.roster.inform,
            ["boss", "ann"],
            "a rotation contributes its holder"
        );
    }

    #[test]
    fn escalation_goes_to_the_first_eligible_target_other_than_the_decider() {
        let r = resolve(
            &guide_with(FULL),
            &OrgState::default(),
            &request("design", "dan"),
        )
        .unwrap();
        let e = r.escalation.unwrap();
        assert_eq!(e.to.as_deref(), Some("boss"));
        assert_eq!(crate::instant(e.deadline), "2026-03-05T12:00:00Z");
        assert_eq!(
            crate::instant(r.deliberation.deadline),
            "2026-03-03T12:00:00Z"
        );
        assert_eq!(
            crate::instant(r.consensus_check.unwrap().deadline),
            "2026-03-03T00:00:00Z"
        );
    }

    #[test]
    fn without_disagreement_the_guide_default_deliberation_applies() {
        let r = resolve(
            &guide_with("  - {id: r, authority: {person: cat}}"),
            &OrgState::default(),
            &request("design", "ann"),
        )
        .unwrap();
        assert_eq!(
            crate::instant(r.deliberation.deadline),
            "2026-03-04T12:00:00Z"
        );
        assert_eq!(r.deliberation.tiebreaker, None);
        assert_eq!(r.escalation, None);
        assert_eq!(r.consensus_check, None);
    }

    #[test]
    fn when_nobody_is_eligible_the_escalation_target_decides() {
        let rules =
            "  - {id: r, authority: {person: bob}, escalate: {after: 1h, to: {role: lead}}}";
        let state = OrgState {
            load: [("bob".to_owned(), 5)].into(),
            ..OrgState::default()
        };
        let r = resolve(&guide_with(rules), &state, &request("design", "ann")).unwrap();
        assert_eq!(r.decider, "mgr");
        assert!(
            r.explanation
                .iter()
                .any(|l| l.contains("trying its escalation target"))
        );
    }

    #[test]
    fn json_has_every_key_even_when_absent() {
        let r = resolve(
            &guide_with("  - {id: r, authority: {person: cat}}"),
            &OrgState::default(),
            &request("design", "ann"),
        )
        .unwrap();
        let v = serde_json::to_value(&r).unwrap();
        for key in [
            "team",
            "type",
            "rule",
            "framework",
            "decider",
            "backups",
            "roster",
            "escalation",
            "deliberation",
            "guide_version",
            "explanation",
        ] {
            assert!(v.get(key).is_some(), "missing {key}");
        }
        assert_eq!(v["escalation"], serde_json::Value::Null);
        assert_eq!(v["backups"], json!([]));
        assert!(v["guide_version"].as_str().unwrap().starts_with("sha256:"));
    }
}

mod frameworks {
    use super::*;

    #[track_caller]
    fn framework(authority: &str, when: Option<&str>) -> Framework {
        let rule = match when {
            Some(w) => format!("  - {{id: r, when: '{w}', authority: {authority}}}"),
            None => format!("  - {{id: r, authority: {authority}}}"),
        };
        guide_with(&rule).rules[0].framework
    }

    #[test]
    fn frameworks_are_inferred_from_the_authority() {
        assert_eq!(
            framework("{expertise: {domain: db}}", None),
            Framework::Expertise
        );
        assert_eq!(framework("{rotation: duty}", None), Framework::Rotating);
        assert_eq!(framework("{role: captain}", None), Framework::Rotating);
        assert_eq!(
            framework("{manager_of: requester}", None),
            Framework::Hierarchy
        );
        assert_eq!(framework("{requester: true}", None), Framework::Delegated);
        assert_eq!(
            framework("{role: lead}", Some("true")),
            Framework::Situational
        );
        assert_eq!(framework("{person: cat}", None), Framework::Assigned);
    }

    #[test]
    fn a_declared_framework_wins() {
        let g =
            guide_with("  - {id: r, framework: situational, authority: {expertise: {domain: db}}}");
        assert_eq!(g.rules[0].framework, Framework::Situational);
    }
}

mod conditions {
    use super::*;

    const RULES: &str = "  - {id: big, when: 'ctx.rows > 1000000', authority: {person: boss}}
  - {id: senior, when: 'requester.rank >= 4 && decision.impact == \"high\"', authority: {person: mgr}}
  - {id: reversible, when: 'decision.reversible && requester.id in [\"ann\", \"bob\"]', authority: {requester: true}}
  - {id: fallback, authority: {person: cat}}
";

    fn rule_for(t: &str, requester: &str, ctx: serde_json::Value) -> (String, Vec<String>) {
        let req = Request {
            context: ctx,
            ..request(t, requester)
        };
        let r = resolve(&guide_with(RULES), &OrgState::default(), &req).unwrap();
        (r.rule, r.explanation)
    }

    #[test]
    fn integers_in_context_compare_as_integers() {
        assert_eq!(
            rule_for("design", "ann", json!({"rows": 5_000_000})).0,
            "big"
        );
    }

    #[test]
    fn requester_and_decision_are_visible() {
        assert_eq!(rule_for("design", "mgr", json!({"rows": 1})).0, "senior");
        assert_eq!(rule_for("chore", "bob", json!({"rows": 1})).0, "reversible");
    }

    #[test]
    fn an_evaluation_error_means_no_match_and_says_why() {
        let (rule, why) = rule_for("chore", "cat", json!({}));
        assert_eq!(rule, "fallback");
        assert!(
            why[0].contains("rule `big`: skipped") && why[0].contains("rows"),
            "{why:?}"
        );
    }
}

mod errors {
    use super::*;

    #[test]
    fn unrouted_lists_every_rule_tried() {
        let rules = "  - {id: a, types: [chore], authority: {person: cat}}\n  - {id: b, when: 'false', authority: {person: cat}}";
        let err = check_error(rules, &request("design", "ann"), ErrorCode::Unrouted);
        assert_eq!(err.explanation.len(), 2, "{:?}", err.explanation);
        assert_eq!(
            err.explanation[0],
            "not tried, written for other types than `design`: a"
        );
        assert!(err.explanation[1].contains("`false` is false"));
        assert_eq!(err.to_json()["error"]["code"], "unrouted");
    }

    #[test]
    fn unknown_types_and_people_are_named() {
        let err = check_error(
            "  - {id: a, authority: {person: cat}}",
            &request("budget", "ann"),
            ErrorCode::UnknownType,
        );
        assert!(
            err.message.contains("`budget`") && err.message.contains("design"),
            "{}",
            err.message
        );
        let err = check_error(
            "  - {id: a, authority: {person: cat}}",
            &request("design", "zoe"),
            ErrorCode::UnknownPerson,
        );
        assert!(err.message.contains("`zoe`"));
    }

    #[test]
    fn nobody_eligible_lists_every_exclusion() {
        let state = OrgState::default();
        let mut req = request("design", "ann");
        req.at = at("2026-05-03T00:00:00Z");
        let err = resolve(
            &guide_with("  - {id: a, authority: {person: dan}}"),
            &state,
            &req,
        )
        .unwrap_err();
        assert_eq!(err.code, ErrorCode::NoEligibleAuthority);
        assert!(
            err.explanation
                .iter()
                .any(|l| l.contains("dan: excluded, unavailable")),
            "{:?}",
            err.explanation
        );
    }

    #[test]
    fn a_rotation_before_its_start_is_rotation_not_started() {
        let mut req = request("design", "ann");
        req.at = at("2026-01-01T00:00:00Z");
        let err = resolve(
            &guide_with("  - {id: a, authority: {rotation: duty}}"),
            &OrgState::default(),
            &req,
        )
        .unwrap_err();
        assert_eq!(err.code, ErrorCode::RotationNotStarted);
    }
}

#[test]
fn the_example_guide_routes_its_own_test_file() {
    let dir = Arc::new(Directory::load("org.yaml", crate::examples::ORG).unwrap());
    let guide = crate::compile_guide("deference.yaml", crate::examples::GUIDE, dir).unwrap();
    let tests = crate::guidetest::load("deference.test.yaml", crate::examples::TESTS).unwrap();
    let outcomes = crate::guidetest::run(&guide, &tests);
    assert!(outcomes.len() >= 10);
    let failed: Vec<_> = outcomes.iter().filter(|o| !o.passed).collect();
    assert!(failed.is_empty(), "{failed:#?}");
    assert!(
        crate::lint::lint(&guide).is_empty(),
        "the example is lint-clean"
    );
}

#[test]
fn an_instant_beyond_year_9999_is_an_invalid_request_not_a_panic() {
    let mut req = request("design", "ann");
    req.at = DateTime::parse_from_rfc3339("9999-12-31T23:00:00Z")
        .unwrap()
        .with_timezone(&Utc)
        + TimeDelta::days(400);
    let err = resolve(
        &guide_with("  - {id: a, authority: {person: cat}}"),
        &OrgState::default(),
        &req,
    )
    .unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidRequest);
}

#[test]
fn spread_applies_to_the_escalation_fallback_too() {
    let req = request("design", "boss");
    let state = OrgState {
        history: (0..6)
            .map(|i| PastDecision {
                decision_type: "design".into(),
                decider: "cat".into(),
                decided_at: req.at - TimeDelta::hours(i + 1),
            })
            .collect(),
        load: [("bob".to_owned(), 2)].into(),
        ..OrgState::default()
    };
    let rules = "  - {id: r, spread: {max_share: 0.5, window: 30d}, authority: {person: bob}, escalate: {after: 1h, to: {any_of: [{person: cat}, {person: ann}]}}}";
    let r = resolve(&guide_with(rules), &state, &req).unwrap();
    assert_eq!(
        (r.decider.as_str(), r.backups.as_slice()),
        ("ann", &["cat".to_owned()][..])
    );
}

#[test]
fn rotation_not_started_is_reported_only_when_it_is_the_reason() {
    let mut req = request("design", "ann");
    req.at = at("2026-01-01T00:00:00Z");
    let state = OrgState {
        load: [("bob".to_owned(), 2)].into(),
        ..OrgState::default()
    };
    let rules =
        "  - {id: a, authority: {person: bob}, escalate: {after: 1h, to: {rotation: duty}}}";
    let err = resolve(&guide_with(rules), &state, &req).unwrap_err();
    assert_eq!(err.code, ErrorCode::NoEligibleAuthority, "{err:?}");
}

#[test]
fn each_reason_is_structured_and_a_record_without_them_still_reads() {
    let dir = Arc::new(Directory::load("org.yaml", crate::examples::ORG).unwrap());
    let guide = crate::compile_guide("deference.yaml", crate::examples::GUIDE, dir).unwrap();
    let mut req = request("architecture", "ana");
    req.context = json!({"urgency": "low"});
    let r = resolve(&guide, &OrgState::default(), &req).unwrap();
    assert_eq!(r.explanation, reason::texts(&r.reasons));
    assert!(
        r.reasons
            .iter()
            .any(|x| matches!(x, Reason::Decider { person, .. } if *person == r.decider)),
        "{:#?}",
        r.reasons
    );
    let mut json = serde_json::to_value(&r).unwrap();
    json.as_object_mut().unwrap().remove("reasons");
    let old: Resolution = serde_json::from_value(json).unwrap();
    assert!(old.reasons.is_empty());
    assert_eq!(old.explanation, r.explanation);
}

#[test]
fn one_resolution_renders_for_the_terminal_slack_and_a_page() {
    use super::reason::Style;
    use super::render::resolution;
    let dir = Arc::new(Directory::load("org.yaml", crate::examples::ORG).unwrap());
    let guide = crate::compile_guide("deference.yaml", crate::examples::GUIDE, dir).unwrap();
    let r = resolve(
        &guide,
        &OrgState::default(),
        &request("architecture", "ana"),
    )
    .unwrap();
    let plain = |id: &str| id.to_owned();
    let text = resolution(&r, Style::Text, &plain);
    assert!(
        text.starts_with(&format!(
            "{} decides `architecture` for team platform\n",
            r.decider
        )),
        "{text}"
    );
    for line in &r.explanation {
        assert!(text.contains(&format!("  - {line}\n")), "{text}");
    }
    let slack = resolution(&r, Style::Slack, &plain);
    assert!(
        slack.starts_with(&format!("*{}* decides `architecture`", r.decider)),
        "{slack}"
    );
    assert_eq!(slack.matches("\n• ").count(), r.reasons.len(), "{slack}");
    let html = resolution(&r, Style::Html, &plain);
    let decider = format!(
        "<a class=\"person\" href=\"/people/{0}\">{0}</a>",
        r.decider
    );
    assert!(
        html.starts_with(&format!(
            "<p class=\"resolution\">{decider} decides <code>architecture</code>"
        )),
        "{html}"
    );
    assert_eq!(html.matches("<li>").count(), r.reasons.len(), "{html}");
    assert!(
        !html.contains("`"),
        "HTML shows code as <code>, not backticks: {html}"
    );
}

/// The load-time check types `decision` and `requester` by their shapes;
/// what the resolver binds at run time must have exactly those fields, or a
/// checked expression could still fail on every request.
#[test]
fn the_values_bound_at_run_time_have_the_checked_shapes() {
    use crate::condition::shape::Record;
    let reads = |record: Record| {
        let fields = record.fields();
        let mut terms: Vec<String> = fields
            .iter()
            .map(|(f, _)| format!("has({}.{f})", record.name()))
            .collect();
        terms.push(format!("size({}) == {}", record.name(), fields.len()));
        terms.join(" && ")
    };
    let when = format!(
        "{} && {}",
        reads(Record::Decision),
        reads(Record::Requester)
    );
    let rules = format!(
        "  - {{id: shaped, when: '{when}', authority: {{person: bob}}}}\n  - {{id: other, authority: {{person: cat}}}}\n"
    );
    check(&rules, &request("design", "ann"), "bob", &[]);
}
