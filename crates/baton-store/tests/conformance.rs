//! One suite, every backend: each story runs on SQLite (a temporary file)
//! and, when `BATON_TEST_DATABASE_URL` names a PostgreSQL server, on a fresh
//! database there. With the URL set, an unreachable server fails the suite
//! rather than skipping it.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test fails loudly"
)]

use baton_core::lifecycle::act;
use std::future::Future;

use baton_core::lifecycle::{Action, Decision, LifecycleError, Role, Status};
use baton_core::{DecisionId, examples};
use baton_store::{Backend, DecisionFilter, Opening, Store, StoreError, Verified};
use chrono::{DateTime, TimeDelta, Utc};

mod common;

use common::*;

/// The `i`th of a run of architecture decisions opened by ana 30 hours
/// apart, ticked past its consensus check and waiting for its decider.
async fn architecture_past_check(store: &Store, i: i64) -> Decision {
    let start = i * 30;
    let d = store
        .decisions()
        .open(&architecture("ana", hours(start)))
        .await
        .unwrap();
    store.decisions().tick(hours(start + 25)).await.unwrap();
    d
}

fn decide(option: &str) -> Action {
    Action::Decide(act::Decide {
        option: option.into(),
        rationale: "fits".into(),
        override_reason: None,
        review_on: None,
    })
}

#[tokio::test]
async fn a_decision_lives_its_whole_life_and_the_chain_verifies() {
    each_backend(|store| async move {
        applied(&store).await;
        let d = store
            .decisions()
            .open(&architecture("ana", t0()))
            .await
            .unwrap();
        assert_eq!(
            (d.id.get(), d.status, d.decider.as_str()),
            (1, Status::Checking, "kim")
        );
        let position = Action::Position(act::Position {
            option: "postgres".into(),
            rationale: "r".into(),
            confidence: 4,
            risk: Some(2),
            reversible: None,
        });
        store
            .decisions()
            .act(d.id, &member("raj"), &position, hours(1))
            .await
            .unwrap();
        let ticked = store.decisions().tick(hours(25)).await.unwrap();
        assert_eq!(ticked.len(), 1);
        let d = store
            .decisions()
            .act(d.id, &member("kim"), &decide("postgres"), hours(26))
            .await
            .unwrap();
        assert_eq!(d.status, Status::Decided);
        let outcome = Action::Outcome(act::Outcome {
            result: baton_core::lifecycle::OutcomeResult::Success,
            notes: "fast".into(),
        });
        store
            .decisions()
            .act(d.id, &member("kim"), &outcome, hours(100))
            .await
            .unwrap();
        let stored = store.decisions().get(d.id).await.unwrap();
        assert_eq!(stored.outcome.map(|o| o.notes), Some("fast".to_owned()));
        let kinds: Vec<String> = store
            .decisions()
            .events(d.id)
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.kind)
            .collect();
        assert_eq!(
            kinds,
            ["opened", "position", "check_closed", "decided", "outcome"]
        );
        let report = store.verify().await.unwrap();
        assert_eq!(report.verified, Verified::Intact);
        assert_eq!(
            report.events, 7,
            "org and guide applied, then five decision events"
        );
    })
    .await;
}

#[tokio::test]
async fn refusals_change_nothing() {
    each_backend(|store| async move {
        applied(&store).await;
        let d = store
            .decisions()
            .open(&architecture("ana", t0()))
            .await
            .unwrap();
        let err = store
            .decisions()
            .act(d.id, &member("kim"), &decide("x"), hours(1))
            .await
            .unwrap_err();
        assert!(
            matches!(err, StoreError::Lifecycle(LifecycleError::Conflict(_))),
            "{err}"
        );
        let err = store
            .decisions()
            .act(
                DecisionId::new(99).unwrap(),
                &member("kim"),
                &decide("x"),
                hours(1),
            )
            .await
            .unwrap_err();
        assert_eq!(err.code(), "not_found");
        let err = store
            .decisions()
            .act(d.id, &member("zed"), &decide("x"), hours(1))
            .await
            .unwrap_err();
        assert_eq!(err.code(), "forbidden");
        assert_eq!(store.decisions().get(d.id).await.unwrap(), d);
        assert_eq!(store.decisions().events(d.id).await.unwrap().len(), 1);
    })
    .await;
}

#[tokio::test]
async fn applying_keeps_every_version_and_decisions_keep_theirs() {
    each_backend(|store| async move {
        let first = store
            .apply(
                Some(("org.yaml", examples::ORG)),
                &[("deference.yaml", examples::GUIDE)],
                t0(),
            )
            .await
            .unwrap();
        assert!(first.org_changed && first.guides[0].changed);
        let again = store
            .apply(
                Some(("org.yaml", examples::ORG)),
                &[("deference.yaml", examples::GUIDE)],
                t0(),
            )
            .await
            .unwrap();
        assert!(
            !again.org_changed && !again.guides[0].changed,
            "unchanged files are not new versions"
        );
        let old = store
            .decisions()
            .open(&architecture("ana", t0()))
            .await
            .unwrap();
        let edited = examples::GUIDE.replace("after: 72h", "after: 96h");
        let third = store
            .apply(None, &[("deference.yaml", &edited)], hours(1))
            .await
            .unwrap();
        assert_eq!(third.guides[0].version, 2);
        let new = store
            .decisions()
            .open(&architecture("ana", hours(1)))
            .await
            .unwrap();
        assert_ne!(old.resolution.guide_version, new.resolution.guide_version);
        assert_eq!(
            store
                .decisions()
                .get(old.id)
                .await
                .unwrap()
                .resolution
                .guide_version,
            old.resolution.guide_version
        );
        assert_eq!(store.guide_text("platform").await.unwrap(), edited);
    })
    .await;
}

