//! What every suite of this test shares: a server per test on every backend, its tokens, and the helpers that call it.

pub use baton_app::App as Service;
pub use baton_app::{Caller, OpenRequest};
pub use baton_core::examples;
pub use baton_core::lifecycle::Role;
pub use baton_server::AppState;
pub use reqwest::StatusCode;
pub use serde_json::{Value, json};
pub use std::collections::HashMap;
pub use std::future::Future;

pub const SLACK_SECRET: &str = "test-signing-secret";

/// Where every test server's clock starts: a Wednesday inside the example
/// rotations, the same whatever day the tests run.
pub const PINNED: &str = "2026-04-01T09:00:00Z";

pub fn pinned() -> baton_server::Clock {
    baton_server::Clock::starting_at(PINNED.parse().unwrap())
}

pub struct App {
    pub base: String,
    /// The application the server runs over, for what a test sets up or
    /// checks beside the HTTP API.
    pub service: Service,
    /// Its store's URL, for the tests that read its tables directly.
    pub url: String,
    pub tokens: HashMap<&'static str, String>,
    pub token_ids: HashMap<&'static str, i64>,
    pub http: reqwest::Client,
    pub clock: baton_server::Clock,
    pub _shutdown: tokio::sync::oneshot::Sender<()>,
}

pub async fn spawn_app(url: &str) -> App {
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
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.clock.now()
    }

    pub async fn call(
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

    pub async fn post(&self, who: &str, path: &str, body: Value) -> (StatusCode, Value) {
        let (s, v, _) = self
            .call(Some(who), reqwest::Method::POST, path, Some(body))
            .await;
        (s, v)
    }

    pub async fn get(&self, who: &str, path: &str) -> (StatusCode, Value) {
        let (s, v, _) = self.call(Some(who), reqwest::Method::GET, path, None).await;
        (s, v)
    }

    /// Opens a platform incident as ana and has its decider decide it with
    /// `decide`; the decision's id.
    /// Ana opens a platform incident titled `title`: the decision.
    pub async fn open_incident(&self, title: &str) -> Value {
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

    pub async fn open_and_decide(&self, title: &str, decide: Value) -> i64 {
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

pub async fn each_backend<F, Fut>(story: F)
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

/// The token name of a person the test app made a token for.
pub fn other_static(person: &str) -> &'static str {
    ["ana", "kim", "raj", "lee", "dana", "sam"]
        .into_iter()
        .find(|p| *p == person)
        .unwrap_or_else(|| panic!("no token for {person}"))
}

/// Runs `story` with the URL of a fresh store: a SQLite file, then (with
/// `BATON_TEST_DATABASE_URL`) a fresh PostgreSQL database.
pub async fn each_store_url<F, Fut>(story: F)
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

pub fn column_names(row: &impl sqlx::Row) -> Vec<String> {
    sqlx::Row::columns(row)
        .iter()
        .map(|c| sqlx::Column::name(c).to_owned())
        .collect()
}

/// A store's database, read directly: for the checks of what is stored
/// that the application does not show (anonymity).
pub enum Backend {
    Sqlite(sqlx::SqlitePool),
    Postgres(sqlx::PgPool),
}

impl Backend {
    pub async fn connect(url: &str) -> Self {
        if url.starts_with("sqlite:") {
            Backend::Sqlite(sqlx::SqlitePool::connect(url).await.unwrap())
        } else {
            Backend::Postgres(sqlx::PgPool::connect(url).await.unwrap())
        }
    }
}
