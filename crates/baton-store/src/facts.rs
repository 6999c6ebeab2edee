//! The analytics projection's reads: each decision as a row of facts, read
//! from the `decisions` columns (never the record), and what changed since
//! a chain position, so a projection is built once and then kept current
//! by reading only the decisions that moved.

use std::collections::HashMap;

use baton_core::DecisionId;
use baton_core::analytics::FactRow;
use baton_core::guide::file::Framework;
use baton_core::lifecycle::{EventKind, OutcomeResult, Status};
use chrono::{DateTime, NaiveDate, Utc};
use sqlx::Row;

use crate::{Store, StoreError, on_pool};

/// What changed in the log after one chain position, up to another.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Changes {
    /// The chain position the changes run to.
    pub head: i64,
    /// Every decision an event after the first position touched, once each.
    pub decisions: Vec<DecisionId>,
    /// Whether a directory or a guide was applied meanwhile.
    pub versions: bool,
}

/// The projection's rows are handed to `sink`, with the instant the
/// decision's outcome was recorded, in microseconds.
pub type Sink<'s> = dyn FnMut(&FactRow<'_>, Option<i64>) + Send + 's;

/// What a fact row selects. The title only where the projection keeps it
/// (overridden, or waiting for an outcome review): reading ten million
/// titles to drop them would be most of the read.
const SELECT: &str = "SELECT id, team, type, requester, decider, decided_by, routed_decider, \
     delegate, rule, guide_version, domains, framework, status, escalated, overridden, \
     override_reason, outcome, opened_at, decided_at, outcome_at, review_on, \
     CASE WHEN overridden OR (review_on IS NOT NULL AND outcome IS NULL) THEN title END AS note \
     FROM decisions";

/// Parsed `domains` columns, by their text: a log has few distinct ones.
#[derive(Default)]
pub struct DomainCache(HashMap<String, Vec<String>>);

impl DomainCache {
    fn get(&mut self, text: &str) -> Result<&[String], StoreError> {
        if !self.0.contains_key(text) {
            let parsed: Vec<String> = serde_json::from_str(text)
                .map_err(|e| StoreError::Corrupt(format!("domains `{text}`: {e}")))?;
            self.0.insert(text.to_owned(), parsed);
        }
        Ok(self.0.get(text).map_or(&[][..], Vec::as_slice))
    }
}

/// Hands one selected row to `sink`.
macro_rules! sink_row {
    ($row:expr, $domains:expr, $sink:expr) => {{
        let row = $row;
        let id: i64 = row.try_get("id")?;
        let framework: &str = row.try_get("framework")?;
        let status: &str = row.try_get("status")?;
        let outcome: Option<&str> = row.try_get("outcome")?;
        let review_on: Option<&str> = row.try_get("review_on")?;
        let corrupt = |what: &str, value: &str| {
            StoreError::Corrupt(format!("decision {id}: {what} `{value}`"))
        };
        let domains_text: &str = row.try_get("domains")?;
        let outcome_at: Option<DateTime<Utc>> = row.try_get("outcome_at")?;
        let fact = FactRow {
            id: DecisionId::new(id).map_err(|_| corrupt("id", &id.to_string()))?,
            team: row.try_get("team")?,
            decision_type: row.try_get("type")?,
            title: row.try_get::<Option<&str>, _>("note")?.unwrap_or_default(),
            requester: row.try_get("requester")?,
            decider: row.try_get("decider")?,
            decided_by: row.try_get("decided_by")?,
            routed: row.try_get("routed_decider")?,
            delegate: row.try_get("delegate")?,
            rule: row.try_get("rule")?,
            guide_version: row.try_get("guide_version")?,
            domains: $domains.get(domains_text)?,
            framework: Framework::parse(framework)
                .ok_or_else(|| corrupt("framework", framework))?,
            status: Status::parse(status).ok_or_else(|| corrupt("status", status))?,
            escalated: row.try_get("escalated")?,
            overridden: row.try_get("overridden")?,
            override_reason: row.try_get("override_reason")?,
            outcome: match outcome {
                Some(o) => Some(OutcomeResult::parse(o).ok_or_else(|| corrupt("outcome", o))?),
                None => None,
            },
            opened_at: row.try_get("opened_at")?,
            decided_at: row.try_get("decided_at")?,
            review_on: match review_on {
                Some(day) => Some(
                    day.parse::<NaiveDate>()
                        .map_err(|_| corrupt("review_on", day))?,
                ),
                None => None,
            },
        };
        ($sink)(&fact, outcome_at.map(|t| t.timestamp_micros()));
    }};
}

