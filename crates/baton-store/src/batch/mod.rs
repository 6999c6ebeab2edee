//! Group commit for decision writes.
//!
//! Every `open` and `act` must be durable before it is acknowledged, and a
//! durable commit (an fsync, a WAL flush) costs more than the statements
//! inside it. So one writer task per store takes every job queued while
//! the previous commit ran (yielding first while the callers it just
//! answered queue their next) and writes them all in one transaction, and its
//! callers hear back only after that commit: what is acknowledged is
//! durable, exactly as for a lone write.
//!
//! A batch holds the write lock from its first read to its commit. It reads
//! once what all its jobs need (`write`), plans every job in memory in
//! order (`plan`: each job sees what the jobs before it left, as if each
//! had been written alone), then writes every row and event in one call
//! to the database. Round trips per batch stay the same however many jobs it
//! holds, which is what lets concurrent callers share one commit.
//!
//! The writer keeps one connection for itself, so the pages its writes
//! touch stay in that connection's cache instead of being read back by
//! whichever pooled connection comes next; and an `open` reads its org
//! state on it, under the write lock, so load limits count every decision
//! opened before it.
//!
//! A job's plan is a pure function of what it reads. A plan that refuses (a
//! lifecycle rule, a missing decision) writes nothing and leaves the batch
//! alone. When the database fails a batch before its commit, nothing of it
//! was written, and every job is run again in a transaction of its own (on
//! a fresh connection) so only the job at fault sees the error. When the
//! commit itself fails, whether it took effect is unknown, so nothing is
//! run again and every caller is told so.

use std::panic::AssertUnwindSafe;
use std::sync::Mutex;

use baton_core::DecisionId;
use baton_core::lifecycle::{Decision, Event};
use baton_core::resolve::OrgState;
use sqlx::pool::PoolConnection;
use sqlx::{Postgres, Sqlite};
use tokio::sync::{mpsc, oneshot};

use crate::chain;
use crate::state::{Footprint, StateQuery};
use crate::{Backend, Fault, Store, StoreError};

mod plan;
mod write;

/// The most jobs one transaction takes, so a batch holds the write lock
/// only briefly and its statements stay small.
const MAX_BATCH: usize = 64;

/// How many times the writer yields, at most, while its queue grows before
/// it cuts a batch.
const GATHER_YIELDS: usize = 4;

/// What a job writes: the decision as it now stands and the events that
/// record the change (none when nothing changed, and then nothing is
/// written).
#[derive(Debug)]
pub(crate) struct Writes {
    pub decision: Decision,
    /// The decision as read, before this change; `None` for a new one.
    pub before: Option<Before>,
    pub events: Vec<Event>,
}

/// What a change read of the decision it changes: the version that guards
/// its save, and the row's part in the org state, which the change moves.
#[derive(Debug)]
pub(crate) struct Before {
    pub version: i64,
    pub footprint: Footprint,
}

/// A job's work: what it reads under the write lock, and its plan over
/// that. Plans are pure, so a failed batch can run them again.
enum Work {
    /// Changes decision `id`, planned from its record (`None` when there is
    /// none).
    Record(DecisionId, Box<RecordPlan>),
    /// Opens a decision, planned from the id it takes, the org state and
    /// the (directory, guide) versions in force; `None` when those versions
    /// say to plan again outside (the guide given is no longer in force).
    State(StateQuery, Box<StatePlan>),
}

type RecordPlan = dyn Fn(Option<&str>) -> Result<Writes, StoreError> + Send + Sync;

type StatePlan =
    dyn Fn(DecisionId, &OrgState, (i64, i64)) -> Result<Option<Writes>, StoreError> + Send + Sync;

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
        id: DecisionId,
        plan: impl Fn(Option<&str>) -> Result<Writes, StoreError> + Send + Sync + 'static,
    ) -> Result<Writes, StoreError> {
        self.queue_change(id, plan)?.written().await
    }

    /// [`Store::change`] queued now and answered later, so that a caller
    /// with many changes to make lets them share batches, in its order.
    pub(crate) fn queue_change(
        &self,
        id: DecisionId,
        plan: impl Fn(Option<&str>) -> Result<Writes, StoreError> + Send + Sync + 'static,
    ) -> Result<Queued, StoreError> {
        self.queue(Work::Record(id, Box::new(plan)))
    }

    /// Opens a decision as `plan` says from the org state `query` reads
    /// under the write lock; answers once committed, or `None` when the
    /// plan asks to be made again.
    pub(crate) async fn open_from_state(
        &self,
        query: StateQuery,
        plan: impl Fn(DecisionId, &OrgState, (i64, i64)) -> Result<Option<Writes>, StoreError>
        + Send
        + Sync
        + 'static,
    ) -> Answer {
        self.write(Work::State(query, Box::new(plan))).await
    }

    async fn write(&self, work: Work) -> Answer {
        self.queue(work)?.answer().await
    }

    fn queue(&self, work: Work) -> Result<Queued, StoreError> {
        let (reply, answer) = oneshot::channel();
        self.writer.queue(&self.backend, Job { work, reply })?;
        Ok(Queued(answer))
    }
}

/// A write in the writer's queue; its answer comes once its batch commits.
pub(crate) struct Queued(oneshot::Receiver<Answer>);

impl Queued {
    async fn answer(self) -> Answer {
        self.0.await.map_err(|_| {
            StoreError::Unavailable(
                "the store's writer stopped before the write was answered".into(),
            )
        })?
    }

