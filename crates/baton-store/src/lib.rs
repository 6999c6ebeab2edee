//! baton's decision log: the org and guide versions applied, every decision
//! with its full record, and a hash-chained audit log of every action.
//!
//! # Layout
//! - [`Store`]: one interface over SQLite (the embedded default) and
//!   PostgreSQL. Each backend has its own migrations; the SQL itself is
//!   shared and written once, instantiated for each pool by [`on_pool!`].
//! - `chain`: the audit chain — canonical event JSON, SHA-256 links, verify.
//! - `log`: decisions — open, act, tick, get, list.
//! - `versions`: applying and loading the directory and guides.
//! - `state`: the resolver's `OrgState`, read from the log.
//! - `watch`: `LISTEN/NOTIFY` between replicas, so caches need not ask.
//! - `webhooks`, `feedback`, `tokens`, `demo`: subscriptions and their
//!   deliveries; surveys and polls; API tokens; the demo's seeding.
//!
//! **Invariant:** every change to a decision and the events that record it
//! are written in one transaction, and writes are serialized (SQLite's
//! `BEGIN IMMEDIATE`, PostgreSQL's row lock on the chain head), so the
//! chain has no gaps and no update is lost.

mod batch;
mod cache;
mod chain;
pub mod demo;
mod error;
pub mod feedback;
mod import;
mod log;
mod row;
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

pub use error::StoreError;
pub use log::{AuditEvent, DecisionFilter, Opening, StoredEvent, document};
pub use snapshot::Snapshot;
pub use verify::{ChainReport, NotedHead, Verified};

pub use import::ImportOptions;
pub use versions::Applied;

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

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

/// Runs the same body against whichever pool the store holds: the SQL is
/// written once and type-checked for both drivers.
macro_rules! on_pool {
    ($store:expr, |$pool:ident| $body:expr) => {
        match &$store.backend {
            $crate::Backend::Sqlite($pool) => $body,
            $crate::Backend::Postgres($pool) => $body,
        }
    };
}
pub(crate) use on_pool;

/// Runs `$body` in a transaction on whichever pool the store holds;
/// commits when the body succeeds and rolls back when it returns an error.
/// On SQLite the transaction takes the write lock at once (`BEGIN
/// IMMEDIATE`); on PostgreSQL it locks only what its statements lock.
macro_rules! tx {
    ($store:expr, |$tx:ident| $body:expr) => {{
        match &$store.backend {
            $crate::Backend::Sqlite(pool) => {
                let mut $tx = pool.begin_with("BEGIN IMMEDIATE").await?;
                let out = $body;
                $tx.commit().await?;
                out
            }
            $crate::Backend::Postgres(pool) => {
                let mut $tx = pool.begin().await?;
                let out = $body;
                $tx.commit().await?;
                out
            }
        }
    }};
}
pub(crate) use tx;

/// [`tx!`] holding the store's write lock, with `$head` bound to the chain
/// head read under it (PostgreSQL's row lock on `chain_head` is the lock).
/// Decisions' `open` and `act` go through `batch`, which holds the same
/// lock.
macro_rules! write_tx {
    ($store:expr, |$tx:ident, $head:ident| $body:expr) => {{
        let head_sql = match &$store.backend {
            $crate::Backend::Sqlite(_) => $crate::chain::READ_HEAD,
            $crate::Backend::Postgres(_) => $crate::chain::LOCK_HEAD,
        };
        $crate::tx!($store, |$tx| {
            let row = sqlx::query(head_sql).fetch_one(&mut *$tx).await?;
            let $head = $crate::chain::Head::from_row(&row)?;
            $body
        })
    }};
}
pub(crate) use write_tx;

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

