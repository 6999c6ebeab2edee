//! A decision's life through the store: acting, refusing, ticking,
//! outcomes, listing.

use crate::support::*;

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
                .reviews_due(hours(24), &d.decider)
                .await
                .unwrap()
                .is_empty()
        );
        assert_eq!(
            store
                .decisions()
                .reviews_due(hours(24 * 9), &d.decider)
                .await
                .unwrap()
                .len(),
            1
        );
        assert!(
            store
                .decisions()
                .reviews_due(hours(24 * 9), "someone-else")
                .await
                .unwrap()
                .is_empty(),
            "only the decider's reviews are theirs"
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
                .reviews_due(hours(24 * 9), &d.decider)
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
