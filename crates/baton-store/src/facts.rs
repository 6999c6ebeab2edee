//! The analytics projection's reads: each decision as a row of facts, read
//! from the `decisions` columns (never the record), and what changed since
//! a chain position, so a projection is built once and then kept current
//! by reading only the decisions that moved.
//!
//! A page of decisions comes back as one text value: each decision's
//! fields joined by the unit separator (U+001F), the decisions joined by
//! the record separator (U+001E). The driver then copies one value and
//! hands over one row a page, not twenty values a decision from a thread
//! of its own — which was most of the cost of reading ten million. Instants
//! come as the text SQLite keeps or, from PostgreSQL, as microseconds since
//! the epoch, and are read by a parser of that one shape.

use std::collections::HashMap;
use std::future::Future as _;

use baton_core::DecisionId;
use baton_core::analytics::FactRow;
use baton_core::guide::file::Framework;
use baton_core::lifecycle::{EventKind, OutcomeResult, Status};
use chrono::NaiveDate;
use sqlx::Row;

use crate::dialect::Dialect;
use crate::{Backend, Store, StoreError, on_pool};

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

/// The projection's rows are handed to a sink.
pub type Sink<'s> = dyn FnMut(&FactRow<'_>) + Send + 's;

const SEPARATOR: char = '\u{1f}';
const RECORDS: char = '\u{1e}';

/// The fields of a fact row, in order; user text last but one and last.
const FIELDS: usize = 22;

/// The statement reading fact rows, in `dialect`, up to its `WHERE`.
fn select(dialect: Dialect) -> String {
    let postgres = dialect == Dialect::Postgres;
    let text = |c: &str| {
        if postgres {
            format!("coalesce({c}::text, '')")
        } else {
            format!("coalesce({c}, '')")
        }
    };
    let time = |c: &str| {
        if postgres {
            format!("coalesce((extract(epoch from {c}) * 1000000)::bigint::text, '')")
        } else {
            format!("coalesce({c}, '')")
        }
    };
    let (sep, rs) = if postgres {
        ("chr(31)", "chr(30)")
    } else {
        ("char(31)", "char(30)")
    };
    let flag = |c: &str| format!("CASE WHEN {c} THEN '1' ELSE '0' END");
    // A separator inside user text would shift every field after it.
    let user = |c: &str| format!("replace(replace({}, {sep}, ' '), {rs}, ' ')", text(c));
    let fields = [
        "CAST(id AS TEXT)".to_owned(),
        text("team"),
        text("type"),
        text("decider"),
        text("decided_by"),
        text("routed_decider"),
        text("delegate"),
        text("rule"),
        text("guide_version"),
        text("domains"),
        text("framework"),
        text("status"),
        flag("escalated"),
        flag("overridden"),
        text("outcome"),
        time("opened_at"),
        time("decided_at"),
        time("outcome_at"),
        time("escalated_at"),
        text("review_on"),
        user("override_reason"),
        // The title only where the projection keeps it (overridden, or
        // waiting for an outcome review): ten million titles read to be
        // dropped would be most of the read.
        user("CASE WHEN overridden OR (review_on IS NOT NULL AND outcome IS NULL) THEN title END"),
    ];
    debug_assert_eq!(fields.len(), FIELDS);
    format!(
        "SELECT id, {} AS f FROM decisions",
        fields.join(&format!(" || {sep} || "))
    )
}

/// The fact rows `inner` selects (`id` and `f`), as one page: the last id
/// and the rows' texts joined, in id order.
fn paged(dialect: Dialect, inner: &str) -> String {
    match dialect {
        Dialect::Sqlite => format!(
            "SELECT max(id) AS last, group_concat(f, char(30) ORDER BY id) AS page FROM ({inner}) AS p"
        ),
        Dialect::Postgres => format!(
            "SELECT max(id) AS last, string_agg(f, chr(30) ORDER BY id) AS page FROM ({inner}) AS p"
        ),
    }
}

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

