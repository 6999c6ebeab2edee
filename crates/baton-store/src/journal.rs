//! How a bulk write journals its pages: the write-ahead log, or the file
//! taken whole.
//!
//! In write-ahead-log mode SQLite writes every page twice, into the log and
//! then into the database at the checkpoint. An import of a million rows
//! writes gigabytes, and the second copy is a third of its time. With the
//! rollback journal the pages a transaction adds are written once, into
//! the database, and only pages that held data before are copied to the
//! journal first. A crash leaves a hot journal that the next connection
//! rolls back before it reads, so the write stays all or nothing.
//!
//! Leaving the log needs the file to itself: a connection in WAL mode
//! holds a shared lock for as long as it is open, and readers would wait
//! on the writer. So the switch is tried only where the caller owns the
//! store for the write's length (the CLI's import), after closing the
//! pool's idle connections; a store another connection or process has
//! open keeps its log, and the write runs as before.

use std::time::Duration;

use sqlx::pool::PoolConnection;
use sqlx::{Pool, Postgres, Sqlite};

/// How often the switch is tried, and the pause between: a connection
/// just released may still be on its way back to the pool's idle list.
const TRIES: usize = 10;
const PAUSE: Duration = Duration::from_millis(50);

/// The journal of one bulk write.
pub(crate) trait Journal: sqlx::Database {
    /// Takes the file whole for `conn` (rollback journal, synchronous
    /// directory writes so a commit survives power loss) if nothing else
    /// has it open; true when it did.
    async fn take_whole(pool: &Pool<Self>, conn: &mut PoolConnection<Self>) -> bool;

    /// Puts the write-ahead log back. A connection that cannot is not
    /// pooled again; the next to open the store restores the log.
    async fn give_back(conn: &mut PoolConnection<Self>);
}

impl Journal for Sqlite {
    async fn take_whole(pool: &Pool<Self>, conn: &mut PoolConnection<Self>) -> bool {
        for attempt in 0..TRIES {
            if attempt > 0 {
                tokio::time::sleep(PAUSE).await;
            }
            while let Some(idle) = pool.try_acquire() {
                // A connection that fails to close is gone all the same.
                let _ = sqlx::Connection::close(idle.detach()).await;
            }
            // SQLite answers the mode it is in, or "database is locked"
            // while another connection holds the file.
            let mode: Result<String, _> = sqlx::query_scalar("PRAGMA journal_mode = DELETE")
                .fetch_one(&mut **conn)
                .await;
            match mode.as_deref() {
                Ok("delete") => {
                    // The commit is the journal's deletion: make it durable.
                    if sqlx::query("PRAGMA synchronous = EXTRA")
                        .execute(&mut **conn)
                        .await
                        .is_ok()
                    {
                        return true;
                    }
                    Self::give_back(conn).await;
                    return false;
                }
                // An in-memory store, say: it has no log to leave.
                Ok(_) => return false,
                Err(_) => {}
            }
        }
        false
    }

    async fn give_back(conn: &mut PoolConnection<Self>) {
        for attempt in 0..TRIES {
            if attempt > 0 {
                tokio::time::sleep(PAUSE).await;
            }
            let synchronous = sqlx::query("PRAGMA synchronous = FULL")
                .execute(&mut **conn)
                .await;
            let mode: Result<String, _> = sqlx::query_scalar("PRAGMA journal_mode = WAL")
                .fetch_one(&mut **conn)
                .await;
            if synchronous.is_ok() && matches!(mode.as_deref(), Ok("wal")) {
                return;
            }
        }
        conn.close_on_drop();
    }
}

/// PostgreSQL writes its own log once per page; there is nothing to take.
impl Journal for Postgres {
    async fn take_whole(_: &Pool<Self>, _: &mut PoolConnection<Self>) -> bool {
        false
    }

    async fn give_back(_: &mut PoolConnection<Self>) {}
}
