//! Compiled directory and guides, reused while their versions stand.
//!
//! Which versions are in force is asked of the database on every read (one
//! small query), so a change applied through another process or replica is
//! seen at once — unless a change listener is live ([`Store::watch`]): then
//! the versions last read are trusted until a notification says something
//! changed, and reads skip that query.
//!
//! [`Store::watch`]: crate::Store::watch

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use baton_core::{Directory, Guide};

#[derive(Debug)]
pub(crate) struct Cache {
    /// For actions that read nobody from the directory.
    pub(crate) empty_directory: Arc<Directory>,
    directory: Mutex<Option<(i64, Arc<Directory>)>>,
    /// Directory versions other than the one in force, for judging history
    /// by the directory of its day. A version never changes, so an entry
    /// never goes stale; the map is only kept small.
    past: Mutex<HashMap<i64, Arc<Directory>>>,
    guides: Mutex<HashMap<String, CachedGuide>>,
    known: Mutex<Known>,
    /// The single-flight chain-head reader behind [`crate::Store::snapshot`].
    pub(crate) heads: Arc<crate::snapshot::HeadReads>,
    /// Values cached per chain position.
    pub(crate) at_seq: crate::snapshot::AtSeq,
}

/// The versions in force as last read, trusted only while `live`.
#[derive(Debug, Default)]
struct Known {
    /// Whether a change listener is connected, so no change goes unheard.
    live: bool,
    /// Bumped by every change notice: a read that started before a notice
    /// must not record what it read as current.
    generation: u64,
    /// Each version with when it was read: knowledge older than
    /// [`MAX_TRUST`] is asked for again, in case the listener's connection
    /// died without an error (a half-open socket sends no notices).
    org: Option<(i64, Instant)>,
    guides: HashMap<String, (i64, Instant)>,
}

/// How long versions heard of through a live listener are trusted before
/// they are asked for again.
const MAX_TRUST: Duration = Duration::from_secs(10);

/// A version read less than [`MAX_TRUST`] ago.
fn fresh(entry: Option<&(i64, Instant)>) -> Option<i64> {
    entry
        .filter(|(_, read)| read.elapsed() < MAX_TRUST)
        .map(|(v, _)| *v)
}

/// A team's compiled guide and the versions it was compiled from.
#[derive(Debug)]
struct CachedGuide {
    org: i64,
    guide: i64,
    compiled: Arc<Guide>,
}

impl Default for Cache {
    fn default() -> Self {
        Self {
            empty_directory: Arc::new(Directory::empty()),
            directory: Mutex::default(),
            past: Mutex::default(),
            guides: Mutex::default(),
            known: Mutex::default(),
            heads: Arc::default(),
            at_seq: Default::default(),
        }
    }
}

impl Cache {
    pub(crate) fn directory(&self, version: i64) -> Option<Arc<Directory>> {
        let slot = self.directory.lock().ok()?;
        slot.as_ref()
            .filter(|(v, _)| *v == version)
            .map(|(_, d)| Arc::clone(d))
    }

    pub(crate) fn keep_directory(&self, version: i64, directory: &Arc<Directory>) {
        if let Ok(mut slot) = self.directory.lock() {
            *slot = Some((version, Arc::clone(directory)));
        }
    }

    /// Directory `version`, whether in force or past.
    pub(crate) fn any_directory(&self, version: i64) -> Option<Arc<Directory>> {
        self.directory(version)
            .or_else(|| self.past.lock().ok()?.get(&version).cloned())
    }

    pub(crate) fn keep_past_directory(&self, version: i64, directory: &Arc<Directory>) {
        /// Past versions kept at most: a store whose every endorsement made
        /// a version has many, each the size of the directory.
        const MAX_PAST: usize = 64;
        if let Ok(mut past) = self.past.lock() {
            if past.len() >= MAX_PAST {
                past.clear();
            }
            past.insert(version, Arc::clone(directory));
        }
    }

    /// The team's cached guide whatever its versions, with them: for a
    /// caller that checks the versions in a statement it makes anyway.
    pub(crate) fn any_guide(&self, team: &str) -> Option<(i64, i64, Arc<Guide>)> {
        let map = self.guides.lock().ok()?;
        map.get(team)
            .map(|c| (c.org, c.guide, Arc::clone(&c.compiled)))
    }

    pub(crate) fn guide(&self, team: &str, org: i64, guide: i64) -> Option<Arc<Guide>> {
        let map = self.guides.lock().ok()?;
        map.get(team)
            .filter(|c| c.org == org && c.guide == guide)
            .map(|c| Arc::clone(&c.compiled))
    }

    pub(crate) fn keep_guide(&self, team: &str, org: i64, guide: i64, compiled: &Arc<Guide>) {
        if let Ok(mut map) = self.guides.lock() {
            map.insert(
                team.to_owned(),
                CachedGuide {
                    org,
                    guide,
                    compiled: Arc::clone(compiled),
                },
            );
        }
    }

    /// The directory version in force, if known without asking.
    pub(crate) fn known_org(&self) -> Option<i64> {
        let known = self.known.lock().ok()?;
        fresh(known.org.as_ref()).filter(|_| known.live)
    }

    /// The directory and guide versions of `team`, if known without asking.
    pub(crate) fn known_guide(&self, team: &str) -> Option<(i64, i64)> {
        let known = self.known.lock().ok()?;
        if !known.live {
            return None;
        }
        Some((fresh(known.org.as_ref())?, fresh(known.guides.get(team))?))
    }

    /// The generation a read starts in; pass it back to `learn_*`.
    pub(crate) fn generation(&self) -> u64 {
        self.known.lock().map_or(0, |k| k.generation)
    }

    pub(crate) fn learn_org(&self, generation: u64, org: i64) {
        if let Ok(mut known) = self.known.lock()
            && known.generation == generation
        {
            known.org = Some((org, Instant::now()));
        }
    }

    pub(crate) fn learn_guide(&self, generation: u64, team: &str, org: i64, guide: i64) {
        if let Ok(mut known) = self.known.lock()
            && known.generation == generation
        {
            known.org = Some((org, Instant::now()));
            known
                .guides
                .insert(team.to_owned(), (guide, Instant::now()));
        }
    }

    /// Something changed (or may have, unheard): forget the versions.
    pub(crate) fn changed(&self) {
        if let Ok(mut known) = self.known.lock() {
            known.generation += 1;
            known.org = None;
            known.guides.clear();
        }
    }

    /// Whether notices can be trusted to arrive; either way, forget.
    pub(crate) fn set_live(&self, live: bool) {
        if let Ok(mut known) = self.known.lock() {
            known.live = live;
        }
        self.changed();
    }
}