#[tokio::test]
async fn an_invalid_guide_is_refused_whole() {
    each_backend(|store| async move {
        applied(&store).await;
        let broken = examples::GUIDE.replace("{role: incident-commander}", "{role: nobody}");
        let err = store
            .apply(
                Some(("org.yaml", examples::ORG)),
                &[("deference.yaml", &broken)],
                t0(),
            )
            .await
            .unwrap_err();
        assert!(
            err.to_string().contains("role `nobody` is not defined"),
            "{err}"
        );
        assert_eq!(store.guide_text("platform").await.unwrap(), examples::GUIDE);
        assert_eq!(store.verify().await.unwrap().events, 2);
    })
    .await;
}

#[tokio::test]
async fn load_limits_act_on_open_decisions() {
    each_backend(|store| async move {
        applied(&store).await;
        // kim's max_load is 4.
        for i in 0..4 {
            let d = store
                .decisions()
                .open(&architecture("ana", hours(i)))
                .await
                .unwrap();
            assert_eq!(d.decider, "kim");
        }
        let fifth = store
            .decisions()
            .open(&architecture("ana", hours(5)))
            .await
            .unwrap();
        assert_eq!(fifth.decider, "raj");
        assert!(
            fifth
                .resolution
                .explanation
                .iter()
                .any(|l| l.contains("kim: excluded, 4 open decisions"))
        );
    })
    .await;
}

#[tokio::test]
async fn load_limits_count_decisions_opened_at_the_same_moment() {
    each_backend(|store| async move {
        applied(&store).await;
        // kim's max_load is 4: six opens at once must not all see kim idle.
        let mut tasks = tokio::task::JoinSet::new();
        for i in 0..6 {
            let store = store.clone();
            tasks
                .spawn(async move { store.decisions().open(&architecture("ana", hours(i))).await });
        }
        let deciders: Vec<String> = tasks
            .join_all()
            .await
            .into_iter()
            .map(|d| d.unwrap().decider)
            .collect();
        assert_eq!(
            deciders.iter().filter(|d| *d == "kim").count(),
            4,
            "{deciders:?}"
        );
    })
    .await;
}

#[tokio::test]
async fn concurrent_writes_share_commits_yet_each_stands_alone() {
    each_backend(|store| async move {
        applied(&store).await;
        let incident = |i: i64| incident(format!("incident {i}"), hours(i));
        let mut tasks = tokio::task::JoinSet::new();
        for i in 0..24 {
            let store = store.clone();
            tasks.spawn(async move { store.decisions().open(&incident(i)).await.unwrap() });
        }
        let opened = tasks.join_all().await;
        let mut ids: Vec<DecisionId> = opened.iter().map(|d| d.id).collect();
        ids.sort_unstable();
        assert_eq!(ids, (1..=24).collect::<Vec<_>>());
        // Each decided by its decider, and refused to someone else, all at
        // once: the refusals share batches with the writes and spoil none.
        let mut tasks = tokio::task::JoinSet::new();
        for d in opened {
            let (by_decider, by_other) = (store.clone(), store.clone());
            let (id, decider) = (d.id, d.decider.clone());
            let other = if decider == "ana" { "ben" } else { "ana" };
            tasks.spawn(async move {
                by_decider
                    .decisions()
                    .act(id, &member(&decider), &decide("restart"), hours(30))
                    .await
                    .map(|_| true)
            });
            tasks.spawn(async move {
                by_other
                    .decisions()
                    .act(id, &member(other), &decide("wait"), hours(30))
                    .await
                    .map(|_| false)
            });
        }
        let answers = tasks.join_all().await;
        assert_eq!(answers.iter().filter(|a| matches!(a, Ok(true))).count(), 24);
        assert!(answers.iter().all(|a| !matches!(a, Ok(false))));
        for id in ids {
            let d = store.decisions().get(id).await.unwrap();
            assert_eq!(d.status.as_str(), "decided");
            assert_eq!(store.decisions().events(id).await.unwrap().len(), 2);
        }
        let report = store.verify().await.unwrap();
        // Two applies, then an open and a decide for each.
        assert_eq!((report.events, report.verified), (2 + 48, Verified::Intact));
    })
    .await;
}

/// Runs `during` while another transaction holds the store's write lock.
async fn while_write_locked(store: &Store, during: impl Future<Output = ()>) {
    match store.backend() {
        Backend::Sqlite(pool) => {
            let tx = pool.begin_with("BEGIN IMMEDIATE").await.unwrap();
            during.await;
            tx.rollback().await.unwrap();
        }
        Backend::Postgres(pool) => {
            let mut tx = pool.begin().await.unwrap();
            sqlx::query("SELECT seq FROM chain_head WHERE id = 1 FOR UPDATE")
                .fetch_one(&mut *tx)
                .await
                .unwrap();
            during.await;
            tx.rollback().await.unwrap();
        }
    }
}