impl Store {
    /// Opens (creating if needed) and migrates the store at `url`:
    /// `sqlite://PATH` or `postgres://…`.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let backend = if url.starts_with("sqlite:") {
            let options = SqliteConnectOptions::from_str(url)
                .map_err(|e| StoreError::connect(url, e))?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Full)
                .busy_timeout(Duration::from_secs(30))
                .foreign_keys(true)
                .pragma("mmap_size", "268435456");
            // An embedded database has no far end to hang up: pinging each
            // connection as it leaves the pool would only double the
            // hand-offs to its worker thread.
            let pool = SqlitePoolOptions::new()
                .max_connections(4)
                .test_before_acquire(false)
                .connect_with(options)
                .await
                .map_err(|e| StoreError::connect(url, e))?;
            SQLITE_MIGRATIONS.run(&pool).await?;
            Backend::Sqlite(pool)
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            let pool = PgPoolOptions::new()
                .max_connections(8)
                .acquire_timeout(Duration::from_secs(10))
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

    /// The connection pool, for tools and tests that need raw SQL.
    pub fn backend(&self) -> &Backend {
        &self.backend
    }

    /// Which backend this is, for messages.
    pub fn kind(&self) -> &'static str {
        match self.backend {
            Backend::Sqlite(_) => "sqlite",
            Backend::Postgres(_) => "postgres",
        }
    }

    /// Runs one SQL statement as is: for operators' tools and tests (a
    /// fresh database, a deliberate tampering), never for user input.
    pub async fn raw(&self, sql: &str) -> Result<(), StoreError> {
        on_pool!(self, |pool| sqlx::query(sqlx::AssertSqlSafe(
            sql.to_owned()
        ))
        .execute(pool)
        .await
        .map(|_| ()))?;
        Ok(())
    }

    pub async fn close(&self) {
        self.writer.stop();
        on_pool!(self, |pool| pool.close().await)
    }
}

/// `t + by`, held within the years 1 to 9999 that both databases store.
/// Instants come from users (`--at`, an API's `at`); the resolver answers
/// one outside those years with `invalid_request`, and the store must
/// neither overflow nor send the database a date it refuses before that.
pub(crate) fn shifted(
    t: chrono::DateTime<chrono::Utc>,
    by: chrono::TimeDelta,
) -> chrono::DateTime<chrono::Utc> {
    use chrono::TimeZone as _;
    let first = chrono::Utc.with_ymd_and_hms(1, 1, 1, 0, 0, 0).single();
    let last = chrono::Utc
        .with_ymd_and_hms(9999, 12, 31, 23, 59, 59)
        .single();
    let (Some(first), Some(last)) = (first, last) else {
        return t;
    };
    t.checked_add_signed(by)
        .unwrap_or(if by < chrono::TimeDelta::zero() {
            first
        } else {
            last
        })
        .clamp(first, last)
}

/// `rows` rows of `width` placeholders each, numbered from `$first`:
/// `($1, $2), ($3, $4)`.
pub(crate) fn placeholders(first: usize, width: usize, rows: usize) -> String {
    (0..rows)
        .map(|r| {
            let cells = (0..width)
                .map(|c| format!("${}", first + r * width + c))
                .collect::<Vec<_>>();
            format!("({})", cells.join(", "))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// `sql` with its `$1, $2, …` placeholders written `?`, for SQLite: binding
/// a numbered parameter looks its name up in a list as long as the
/// statement's parameters, so a statement of thousands of them binds in
/// quadratic time, and anonymous ones in linear. Only for statements whose
/// parameters appear once each, in order, and with no `$` elsewhere.
pub(crate) fn positional(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '$' && chars.peek().is_some_and(char::is_ascii_digit) {
            while chars.peek().is_some_and(char::is_ascii_digit) {
                chars.next();
            }
            out.push('?');
        } else {
            out.push(c);
        }
    }
    out
}

/// Instants are kept to the microsecond, the finest both backends store, so
/// what is read back equals what was written.
pub(crate) fn micros(t: chrono::DateTime<chrono::Utc>) -> chrono::DateTime<chrono::Utc> {
    chrono::SubsecRound::trunc_subsecs(t, 6)
}

#[cfg(test)]
mod tests {
    #[test]
    fn numbered_placeholders_become_anonymous_ones_in_order() {
        let sql = format!(
            "INSERT INTO t (a, b) VALUES {}",
            super::placeholders(1, 2, 2)
        );
        assert_eq!(
            super::positional(&sql),
            "INSERT INTO t (a, b) VALUES (?, ?), (?, ?)"
        );
    }
}
