//! Importing decisions made elsewhere — a spreadsheet of past decisions, or
//! an export — all or nothing, in constant memory.
//!
//! Items arrive one at a time (parsed and checked by `transfer`) and are
//! written in chunks inside one write transaction. For each chunk the
//! identities are looked up in one statement, then the chunk is prepared in
//! memory ([`prepare`]: ids, records, events) while the chunk before it is
//! being inserted, one statement each for decisions, events and identities.
//! A bad row stops the writing but not the reading, so every bad row is
//! named; then nothing is kept. An undecided row is resolved by its team's
//! guide as of its `opened_at`, against the org state the rows before it
//! left, so the chunks before it are written first.

use std::collections::HashMap;

use baton_core::DecisionId;
use baton_core::lifecycle::{self, Decision, Event};
use baton_core::resolve::Request;
use chrono::{DateTime, Utc};
use sqlx::Row as _;

use crate::chain::{self, EVENT_PARAMS, Head, bind_event, insert_events};
use crate::dialect::Dialect;
use crate::row::{self, bind_insert, record_json};
use crate::state::{StateQuery, fetch_state};
use crate::transfer::UNNUMBERED;
use crate::transfer::{Catalog, ImportError, ImportErrors, SheetRow, Summary, Unchecked, What};
use crate::{OPERATOR, Store, StoreError, micros, on_pool};

/// Decisions per chunk: one statement each for their rows, events and
/// identities, well under SQLite's 32,766 parameters.
const CHUNK: usize = 1_000;

const _: () = assert!(CHUNK * row::PARAMS < 32_766 && CHUNK * EVENT_PARAMS < 32_766);

/// What an import is, beside its items.
#[derive(Debug, Clone)]
pub struct ImportOptions {
    /// Named in each `imported` event: the file, usually.
    pub source: String,
    /// When the import happens: the instant of its audit events.
    pub at: DateTime<Utc>,
    /// Check and count everything, then keep nothing.
    pub dry_run: bool,
}

/// A decision ready to write, with its identity and event.
struct Ready {
    key: String,
    content: String,
    decision: Decision,
    record: String,
    event: Event,
}

/// Every imported identity among `$1` (a JSON array of keys): its content
/// digest and decision.
fn imported_sql(dialect: Dialect) -> &'static str {
    static SQL: std::sync::LazyLock<[String; 2]> = std::sync::LazyLock::new(|| {
        [Dialect::Sqlite, Dialect::Postgres].map(|d| {
            format!(
                "SELECT key, content, decision_id FROM imports WHERE key {}",
                d.in_texts(1)
            )
        })
    });
    &SQL[dialect as usize]
}

/// The triggers SQLite runs per row to keep `chain_head` in step: an import
/// drops them inside its transaction and moves the head once at the end
/// (rolling back restores them).
const HEAD_TRIGGERS: &str = "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN ('decisions', 'events') ORDER BY name";

/// The secondary indexes of the tables an import fills. A large import on
/// SQLite drops them inside its transaction once it has written
/// [`BULK_AFTER`] rows (and as many as the store held), and builds them
/// again before it reads through them or commits: one sort instead of a
/// random insert per row into each, which churns a cache-sized working set.
const SECONDARY_INDEXES: &str = "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name IN ('decisions', 'events') AND sql IS NOT NULL ORDER BY name";

/// Rows an import writes before it considers dropping the indexes.
const BULK_AFTER: i64 = 20_000;

/// The page cache of an import's connection, in KiB (SQLite's default is
/// 2 MiB): fixed, so memory does not grow with the file.
const IMPORT_CACHE_KIB: i64 = 65_536;

fn insert_imports(rows: usize) -> String {
    format!(
        "INSERT INTO imports (key, content, decision_id) VALUES {}",
        crate::placeholders(1, 3, rows)
    )
}

/// What an import has seen of identities: those stored before it began
/// (looked up chunk by chunk) and those it has prepared itself.
type Known = HashMap<String, (String, DecisionId)>;

/// Where an import stands while it writes.
struct Progress<'a> {
    options: &'a ImportOptions,
    at: DateTime<Utc>,
    /// The id the next new decision takes.
    next_id: i64,
    summary: Summary,
    errors: ImportErrors,
}