#[tokio::test]
async fn a_write_the_database_refuses_fails_alone_and_its_batch_still_lands() {
    each_backend(|store| async move {
        applied(&store).await;
        // A trigger that refuses one title stands in for a write the
        // database fails (a full disk, a broken constraint).
        let poison: &[&str] = match store.kind() {
            "sqlite" => &["CREATE TRIGGER poison BEFORE INSERT ON decisions WHEN NEW.title = 'poison' \
                 BEGIN SELECT RAISE(ABORT, 'poisoned'); END"],
            _ => &[
                "CREATE FUNCTION poison() RETURNS trigger AS $$ BEGIN \
                 IF NEW.title = 'poison' THEN RAISE EXCEPTION 'poisoned'; END IF; RETURN NEW; END \
                 $$ LANGUAGE plpgsql",
                "CREATE TRIGGER poison BEFORE INSERT ON decisions FOR EACH ROW EXECUTE FUNCTION poison()",
            ],
        };
        for sql in poison {
            store.raw(sql).await.unwrap();
        }
        let mut tasks = tokio::task::JoinSet::new();
        // While another transaction holds the write lock, the writer's
        // first batch waits and the other opens queue behind it, so the
        // poisoned one shares a batch with others (which batch is the
        // writer's to cut; every outcome below holds either way).
        while_write_locked(&store, async {
            for i in 0..8 {
                let store = store.clone();
                let title = if i == 7 { "poison".to_owned() } else { format!("incident {i}") };
                tasks.spawn(async move {
                    let opened = store.decisions().open(&incident(title.clone(), hours(i))).await;
                    (title, opened)
                });
            }
            tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        })
        .await;
        for (title, opened) in tasks.join_all().await {
            match opened {
                Ok(_) => assert_ne!(title, "poison"),
                Err(e) => {
                    assert_eq!(title, "poison");
                    assert_eq!(e.code(), "store", "{e}");
                }
            }
        }
        let report = store.verify().await.unwrap();
        assert_eq!((report.events, report.verified), (2 + 7, Verified::Intact));
    })
    .await;
}

/// Lets spawned tasks reach the writer's queue, in the order spawned.
async fn pause() {
    tokio::time::sleep(std::time::Duration::from_millis(60)).await;
}

#[tokio::test]
async fn a_batch_plans_each_write_on_what_the_writes_before_it_left() {
    each_backend(|store| async move {
        applied(&store).await;
        // Four architecture decisions decided by kim, a fifth about to be:
        // the spread rule (max_share 0.5, from five decisions) is one
        // decision away from passing kim over.
        for i in 0..4 {
            let d = architecture_past_check(&store, i).await;
            store
                .decisions()
                .act(
                    d.id,
                    &member("kim"),
                    &decide("postgres"),
                    hours(i * 30 + 26),
                )
                .await
                .unwrap();
        }
        let fifth = architecture_past_check(&store, 4).await;
        let discussed = store
            .decisions()
            .open(&architecture("ana", hours(190)))
            .await
            .unwrap();
        let roster = &discussed.resolution.roster;
        let mut voices: Vec<String> = roster.input.iter().chain(&roster.agree).cloned().collect();
        voices.push(discussed.decider.clone());
        voices.sort();
        voices.dedup();
        assert!(voices.len() >= 2, "{voices:?}");

        // While the write lock is held elsewhere, the writer's first batch
        // waits on it and what queues meanwhile forms the next batch, in
        // order: kim's fifth decision, an open the spread rule must now
        // route away from kim, and a position from each voice on one
        // decision, written as one row.
        let (mut decided, mut opened, mut positions) = (None, None, Vec::new());
        while_write_locked(&store, async {
            let first = store.clone();
            let first = tokio::spawn(async move {
                first
                    .decisions()
                    .open(&incident("first in line", hours(189)))
                    .await
            });
            pause().await;
            let s = store.clone();
            let id = fifth.id;
            decided = Some(tokio::spawn(async move {
                s.decisions()
                    .act(id, &member("kim"), &decide("postgres"), hours(146))
                    .await
            }));
            pause().await;
            let s = store.clone();
            opened = Some(tokio::spawn(async move {
                s.decisions().open(&architecture("ana", hours(200))).await
            }));
            pause().await;
            for voice in &voices {
                let (s, voice) = (store.clone(), voice.clone());
                let id = discussed.id;
                positions.push(tokio::spawn(async move {
                    let position = Action::Position(act::Position {
                        option: format!("{voice}'s choice"),
                        rationale: "experience".into(),
                        confidence: 3,
                        risk: None,
                        reversible: None,
                    });
                    s.decisions()
                        .act(id, &member(&voice), &position, hours(191))
                        .await
                }));
            }
            pause().await;
            drop(first);
        })
        .await;
        let decided = decided.unwrap().await.unwrap().unwrap();
        assert_eq!(decided.decided_by.as_deref(), Some("kim"));
        let opened = opened.unwrap().await.unwrap().unwrap();
        assert_eq!(
            opened.decider, "raj",
            "{:#?}",
            opened.resolution.explanation
        );
        for position in positions {
            position.await.unwrap().unwrap();
        }
        let discussed = store.decisions().get(discussed.id).await.unwrap();
        assert_eq!(discussed.positions.len(), voices.len());
        assert_eq!(discussed.version, 1 + voices.len() as i64);
        assert_eq!(
            store.decisions().events(discussed.id).await.unwrap().len(),
            1 + voices.len()
        );
        assert_eq!(store.verify().await.unwrap().verified, Verified::Intact);
    })
    .await;
}

