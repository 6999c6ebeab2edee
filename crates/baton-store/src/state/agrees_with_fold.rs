//! The org-state statement, on both backends, reads what the core's fold
//! gives for the same decisions: any mix of statuses, deciders, decision
//! times at and around the window's edges, and outcomes.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test fails loudly"
)]

use std::collections::BTreeSet;

use baton_core::fold::{self, HistoryScope};
use baton_core::lifecycle::{Decision, Outcome, OutcomeResult, Status};
use chrono::{DateTime, TimeDelta, Utc};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};

use super::{StateQuery, parse};
use crate::row::{self, bind_insert};
use crate::{Store, on_pool};

const PEOPLE: [&str; 4] = ["kim", "raj", "lee", "ana"];
const TYPES: [&str; 3] = ["architecture", "incident", "tooling"];
const TEAMS: [&str; 2] = ["platform", "payments"];
const DOMAINS: [&str; 3] = ["db", "api", "ops"];

fn hours(n: i64) -> DateTime<Utc> {
    "2026-03-01T12:00:00Z".parse::<DateTime<Utc>>().unwrap() + TimeDelta::hours(n)
}

/// The window every case reads history in: decision times fall inside,
/// outside and on both edges of it.
const FROM: i64 = 50;
const TO: i64 = 250;

fn base() -> Decision {
    use baton_core::{Directory, examples};
    let dir = std::sync::Arc::new(Directory::load("org.yaml", examples::ORG).unwrap());
    let guide = baton_core::compile_guide("deference.yaml", examples::GUIDE, dir).unwrap();
    let request = baton_core::Request {
        decision_type: "architecture".into(),
        title: "t".into(),
        context: serde_json::json!({}),
        requester: Some("ana".into()),
        at: hours(0),
    };
    let resolution =
        baton_core::resolve(&guide, &baton_core::OrgState::default(), &request).unwrap();
    baton_core::lifecycle::open(
        baton_core::DecisionId::FIRST,
        "t",
        vec![],
        serde_json::json!({}),
        resolution,
    )
    .0
}

/// A decision row with any combination of the columns the state reads,
/// consistent or not: the statement and the fold must agree on all.
fn decision(base: Decision) -> impl Strategy<Value = Decision> {
    let instant = prop_oneof![
        (0i64..300).prop_map(hours),
        Just(hours(FROM)),
        Just(hours(TO)),
        Just(hours(FROM) + TimeDelta::microseconds(1)),
    ];
    (
        (0..TEAMS.len(), 0..TYPES.len(), 0..PEOPLE.len()),
        proptest::sample::subsequence(DOMAINS.to_vec(), 0..=3),
        0..Status::ALL.len(),
        proptest::option::of(0..PEOPLE.len()),
        proptest::option::of(instant),
        proptest::option::of(0..OutcomeResult::ALL.len()),
    )
        .prop_map(
            move |((team, ty, decider), domains, status, by, decided_at, outcome)| {
                let mut d = base.clone();
                d.team = TEAMS[team].into();
                d.decision_type = TYPES[ty].into();
                d.domains = domains.into_iter().map(str::to_owned).collect();
                d.status = Status::ALL[status];
                d.decider = PEOPLE[decider].into();
                d.decided_by = by.map(|p| PEOPLE[p].to_owned());
                d.decided_at = decided_at;
                d.outcome = outcome.map(|r| Outcome {
                    result: OutcomeResult::ALL[r],
                    notes: String::new(),
                    by: "ana".into(),
                    at: hours(299),
                });
                d
            },
        )
}

fn scope() -> impl Strategy<Value = Option<HistoryScope>> {
    let types = prop_oneof![
        Just(None),
        proptest::sample::subsequence(TYPES.to_vec(), 1..=2)
            .prop_map(|t| Some(t.into_iter().map(str::to_owned).collect::<BTreeSet<_>>())),
    ];
    proptest::option::of(types.prop_map(|types| HistoryScope {
        team: "platform".into(),
        from: hours(FROM),
        to: hours(TO),
        types,
    }))
}