impl Store {
    /// The highest decision id: how many slots a projection of the whole
    /// log needs (ids are dense from 1).
    pub async fn last_decision_id(&self) -> Result<i64, StoreError> {
        Ok(on_pool!(self, |pool| {
            sqlx::query("SELECT COALESCE(MAX(id), 0) AS last FROM decisions")
                .fetch_one(pool)
                .await?
                .try_get::<i64, _>("last")?
        }))
    }

    /// Up to `limit` decisions with ids after `after`, as fact rows, in id
    /// order: the whole log page by page. Answers the last id handed over,
    /// `None` when there were none.
    pub async fn fact_page(
        &self,
        after: i64,
        limit: i64,
        domains: &mut DomainCache,
        sink: &mut Sink<'_>,
    ) -> Result<Option<i64>, StoreError> {
        let sql = format!("{SELECT} WHERE id > $1 ORDER BY id LIMIT $2");
        let mut last = None;
        on_pool!(self, |pool| {
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(after)
                .bind(limit)
                .fetch_all(pool)
                .await?;
            for row in &rows {
                sink_row!(row, domains, sink);
                last = Some(row.try_get::<i64, _>("id")?);
            }
        });
        Ok(last)
    }

    /// The decisions `ids`, as fact rows.
    pub async fn facts_of(
        &self,
        ids: &[DecisionId],
        domains: &mut DomainCache,
        sink: &mut Sink<'_>,
    ) -> Result<(), StoreError> {
        let dialect = crate::dialect::Dialect::of(&self.backend);
        for chunk in ids.chunks(10_000) {
            let sql = format!("{SELECT} WHERE id {} ORDER BY id", dialect.in_ids(1));
            let list: Vec<i64> = chunk.iter().map(|id| id.get()).collect();
            match &self.backend {
                crate::Backend::Sqlite(pool) => {
                    let ids = serde_json::to_string(&list)
                        .map_err(|e| StoreError::Corrupt(e.to_string()))?;
                    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                        .bind(ids)
                        .fetch_all(pool)
                        .await?;
                    for row in &rows {
                        sink_row!(row, domains, sink);
                    }
                }
                crate::Backend::Postgres(pool) => {
                    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                        .bind(list)
                        .fetch_all(pool)
                        .await?;
                    for row in &rows {
                        sink_row!(row, domains, sink);
                    }
                }
            }
        }
        Ok(())
    }

    /// What changed after chain position `after`, up to the head as it is
    /// now: the decisions its events touched, and whether the directory or
    /// a guide was applied.
    pub async fn changes_since(&self, after: i64) -> Result<Changes, StoreError> {
        let head = self.snapshot().await?.seq();
        if head <= after {
            return Ok(Changes {
                head,
                ..Changes::default()
            });
        }
        let rows: Vec<(Option<i64>, String)> = on_pool!(self, |pool| {
            sqlx::query(
                "SELECT decision_id, kind FROM events WHERE seq > $1 AND seq <= $2 \
                 AND (decision_id IS NOT NULL OR kind IN ($3, $4))",
            )
            .bind(after)
            .bind(head)
            .bind(EventKind::OrgApplied.as_str())
            .bind(EventKind::GuideApplied.as_str())
            .fetch_all(pool)
            .await?
            .iter()
            .map(|row| Ok((row.try_get("decision_id")?, row.try_get("kind")?)))
            .collect::<Result<_, sqlx::Error>>()?
        });
        let mut decisions: Vec<DecisionId> = rows
            .iter()
            .filter_map(|(id, _)| id.and_then(|id| DecisionId::new(id).ok()))
            .collect();
        decisions.sort_unstable();
        decisions.dedup();
        let versions = rows.iter().any(|(id, kind)| {
            id.is_none()
                && (kind == EventKind::OrgApplied.as_str()
                    || kind == EventKind::GuideApplied.as_str())
        });
        Ok(Changes {
            head,
            decisions,
            versions,
        })
    }
}