#[tokio::test]
async fn a_writer_cancelled_while_waiting_for_the_lock_leaves_no_broken_connection() {
    each_backend(|store| async move {
        // PostgreSQL takes the write lock inside the batch's BEGIN; a wait
        // cancelled there (a lock_timeout, pg_cancel_backend) fails it.
        let Backend::Postgres(pool) = store.backend() else {
            return;
        };
        applied(&store).await;
        let incident = |i: i64| incident(format!("incident {i}"), hours(i));
        let mut open = None;
        while_write_locked(&store, async {
            let s = store.clone();
            open = Some(tokio::spawn(async move {
                s.decisions().open(&incident(0)).await
            }));
            // Wait (up to 10 s) for the writer to wait for the lock.
            let mut cancelled: Vec<(bool,)> = Vec::new();
            for _ in 0..200 {
                cancelled = sqlx::query_as(
                    "SELECT pg_cancel_backend(pid) FROM pg_stat_activity \
                     WHERE datname = current_database() AND wait_event_type = 'Lock'",
                )
                .fetch_all(pool)
                .await
                .unwrap();
                if !cancelled.is_empty() {
                    break;
                }
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
            assert_eq!(cancelled, vec![(true,)], "the writer waits for the lock");
            pause().await;
        })
        .await;
        // The batch is run again once the lock is free.
        let first = open.unwrap().await.unwrap().unwrap();
        // Every pooled connection still works: reads cycle through them.
        for i in 1..=20 {
            store.decisions().get(first.id).await.unwrap();
            store.decisions().open(&incident(i)).await.unwrap();
        }
        assert_eq!(store.verify().await.unwrap().verified, Verified::Intact);
    })
    .await;
}

#[tokio::test]
async fn every_event_about_a_decision_is_of_a_kind_subscribers_can_name() {
    each_backend(|store| async move {
        // The demo's six months use every action and deadline there is.
        let now = hours(24 * 200);
        baton_fixtures::seed::seed(&store, now, |_, _| {})
            .await
            .unwrap();
        let some = store
            .decisions()
            .list(&DecisionFilter::default())
            .await
            .unwrap()[0]
            .id;
        store
            .feedback()
            .create_poll("platform", "Will it hold?", None, Some(some), "ana", now)
            .await
            .unwrap();
        let catalog = store.catalog(false).await.unwrap();
        let record = store.decisions().get(some).await.unwrap();
        let items = std::iter::once(baton_store::transfer::Unchecked::record(
            baton_store::transfer::Place {
                n: 1,
                record: false,
            },
            record,
        ));
        let options = baton_store::ImportOptions {
            source: "test".into(),
            at: now,
            dry_run: false,
        };
        store
            .import(items, &catalog, &options, |_| {})
            .await
            .unwrap();
        let mut kinds = std::collections::BTreeSet::new();
        let mut after = 0;
        loop {
            let page = store.decisions().audit(after, 1_000, None).await.unwrap();
            let Some(last) = page.last() else { break };
            after = last.event.seq;
            kinds.extend(
                page.iter()
                    .filter(|e| e.decision.is_some())
                    .map(|e| e.event.kind.clone()),
            );
        }
        let unknown: Vec<&String> = kinds
            .iter()
            .filter(|k| {
                !baton_core::lifecycle::EventKind::parse(k)
                    .is_some_and(baton_core::lifecycle::EventKind::about_decisions)
            })
            .collect();
        assert!(
            unknown.is_empty(),
            "{unknown:?} are written but cannot be filtered on"
        );
        assert!(kinds.len() >= 10, "{kinds:?}");
    })
    .await;
}

#[tokio::test]
async fn a_batch_whose_write_misses_a_row_is_rerun_and_only_that_change_refused() {
    each_backend(|store| async move {
        applied(&store).await;
        // A trigger that silently skips one decision's updates stands in
        // for a row the batch's write did not reach.
        let skip: &[&str] = match store.kind() {
            "sqlite" => &["CREATE TRIGGER skip BEFORE UPDATE ON decisions WHEN OLD.title = 'skipped' \
                 BEGIN SELECT RAISE(IGNORE); END"],
            _ => &[
                "CREATE FUNCTION skip() RETURNS trigger AS $$ BEGIN \
                 IF OLD.title = 'skipped' THEN RETURN NULL; END IF; RETURN NEW; END \
                 $$ LANGUAGE plpgsql",
                "CREATE TRIGGER skip BEFORE UPDATE ON decisions FOR EACH ROW EXECUTE FUNCTION skip()",
            ],
        };
        let mut opened = Vec::new();
        for (i, title) in ["incident 0", "incident 1", "skipped", "incident 3"]
            .into_iter()
            .enumerate()
        {
            opened.push(store.decisions().open(&incident(title, hours(i as i64))).await.unwrap());
        }
        for sql in skip {
            store.raw(sql).await.unwrap();
        }
        let mut tasks = tokio::task::JoinSet::new();
        while_write_locked(&store, async {
            for d in &opened {
                let (s, d) = (store.clone(), d.clone());
                tasks.spawn(async move {
                    let decided = s
                        .decisions().act(d.id, &member(&d.decider), &decide("restart"), hours(30))
                        .await;
                    (d, decided)
                });
            }
            pause().await;
        })
        .await;
        for (d, decided) in tasks.join_all().await {
            if d.title == "skipped" {
                assert!(matches!(decided, Err(StoreError::Conflict(id)) if id == d.id), "{decided:?}");
                assert_eq!(store.decisions().get(d.id).await.unwrap().status, Status::Routed);
            } else {
                assert_eq!(decided.unwrap().status, Status::Decided);
            }
        }
        let report = store.verify().await.unwrap();
        // Two applies, four opens, three decides.
        assert_eq!((report.events, report.verified), (2 + 4 + 3, Verified::Intact));
    })
    .await;
}

#[tokio::test]
async fn a_commit_that_fails_is_reported_as_of_unknown_outcome_and_not_rerun() {
    each_backend(|store| async move {
        // A deferred constraint trigger fails the commit itself; only
        // PostgreSQL has them.
        if store.kind() != "postgres" {
            return;
        }
        applied(&store).await;
        let d = store.decisions().open(&incident("Disk full", hours(0))).await.unwrap();
        for sql in [
            "CREATE FUNCTION refuse_decided() RETURNS trigger AS $$ BEGIN \
             IF NEW.kind = 'decided' THEN RAISE EXCEPTION 'refused at commit'; END IF; RETURN NULL; END \
             $$ LANGUAGE plpgsql",
            "CREATE CONSTRAINT TRIGGER refuse_decided AFTER INSERT ON events \
             DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION refuse_decided()",
        ] {
            store.raw(sql).await.unwrap();
        }
        let err = store
            .decisions()
            .act(d.id, &member(&d.decider), &decide("restart"), hours(1))
            .await
            .unwrap_err();
        assert!(err.to_string().contains("may or may not have taken effect"), "{err}");
        // Rolled back, and not tried again behind the caller's back.
        assert_eq!(store.decisions().get(d.id).await.unwrap().status, Status::Routed);
        assert_eq!(store.decisions().events(d.id).await.unwrap().len(), 1);
        store.decisions().open(&incident("after", hours(2))).await.unwrap();
        assert_eq!(store.verify().await.unwrap().verified, Verified::Intact);
    })
    .await;
}

#[tokio::test]
async fn concurrent_decides_leave_exactly_one_winner() {
    each_backend(|store| async move {
        applied(&store).await;
        let d = store
            .decisions()
            .open(&incident("Move sessions to Postgres", t0()))
            .await
            .unwrap();
        let mut tasks = Vec::new();
        for i in 0..8 {
            let store = store.clone();
            let decider = d.decider.clone();
            tasks.push(tokio::spawn(async move {
                store
                    .decisions()
                    .act(
                        d.id,
                        &member(&decider),
                        &decide(&format!("option-{i}")),
                        hours(1),
                    )
                    .await
            }));
        }
        let mut won = 0;
        for t in tasks {
            match t.await.unwrap() {
                Ok(_) => won += 1,
                Err(e) => assert_eq!(e.code(), "conflict", "{e}"),
            }
        }
        assert_eq!(won, 1);
        assert_eq!(store.decisions().events(d.id).await.unwrap().len(), 2);
        assert_eq!(store.verify().await.unwrap().verified, Verified::Intact);
    })
    .await;
}

#[tokio::test]
async fn a_tick_before_anything_is_applied_finds_nothing_due() {
    each_backend(|store| async move {
        assert!(store.decisions().tick(hours(0)).await.unwrap().is_empty());
        applied(&store).await;
        assert!(store.decisions().tick(hours(1)).await.unwrap().is_empty());
    })
    .await;
}

#[tokio::test]
async fn ticks_are_idempotent_even_when_run_at_once() {
    each_backend(|store| async move {
        applied(&store).await;
        let d = store
            .decisions()
            .open(&architecture("ana", t0()))
            .await
            .unwrap();
        let (a, b) = tokio::join!(
            store.decisions().tick(hours(73)),
            store.decisions().tick(hours(73))
        );
        assert_eq!(a.unwrap().len() + b.unwrap().len(), 1);
        assert!(store.decisions().tick(hours(74)).await.unwrap().is_empty());
        let d = store.decisions().get(d.id).await.unwrap();
        assert_eq!((d.status, d.decider.as_str()), (Status::Escalated, "dana"));
        let kinds: Vec<String> = store
            .decisions()
            .events(d.id)
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.kind)
            .collect();
        assert_eq!(kinds, ["opened", "check_closed", "escalated"]);
    })
    .await;
}

