//! Group commit for decision writes.
//!
//! Every `open` and `act` must be durable before it is acknowledged, and a
//! durable commit (an fsync, a WAL flush) costs more than the statements
//! inside it. So one writer task per store takes every job queued while
//! the previous commit ran and writes them all in one transaction. Each job
//! still sees the state the jobs before it left (the batch holds the write
//! lock from its first read to its commit, as a lone write did), and its
//! caller hears back only after the batch has committed: what is
//! acknowledged is durable, exactly as before.
//!
//! The writer keeps one connection for itself, so the pages its writes
//! touch stay in that connection's cache instead of being read back by
//! whichever pooled connection comes next; and an `open` reads its org
//! state on it, under the write lock, so load limits count every decision
//! opened before it.
//!
//! A job's plan is a pure function of the chain head and what it reads. A
//! plan that refuses (a lifecycle rule, a missing decision) writes nothing
//! and leaves the batch alone. When the database fails a batch before its
//! commit, nothing of it was written, and every job is run again in a
//! transaction of its own (on a fresh connection) so only the job at fault
//! sees the error. When the commit itself fails, whether it took effect is
//! unknown, so nothing is run again and every caller is told so.

use std::panic::AssertUnwindSafe;
use std::sync::Mutex;

use baton_core::lifecycle::{Decision, Event};
use baton_core::resolve::OrgState;
use sqlx::pool::PoolConnection;
use sqlx::{Postgres, Row, Sqlite};
use tokio::sync::{mpsc, oneshot};

use crate::chain::{self, Head, bind_event};
use crate::log::{
    INSERT_DECISION, INSERT_DECISION_PARAMS, RECORD_OF, SAVE_DECISION, SAVE_DECISION_PARAMS,
    bind_insert, bind_save, record_json,
};
use crate::state::{self, StateQuery, fetch_state};
use crate::{Backend, Store, StoreError};

/// The most jobs one transaction takes, so a batch holds the write lock
/// only briefly and its statements stay small.
const MAX_BATCH: usize = 64;

/// What a job writes: the decision as it now stands and the events that
/// record the change (none when nothing changed, and then nothing is
/// written).
#[derive(Debug)]
pub(crate) struct Writes {
    pub decision: Decision,
    /// The version the record was read at; `None` for a new decision.
    pub read_version: Option<i64>,
    pub events: Vec<Event>,
}

/// A job's work: what it reads under the write lock, and its plan over
/// that. Plans are pure, so a failed batch can run them again.
enum Work {
    /// Changes decision `id`, planned from its record (`None` when there is
    /// none).
    Record(i64, Box<RecordPlan>),
    /// Opens a decision, planned from the chain head, the org state and the
    /// (directory, guide) versions in force; `None` when those versions say
    /// to plan again outside (the guide given is no longer in force).
    State(StateQuery, Box<StatePlan>),
}

type RecordPlan = dyn Fn(Option<&str>) -> Result<Writes, StoreError> + Send + Sync;

type StatePlan =
    dyn Fn(&Head, &OrgState, (i64, i64)) -> Result<Option<Writes>, StoreError> + Send + Sync;

type Answer = Result<Option<Writes>, StoreError>;

struct Job {
    work: Work,
    reply: oneshot::Sender<Answer>,
}

/// The queue to the store's writer task, started by the first write in the
/// caller's runtime (and again should that runtime have shut down).
#[derive(Debug, Default)]
pub(crate) struct Writer {
    queue: Mutex<Queue>,
}

#[derive(Debug, Default)]
struct Queue {
    sender: Option<mpsc::UnboundedSender<Job>>,
    /// Set by [`Store::close`]: no writer starts again, so none holds a
    /// connection the closing pool waits for.
    closed: bool,
}

impl Store {
    /// Changes decision `id` as `plan` says from its record, under the write
    /// lock; answers once committed.
    pub(crate) async fn change(
        &self,
        id: i64,
        plan: impl Fn(Option<&str>) -> Result<Writes, StoreError> + Send + Sync + 'static,
    ) -> Result<Writes, StoreError> {
        self.write(Work::Record(id, Box::new(plan)))
            .await?
            .ok_or_else(|| StoreError::Unavailable("a change was not planned".into()))
    }

