//! Webhook cursors and claims over the audit log.

use crate::support::*;

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
            exclusive: false,
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
