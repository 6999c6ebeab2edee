//! baton `resolve` beside Cedar `is_authorized`, same machine, same run.

use std::hint::black_box;
use std::sync::Arc;

use baton_fixtures::synthetic::{self, Shape};
use criterion::{Criterion, criterion_group, criterion_main};

fn compare(c: &mut Criterion) {
    let shape = Shape::MEDIUM;
    let n = 256;

    let cedar = cedar_compare::case(shape, n);
    let allowed = cedar
        .requests
        .iter()
        .filter(|r| cedar.authorizer.is_authorized(r, &cedar.policies, &cedar.entities).decision() == cedar_policy::Decision::Allow)
        .count();
    eprintln!("cedar: {allowed} of {n} requests allowed");
    let mut i = 0;
    c.bench_function("cedar/is_authorized_20_policies_1000_entities", |b| {
        b.iter(|| {
            i = (i + 1) % n;
            black_box(cedar.authorizer.is_authorized(&cedar.requests[i], &cedar.policies, &cedar.entities))
        })
    });

    let dir = Arc::new(baton_core::Directory::load("org.json", &synthetic::org_json(shape)).expect("org"));
    let guide = baton_core::compile_guide("deference.yaml", &synthetic::guide_yaml(shape), dir).expect("guide");
    let state = synthetic::state(shape);
    let requests = synthetic::requests(shape, n);
    let resolved = requests.iter().filter(|r| baton_core::resolve(&guide, &state, r).is_ok()).count();
    eprintln!("baton: {resolved} of {n} requests resolved");
    let mut j = 0;
    c.bench_function("baton/resolve_20_rules_1000_people", |b| {
        b.iter(|| {
            j = (j + 1) % n;
            black_box(baton_core::resolve(&guide, &state, &requests[j]).ok())
        })
    });
}

criterion_group!(benches, compare);
criterion_main!(benches);
