//! Decisions: open, act, tick, read.

use baton_core::DecisionId;
use baton_core::lifecycle::act;
use baton_core::lifecycle::{self, Action, Actor, Decision, Role, Status};
use baton_core::resolve::{OrgState, Request};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::Row;

use crate::batch::{Before, Writes};
use crate::state::{Footprint, StateQuery};
use crate::{Decisions, StoreError, micros, on_pool};

/// How often `open` asks for the guide in force when it keeps changing
/// between asking and writing.
const GUIDE_TRIES: usize = 3;

/// How many of a tick's changes wait in the writer's queue at once: a few
/// full batches.
const TICKS_QUEUED: usize = 256;

/// A request to open a decision.
#[derive(Debug, Clone)]
pub struct Opening {
    pub team: String,
    pub decision_type: String,
    pub title: String,
    pub context: serde_json::Value,
    pub requester: String,
    pub at: DateTime<Utc>,
}

/// Filters for listing decisions; every field narrows.
#[derive(Debug, Clone, Default)]
pub struct DecisionFilter {
    pub team: Option<String>,
    pub decision_type: Option<String>,
    pub status: Option<Status>,
    pub decider: Option<String>,
    /// Case-insensitive text in the title.
    pub text: Option<String>,
    /// Opened at or after this instant.
    pub opened_from: Option<DateTime<Utc>>,
    /// Opened before this instant.
    pub opened_to: Option<DateTime<Utc>>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
    /// Only decisions numbered below this: keyset paging, which reads the
    /// page where an offset would read every row before it.
    pub before: Option<DecisionId>,
    /// Only decisions numbered above this.
    pub after: Option<DecisionId>,
    /// Oldest first (numbers ascending) instead of newest first.
    pub oldest_first: bool,
}

/// One stored audit event.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct StoredEvent {
    pub seq: i64,
    pub kind: String,
    pub actor: String,
    pub at: String,
    pub data: serde_json::Value,
    pub hash: String,
}

/// One decision's record, by id.
pub(crate) const RECORD_OF: &str = "SELECT record FROM decisions WHERE id = $1";

/// One decision's events, oldest first.
const EVENTS_OF: &str = "SELECT seq, body, hash FROM events WHERE decision_id = $1 ORDER BY seq";

/// The `seq`, `body` and `hash` columns of an event row, on either backend.
fn event_row<R: Row>(row: &R) -> Result<(i64, String, String), sqlx::Error>
where
    for<'r> i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'a> &'a str: sqlx::ColumnIndex<R>,
{
    Ok((
        row.try_get("seq")?,
        row.try_get("body")?,
        row.try_get("hash")?,
    ))
}

/// An event row as the API shows it: the fields of its canonical body.
fn stored_event(row: (i64, String, String)) -> Result<StoredEvent, StoreError> {
    audit_event(row).map(|a| a.event)
}

/// An event of the whole log, naming its decision.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct AuditEvent {
    /// `null` for events about no decision (applies, tokens, webhooks).
    pub decision: Option<DecisionId>,
    #[serde(flatten)]
    pub event: StoredEvent,
}

