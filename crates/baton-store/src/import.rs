//! Importing decisions made elsewhere — a spreadsheet of past decisions, or
//! an export — all or nothing, in constant memory.
//!
//! Items arrive one at a time (parsed and checked by `transfer`) and are
//! written in chunks inside one write transaction: each chunk's identities
//! looked up in one statement, its decisions, audit events and identities
//! inserted in one statement each. A bad row stops the writing but not the
//! reading, so every bad row is named; then nothing is kept. An undecided
//! row is resolved by its team's guide as of its `opened_at`, against the
//! org state the rows before it left.

use std::collections::HashMap;

use baton_core::lifecycle::{self, Decision, Event};
use baton_core::resolve::Request;
use chrono::{DateTime, Utc};
use sqlx::Row as _;

use crate::chain::{self, EVENT_PARAMS, Head, bind_event, insert_events};
use crate::log::{DECISION_PARAMS, OPERATOR, bind_insert, insert_decisions, record_json};
use crate::state::{StateQuery, fetch_state};
use crate::transfer::{Catalog, ImportError, ImportErrors, Item, Summary, What};
use crate::{Backend, Store, StoreError, micros, on_pool};

/// Decisions per chunk: one statement each for their rows, events and
/// identities, well under SQLite's 32,766 parameters.
const CHUNK: usize = 1_000;

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

/// A decision ready to write, with its event.
struct Ready {
    key: String,
    content: String,
    decision: Decision,
    record: String,
    event: Event,
}

/// Finds every imported identity among `keys` (a JSON array): its content
/// digest and decision.
const IMPORTED_SQLITE: &str =
    "SELECT key, content, decision_id FROM imports WHERE key IN (SELECT value FROM json_each($1))";
const IMPORTED_POSTGRES: &str = "SELECT key, content, decision_id FROM imports WHERE key IN (SELECT jsonb_array_elements_text($1::jsonb))";