/// Reads one fact row's text and hands it to `sink`; answers its id.
fn sink_text(
    text: &str,
    domains: &mut DomainCache,
    sink: &mut Sink<'_>,
) -> Result<i64, StoreError> {
    let corrupt = |what: &str, value: &str| {
        StoreError::Corrupt(format!("a decision's {what} `{value}` cannot be read"))
    };
    let f: Vec<&str> = text.splitn(FIELDS, SEPARATOR).collect();
    let [
        id,
        team,
        decision_type,
        decider,
        decided_by,
        routed,
        delegate,
        rule,
        guide_version,
        domains_text,
        framework,
        status,
        escalated,
        overridden,
        outcome,
        opened_at,
        decided_at,
        outcome_at,
        escalated_at,
        review_on,
        override_reason,
        title,
    ] = f.as_slice()
    else {
        return Err(corrupt("row", text));
    };
    let number: i64 = id.parse().map_err(|_| corrupt("id", id))?;
    fn optional(v: &str) -> Option<&str> {
        (!v.is_empty()).then_some(v)
    }
    let instant = |what: &str, v: &str| instant_micros(v).ok_or_else(|| corrupt(what, v));
    let maybe_instant = |what: &str, v: &str| -> Result<Option<i64>, StoreError> {
        if v.is_empty() {
            Ok(None)
        } else {
            instant(what, v).map(Some)
        }
    };
    let row = FactRow {
        id: DecisionId::new(number).map_err(|_| corrupt("id", id))?,
        team,
        decision_type,
        title,
        decider,
        decided_by: optional(decided_by),
        routed,
        delegate: optional(delegate),
        rule,
        guide_version,
        domains: domains.get(domains_text)?,
        framework: Framework::parse(framework).ok_or_else(|| corrupt("framework", framework))?,
        status: Status::parse(status).ok_or_else(|| corrupt("status", status))?,
        escalated: *escalated == "1",
        overridden: *overridden == "1",
        override_reason: optional(override_reason),
        outcome: match optional(outcome) {
            Some(o) => Some(OutcomeResult::parse(o).ok_or_else(|| corrupt("outcome", o))?),
            None => None,
        },
        opened_at: instant("opened_at", opened_at)?,
        decided_at: maybe_instant("decided_at", decided_at)?,
        outcome_at: maybe_instant("outcome_at", outcome_at)?,
        escalated_at: maybe_instant("escalated_at", escalated_at)?,
        review_on: match optional(review_on) {
            Some(day) => Some(
                day.parse::<NaiveDate>()
                    .map_err(|_| corrupt("review_on", day))?,
            ),
            None => None,
        },
    };
    sink(&row);
    Ok(number)
}

/// An instant as a fact row carries it — microseconds since the epoch
/// (PostgreSQL), or the RFC 3339 text SQLite keeps — as microseconds.
pub(crate) fn instant_micros(text: &str) -> Option<i64> {
    if let Ok(micros) = text.parse::<i64>() {
        return Some(micros);
    }
    fast_rfc3339(text.as_bytes()).or_else(|| {
        chrono::DateTime::parse_from_rfc3339(text)
            .ok()
            .map(|t| t.timestamp_micros())
    })
}

