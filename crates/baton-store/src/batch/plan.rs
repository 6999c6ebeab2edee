//! Planning a batch in memory, between its reads and its one write.
//!
//! A batch reads everything its jobs need first (the records they change,
//! the org state each kind of open reads), then plans every job against
//! those reads as the jobs before it left them, then writes the lot. Each
//! job therefore sees exactly what it would have seen alone after the jobs
//! before it had been written: the record a job wrote is the record the
//! next job reads, the decision a job opens counts toward the next open's
//! load, and ids follow on.

use std::collections::HashMap;

use baton_core::DecisionId;
use baton_core::lifecycle::Decision;

use super::{Answer, Job, Work, Writes, guarded};
use crate::StoreError;
use crate::row::record_json;
use crate::state::{Footprint, StateQuery, Tally};

/// What a batch read under the write lock, before planning.
#[derive(Debug, Default)]
pub(super) struct Reads {
    /// The stored record of each decision a job changes; absent: none.
    pub records: HashMap<DecisionId, String>,
    /// The org state of each kind of open in the batch.
    pub tallies: Vec<Tally>,
}

/// The decision rows a batch writes, each once, as the batch leaves it.
#[derive(Debug)]
pub(super) struct Row {
    pub decision: Decision,
    pub record: String,
    /// The version the database holds now; `None` for a new decision.
    pub read_version: Option<i64>,
}

/// A planned batch: each job's answer, in order, and the rows to write.
/// The events to write are those of the answers that are writes.
#[derive(Debug)]
pub(super) struct Planned {
    pub answers: Vec<Answer>,
    pub rows: Vec<Row>,
    /// Per answer, the record its change wrote (`None` for an answer that
    /// writes nothing): its last event carries the record's digest.
    pub records: Vec<Option<String>>,
}

/// The state queries the batch's opens run, one per kind, each widened to
/// every window of its kind.
pub(super) fn state_queries(jobs: &[Job]) -> Vec<StateQuery> {
    let mut queries: Vec<StateQuery> = Vec::new();
    for job in jobs {
        if let Work::State(query, _) = &job.work {
            match queries.iter_mut().find(|q| q.reads_like(query)) {
                Some(wider) => wider.widen(query),
                None => queries.push(query.clone()),
            }
        }
    }
    queries
}

/// The decisions the batch's changes read.
pub(super) fn record_ids(jobs: &[Job]) -> Vec<DecisionId> {
    let mut ids: Vec<DecisionId> = jobs
        .iter()
        .filter_map(|job| match &job.work {
            Work::Record(id, _) => Some(*id),
            Work::State(..) => None,
        })
        .collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// Plans `jobs` in order from `reads`, `last_id` being the highest decision
/// id stored.
pub(super) fn plan(jobs: &[Job], mut last_id: i64, mut reads: Reads) -> Planned {
    let mut answers = Vec::with_capacity(jobs.len());
    let mut records = Vec::with_capacity(jobs.len());
    let mut rows: Vec<Row> = Vec::new();
    let mut row_of: HashMap<DecisionId, usize> = HashMap::new();
    for job in jobs {
        let planned = match &job.work {
            Work::Record(id, plan) => {
                let record = reads.records.get(id).map(String::as_str);
                guarded(|| plan(record).map(Some))
            }
            Work::State(query, plan) => {
                match reads.tallies.iter().find(|t| t.query.reads_like(query)) {
                    Some(tally) => DecisionId::new(last_id + 1)
                        .map_err(|e| StoreError::Corrupt(e.to_string()))
                        .and_then(|next| guarded(|| plan(next, tally.org(), tally.versions))),
                    None => Err(StoreError::Unavailable(
                        "the org state for this decision was not read".into(),
                    )),
                }
            }
        };
        let writes = match planned {
            Ok(Some(writes)) if !writes.events.is_empty() => writes,
            other => {
                answers.push(other);
                records.push(None);
                continue;
            }
        };
        let record = match record_json(&writes.decision) {
            Ok(record) => record,
            Err(e) => {
                answers.push(Err(e));
                records.push(None);
                continue;
            }
        };
        let id = writes.decision.id;
        if !reads.tallies.is_empty() {
            let before = writes.before.as_ref().map(|b| &b.footprint);
            let after = Footprint::of(&writes.decision);
            for tally in &mut reads.tallies {
                tally.moved(before, &after);
            }
        }
        reads.records.insert(id, record.clone());
        last_id = last_id.max(id.get());
        keep(&mut rows, &mut row_of, &writes, record.clone());
        answers.push(Ok(Some(writes)));
        records.push(Some(record));
    }
    Planned {
        answers,
        rows,
        records,
    }
}

/// Adds a job's decision row to those the batch writes: a decision written
/// twice is written once, as it stands last, guarded by the version the
/// database holds (or inserted, when the batch opened it).
fn keep(
    rows: &mut Vec<Row>,
    row_of: &mut HashMap<DecisionId, usize>,
    writes: &Writes,
    record: String,
) {
    let id = writes.decision.id;
    match row_of.get(&id) {
        Some(&i) => {
            rows[i].decision = writes.decision.clone();
            rows[i].record = record;
        }
        None => {
            row_of.insert(id, rows.len());
            rows.push(Row {
                decision: writes.decision.clone(),
                record,
                read_version: writes.before.as_ref().map(|b| b.version),
            });
        }
    }
}

/// The events of every write in `planned`, in order, each change's last
/// carrying the digest of the record it wrote: the batch's chain entries.
pub(super) fn entries(planned: &Planned) -> impl Iterator<Item = crate::chain::Entry<'_>> {
    planned
        .answers
        .iter()
        .zip(&planned.records)
        .filter_map(|(a, record)| Some((a.as_ref().ok()?.as_ref()?, record.as_deref()?)))
        .flat_map(|(w, record)| crate::chain::change(&w.events, record))
}