fn audit_event((seq, body, hash): (i64, String, String)) -> Result<AuditEvent, StoreError> {
    let v: serde_json::Value = serde_json::from_str(&body)
        .map_err(|e| StoreError::Corrupt(format!("event {seq} does not parse: {e}")))?;
    let text = |k: &str| {
        v.get(k)
            .and_then(serde_json::Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    Ok(AuditEvent {
        decision: v
            .get("decision")
            .and_then(serde_json::Value::as_i64)
            .and_then(|id| DecisionId::new(id).ok()),
        event: StoredEvent {
            seq,
            kind: text("kind"),
            actor: text("actor"),
            at: text("at"),
            data: v.get("data").cloned().unwrap_or_default(),
            hash,
        },
    })
}

/// The decision as `show --json` and the API give it: the record (with
/// `override`) and its audit events.
pub fn document(d: &Decision, events: &[StoredEvent]) -> Result<serde_json::Value, StoreError> {
    let mut value = serde_json::to_value(d).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    value["events"] =
        serde_json::to_value(events).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    Ok(value)
}

fn parse_record(id: i64, text: &str) -> Result<Decision, StoreError> {
    serde_json::from_str(text)
        .map_err(|e| StoreError::Corrupt(format!("decision {id}'s record does not parse: {e}")))
}

fn parse_records(rows: &[(i64, String)]) -> Result<Vec<Decision>, StoreError> {
    rows.iter()
        .map(|(id, text)| parse_record(*id, text))
        .collect()
}

/// The `id` and `record` columns of a row, on either backend.
fn id_and_record<R: Row>(row: &R) -> Result<(i64, String), sqlx::Error>
where
    for<'r> i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'a> &'a str: sqlx::ColumnIndex<R>,
{
    Ok((row.try_get("id")?, row.try_get("record")?))
}

/// The plan of `actor` doing `action` to decision `id` at `at`, from its
/// stored record, judged against `directory` where the action needs one.
fn action_plan(
    id: DecisionId,
    actor: &Actor,
    action: &Action,
    at: DateTime<Utc>,
    directory: Arc<baton_core::Directory>,
) -> impl Fn(Option<&str>) -> Result<Writes, StoreError> + Send + Sync + 'static {
    let (actor, action) = (actor.clone(), action.clone());
    move |record| {
        let current = parse_record(id.get(), record.ok_or(StoreError::NotFound(id))?)?;
        let (decision, events) = lifecycle::apply(&current, &actor, &action, at, &directory)?;
        Ok(Writes {
            decision,
            before: Some(Before {
                version: current.version,
                footprint: Footprint::of(&current),
            }),
            events,
        })
    }
}

impl Decisions<'_> {
    /// Resolves who decides, then records the decision and its `opened`
    /// event. The org state is read under the write lock, so load limits
    /// count every decision opened before this one.
    pub async fn open(self, opening: &Opening) -> Result<Decision, StoreError> {
        let at = micros(opening.at);
        let request = Arc::new(Request {
            decision_type: opening.decision_type.clone(),
            title: opening.title.clone(),
            context: opening.context.clone(),
            requester: Some(opening.requester.clone()),
            at,
        });
        // The compiled guide last seen; the write checks it is still in
        // force and, when it is not, this asks again for the one that is.
        let mut known = self.cache.any_guide(&opening.team);
        for _ in 0..GUIDE_TRIES {
            let (org, version, guide) = match known.take() {
                Some(known) => known,
                None => self.guide_trusting(&opening.team, false).await?,
            };
            let query = StateQuery::new(&self.backend, &guide, at, at);
            let request = Arc::clone(&request);
            let plan = move |id: DecisionId, state: &OrgState, versions: (i64, i64)| {
                if versions != (org, version) {
                    return Ok(None);
                }
                let resolution = baton_core::resolve(&guide, state, &request)?;
                let domains = guide
                    .types
                    .get(&request.decision_type)
                    .map(|t| t.domains.clone())
                    .unwrap_or_default();
                let (decision, event) = lifecycle::open(
                    id,
                    &request.title,
                    domains,
                    request.context.clone(),
                    resolution,
                );
                Ok(Some(Writes {
                    decision,
                    before: None,
                    events: vec![event],
                }))
            };
            if let Some(writes) = self.open_from_state(query, plan).await? {
                return Ok(writes.decision);
            }
        }
        Err(StoreError::Lifecycle(lifecycle::LifecycleError::Conflict(
            format!(
                "team `{}`'s guide changed {GUIDE_TRIES} times while the decision was being opened: try again",
                opening.team
            ),
        )))
    }

    /// Applies `action` to decision `id` as `actor`. The record and its
    /// events are written together; a concurrent change is a conflict.
    pub async fn act(
        self,
        id: DecisionId,
        actor: &Actor,
        action: &Action,
        at: DateTime<Utc>,
    ) -> Result<Decision, StoreError> {
        self.act_changed(id, actor, action, at)
            .await
            .map(|(d, _)| d)
    }

    /// [`Store::act`], also saying whether anything changed.
    async fn act_changed(
        self,
        id: DecisionId,
        actor: &Actor,
        action: &Action,
        at: DateTime<Utc>,
    ) -> Result<(Decision, bool), StoreError> {
        let at = micros(at);
        // Only a delegation (whom to), a tick (tiebreaks rank expertise) and
        // an override (anyone may decide with a reason, so they must at least
        // be someone) read the directory; every other action is judged by
        // the decision's roster, which names only people of the directory.
        let reads_directory = match action {
            Action::Delegate(act::Delegate { .. }) | Action::Tick => true,
            Action::Decide(act::Decide {
                override_reason, ..
            }) => override_reason.is_some(),
            _ => false,
        };
        let directory = if reads_directory {
            let directory = self.directory().await?;
            if directory.find(&actor.person).is_none() && actor.person != lifecycle::SYSTEM {
                return Err(StoreError::Lifecycle(lifecycle::LifecycleError::Forbidden(
                    format!("`{}` is not in the directory", actor.person),
                )));
            }
            directory
        } else {
            Arc::clone(&self.cache.empty_directory)
        };
        let writes = self
            .change(id, action_plan(id, actor, action, at, directory))
            .await?;
        let changed = !writes.events.is_empty();
        Ok((writes.decision, changed))
    }

    /// Processes every deadline that has passed at `at`: consensus windows,
    /// escalations, tiebreaks. Safe to run twice and from two processes at
    /// once: work already done is not due any more.
    pub async fn tick(self, at: DateTime<Utc>) -> Result<Vec<Decision>, StoreError> {
        let at = micros(at);
        // Only open decisions can have deadlines due: never read the history.
        let due: Vec<Decision> = self
            .undecided()
            .await?
            .into_iter()
            .filter(|d| lifecycle::due(d, at))
            .collect();
        if due.is_empty() {
            // Nothing to read the directory for (a new store has none).
            return Ok(Vec::new());
        }
        let system = Actor {
            person: lifecycle::SYSTEM.into(),
            role: Role::Admin,
        };
        // Tiebreaks rank expertise: the directory is read once for all.
        let directory = self.directory().await?;
        // Ticks are queued a few batches' worth at a time before any is
        // awaited, so they share the writer's batches (in id order) instead
        // of a commit each, and a backlog still leaves room between its
        // batches for the writes people are making meanwhile.
        let mut changed = Vec::new();
        for chunk in due.chunks(TICKS_QUEUED) {
            let queued: Vec<_> = chunk
                .iter()
                .map(|d| {
                    let plan =
                        action_plan(d.id, &system, &Action::Tick, at, Arc::clone(&directory));
                    self.queue_change(d.id, plan)
                })
                .collect();
            for queued in queued {
                match queued?.written().await {
                    Ok(writes) if !writes.events.is_empty() => changed.push(writes.decision),
                    Ok(_) | Err(StoreError::Conflict(_)) => {}
                    Err(e) => return Err(e),
                }
            }
        }
        Ok(changed)
    }

    /// Decided decisions of `person`'s (they were the decider, or decided
    /// instead) whose `review_on` date has come without an outcome, oldest
    /// first: read through two partial indexes, so a log of a million
    /// decisions without outcomes costs what the person's own do.
    pub async fn reviews_due(
        self,
        at: DateTime<Utc>,
        person: &str,
    ) -> Result<Vec<Decision>, StoreError> {
        let day = at.date_naive().to_string();
        let dialect = crate::dialect::Dialect::of(&self.backend);
        let due =
            "status = 'decided' AND outcome IS NULL AND review_on IS NOT NULL AND review_on <= $1";
        // One branch per index: an OR of the two columns would read neither.
        let sql = format!(
            "SELECT id, record, review_on FROM decisions {} WHERE {due} AND decider = $2 \
             UNION ALL \
             SELECT id, record, review_on FROM decisions {} WHERE {due} AND decided_by = $2 AND decider <> $2 \
             ORDER BY review_on, id",
            dialect.indexed_by("decisions_reviews_due_decider"),
            dialect.indexed_by("decisions_reviews_due_decided_by"),
        );
        let rows: Vec<(i64, String)> = on_pool!(self, |pool| {
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(&day)
                .bind(person)
                .fetch_all(pool)
                .await?
                .iter()
                .map(id_and_record)
                .collect::<Result<_, sqlx::Error>>()?
        });
        parse_records(&rows)
    }

    /// Every decision still waiting to be decided (escalated ones too),
    /// oldest first: few beside the log, read through the status index.
    pub async fn undecided(self) -> Result<Vec<Decision>, StoreError> {
        let rows: Vec<(i64, String)> = on_pool!(self, |pool| {
            sqlx::query("SELECT id, record FROM decisions WHERE status IN ('routed', 'checking', 'deliberating', 'escalated') ORDER BY id")
                .fetch_all(pool)
                .await?
                .iter()
                .map(id_and_record)
                .collect::<Result<_, sqlx::Error>>()?
        });
        parse_records(&rows)
    }

    /// How many decisions are in each state.
    pub async fn counts_by_status(self) -> Result<Vec<(String, i64)>, StoreError> {
        let rows = on_pool!(self, |pool| {
            sqlx::query(
                "SELECT status, COUNT(*) AS n FROM decisions GROUP BY status ORDER BY status",
            )
            .fetch_all(pool)
            .await?
            .iter()
            .map(|r| Ok((r.try_get("status")?, r.try_get("n")?)))
            .collect::<Result<Vec<(String, i64)>, sqlx::Error>>()?
        });
        Ok(rows)
    }

    /// Open decisions (routed, deliberating, checking) where `person` is
    /// the decider: the load `max_load` limits.
    pub async fn open_load(self, person: &str) -> Result<u32, StoreError> {
        let n: i64 = on_pool!(self, |pool| {
            sqlx::query(open_load_sql())
                .bind(person)
                .fetch_one(pool)
                .await?
                .try_get("n")?
        });
        Ok(u32::try_from(n).unwrap_or(u32::MAX))
    }

    pub async fn get(self, id: DecisionId) -> Result<Decision, StoreError> {
        let text: Option<String> = on_pool!(self, |pool| {
            sqlx::query(RECORD_OF)
                .bind(id.get())
                .fetch_optional(pool)
                .await?
                .map(|r| r.try_get("record"))
                .transpose()?
        });
        parse_record(id.get(), &text.ok_or(StoreError::NotFound(id))?)
    }

    /// Decision `id` and its events, read in one transaction so that the
    /// record and the trail agree (no write lands between the two reads).
    pub async fn get_with_events(
        self,
        id: DecisionId,
    ) -> Result<(Decision, Vec<StoredEvent>), StoreError> {
        let begin = crate::dialect::Dialect::of(&self.backend).begin_snapshot();
        let (text, rows): (Option<String>, Vec<(i64, String, String)>) = on_pool!(self, |pool| {
            let mut tx = pool.begin_with(begin).await?;
            let text = sqlx::query(RECORD_OF)
                .bind(id.get())
                .fetch_optional(&mut *tx)
                .await?
                .map(|r| r.try_get("record"))
                .transpose()?;
            let rows = sqlx::query(EVENTS_OF)
                .bind(id.get())
                .fetch_all(&mut *tx)
                .await?
                .iter()
                .map(event_row)
                .collect::<Result<_, sqlx::Error>>()?;
            tx.commit().await?;
            (text, rows)
        });
        let decision = parse_record(id.get(), &text.ok_or(StoreError::NotFound(id))?)?;
        let events = rows
            .into_iter()
            .map(stored_event)
            .collect::<Result<_, _>>()?;
        Ok((decision, events))
    }

    /// [`document`] of `d`, reading its events.
    pub async fn document_of(self, d: &Decision) -> Result<serde_json::Value, StoreError> {
        document(d, &self.events(d.id).await?)
    }

    /// The audit events of decision `id`, oldest first.
    pub async fn events(self, id: DecisionId) -> Result<Vec<StoredEvent>, StoreError> {
        let rows: Vec<(i64, String, String)> = on_pool!(self, |pool| {
            sqlx::query(EVENTS_OF)
                .bind(id.get())
                .fetch_all(pool)
                .await?
                .iter()
                .map(event_row)
                .collect::<Result<_, sqlx::Error>>()?
        });
        rows.into_iter().map(stored_event).collect()
    }

    /// The audit log itself, in chain order: up to `limit` events after
    /// sequence number `after`, of one decision or all.
    pub async fn audit(
        self,
        after: i64,
        limit: i64,
        decision: Option<DecisionId>,
    ) -> Result<Vec<AuditEvent>, StoreError> {
        let rows: Vec<(i64, String, String)> = on_pool!(self, |pool| {
            sqlx::query("SELECT seq, body, hash FROM events WHERE seq > $1 AND ($2 IS NULL OR decision_id = $2) ORDER BY seq LIMIT $3")
                .bind(after)
                .bind(decision.map(DecisionId::get))
                .bind(limit)
                .fetch_all(pool)
                .await?
                .iter()
                .map(event_row)
                .collect::<Result<_, sqlx::Error>>()?
        });
        rows.into_iter().map(audit_event).collect()
    }

    /// Up to `limit` decisions with ids after `after` (from the first when
    /// `None`), oldest first: the whole log page by page, each page an
    /// index range scan.
    pub async fn decisions_after(
        self,
        after: Option<DecisionId>,
        limit: i64,
    ) -> Result<Vec<Decision>, StoreError> {
        let rows: Vec<(i64, String)> = on_pool!(self, |pool| {
            sqlx::query("SELECT id, record FROM decisions WHERE id > $1 ORDER BY id LIMIT $2")
                .bind(after.map_or(0, DecisionId::get))
                .bind(limit)
                .fetch_all(pool)
                .await?
                .iter()
                .map(id_and_record)
                .collect::<Result<_, sqlx::Error>>()?
        });
        parse_records(&rows)
    }

    /// Decisions matching `filter`, newest first (or oldest first).
    pub async fn list(self, filter: &DecisionFilter) -> Result<Vec<Decision>, StoreError> {
        let text = filter
            .text
            .as_ref()
            .map(|t| format!("%{}%", t.to_lowercase()));
        let order = if filter.oldest_first { "ASC" } else { "DESC" };
        // Through the titles' trigram index: a search for something rare
        // must not read every row to find it.
        let titled = match (&text, crate::dialect::Dialect::of(&self.backend)) {
            (None, _) => "$5 IS NULL",
            (Some(_), crate::dialect::Dialect::Sqlite) => {
                "id IN (SELECT rowid FROM decision_titles WHERE title LIKE $5)"
            }
            (Some(_), crate::dialect::Dialect::Postgres) => "title ILIKE $5",
        };
        let rows: Vec<(i64, String)> = on_pool!(self, |pool| {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT id, record FROM decisions \
                 WHERE ($1 IS NULL OR team = $1) AND ($2 IS NULL OR type = $2) AND ($3 IS NULL OR status = $3) \
                 AND ($4 IS NULL OR decider = $4) AND {titled} \
                 AND ($8 IS NULL OR opened_at >= $8) AND ($9 IS NULL OR opened_at < $9) \
                 AND ($10 IS NULL OR id < $10) AND ($11 IS NULL OR id > $11) \
                 ORDER BY id {order} LIMIT $6 OFFSET $7"
            )))
            .bind(&filter.team)
            .bind(&filter.decision_type)
            .bind(filter.status.map(Status::as_str))
            .bind(&filter.decider)
            .bind(&text)
            .bind(filter.limit.unwrap_or(i64::MAX))
            .bind(filter.offset.unwrap_or(0))
            .bind(filter.opened_from.map(micros))
            .bind(filter.opened_to.map(micros))
            .bind(filter.before.map(DecisionId::get))
            .bind(filter.after.map(DecisionId::get))
            .fetch_all(pool)
            .await?
            .iter()
            .map(id_and_record)
            .collect::<Result<_, sqlx::Error>>()?
        });
        parse_records(&rows)
    }
}

fn open_load_sql() -> &'static str {
    static SQL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        format!(
            "SELECT COUNT(*) AS n FROM decisions WHERE decider = $1 AND status IN {}",
            crate::state::load_statuses()
        )
    });
    &SQL
}