fn insert_imports(rows: usize) -> String {
    format!(
        "INSERT INTO imports (key, content, decision_id) VALUES {}",
        crate::placeholders(1, 3, rows)
    )
}

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
        items: impl Iterator<Item = Result<Item, Vec<ImportError>>>,
        catalog: &Catalog,
        options: &ImportOptions,
        mut progress: impl FnMut(u64),
    ) -> Result<Summary, StoreError> {
        let at = micros(options.at);
        let (begin, head_sql, imported_sql) = match self.backend {
            Backend::Sqlite(_) => ("BEGIN IMMEDIATE", chain::READ_HEAD, IMPORTED_SQLITE),
            Backend::Postgres(_) => ("BEGIN", chain::LOCK_HEAD, IMPORTED_POSTGRES),
        };
        let mut summary = Summary {
            dry_run: options.dry_run,
            ..Summary::default()
        };
        let mut errors = ImportErrors::default();
        on_pool!(self, |pool| {
            let mut tx = pool.begin_with(begin).await?;
            let row = sqlx::query(head_sql).fetch_one(&mut *tx).await?;
            let mut head = Head::from_row(&row)?;
            let mut pending: Vec<Item> = Vec::with_capacity(CHUNK);

            // Writes `pending`: looks up their identities, skips the ones
            // imported before, resolves the undecided, inserts the rest.
            macro_rules! flush {
                () => {{
                    let chunk = std::mem::take(&mut pending);
                    if !chunk.is_empty() {
                        let keys: Vec<&str> = chunk.iter().map(|i| i.key.as_str()).collect();
                        let keys = serde_json::to_string(&keys)
                            .map_err(|e| StoreError::Corrupt(e.to_string()))?;
                        let mut known: HashMap<String, (String, i64)> = HashMap::new();
                        for row in sqlx::query(imported_sql).bind(keys).fetch_all(&mut *tx).await? {
                            known.insert(
                                row.try_get("key")?,
                                (row.try_get("content")?, row.try_get("decision_id")?),
                            );
                        }
                        let mut ready: Vec<Ready> = Vec::with_capacity(chunk.len());
                        for item in chunk {
                            if let Some((content, id)) = known.get(&item.key) {
                                if *content == item.content {
                                    summary.skipped += 1;
                                } else {
                                    errors.push(ImportError::new(
                                        item.line,
                                        format!(
                                            "this row was imported before (as decision {id}) with other content: change it there, or give this row another identity"
                                        ),
                                    ));
                                }
                                continue;
                            }
                            let id = head.decisions + 1;
                            let line = item.line;
                            let (decision, opened) = match item.what {
                                What::Past(d) => (*d, false),
                                What::Open { row, withdrawn } => {
                                    let Some(guide) = catalog.guides.get(&row.team) else {
                                        errors.push(ImportError::at(line, "team", format!("team `{}` has no guide", row.team)));
                                        continue;
                                    };
                                    let opened_at = micros(row.opened_at);
                                    let query = StateQuery::new(&self.backend, guide, opened_at, opened_at);
                                    let (state, _) = crate::state::parse(fetch_state!(&mut *tx, query))?;
                                    let request = Request {
                                        decision_type: row.decision_type.clone(),
                                        title: row.title.clone(),
                                        context: serde_json::json!({}),
                                        requester: Some(row.requester.clone()),
                                        at: opened_at,
                                    };
                                    let resolution = match baton_core::resolve(guide, &state, &request) {
                                        Ok(r) => r,
                                        Err(e) => {
                                            errors.push(ImportError::new(
                                                line,
                                                format!("an undecided row is routed by its guide, and this one cannot be: {} ({})", e.message, e.code.as_str()),
                                            ));
                                            continue;
                                        }
                                    };
                                    let domains = guide
                                        .types
                                        .get(&row.decision_type)
                                        .map(|t| t.domains.clone())
                                        .unwrap_or_default();
                                    let (mut d, _) = lifecycle::open(id, &row.title, domains, serde_json::json!({}), resolution);
                                    d.escalated = row.escalated;
                                    if withdrawn {
                                        d.status = lifecycle::Status::Withdrawn;
                                    }
                                    (d, true)
                                }
                            };
                            let original = decision.id;
                            let mut decision = decision;
                            decision.id = id;
                            decision.version = 1;
                            decision.opened_at = micros(decision.opened_at);
                            decision.decided_at = decision.decided_at.map(micros);
                            let record = record_json(&decision)?;
                            let event = Event {
                                decision: id,
                                kind: "imported".into(),
                                actor: OPERATOR.into(),
                                at,
                                data: serde_json::json!({
                                    "source": options.source,
                                    "line": line,
                                    "key": item.key,
                                    "content": item.content,
                                    "original_id": (original > 0).then_some(original),
                                    "status": decision.status,
                                    "opened": opened,
                                }),
                            };
                            head.decisions = id;
                            if opened {
                                summary.opened += 1;
                            } else {
                                summary.past += 1;
                            }
                            summary.ids = Some((summary.ids.map_or(id, |(first, _)| first), id));
                            known.insert(item.key.clone(), (item.content.clone(), id));
                            ready.push(Ready {
                                key: item.key,
                                content: item.content,
                                decision,
                                record,
                                event,
                            });
                        }
                        if errors.is_empty() && !ready.is_empty() {
                            let sql = sqlx::AssertSqlSafe(insert_decisions(1, ready.len()));
                            let mut query = sqlx::query(sql).persistent(ready.len() == CHUNK);
                            for r in &ready {
                                query = bind_insert!(query, &r.decision, &r.record);
                            }
                            query.execute(&mut *tx).await?;
                            let linked = chain::linked(
                                &head,
                                ready.iter().map(|r| (&r.event, Some(chain::record_digest(&r.record)))),
                            );
                            let sql = sqlx::AssertSqlSafe(insert_events(1, linked.len()));
                            let mut query = sqlx::query(sql).persistent(ready.len() == CHUNK);
                            for row in &linked {
                                query = bind_event!(query, row);
                            }
                            query.execute(&mut *tx).await?;
                            if let Some(last) = linked.last() {
                                head.seq = last.seq;
                                head.hash = last.hash.clone();
                            }
                            let sql = sqlx::AssertSqlSafe(insert_imports(ready.len()));
                            let mut query = sqlx::query(sql).persistent(ready.len() == CHUNK);
                            for r in &ready {
                                query = query.bind(&r.key).bind(&r.content).bind(r.decision.id);
                            }
                            query.execute(&mut *tx).await?;
                        }
                    }
                }};
            }

            for item in items {
                summary.read += 1;
                progress(summary.read);
                let item = match item {
                    Ok(item) => item,
                    Err(bad) => {
                        for e in bad {
                            errors.push(e);
                        }
                        continue;
                    }
                };
                summary.departed.extend(item.departed.iter().cloned());
                let resolves = matches!(item.what, What::Open { .. });
                if resolves {
                    // It is routed on what the rows before it left.
                    flush!();
                }
                pending.push(item);
                if resolves || pending.len() >= CHUNK {
                    flush!();
                }
            }
            flush!();
            if !errors.is_empty() {
                tx.rollback().await?;
                return Err(StoreError::Import(errors));
            }
            if options.dry_run {
                tx.rollback().await?;
            } else {
                tx.commit().await?;
            }
        });
        Ok(summary)
    }
}

/// The parameters of one chunk's statements, for the record: each stays
/// under SQLite's limit.
const _: () = assert!(CHUNK * DECISION_PARAMS < 32_766 && CHUNK * EVENT_PARAMS < 32_766);
