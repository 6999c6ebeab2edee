//! The API over real HTTP on loopback, on SQLite and (with
//! `BATON_TEST_DATABASE_URL`) PostgreSQL.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test fails loudly"
)]

use std::collections::HashMap;
use std::future::Future;

use baton_app::App as Service;
use baton_app::{Caller, OpenRequest};
use baton_core::examples;
use baton_core::lifecycle::Role;
use baton_server::AppState;
use reqwest::StatusCode;
use serde_json::{Value, json};

const SLACK_SECRET: &str = "test-signing-secret";

/// Where every test server's clock starts: a Wednesday inside the example
/// rotations, the same whatever day the tests run.
const PINNED: &str = "2026-04-01T09:00:00Z";

fn pinned() -> baton_server::Clock {
    baton_server::Clock::starting_at(PINNED.parse().unwrap())
}

struct App {
    base: String,
    /// The application the server runs over, for what a test sets up or
    /// checks beside the HTTP API.
    service: Service,
    /// Its store's URL, for the tests that read its tables directly.
    url: String,
    tokens: HashMap<&'static str, String>,
    token_ids: HashMap<&'static str, i64>,
    http: reqwest::Client,
    clock: baton_server::Clock,
    _shutdown: tokio::sync::oneshot::Sender<()>,
}

