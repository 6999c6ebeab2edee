use crate::common::*;

#[tokio::test]
async fn metrics_count_requests_by_route_and_decisions_by_state() {
    each_backend(|app| async move {
        app.open_incident("Disk full").await;
        app.post("ana", "/api/v1/resolve", json!({"team": "platform", "type": "incident"})).await;
        app.get("ana", "/api/v1/decisions/1").await;
        let (status, body, content_type) = app.call(None, reqwest::Method::GET, "/metrics", None).await;
        assert_eq!(status, StatusCode::OK);
        assert!(content_type.starts_with("text/plain"));
        let text = body.as_str().unwrap();
        assert!(text.contains(r#"baton_http_requests_total{method="POST",route="/api/v1/decisions",status="201"} 1"#), "{text}");
        assert!(text.contains(r#"route="/api/v1/decisions/{id}""#), "ids never become labels: {text}");
        assert!(text.contains("baton_resolution_duration_seconds_count 1"), "{text}");
        assert!(text.contains(r#"baton_decisions{status="routed"} 1"#), "{text}");
    })
    .await;
}

#[tokio::test]
async fn the_openapi_document_lists_every_endpoint() {
    each_backend(|app| async move {
        let (status, doc, _) = app.call(None, reqwest::Method::GET, "/openapi.json", None).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(doc["openapi"], "3.1.0");
        for path in ["/api/v1/resolve", "/api/v1/decisions", "/api/v1/decisions/{id}/decide", "/api/v1/teams/{team}/guide", "/integrations/slack/command"] {
            assert!(doc["paths"].get(path).is_some(), "{path} is missing");
        }
        let decide = &doc["paths"]["/api/v1/decisions/{id}/decide"]["post"]["requestBody"]["content"]["application/json"]["schema"];
        assert_eq!(decide["$ref"], "#/components/schemas/DecideBody");
        assert!(doc["components"]["schemas"]["DecideBody"]["properties"].get("override_reason").is_some());
    })
    .await;
}

#[tokio::test]
async fn a_change_through_one_replica_is_seen_by_another_at_once() {
    each_store_url(|url| async move {
        let a = spawn_app(&url).await;
        let b = spawn_app(&url).await;
        let ask = json!({"team": "platform", "type": "architecture", "at": "2026-03-01T12:00:00Z"});
        let (_, before) = b.post("ana", "/api/v1/resolve", ask.clone()).await;
        assert_eq!(before["escalation"]["deadline"], "2026-03-04T12:00:00Z");
        let edited = examples::GUIDE.replace("after: 72h", "after: 96h");
        let status = a
            .http
            .put(format!("{}/api/v1/teams/platform/guide", a.base))
            .bearer_auth(&a.tokens["dana"])
            .body(edited)
            .send()
            .await
            .unwrap()
            .status();
        assert_eq!(status, StatusCode::OK);
        let (_, after) = b.post("ana", "/api/v1/resolve", ask).await;
        assert_eq!(
            after["escalation"]["deadline"], "2026-03-05T12:00:00Z",
            "replica b sees replica a's guide"
        );
        let d = a.open_incident("Disk full").await;
        let (status, seen) = b
            .get("sam", &format!("/api/v1/decisions/{}", d["id"]))
            .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(seen["title"], "Disk full");
    })
    .await;
}

#[tokio::test]
async fn metrics_alerts_and_the_audit_log_are_served_from_the_log() {
    each_backend(|app| async move {
        let today = app.now().date_naive().to_string();
        let mut ids = Vec::new();
        for title in ["Disk full", "Cert expiry", "Queue backlog"] {
            let decide = json!({"option": "fix", "rationale": "r", "review_on": today});
            ids.push(app.open_and_decide(title, decide).await);
        }
        let (status, body) = app
            .post(
                "dana",
                &format!("/api/v1/decisions/{}/outcome", ids[0]),
                json!({"result": "success"}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");

        let (status, m) = app.get("sam", "/api/v1/metrics?team=platform").await;
        assert_eq!(status, StatusCode::OK, "{m}");
        assert_eq!(m["scope"], "platform");
        assert_eq!(m["decided"], 3);
        assert_eq!(m["opened"], 3);
        assert_eq!(m["override_rate"], 0.0);
        assert_eq!(m["outcome_quality"]["overall"]["recorded"], 1);
        assert_eq!(m["outcome_quality"]["overall"]["rate"], 1.0);
        assert!(
            m["time_to_decision"]["by_type"]["incident"]["count"] == 3,
            "{m}"
        );
        assert!(m["enps"].is_null(), "no survey answers yet");
        let (_, org) = app.get("sam", "/api/v1/metrics").await;
        assert_eq!(org["scope"], "org");
        let (status, body) = app
            .get(
                "sam",
                "/api/v1/metrics?from=2030-01-01T00:00:00Z&to=2020-01-01T00:00:00Z",
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert!(
            body["detail"].as_str().unwrap().contains("is after `to`"),
            "{body}"
        );
        // Equal ends, or a start after now with no end, are empty windows:
        // nothing decided in them, not an error.
        for empty in [
            "/api/v1/metrics?from=2026-03-01T00:00:00Z&to=2026-03-01T00:00:00Z",
            "/api/v1/metrics?from=2999-01-01T00:00:00Z",
        ] {
            let (status, body) = app.get("sam", empty).await;
            assert_eq!(status, StatusCode::OK, "{empty}: {body}");
            assert_eq!(body["decided"], 0, "{empty}: {body}");
        }
        let (status, _) = app.get("sam", "/api/v1/metrics?team=nope").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, _) = app.get("sam", "/api/v1/alerts?team=nope").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, body) = app.get("sam", "/api/v1/metrics?from=yesterday").await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        // Thirty days before this `to` is beyond what chrono can hold: a
        // clear refusal, not a panic.
        let (status, body) = app
            .get("sam", "/api/v1/metrics?to=-262143-01-15T00:00:00Z")
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(body["code"], "invalid_query", "{body}");

        let (status, alerts) = app.get("sam", "/api/v1/alerts?team=platform").await;
        assert_eq!(status, StatusCode::OK, "{alerts}");
        let due: Vec<&Value> = alerts
            .as_array()
            .unwrap()
            .iter()
            .filter(|a| a["kind"] == "outcome_review_due")
            .collect();
        assert_eq!(
            due.len(),
            2,
            "the two decisions without an outcome: {alerts}"
        );
        assert!(
            due.iter()
                .all(|a| !a["evidence"].is_null() && a["message"].is_string())
        );

        let (status, page) = app.get("sam", "/api/v1/audit?limit=3").await;
        assert_eq!(status, StatusCode::OK, "{page}");
        let page = page.as_array().unwrap();
        assert_eq!(page.len(), 3);
        let last = page[2]["seq"].as_i64().unwrap();
        let (_, next) = app
            .get("sam", &format!("/api/v1/audit?after={last}&limit=1000"))
            .await;
        assert_eq!(
            next[0]["seq"].as_i64().unwrap(),
            last + 1,
            "pages continue the chain"
        );
        assert!(
            next.as_array()
                .unwrap()
                .iter()
                .all(|e| e["hash"].as_str().unwrap().len() == 64)
        );
        let (_, one) = app
            .get("sam", &format!("/api/v1/audit?decision={}", ids[0]))
            .await;
        let kinds: Vec<&str> = one
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["kind"].as_str().unwrap())
            .collect();
        assert_eq!(kinds, ["opened", "decided", "outcome"]);
        assert!(
            one.as_array()
                .unwrap()
                .iter()
                .all(|e| e["decision"] == ids[0])
        );
    })
    .await;
}

#[tokio::test]
async fn the_report_audit_matrix_and_profiles_count_every_acknowledged_write() {
    each_backend(|app| async move {
        // Built before these decisions: each request must take them in.
        let (status, before) = app.get("sam", "/api/v1/report?team=platform").await;
        assert_eq!(status, StatusCode::OK, "{before}");
        assert_eq!(before["metrics"]["decided"], 0);
        let decide = json!({"option": "fix", "rationale": "r"});
        let id = app.open_and_decide("Disk full", decide).await;
        let (_, report) = app.get("sam", "/api/v1/report?team=platform").await;
        assert_eq!(report["metrics"]["decided"], 1, "{report}");
        assert_eq!(report["scope"], "platform");
        assert_eq!(report["trend"]["bucket_seconds"], 7 * 86_400);
        let points = report["trend"]["points"].as_array().unwrap();
        assert_eq!(points.len(), 13, "90 days in weekly buckets");
        let decided: u64 = points.iter().map(|p| p["decided"].as_u64().unwrap()).sum();
        assert_eq!(decided, 1);
        assert!(report["alerts"].is_array());
        let profiles = report["profiles"].as_array().unwrap();
        let decider = profiles
            .iter()
            .find(|p| p["decided"] == 1)
            .unwrap_or_else(|| panic!("nobody decided: {report}"));

        let who = decider["person"].as_str().unwrap();
        let (status, profile) = app
            .get(
                "sam",
                &format!("/api/v1/people/{who}/profile?team=platform"),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{profile}");
        assert_eq!(profile["person"], who);
        assert_eq!(profile["decided"], 1);
        let (status, body) = app.get("sam", "/api/v1/people/nobody/profile").await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
        let (status, body) = app.get("sam", "/api/v1/people/Kim%20Lee/profile").await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");

        let (status, matrix) = app.get("sam", "/api/v1/audit-matrix?team=platform").await;
        assert_eq!(status, StatusCode::OK, "{matrix}");
        let incident = matrix["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["type"] == "incident")
            .unwrap_or_else(|| panic!("{matrix}"));
        assert_eq!(
            (incident["count"].as_u64(), incident["decided"].as_u64()),
            (Some(1), Some(1))
        );
        assert_eq!(incident["declared_frequency"], "weekly");
        // Every type the guide declares has a row, decided or not.
        assert!(
            matrix["rows"]
                .as_array()
                .unwrap()
                .iter()
                .any(|r| r["type"] == "architecture")
        );

        let (status, _) = app.get("sam", "/api/v1/report?team=nope").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, body) = app
            .get(
                "sam",
                "/api/v1/audit-matrix?from=2030-01-01T00:00:00Z&to=2020-01-01T00:00:00Z",
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        let (status, body) = app.get("sam", "/api/v1/report?bucket=day").await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        let _ = id;
    })
    .await;
}
