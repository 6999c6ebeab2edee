//! `verify` proves what everyone reads: the chain's links, every column
//! stored beside an event's hashed body, and every decision and version
//! row. The tampering cases are generated from the schema itself, so a
//! column added later is tampered too.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test fails loudly"
)]

mod common;

use baton_core::examples;
use baton_core::lifecycle::act;
use baton_core::lifecycle::{Action, OutcomeResult};
use baton_store::{Backend, NotedHead, Store, Verified};
use common::*;
use sqlx::Row;

/// A log with every column of every table filled somewhere: two directory
/// versions and two guide versions, a decision decided with a review date
/// and an outcome, and a withdrawn one.
async fn story(store: &Store) -> NotedHead {
    applied(store).await;
    let org = format!("{}\n# reviewed\n", examples::ORG);
    let guide = format!("{}\n# reviewed\n", examples::GUIDE);
    store
        .apply(
            Some(("org.yaml", &org)),
            &[("deference.yaml", &guide)],
            hours(1),
        )
        .await
        .unwrap();
    let d = store
        .decisions()
        .open(&architecture("ana", hours(2)))
        .await
        .unwrap();
    store.decisions().tick(hours(27)).await.unwrap();
    let kim = member("kim");
    let decide = Action::Decide(act::Decide {
        option: "postgres".into(),
        rationale: "fits".into(),
        override_reason: None,
        review_on: Some(hours(24 * 30).date_naive()),
    });
    store
        .decisions()
        .act(d.id, &kim, &decide, hours(28))
        .await
        .unwrap();
    let outcome = Action::Outcome(act::Outcome {
        result: OutcomeResult::Success,
        notes: "held".into(),
    });
    store
        .decisions()
        .act(d.id, &kim, &outcome, hours(29))
        .await
        .unwrap();
    let w = store
        .decisions()
        .open(&incident("Disk full", hours(30)))
        .await
        .unwrap();
    store
        .decisions()
        .act(w.id, &member("ana"), &Action::Withdraw, hours(31))
        .await
        .unwrap();
    // A last directory that no guide was compiled against.
    let org = format!("{org}# and again\n");
    store
        .apply(Some(("org.yaml", &org)), &[], hours(32))
        .await
        .unwrap();
    // Delegated, then overridden with a reason: every column holds a value
    // in some row.
    let o = store
        .decisions()
        .open(&architecture("ana", hours(33)))
        .await
        .unwrap();
    store.decisions().tick(hours(58)).await.unwrap();
    let to = if o.decider == "lee" { "raj" } else { "lee" };
    let delegate = Action::Delegate(act::Delegate {
        to: to.parse().unwrap(),
        reason: "on leave".into(),
    });
    store
        .decisions()
        .act(o.id, &member(&o.decider), &delegate, hours(59))
        .await
        .unwrap();
    let overrule = Action::Decide(act::Decide {
        option: "mysql".into(),
        rationale: "licence".into(),
        override_reason: Some("the contract changed".into()),
        review_on: None,
    });
    let overruled = store
        .decisions()
        .act(o.id, &member("dana"), &overrule, hours(60))
        .await
        .unwrap();
    assert!(overruled.overridden && overruled.delegate.is_some());
    // Escalated at its deadline: `escalated_at` holds a value too.
    store
        .decisions()
        .open(&incident("Queue backlog", hours(61)))
        .await
        .unwrap();
    let ticked = store.decisions().tick(hours(64)).await.unwrap();
    assert!(
        ticked.iter().any(|d| d.escalated_at.is_some()),
        "{ticked:?}"
    );
    let report = store.verify().await.unwrap();
    assert_eq!(report.verified, Verified::Intact, "{report:?}");
    assert_eq!(
        (report.decisions, report.versions, report.unproven),
        (4, 5, 0)
    );
    report.head.parse().unwrap()
}

