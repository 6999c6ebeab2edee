//! The org state the resolver reads from the log: load and spread.

use crate::support::*;

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