#[tokio::test]
async fn listing_filters_by_team_type_status_decider_and_text() {
    each_backend(|store| async move {
        applied(&store).await;
        store
            .decisions()
            .open(&architecture("ana", t0()))
            .await
            .unwrap();
        store
            .decisions()
            .open(&incident("Disk full on db-3", t0()))
            .await
            .unwrap();
        let all = store
            .decisions()
            .list(&DecisionFilter::default())
            .await
            .unwrap();
        assert_eq!(all.iter().map(|d| d.id.get()).collect::<Vec<_>>(), [2, 1]);
        let titles = |filter: DecisionFilter| {
            let store = store.clone();
            async move {
                store
                    .decisions()
                    .list(&filter)
                    .await
                    .unwrap()
                    .into_iter()
                    .map(|d| d.title)
                    .collect::<Vec<_>>()
            }
        };
        let f = DecisionFilter::default;
        assert_eq!(
            titles(DecisionFilter {
                decision_type: Some("incident".into()),
                ..f()
            })
            .await,
            ["Disk full on db-3"]
        );
        assert_eq!(
            titles(DecisionFilter {
                text: Some("DISK".into()),
                ..f()
            })
            .await,
            ["Disk full on db-3"]
        );
        assert_eq!(
            titles(DecisionFilter {
                status: Some(Status::Checking),
                ..f()
            })
            .await,
            ["Move sessions to Postgres"]
        );
        assert_eq!(
            titles(DecisionFilter {
                decider: Some("kim".into()),
                ..f()
            })
            .await,
            ["Move sessions to Postgres"]
        );
        assert_eq!(
            titles(DecisionFilter {
                limit: Some(1),
                offset: Some(1),
                ..f()
            })
            .await,
            ["Move sessions to Postgres"]
        );
    })
    .await;
}