    /// Opens a decision as `plan` says from the org state `query` reads
    /// under the write lock; answers once committed, or `None` when the
    /// plan asks to be made again.
    pub(crate) async fn open_from_state(
        &self,
        query: StateQuery,
        plan: impl Fn(&Head, &OrgState, (i64, i64)) -> Result<Option<Writes>, StoreError>
        + Send
        + Sync
        + 'static,
    ) -> Answer {
        self.write(Work::State(query, Box::new(plan))).await
    }

    async fn write(&self, work: Work) -> Answer {
        let (reply, answer) = oneshot::channel();
        self.writer.queue(&self.backend, Job { work, reply })?;
        answer.await.map_err(|_| {
            StoreError::Unavailable(
                "the store's writer stopped before the write was answered".into(),
            )
        })?
    }
}

impl Writer {
    /// Lets the writer task finish its batch and end, returning its
    /// connection so that the pool can close, and starts no other.
    pub(crate) fn stop(&self) {
        if let Ok(mut queue) = self.queue.lock() {
            queue.sender = None;
            queue.closed = true;
        }
    }

    fn queue(&self, backend: &Backend, job: Job) -> Result<(), StoreError> {
        let mut queue = self
            .queue
            .lock()
            .map_err(|_| StoreError::Unavailable("the store's write queue is poisoned".into()))?;
        if queue.closed {
            return Err(StoreError::Unavailable("the store is closed".into()));
        }
        let job = match &queue.sender {
            Some(sender) => match sender.send(job) {
                Ok(()) => return Ok(()),
                Err(mpsc::error::SendError(job)) => job,
            },
            None => job,
        };
        let runtime = tokio::runtime::Handle::try_current().map_err(|_| {
            StoreError::Unavailable("the store was used outside a Tokio runtime".into())
        })?;
        let (sender, receiver) = mpsc::unbounded_channel();
        runtime.spawn(run(backend.clone(), receiver));
        sender
            .send(job)
            .map_err(|_| StoreError::Unavailable("the store's writer did not start".into()))?;
        queue.sender = Some(sender);
        Ok(())
    }
}

/// The writer's own connection.
enum Held {
    Sqlite(PoolConnection<Sqlite>),
    Postgres(PoolConnection<Postgres>),
}

/// The writer task: batches until every handle to the store is gone.
async fn run(backend: Backend, mut queue: mpsc::UnboundedReceiver<Job>) {
    let mut held = None;
    while let Some(first) = queue.recv().await {
        let mut jobs = vec![first];
        while jobs.len() < MAX_BATCH {
            match queue.try_recv() {
                Ok(job) => jobs.push(job),
                Err(_) => break,
            }
        }
        // A caller that stopped waiting gets no write it cannot learn of.
        jobs.retain(|job| !job.reply.is_closed());
        if jobs.is_empty() {
            continue;
        }
        let answers = match commit(&backend, &mut held, &jobs).await {
            Ok(answers) => answers,
            Err(Failed::Before(e)) => {
                tracing::warn!(error = %e, jobs = jobs.len(), "a write batch failed; running its writes one by one");
                alone(&backend, &mut held, &jobs).await
            }
            Err(Failed::AtCommit(e)) => jobs.iter().map(|_| Err(unknown(&e))).collect(),
        };
        for (job, answer) in jobs.into_iter().zip(answers) {
            // The caller may have gone meanwhile; its write stands.
            let _ = job.reply.send(answer);
        }
    }
}

/// How a batch failed.
enum Failed {
    /// Before its commit: nothing was written, and running it again is safe.
    Before(StoreError),
    /// At its commit: it may or may not have been written.
    AtCommit(StoreError),
}

impl<E: Into<StoreError>> From<E> for Failed {
    fn from(e: E) -> Self {
        Self::Before(e.into())
    }
}

fn unknown(e: &StoreError) -> StoreError {
    StoreError::Unavailable(format!(
        "the commit failed and may or may not have taken effect: read the decision again before retrying ({e})"
    ))
}

