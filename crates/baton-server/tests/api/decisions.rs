use crate::common::*;

#[tokio::test]
async fn resolve_answers_the_spec_shape_for_the_tokens_person() {
    each_backend(|app| async move {
        let (status, body) = app
            .post(
                "ana",
                "/api/v1/resolve",
                json!({"team": "platform", "type": "architecture", "at": "2026-03-01T12:00:00Z"}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["decider"], "kim");
        assert_eq!(body["roster"]["recommend"], "ana");
        let (status, body) = app
            .post(
                "ana",
                "/api/v1/resolve",
                json!({"team": "platform", "type": "budget"}),
            )
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(body["code"], "unknown_type");
    })
    .await;
}

#[tokio::test]
async fn a_body_must_be_an_object_even_where_its_fields_would_fit_an_array() {
    each_backend(|app| async move {
        let d = app.open_incident("Disk full").await;
        let id = d["id"].as_i64().unwrap();
        // The decider may escalate: only the body's shape stops this.
        let decider = d["decider"].as_str().unwrap().to_owned();
        let (status, body) = app
            .post(
                &decider,
                &format!("/api/v1/decisions/{id}/escalate"),
                json!([]),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(body["code"], "invalid_body", "{body}");
        assert!(
            body.to_string()
                .contains("must be a JSON object, not an array"),
            "{body}"
        );
        let (status, body) = app
            .post(
                "ana",
                "/api/v1/decisions",
                json!(["platform", "architecture", "t"]),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        let (_, shown) = app.get("ana", &format!("/api/v1/decisions/{id}")).await;
        assert_eq!(shown["escalated"], false, "{shown}");
        let (_, all) = app.get("ana", "/api/v1/decisions").await;
        assert_eq!(all.as_array().map(Vec::len), Some(1), "{all}");
    })
    .await;
}

#[tokio::test]
async fn a_decision_is_opened_argued_and_decided_over_http() {
    each_backend(|app| async move {
        let d = app.open_incident("Disk full").await;
        assert_eq!(d["requester"], "ana", "the requester is the token's person");
        let id = d["id"].as_i64().unwrap();
        let decider = d["decider"].as_str().unwrap().to_owned();
        // The on-call holder decides incidents; ana, who asked, is not them.
        let other = "ana";
        let (status, body) = app
            .post(
                other,
                &format!("/api/v1/decisions/{id}/decide"),
                json!({"option": "restart", "rationale": "fast"}),
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
        let (status, body) = app
            .post(
                other,
                &format!("/api/v1/decisions/{id}/decide"),
                json!({"option": "restart", "rationale": "fast", "override_reason": "outage"}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["override"], true);
        assert_eq!(body["decided_by"], other);
        let (status, body) = app
            .post(
                &decider,
                &format!("/api/v1/decisions/{id}/decide"),
                json!({"option": "x", "rationale": "y"}),
            )
            .await;
        assert_eq!(status, StatusCode::CONFLICT, "{body}");
        let (status, list) = app.get("sam", "/api/v1/decisions?status=decided").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(list.as_array().unwrap().len(), 1);
        let (status, report) = app.get("sam", "/api/v1/audit/verify").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(report["verified"]["status"], "intact");
    })
    .await;
}

#[tokio::test]
async fn the_deadline_task_escalates_overdue_decisions_once() {
    let dir = tempfile::tempdir().unwrap();
    let service = Service::connect(&format!("sqlite://{}", dir.path().join("d.db").display()))
        .await
        .unwrap();
    let clock = pinned();
    service
        .apply(
            Some(("org.yaml", examples::ORG)),
            &[("deference.yaml", examples::GUIDE)],
            clock.now(),
        )
        .await
        .unwrap();
    // An incident opened three hours ago: its 2h escalation deadline passed.
    let opened = service
        .open(
            &Caller::new("ana", Role::Member),
            OpenRequest {
                team: "platform".into(),
                decision_type: "incident".into(),
                title: "Disk full".into(),
                context: json!({}),
            },
            clock.now() - chrono::TimeDelta::hours(3),
        )
        .await
        .unwrap();
    // Two replicas' worth of deadline tasks on one store.
    let a = baton_server::deadlines::spawn(
        service.clone(),
        std::time::Duration::from_millis(20),
        clock,
    );
    let b = baton_server::deadlines::spawn(
        service.clone(),
        std::time::Duration::from_millis(20),
        clock,
    );
    let mut escalated = false;
    for _ in 0..100 {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        if service.show(opened.id).await.unwrap().0.escalated {
            escalated = true;
            break;
        }
    }
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    a.abort();
    b.abort();
    assert!(
        escalated,
        "the deadline task escalated the overdue decision"
    );
    let kinds: Vec<String> = service
        .show(opened.id)
        .await
        .unwrap()
        .1
        .into_iter()
        .map(|e| e.kind)
        .collect();
    assert_eq!(kinds, ["opened", "escalated"], "escalated exactly once");
}

#[tokio::test]
async fn a_decided_decision_is_superseded_by_a_later_one_by_its_requester() {
    each_backend(|app| async move {
        let mut ids = Vec::new();
        for title in ["Use Redis for sessions", "Use Postgres for sessions"] {
            let decide = json!({"option": "yes", "rationale": "r"});
            ids.push(app.open_and_decide(title, decide).await);
        }
        let path = format!("/api/v1/decisions/{}/supersede", ids[0]);
        let (status, body) = app.post("kim", &path, json!({"by": ids[1]})).await;
        assert_eq!(
            status,
            StatusCode::FORBIDDEN,
            "only the requester or an admin: {body}"
        );
        // A successor that does not exist makes the request invalid (422);
        // 404 is for the decision the path names.
        let (status, body) = app.post("ana", &path, json!({"by": 999})).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert!(
            body.to_string()
                .contains("`by`: decision 999 does not exist"),
            "{body}"
        );
        let (status, body) = app
            .post(
                "ana",
                "/api/v1/decisions/999/supersede",
                json!({"by": ids[1]}),
            )
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
        // A decision id is a positive number, checked before anything is read.
        let (status, body) = app.post("ana", &path, json!({"by": 0})).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert!(body.to_string().contains("positive whole number"), "{body}");
        let (status, body) = app.get("ana", "/api/v1/decisions/0").await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert!(body.to_string().contains("positive whole number"), "{body}");
        // So are a team and a person: a malformed one is refused as such,
        // not looked up and reported missing.
        let (status, body) = app.get("ana", "/api/v1/teams/Platform/guide").await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert!(
            body.to_string()
                .contains("team `Platform` is not a valid id"),
            "{body}"
        );
        let (status, body) = app
            .post(
                "ana",
                "/api/v1/resolve",
                json!({"team": "platform", "type": "architecture", "requester": "Ana B"}),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(body["code"], "invalid_body", "{body}");
        assert!(
            body.to_string()
                .contains("person id `Ana B` is not a valid id"),
            "{body}"
        );
        let (status, body) = app.post("ana", &path, json!({"by": ids[0]})).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        let (status, body) = app.post("ana", &path, json!({"by": ids[1]})).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["status"], "superseded");
        assert_eq!(body["superseded_by"], ids[1]);
    })
    .await;
}

#[tokio::test]
async fn decisions_list_by_window_and_refuses_a_negative_offset() {
    each_backend(|app| async move {
        for title in ["One", "Two"] {
            app.open_incident(title).await;
        }
        let hour = chrono::Duration::hours(1);
        let stamp =
            |t: chrono::DateTime<chrono::Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let now = app.now();
        let (_, inside) = app
            .get(
                "sam",
                &format!(
                    "/api/v1/decisions?from={}&to={}",
                    stamp(now - hour),
                    stamp(now + hour)
                ),
            )
            .await;
        assert_eq!(inside.as_array().unwrap().len(), 2, "{inside}");
        let (_, before) = app
            .get(
                "sam",
                &format!("/api/v1/decisions?to={}", stamp(now - hour)),
            )
            .await;
        assert_eq!(before.as_array().unwrap().len(), 0, "{before}");
        let (_, page) = app.get("sam", "/api/v1/decisions?limit=1&offset=1").await;
        assert_eq!(page[0]["title"], "One");
        let (status, body) = app.get("sam", "/api/v1/decisions?offset=-1").await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    })
    .await;
}

#[tokio::test]
async fn waiting_for_me_lists_what_the_lifecycle_would_accept_from_the_caller() {
    each_backend(|app| async move {
        let d = app.open_incident("Pager storm").await;
        let id = d["id"].clone();
        let decider = other_static(d["decider"].as_str().unwrap());
        let (status, mine) = app.get(decider, "/api/v1/me/waiting").await;
        assert_eq!(status, StatusCode::OK, "{mine}");
        assert_eq!(mine["person"], decider);
        let ids = |list: &Value| -> Vec<Value> {
            list.as_array()
                .unwrap()
                .iter()
                .map(|w| w["id"].clone())
                .collect()
        };
        assert_eq!(ids(&mine["decisions"]), std::slice::from_ref(&id), "{mine}");
        assert_eq!(mine["decisions"][0]["title"], "Pager storm");

        let (_, viewer) = app.get("sam", "/api/v1/me/waiting").await;
        assert!(ids(&viewer["decisions"]).is_empty(), "{viewer}");

        let today = app.now().date_naive().to_string();
        let (status, body) = app
            .post(
                decider,
                &format!("/api/v1/decisions/{id}/decide"),
                json!({"option": "page less", "rationale": "noise", "review_on": today}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let (_, after) = app.get(decider, "/api/v1/me/waiting").await;
        assert!(ids(&after["decisions"]).is_empty(), "decided: {after}");
        assert_eq!(
            ids(&after["outcomes"]),
            [id],
            "the review date has come: {after}"
        );

        let (status, _, _) = app
            .call(None, reqwest::Method::GET, "/api/v1/me/waiting", None)
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    })
    .await;
}
