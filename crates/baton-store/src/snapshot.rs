//! Read snapshots: what a read-only request needs from the database, in
//! one shared query.
//!
//! Every change baton makes — a decision action, an apply, a token created
//! or revoked — appends to the audit chain in its own transaction, so the
//! chain head's sequence number names the state of everything a read
//! depends on. A [`Snapshot`] is that number, read *after* the request
//! arrived; anything cached under the same number is current for it.
//!
//! Reading the head is single-flight: requests that arrive while a read is
//! under way wait for the next one, which starts after they arrived (so
//! they still see every write acknowledged before them), and share it. Under
//! load, one query serves every request of a round trip, where each used to
//! make three or four — the whole cost of a read request on SQLite is the
//! hand-off to its worker thread, not the SQL.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use baton_core::OrgState;
use baton_core::lifecycle::Decision;
use chrono::{DateTime, Utc};
use tokio::sync::watch;

use crate::{Fault, Store, StoreError, StoredEvent, on_pool};

/// The audit chain's length as of a moment after the caller asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Snapshot {
    pub(crate) seq: i64,
}

impl Snapshot {
    /// The number of audit events at the snapshot.
    pub fn seq(self) -> i64 {
        self.seq
    }
}

/// The single-flight reader of the chain head.
#[derive(Debug)]
pub(crate) struct HeadReads {
    rounds: Mutex<Rounds>,
    /// (round number, its result) of the latest finished round.
    done: watch::Sender<(u64, HeadRead)>,
}

#[derive(Debug, Default)]
struct Rounds {
    /// Rounds started so far; the running one, if any, is this number.
    started: u64,
    running: bool,
    /// Someone arrived during the running round and needs the next.
    wanted: bool,
}

/// A round's head, or how it failed (kept by kind, so a database gone is
/// still that for every waiter).
type HeadRead = Result<i64, (Fault, String)>;

impl Default for HeadReads {
    fn default() -> Self {
        Self {
            rounds: Mutex::default(),
            done: watch::Sender::new((0, Ok(0))),
        }
    }
}

impl Store {
    /// A snapshot taken after this call began.
    pub async fn snapshot(&self) -> Result<Snapshot, StoreError> {
        let reads = Arc::clone(&self.cache.heads);
        let mut done = reads.done.subscribe();
        let (target, start) = {
            let mut r = reads
                .rounds
                .lock()
                .map_err(|_| StoreError::Unavailable("the head reader is poisoned".into()))?;
            if r.running {
                r.wanted = true;
                (r.started + 1, false)
            } else {
                r.running = true;
                r.started += 1;
                (r.started, true)
            }
        };
        if start {
            let store = self.clone();
            tokio::spawn(async move { store.read_rounds(target).await });
        }
        let seen = done
            .wait_for(|(round, _)| *round >= target)
            .await
            .map_err(|_| StoreError::Unavailable("the head reader stopped".into()))?;
        match &seen.1 {
            Ok(seq) => Ok(Snapshot { seq: *seq }),
            Err((fault, e)) => Err(StoreError::shared(*fault, e.clone())),
        }
    }

    /// Runs head reads from round `first` for as long as someone waits.
    async fn read_rounds(&self, first: u64) {
        let reads = Arc::clone(&self.cache.heads);
        let mut round = first;
        loop {
            let result = self.read_head().await.map_err(|e| (e.fault(), e.detail()));
            let _previous = reads.done.send_replace((round, result));
            let Ok(mut r) = reads.rounds.lock() else {
                return;
            };
            if r.wanted {
                r.wanted = false;
                r.started += 1;
                round = r.started;
            } else {
                r.running = false;
                return;
            }
        }
    }

    async fn read_head(&self) -> Result<i64, StoreError> {
        use sqlx::Row;
        let seq: i64 = on_pool!(self, |pool| {
            sqlx::query("SELECT seq FROM chain_head WHERE id = 1")
                .fetch_one(pool)
                .await?
                .try_get("seq")?
        });
        Ok(seq)
    }
}

/// Values read at one chain position, reused while the head stands there.
/// Each map is cleared whole when it grows past [`AtSeq::LIMIT`] entries:
/// the working set of a server is a handful of tokens, teams and hot
/// decisions, and a spray of unknown ids must not grow memory.
#[derive(Debug, Default)]
pub(crate) struct AtSeq {
    tokens: Mutex<HashMap<String, (i64, crate::tokens::TokenInfo)>>,
    guides: Mutex<HashMap<String, (i64, Arc<baton_core::Guide>)>>,
    states: Mutex<HashMap<String, CachedState>>,
    decisions: Mutex<HashMap<baton_core::DecisionId, (i64, Arc<Shown>)>>,
}

