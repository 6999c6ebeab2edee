//! Counterfactual replay (SPEC §6): the team's decisions of a window
//! resolved again under a new guide, with the org state each would have
//! seen had the new guide routed everything before it. The log comes
//! from the analytics projection (in (`opened_at`, id) order); the stored
//! requests of the decisions replayed are read from the store a page at a
//! time as the replay reaches them.

use std::collections::HashMap;

use baton_core::analytics::Window;
use baton_core::availability::HandoffStatus;
use baton_core::replay::{GuideAt, Past, ReplayReport, Replayer, Stored, order};
use baton_core::{DecisionId, Guide, LoadErrors};
use serde::Deserialize;

use crate::App;
use crate::analytics::Progress;
use crate::error::failure;

failure! {
    /// Why a replay could not run.
    pub enum ReplayError {
        #[error("{0}")]
        Invalid(String) => (Invalid, "invalid"),
        #[error("{0}")]
        BadGuide(LoadErrors) => (Invalid, "invalid_guide"),
    }
}

/// Decisions whose stored requests are read at once.
const PAGE: usize = 2_000;

/// What replay reads of a stored record.
#[derive(Deserialize)]
struct Record {
    title: String,
    requester: String,
    #[serde(default)]
    context: serde_json::Value,
    resolution: Routed,
}

#[derive(Deserialize)]
struct Routed {
    #[serde(default)]
    explanation: Vec<String>,
    guide_version: String,
}

/// The guide version an imported decision carries.
const IMPORTED: &str = "imported";

impl App {
    /// Replays `team`'s decisions opened in `window` (all of them with
    /// `None`) under the guide `text`, which must be `team`'s.
    pub async fn replay(
        &self,
        team: &str,
        text: &str,
        window: Option<Window>,
        progress: &dyn Progress,
    ) -> Result<ReplayReport, ReplayError> {
        let directory = self.store.directory().await?;
        let checked = baton_core::compile_guide("the new guide", text, directory)
            .map_err(ReplayError::BadGuide)?;
        if checked.team != team {
            return Err(ReplayError::Invalid(format!(
                "the guide is team `{}`'s, not `{team}`'s",
                checked.team
            )));
        }
        self.store.guide(team).await?;
        self.engine.current_detached(&self.store).await?;
        let (log, names, directories) = self
            .engine
            .read(|p| (order(&p.facts), p.facts.dictionary(), p.directories.clone()))
            .await?;
        let directories = directories.ok_or(baton_store::StoreError::NoDirectory)?;
        // The team's accepted hand-offs stand under the new guide as under
        // the old: they are records beside the files.
        let handoffs: Vec<_> = self
            .store
            .availability()
            .handoffs(None)
            .await?
            .into_iter()
            .filter(|h| h.team == team && h.status == HandoffStatus::Accepted)
            .collect();
        // The new guide as each directory version reads it.
        let compiled: Vec<(chrono::DateTime<chrono::Utc>, Result<Guide, String>)> = directories
            .shared()
            .map(|(at, dir)| {
                let guide = baton_core::compile_guide("the new guide", text, dir)
                    .map(|g| g.with_handoffs(&handoffs))
                    .map_err(|e| {
                        format!("against the directory of {}: {e}", baton_core::instant(at))
                    });
                (at, guide)
            })
            .collect();
        let guides: Vec<GuideAt<'_>> = compiled
            .iter()
            .map(|(from, guide)| GuideAt {
                from: *from,
                guide: guide.as_ref().map_err(Clone::clone),
            })
            .collect();
        let mut replayer = Replayer::new(team, window, &guides, &checked.version);
        progress.start("replaying the log", log.len() as u64);
        let mut done = 0u64;
        // The stored requests each page of the log needs, known ahead, so
        // the next page is read (on the database's own thread) while this
        // one is replayed.
        let wanted: Vec<Vec<DecisionId>> = log
            .chunks(PAGE)
            .map(|chunk| {
                chunk
                    .iter()
                    .filter(|f| {
                        replayer.replays(
                            names.text(f.team),
                            baton_core::analytics::instant_of(f.opened),
                        )
                    })
                    .map(|f| f.id())
                    .collect()
            })
            .collect();
        let fetch = |ids: &[DecisionId]| {
            let (store, ids) = (self.store.clone(), ids.to_vec());
            (!ids.is_empty()).then(|| tokio::spawn(async move { store.records_of(&ids).await }))
        };
        let mut next = wanted.first().and_then(|ids| fetch(ids));
        for (i, chunk) in log.chunks(PAGE).enumerate() {
            let rows = match next.take() {
                Some(reading) => reading.await.map_err(|e| {
                    baton_store::StoreError::Unavailable(format!(
                        "reading stored requests failed: {e}"
                    ))
                })??,
                None => Vec::new(),
            };
            next = wanted.get(i + 1).and_then(|ids| fetch(ids));
            if next.is_some() {
                // Lets the read just spawned reach the database before this
                // page's replay holds the thread.
                tokio::task::yield_now().await;
            }
            let mut stored: HashMap<i64, Stored> = HashMap::with_capacity(rows.len());
            for (id, text) in rows {
                let record: Record = serde_json::from_str(&text).map_err(|e| {
                    baton_store::StoreError::Corrupt(format!("decision {id}'s record: {e}"))
                })?;
                stored.insert(
                    id,
                    Stored {
                        title: record.title,
                        requester: record.requester,
                        context: record.context,
                        explanation: record.resolution.explanation,
                        imported: record.resolution.guide_version == IMPORTED,
                    },
                );
            }
            for fact in chunk {
                let request = stored.remove(&fact.id().get());
                replayer.step(&Past::of(fact, &names, request));
            }
            done += chunk.len() as u64;
            progress.advance(done);
        }
        progress.finish();
        Ok(replayer.finish())
    }
}
