//! A pilot report's cost (issue "Pilots with confidence intervals"): a
//! pilot and a baseline of 10,000 decided decisions each, compared with
//! 10,000 bootstrap resamples per difference, as `baton pilot report`
//! does; beside it, the same projection's plain metrics of both periods,
//! the baseline a report cannot be cheaper than.
//!
//!     cargo bench -p baton-core --bench pilot

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a benchmark fails loudly"
)]

use std::hint::black_box;
use std::sync::Arc;

use baton_core::analytics::pilot::{self, Extras, PilotSpec, RESAMPLES};
use baton_core::analytics::{Directories, FactRow, Facts, Judge, Scope, Window, metrics, micros};
use baton_core::guide::file::Framework;
use baton_core::lifecycle::{OutcomeResult, Status};
use baton_core::{DecisionId, Directory, examples};
use chrono::{DateTime, TimeDelta, Utc};
use criterion::{Criterion, criterion_group, criterion_main};

const EACH: i64 = 10_000;

fn t0() -> DateTime<Utc> {
    "2026-01-01T00:00:00Z".parse().unwrap()
}

/// 20,000 decided incidents a few minutes apart: the first half before
/// the pilot, the second under the piloted version.
fn facts(directories: &Directories) -> Facts {
    let dir = Arc::new(Directory::load("org.yaml", examples::ORG).unwrap());
    let guide = baton_core::compile_guide("deference.yaml", examples::GUIDE, dir).unwrap();
    let mut facts = Facts::new();
    let domains = vec!["operations".to_owned()];
    let mut x: u64 = 7;
    for i in 0..2 * EACH {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let opened = t0() + TimeDelta::minutes(i * 4);
        let decided = opened + TimeDelta::minutes(5 + (x % 600) as i64);
        let who = ["kim", "raj", "lee"][(x % 3) as usize];
        facts.upsert(&FactRow {
            id: DecisionId::new(i + 1).unwrap(),
            team: "platform",
            decision_type: "incident",
            title: "",
            decider: who,
            decided_by: Some(who),
            routed: who,
            delegate: None,
            rule: "incidents",
            guide_version: if i < EACH {
                "sha256:before"
            } else {
                "sha256:pilot"
            },
            domains: &domains,
            framework: Framework::Rotating,
            status: Status::Decided,
            escalated: x.is_multiple_of(9),
            overridden: false,
            override_reason: None,
            outcome: Some(
                [
                    OutcomeResult::Success,
                    OutcomeResult::Partial,
                    OutcomeResult::Failure,
                ][(x % 3) as usize],
            ),
            opened_at: micros(opened),
            decided_at: Some(micros(decided)),
            outcome_at: Some(micros(decided + TimeDelta::days(1))),
            escalated_at: None,
            review_on: None,
        });
    }
    facts.judge(&Judge::new(directories, &[&guide]), true);
    facts
}

fn bench(c: &mut Criterion) {
    let dir = Arc::new(Directory::load("org.yaml", examples::ORG).unwrap());
    let directories = Directories::single(dir);
    let facts = facts(&directories);
    let from = t0() + TimeDelta::minutes(EACH * 4);
    let spec = PilotSpec {
        team: "platform".into(),
        types: vec!["incident".into()],
        guide_version: "sha256:pilot".into(),
        from,
        to: from + TimeDelta::minutes(EACH * 4),
        control: None,
    };
    let now = spec.to + TimeDelta::days(30);
    let (a, b) = pilot::frames(&spec, now);
    let none = || Extras {
        enps_scores: vec![],
        alerts: vec![],
    };
    let report = pilot::compare(&facts, &spec, now, (&a, &b), (&none(), &none()), RESAMPLES);
    assert_eq!(
        (
            report.periods.pilot.decided,
            report.periods.baseline.decided
        ),
        (EACH as usize, EACH as usize)
    );
    let mut group = c.benchmark_group("pilot");
    group.sample_size(10);
    group.bench_function("report, 10k + 10k decided, 10k resamples", |bench| {
        bench.iter(|| {
            black_box(pilot::compare(
                &facts,
                &spec,
                now,
                (&a, &b),
                (&none(), &none()),
                RESAMPLES,
            ))
        });
    });
    group.bench_function("baseline: the two periods' metrics", |bench| {
        bench.iter(|| {
            for (from, to) in [(a.from, a.to), (b.from, b.to)] {
                black_box(metrics(
                    &facts,
                    &directories,
                    Scope::Team("platform"),
                    Window { from, to },
                ));
            }
        });
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
