//! Compiled directory and guides, reused while their versions stand.
//!
//! Every read asks the database which versions are in force (one small
//! query), so a change applied through another process or replica is seen
//! at once; only compiling is skipped when nothing changed.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use baton_core::{Directory, Guide};

#[derive(Debug)]
pub(crate) struct Cache {
    /// For actions that read nobody from the directory.
    pub(crate) empty_directory: Arc<Directory>,
    directory: Mutex<Option<(i64, Arc<Directory>)>>,
    guides: Mutex<HashMap<String, CachedGuide>>,
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
            guides: Mutex::default(),
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
}
