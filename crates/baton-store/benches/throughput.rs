//! Open-and-decide throughput on each backend beside a raw single-row
//! INSERT baseline on the same pool, with the same durability settings,
//! measured in the same run (issue "Decision log", benchmarks).
//!
//!     cargo bench -p baton-store --bench throughput
//!
//! Each backend is measured with one caller at a time and with
//! [`CALLERS`] concurrent callers. A decision is two durable transactions
//! (open, then decide) where the baseline row is one, so with one caller
//! the ratio cannot reach ½; `per write` is the rate of opens and decides
//! (two per decision) beside the raw rows. Concurrent callers share commits
//! (group commit, `baton_store::batch`). The concurrent baseline gets the best a
//! single-row INSERT can do: on PostgreSQL concurrent transactions (whose
//! WAL flushes the server already shares), on SQLite transactions taken in
//! turn by an in-process lock rather than through SQLite's sleeping busy
//! handler.
//!
//! Last, one `tick` carries [`OPS`] incidents past their escalation
//! deadline, beside the single-caller raw baseline: its changes are queued
//! together and share batches.
//!
//! Last, opening while undecided decisions pile up on one decider (every
//! incident of the example guide goes to whoever is on call): opens per
//! second with none open and with [`PILE`] open, one caller. The org state
//! an open reads must not grow with them.
//!
//! PostgreSQL is measured too when `BATON_TEST_DATABASE_URL` is set (a
//! fresh database is created and dropped).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    reason = "a benchmark fails loudly and prints"
)]

use baton_core::lifecycle::act;
use std::sync::Arc;
use std::time::Instant;

use baton_core::examples;
use baton_core::lifecycle::{Action, Actor, Role};
use baton_store::{Backend, Opening, Store};
use chrono::{DateTime, TimeDelta, Utc};
use tokio::task::JoinSet;

const ROUNDS: usize = 5;
const OPS: usize = 320;
const CALLERS: usize = 16;
const PILE: usize = 30_000;

fn t0() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-03-01T12:00:00Z")
        .unwrap()
        .with_timezone(&Utc)
}

/// An incident of the example guide, opened by ana.
fn incident(title: String, at: DateTime<Utc>) -> Opening {
    Opening {
        team: "platform".into(),
        decision_type: "incident".into(),
        title,
        context: serde_json::json!({}),
        requester: "ana".into(),
        at,
    }
}

/// One row in its own transaction.
async fn raw_insert(store: &Store, id: i64, body: &str) {
    macro_rules! in_own_transaction {
        ($begin:expr) => {{
            let mut tx = $begin.await.unwrap();
            sqlx::query("INSERT INTO raw_baseline (id, body) VALUES ($1, $2)")
                .bind(id)
                .bind(body)
                .execute(&mut *tx)
                .await
                .unwrap();
            tx.commit().await.unwrap();
        }};
    }
    match store.backend() {
        Backend::Sqlite(pool) => in_own_transaction!(pool.begin_with("BEGIN IMMEDIATE")),
        Backend::Postgres(pool) => in_own_transaction!(pool.begin()),
    }
}

/// Opens an incident and decides it.
async fn open_and_decide(store: &Store, n: usize) {
    let at = t0() + TimeDelta::seconds(n as i64);
    let d = store
        .decisions()
        .open(&incident(format!("incident {n}"), at))
        .await
        .unwrap();
    let decider = Actor {
        person: d.decider.clone(),
        role: Role::Member,
    };
    let decide = Action::Decide(act::Decide {
        option: "restart".into(),
        rationale: "fastest".into(),
        override_reason: None,
        review_on: None,
    });
    store
        .decisions()
        .act(d.id, &decider, &decide, at)
        .await
        .unwrap();
}

/// Rows per second for [`OPS`] rows by `callers` concurrent callers,
/// numbered from `start`.
async fn raw_round(store: &Store, callers: usize, start: usize, body: &Arc<str>) -> f64 {
    // SQLite takes one writer at a time; queue them here, not in its
    // busy handler's sleeps.
    let turn = Arc::new(tokio::sync::Mutex::new(()));
    let serialize = matches!(store.backend(), Backend::Sqlite(_));
    let began = Instant::now();
    let mut tasks = JoinSet::new();
    for caller in 0..callers {
        let (store, body, turn) = (store.clone(), Arc::clone(body), Arc::clone(&turn));
        tasks.spawn(async move {
            for i in (caller..OPS).step_by(callers) {
                let _turn = if serialize {
                    Some(turn.lock().await)
                } else {
                    None
                };
                raw_insert(&store, (start + i) as i64, &body).await;
            }
        });
    }
    tasks.join_all().await;
    OPS as f64 / began.elapsed().as_secs_f64()
}

/// Decisions per second for [`OPS`] open-and-decides by `callers`
/// concurrent callers, numbered from `start`.
async fn baton_round(store: &Store, callers: usize, start: usize) -> f64 {
    let began = Instant::now();
    let mut tasks = JoinSet::new();
    for caller in 0..callers {
        let store = store.clone();
        tasks.spawn(async move {
            for i in (caller..OPS).step_by(callers) {
                open_and_decide(&store, start + i).await;
            }
        });
    }
    tasks.join_all().await;
    OPS as f64 / began.elapsed().as_secs_f64()
}

