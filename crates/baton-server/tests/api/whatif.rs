//! Pilots and replay over HTTP: trying a guide before and after adopting it.

use crate::common::*;

async fn text_post(app: &App, who: &str, path: &str, body: &str) -> (StatusCode, Value) {
    let resp = app
        .http
        .post(format!("{}{path}", app.base))
        .bearer_auth(&app.tokens[who])
        .body(body.to_owned())
        .send()
        .await
        .unwrap();
    let status = resp.status();
    let text = resp.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

#[tokio::test]
async fn a_pilot_is_started_by_an_admin_listed_and_reported_with_intervals() {
    each_backend(|app| async move {
        let (_, decision) = app
            .post(
                "ana",
                "/api/v1/resolve",
                json!({"team": "platform", "type": "incident"}),
            )
            .await;
        let version = decision["guide_version"].as_str().unwrap().to_owned();
        let now = app.now();
        let body = json!({
            "team": "platform", "types": ["incident"], "guide_version": version,
            "from": now - chrono::Duration::days(7), "to": now + chrono::Duration::days(21),
        });
        // A member may not start one; a viewer even less.
        let (status, refused) = app.post("ana", "/api/v1/pilots", body.clone()).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{refused}");
        let (status, pilot) = app.post("dana", "/api/v1/pilots", body.clone()).await;
        assert_eq!(status, StatusCode::CREATED, "{pilot}");
        assert_eq!(pilot["team"], "platform");
        assert_eq!(pilot["created_by"], "dana");
        let id = pilot["id"].as_i64().unwrap();

        app.open_and_decide("Disk full", json!({"option": "fix", "rationale": "r"}))
            .await;
        let (status, list) = app.get("sam", "/api/v1/pilots").await;
        assert_eq!(status, StatusCode::OK, "{list}");
        assert_eq!(list.as_array().unwrap().len(), 1);
        let (status, report) = app.get("sam", &format!("/api/v1/pilots/{id}/report")).await;
        assert_eq!(status, StatusCode::OK, "{report}");
        assert_eq!(report["pilot"]["id"], id);
        assert_eq!(report["periods"]["pilot"]["decided"], 1);
        assert_eq!(report["periods"]["baseline"]["label"], "baseline");
        assert_eq!(report["resamples"], 10_000);
        // One decision is not evidence.
        for c in report["comparisons"].as_array().unwrap() {
            assert_eq!(c["verdict"], "inconclusive", "{c}");
            assert!(c["interval"].is_null());
        }

        let (status, _) = app.get("sam", "/api/v1/pilots/99/report").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        for (change, needle) in [
            (json!({"types": ["architecure"]}), "architecure"),
            (
                json!({"guide_version": format!("sha256:{}", "0".repeat(64))}),
                "not a version",
            ),
            (json!({"to": now - chrono::Duration::days(30)}), "before"),
            (json!({"control": "platform"}), "another team"),
        ] {
            let mut bad = body.clone();
            for (k, v) in change.as_object().unwrap() {
                bad[k] = v.clone();
            }
            let (status, problem) = app.post("dana", "/api/v1/pilots", bad).await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
            assert!(
                problem["detail"].as_str().unwrap().contains(needle),
                "{problem}"
            );
        }
        let (status, problem) = app
            .post("dana", "/api/v1/pilots", json!({"team": "platform"}))
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{problem}");
    })
    .await;
}

#[tokio::test]
async fn a_replay_reports_what_a_new_guide_would_have_routed_elsewhere() {
    each_backend(|app| async move {
        for title in ["Disk full", "Cert expiry", "Queue backlog"] {
            app.open_and_decide(title, json!({"option": "fix", "rationale": "r"}))
                .await;
        }
        // The guide in force changes nothing.
        let (status, same) =
            text_post(&app, "sam", "/api/v1/teams/platform/replay", examples::GUIDE).await;
        assert_eq!(status, StatusCode::OK, "{same}");
        assert_eq!((same["replayed"].as_u64(), same["changed"].as_u64()), (Some(3), Some(0)), "{same}");
        // Incidents to dana instead of whoever is on call.
        let to_dana = examples::GUIDE.replace(
            "rules:\n",
            "rules:\n  - id: incidents-to-dana\n    types: [incident]\n    authority: {person: dana}\n",
        );
        let (status, moved) =
            text_post(&app, "sam", "/api/v1/teams/platform/replay", &to_dana).await;
        assert_eq!(status, StatusCode::OK, "{moved}");
        assert_eq!(moved["changed"], 3, "{moved}");
        assert!(moved["moved"].as_array().unwrap().iter().all(|m| m["after"] == "dana"));
        assert_eq!(moved["by_type"][0]["type"], "incident");

        let (status, problem) =
            text_post(&app, "sam", "/api/v1/teams/payments/replay", examples::GUIDE).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
        assert!(problem["detail"].as_str().unwrap().contains("not `payments`'s"), "{problem}");
        let (status, problem) =
            text_post(&app, "sam", "/api/v1/teams/platform/replay", "version: 1\nteam: platform\nrules: [{id: x}]\n").await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
        let (status, problem) = text_post(
            &app,
            "sam",
            "/api/v1/teams/platform/replay?from=2030-01-01T00:00:00Z&to=2020-01-01T00:00:00Z",
            examples::GUIDE,
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    })
    .await;
}
