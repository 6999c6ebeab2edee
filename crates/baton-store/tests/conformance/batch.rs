//! Group commit: batches, the write lock, failures and reruns.

use crate::support::*;

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