    /// The answer to a change, which always plans writes or refuses.
    pub(crate) async fn written(self) -> Result<Writes, StoreError> {
        self.answer()
            .await?
            .ok_or_else(|| StoreError::Unavailable("a change was not planned".into()))
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
        // Group commit's delay: the callers the last batch answered are
        // runnable now and about to queue their next writes. Yielding while
        // the queue still grows (a few times at most) lets them join this
        // batch rather than wait out its commit; when nobody else is
        // writing, the queue does not grow and one yield is all it costs.
        let mut waiting = queue.len();
        for _ in 0..GATHER_YIELDS {
            tokio::task::yield_now().await;
            let now = queue.len();
            if now == waiting {
                break;
            }
            waiting = now;
        }
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
        let mut tried = commit(&backend, &mut held, &jobs).await;
        // A connection broken while the database restarted fails only
        // itself: before any commit nothing was written, so the batch goes
        // once more on a fresh connection.
        if matches!(&tried, Err(Failed::Before(e)) if e.fault() == Fault::Unreachable) {
            tried = commit(&backend, &mut held, &jobs).await;
        }
        let answers = match tried {
            Ok(answers) => answers,
            // A full disk or a database gone fails each write alike:
            // trying them one by one would only wait for each in turn.
            Err(Failed::Before(e)) if e.fault() != Fault::Other => {
                tracing::warn!(error = %e, jobs = jobs.len(), "a write batch failed");
                jobs.iter()
                    .map(|_| Err(StoreError::shared(e.fault(), e.detail())))
                    .collect()
            }
            Err(Failed::Before(e)) => {
                tracing::warn!(error = %e, jobs = jobs.len(), "a write batch failed; running its writes one by one");
                alone(&backend, &mut held, &jobs).await
            }
            Err(Failed::AtCommit(e)) => {
                tracing::warn!(error = %e, jobs = jobs.len(), "a write batch's commit failed");
                jobs.iter()
                    .map(|_| Err(StoreError::uncertain(&e)))
                    .collect()
            }
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
                Err(Failed::AtCommit(e)) => Err(StoreError::uncertain(&e)),
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

/// Runs `$jobs` as one batch on `$conn`: begins with `$begin`, which takes
/// the write lock, reads with `$read`, plans, writes with `$write` and
/// commits; evaluates to each job's answer, or returns how it failed.
macro_rules! commit_batch {
    ($conn:expr, $jobs:expr, $begin:expr, $read:path, $write:path) => {{
        let result: Result<Vec<Answer>, Failed> = async {
            let mut tx = sqlx::Connection::begin_with(&mut **$conn, $begin).await?;
            let (head, reads) = $read(&mut tx, $jobs).await?;
            let planned = plan::plan($jobs, head.decisions, reads);
            if !planned.rows.is_empty() {
                let events = chain::linked(&head, plan::entries(&planned));
                $write(&mut tx, &planned.rows, &events).await?;
            }
            tx.commit().await.map_err(|e| Failed::AtCommit(e.into()))?;
            Ok(planned.answers)
        }
        .await;
        match result {
            Ok(answers) => answers,
            Err(e) => {
                // A connection a batch failed on is never used again. A
                // BEGIN that fails after opening a transaction (on
                // PostgreSQL the lock is taken in it, and its wait can be
                // cancelled) leaves one sqlx does not count as begun; a
                // COMMIT that fails (a full disk) one sqlx still counts, so
                // the next BEGIN on it is refused; and a broken connection
                // may be why it failed.
                $conn.close_on_drop();
                return Err(e);
            }
        }
    }};
}

/// Runs `jobs` in one write transaction on the writer's connection (taken
/// from the pool when it has none), giving each job's own answer in order.
/// On failure the connection is closed, in case it is the fault.
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
            let answers = commit_batch!(
                &mut conn,
                jobs,
                crate::dialect::Dialect::Sqlite.begin_batch(),
                write::read_sqlite,
                write::write_sqlite
            );
            (answers, Held::Sqlite(conn))
        }
        Held::Postgres(mut conn) => {
            let answers = commit_batch!(
                &mut conn,
                jobs,
                crate::dialect::Dialect::Postgres.begin_batch(),
                write::read_postgres,
                write::write_postgres
            );
            (answers, Held::Postgres(conn))
        }
    };
    *held = Some(conn);
    Ok(answers)
}

#[cfg(test)]
mod tests {
    #![allow(
        clippy::unwrap_used,
        clippy::panic,
        reason = "a test fails loudly, and this one panics on purpose"
    )]

    use baton_core::examples;
    use chrono::{DateTime, Utc};

    use super::*;
    use crate::Opening;

    #[tokio::test]
    async fn a_plan_that_panics_fails_alone_and_the_writer_goes_on() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("panic.db").display());
        let store = Store::connect(&url).await.unwrap();
        let at: DateTime<Utc> = "2026-03-01T12:00:00Z".parse().unwrap();
        store
            .apply(
                Some(("org.yaml", examples::ORG)),
                &[("deference.yaml", examples::GUIDE)],
                at,
            )
            .await
            .unwrap();
        let err = store
            .change(DecisionId::FIRST, |_| panic!("a bug in a plan"))
            .await
            .unwrap_err();
        assert!(
            matches!(&err, StoreError::Unavailable(m) if m.contains("nothing was written")),
            "{err}"
        );
        let opening = Opening {
            team: "platform".into(),
            decision_type: "incident".into(),
            title: "after the panic".into(),
            context: serde_json::json!({}),
            requester: "ana".into(),
            at,
        };
        assert_eq!(
            store.decisions().open(&opening).await.unwrap().id,
            DecisionId::FIRST
        );
        store.close().await;
    }
}