/// Each job in a transaction of its own, after their batch failed before
/// its commit.
async fn alone(backend: &Backend, held: &mut Option<Held>, jobs: &[Job]) -> Vec<Answer> {
    let mut answers = Vec::with_capacity(jobs.len());
    for job in jobs {
        answers.push(
            match commit(backend, held, std::slice::from_ref(job)).await {
                Ok(mut answer) => answer.pop().unwrap_or_else(|| {
                    Err(StoreError::Unavailable(
                        "a write was lost from its batch".into(),
                    ))
                }),
                Err(Failed::Before(e)) => Err(e),
                Err(Failed::AtCommit(e)) => Err(unknown(&e)),
            },
        );
    }
    answers
}

/// Runs a plan, turning a panic into an error for its job alone rather
/// than ending the writer and every write queued behind it.
fn guarded<T>(plan: impl FnOnce() -> Result<T, StoreError>) -> Result<T, StoreError> {
    std::panic::catch_unwind(AssertUnwindSafe(plan)).unwrap_or_else(|_| {
        Err(StoreError::Unavailable(
            "baton failed while planning this write (a bug): nothing was written".into(),
        ))
    })
}

/// Runs `$jobs` in the open write transaction `$tx` whose locked head row
/// is `$head_row`, writing with `$dialect`'s combined statement; evaluates
/// to each job's answer, or returns the database's error (and the
/// transaction, dropped, rolls back).
macro_rules! run_jobs {
    ($tx:ident, $head_row:expr, $jobs:expr, $dialect:expr) => {{
        let mut head = Head::from_row(&$head_row)?;
        let mut answers = Vec::with_capacity($jobs.len());
        for job in $jobs {
            let planned = match &job.work {
                Work::Record(id, plan) => {
                    let record: Option<String> = sqlx::query(RECORD_OF)
                        .bind(id)
                        .fetch_optional(&mut *$tx)
                        .await?
                        .map(|r| r.try_get("record"))
                        .transpose()?;
                    guarded(|| plan(record.as_deref()).map(Some))
                }
                Work::State(query, plan) => {
                    let (org, versions) = state::parse(fetch_state!(&mut *$tx, query))?;
                    guarded(|| plan(&head, &org, versions))
                }
            };
            let writes = match planned {
                Ok(Some(writes)) => writes,
                other => {
                    answers.push(other);
                    continue;
                }
            };
            if !writes.events.is_empty() {
                let (rows, next) = chain::linked(&head, &writes.events);
                let shape = Shape::of(&writes);
                let record = record_json(&writes.decision)?;
                let sql = sqlx::AssertSqlSafe(shape.sql($dialect));
                let query = match writes.read_version {
                    None => bind_insert!(sqlx::query(sql), &writes.decision, &record),
                    Some(version) => {
                        bind_save!(sqlx::query(sql), &writes.decision, &record, version)
                    }
                };
                let query = rows.iter().fold(query, |q, row| bind_event!(q, row));
                let written = query.execute(&mut *$tx).await?.rows_affected();
                if written != shape.rows_written($dialect) {
                    // Cannot happen under the write lock; refuse rather
                    // than chain events onto a record that was not saved.
                    return Err(Failed::Before(StoreError::Conflict(writes.decision.id)));
                }
                head = Head {
                    decisions: head.decisions.max(writes.decision.id),
                    ..next
                };
            }
            answers.push(Ok(Some(writes)));
        }
        answers
    }};
}

/// Runs `jobs` in one write transaction on the writer's connection (taken
/// from the pool when it has none), giving each job's own answer in order.
/// On failure the connection is given back, in case it is the fault.
async fn commit(
    backend: &Backend,
    held: &mut Option<Held>,
    jobs: &[Job],
) -> Result<Vec<Answer>, Failed> {
    let conn = match held.take() {
        Some(conn) => conn,
        None => match backend {
            Backend::Sqlite(pool) => Held::Sqlite(pool.acquire().await?),
            Backend::Postgres(pool) => Held::Postgres(pool.acquire().await?),
        },
    };
    let (answers, conn) = match conn {
        Held::Sqlite(mut conn) => {
            let answers = commit_sqlite(&mut conn, jobs).await?;
            (answers, Held::Sqlite(conn))
        }
        Held::Postgres(mut conn) => {
            let answers = commit_postgres(&mut conn, jobs).await?;
            (answers, Held::Postgres(conn))
        }
    };
    *held = Some(conn);
    Ok(answers)
}