impl Progress<'_> {
    /// Whether an identity was imported before: then the row is skipped
    /// (same content) or named as a conflict (other content).
    fn seen(&mut self, unchecked: &Unchecked, known: &Known) -> bool {
        let Some((content, id)) = known.get(&unchecked.key) else {
            return false;
        };
        if *content == unchecked.content {
            self.summary.skipped += 1;
        } else {
            self.errors.push(ImportError::new(
                unchecked.line,
                format!(
                    "this row was imported before (as decision {id}) with other content: change it there, or give this row another identity"
                ),
            ));
        }
        true
    }

    /// `chunk`'s decisions with ids, records and events: identities seen
    /// before are skipped (or named), the rest checked against `catalog`.
    fn prepare(
        &mut self,
        chunk: Vec<Unchecked>,
        known: &mut Known,
        catalog: &Catalog,
    ) -> Vec<Ready> {
        let mut ready = Vec::with_capacity(chunk.len());
        for unchecked in chunk {
            if self.seen(&unchecked, known) {
                continue;
            }
            let item = match catalog.check(unchecked) {
                Ok(item) => item,
                Err(bad) => {
                    for e in bad {
                        self.errors.push(e);
                    }
                    continue;
                }
            };
            self.summary.departed.extend(item.departed.iter().cloned());
            let What::Past(decision) = item.what else {
                continue;
            };
            self.keep(
                item.key,
                item.content,
                item.line,
                (*decision, item.original),
                false,
                known,
                &mut ready,
            );
        }
        ready
    }

    /// Makes `decision` ready to write and notes its identity as seen.
    #[allow(
        clippy::too_many_arguments,
        reason = "one row's parts, kept apart from its owner"
    )]
    fn keep(
        &mut self,
        key: String,
        content: String,
        line: u64,
        decision: (Decision, Option<DecisionId>),
        opened: bool,
        known: &mut Known,
        ready: &mut Vec<Ready>,
    ) {
        match self.ready(key, content, line, decision, opened) {
            Ok(r) => {
                known.insert(r.key.clone(), (r.content.clone(), r.decision.id));
                ready.push(r);
            }
            Err(e) => self
                .errors
                .push(ImportError::new(line, format!("cannot be stored: {e}"))),
        }
    }

    fn ready(
        &mut self,
        key: String,
        content: String,
        line: u64,
        (mut decision, original): (Decision, Option<DecisionId>),
        opened: bool,
    ) -> Result<Ready, StoreError> {
        let id = DecisionId::new(self.next_id).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        decision.id = id;
        decision.version = 1;
        decision.opened_at = micros(decision.opened_at);
        decision.decided_at = decision.decided_at.map(micros);
        let record = record_json(&decision)?;
        let mut data = serde_json::json!({
            "source": self.options.source,
            "line": line,
            "key": key,
            "status": decision.status,
        });
        if let Some(original) = original {
            data["original_id"] = original.get().into();
        }
        if opened {
            data["opened"] = true.into();
        }
        let event = Event {
            decision: Some(id),
            kind: baton_core::lifecycle::EventKind::Imported,
            actor: OPERATOR.into(),
            at: self.at,
            data,
        };
        self.next_id += 1;
        if opened {
            self.summary.opened += 1;
        } else {
            self.summary.past += 1;
        }
        self.summary.ids = Some((self.summary.ids.map_or(id, |(first, _)| first), id));
        Ok(Ready {
            key,
            content,
            decision,
            record,
            event,
        })
    }
}

/// The decision an undecided row opens: routed by its team's guide with
/// `state`, as of its `opened_at`.
fn open_row(
    catalog: &Catalog,
    row: &SheetRow,
    withdrawn: bool,
    state: &baton_core::resolve::OrgState,
) -> Result<Decision, String> {
    let guide = catalog
        .guides
        .get(&row.team)
        .ok_or_else(|| format!("team `{}` has no guide", row.team))?;
    let request = Request {
        decision_type: row.decision_type.clone(),
        title: row.title.clone(),
        context: serde_json::json!({}),
        requester: Some(row.requester.clone()),
        at: micros(row.opened_at),
    };
    let resolution = baton_core::resolve(guide, state, &request).map_err(|e| {
        format!(
            "an undecided row is routed by its guide, and this one cannot be: {} ({})",
            e.message,
            e.code.as_str()
        )
    })?;
    let domains = guide
        .types
        .get(&row.decision_type)
        .map(|t| t.domains.clone())
        .unwrap_or_default();
    // Opened afresh: its lifecycle runs from `opened_at` (deadlines,
    // escalation), so a sheet's `escalated` or `deliberating` of an
    // undecided row is not carried over.
    let (mut d, _) = lifecycle::open(
        UNNUMBERED,
        &row.title,
        domains,
        serde_json::json!({}),
        resolution,
    );
    if withdrawn {
        d.status = lifecycle::Status::Withdrawn;
    }
    Ok(d)
}

