//! The directory and guides: applying, versions, replicas and snapshots.

use crate::support::*;

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
async fn several_teams_share_one_directory_each_with_its_own_guide() {
    each_backend(|store| async move {
        let web = "version: 1\nteam: web\ndecision_types:\n  design: {domains: [frontend]}\nrules:\n  - {id: frontend-experts, authority: {expertise: {domain: frontend, min_level: 3}}}\n";
        // ana works on both teams; a guide needs its team to have members.
        let org = examples::ORG.replace(
            "manager: omar, teams: [platform], expertise: {product: 2, frontend: 4}",
            "manager: omar, teams: [platform, web], expertise: {product: 2, frontend: 4}",
        );
        assert_ne!(org, examples::ORG);
        let applied = store
            .apply(Some(("org.yaml", &org)), &[("deference.yaml", examples::GUIDE), ("web.yaml", web)], t0())
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

#[tokio::test]
async fn a_break_taken_or_ended_is_a_change_of_versions_for_the_projection() {
    each_backend(|store| async move {
        store
            .apply(
                Some(("org.yaml", examples::ORG)),
                &[("deference.yaml", examples::GUIDE)],
                t0(),
            )
            .await
            .unwrap();
        let seen = store.changes_since(0).await.unwrap().head;
        assert!(!store.changes_since(seen).await.unwrap().versions);
        let taken = store
            .availability()
            .take_break(
                &baton_store::availability::NewBreak {
                    person: "kim".into(),
                    from: t0(),
                    to: t0() + chrono::TimeDelta::days(7),
                    reason: "tired".into(),
                },
                "kim",
                t0(),
            )
            .await
            .unwrap();
        let changes = store.changes_since(seen).await.unwrap();
        assert!(changes.versions, "the directory lies under a new break");
        assert!(changes.decisions.is_empty());
        store
            .availability()
            .end_break(taken.id, "kim", t0() + chrono::TimeDelta::days(1), |_| {
                Ok(())
            })
            .await
            .unwrap();
        assert!(store.changes_since(changes.head).await.unwrap().versions);
    })
    .await;
}
