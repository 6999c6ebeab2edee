use crate::common::*;

async fn slack(app: &App, body: &str, timestamp: i64, secret: &str) -> (StatusCode, Value) {
    let ts = timestamp.to_string();
    let signature = baton_server::slack::signature(secret, &ts, body.as_bytes()).unwrap();
    let resp = app
        .http
        .post(format!("{}/integrations/slack/command", app.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("x-slack-request-timestamp", ts)
        .header("x-slack-signature", signature)
        .body(body.to_owned())
        .send()
        .await
        .unwrap();
    let status = resp.status();
    (status, resp.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn slack_commands_are_verified_and_act_only_for_mapped_people() {
    each_backend(|app| async move {
        // With a signing secret the command is served, and documented.
        let (_, served) = app.get("sam", "/openapi.json").await;
        assert!(served["paths"]["/integrations/slack/command"].is_object());
        let now = chrono::Utc::now().timestamp();
        // kim's org.yaml entry has `slack: U024BE7LH`.
        let who = "command=%2Fbaton&user_id=U0STRANGER&text=who+architecture+urgency%3Dcritical";
        let (status, body) = slack(&app, who, now, SLACK_SECRET).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["response_type"], "in_channel");
        let text = body["text"].as_str().unwrap();
        assert!(text.contains("rule `crisis`"), "{body}");
        // Each reason on its own line, people in bold.
        assert!(
            text.contains("\n• rule `crisis`: matched, `ctx.urgency == \"critical\"` is true"),
            "{body}"
        );
        assert!(text.contains("\n• decider: *"), "{body}");
        let (status, _) = slack(&app, who, now, "wrong-secret").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        let (status, _) = slack(&app, who, now - 301, SLACK_SECRET).await;
        assert_eq!(
            status,
            StatusCode::UNAUTHORIZED,
            "a stale timestamp is a replay"
        );
        let open = "user_id=U0STRANGER&text=open+incident+Disk+full";
        let (_, body) = slack(&app, open, now, SLACK_SECRET).await;
        assert_eq!(body["response_type"], "ephemeral");
        assert!(
            body["text"].as_str().unwrap().contains("not mapped"),
            "{body}"
        );
        let open = "user_id=U024BE7LH&text=open+incident+Disk+full+on+db-3";
        let (_, body) = slack(&app, open, now, SLACK_SECRET).await;
        assert!(
            body["text"]
                .as_str()
                .unwrap()
                .starts_with("Opened decision 1: Disk full on db-3"),
            "{body}"
        );
        let (_, d) = app.get("sam", "/api/v1/decisions/1").await;
        assert_eq!(d["requester"], "kim");
    })
    .await;
}

#[tokio::test]
async fn slack_acts_with_the_persons_own_role_and_refuses_a_malformed_pair() {
    each_backend(|app| async move {
        let now = chrono::Utc::now().timestamp();
        let open = "user_id=U024BE7LH&text=open+incident+Disk+full";
        let (_, body) = slack(&app, open, now, SLACK_SECRET).await;
        assert!(
            body["text"]
                .as_str()
                .unwrap()
                .starts_with("Opened decision 1"),
            "{body}"
        );
        // kim keeps only a viewer token: from Slack too, kim now only reads.
        app.service
            .revoke_token(app.token_ids["kim"], app.now())
            .await
            .unwrap();
        app.service
            .create_token("kim", Role::Viewer, app.now())
            .await
            .unwrap();
        let decide = "user_id=U024BE7LH&text=decide+1+restart";
        let (_, body) = slack(&app, decide, now, SLACK_SECRET).await;
        let text = body["text"].as_str().unwrap();
        assert!(
            text.contains("viewer") && text.ends_with("(forbidden)"),
            "{body}"
        );
        let (_, body) = slack(&app, open, now, SLACK_SECRET).await;
        assert!(
            body["text"].as_str().unwrap().ends_with("(forbidden)"),
            "{body}"
        );
        let (_, d) = app.get("sam", "/api/v1/decisions/1").await;
        assert_eq!(d["status"], "routed", "nothing was decided: {d}");
        // A pair without `=` is refused as `--ctx` refuses it, not dropped.
        let who = "user_id=U0STRANGER&text=who+architecture+urgency";
        let (_, body) = slack(&app, who, now, SLACK_SECRET).await;
        assert_eq!(
            body["text"], "`urgency` is not KEY=VALUE (invalid)",
            "{body}"
        );
        let who = "user_id=U0STRANGER&text=who+architecture+%3Dcritical";
        let (_, body) = slack(&app, who, now, SLACK_SECRET).await;
        assert!(
            body["text"].as_str().unwrap().contains("empty key"),
            "{body}"
        );
    })
    .await;
}
