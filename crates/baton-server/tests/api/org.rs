use crate::common::*;

#[tokio::test]
async fn the_directory_and_guides_are_read_by_all_and_changed_by_admins_and_stewards() {
    each_backend(|app| async move {
        let (status, text, _) = app
            .call(
                Some("sam"),
                reqwest::Method::GET,
                "/api/v1/teams/platform/guide",
                None,
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        assert!(text.as_str().unwrap().contains("team: platform"));
        let edited = examples::GUIDE.replace("after: 72h", "after: 96h");
        let put = |who: &'static str, body: String| {
            let req = app
                .http
                .put(format!("{}/api/v1/teams/platform/guide", app.base))
                .bearer_auth(&app.tokens[who])
                .body(body);
            async move { req.send().await.unwrap().status() }
        };
        assert_eq!(put("kim", edited.clone()).await, StatusCode::FORBIDDEN);
        assert_eq!(put("dana", edited.clone()).await, StatusCode::OK);
        assert_eq!(
            put(
                "dana",
                "version: 1\nteam: platform\nrules: [{id: r, authority: {person: zed}}]\n".into()
            )
            .await,
            StatusCode::UNPROCESSABLE_ENTITY
        );
        let (_, text, _) = app
            .call(
                Some("sam"),
                reqwest::Method::GET,
                "/api/v1/teams/platform/guide",
                None,
            )
            .await;
        assert_eq!(text.as_str().unwrap(), edited);
    })
    .await;
}

#[tokio::test]
async fn endorsements_are_made_in_the_callers_name_and_never_for_themselves() {
    each_backend(|app| async move {
        let (status, body) = app
            .post(
                "raj",
                "/api/v1/endorsements",
                json!({"of": "lee", "domain": "databases", "level": 4}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        assert_eq!(body["org_changed"], true);
        let (status, body) = app
            .post(
                "raj",
                "/api/v1/endorsements",
                json!({"of": "raj", "domain": "databases", "level": 5}),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert!(
            body["explanation"][0]
                .as_str()
                .unwrap()
                .contains("cannot endorse themselves"),
            "{body}"
        );
        let (status, person) = app.get("sam", "/api/v1/people/kim").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(
            (person["manager"].as_str(), person["load"].as_u64()),
            (Some("omar"), Some(0))
        );
    })
    .await;
}

#[tokio::test]
async fn a_guide_grants_the_steward_role_to_its_rotations_holder() {
    each_backend(|app| async move {
        // On the pinned clock (2026-04-01) the weekly on-call rotation from
        // 2026-01-01 (kim, raj, lee) is held by lee.
        let guide = format!(
            "{}\ngrants:\n  steward: [{{rotation: on-call}}]\n",
            examples::GUIDE
        );
        let put = |who: &'static str, body: String| {
            app.http
                .put(format!("{}/api/v1/teams/platform/guide", app.base))
                .bearer_auth(&app.tokens[who])
                .body(body)
                .send()
        };
        let status = put("dana", guide.clone()).await.unwrap().status();
        assert_eq!(status, StatusCode::OK);
        let (_, holder) = app
            .post(
                "ana",
                "/api/v1/resolve",
                json!({"team": "platform", "type": "incident"}),
            )
            .await;
        let holder = holder["decider"].as_str().unwrap().to_owned();
        let other = if holder == "kim" { "raj" } else { "kim" };
        let edited = guide.replace("target: 72h", "target: 96h");
        let refused = put(other_static(other), edited.clone()).await.unwrap();
        assert_eq!(
            refused.status(),
            StatusCode::FORBIDDEN,
            "{other} holds no grant"
        );
        let granted = put(other_static(&holder), edited).await.unwrap();
        assert_eq!(
            granted.status(),
            StatusCode::OK,
            "{holder} holds on-call: a steward now"
        );
        // Surveys likewise: the holder may open one, the others may not.
        let survey = json!({"team": "platform", "title": "Pulse"});
        let (status, _) = app
            .post(other_static(other), "/api/v1/surveys", survey.clone())
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, body) = app
            .post(other_static(&holder), "/api/v1/surveys", survey)
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    })
    .await;
}

#[tokio::test]
async fn calendar_feeds_parse_with_an_independent_icalendar_parser() {
    each_backend(|app| async move {
        let url = format!(
            "{}/api/v1/rotations/platform/on-call.ics?from=2026-01-01T00:00:00Z&to=2026-02-01T00:00:00Z&token={}",
            app.base, app.tokens["sam"]
        );
        let resp = app.http.get(&url).send().await.unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
        assert!(resp.headers()["content-type"].to_str().unwrap().starts_with("text/calendar"));
        let text = resp.text().await.unwrap();
        let calendar: icalendar::Calendar = text.parse().expect("RFC 5545 that a real parser accepts");
        use icalendar::Component;
        let events: Vec<&icalendar::Event> = calendar.components.iter().filter_map(|c| c.as_event()).collect();
        // Weekly from 2026-01-01: 5 shifts overlap January.
        assert_eq!(events.len(), 5, "{text}");
        assert_eq!(events[0].get_summary(), Some("on-call: Kim Lee (kim)"));
        assert_eq!(events[1].get_summary(), Some("on-call: Raj Patel (raj)"));
        for pair in events.windows(2) {
            assert_eq!(pair[0].get_end(), pair[1].get_start(), "shifts leave no gaps");
        }
        assert!(events.iter().all(|e| e.get_uid().is_some() && e.property_value("DTSTAMP").is_some()));
        let (status, _, _) = app.call(None, reqwest::Method::GET, "/api/v1/rotations/platform/on-call.ics", None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        let (status, body, _) = app
            .call(None, reqwest::Method::GET, "/api/v1/rotations/platform/on-call.ics?token=baton_bogus", None)
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "a revoked or unknown ?token=: {body}");
        let (status, body, _) = app
            .call(Some("sam"), reqwest::Method::GET, "/api/v1/rotations/platform/on-call.ics?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z", None)
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "a window that ends before it starts: {body}");
        let person = format!("{}/api/v1/people/kim.ics?from=2026-01-01T00:00:00Z&to=2026-03-01T00:00:00Z&token={}", app.base, app.tokens["sam"]);
        let text = app.http.get(&person).send().await.unwrap().text().await.unwrap();
        let calendar: icalendar::Calendar = text.parse().unwrap();
        let summaries: Vec<String> = calendar.components.iter().filter_map(|c| c.as_event()).filter_map(|e| e.get_summary().map(str::to_owned)).collect();
        assert!(summaries.contains(&"on-call: Kim Lee (kim)".to_owned()), "{text}");
        assert!(summaries.iter().any(|s| s.starts_with("sprint-captain: Kim Lee")), "{text}");
    })
    .await;
}

