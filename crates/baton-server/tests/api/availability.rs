//! Breaks and hand-offs over the API: each changes who decides at once,
//! stays through `apply` of the files, and is refused to whoever may not.

use crate::common::*;

/// Who decides a platform incident now.
async fn incident_decider(app: &App) -> String {
    let (status, r) = app
        .post(
            "ana",
            "/api/v1/resolve",
            json!({"team": "platform", "type": "incident"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{r}");
    r["decider"].as_str().unwrap().to_owned()
}

/// The end of kim's on-call shift at the pinned clock (Wednesday
/// 2026-04-01; weekly from 2026-01-01).
const SHIFT_END: &str = "2026-04-02T00:00:00Z";

#[tokio::test]
async fn an_accepted_hand_off_changes_who_decides_and_stays_through_apply() {
    each_backend(|app| async move {
        assert_eq!(incident_decider(&app).await, "kim");
        let offer = json!({
            "team": "platform", "rotation": "on-call", "colleague": "lee",
            "from": PINNED, "to": SHIFT_END, "note": "dentist"
        });
        let (status, refused) = app.post("raj", "/api/v1/handoffs", offer.clone()).await;
        assert_eq!(
            status,
            StatusCode::FORBIDDEN,
            "raj does not hold it: {refused}"
        );
        assert!(
            refused["detail"].as_str().unwrap().contains("kim from"),
            "{refused}"
        );

        let (status, h) = app.post("kim", "/api/v1/handoffs", offer).await;
        assert_eq!(status, StatusCode::CREATED, "{h}");
        assert_eq!(h["status"], "offered");
        let id = h["id"].as_i64().unwrap();
        assert_eq!(incident_decider(&app).await, "kim", "not until lee accepts");
        let (_, waiting) = app.get("lee", "/api/v1/me/waiting").await;
        assert_eq!(waiting["handoffs"][0]["id"], id, "{waiting}");

        let (status, _) = app
            .post("raj", &format!("/api/v1/handoffs/{id}/accept"), json!({}))
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "only lee answers");
        let (status, accepted) = app
            .post("lee", &format!("/api/v1/handoffs/{id}/accept"), json!({}))
            .await;
        assert_eq!(status, StatusCode::OK, "{accepted}");
        assert_eq!(accepted["status"], "accepted");
        assert_eq!(incident_decider(&app).await, "lee");
        let (status, again) = app
            .post("lee", &format!("/api/v1/handoffs/{id}/decline"), json!({}))
            .await;
        assert_eq!(status, StatusCode::CONFLICT, "{again}");

        // Applying the files from git again, changed or not, keeps it.
        let changed = format!("{}# reviewed\n", examples::GUIDE);
        for guide in [examples::GUIDE, changed.as_str()] {
            app.service
                .apply(
                    Some(("org.yaml", examples::ORG)),
                    &[("deference.yaml", guide)],
                    app.now(),
                )
                .await
                .unwrap();
            assert_eq!(incident_decider(&app).await, "lee");
        }
        // Replaying the guide in force reproduces lee: hand-offs stand
        // under a replayed guide as they do under the stored one.
        let opened = app.open_incident("Queue backlog").await;
        assert_eq!(opened["decider"], "lee");
        let resp = app
            .http
            .post(format!("{}/api/v1/teams/platform/replay", app.base))
            .bearer_auth(&app.tokens["dana"])
            .body(changed.clone())
            .send()
            .await
            .unwrap();
        let replayed: Value = resp.json().await.unwrap();
        assert_eq!(replayed["replayed"], 1, "{replayed}");
        assert_eq!(replayed["changed"], 0, "{replayed}");
        let (_, listed) = app.get("sam", "/api/v1/handoffs?person=lee").await;
        assert_eq!(listed.as_array().unwrap().len(), 1, "{listed}");

        let (_, verified) = app.get("dana", "/api/v1/audit/verify").await;
        assert_eq!(verified["verified"]["status"], "intact", "{verified}");
    })
    .await;
}

#[tokio::test]
async fn a_break_takes_a_person_out_of_deciding_until_it_ends() {
    each_backend(|app| async move {
        let tomorrow = "2026-04-02T09:00:00Z";
        let (status, refused) = app
            .post(
                "ana",
                "/api/v1/breaks",
                json!({"person": "kim", "from": PINNED, "to": tomorrow}),
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{refused}");
        let (status, past) = app
            .post(
                "kim",
                "/api/v1/breaks",
                json!({"from": "2026-03-01T00:00:00Z", "to": tomorrow}),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{past}");
        assert!(
            past["detail"].as_str().unwrap().contains("in the past"),
            "{past}"
        );

        let (status, b) = app
            .post(
                "kim",
                "/api/v1/breaks",
                json!({"from": PINNED, "to": tomorrow, "reason": "deference fatigue"}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{b}");
        assert_eq!(b["person"], "kim");
        let (_, r) = app
            .post(
                "ana",
                "/api/v1/resolve",
                json!({"team": "platform", "type": "incident"}),
            )
            .await;
        assert_ne!(r["decider"], "kim", "{r}");
        assert!(r.to_string().contains("unavailable"), "{r}");

        app.service
            .apply(
                Some(("org.yaml", examples::ORG)),
                &[("deference.yaml", examples::GUIDE)],
                app.now(),
            )
            .await
            .unwrap();
        assert_ne!(incident_decider(&app).await, "kim", "apply keeps the break");

        let id = b["id"].as_i64().unwrap();
        let (status, ended) = app
            .post("kim", &format!("/api/v1/breaks/{id}/end"), json!({}))
            .await;
        assert_eq!(status, StatusCode::OK, "{ended}");
        assert!(!ended["ended_at"].is_null());
        assert_eq!(incident_decider(&app).await, "kim");
        let (status, _) = app
            .post("kim", &format!("/api/v1/breaks/{id}/end"), json!({}))
            .await;
        assert_eq!(status, StatusCode::CONFLICT);

        let (status, for_raj) = app
            .post(
                "dana",
                "/api/v1/breaks",
                json!({"person": "raj", "from": PINNED, "to": tomorrow}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "an admin may: {for_raj}");
        let (_, listed) = app.get("sam", "/api/v1/breaks").await;
        assert_eq!(listed.as_array().unwrap().len(), 2, "{listed}");
    })
    .await;
}