/// The columns of `table` and their declared types, from the schema.
async fn columns(store: &Store, table: &str) -> Vec<(String, String)> {
    match store.backend() {
        Backend::Sqlite(pool) => sqlx::query("SELECT name, type FROM pragma_table_info($1) ORDER BY cid")
            .bind(table)
            .fetch_all(pool)
            .await
            .unwrap()
            .iter()
            .map(|r| (r.get("name"), r.get::<String, _>("type").to_lowercase()))
            .collect(),
        Backend::Postgres(pool) => sqlx::query(
            "SELECT column_name::text AS name, data_type::text AS type FROM information_schema.columns WHERE table_name = $1 ORDER BY ordinal_position",
        )
        .bind(table)
        .fetch_all(pool)
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get("name"), r.get("type")))
        .collect(),
    }
}

/// New values for a column of type `kind`, tried in turn until one is
/// accepted (a foreign key refuses some).
fn mutations(kind: &str, column: &str) -> Vec<String> {
    let c = column;
    match kind {
        "integer" | "bigint" => vec![format!("{c} + 1000000"), format!("{c} + 1")],
        "boolean" => vec![format!("NOT {c}")],
        "timestamp with time zone" => vec![format!("{c} + interval '1 hour'")],
        _ => vec![format!("{c} || 'x'")],
    }
}

/// What a broken report must say to name a row of `table`.
fn row_word(table: &str) -> &'static str {
    match table {
        "decisions" => "decision ",
        "events" => "event ",
        "org_versions" => "org version ",
        _ => "guide version ",
    }
}

/// Tampers each column of `table` in turn, on a fresh store each time, and
/// checks that verify names the row and the column.
async fn each_column_tampered_is_named(table: &'static str) {
    let key = if table == "events" { "seq" } else { "id" };
    let schema = {
        let t = sqlite().await;
        let columns = columns(&t.store, table).await;
        t.drop_database().await;
        columns
    };
    assert!(schema.len() >= 4, "{table}: {schema:?}");
    for (column, _) in &schema {
        each_backend(|store| async move {
            story(&store).await;
            let kind = columns(&store, table)
                .await
                .into_iter()
                .find(|(c, _)| c == column)
                .map(|(_, k)| k)
                .unwrap();
            // The first row holding a value, else the last (keys that
            // other rows refer to cannot change).
            let mut tampered = false;
            'tamper: for row in ["MIN", "MAX"] {
                for new in mutations(&kind, column) {
                    let sql = format!(
                        "UPDATE {table} SET {column} = {new} WHERE {key} = (SELECT {row}({key}) FROM {table} WHERE {column} IS NOT NULL)"
                    );
                    if store.raw(&sql).await.is_ok() {
                        tampered = true;
                        break 'tamper;
                    }
                }
            }
            assert!(tampered, "{table}.{column} could not be tampered");
            let report = store.verify().await.unwrap();
            let Verified::Broken { reason, .. } = &report.verified else {
                panic!("{table}.{column} tampered, yet {report:?} ({})", store.kind());
            };
            assert!(
                reason.contains(&format!("`{column}`")) && reason.contains(row_word(table)),
                "{table}.{column} tampered: {reason} ({})",
                store.kind()
            );
        })
        .await;
    }
}

#[tokio::test]
async fn every_tampered_column_of_decisions_is_named() {
    each_column_tampered_is_named("decisions").await;
}

#[tokio::test]
async fn every_tampered_column_of_events_is_named() {
    each_column_tampered_is_named("events").await;
}

#[tokio::test]
async fn every_tampered_column_of_org_versions_is_named() {
    each_column_tampered_is_named("org_versions").await;
}

#[tokio::test]
async fn every_tampered_column_of_guide_versions_is_named() {
    each_column_tampered_is_named("guide_versions").await;
}

async fn tampered(sql: &str) -> Vec<Verified> {
    let found = std::sync::Mutex::new(Vec::new());
    each_backend(|store| {
        let found = &found;
        async move {
            story(&store).await;
            store.raw(sql).await.unwrap();
            let verified = store.verify().await.unwrap().verified;
            found.lock().unwrap().push(verified);
        }
    })
    .await;
    found.into_inner().unwrap()
}

