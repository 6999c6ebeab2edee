use crate::common::*;

#[tokio::test]
async fn surveys_are_anonymous_once_per_person_and_hidden_below_three_responses() {
    each_backend(|app| async move {
        let (status, body) = app
            .post(
                "ana",
                "/api/v1/surveys",
                json!({"team": "platform", "title": "Q3"}),
            )
            .await;
        assert_eq!(
            status,
            StatusCode::FORBIDDEN,
            "members do not create surveys: {body}"
        );
        let closes_at = app.now() + chrono::Duration::seconds(3);
        let (status, survey) = app
            .post(
                "dana",
                "/api/v1/surveys",
                json!({"team": "platform", "title": "Q3 pulse", "closes_at": closes_at}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{survey}");
        let id = survey["id"].as_i64().unwrap();
        assert_eq!(
            survey["questions"].as_array().unwrap().len(),
            4,
            "the standard survey"
        );
        let events_before = app.service.verify(None).await.unwrap().events;

        let answer = |who: &'static str, answers: Value| {
            let app = &app;
            async move {
                app.post(
                    who,
                    &format!("/api/v1/surveys/{id}/responses"),
                    json!({"answers": answers}),
                )
                .await
            }
        };
        let (status, _) = answer(
            "ana",
            json!({"enps": 10, "heard": true, "comments": "more async"}),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED);
        let (status, body) = answer("ana", json!({"enps": 3})).await;
        assert_eq!(status, StatusCode::CONFLICT, "once per person: {body}");
        let (status, body) = answer("kim", json!({"enps": 12})).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert!(
            body["detail"].as_str().unwrap().contains("answers.enps"),
            "{body}"
        );
        let (status, _) = answer("dana", json!({"enps": 9})).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "dana is not in the team");
        let (status, _) = answer("sam", json!({"enps": 9})).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "viewers do not answer");
        let (status, _) = answer("kim", json!({"enps": 6, "heard": false})).await;
        assert_eq!(status, StatusCode::CREATED);

        let (_, results) = app
            .get("dana", &format!("/api/v1/surveys/{id}/results"))
            .await;
        assert_eq!(results["shown"], false, "{results}");
        assert!(results["results"].is_null());
        let (_, results) = app.get("kim", &format!("/api/v1/surveys/{id}")).await;
        assert_eq!(results["answered"], true);
        assert_eq!(results["responses"], 2);

        let (status, _) = answer(
            "raj",
            json!({"enps": 8, "heard": true, "comments": "clearer owners"}),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED);
        // Three responses, but the survey is open: results that moved with
        // each answer would give each answer away.
        let (_, results) = app
            .get("lee", &format!("/api/v1/surveys/{id}/results"))
            .await;
        assert_eq!(results["shown"], false, "{results}");
        assert_eq!(results["responses"], 3);
        let wait = (closes_at - app.now())
            .to_std()
            .unwrap_or_default();
        tokio::time::sleep(wait + std::time::Duration::from_millis(100)).await;
        let (status, _) = answer("lee", json!({"enps": 9})).await;
        assert_eq!(status, StatusCode::CONFLICT, "the survey has closed");
        let (_, results) = app
            .get("lee", &format!("/api/v1/surveys/{id}/results"))
            .await;
        assert_eq!(results["shown"], true, "{results}");
        let enps = &results["results"]["enps"];
        assert_eq!(enps["answers"], 3);
        assert_eq!(enps["promoters"], 1);
        assert_eq!(enps["detractors"], 1);
        assert!((enps["enps"].as_f64().unwrap()).abs() < 1e-9, "{enps}");
        assert_eq!(results["results"]["heard"]["yes"], 2);
        assert_eq!(results["results"]["heard"]["no"], 1);
        assert_eq!(
            results["results"]["comments"],
            json!({"kind": "hidden", "answers": 2}),
            "two comments would be two people's words"
        );
        let (_, metrics) = app.get("dana", "/api/v1/metrics?team=platform").await;
        assert_eq!(metrics["enps"]["answers"], 3, "{metrics}");

        // Nothing stored links an answer to a person: the response rows hold
        // no person and no time at all, and answering wrote no audit event
        // (whose actor and instant would).
        let backend = Backend::connect(&app.url).await;
        let rows: Vec<(Vec<String>, String)> = match &backend {
            Backend::Sqlite(pool) => sqlx::query("SELECT * FROM survey_responses")
                .fetch_all(pool)
                .await
                .unwrap()
                .iter()
                .map(|r| (column_names(r), sqlx::Row::get(r, "answers")))
                .collect(),
            Backend::Postgres(pool) => sqlx::query("SELECT * FROM survey_responses")
                .fetch_all(pool)
                .await
                .unwrap()
                .iter()
                .map(|r| (column_names(r), sqlx::Row::get(r, "answers")))
                .collect(),
        };
        assert_eq!(rows.len(), 3);
        if let Backend::Postgres(pool) = &backend {
            // Not even PostgreSQL's row transaction ids pair a participant
            // with one response: a mark shares its xid with every response
            // or with none.
            let shared: Vec<(i64,)> = sqlx::query_as(
                "SELECT (SELECT COUNT(*) FROM survey_responses r WHERE r.survey_id = p.survey_id AND r.xmin = p.xmin) \
                 FROM survey_participants p",
            )
            .fetch_all(pool)
            .await
            .unwrap();
            assert_eq!(shared.len(), 3);
            assert!(shared.iter().all(|(n,)| *n == 0 || *n == 3), "{shared:?}");
        }
        for (columns, answers) in &rows {
            assert_eq!(columns, &["survey_id", "token", "answers"]);
            for who in ["ana", "kim", "raj"] {
                assert!(!answers.contains(who), "{answers}");
            }
        }
        assert_eq!(app.service.verify(None).await.unwrap().events, events_before);
    })
    .await;
}

#[tokio::test]
async fn confidence_polls_rank_votes_with_validated_levels() {
    each_backend(|app| async move {
        let (status, poll) = app
            .post(
                "kim",
                "/api/v1/polls",
                json!({"team": "platform", "question": "Who feels sure about the sharding plan?", "domain": "databases"}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{poll}");
        let id = poll["id"].as_i64().unwrap();
        for (who, confidence) in [("kim", 4), ("lee", 5), ("ana", 4)] {
            let (status, body) = app
                .post(who, &format!("/api/v1/polls/{id}/votes"), json!({"confidence": confidence}))
                .await;
            assert_eq!(status, StatusCode::OK, "{body}");
        }
        let (status, body) = app
            .post("raj", &format!("/api/v1/polls/{id}/votes"), json!({"confidence": 9}))
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        let (status, body) = app
            .post("sam", &format!("/api/v1/polls/{id}/votes"), json!({"confidence": 3}))
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");

        let (_, poll) = app.get("ana", &format!("/api/v1/polls/{id}")).await;
        let order: Vec<&str> = poll["votes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["person"].as_str().unwrap())
            .collect();
        assert_eq!(order, ["lee", "kim", "ana"], "{poll}");
        assert_eq!(poll["votes"][1]["validated"], 5);
        assert!(poll["votes"][2]["validated"].is_null());
        let (status, _) = app.get("ana", "/api/v1/polls/999").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    })
    .await;
}
