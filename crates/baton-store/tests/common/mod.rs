//! What the store's test suites share: a store per test on every backend
//! (SQLite in a temporary file; PostgreSQL in a fresh database when
//! `BATON_TEST_DATABASE_URL` is set, failing if it is unreachable), the
//! example files applied, and the openings the stories use.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    dead_code,
    reason = "test helpers fail loudly, and each suite uses some of them"
)]

use std::future::Future;

use baton_core::examples;
use baton_core::lifecycle::{Actor, Role};
use baton_store::{Opening, Store};
use chrono::{DateTime, TimeDelta, Utc};

/// A store for one test, removed when dropped.
pub struct TestStore {
    pub store: Store,
    _dir: Option<tempfile::TempDir>,
    pg: Option<(String, String)>,
    pub url: String,
}

pub async fn sqlite() -> TestStore {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("baton.db").display());
    TestStore {
        store: Store::connect(&url).await.unwrap(),
        _dir: Some(dir),
        pg: None,
        url,
    }
}

pub async fn postgres(admin_url: &str) -> TestStore {
    use sqlx::Connection;
    let name = format!("baton_test_{}_{}", std::process::id(), rand_suffix());
    let mut admin = sqlx::PgConnection::connect(admin_url)
        .await
        .unwrap_or_else(|e| {
            panic!("BATON_TEST_DATABASE_URL is set but {admin_url} is unreachable: {e}")
        });
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut admin)
        .await
        .unwrap();
    let base = admin_url.rsplit_once('/').map_or(admin_url, |(b, _)| b);
    let url = format!("{base}/{name}");
    TestStore {
        store: Store::connect(&url).await.unwrap(),
        _dir: None,
        pg: Some((admin_url.to_owned(), name)),
        url,
    }
}

fn rand_suffix() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(Utc::now().timestamp_nanos_opt().unwrap_or_default() as u64);
    h.finish() % 1_000_000_000
}

impl TestStore {
    pub async fn drop_database(self) {
        self.store.close().await;
        if let Some((admin_url, name)) = self.pg {
            use sqlx::Connection;
            if let Ok(mut admin) = sqlx::PgConnection::connect(&admin_url).await {
                let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "DROP DATABASE IF EXISTS {name}"
                )))
                .execute(&mut admin)
                .await;
            }
        }
    }
}

/// Runs `story` against every configured backend.
pub async fn each_backend<F, Fut>(story: F)
where
    F: Fn(Store) -> Fut,
    Fut: Future<Output = ()>,
{
    let t = sqlite().await;
    story(t.store.clone()).await;
    t.drop_database().await;
    if let Ok(url) = std::env::var("BATON_TEST_DATABASE_URL") {
        let t = postgres(&url).await;
        story(t.store.clone()).await;
        t.drop_database().await;
    }
}

pub fn t0() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-03-01T12:00:00Z")
        .unwrap()
        .with_timezone(&Utc)
}

pub fn hours(h: i64) -> DateTime<Utc> {
    t0() + TimeDelta::hours(h)
}

pub fn member(p: &str) -> Actor {
    Actor {
        person: p.into(),
        role: Role::Member,
    }
}

pub async fn applied(store: &Store) {
    store
        .apply(
            Some(("org.yaml", examples::ORG)),
            &[("deference.yaml", examples::GUIDE)],
            t0(),
        )
        .await
        .unwrap();
}

pub fn architecture(requester: &str, at: DateTime<Utc>) -> Opening {
    Opening {
        team: "platform".into(),
        decision_type: "architecture".into(),
        title: "Move sessions to Postgres".into(),
        context: serde_json::json!({}),
        requester: requester.into(),
        at,
    }
}

/// An incident titled `title`, opened by ana at `at`.
pub fn incident(title: impl Into<String>, at: DateTime<Utc>) -> Opening {
    Opening {
        decision_type: "incident".into(),
        title: title.into(),
        ..architecture("ana", at)
    }
}

/// Imports the CSV `text` as `baton import` would, at `t0()`.
pub async fn import_csv(
    store: &Store,
    text: &str,
    allow_departed: bool,
    dry_run: bool,
) -> Result<baton_store::transfer::Summary, baton_store::StoreError> {
    let options = baton_store::ImportOptions {
        source: "past.csv".into(),
        at: t0(),
        dry_run,
        // As `baton import` does.
        exclusive: true,
    };
    import_csv_with(store, text, allow_departed, &options, |_| {}).await
}

/// Imports the CSV `text` with `options`, telling `progress` each row read.
pub async fn import_csv_with(
    store: &Store,
    text: &str,
    allow_departed: bool,
    options: &baton_store::ImportOptions,
    progress: impl FnMut(u64),
) -> Result<baton_store::transfer::Summary, baton_store::StoreError> {
    use baton_store::transfer;
    let catalog = store.catalog(allow_departed).await?;
    let sheet = transfer::sheet(text.as_bytes()).map_err(|errors| {
        baton_store::StoreError::Import(transfer::ImportErrors { errors, more: 0 })
    })?;
    let items = sheet.map(|row| row.map(transfer::Unchecked::row));
    store.import(items, &catalog, options, progress).await
}

/// Decision `n` of a test's store.
pub fn id(n: i64) -> baton_core::DecisionId {
    baton_core::DecisionId::new(n).unwrap()
}
