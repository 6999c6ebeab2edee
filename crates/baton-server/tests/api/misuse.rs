//! The safe channel over the API: anyone reports, stewards read anonymous
//! reports only in weekly batches of three or more, and nothing stored
//! names an anonymous reporter.

use crate::common::*;

/// An anonymous report made at `at` by `who`.
async fn report(app: &App, who: &str, at: &str, text: &str, decision: Option<i64>) {
    let request = baton_app::MisuseRequest {
        decision: decision.map(|d| baton_core::DecisionId::new(d).unwrap()),
        team: Some("platform".into()),
        text: text.into(),
        signed: false,
    };
    let caller = Caller::new(who, Role::Member);
    app.service
        .report_misuse(&caller, request, at.parse().unwrap())
        .await
        .unwrap();
}

#[tokio::test]
async fn anonymous_reports_come_out_only_in_weekly_batches_of_three() {
    each_backend(|app| async move {
        let d = app.open_incident("Rollback").await["id"].as_i64().unwrap();
        // Week 12 (from Monday 2026-03-16) ends with two: they wait.
        report(&app, "kim", "2026-03-17T10:00:00Z", "b: overruled", Some(d)).await;
        report(
            &app,
            "raj",
            "2026-03-18T10:00:00Z",
            "a: gamed rotation",
            None,
        )
        .await;
        // Week 13 adds the third; the pinned clock (Wednesday 2026-04-01)
        // is past its end. Week 14's report is not.
        report(&app, "lee", "2026-03-24T10:00:00Z", "c: bypassed", None).await;
        report(&app, "ana", "2026-03-31T10:00:00Z", "d: this week", None).await;

        let (status, view) = app.get("dana", "/api/v1/misuse").await;
        assert_eq!(status, StatusCode::OK, "{view}");
        let batches = view["batches"].as_array().unwrap();
        assert_eq!(batches.len(), 1, "{view}");
        assert_eq!(batches[0]["week"], "2026-W13");
        let texts: Vec<&str> = batches[0]["reports"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["text"].as_str().unwrap())
            .collect();
        assert_eq!(texts, ["a: gamed rotation", "b: overruled", "c: bypassed"]);
        assert!(
            !view.to_string().contains("this week"),
            "not before the week ends"
        );
        assert!(
            !view.to_string().contains("kim"),
            "no reporter is named: {view}"
        );

        let (_, alerts) = app.get("dana", "/api/v1/alerts?team=platform").await;
        let raised: Vec<&Value> = alerts
            .as_array()
            .unwrap()
            .iter()
            .filter(|a| a["kind"] == "misuse_reported")
            .collect();
        assert_eq!(raised.len(), 1, "{alerts}");
        assert_eq!(raised[0]["evidence"]["decisions"], json!([d]));

        let (status, _) = app.get("kim", "/api/v1/misuse").await;
        assert_eq!(status, StatusCode::FORBIDDEN, "members do not read reports");
        let (status, got) = app
            .post(
                "sam",
                "/api/v1/misuse",
                json!({"text": "viewers may report", "signed": true}),
            )
            .await;
        assert_eq!(status, StatusCode::ACCEPTED, "{got}");
        let (_, view) = app.get("dana", "/api/v1/misuse").await;
        assert_eq!(
            view["signed"][0]["by"], "sam",
            "a signed report names its author"
        );
        let (status, empty) = app
            .post("kim", "/api/v1/misuse", json!({"text": "  "}))
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{empty}");

        // Stored: no person and only the day for an anonymous report.
        let backend = Backend::connect(&app.url).await;
        let query = "SELECT day, signed_by, signed_at FROM misuse_reports WHERE signed_by IS NULL";
        let rows: Vec<(String, Option<String>)> = match &backend {
            Backend::Sqlite(pool) => sqlx::query(query)
                .fetch_all(pool)
                .await
                .unwrap()
                .iter()
                .map(|r| (sqlx::Row::get(r, "day"), sqlx::Row::get(r, "signed_by")))
                .collect(),
            Backend::Postgres(pool) => sqlx::query(query)
                .fetch_all(pool)
                .await
                .unwrap()
                .iter()
                .map(|r| (sqlx::Row::get(r, "day"), sqlx::Row::get(r, "signed_by")))
                .collect(),
        };
        assert_eq!(rows.len(), 4);
        assert!(
            rows.iter().all(|(day, by)| day.len() == 10 && by.is_none()),
            "{rows:?}"
        );
        let (_, audit) = app.get("dana", "/api/v1/audit?limit=1000").await;
        let kinds: Vec<&str> = audit
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|e| e["kind"].as_str())
            .filter(|k| k.starts_with("misuse"))
            .collect();
        assert_eq!(kinds, ["misuse_signed"], "anonymous reports write no event");
    })
    .await;
}