/// The tallies opening routes by (load, track records) are proven from the
/// decisions: a tampered one would route by numbers no decision holds.
#[tokio::test]
async fn a_tampered_tally_is_named() {
    for (sql, named) in [
        (
            "INSERT INTO decider_load (person, open) VALUES ('zz-nobody', 2)",
            "`decider_load` counts 2 open decisions for zz-nobody, but the decisions hold 0",
        ),
        (
            "DELETE FROM outcome_tally",
            "`outcome_tally` counts 0 `success` outcomes for kim",
        ),
        (
            "UPDATE outcome_tally SET n = n + 1",
            "but the decisions hold 1",
        ),
    ] {
        for v in tampered(sql).await {
            assert!(
                matches!(&v, Verified::Broken { seq: None, reason } if reason.contains(named)),
                "{sql}: {v:?}"
            );
        }
    }
}

#[tokio::test]
async fn verify_names_a_changed_event() {
    for v in tampered("UPDATE events SET body = REPLACE(body, 'ana', 'eve') WHERE seq = 5").await {
        assert!(
            matches!(&v, Verified::Broken { seq: Some(5), reason } if reason.contains("was changed")),
            "{v:?}"
        );
    }
}

#[tokio::test]
async fn verify_names_a_deleted_event() {
    for v in tampered("DELETE FROM events WHERE seq = 2").await {
        assert!(
            matches!(&v, Verified::Broken { seq: Some(2), reason } if reason.contains("missing")),
            "{v:?}"
        );
    }
}

#[tokio::test]
async fn verify_names_reordered_events() {
    let swap = "UPDATE events SET body = CASE seq WHEN 5 THEN (SELECT body FROM events WHERE seq = 6) ELSE (SELECT body FROM events WHERE seq = 5) END WHERE seq IN (5, 6)";
    for v in tampered(swap).await {
        assert!(matches!(&v, Verified::Broken { seq: Some(5), .. }), "{v:?}");
    }
}

#[tokio::test]
async fn verify_notices_a_truncated_tail() {
    for v in tampered("DELETE FROM events WHERE seq = (SELECT MAX(seq) FROM events)").await {
        assert!(
            matches!(&v, Verified::Broken { reason, .. } if reason.contains("chain head")),
            "{v:?}"
        );
    }
}

#[tokio::test]
async fn a_decision_row_with_no_event_or_events_with_no_row_is_named() {
    for v in tampered("DELETE FROM decisions WHERE id = 2").await {
        assert!(
            matches!(&v, Verified::Broken { reason, .. } if reason.contains("decision 2 has events")),
            "{v:?}"
        );
    }
    let columns = "team, type, title, requester, framework, rule, guide_version, domains, opened_at, decider, decided_by, status, decided_at, escalated, overridden, outcome, review_on, version, record";
    let copy = format!(
        "INSERT INTO decisions (id, {columns}) SELECT 9, {columns} FROM decisions WHERE id = 2"
    );
    for v in tampered(&copy).await {
        assert!(
            matches!(&v, Verified::Broken { reason, .. } if reason.contains("decision 9: no event")),
            "{v:?}"
        );
    }
}

/// Recomputes every hash from event `from` on, as a forger would, after
/// `edit` rewrote that event's body, and moves the chain head along.
async fn recompute_chain(store: &Store, from: i64, edit: impl Fn(&str) -> String) {
    let rows: Vec<(i64, String, String)> = match store.backend() {
        Backend::Sqlite(pool) => {
            sqlx::query("SELECT seq, body, prev_hash FROM events ORDER BY seq")
                .fetch_all(pool)
                .await
                .unwrap()
                .iter()
                .map(|r| (r.get("seq"), r.get("body"), r.get("prev_hash")))
                .collect()
        }
        Backend::Postgres(pool) => {
            sqlx::query("SELECT seq, body, prev_hash FROM events ORDER BY seq")
                .fetch_all(pool)
                .await
                .unwrap()
                .iter()
                .map(|r| (r.get("seq"), r.get("body"), r.get("prev_hash")))
                .collect()
        }
    };
    let mut prev = String::new();
    for (seq, body, prev_hash) in rows {
        if seq < from {
            prev = format!("{:x}", sha2_digest(&prev_hash, &body));
            continue;
        }
        let body = if seq == from { edit(&body) } else { body };
        let hash = format!("{:x}", sha2_digest(&prev, &body));
        let quote = |t: &str| t.replace('\'', "''");
        store
            .raw(&format!(
                "UPDATE events SET body = '{}', prev_hash = '{}', hash = '{hash}' WHERE seq = {seq}",
                quote(&body),
                prev
            ))
            .await
            .unwrap();
        store
            .raw(&format!(
                "UPDATE chain_head SET hash = '{hash}' WHERE id = 1"
            ))
            .await
            .unwrap();
        prev = hash;
    }
}

