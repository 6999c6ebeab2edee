//! Properties of the engine over generated inputs: resolution is
//! deterministic, the decider always satisfies the rule and its filters, and
//! no input — YAML, CEL or context, or a guide to replay the log under —
//! makes the engine panic.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test fails loudly"
)]

use std::collections::HashSet;
use std::sync::Arc;

use baton_core::condition::{self, Condition};
use baton_core::guide::{RoleTarget, Sel};
use baton_core::org::Pid;
use baton_core::resolve::{Outcomes, PastDecision};
use baton_core::{Directory, Guide, OrgState, Request, examples, resolve};
use chrono::{DateTime, TimeDelta, Utc};
use proptest::prelude::*;

fn example() -> Guide {
    let dir = Arc::new(Directory::load("org.yaml", examples::ORG).unwrap());
    baton_core::compile_guide("deference.yaml", examples::GUIDE, dir).unwrap()
}

const PEOPLE: [&str; 10] = [
    "dana", "omar", "sam", "priya", "kim", "raj", "lee", "ana", "ben", "chen",
];
const TYPES: [&str; 5] = [
    "architecture",
    "prioritization",
    "incident",
    "tooling",
    "hiring",
];

fn base() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z")
        .unwrap()
        .with_timezone(&Utc)
}

fn json_value() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(serde_json::Value::from),
        prop_oneof![
            Just("critical".to_owned()),
            Just("high".to_owned()),
            Just("low".to_owned()),
            ".{0,8}"
        ]
        .prop_map(serde_json::Value::from),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::from),
            prop::collection::btree_map("[a-z]{1,6}", inner, 0..4)
                .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
}

fn context() -> impl Strategy<Value = serde_json::Value> {
    (
        prop::option::of(prop_oneof![Just("critical"), Just("low")]),
        prop::option::of(prop_oneof![Just("high"), Just("low")]),
        prop::collection::btree_map("[a-z]{1,6}", json_value(), 0..3),
    )
        .prop_map(|(urgency, risk, extra)| {
            let mut map: serde_json::Map<String, serde_json::Value> = extra.into_iter().collect();
            if let Some(u) = urgency {
                map.insert("urgency".into(), u.into());
            }
            if let Some(r) = risk {
                map.insert("risk".into(), r.into());
            }
            serde_json::Value::Object(map)
        })
}

fn request() -> impl Strategy<Value = Request> {
    (
        0..TYPES.len(),
        prop::option::of(0..PEOPLE.len()),
        0i64..(400 * 24),
        context(),
    )
        .prop_map(|(t, requester, hours, ctx)| Request {
            decision_type: TYPES[t].into(),
            title: "generated".into(),
            context: ctx,
            requester: requester.map(|i| PEOPLE[i].to_owned()),
            at: base() + TimeDelta::hours(hours),
        })
}

fn state() -> impl Strategy<Value = OrgState> {
    (
        prop::collection::vec((0..PEOPLE.len(), 0u32..7), 0..6),
        prop::collection::vec((0..TYPES.len(), 0..PEOPLE.len(), 0i64..(400 * 24)), 0..40),
        prop::collection::vec((0..PEOPLE.len(), 0..TYPES.len(), 0u8..6, 0u8..6), 0..8),
    )
        .prop_map(|(loads, history, outcomes)| {
            let mut state = OrgState::default();
            for (p, n) in loads {
                state.load.insert(PEOPLE[p].into(), n);
            }
            for (t, p, h) in history {
                state.history.push(PastDecision {
                    decision_type: TYPES[t].into(),
                    decider: PEOPLE[p].into(),
                    decided_at: base() + TimeDelta::hours(h),
                });
            }
            for (p, t, s, f) in outcomes {
                let domain = [
                    "databases",
                    "architecture",
                    "operations",
                    "product",
                    "people",
                ][t];
                state.record(
                    PEOPLE[p],
                    domain,
                    Outcomes {
                        success: f64::from(s),
                        failure: f64::from(f),
                    },
                );
            }
            state
        })
}

