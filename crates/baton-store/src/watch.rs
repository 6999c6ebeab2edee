//! Change notices between replicas (PostgreSQL `LISTEN/NOTIFY`).
//!
//! `apply` notifies [`CHANNEL`] in its transaction, so every replica hears
//! of a new directory or guide when it commits. A replica that watches
//! trusts the versions it last read until it hears otherwise, and skips the
//! version query on each read. Decisions need no notices: they are read
//! from the database every time.

use std::time::Duration;

use sqlx::postgres::PgListener;

use crate::{Backend, Store, StoreError};

/// The notification channel.
pub const CHANNEL: &str = "baton_changes";

impl Store {
    /// Starts listening for changes made through other replicas. Returns
    /// the listening task, or `None` on SQLite, where every read checks the
    /// versions instead (one file has no replicas to hear from).
    ///
    /// While the listener is down (a lost connection), reads fall back to
    /// checking versions, so no change is missed in the gap.
    pub async fn watch(&self) -> Result<Option<tokio::task::JoinHandle<()>>, StoreError> {
        let Backend::Postgres(pool) = &self.backend else {
            return Ok(None);
        };
        let pool = pool.clone();
        let cache = std::sync::Arc::clone(&self.cache);
        // The first connection is made here so that a wrong setup fails
        // loudly at start, not silently in the background.
        let mut listener = PgListener::connect_with(&pool).await?;
        listener.listen(CHANNEL).await?;
        cache.set_live(true);
        Ok(Some(tokio::spawn(async move {
            loop {
                loop {
                    match listener.try_recv().await {
                        Ok(Some(_)) => cache.changed(),
                        // The connection dropped; notices may have been lost.
                        Ok(None) => break,
                        Err(e) => {
                            tracing::warn!(error = %e, "change listener failed; reads check versions until it is back");
                            break;
                        }
                    }
                }
                cache.set_live(false);
                loop {
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    let fresh = async {
                        let mut l = PgListener::connect_with(&pool).await?;
                        l.listen(CHANNEL).await?;
                        Ok::<_, sqlx::Error>(l)
                    };
                    if let Ok(l) = fresh.await {
                        listener = l;
                        cache.set_live(true);
                        break;
                    }
                }
            }
        })))
    }
}