#[tokio::test]
async fn a_bad_store_url_is_named() {
    let err = Store::connect("mysql://x").await.unwrap_err();
    assert!(
        err.to_string().contains("`mysql://x` is not a store URL"),
        "{err}"
    );
}

#[tokio::test]
async fn outcomes_feed_track_records_and_reviews_come_due() {
    each_backend(|store| async move {
        applied(&store).await;
        let d = store
            .decisions()
            .open(&incident("Move sessions to Postgres", t0()))
            .await
            .unwrap();
        let decide = Action::Decide(act::Decide {
            option: "restart".into(),
            rationale: "fastest".into(),
            override_reason: None,
            review_on: Some(chrono::NaiveDate::from_ymd_opt(2026, 3, 10).unwrap()),
        });
        store
            .decisions()
            .act(d.id, &member(&d.decider), &decide, hours(1))
            .await
            .unwrap();
        assert!(
            store
                .decisions()
                .reviews_due(hours(24))
                .await
                .unwrap()
                .is_empty()
        );
        assert_eq!(
            store
                .decisions()
                .reviews_due(hours(24 * 9))
                .await
                .unwrap()
                .len(),
            1
        );
        let outcome = Action::Outcome(act::Outcome {
            result: baton_core::lifecycle::OutcomeResult::Success,
            notes: String::new(),
        });
        store
            .decisions()
            .act(d.id, &member(&d.decider), &outcome, hours(24 * 9))
            .await
            .unwrap();
        assert!(
            store
                .decisions()
                .reviews_due(hours(24 * 9))
                .await
                .unwrap()
                .is_empty()
        );
        let guide = store.guide("platform").await.unwrap();
        let state = store.org_state(&guide, hours(24 * 9)).await.unwrap();
        assert!((state.track_record(&d.decider, "operations") - 2.0 / 3.0).abs() < 1e-9);
    })
    .await;
}

#[tokio::test]
async fn several_teams_share_one_directory_each_with_its_own_guide() {
    each_backend(|store| async move {
        let web = "version: 1\nteam: web\ndecision_types:\n  design: {domains: [frontend]}\nrules:\n  - {id: frontend-experts, authority: {expertise: {domain: frontend, min_level: 3}}}\n";
        let applied = store
            .apply(Some(("org.yaml", examples::ORG)), &[("deference.yaml", examples::GUIDE), ("web.yaml", web)], t0())
            .await
            .unwrap();
        assert_eq!(applied.guides.iter().map(|g| g.team.as_str()).collect::<Vec<_>>(), ["platform", "web"]);
        assert_eq!(store.teams().await.unwrap(), ["platform", "web"]);
        let design = Opening { team: "web".into(), decision_type: "design".into(), ..architecture("kim", t0()) };
        let d = store.decisions().open(&design).await.unwrap();
        assert_eq!((d.team.as_str(), d.decider.as_str()), ("web", "ana"));
        let err = store.decisions().open(&Opening { team: "mobile".into(), ..design }).await.unwrap_err();
        assert_eq!(err.code(), "not_found");
    })
    .await;
}

#[tokio::test]
async fn spread_reads_recent_decisions_from_the_log() {
    each_backend(|store| async move {
        applied(&store).await;
        // The architecture rule spreads authority: max_share 0.5 over 30
        // days, once there are at least five decisions.
        for i in 0..5 {
            let d = architecture_past_check(&store, i).await;
            let d = store
                .decisions()
                .act(
                    d.id,
                    &member("kim"),
                    &decide("postgres"),
                    hours(i * 30 + 26),
                )
                .await
                .unwrap();
            assert_eq!(d.decided_by.as_deref(), Some("kim"));
        }
        let next = store
            .decisions()
            .open(&architecture("ana", hours(200)))
            .await
            .unwrap();
        assert_eq!(next.decider, "raj", "{:#?}", next.resolution.explanation);
        assert!(
            next.resolution.roster.input.contains(&"kim".to_owned()),
            "kim is paired as a consultant"
        );
    })
    .await;
}