/// An org state: the chain position and the instant it was read for.
type CachedState = (i64, DateTime<Utc>, Arc<OrgState>);

/// A decision with its events: what `GET /api/v1/decisions/{id}` shows.
pub type Shown = (Decision, Vec<StoredEvent>);

impl AtSeq {
    const LIMIT: usize = 10_000;
}

fn lookup<K, V>(map: &Mutex<HashMap<K, (i64, V)>>, key: &K, seq: i64) -> Option<V>
where
    K: std::hash::Hash + Eq,
    V: Clone,
{
    let map = map.lock().ok()?;
    map.get(key)
        .filter(|(at, _)| *at == seq)
        .map(|(_, v)| v.clone())
}

fn keep<K, V>(map: &Mutex<HashMap<K, V>>, key: K, value: V)
where
    K: std::hash::Hash + Eq,
{
    if let Ok(mut map) = map.lock() {
        if map.len() >= AtSeq::LIMIT {
            map.clear();
        }
        map.insert(key, value);
    }
}

/// A cached org state serves requests within this distance of the instant
/// it was read for: it holds the history a day either side of the widest
/// spread window, and the resolver filters by the exact window itself.
const STATE_SLACK: chrono::TimeDelta = chrono::TimeDelta::days(1);

impl Store {
    /// [`Store::authenticate`] as of `snap`: a live token seen at the same
    /// chain position is still live (creating or revoking a token moves
    /// the chain).
    pub async fn authenticate_at(
        &self,
        secret: &str,
        snap: Snapshot,
    ) -> Result<Option<crate::tokens::TokenInfo>, StoreError> {
        let key = crate::tokens::hash(secret);
        let at = &self.cache.at_seq;
        if let Some(info) = lookup(&at.tokens, &key, snap.seq) {
            return Ok(Some(info));
        }
        let info = self.tokens().authenticate(secret).await?;
        // Only live tokens are kept: unknown secrets must not fill memory.
        if let Some(i) = &info {
            keep(&at.tokens, key, (snap.seq, i.clone()));
        }
        Ok(info)
    }

    /// [`Store::guide`] as of `snap`.
    pub async fn guide_at(
        &self,
        team: &str,
        snap: Snapshot,
    ) -> Result<Arc<baton_core::Guide>, StoreError> {
        let at = &self.cache.at_seq;
        if let Some(g) = lookup(&at.guides, &team.to_owned(), snap.seq) {
            return Ok(g);
        }
        // Ask which versions stand rather than trust change notices: a
        // notice may still be on its way for the write this snapshot saw.
        let guide = self.guide_checked(team).await?;
        keep(&at.guides, team.to_owned(), (snap.seq, Arc::clone(&guide)));
        Ok(guide)
    }

    /// [`Store::org_state`] as of `snap`, for a request at `when`.
    pub async fn org_state_at(
        &self,
        guide: &baton_core::Guide,
        when: DateTime<Utc>,
        snap: Snapshot,
    ) -> Result<Arc<OrgState>, StoreError> {
        let at = &self.cache.at_seq;
        let cached = at.states.lock().ok().and_then(|map| {
            map.get(&guide.team)
                .filter(|(seq, read_for, _)| {
                    *seq == snap.seq && (when - *read_for).abs() < STATE_SLACK
                })
                .map(|(_, _, state)| Arc::clone(state))
        });
        if let Some(state) = cached {
            return Ok(state);
        }
        let state = Arc::new(
            self.org_state_between(
                guide,
                crate::shifted(when, -STATE_SLACK),
                crate::shifted(when, STATE_SLACK),
            )
            .await?,
        );
        keep(
            &at.states,
            guide.team.clone(),
            (snap.seq, when, Arc::clone(&state)),
        );
        Ok(state)
    }

    /// A decision and its events as of `snap`.
    pub async fn decision_at(
        &self,
        id: baton_core::DecisionId,
        snap: Snapshot,
    ) -> Result<Arc<Shown>, StoreError> {
        let at = &self.cache.at_seq;
        if let Some(found) = lookup(&at.decisions, &id, snap.seq) {
            return Ok(found);
        }
        let found = Arc::new(self.decisions().get_with_events(id).await?);
        keep(&at.decisions, id, (snap.seq, Arc::clone(&found)));
        Ok(found)
    }
}