/// Imports of this many decisions or more fold the write-ahead log into
/// the database when they commit.
const CHECKPOINT_AFTER: u64 = 10_000;

impl Store {
    /// The applied directory and every team's guide, to check an import
    /// against.
    pub async fn catalog(&self, allow_departed: bool) -> Result<Catalog, StoreError> {
        let directory = self.directory().await?;
        let mut guides = HashMap::new();
        for team in self.teams().await? {
            let guide = self.guide(&team).await?;
            guides.insert(team, guide);
        }
        Ok(Catalog {
            directory,
            guides,
            allow_departed,
        })
    }

    /// Imports `items`, all or nothing, each under a new id with an
    /// `imported` event carrying its identity. An identity imported before
    /// with the same content is skipped; with other content it is a bad
    /// row. `progress` hears how many items have been read.
    pub async fn import(
        &self,
        items: impl Iterator<Item = Result<Unchecked, Vec<ImportError>>>,
        catalog: &Catalog,
        options: &ImportOptions,
        mut progress: impl FnMut(u64),
    ) -> Result<Summary, StoreError> {
        let dialect = Dialect::of(&self.backend);
        let sqlite = dialect == Dialect::Sqlite;
        let (begin, head_sql) = (dialect.begin_write(), dialect.head_for_write());
        let imported_sql = imported_sql(dialect);
        // Thousands of parameters a statement: bound by position where that
        // is what keeps binding linear.
        let dialect = |sql: String| {
            if dialect.binds_by_position() {
                crate::positional(&sql)
            } else {
                sql
            }
        };
        // A full chunk's statements, written once.
        let full = (
            dialect(row::insert(1, CHUNK)),
            dialect(insert_events(1, CHUNK)),
            dialect(insert_imports(CHUNK)),
        );
        let statements = |rows: usize| {
            if rows == CHUNK {
                full.clone()
            } else {
                (
                    dialect(row::insert(1, rows)),
                    dialect(insert_events(1, rows)),
                    dialect(insert_imports(rows)),
                )
            }
        };
        let mut state = Progress {
            options,
            at: micros(options.at),
            next_id: 0,
            summary: Summary {
                dry_run: options.dry_run,
                ..Summary::default()
            },
            errors: ImportErrors::default(),
        };
        let mut items = items.peekable();
        on_pool!(self, |pool| {
            let mut conn = pool.acquire().await?;
            if sqlite {
                let sql = format!("PRAGMA cache_size = -{IMPORT_CACHE_KIB}");
                sqlx::query(sqlx::AssertSqlSafe(sql))
                    .execute(&mut *conn)
                    .await?;
            }
            let outcome = async {
                let mut tx = sqlx::Connection::begin_with(&mut *conn, begin).await?;
                let row = sqlx::query(head_sql).fetch_one(&mut *tx).await?;
                let mut head = Head::from_row(&row)?;
                state.next_id = head.decisions + 1;
                let held_before = head.decisions;
                // The secondary indexes dropped for a bulk load, to build again.
                let mut dropped: Vec<String> = Vec::new();
                let mut bulk_possible = sqlite;
                let mut triggers: Vec<String> = Vec::new();
                if sqlite {
                    for row in sqlx::query(HEAD_TRIGGERS).fetch_all(&mut *tx).await? {
                        let name: String = row.try_get("name")?;
                        triggers.push(row.try_get("sql")?);
                        sqlx::query(sqlx::AssertSqlSafe(format!("DROP TRIGGER \"{name}\"")))
                            .execute(&mut *tx)
                            .await?;
                    }
                }

                // Builds the dropped indexes again.
                macro_rules! rebuild {
                    () => {{
                        for sql in std::mem::take(&mut dropped) {
                            sqlx::query(sqlx::AssertSqlSafe(sql))
                                .execute(&mut *tx)
                                .await?;
                        }
                    }};
                }

                // The identities of `$keys` stored before, into a fresh map.
                macro_rules! look_up {
                    ($keys:expr) => {{
                        let keys: Vec<&str> = $keys;
                        let keys = serde_json::to_string(&keys)
                            .map_err(|e| StoreError::Corrupt(e.to_string()))?;
                        let mut known = Known::new();
                        for row in sqlx::query(imported_sql)
                            .bind(keys)
                            .fetch_all(&mut *tx)
                            .await?
                        {
                            known.insert(
                                row.try_get("key")?,
                                (
                                    row.try_get("content")?,
                                    DecisionId::new(row.try_get("decision_id")?)
                                        .map_err(|e| StoreError::Corrupt(e.to_string()))?,
                                ),
                            );
                        }
                        known
                    }};
                }

                // Inserts `$ready` (decisions, their chained events, their
                // identities), moving the chain head along.
                macro_rules! insert {
                    ($ready:expr) => {{
                        let ready: &[Ready] = $ready;
                        if !ready.is_empty() {
                            let full = ready.len() == CHUNK;
                            let (decisions_sql, events_sql, imports_sql) = statements(ready.len());
                            let sql = sqlx::AssertSqlSafe(decisions_sql);
                            let mut query = sqlx::query(sql).persistent(full);
                            for r in ready {
                                query = bind_insert!(query, &r.decision, &r.record);
                            }
                            query.execute(&mut *tx).await?;
                            let linked = chain::linked(
                                &head,
                                ready
                                    .iter()
                                    .map(|r| (&r.event, Some(chain::record_digest(&r.record)))),
                            );
                            let sql = sqlx::AssertSqlSafe(events_sql);
                            let mut query = sqlx::query(sql).persistent(full);
                            for row in &linked {
                                query = bind_event!(query, row);
                            }
                            query.execute(&mut *tx).await?;
                            if let Some(last) = linked.last() {
                                head.seq = last.seq;
                                head.hash = last.hash.clone();
                            }
                            let sql = sqlx::AssertSqlSafe(imports_sql);
                            let mut query = sqlx::query(sql).persistent(full);
                            for r in ready {
                                query = query
                                    .bind(&r.key)
                                    .bind(&r.content)
                                    .bind(r.decision.id.get());
                            }
                            query.execute(&mut *tx).await?;
                            head.decisions = head
                                .decisions
                                .max(ready.last().map_or(0, |r| r.decision.id.get()));
                        }
                    }};
                }

                // The prepared chunk waiting for its insert, and its identities
                // (the next chunk's lookup cannot see them yet).
                let mut waiting: Vec<Ready> = Vec::new();
                loop {
                    let mut chunk: Vec<Unchecked> = Vec::with_capacity(CHUNK);
                    // An undecided row is routed on everything before it: it
                    // makes a chunk of its own, after the rest are written.
                    let mut open = None;
                    while chunk.len() < CHUNK {
                        let Some(next) = items.next() else { break };
                        state.summary.read += 1;
                        progress(state.summary.read);
                        match next {
                            Err(bad) => {
                                for e in bad {
                                    state.errors.push(e);
                                }
                            }
                            Ok(item) if item.opens => {
                                open = Some(item);
                                break;
                            }
                            Ok(item) => chunk.push(item),
                        }
                    }
                    if chunk.is_empty() && open.is_none() && items.peek().is_none() {
                        break;
                    }
                    let writing = state.errors.is_empty();
                    let written = state.next_id - 1 - held_before;
                    if bulk_possible && writing && written >= BULK_AFTER.max(held_before) {
                        bulk_possible = false;
                        for row in sqlx::query(SECONDARY_INDEXES).fetch_all(&mut *tx).await? {
                            let name: String = row.try_get("name")?;
                            dropped.push(row.try_get("sql")?);
                            sqlx::query(sqlx::AssertSqlSafe(format!("DROP INDEX \"{name}\"")))
                                .execute(&mut *tx)
                                .await?;
                        }
                    }
                    let mut known = look_up!(chunk.iter().map(|i| i.key.as_str()).collect());
                    for r in &waiting {
                        known.insert(r.key.clone(), (r.content.clone(), r.decision.id));
                    }
                    // The chunk before is inserted while this one is prepared.
                    let before = std::mem::take(&mut waiting);
                    let (inserted, prepared) = tokio::join!(
                        async {
                            if writing {
                                insert!(&before);
                            }
                            Ok::<(), StoreError>(())
                        },
                        async { state.prepare(chunk, &mut known, catalog) }
                    );
                    inserted?;
                    waiting = prepared;
                    if let Some(unchecked) = open {
                        if state.errors.is_empty() {
                            insert!(&waiting);
                        }
                        waiting.clear();
                        let known = look_up!(vec![unchecked.key.as_str()]);
                        if !state.seen(&unchecked, &known) {
                            let item = catalog.check(unchecked);
                            match item {
                                Err(bad) => {
                                    for e in bad {
                                        state.errors.push(e);
                                    }
                                }
                                Ok(item) => {
                                    state.summary.departed.extend(item.departed.iter().cloned());
                                    let What::Open { row, withdrawn } = &item.what else {
                                        continue;
                                    };
                                    // The org state is read through the indexes.
                                    rebuild!();
                                    let org = match catalog.guides.get(&row.team) {
                                        Some(guide) => {
                                            let at = micros(row.opened_at);
                                            let query =
                                                StateQuery::new(&self.backend, guide, at, at);
                                            crate::state::parse(fetch_state!(&mut *tx, query))?.0
                                        }
                                        None => Default::default(),
                                    };
                                    match open_row(catalog, row, *withdrawn, &org) {
                                        Ok(d) => {
                                            let mut known = known;
                                            let mut ready = Vec::new();
                                            state.keep(
                                                item.key,
                                                item.content,
                                                item.line,
                                                (d, None),
                                                true,
                                                &mut known,
                                                &mut ready,
                                            );
                                            if state.errors.is_empty() {
                                                insert!(&ready);
                                            }
                                        }
                                        Err(message) => {
                                            state.errors.push(ImportError::new(item.line, message))
                                        }
                                    }
                                }
                            }
                        }
                    }
                    if !state.errors.is_empty() {
                        waiting.clear();
                    }
                }
                if state.errors.is_empty() {
                    insert!(&waiting);
                }
                if !state.errors.is_empty() {
                    tx.rollback().await?;
                    return Ok(Err(()));
                }
                rebuild!();
                if sqlite {
                    sqlx::query(
                        "UPDATE chain_head SET seq = $1, hash = $2, decisions = $3 WHERE id = 1",
                    )
                    .bind(head.seq)
                    .bind(&head.hash)
                    .bind(head.decisions)
                    .execute(&mut *tx)
                    .await?;
                    for sql in triggers {
                        sqlx::query(sqlx::AssertSqlSafe(sql))
                            .execute(&mut *tx)
                            .await?;
                    }
                    // The imported titles into the text search, which the
                    // dropped triggers keep in step.
                    sqlx::query(
                        "INSERT INTO decision_titles (rowid, title) SELECT id, title FROM decisions WHERE id > $1",
                    )
                    .bind(held_before)
                    .execute(&mut *tx)
                    .await?;
                }
                if options.dry_run {
                    tx.rollback().await?;
                } else {
                    tx.commit().await?;
                }
                Ok::<_, StoreError>(Ok(()))
            }
            .await;
            if sqlite {
                // A large import leaves the write-ahead log as large as
                // what it wrote, and every later read looks each page up in
                // it: fold it into the database and truncate it (best
                // effort: a reader holding an old snapshot keeps it).
                if state.summary.past + state.summary.opened >= CHECKPOINT_AFTER && !options.dry_run
                {
                    let _ = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
                        .execute(&mut *conn)
                        .await;
                }
                // The connection goes back to the pool with the usual cache;
                // one that cannot be reset is not pooled.
                if sqlx::query("PRAGMA cache_size = -2000")
                    .execute(&mut *conn)
                    .await
                    .is_err()
                {
                    conn.close_on_drop();
                }
            }
            match outcome? {
                Ok(()) => {}
                Err(()) => {
                    // Rows are checked as their chunk is written, after the
                    // lines that did not parse were named: in file order.
                    let mut errors = state.errors;
                    errors.errors.sort_by_key(|e| e.line);
                    return Err(StoreError::Import(errors));
                }
            }
        });
        Ok(state.summary)
    }
}