async fn spawn_app(url: &str) -> App {
    let service = Service::connect(url).await.unwrap();
    let clock = pinned();
    let now = clock.now();
    service
        .apply(
            Some(("org.yaml", examples::ORG)),
            &[("deference.yaml", examples::GUIDE)],
            now,
        )
        .await
        .unwrap();
    let mut tokens = HashMap::new();
    let mut token_ids = HashMap::new();
    for (person, role) in [
        ("ana", Role::Member),
        ("kim", Role::Member),
        ("raj", Role::Member),
        ("lee", Role::Member),
        ("dana", Role::Admin),
        ("sam", Role::Viewer),
    ] {
        let (info, secret) = service.create_token(person, role, now).await.unwrap();
        tokens.insert(person, secret);
        token_ids.insert(person, info.id);
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(baton_server::run(
        listener,
        AppState::new(service.clone())
            .with_clock(clock)
            .with_slack_secret(Some(SLACK_SECRET.into())),
        async {
            let _ = rx.await;
        },
    ));
    App {
        base,
        service,
        url: url.to_owned(),
        tokens,
        token_ids,
        http: baton_server::http_client(std::time::Duration::from_secs(10)).unwrap(),
        clock,
        _shutdown: tx,
    }
}

impl App {
    /// The server's "now".
    fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.clock.now()
    }

    async fn call(
        &self,
        as_who: Option<&str>,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value, String) {
        let mut req = self.http.request(method, format!("{}{path}", self.base));
        if let Some(who) = as_who {
            req = req.bearer_auth(&self.tokens[who]);
        }
        if let Some(body) = body {
            req = req.json(&body);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status();
        let content_type = resp
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default();
        let text = resp.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
            content_type,
        )
    }

    async fn post(&self, who: &str, path: &str, body: Value) -> (StatusCode, Value) {
        let (s, v, _) = self
            .call(Some(who), reqwest::Method::POST, path, Some(body))
            .await;
        (s, v)
    }

    async fn get(&self, who: &str, path: &str) -> (StatusCode, Value) {
        let (s, v, _) = self.call(Some(who), reqwest::Method::GET, path, None).await;
        (s, v)
    }

    /// Opens a platform incident as ana and has its decider decide it with
    /// `decide`; the decision's id.
    /// Ana opens a platform incident titled `title`: the decision.
    async fn open_incident(&self, title: &str) -> Value {
        let (status, d) = self
            .post(
                "ana",
                "/api/v1/decisions",
                json!({"team": "platform", "type": "incident", "title": title}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{d}");
        d
    }

    async fn open_and_decide(&self, title: &str, decide: Value) -> i64 {
        let d = self.open_incident(title).await;
        let id = d["id"].as_i64().unwrap();
        let decider = d["decider"].as_str().unwrap();
        let (status, body) = self
            .post(decider, &format!("/api/v1/decisions/{id}/decide"), decide)
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        id
    }
}

async fn each_backend<F, Fut>(story: F)
where
    F: Fn(App) -> Fut,
    Fut: Future<Output = ()>,
{
    each_store_url(|url| {
        let story = &story;
        async move { story(spawn_app(&url).await).await }
    })
    .await;
}

#[tokio::test]
async fn without_a_token_everything_is_401() {
    each_backend(|app| async move {
        let (status, body, content_type) = app
            .call(None, reqwest::Method::GET, "/api/v1/decisions", None)
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(body["code"], "unauthorized");
        assert_eq!(content_type, "application/problem+json");
        let (status, _, _) = app.call(None, reqwest::Method::GET, "/healthz", None).await;
        assert_eq!(status, StatusCode::OK);
        // Every operation the OpenAPI document marks as secured refuses a
        // caller without a token — which also keeps the document honest.
        let document = baton_server::openapi::document();
        let mut checked = 0;
        for (path, operations) in document["paths"].as_object().unwrap() {
            let concrete = path
                .replace("{id}", "1")
                .replace("{team}", "platform")
                .replace("{name}", "on-call");
            for (method, operation) in operations.as_object().unwrap() {
                if operation.get("security").is_none() {
                    continue;
                }
                let method = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
                let (status, body, _) = app
                    .call(None, method.clone(), &concrete, Some(json!({})))
                    .await;
                assert_eq!(
                    status,
                    StatusCode::UNAUTHORIZED,
                    "{method} {concrete}: {body}"
                );
                checked += 1;
            }
        }
        assert!(checked > 30, "{checked} secured operations");
    })
    .await;
}

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
async fn a_viewer_cannot_write() {
    each_backend(|app| async move {
        let (status, body) = app
            .post(
                "sam",
                "/api/v1/decisions",
                json!({"team": "platform", "type": "incident", "title": "x"}),
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    })
    .await;
}

#[tokio::test]
async fn bad_bodies_are_named() {
    each_backend(|app| async move {
        let (status, body) = app
            .post(
                "ana",
                "/api/v1/decisions",
                json!({"team": "platform", "type": "incident"}),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(body["detail"].as_str().unwrap().contains("title"), "{body}");
        let (status, body, _) = app
            .call(
                Some("ana"),
                reqwest::Method::POST,
                "/api/v1/decisions/1/decide",
                Some(json!({"option": "x", "rationale": "y", "confidence": 3})),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        let huge = "x".repeat(baton_server::BODY_LIMIT + 10);
        let (status, _) = app
            .post(
                "ana",
                "/api/v1/decisions",
                json!({"team": "platform", "type": "incident", "title": huge}),
            )
            .await;
        assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
        let (status, body) = app
            .post("ana", "/api/v1/decisions/1/dance", json!({}))
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    })
    .await;
}

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

/// The token name of a person the test app made a token for.
fn other_static(person: &str) -> &'static str {
    ["ana", "kim", "raj", "lee", "dana", "sam"]
        .into_iter()
        .find(|p| *p == person)
        .unwrap_or_else(|| panic!("no token for {person}"))
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
        assert_eq!(status, StatusCode::BAD_REQUEST, "a window that ends before it starts: {body}");
        let person = format!("{}/api/v1/people/kim.ics?from=2026-01-01T00:00:00Z&to=2026-03-01T00:00:00Z&token={}", app.base, app.tokens["sam"]);
        let text = app.http.get(&person).send().await.unwrap().text().await.unwrap();
        let calendar: icalendar::Calendar = text.parse().unwrap();
        let summaries: Vec<String> = calendar.components.iter().filter_map(|c| c.as_event()).filter_map(|e| e.get_summary().map(str::to_owned)).collect();
        assert!(summaries.contains(&"on-call: Kim Lee (kim)".to_owned()), "{text}");
        assert!(summaries.iter().any(|s| s.starts_with("sprint-captain: Kim Lee")), "{text}");
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

/// Runs `story` with the URL of a fresh store: a SQLite file, then (with
/// `BATON_TEST_DATABASE_URL`) a fresh PostgreSQL database.
async fn each_store_url<F, Fut>(story: F)
where
    F: Fn(String) -> Fut,
    Fut: Future<Output = ()>,
{
    let dir = tempfile::tempdir().unwrap();
    story(format!(
        "sqlite://{}",
        dir.path().join("shared.db").display()
    ))
    .await;
    if let Ok(admin_url) = std::env::var("BATON_TEST_DATABASE_URL") {
        let name = format!(
            "baton_replicas_{}_{}",
            std::process::id(),
            chrono::Utc::now().timestamp_subsec_nanos()
        );
        use sqlx::Connection as _;
        let mut admin = sqlx::PgConnection::connect(&admin_url)
            .await
            .expect("BATON_TEST_DATABASE_URL is set but unreachable");
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut admin)
            .await
            .unwrap();
        let base = admin_url
            .rsplit_once('/')
            .map_or(admin_url.as_str(), |(b, _)| b);
        story(format!("{base}/{name}")).await;
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "DROP DATABASE {name} WITH (FORCE)"
        )))
        .execute(&mut admin)
        .await
        .unwrap();
    }
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

fn column_names(row: &impl sqlx::Row) -> Vec<String> {
    sqlx::Row::columns(row)
        .iter()
        .map(|c| sqlx::Column::name(c).to_owned())
        .collect()
}

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
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
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
        let (status, body) = app.post("ana", &path, json!({"by": 999})).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
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
async fn every_error_is_a_problem_document_even_from_the_framework() {
    each_backend(|app| async move {
        for (path, status, code) in [
            (
                "/api/v1/decisions/abc",
                StatusCode::BAD_REQUEST,
                "bad_request",
            ),
            (
                "/api/v1/metrics?from=yesterday",
                StatusCode::BAD_REQUEST,
                "invalid_query",
            ),
            (
                "/api/v1/decisions?stauts=open",
                StatusCode::BAD_REQUEST,
                "invalid_query",
            ),
            (
                "/api/v1/alerts?teem=platform",
                StatusCode::BAD_REQUEST,
                "invalid_query",
            ),
            ("/api/v1/nothing-here", StatusCode::NOT_FOUND, "not_found"),
        ] {
            let (got, body, content_type) = app
                .call(Some("ana"), reqwest::Method::GET, path, None)
                .await;
            assert_eq!(got, status, "{path}: {body}");
            assert_eq!(content_type, "application/problem+json", "{path}");
            assert_eq!(body["code"], code, "{path}: {body}");
            assert!(
                !body["detail"].as_str().unwrap().is_empty(),
                "{path}: {body}"
            );
        }
        let (_, body, _) = app
            .call(
                Some("ana"),
                reqwest::Method::GET,
                "/api/v1/metrics?from=yesterday",
                None,
            )
            .await;
        assert!(body["detail"].as_str().unwrap().contains("from"), "{body}");
        // A misspelt parameter is named rather than silently ignored.
        let (_, body, _) = app
            .call(
                Some("ana"),
                reqwest::Method::GET,
                "/api/v1/decisions?stauts=open",
                None,
            )
            .await;
        assert!(
            body["detail"].as_str().unwrap().contains("stauts"),
            "{body}"
        );
        let (got, body, content_type) = app
            .call(
                Some("ana"),
                reqwest::Method::DELETE,
                "/api/v1/resolve",
                None,
            )
            .await;
        assert_eq!(got, StatusCode::METHOD_NOT_ALLOWED, "{body}");
        assert_eq!(content_type, "application/problem+json");
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
async fn a_client_that_trickles_its_request_head_is_cut_off() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let dir = tempfile::tempdir().unwrap();
    let service = Service::connect(&format!("sqlite://{}", dir.path().join("b.db").display()))
        .await
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let limits = baton_server::Limits {
        header_read: std::time::Duration::from_millis(500),
    };
    tokio::spawn(baton_server::run_with(
        listener,
        AppState::new(service),
        std::future::pending(),
        limits,
    ));

    // A well-behaved client is answered.
    let mut fine = tokio::net::TcpStream::connect(address).await.unwrap();
    fine.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut answer = String::new();
    fine.read_to_string(&mut answer).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");

    // One that never finishes its head is disconnected, not waited on.
    let mut slow = tokio::net::TcpStream::connect(address).await.unwrap();
    slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let started = std::time::Instant::now();
    let mut rest = Vec::new();
    let closed = tokio::time::timeout(
        std::time::Duration::from_secs(5),
        slow.read_to_end(&mut rest),
    )
    .await;
    assert!(closed.is_ok(), "the connection was still open after 5 s");
    assert!(started.elapsed() >= std::time::Duration::from_millis(400));
}

#[tokio::test]
async fn an_instant_at_the_end_of_time_is_refused_not_a_crash() {
    each_backend(|app| async move {
        for at in ["+262142-12-31T12:00:00Z", "-262141-01-01T00:00:00Z"] {
            let (status, body) = app
                .post(
                    "ana",
                    "/api/v1/resolve",
                    json!({"team": "platform", "type": "architecture", "at": at}),
                )
                .await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{at}: {body}");
            assert_eq!(body["code"], "invalid_request", "{at}: {body}");
        }
    })
    .await;
}

/// A store's database, read directly: for the checks of what is stored
/// that the application does not show (anonymity).
enum Backend {
    Sqlite(sqlx::SqlitePool),
    Postgres(sqlx::PgPool),
}

impl Backend {
    async fn connect(url: &str) -> Self {
        if url.starts_with("sqlite:") {
            Backend::Sqlite(sqlx::SqlitePool::connect(url).await.unwrap())
        } else {
            Backend::Postgres(sqlx::PgPool::connect(url).await.unwrap())
        }
    }
}