/// `YYYY-MM-DDTHH:MM:SS[.ffffff](Z|+00:00)`, the shape the store writes,
/// without the general parser's cost; anything else is `None` (and left to
/// the general parser).
fn fast_rfc3339(b: &[u8]) -> Option<i64> {
    let digits = |range: std::ops::Range<usize>| -> Option<i64> {
        let mut n = 0i64;
        for &c in b.get(range)? {
            if !c.is_ascii_digit() {
                return None;
            }
            n = n * 10 + i64::from(c - b'0');
        }
        Some(n)
    };
    let at = |i: usize| b.get(i).copied();
    if at(4) != Some(b'-')
        || at(7) != Some(b'-')
        || !matches!(at(10), Some(b'T' | b' '))
        || at(13) != Some(b':')
        || at(16) != Some(b':')
    {
        return None;
    }
    let (year, month, day) = (digits(0..4)?, digits(5..7)?, digits(8..10)?);
    let (hour, minute, second) = (digits(11..13)?, digits(14..16)?, digits(17..19)?);
    if !(1..=12).contains(&month)
        || !(1..=31).contains(&day)
        || hour > 23
        || minute > 59
        || second > 59
    {
        return None;
    }
    let mut i = 19;
    let mut micros = 0i64;
    if at(i) == Some(b'.') {
        i += 1;
        let mut places = 0;
        while let Some(c) = at(i).filter(u8::is_ascii_digit) {
            if places < 6 {
                micros = micros * 10 + i64::from(c - b'0');
                places += 1;
            }
            i += 1;
        }
        for _ in places..6 {
            micros *= 10;
        }
    }
    match b.get(i..)? {
        b"Z" | b"+00:00" => {}
        _ => return None,
    }
    let days = days_from_civil(year, month, day);
    Some(((days * 86_400 + hour * 3_600 + minute * 60 + second) * 1_000_000) + micros)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
/// algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Events that change a directory or a guide in force.
const VERSION_KINDS: [EventKind; 5] = [
    EventKind::OrgApplied,
    EventKind::GuideApplied,
    EventKind::BreakTaken,
    EventKind::BreakEnded,
    EventKind::HandoffAnswered,
];

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

    /// The page of up to `limit` decisions after `after`: the last id and
    /// the rows' texts, or `None` past the end.
    async fn fact_page(&self, after: i64, limit: i64) -> Result<Option<(i64, String)>, StoreError> {
        let dialect = Dialect::of(&self.backend);
        let inner = format!("{} WHERE id > $1 ORDER BY id LIMIT $2", select(dialect));
        let sql = paged(dialect, &inner);
        let (last, page): (Option<i64>, Option<String>) = on_pool!(self, |pool| {
            let row = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(after)
                .bind(limit)
                .fetch_one(pool)
                .await?;
            (row.try_get("last")?, row.try_get("page")?)
        });
        Ok(last.zip(page))
    }

    /// Every decision as a fact row, in id order, page by page: each page
    /// is read while the one before it is handed over. `progress` hears
    /// the last id handed over after each page.
    pub async fn all_facts(
        &self,
        page: i64,
        sink: &mut Sink<'_>,
        progress: &mut (dyn FnMut(i64) + Send),
    ) -> Result<(), StoreError> {
        let mut domains = DomainCache::default();
        let mut current = self.fact_page(0, page).await?;
        while let Some((last, texts)) = current {
            let mut next = Box::pin(self.fact_page(last, page));
            // Its first poll hands the statement to the driver, which then
            // reads the next page while this one is handed over.
            let early =
                std::future::poll_fn(|cx| std::task::Poll::Ready(next.as_mut().poll(cx))).await;
            for text in texts.split(RECORDS) {
                sink_text(text, &mut domains, sink)?;
            }
            progress(last);
            current = match early {
                std::task::Poll::Ready(read) => read?,
                std::task::Poll::Pending => next.await?,
            };
        }
        Ok(())
    }

    /// The decisions `ids`, as fact rows.
    pub async fn facts_of(
        &self,
        ids: &[DecisionId],
        domains: &mut DomainCache,
        sink: &mut Sink<'_>,
    ) -> Result<(), StoreError> {
        let dialect = Dialect::of(&self.backend);
        let inner = format!("{} WHERE id {}", select(dialect), dialect.in_ids(1));
        let sql = paged(dialect, &inner);
        for chunk in ids.chunks(10_000) {
            let list: Vec<i64> = chunk.iter().map(|id| id.get()).collect();
            let page: Option<String> = match &self.backend {
                Backend::Sqlite(pool) => {
                    let ids = serde_json::to_string(&list)
                        .map_err(|e| StoreError::Corrupt(e.to_string()))?;
                    sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
                        .bind(ids)
                        .fetch_one(pool)
                        .await?
                        .try_get("page")?
                }
                Backend::Postgres(pool) => sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
                    .bind(list)
                    .fetch_one(pool)
                    .await?
                    .try_get("page")?,
            };
            for text in page.iter().flat_map(|p| p.split(RECORDS)) {
                sink_text(text, domains, sink)?;
            }
        }
        Ok(())
    }

    /// The records of decisions `ids` (at most a few thousand), as
    /// `(id, record JSON)`, in id order: one page, as the fact rows are read
    /// (a record's JSON escapes every control character, so the separators
    /// cannot occur in it).
    pub async fn records_of(&self, ids: &[DecisionId]) -> Result<Vec<(i64, String)>, StoreError> {
        let dialect = Dialect::of(&self.backend);
        let inner = format!(
            "SELECT id, CAST(id AS TEXT) || {} || record AS f FROM decisions WHERE id {}",
            if dialect == Dialect::Postgres {
                "chr(31)"
            } else {
                "char(31)"
            },
            dialect.in_ids(1)
        );
        let sql = paged(dialect, &inner);
        let list: Vec<i64> = ids.iter().map(|id| id.get()).collect();
        let page: Option<String> = match &self.backend {
            Backend::Sqlite(pool) => {
                let ids =
                    serde_json::to_string(&list).map_err(|e| StoreError::Corrupt(e.to_string()))?;
                sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(ids)
                    .fetch_one(pool)
                    .await?
                    .try_get("page")?
            }
            Backend::Postgres(pool) => sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(list)
                .fetch_one(pool)
                .await?
                .try_get("page")?,
        };
        page.iter()
            .flat_map(|p| p.split(RECORDS))
            .map(|text| {
                let (id, record) = text
                    .split_once(SEPARATOR)
                    .ok_or_else(|| StoreError::Corrupt("a record cannot be read".into()))?;
                let id = id
                    .parse::<i64>()
                    .map_err(|_| StoreError::Corrupt(format!("a record's id `{id}`")))?;
                Ok((id, record.to_owned()))
            })
            .collect()
    }

    /// What changed after chain position `after`, up to the head as it is
    /// now: the decisions its events touched, and whether the directories
    /// or guides did (an apply, a break taken or ended, a hand-off
    /// answered: each changes the versions the projection judges and
    /// replays by).
    pub async fn changes_since(&self, after: i64) -> Result<Changes, StoreError> {
        let head = self.snapshot().await?.seq();
        if head <= after {
            return Ok(Changes {
                head,
                ..Changes::default()
            });
        }
        let rows: Vec<(Option<i64>, String)> = on_pool!(self, |pool| {
            let mut query = sqlx::query(
                "SELECT decision_id, kind FROM events WHERE seq > $1 AND seq <= $2 \
                 AND (decision_id IS NOT NULL OR kind IN ($3, $4, $5, $6, $7))",
            )
            .bind(after)
            .bind(head);
            for kind in VERSION_KINDS {
                query = query.bind(kind.as_str());
            }
            query
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
        let versions = rows
            .iter()
            .any(|(id, kind)| id.is_none() && VERSION_KINDS.iter().any(|k| k.as_str() == kind));
        Ok(Changes {
            head,
            decisions,
            versions,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fast_parser_reads_what_the_general_one_does() {
        for text in [
            "2026-03-01T12:00:00+00:00",
            "2026-03-01T12:00:00Z",
            "2026-03-01T12:00:00.5Z",
            "2024-02-29T23:59:59.123456+00:00",
            "1969-12-31T23:59:59.999999Z",
            "0001-01-01T00:00:00Z",
            "9999-12-31T23:59:59.999999+00:00",
            "2000-03-01 00:00:00+00:00",
        ] {
            let general = chrono::DateTime::parse_from_rfc3339(&text.replace(' ', "T"))
                .unwrap()
                .timestamp_micros();
            assert_eq!(fast_rfc3339(text.as_bytes()), Some(general), "{text}");
            assert_eq!(instant_micros(text), Some(general), "{text}");
        }
        // Another offset is left to the general parser, which reads it.
        assert_eq!(fast_rfc3339(b"2026-03-01T12:00:00+01:00"), None);
        assert_eq!(
            instant_micros("2026-03-01T12:00:00+01:00"),
            Some(instant_micros("2026-03-01T11:00:00Z").unwrap())
        );
        assert_eq!(
            instant_micros("1772366400000000"),
            Some(1_772_366_400_000_000)
        );
        assert_eq!(instant_micros("yesterday"), None);
    }
}