/// Decisions per second one `tick` carries past a deadline, with [`OPS`]
/// incidents opened (untimed) at round `round` and left to escalate.
async fn tick_round(store: &Store, round: usize) -> f64 {
    let opened_at = t0() + TimeDelta::days(30 * (round as i64 + 1));
    for i in 0..OPS {
        let at = opened_at + TimeDelta::seconds(i as i64);
        store
            .decisions()
            .open(&incident(format!("unattended {round}.{i}"), at))
            .await
            .unwrap();
    }
    let began = Instant::now();
    let changed = store
        .decisions()
        .tick(opened_at + TimeDelta::days(2))
        .await
        .unwrap();
    assert!(changed.len() >= OPS, "every incident escalates");
    changed.len() as f64 / began.elapsed().as_secs_f64()
}

/// Opens incident number `n`, a second after number `n - 1`, and leaves
/// it open.
async fn open_left_open(store: &Store, n: usize) {
    let at = t0() + TimeDelta::days(400) + TimeDelta::seconds(n as i64);
    store
        .decisions()
        .open(&incident(format!("left open {n}"), at))
        .await
        .unwrap();
}

/// Opens `count` incidents numbered from `start`, left open, by
/// [`CALLERS`] concurrent callers; returns opens per second.
async fn open_only(store: &Store, start: usize, count: usize) -> f64 {
    let began = Instant::now();
    let mut tasks = JoinSet::new();
    for caller in 0..CALLERS.min(count) {
        let store = store.clone();
        tasks.spawn(async move {
            for i in (caller..count).step_by(CALLERS) {
                open_left_open(&store, start + i).await;
            }
        });
    }
    tasks.join_all().await;
    count as f64 / began.elapsed().as_secs_f64()
}

/// Opens per second, one caller, for [`OPS`] incidents numbered from
/// `start` and left open.
async fn open_round(store: &Store, start: usize) -> f64 {
    let began = Instant::now();
    for i in 0..OPS {
        open_left_open(store, start + i).await;
    }
    OPS as f64 / began.elapsed().as_secs_f64()
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

async fn measure(name: &str, url: &str) {
    let store = Store::connect(url).await.unwrap();
    store
        .apply(
            Some(("org.yaml", examples::ORG)),
            &[("deference.yaml", examples::GUIDE)],
            t0(),
        )
        .await
        .unwrap();
    store
        .raw("CREATE TABLE raw_baseline (id BIGINT PRIMARY KEY, body TEXT NOT NULL)")
        .await
        .unwrap();
    // A body the size of a stored decision record.
    let sample = store
        .decisions()
        .open(&incident("sample".into(), t0()))
        .await
        .unwrap();
    let body = serde_json::to_string(&sample).unwrap();
    let body: Arc<str> = body.into();
    let mut next = 0;
    for callers in [1, CALLERS] {
        let (mut raw, mut baton) = (Vec::new(), Vec::new());
        for _ in 0..ROUNDS {
            if let Backend::Postgres(pool) = store.backend() {
                // A round is shorter than autovacuum's one-minute nap: do
                // its work (dead index entries, planner statistics) here.
                sqlx::query("VACUUM ANALYZE").execute(pool).await.unwrap();
            }
            // Interleave so both see the same machine load.
            raw.push(raw_round(&store, callers, next, &body).await);
            baton.push(baton_round(&store, callers, next).await);
            next += OPS;
        }
        let (raw, baton) = (median(raw), median(baton));
        println!(
            "{name:<9} {callers:>2} caller(s)   raw INSERT {raw:>8.0}/s   open+decide {baton:>8.0} decisions/s   ratio {:.2}   per write {:.2}",
            baton / raw,
            2.0 * baton / raw,
        );
    }
    // Deadlines: one tick over many due decisions, beside raw rows again.
    let (mut raw, mut ticked) = (Vec::new(), Vec::new());
    for round in 0..ROUNDS {
        raw.push(raw_round(&store, 1, next, &body).await);
        next += OPS;
        ticked.push(tick_round(&store, round).await);
    }
    let (raw, ticked) = (median(raw), median(ticked));
    println!(
        "{name:<9} tick         raw INSERT {raw:>8.0}/s   tick        {ticked:>8.0} decisions/s   ratio {:.2}",
        ticked / raw,
    );
    // Opening as undecided decisions pile up on one decider.
    let mut rates = Vec::new();
    let mut opened = 0;
    for pile in [0, PILE] {
        if pile > opened {
            open_only(&store, opened, pile - opened).await;
            opened = pile;
        }
        let mut round = Vec::new();
        for _ in 0..ROUNDS {
            round.push(open_round(&store, opened).await);
            opened += OPS;
        }
        rates.push((pile, median(round)));
    }
    let [(_, none), (pile, piled)] = rates[..] else {
        unreachable!()
    };
    println!(
        "{name:<9} open, 1 caller: {none:>8.0}/s with none open, {piled:>8.0}/s with {pile} open on one decider   ratio {:.2}",
        piled / none,
    );
    println!(
        "{name:<9} (medians of {ROUNDS} rounds of {OPS}; record {} bytes)",
        body.len()
    );
    store.close().await;
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let dir = tempfile::tempdir().unwrap();
        measure(
            "sqlite",
            &format!("sqlite://{}", dir.path().join("bench.db").display()),
        )
        .await;
        if let Ok(admin) = std::env::var("BATON_TEST_DATABASE_URL") {
            use sqlx::Connection;
            let name = format!("baton_bench_{}", std::process::id());
            let mut conn = sqlx::PgConnection::connect(&admin).await.unwrap();
            sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                .execute(&mut conn)
                .await
                .unwrap();
            let base = admin.rsplit_once('/').map_or(admin.as_str(), |(b, _)| b);
            measure("postgres", &format!("{base}/{name}")).await;
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "DROP DATABASE {name} WITH (FORCE)"
            )))
            .execute(&mut conn)
            .await
            .unwrap();
        }
    });
}