/// When an architecture request at t0 escalates, as `store` routes it now.
async fn escalation_deadline(store: &Store) -> DateTime<Utc> {
    let guide = store.guide("platform").await.unwrap();
    let request = baton_core::Request {
        decision_type: "architecture".into(),
        title: String::new(),
        context: serde_json::json!({}),
        requester: Some("ana".into()),
        at: t0(),
    };
    baton_core::resolve(&guide, &baton_core::OrgState::default(), &request)
        .unwrap()
        .escalation
        .unwrap()
        .deadline
}

#[tokio::test]
async fn a_watching_replica_hears_new_guides_by_notify_and_trusts_its_cache_between() {
    let Ok(admin) = std::env::var("BATON_TEST_DATABASE_URL") else {
        // One SQLite file has no replicas: `watch` is a no-op there.
        let t = sqlite().await;
        assert!(t.store.watch().await.unwrap().is_none());
        return;
    };
    let t = postgres(&admin).await;
    let a = t.store.clone();
    applied(&a).await;
    let b = Store::connect(&t.url).await.unwrap();
    let listener = b.watch().await.unwrap().expect("a listener on PostgreSQL");
    assert_eq!(escalation_deadline(&b).await, hours(72));

    // A version written behind baton's back sends no notice: the watching
    // replica keeps the versions it knows (no query per read), while a
    // replica that does not watch asks and sees it.
    a.raw("INSERT INTO guide_versions (id, team, digest, body, org_version, applied_at) \
           SELECT id + 1, team, digest || '-raw', REPLACE(body, 'escalate: {after: 72h', 'escalate: {after: 96h'), org_version, applied_at \
           FROM guide_versions WHERE id = (SELECT MAX(id) FROM guide_versions)")
        .await
        .unwrap();
    assert_eq!(escalation_deadline(&b).await, hours(72));
    let c = Store::connect(&t.url).await.unwrap();
    assert_eq!(escalation_deadline(&c).await, hours(96));

    // An apply through another replica notifies on commit.
    let guide = examples::GUIDE.replace("escalate: {after: 72h", "escalate: {after: 120h");
    a.apply(None, &[("deference.yaml", &guide)], hours(1))
        .await
        .unwrap();
    let started = std::time::Instant::now();
    while escalation_deadline(&b).await != hours(120) {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(1),
            "the watching replica did not hear of the new guide within a second"
        );
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    listener.abort();
    b.close().await;
    c.close().await;
    t.drop_database().await;
}

