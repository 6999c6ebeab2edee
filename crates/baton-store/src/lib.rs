//! baton's decision log: the org and guide versions applied, every decision
//! with its full record, and a hash-chained audit log of every action.
//!
//! # Layout
//! - [`Store`]: one interface over SQLite (the embedded default) and
//!   PostgreSQL. Each backend has its own migrations; the SQL itself is
//!   shared and written once, instantiated for each pool by `on_pool!`.
//! - `chain`: the audit chain — canonical event JSON, SHA-256 links, verify.
//! - `log`: decisions — open, act, tick, get, list.
//! - `versions`: applying and loading the directory and guides.
//! - `dialect`: everything that differs between SQLite and PostgreSQL.
//! - `row`: the `decisions` row, declared once for every writer and reader.
//! - `batch`: group commit for `open` and `act`, above `row` and `state`.
//! - `state`: the resolver's `OrgState`, read from the log by SQL that a
//!   property test holds to the core's fold (`baton_core::fold`).
//! - `watch`: `LISTEN/NOTIFY` between replicas, so caches need not ask.
//! - `webhooks`, `feedback`, `tokens`, `demo`: subscriptions and their
//!   deliveries; surveys and polls; API tokens; the demo's seeding.
//!
//! **Invariant:** every change to a decision and the events that record it
//! are written in one transaction, and writes are serialized (SQLite's
//! `BEGIN IMMEDIATE`, PostgreSQL's row lock on the chain head), so the
//! chain has no gaps and no update is lost.

pub mod availability;
mod batch;
mod cache;
mod chain;
mod dialect;
mod digest;
mod error;
pub mod facts;
pub mod feedback;
mod import;
mod journal;
mod log;
pub mod misuse;
pub mod pilots;
mod repository;
mod row;
pub mod sessions;
mod snapshot;
mod state;
pub mod tokens;
pub mod transfer;
mod verify;
mod versions;
pub mod watch;
pub mod webhooks;

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

pub(crate) use dialect::{micros, on_pool, placeholders, positional, shifted, tx, write_tx};
pub use error::{Fault, StoreError};
pub use log::{AuditEvent, DecisionFilter, Opening, StoredEvent, document};
pub use repository::{
    Availability, Decisions, Feedback, Misuse, Pilots, Sessions, Tokens, Webhooks,
};
pub use snapshot::Snapshot;
pub use verify::{ChainReport, NOTED_HEAD_PATTERN, NotedHead, Verified};

pub use import::ImportOptions;
pub use versions::Applied;

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// The actor recorded for `apply` and other operator actions.
pub const OPERATOR: &str = "operator";

/// The default store: a SQLite file in the working directory.
pub const DEFAULT_URL: &str = "sqlite://./baton.db";

/// The store: a connection pool to one of the two backends, and a cache of
/// the compiled directory and guides. Cheap to clone; clones share both.
#[derive(Clone, Debug)]
pub struct Store {
    backend: Backend,
    cache: std::sync::Arc<cache::Cache>,
    /// Group commit for `open` and `act` (see `batch`).
    writer: std::sync::Arc<batch::Writer>,
}

/// A connection pool to one of the two backends.
#[derive(Clone, Debug)]
pub enum Backend {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// The next id of `$table`, read inside [`write_tx!`]: the write lock is
/// what makes `MAX(id) + 1` safe from a second writer taking it too.
macro_rules! next_id {
    ($tx:ident, $table:literal) => {
        sqlx::Row::try_get::<i64, _>(
            &sqlx::query(concat!(
                "SELECT COALESCE(MAX(id), 0) + 1 AS next FROM ",
                $table
            ))
            .fetch_one(&mut *$tx)
            .await?,
            "next",
        )?
    };
}
pub(crate) use next_id;

/// The page size of a SQLite store made new (one made before keeps its
/// own: SQLite fixes it when the file is created). A decision's row is
/// about 1.4 KB with its record, so SQLite's default of 4 KiB holds two
/// and its trees split at every few rows: with 16 KiB a million-row import
/// runs about a quarter faster and the file is 8% smaller. A lone writer's
/// commit writes more bytes for each page it touches and is about a sixth
/// slower (2 ms rather than 1.6); concurrent writers share their commits.
const SQLITE_PAGE_BYTES: u32 = 16_384;

/// How big the write-ahead log grows before it is copied back into the
/// store. SQLite counts in pages, and its default of 1,000 would let the
/// log of 16 KiB pages reach 16 MiB; this keeps it at what that default is
/// with 4 KiB pages, for stores of either size, so that a store on a small
/// disk fills no sooner than it did. The log's file is reused, not shrunk.
const SQLITE_WAL_CHECKPOINT_BYTES: i64 = 4 * 1024 * 1024;

/// Sets the connection's checkpoint in pages of the store's own size,
/// which is only known once the file is open.
fn checkpoint_by_bytes(
    connection: &mut sqlx::SqliteConnection,
) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), sqlx::Error>> + Send + '_>> {
    Box::pin(async move {
        let page: i64 = sqlx::query_scalar("PRAGMA page_size")
            .fetch_one(&mut *connection)
            .await?;
        let pages = SQLITE_WAL_CHECKPOINT_BYTES / page.max(512);
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "PRAGMA wal_autocheckpoint = {pages}"
        )))
        .execute(&mut *connection)
        .await?;
        Ok(())
    })
}

