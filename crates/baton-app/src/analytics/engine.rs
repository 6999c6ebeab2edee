//! The analytics engine: the log's projection, built once from the store's
//! columns and kept current from the chain, shared by every front end.
//!
//! A request's cost is then a scan of the projection's columns, not a read
//! and parse of the log: before answering, [`Engine::current`] reads the
//! chain head and takes in only the decisions whose events came after the
//! position the projection stands at (one indexed query, and the rows that
//! moved), so every write acknowledged before the request is counted —
//! through this replica or another. A directory or guide applied since
//! re-judges every decider (leader and expert by the directory of the day,
//! with the team's settings of now).
//!
//! **Invariant:** the projection only moves forward. Changes land in
//! chunks, each under the write lock; a reader between two chunks sees
//! some decisions at a later chain position than others, never an older
//! state than the one it asked to include.

use std::sync::{Arc, RwLock};

use baton_core::Guide;
use baton_core::analytics::{Directories, Facts, Judge, OwnedFactRow};
use baton_store::facts::DomainCache;
use baton_store::{Store, StoreError};

/// How a long build reports on itself: the CLI draws a bar on a terminal,
/// the server logs.
pub trait Progress: Send + Sync {
    /// Work of `total` units begins.
    fn start(&self, _what: &str, _total: u64) {}
    /// `done` of the total are done.
    fn advance(&self, _done: u64) {}
    fn finish(&self) {}
}

/// Reports nothing.
pub struct Silent;

impl Progress for Silent {}

/// Decisions read per page while building.
const PAGE: i64 = 20_000;
/// Changed decisions read and applied per chunk while catching up.
const CHUNK: usize = 10_000;

/// What the analytics read: the projection, the chain position it stands
/// at, and the versions its judgments rest on.
#[derive(Default)]
pub struct Projection {
    pub facts: Facts,
    /// The chain position the projection includes everything up to.
    pub seq: i64,
    built: bool,
    /// Every directory version; `None` before one is applied.
    pub directories: Option<Directories>,
    /// Every team's guide in force, by team.
    pub guides: Vec<Arc<Guide>>,
}

impl Projection {
    pub fn guides(&self) -> Vec<&Guide> {
        self.guides.iter().map(AsRef::as_ref).collect()
    }

    pub fn guide(&self, team: &str) -> Option<&Guide> {
        self.guides
            .iter()
            .find(|g| g.team == team)
            .map(AsRef::as_ref)
    }

    /// Judges every decision changed since the last call, or every one.
    fn judge(&mut self, all: bool) {
        let Some(directories) = &self.directories else {
            return;
        };
        let guides: Vec<&Guide> = self.guides.iter().map(AsRef::as_ref).collect();
        let judge = Judge::new(directories, &guides);
        self.facts.judge(&judge, all);
    }
}

/// The projection behind a lock, and the one update in flight.
#[derive(Default)]
pub struct Engine {
    state: Arc<RwLock<Projection>>,
    update: tokio::sync::Mutex<()>,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine").finish_non_exhaustive()
    }
}

fn poisoned() -> StoreError {
    StoreError::Unavailable("the analytics projection is poisoned".into())
}

impl Engine {
    /// Brings the projection up to the chain head as it is now: builds it
    /// on first use, then takes in what changed.
    pub async fn current(&self, store: &Store, progress: &dyn Progress) -> Result<(), StoreError> {
        let _one = self.update.lock().await;
        let (seq, built) = {
            let p = self.state.read().map_err(|_| poisoned())?;
            (p.seq, p.built)
        };
        if !built {
            return self.build(store, progress).await;
        }
        let changes = store.changes_since(seq).await?;
        if changes.head <= seq {
            return Ok(());
        }
        let mut domains = DomainCache::default();
        for chunk in changes.decisions.chunks(CHUNK) {
            let mut rows = Vec::with_capacity(chunk.len());
            store
                .facts_of(chunk, &mut domains, &mut |row| {
                    rows.push(OwnedFactRow::new(row));
                })
                .await?;
            let mut p = self.state.write().map_err(|_| poisoned())?;
            for row in &rows {
                p.facts.upsert(&row.row());
            }
        }
        let versions = if changes.versions {
            Some(versions(store).await?)
        } else {
            None
        };
        let mut p = self.state.write().map_err(|_| poisoned())?;
        let all = versions.is_some();
        if let Some((directories, guides)) = versions {
            p.directories = directories;
            p.guides = guides;
        }
        p.judge(all);
        p.seq = changes.head;
        Ok(())
    }

    /// [`Engine::current`] in a task of its own, awaited: a request the
    /// server times out (or a client that hangs up) then stops waiting but
    /// does not stop the work, so at ten million decisions the first build
    /// finishes once rather than starting over with every request.
    pub async fn current_detached(self: &Arc<Self>, store: &Store) -> Result<(), StoreError> {
        let (engine, store) = (Arc::clone(self), store.clone());
        tokio::spawn(async move { engine.current(&store, &Silent).await })
            .await
            .map_err(|e| StoreError::Unavailable(format!("the analytics task failed: {e}")))?
    }

    /// Builds the projection of the whole log, page by page.
    async fn build(&self, store: &Store, progress: &dyn Progress) -> Result<(), StoreError> {
        let head = store.snapshot().await?.seq();
        let last = store.last_decision_id().await?;
        let mut facts = Facts::new();
        facts.reserve(usize::try_from(last).unwrap_or(0));
        progress.start("reading the log", u64::try_from(last).unwrap_or(0));
        store
            .all_facts(PAGE, &mut |row| facts.upsert(row), &mut |read| {
                progress.advance(u64::try_from(read).unwrap_or(0));
            })
            .await?;
        let (directories, guides) = versions(store).await?;
        let mut projection = Projection {
            facts,
            seq: head,
            built: true,
            directories,
            guides,
        };
        projection.judge(true);
        progress.finish();
        *self.state.write().map_err(|_| poisoned())? = projection;
        Ok(())
    }

    /// Runs `f` over the projection on a blocking thread: a scan of ten
    /// million decisions must not hold up the runtime's other requests.
    pub async fn read<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Projection) -> T + Send + 'static,
    {
        let state = Arc::clone(&self.state);
        tokio::task::spawn_blocking(move || {
            let p = state.read().map_err(|_| poisoned())?;
            Ok(f(&p))
        })
        .await
        .map_err(|e| StoreError::Unavailable(format!("the analytics task failed: {e}")))?
    }
}

/// Every directory version and every team's guide in force, read through
/// (never trusting a change notice not yet heard).
async fn versions(store: &Store) -> Result<(Option<Directories>, Vec<Arc<Guide>>), StoreError> {
    let directories = match store.directories().await {
        Ok(d) => Some(d),
        Err(StoreError::NoDirectory) => None,
        Err(e) => return Err(e),
    };
    let mut guides = Vec::new();
    if directories.is_some() {
        for team in store.teams().await? {
            guides.push(store.guide_checked(&team).await?);
        }
    }
    Ok((directories, guides))
}