fn sha2_digest(prev: &str, body: &str) -> impl std::fmt::LowerHex {
    use sha2::Digest;
    let mut hasher = sha2::Sha256::new();
    hasher.update(prev.as_bytes());
    hasher.update(body.as_bytes());
    hasher.finalize()
}

#[tokio::test]
async fn a_head_noted_earlier_catches_a_truncated_or_recomputed_chain() {
    each_backend(|store| async move {
        let noted = story(&store).await;
        // A forger drops the last event and moves the head back with it.
        store
            .raw("UPDATE chain_head SET seq = seq - 1, hash = (SELECT prev_hash FROM events WHERE seq = (SELECT MAX(seq) FROM events)) WHERE id = 1")
            .await
            .unwrap();
        store
            .raw("DELETE FROM events WHERE seq = (SELECT MAX(seq) FROM events)")
            .await
            .unwrap();
        let truncated = store.verify_against(Some(&noted)).await.unwrap();
        assert!(
            matches!(&truncated.verified, Verified::Broken { reason, .. } if reason.contains("events were removed")),
            "{truncated:?}"
        );
    })
    .await;
    each_backend(|store| async move {
        let noted = story(&store).await;
        // A forger rewrites a rationale and recomputes every hash after it.
        recompute_chain(&store, 7, |body| body.replace("\"fits\"", "\"a coin toss\"")).await;
        assert_eq!(store.verify().await.unwrap().verified, Verified::Intact, "self-consistent");
        let rewritten = store.verify_against(Some(&noted)).await.unwrap();
        assert!(
            matches!(&rewritten.verified, Verified::Broken { reason, .. } if reason.contains("rewritten")),
            "{rewritten:?}"
        );
        let same = store.verify().await.unwrap().head.parse::<NotedHead>().unwrap();
        assert_eq!(same.seq, noted.seq);
    })
    .await;
}

#[tokio::test]
async fn verify_reads_the_chain_in_pages_and_ticks_and_imports_carry_record_digests() {
    each_backend(|store| async move {
        applied(&store).await;
        for i in 0..30 {
            store.decisions().open(&incident(format!("Disk {i}"), hours(i))).await.unwrap();
        }
        // Every incident escalates, several in one batch.
        store.decisions().tick(hours(100)).await.unwrap();
        let sheet = "team,type,title,requester,decider,opened_at,decided_at\nplatform,hiring,Open a role,kim,dana,2026-01-05T09:00:00Z,2026-01-07T09:00:00Z\n";
        import_csv(&store, sheet, false, false).await.unwrap();
        let report = store.verify().await.unwrap();
        assert_eq!(report.verified, Verified::Intact, "{report:?}");
        assert_eq!((report.decisions, report.unproven), (31, 0));
    })
    .await;
}

#[tokio::test]
async fn verify_reads_one_snapshot_while_writes_land() {
    each_backend(|store| async move {
        applied(&store).await;
        let writer = {
            let store = store.clone();
            tokio::spawn(async move {
                for i in 0..60 {
                    let d = store
                        .decisions()
                        .open(&incident(format!("Disk {i}"), hours(i)))
                        .await
                        .unwrap();
                    store
                        .decisions()
                        .act(
                            d.id,
                            &member("ana"),
                            &Action::Withdraw,
                            hours(i) + chrono::TimeDelta::minutes(5),
                        )
                        .await
                        .unwrap();
                }
            })
        };
        let mut checked = 0;
        while !writer.is_finished() {
            let report = store.verify().await.unwrap();
            assert_eq!(report.verified, Verified::Intact, "{report:?}");
            checked += 1;
        }
        writer.await.unwrap();
        assert_eq!(store.verify().await.unwrap().verified, Verified::Intact);
        assert!(checked > 0);
    })
    .await;
}