/// How long a request waits for a PostgreSQL connection before the store
/// is reported unreachable.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(3);

impl Store {
    /// Opens (creating if needed) and migrates the store at `url`:
    /// `sqlite://PATH`, `postgres://…`, or a bare path (no scheme), which
    /// is a SQLite file, as `--db ./x.db` means.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let sqlite = if url.starts_with("sqlite:") {
            Some(SqliteConnectOptions::from_str(url).map_err(|e| StoreError::connect(url, e))?)
        } else if !url.is_empty() && !url.contains(':') {
            Some(SqliteConnectOptions::new().filename(url))
        } else {
            None
        };
        let backend = if let Some(options) = sqlite {
            let options = options
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Full)
                .busy_timeout(Duration::from_secs(30))
                .foreign_keys(true)
                .pragma("mmap_size", "268435456")
                .page_size(SQLITE_PAGE_BYTES);
            // An embedded database has no far end to hang up: pinging each
            // connection as it leaves the pool would only double the
            // hand-offs to its worker thread.
            let pool = SqlitePoolOptions::new()
                .max_connections(4)
                .test_before_acquire(false)
                .after_connect(|connection, _| checkpoint_by_bytes(connection))
                .connect_with(options)
                .await
                .map_err(|e| StoreError::connect(url, e))?;
            SQLITE_MIGRATIONS.run(&pool).await?;
            Backend::Sqlite(pool)
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            let pool = PgPoolOptions::new()
                .max_connections(8)
                // A database that is down is said within a few seconds
                // (503), not after a client has given up.
                .acquire_timeout(ACQUIRE_TIMEOUT)
                .connect(url)
                .await
                .map_err(|e| StoreError::connect(url, e))?;
            POSTGRES_MIGRATIONS.run(&pool).await?;
            Backend::Postgres(pool)
        } else {
            return Err(StoreError::BadUrl(url.to_owned()));
        };
        Ok(Self {
            backend,
            cache: Default::default(),
            writer: Default::default(),
        })
    }

    /// The connection pool, for the store's own tests and benches that need
    /// raw SQL: behind the `raw-access` feature, so nothing that uses the
    /// store as a library can reach past it.
    #[cfg(feature = "raw-access")]
    pub fn backend(&self) -> &Backend {
        &self.backend
    }

    /// Which backend this is, for messages.
    pub fn kind(&self) -> &'static str {
        dialect::Dialect::of(&self.backend).name()
    }

    /// Runs one SQL statement as is: for the store's tests and benches (a
    /// fresh database, a deliberate tampering), never for user input; behind
    /// the `raw-access` feature.
    #[cfg(feature = "raw-access")]
    pub async fn raw(&self, sql: &str) -> Result<(), StoreError> {
        on_pool!(self, |pool| sqlx::query(sqlx::AssertSqlSafe(
            sql.to_owned()
        ))
        .execute(pool)
        .await
        .map(|_| ()))?;
        Ok(())
    }

    /// Whether the database answers a trivial query within `limit`: what
    /// `/readyz` asks, so it must not wait as long as a request would.
    pub async fn ping(&self, limit: Duration) -> Result<(), StoreError> {
        let ask = async {
            on_pool!(self, |pool| sqlx::query("SELECT 1")
                .execute(pool)
                .await
                .map(|_| ()))
        };
        match tokio::time::timeout(limit, ask).await {
            Ok(answer) => Ok(answer?),
            Err(_) => Err(StoreError::Unreachable(format!(
                "no answer within {} s",
                limit.as_secs_f64()
            ))),
        }
    }

    pub async fn close(&self) {
        self.writer.stop();
        on_pool!(self, |pool| pool.close().await)
    }
}