async fn commit_sqlite(
    conn: &mut PoolConnection<Sqlite>,
    jobs: &[Job],
) -> Result<Vec<Answer>, Failed> {
    let mut tx = sqlx::Connection::begin_with(&mut **conn, "BEGIN IMMEDIATE").await?;
    let row = sqlx::query(chain::READ_HEAD).fetch_one(&mut *tx).await?;
    let answers = run_jobs!(tx, row, jobs, Dialect::Sqlite);
    tx.commit().await.map_err(|e| Failed::AtCommit(e.into()))?;
    Ok(answers)
}

async fn commit_postgres(
    conn: &mut PoolConnection<Postgres>,
    jobs: &[Job],
) -> Result<Vec<Answer>, Failed> {
    let mut tx = sqlx::Connection::begin(&mut **conn).await?;
    let row = sqlx::query(chain::LOCK_HEAD).fetch_one(&mut *tx).await?;
    let answers = run_jobs!(tx, row, jobs, Dialect::Postgres);
    tx.commit().await.map_err(|e| Failed::AtCommit(e.into()))?;
    Ok(answers)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Dialect {
    Sqlite,
    Postgres,
}

/// The shape of one job's writes: a new or a saved decision, and how many
/// events. Both go to the database as one statement: on SQLite two
/// statements in one string (sqlx runs them in one call to its worker
/// thread), on PostgreSQL one statement whose events are inserted only if
/// the decision was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Shape {
    new: bool,
    events: usize,
}

impl Shape {
    fn of(writes: &Writes) -> Self {
        Self {
            new: writes.read_version.is_none(),
            events: writes.events.len(),
        }
    }

    fn sql(self, dialect: Dialect) -> String {
        let (decision, params) = if self.new {
            (INSERT_DECISION, INSERT_DECISION_PARAMS)
        } else {
            (SAVE_DECISION, SAVE_DECISION_PARAMS)
        };
        let values = chain::event_values(params + 1, self.events);
        let columns = chain::EVENT_COLUMNS;
        match dialect {
            Dialect::Sqlite => {
                format!("{decision}; INSERT INTO events ({columns}) VALUES {values}")
            }
            Dialect::Postgres => format!(
                "WITH d AS ({decision} RETURNING 1) INSERT INTO events ({columns}) SELECT * FROM (VALUES {values}) AS e WHERE EXISTS (SELECT 1 FROM d)"
            ),
        }
    }

    /// The rows the statement reports when the decision row was written.
    fn rows_written(self, dialect: Dialect) -> u64 {
        let events = self.events as u64;
        match dialect {
            Dialect::Sqlite => 1 + events,
            Dialect::Postgres => events,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_saved_decision_and_its_events_are_numbered_in_one_sequence() {
        let sql = Shape {
            new: false,
            events: 2,
        }
        .sql(Dialect::Sqlite);
        assert!(sql.starts_with(SAVE_DECISION));
        assert!(sql.ends_with("VALUES ($13, $14, $15, $16, $17, $18, $19, $20), ($21, $22, $23, $24, $25, $26, $27, $28)"));
    }

    #[test]
    fn postgres_inserts_the_events_only_if_the_decision_was_written() {
        let sql = Shape {
            new: true,
            events: 1,
        }
        .sql(Dialect::Postgres);
        assert!(sql.starts_with("WITH d AS (INSERT INTO decisions"));
        assert!(sql.contains("RETURNING 1) INSERT INTO events (seq,"));
        assert!(sql.contains("SELECT * FROM (VALUES ($21,"));
        assert!(sql.ends_with("WHERE EXISTS (SELECT 1 FROM d)"));
    }
}