/// `PUT path` with a text body as dana (an admin): status and body.
async fn put_as_admin(app: &App, path: &str, text: String) -> (StatusCode, String) {
    let response = app
        .http
        .put(format!("{}{path}", app.base))
        .bearer_auth(&app.tokens["dana"])
        .body(text)
        .send()
        .await
        .unwrap();
    (response.status(), response.text().await.unwrap())
}

/// The platform team's guide in force, as text.
async fn platform_guide(app: &App) -> String {
    let (_, text, _) = app
        .call(
            Some("sam"),
            reqwest::Method::GET,
            "/api/v1/teams/platform/guide",
            None,
        )
        .await;
    text.as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_guide_whose_when_cannot_work_is_refused_with_its_place_and_nothing_changes() {
    each_backend(|app| async move {
        let typo = examples::GUIDE.replace("decision.reversible &&", "decision.reversable &&");
        assert_ne!(
            typo,
            examples::GUIDE,
            "the example no longer reads decision.reversible"
        );
        let (status, body) = put_as_admin(&app, "/api/v1/teams/platform/guide", typo).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            body.contains("did you mean `reversible`?") && body.contains("rules["),
            "{body}"
        );
        assert_eq!(platform_guide(&app).await, examples::GUIDE);
    })
    .await;
}

/// PostgreSQL cannot store U+0000 in text: a guide or directory holding one
/// is refused alike on both backends, and the one in force stays.
#[tokio::test]
async fn a_guide_or_directory_holding_a_nul_is_refused_on_both_backends() {
    each_backend(|app| async move {
        for (path, text) in [
            (
                "/api/v1/teams/platform/guide",
                examples::GUIDE.replacen("# ", "# \0", 1),
            ),
            ("/api/v1/org", examples::ORG.replacen("# ", "# \0", 1)),
        ] {
            let (status, body) = put_as_admin(&app, path, text).await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{path}: {body}");
        }
        assert_eq!(platform_guide(&app).await, examples::GUIDE);
        let (status, org, _) = app
            .call(Some("sam"), reqwest::Method::GET, "/api/v1/org", None)
            .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(org.as_str(), Some(examples::ORG));
    })
    .await;
}
