//! Resolution speed (issue "Core engine", benchmarks a–c):
//! (a) the example files, (b) a 20-rule guide over 1,000 people, (c) 100,000
//! people with 200 rules, and the load-and-compile time of (c); beside a
//! hand-written Rust baseline of one rule check, to show the engine's
//! overhead. Run: `cargo bench -p baton-core --bench resolve`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a benchmark fails loudly"
)]

use std::hint::black_box;
use std::sync::Arc;

use baton_core::{Directory, Guide, OrgState, Request, examples, resolve};
use baton_fixtures::synthetic::{self, Shape};
use chrono::{DateTime, Utc};
use criterion::{Criterion, criterion_group, criterion_main};

fn compile(org: &str, guide: &str) -> Guide {
    let dir = Arc::new(Directory::load("org.yaml", org).unwrap());
    baton_core::compile_guide("deference.yaml", guide, dir).unwrap()
}

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn example_requests() -> Vec<Request> {
    let req = |t: &str, requester: &str, when: &str, ctx: serde_json::Value| Request {
        decision_type: t.into(),
        title: "bench".into(),
        context: ctx,
        requester: Some(requester.into()),
        at: at(when),
    };
    vec![
        req(
            "architecture",
            "ana",
            "2026-03-01T12:00:00Z",
            serde_json::json!({}),
        ),
        req(
            "architecture",
            "kim",
            "2026-02-10T03:00:00Z",
            serde_json::json!({"urgency": "critical"}),
        ),
        req(
            "prioritization",
            "kim",
            "2026-03-04T12:00:00Z",
            serde_json::json!({}),
        ),
        req(
            "tooling",
            "ana",
            "2026-03-01T12:00:00Z",
            serde_json::json!({"risk": "low"}),
        ),
        req(
            "hiring",
            "kim",
            "2026-03-01T12:00:00Z",
            serde_json::json!({}),
        ),
    ]
}

/// Cycles through `requests` so each iteration resolves a different one.
fn bench_requests(
    c: &mut Criterion,
    name: &str,
    guide: &Guide,
    state: &OrgState,
    requests: &[Request],
) {
    for r in requests {
        resolve(guide, state, r).ok();
    }
    let mut i = 0;
    c.bench_function(name, |b| {
        b.iter(|| {
            i = (i + 1) % requests.len();
            black_box(resolve(guide, state, &requests[i]).ok())
        })
    });
}

fn example_files(c: &mut Criterion) {
    let guide = compile(examples::ORG, examples::GUIDE);
    let requests = example_requests();
    bench_requests(
        c,
        "a/example_mixed",
        &guide,
        &OrgState::default(),
        &requests,
    );
    bench_requests(
        c,
        "a/example_architecture",
        &guide,
        &OrgState::default(),
        &requests[..1],
    );
}

/// A hand-written check of the example's architecture rule: the type
/// matches, then the first three available people of a pre-ranked list.
/// It skips everything the engine adds — the explanation, CEL, the roster,
/// load and spread — so the gap between the two is the engine's overhead.
fn baseline(c: &mut Criterion) {
    struct Expert {
        id: &'static str,
        away: Option<(DateTime<Utc>, DateTime<Utc>)>,
    }
    let ranked = [
        Expert {
            id: "kim",
            away: Some((at("2026-12-20T00:00:00Z"), at("2027-01-04T00:00:00Z"))),
        },
        Expert {
            id: "raj",
            away: None,
        },
        Expert {
            id: "lee",
            away: None,
        },
    ];
    let when = at("2026-03-01T12:00:00Z");
    let decision_type = String::from("architecture");
    c.bench_function("baseline/one_rule_by_hand", |b| {
        b.iter(|| {
            let t = black_box(&decision_type);
            if t != "architecture" {
                return Vec::new();
            }
            let now = black_box(when);
            ranked
                .iter()
                .filter(|e| e.away.is_none_or(|(from, to)| now < from || now >= to))
                .take(3)
                .map(|e| e.id.to_owned())
                .collect::<Vec<String>>()
        })
    });
}

fn medium(c: &mut Criterion) {
    let shape = Shape::MEDIUM;
    let guide = compile(&synthetic::org_yaml(shape), &synthetic::guide_yaml(shape));
    let state = synthetic::state(shape);
    bench_requests(
        c,
        "b/20_rules_1000_people",
        &guide,
        &state,
        &synthetic::requests(shape, 256),
    );
}

fn large(c: &mut Criterion) {
    let shape = Shape::LARGE;
    let org = synthetic::org_json(shape);
    let text = synthetic::guide_yaml(shape);
    let guide = compile(&org, &text);
    let state = synthetic::state(shape);
    bench_requests(
        c,
        "c/200_rules_100k_people",
        &guide,
        &state,
        &synthetic::requests(shape, 1024),
    );
    let mut group = c.benchmark_group("c/load");
    group.sample_size(10);
    group.bench_function("load_and_compile_100k_people_json", |b| {
        b.iter(|| black_box(compile(&org, &text)))
    });
    let yaml = synthetic::org_yaml(shape);
    group.bench_function("load_and_compile_100k_people_yaml", |b| {
        b.iter(|| black_box(compile(&yaml, &text)))
    });
    group.finish();
}

criterion_group!(benches, example_files, baseline, medium, large);
criterion_main!(benches);