#[tokio::test]
async fn a_snapshot_taken_after_a_write_sees_it_even_when_shared() {
    each_backend(|store| async move {
        applied(&store).await;
        // Many tasks write and then read at once: each one's snapshot must
        // include its own write, although snapshots are shared reads.
        let mut tasks = Vec::new();
        for i in 0..24 {
            let store = store.clone();
            tasks.push(tokio::spawn(async move {
                let d = store
                    .decisions()
                    .open(&architecture("ana", hours(i)))
                    .await
                    .unwrap();
                let snap = store.snapshot().await.unwrap();
                let found = store.decision_at(d.id, snap).await.unwrap();
                assert_eq!(found.0.id, d.id);
                let events = store.decisions().events(d.id).await.unwrap();
                assert!(
                    snap.seq() >= events[0].seq,
                    "the snapshot predates the write"
                );
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }

        // What is cached at a position is replaced when the chain moves.
        let (_, secret) = store
            .tokens()
            .create_token("ana", Role::Member, t0())
            .await
            .unwrap();
        let snap = store.snapshot().await.unwrap();
        let info = store.authenticate_at(&secret, snap).await.unwrap().unwrap();
        assert!(
            store
                .authenticate_at(&secret, snap)
                .await
                .unwrap()
                .is_some()
        );
        assert!(store.tokens().revoke_token(info.id, t0()).await.unwrap());
        let after = store.snapshot().await.unwrap();
        assert!(after.seq() > snap.seq());
        assert!(
            store
                .authenticate_at(&secret, after)
                .await
                .unwrap()
                .is_none()
        );

        let d = store
            .decisions()
            .open(&architecture("ana", hours(100)))
            .await
            .unwrap();
        let snap = store.snapshot().await.unwrap();
        assert_eq!(
            store.decision_at(d.id, snap).await.unwrap().0.status,
            Status::Checking
        );
        store
            .decisions()
            .act(d.id, &member("ana"), &Action::Withdraw, hours(101))
            .await
            .unwrap();
        let snap = store.snapshot().await.unwrap();
        assert_eq!(
            store.decision_at(d.id, snap).await.unwrap().0.status,
            Status::Withdrawn
        );
    })
    .await;
}

#[tokio::test]
async fn a_webhook_cursor_moves_past_events_about_no_decision() {
    each_backend(|store| async move {
        applied(&store).await;
        store
            .webhooks()
            .subscribe_webhook(
                "http://127.0.0.1:9/hook",
                "http://127.0.0.1:9",
                &[],
                None,
                "dana",
                t0(),
            )
            .await
            .unwrap();
        // Events about no decision: nothing to send, but the cursor must
        // not stay behind them.
        store
            .tokens()
            .create_token("ana", Role::Member, t0())
            .await
            .unwrap();
        assert_eq!(
            store
                .webhooks()
                .queue_deliveries(hours(1), 100)
                .await
                .unwrap(),
            0
        );
        let behind = match store.backend() {
            Backend::Sqlite(pool) => sqlx::query_scalar::<_, i64>(BEHIND).fetch_one(pool).await,
            Backend::Postgres(pool) => sqlx::query_scalar::<_, i64>(BEHIND).fetch_one(pool).await,
        }
        .unwrap();
        assert_eq!(behind, 0, "a cursor is still behind the chain head");
        // A decision event after them is still sent.
        store
            .decisions()
            .open(&architecture("ana", hours(2)))
            .await
            .unwrap();
        assert_eq!(
            store
                .webhooks()
                .queue_deliveries(hours(2), 100)
                .await
                .unwrap(),
            1
        );
    })
    .await;
}

/// How many live webhook cursors are behind the chain head.
const BEHIND: &str = "SELECT COUNT(*) FROM webhooks WHERE deleted_at IS NULL AND cursor <= (SELECT seq FROM chain_head WHERE id = 1)";

#[tokio::test]
async fn a_lapsed_webhook_claim_cannot_overwrite_the_new_claimers_result() {
    use baton_store::webhooks::Attempt;
    each_backend(|store| async move {
        applied(&store).await;
        let (hook, _) = store
            .webhooks()
            .subscribe_webhook(
                "http://127.0.0.1:9/hook",
                "http://127.0.0.1:9",
                &["opened".into()],
                None,
                "dana",
                t0(),
            )
            .await
            .unwrap();
        store
            .decisions()
            .open(&architecture("ana", hours(1)))
            .await
            .unwrap();
        assert_eq!(
            store
                .webhooks()
                .queue_deliveries(hours(1), 100)
                .await
                .unwrap(),
            1
        );
        assert_eq!(
            store
                .webhooks()
                .queue_deliveries(hours(1), 100)
                .await
                .unwrap(),
            0,
            "queued once"
        );

        // Replica A claims with a lease that runs out before it reports.
        let a = store
            .webhooks()
            .claim_deliveries(hours(2), hours(2) + TimeDelta::seconds(20), 10)
            .await
            .unwrap();
        assert_eq!(a.len(), 1);
        assert!(
            store
                .webhooks()
                .claim_deliveries(hours(2), hours(3), 10)
                .await
                .unwrap()
                .is_empty(),
            "claimed"
        );
        let b = store
            .webhooks()
            .claim_deliveries(hours(3), hours(3) + TimeDelta::seconds(20), 10)
            .await
            .unwrap();
        assert_eq!(b.len(), 1, "the lapsed claim is taken over");

        assert!(
            store
                .webhooks()
                .record_attempt(&b[0], &Attempt::Delivered { status: 200 }, hours(3))
                .await
                .unwrap()
        );
        let failed = Attempt::Failed {
            status: Some(500),
            error: "late".into(),
            retry_at: Some(hours(4)),
        };
        assert!(
            !store
                .webhooks()
                .record_attempt(&a[0], &failed, hours(3))
                .await
                .unwrap()
        );
        let deliveries = store.webhooks().deliveries(hook.id, 10).await.unwrap();
        assert_eq!(deliveries[0].status, "delivered");
        assert_eq!(deliveries[0].attempts, 1);
    })
    .await;
}

#[tokio::test]
async fn a_directory_that_breaks_a_stored_guide_is_refused() {
    each_backend(|store| async move {
        applied(&store).await;
        // Sam holds the guide's security-lead role.
        let without_sam: String = examples::ORG
            .lines()
            .filter(|l| !l.contains("id: sam") && !l.contains("of: sam"))
            .collect::<Vec<_>>()
            .join("\n");
        let err = store
            .apply(Some(("org.yaml", &without_sam)), &[], hours(1))
            .await
            .unwrap_err();
        let message = err.to_string();
        assert!(
            message.contains("stored guide of team platform"),
            "{message}"
        );
        assert!(message.contains("sam"), "{message}");
        let (version, _) = store.latest_org().await.unwrap().unwrap();
        assert_eq!(version, 1, "nothing was stored");
    })
    .await;
}

#[tokio::test]
async fn a_directory_derived_from_an_older_version_is_a_conflict() {
    each_backend(|store| async move {
        applied(&store).await;
        let (base, text) = store.latest_org().await.unwrap().unwrap();
        let admin_edit = format!("{text}\n# an admin's edit\n");
        store
            .apply(Some(("org.yaml", &admin_edit)), &[], hours(1))
            .await
            .unwrap();
        let endorsed = format!("{text}\n# an endorsement made from version {base}\n");
        let err = store
            .apply_over(Some(base), Some(("org.yaml", &endorsed)), &[], hours(2))
            .await
            .unwrap_err();
        assert_eq!(err.code(), "conflict", "{err}");
        let (latest, kept) = store.latest_org().await.unwrap().unwrap();
        assert_eq!(
            (latest, kept),
            (base + 1, admin_edit),
            "the admin's edit stands"
        );
    })
    .await;
}
