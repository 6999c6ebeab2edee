use crate::common::*;

/// A webhook receiver on loopback: answers 500 to its first `failures`
/// requests, then 200, and keeps what it was sent.
#[derive(Clone, Default)]
struct Receiver {
    seen: std::sync::Arc<std::sync::Mutex<Vec<(axum::http::HeaderMap, String, u16)>>>,
    failures: usize,
}

async fn spawn_receiver(failures: usize) -> (String, Receiver) {
    use axum::extract::State;
    let receiver = Receiver {
        failures,
        ..Receiver::default()
    };
    async fn hook(
        State(r): State<Receiver>,
        headers: axum::http::HeaderMap,
        body: String,
    ) -> axum::http::StatusCode {
        let mut seen = r.seen.lock().unwrap();
        let status = if seen.len() < r.failures { 500 } else { 200 };
        seen.push((headers, body, status));
        axum::http::StatusCode::from_u16(status).unwrap()
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let app = axum::Router::new()
        .route("/hook", axum::routing::post(hook))
        .with_state(receiver.clone());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, receiver)
}

/// HMAC-SHA256 computed here, independently of the server's signer.
fn expected_signature(secret: &str, body: &str) -> String {
    use hmac::Mac;
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(body.as_bytes());
    let hex: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("sha256={hex}")
}

#[tokio::test]
async fn webhooks_are_signed_retried_with_backoff_and_recorded() {
    each_backend(|app| async move {
        const SECRET: &str = "receiver-secret-0123456789";
        let (url, receiver) = spawn_receiver(2).await;

        // Only admins subscribe, and bad subscriptions are named.
        let (status, _) = app
            .post("ana", "/api/v1/webhooks", json!({"url": url}))
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, body) = app
            .post("dana", "/api/v1/webhooks", json!({"url": "ftp://x"}))
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert!(body["detail"].as_str().unwrap().contains("`url`"), "{body}");
        let (status, body) = app
            .post(
                "dana",
                "/api/v1/webhooks",
                json!({"url": url, "events": ["decide"]}),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert!(
            body["detail"].as_str().unwrap().contains("`decide`"),
            "{body}"
        );

        let (status, hook) = app
            .post(
                "dana",
                "/api/v1/webhooks",
                json!({"url": url, "events": ["opened", "decided"], "secret": SECRET}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{hook}");
        assert_eq!(hook["secret"], SECRET);
        let hook_id = hook["id"].as_i64().unwrap();
        // A second subscription to a port nobody listens on.
        let (_, dead) = app
            .post(
                "dana",
                "/api/v1/webhooks",
                json!({"url": "http://user:pw@127.0.0.1:9/gone?token=x"}),
            )
            .await;
        let dead_id = dead["id"].as_i64().unwrap();
        assert!(dead["secret"].as_str().unwrap().starts_with("whsec_"));
        // The audit log, readable by every token, keeps only the origin.
        let (_, log) = app.get("sam", "/api/v1/audit?limit=1000").await;
        let targets: Vec<&Value> = log
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["kind"] == "webhook_subscribed")
            .map(|e| &e["data"]["target"])
            .collect();
        assert_eq!(targets.last().unwrap().as_str(), Some("http://127.0.0.1:9"));
        assert!(!log.to_string().contains("pw@"), "credentials in the log");

        let id = app
            .open_and_decide(
                "Disk full",
                json!({"option": "expand", "rationale": "fastest"}),
            )
            .await;

        let config = baton_server::webhooks::Config {
            backoff: std::time::Duration::from_millis(50),
            max_attempts: 3,
            timeout: std::time::Duration::from_secs(2),
            ..Default::default()
        };
        let client = baton_server::http_client(config.timeout).unwrap();
        let delivered = || {
            receiver
                .seen
                .lock()
                .unwrap()
                .iter()
                .filter(|(_, _, status)| *status == 200)
                .count()
        };
        let started = std::time::Instant::now();
        loop {
            baton_server::webhooks::pass(&app.service, &client, &config)
                .await
                .unwrap();
            let (_, dead_deliveries) = app
                .get("dana", &format!("/api/v1/webhooks/{dead_id}/deliveries"))
                .await;
            let dead_done = dead_deliveries
                .as_array()
                .unwrap()
                .iter()
                .all(|d| d["status"] == "failed");
            if delivered() == 2 && dead_done && !dead_deliveries.as_array().unwrap().is_empty() {
                break;
            }
            assert!(
                started.elapsed().as_secs() < 20,
                "deliveries did not finish"
            );
            tokio::time::sleep(std::time::Duration::from_millis(60)).await;
        }

        let seen = receiver.seen.lock().unwrap().clone();
        assert_eq!(seen.len(), 4, "two failures, then two deliveries");
        let mut kinds = Vec::new();
        for (headers, body, status) in &seen {
            let signature = headers["x-baton-signature-256"].to_str().unwrap();
            assert_eq!(signature, expected_signature(SECRET, body));
            let event: Value = serde_json::from_str(body).unwrap();
            assert_eq!(event["decision"]["id"], id);
            assert_eq!(
                headers["x-baton-event"].to_str().unwrap(),
                event["event"]["kind"]
            );
            if *status == 200 {
                kinds.push(event["event"]["kind"].as_str().unwrap().to_owned());
            }
        }
        kinds.sort();
        assert_eq!(kinds, ["decided", "opened"], "only the kinds subscribed to");

        let (status, deliveries) = app
            .get("dana", &format!("/api/v1/webhooks/{hook_id}/deliveries"))
            .await;
        assert_eq!(status, StatusCode::OK);
        let deliveries = deliveries.as_array().unwrap();
        assert_eq!(deliveries.len(), 2);
        for d in deliveries {
            assert_eq!(d["status"], "delivered", "{d}");
            assert_eq!(d["attempts"], 2, "{d}");
            assert_eq!(d["last_status"], 200, "{d}");
        }
        let (_, dead_deliveries) = app
            .get("dana", &format!("/api/v1/webhooks/{dead_id}/deliveries"))
            .await;
        for d in dead_deliveries.as_array().unwrap() {
            assert_eq!(d["attempts"], 3, "retried up to max_attempts: {d}");
            assert!(!d["last_error"].as_str().unwrap().is_empty(), "{d}");
        }

        let (status, _, _) = app
            .call(
                Some("dana"),
                reqwest::Method::DELETE,
                &format!("/api/v1/webhooks/{hook_id}"),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        let (status, _, _) = app
            .call(
                Some("dana"),
                reqwest::Method::DELETE,
                &format!("/api/v1/webhooks/{hook_id}"),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (_, hooks) = app.get("dana", "/api/v1/webhooks").await;
        assert_eq!(hooks.as_array().unwrap().len(), 1);
    })
    .await;
}
