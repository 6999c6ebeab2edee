//! Open-and-decide throughput on each backend beside a raw single-row
//! INSERT baseline on the same pool, with the same durability settings,
//! measured in the same run (issue "Decision log", benchmarks).
//!
//!     cargo bench -p baton-store --bench throughput
//!
//! PostgreSQL is measured too when `BATON_TEST_DATABASE_URL` is set (a
//! fresh database is created and dropped).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    reason = "a benchmark fails loudly and prints"
)]

use std::time::Instant;

use baton_core::examples;
use baton_core::lifecycle::{Action, Actor, Role};
use baton_store::{Backend, Opening, Store};
use chrono::{DateTime, TimeDelta, Utc};

const ROUNDS: usize = 5;
const OPS: usize = 200;

fn t0() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-03-01T12:00:00Z")
        .unwrap()
        .with_timezone(&Utc)
}

async fn raw_round(store: &Store, start: i64, body: &str) -> f64 {
    let began = Instant::now();
    for i in 0..OPS as i64 {
        match store.backend() {
            Backend::Sqlite(pool) => {
                let mut tx = pool.begin_with("BEGIN IMMEDIATE").await.unwrap();
                sqlx::query("INSERT INTO raw_baseline (id, body) VALUES ($1, $2)")
                    .bind(start + i)
                    .bind(body)
                    .execute(&mut *tx)
                    .await
                    .unwrap();
                tx.commit().await.unwrap();
            }
            Backend::Postgres(pool) => {
                let mut tx = pool.begin().await.unwrap();
                sqlx::query("INSERT INTO raw_baseline (id, body) VALUES ($1, $2)")
                    .bind(start + i)
                    .bind(body)
                    .execute(&mut *tx)
                    .await
                    .unwrap();
                tx.commit().await.unwrap();
            }
        }
    }
    OPS as f64 / began.elapsed().as_secs_f64()
}

async fn baton_round(store: &Store, round: usize) -> f64 {
    let began = Instant::now();
    for i in 0..OPS {
        let at = t0() + TimeDelta::seconds((round * OPS + i) as i64);
        let opening = Opening {
            team: "platform".into(),
            decision_type: "incident".into(),
            title: format!("incident {i}"),
            context: serde_json::json!({}),
            requester: "ana".into(),
            at,
        };
        let d = store.open(&opening).await.unwrap();
        let decider = Actor {
            person: d.decider.clone(),
            role: Role::Member,
        };
        let decide = Action::Decide {
            option: "restart".into(),
            rationale: "fastest".into(),
            override_reason: None,
            review_on: None,
        };
        store.act(d.id, &decider, &decide, at).await.unwrap();
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
    let create = "CREATE TABLE raw_baseline (id BIGINT PRIMARY KEY, body TEXT NOT NULL)";
    match store.backend() {
        Backend::Sqlite(pool) => sqlx::query(create).execute(pool).await.map(|_| ()),
        Backend::Postgres(pool) => sqlx::query(create).execute(pool).await.map(|_| ()),
    }
    .unwrap();
    // A body the size of a stored decision record.
    let opening = Opening {
        team: "platform".into(),
        decision_type: "incident".into(),
        title: "sample".into(),
        context: serde_json::json!({}),
        requester: "ana".into(),
        at: t0(),
    };
    let sample = store.open(&opening).await.unwrap();
    let body = serde_json::to_string(&sample).unwrap();
    let (mut raw, mut baton) = (Vec::new(), Vec::new());
    for round in 0..ROUNDS {
        // Interleave so both see the same machine load.
        raw.push(raw_round(&store, (round * OPS) as i64, &body).await);
        baton.push(baton_round(&store, round).await);
    }
    let (raw, baton) = (median(raw), median(baton));
    println!(
        "{name:<9} raw INSERT {raw:>8.0}/s   open+decide {baton:>8.0} decisions/s   ratio {:.2}   (median of {ROUNDS} rounds of {OPS}, record {} bytes)",
        baton / raw,
        body.len()
    );
    store.close().await;
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
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