/// Everyone a selector could ever yield, whatever the time or state.
fn possible(guide: &Guide, sel: &Sel, requester: Option<Pid>, out: &mut HashSet<Pid>) {
    let dir = &guide.directory;
    match sel {
        Sel::Person(p) | Sel::Role(_, RoleTarget::Person(p)) => {
            out.insert(*p);
        }
        Sel::Rotation(r) | Sel::Role(_, RoleTarget::Rotation(r)) => {
            let rotation = guide.rotation_at(*r).unwrap();
            out.extend(rotation.members.iter().copied());
            out.extend(rotation.overrides.iter().map(|o| o.person));
        }
        Sel::Expertise { index, .. } => {
            out.extend(guide.expertise[*index].ranked.iter().map(|q| q.pid))
        }
        Sel::ManagerOfRequester => {
            out.extend(std::iter::successors(requester, |p| dir.person(*p).manager).skip(1));
        }
        Sel::Requester => out.extend(requester),
        Sel::AnyOf(list) => list.iter().for_each(|s| possible(guide, s, requester, out)),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn resolution_is_deterministic(req in request(), state in state()) {
        let a = example();
        let b = example();
        let first = serde_json::to_string(&resolve(&a, &state, &req).map_err(|e| e.to_json())).unwrap();
        let again = serde_json::to_string(&resolve(&a, &state, &req).map_err(|e| e.to_json())).unwrap();
        let fresh = serde_json::to_string(&resolve(&b, &state, &req).map_err(|e| e.to_json())).unwrap();
        prop_assert_eq!(&first, &again);
        prop_assert_eq!(&first, &fresh);
    }

    #[test]
    fn the_decider_satisfies_the_rule_and_every_filter(req in request(), state in state()) {
        let guide = example();
        let Ok(r) = resolve(&guide, &state, &req) else { return Ok(()) };
        let dir = &guide.directory;
        let rule = guide.rules.iter().find(|x| x.id == r.rule).unwrap();
        let requester = req.requester.as_deref().and_then(|id| dir.find(id));
        let mut allowed = HashSet::new();
        possible(&guide, &rule.authority, requester, &mut allowed);
        if let Some((_, to)) = &rule.escalate {
            possible(&guide, to, requester, &mut allowed);
        }
        for id in std::iter::once(&r.decider).chain(&r.backups) {
            let pid = dir.find(id).unwrap();
            prop_assert!(allowed.contains(&pid), "{} is not named by rule {}", id, r.rule);
            prop_assert!(dir.unavailable_at(pid, req.at).is_none(), "{} is unavailable", id);
            if let (false, Some(max)) = (rule.ignore_load, dir.person(pid).max_load) {
                prop_assert!(state.load_of(id) < max, "{} is at max_load", id);
            }
        }
        prop_assert!(!r.backups.contains(&r.decider));
        prop_assert!(!r.roster.input.contains(&r.decider));
    }

    #[test]
    fn no_context_makes_resolution_panic(ctx in json_value(), t in 0..TYPES.len()) {
        let guide = example();
        let req = Request { decision_type: TYPES[t].into(), title: String::new(), context: ctx, requester: Some("kim".into()), at: base() };
        let _ = resolve(&guide, &OrgState::default(), &req);
    }

    #[test]
    fn no_instant_makes_resolution_panic(secs in (DateTime::<Utc>::MIN_UTC.timestamp())..(DateTime::<Utc>::MAX_UTC.timestamp()), t in 0..TYPES.len()) {
        let guide = example();
        let at = DateTime::from_timestamp(secs, 0).unwrap();
        let req = Request { decision_type: TYPES[t].into(), title: String::new(), context: serde_json::json!({"urgency": "critical"}), requester: Some("kim".into()), at };
        let _ = resolve(&guide, &OrgState::default(), &req);
    }

    #[test]
    fn no_cel_text_makes_compilation_or_evaluation_panic(source in ".{0,120}", ctx in json_value()) {
        if let Ok(cond) = Condition::compile(&source) {
            let env = condition::environment();
            let mut context = condition::context(&env);
            context.add_variable_from_value("ctx", condition::json_to_cel(&ctx));
            let _ = cond.evaluate(&context);
        }
    }

    #[test]
    fn no_operator_soup_makes_cel_panic(parts in prop::collection::vec(prop_oneof![
        Just("("), Just(")"), Just("["), Just("]"), Just("!"), Just("-"), Just("ctx"), Just(".a"), Just("+"), Just("&&"), Just("1"), Just("'s'"), Just(" in "), Just("?"), Just(":")
    ], 0..400)) {
        let source: String = parts.concat();
        let _ = Condition::compile(&source);
    }

    #[test]
    fn no_yaml_makes_loading_panic(text in ".{0,300}") {
        let _ = Directory::load("org.yaml", &text);
        let dir = Arc::new(Directory::load("org.yaml", examples::ORG).unwrap());
        let _ = baton_core::compile_guide("deference.yaml", &text, dir);
    }

    #[test]
    fn no_edit_of_the_example_files_makes_loading_panic(
        pos in 0usize..4000, cut in 0usize..40, insert in "[ -~\n]{0,12}", which in any::<bool>()
    ) {
        let source = if which { examples::GUIDE } else { examples::ORG };
        let mut chars: Vec<char> = source.chars().collect();
        let at = pos % chars.len();
        let end = (at + cut).min(chars.len());
        chars.splice(at..end, insert.chars());
        let text: String = chars.into_iter().collect();
        let dir = Arc::new(Directory::load("org.yaml", examples::ORG).unwrap());
        if which {
            if let Ok(guide) = baton_core::compile_guide("deference.yaml", &text, dir) {
                let _ = baton_core::lint::lint(&guide);
                let req = Request { decision_type: "architecture".into(), title: String::new(), context: serde_json::json!({}), requester: Some("kim".into()), at: base() };
                let _ = resolve(&guide, &OrgState::default(), &req);
            }
        } else if let Ok(org) = Directory::load("org.yaml", &text) {
            let _ = baton_core::compile_guide("deference.yaml", examples::GUIDE, Arc::new(org));
        }
    }

    #[test]
    fn no_guide_that_passes_check_makes_replay_panic(
        pos in 0usize..4000, cut in 0usize..40, insert in "[ -~\n]{0,12}", seed in any::<u64>()
    ) {
        let mut chars: Vec<char> = examples::GUIDE.chars().collect();
        let at = pos % chars.len();
        let end = (at + cut).min(chars.len());
        chars.splice(at..end, insert.chars());
        let text: String = chars.into_iter().collect();
        let dir = Arc::new(Directory::load("org.yaml", examples::ORG).unwrap());
        if let Ok(guide) = baton_core::compile_guide("deference.yaml", &text, dir) {
            let guides = [baton_core::replay::GuideAt { from: DateTime::<Utc>::MIN_UTC, guide: Ok(&guide) }];
            let mut replayer = baton_core::replay::Replayer::new(&guide.team, None, &guides, &guide.version);
            for past in replay_log(seed) {
                replayer.step(&past);
            }
            let report = replayer.finish();
            prop_assert_eq!(report.replayed, report.by_type.iter().map(|t| t.replayed).sum::<usize>());
        }
    }
}

/// Forty decisions of every type and state, some of another team, from
/// `seed`: the log a replay walks.
fn replay_log(seed: u64) -> Vec<baton_core::replay::Past> {
    use baton_core::lifecycle::{OutcomeResult, Status};
    let mut x = seed | 1;
    let mut next = move |n: u64| {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x % n
    };
    (1..=40i64)
        .map(|i| {
            let opened = base() + TimeDelta::hours(i * 3);
            let decided = (next(4) > 0).then(|| opened + TimeDelta::hours(next(90) as i64));
            let who = PEOPLE[next(PEOPLE.len() as u64) as usize].to_owned();
            baton_core::replay::Past {
                id: baton_core::DecisionId::new(i).unwrap(),
                team: if next(5) == 0 { "web".into() } else { "platform".into() },
                decision_type: TYPES[next(TYPES.len() as u64) as usize].into(),
                domains: vec!["databases".into()],
                status: if decided.is_some() { Status::Decided } else { Status::Routed },
                decider: who.clone(),
                routed: who.clone(),
                rule: "r".into(),
                decided_by: decided.map(|_| who.clone()),
                opened_at: opened,
                decided_at: decided,
                escalated_at: None,
                escalated: next(6) == 0,
                outcome: decided.filter(|_| next(2) == 0).map(|t| (OutcomeResult::Partial, t)),
                request: Some(baton_core::replay::Stored {
                    title: format!("decision {i}"),
                    requester: PEOPLE[next(PEOPLE.len() as u64) as usize].into(),
                    context: serde_json::json!({"urgency": if next(3) == 0 { "critical" } else { "low" }, "risk": "high"}),
                    explanation: vec![],
                    imported: next(7) == 0,
                }),
            }
        })
        .collect()
}