/// Replaces every decision row with `decisions`, reads the state with the
/// statement and compares it with the fold's.
async fn agrees(
    store: &Store,
    decisions: &[Decision],
    scope: &Option<HistoryScope>,
) -> Result<(), TestCaseError> {
    let query = StateQuery {
        dialect: crate::dialect::Dialect::of(&store.backend),
        team: "platform".into(),
        scope: scope.clone(),
    };
    let rows = on_pool!(store, |pool| {
        sqlx::query("DELETE FROM decisions")
            .execute(pool)
            .await
            .unwrap();
        for (i, d) in decisions.iter().enumerate() {
            let mut d = d.clone();
            d.id = baton_core::DecisionId::new(i as i64 + 1).unwrap();
            // Every other row reaches its state by an update, as a
            // decision does: the tallies follow updates too.
            let updated = i % 2 == 1;
            let first = if updated {
                let mut before = d.clone();
                before.status = Status::Routed;
                before.decider = PEOPLE[i % PEOPLE.len()].into();
                before.decided_by = None;
                before.outcome = None;
                before.domains = vec![];
                before
            } else {
                d.clone()
            };
            let sql = row::insert(1, 1);
            bind_insert!(sqlx::query(sqlx::AssertSqlSafe(sql)), &first, "{}")
                .execute(pool)
                .await
                .unwrap();
            if updated {
                let text = |name: &str| {
                    let column = row::COLUMNS.iter().find(|c| c.name == name).unwrap();
                    match (column.of)(&d) {
                        row::Cell::Text(v) => Some(v),
                        row::Cell::MaybeText(v) => v,
                        other => panic!("{name} is not text: {other:?}"),
                    }
                };
                sqlx::query(
                    "UPDATE decisions SET status = $1, decider = $2, decided_by = $3, domains = $4, outcome = $5 WHERE id = $6",
                )
                .bind(text("status"))
                .bind(text("decider"))
                .bind(text("decided_by"))
                .bind(text("domains"))
                .bind(text("outcome"))
                .bind(d.id.get())
                .execute(pool)
                .await
                .unwrap();
            }
        }
        let read: Result<Vec<[String; 4]>, crate::StoreError> =
            async { Ok(fetch_state!(pool, query)) }.await;
        read.unwrap()
    });
    let (read, _) = parse(rows).unwrap();
    let footprints: Vec<_> = decisions.iter().map(fold::Footprint::of).collect();
    let folded = fold::org_state(&footprints, scope.as_ref());
    prop_assert_eq!(
        read.normalized(),
        folded.normalized(),
        "on {}",
        store.kind()
    );
    Ok(())
}

/// A fresh database on the PostgreSQL server `BATON_TEST_DATABASE_URL`
/// names, dropped when the test ends; none when it is unset.
async fn postgres() -> Option<(Store, String, String)> {
    use sqlx::Connection;
    let admin = std::env::var("BATON_TEST_DATABASE_URL").ok()?;
    let name = format!("baton_state_fold_{}", std::process::id());
    let mut conn = sqlx::PgConnection::connect(&admin)
        .await
        .unwrap_or_else(|e| panic!("BATON_TEST_DATABASE_URL is set but unreachable: {e}"));
    for sql in [
        format!("DROP DATABASE IF EXISTS {name}"),
        format!("CREATE DATABASE {name}"),
    ] {
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .execute(&mut conn)
            .await
            .unwrap();
    }
    let base = admin.rsplit_once('/').map_or(admin.as_str(), |(b, _)| b);
    let store = Store::connect(&format!("{base}/{name}")).await.unwrap();
    Some((store, admin, name))
}

#[test]
fn the_statement_reads_the_state_the_core_fold_gives_on_every_backend() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let sqlite_url = format!("sqlite://{}", dir.path().join("fold.db").display());
    let sqlite = rt.block_on(Store::connect(&sqlite_url)).unwrap();
    let pg = rt.block_on(postgres());
    let mut stores = vec![&sqlite];
    stores.extend(pg.as_ref().map(|(s, _, _)| s));

    let mut runner = TestRunner::new(Config {
        cases: 48,
        ..Config::default()
    });
    let cases = (proptest::collection::vec(decision(base()), 0..24), scope());
    let result = runner.run(&cases, |(decisions, scope)| {
        for store in &stores {
            rt.block_on(agrees(store, &decisions, &scope))?;
        }
        Ok(())
    });

    rt.block_on(sqlite.close());
    if let Some((store, admin, name)) = pg {
        rt.block_on(async {
            use sqlx::Connection;
            store.close().await;
            let mut conn = sqlx::PgConnection::connect(&admin).await.unwrap();
            let drop = format!("DROP DATABASE IF EXISTS {name}");
            let _ = sqlx::query(sqlx::AssertSqlSafe(drop))
                .execute(&mut conn)
                .await;
        });
    }
    result.unwrap();
}
