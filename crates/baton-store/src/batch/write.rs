//! A batch's reads and its one write, in each dialect.
//!
//! A batch makes the same few round trips however many jobs it holds: the
//! write lock, one read of the chain head, the records its changes need and
//! the org state its opens need (another for each further team opening),
//! one call writing every decision row and event, and the commit. On
//! PostgreSQL that call is one fixed statement (columns travel as arrays),
//! prepared once per connection; on SQLite, where preparing costs no round
//! trip, it is a string of multi-row statements sized to the batch, never
//! cached so that it cannot crowd the writer's hot statements out of the
//! statement cache.

use baton_core::DecisionId;
use sqlx::{PgConnection, SqliteConnection};

use super::Failed;
use super::plan::{self, Reads, Row};
use crate::StoreError;
use crate::chain::{EVENT_PARAMS, EVENTS_PER_STATEMENT, Head, Linked, bind_event, insert_events};
use crate::dialect::Dialect;
use crate::row::{self, bind_insert, bind_save};
use crate::state::{Tally, bind_state, fetch_state, fetch_text_rows, head_and_records, head_sql};

/// Reads what `$jobs` need in the write transaction `$tx`, which holds the
/// write lock: in one statement the chain head, the records `$ids` (bound
/// as `$bound`) and the org state of the first kind of open (`$head_only`
/// when there is none), then the state of any other kind (a batch opening
/// decisions for several teams). Evaluates to the head and the reads.
macro_rules! read {
    ($tx:expr, $jobs:expr, $head_only:expr, |$ids:ident| $bound:expr) => {{
        let $ids: Vec<i64> = plan::record_ids($jobs)
            .into_iter()
            .map(DecisionId::get)
            .collect();
        let mut queries = plan::state_queries($jobs).into_iter();
        let first = queries.next();
        let query = match &first {
            None => sqlx::query($head_only),
            Some(state) => bind_state!(sqlx::query(state.sql_after_head()), state),
        };
        let mut rows = fetch_text_rows!(&mut *$tx, query.bind($bound));
        let (head, records) = head_and_records(&mut rows)?;
        let mut reads = Reads {
            records,
            tallies: Vec::new(),
        };
        if let Some(state) = first {
            reads.tallies.push(Tally::new(state, rows)?);
        }
        for state in queries {
            let rows = fetch_state!(&mut *$tx, state);
            reads.tallies.push(Tally::new(state, rows)?);
        }
        (head, reads)
    }};
}

pub(super) async fn read_sqlite(
    tx: &mut SqliteConnection,
    jobs: &[super::Job],
) -> Result<(Head, Reads), Failed> {
    Ok(read!(tx, jobs, head_sql(Dialect::Sqlite), |ids| {
        serde_json::to_string(&ids).map_err(|e| StoreError::Corrupt(e.to_string()))?
    }))
}

pub(super) async fn read_postgres(
    tx: &mut PgConnection,
    jobs: &[super::Job],
) -> Result<(Head, Reads), Failed> {
    Ok(read!(tx, jobs, head_sql(Dialect::Postgres), |ids| ids))
}

/// Refuses a write that did not touch every row it meant to: under the
/// write lock no other writer can have moved a version, so this is a bug or
/// a tampered database, and nothing of the batch is kept. Its jobs are then
/// run alone, and the one at fault is named.
fn check(written: u64, expected: usize, rows: &[Row]) -> Result<(), Failed> {
    if written == expected as u64 {
        return Ok(());
    }
    Err(Failed::Before(match rows {
        [row] => StoreError::Conflict(row.decision.id),
        _ => StoreError::Unavailable(format!(
            "a batch of {} decisions wrote {written} of its {expected} rows",
            rows.len()
        )),
    }))
}

/// The batch's SQLite statements: new decisions, then one update per
/// changed decision, then the events, numbered in that order.
fn sqlite_sql(inserts: usize, saves: usize, events: usize) -> String {
    let mut statements = Vec::new();
    let mut next = 1;
    if inserts > 0 {
        statements.push(row::insert(next, inserts));
        next += row::PARAMS * inserts;
    }
    let width = row::saved_count();
    for _ in 0..saves {
        let set: Vec<String> = row::saved()
            .enumerate()
            .map(|(i, column)| format!("{} = ${}", column.name, next + i))
            .collect();
        statements.push(format!(
            "UPDATE decisions SET {} WHERE id = ${} AND version = ${}",
            set.join(", "),
            next + width,
            next + width + 1
        ));
        next += width + 2;
    }
    let mut left = events;
    while left > 0 {
        let rows = left.min(EVENTS_PER_STATEMENT);
        statements.push(insert_events(next, rows));
        next += EVENT_PARAMS * rows;
        left -= rows;
    }
    statements.join("; ")
}

pub(super) async fn write_sqlite(
    tx: &mut SqliteConnection,
    rows: &[Row],
    events: &[Linked<'_>],
) -> Result<(), Failed> {
    let (inserts, saves): (Vec<&Row>, Vec<&Row>) =
        rows.iter().partition(|r| r.read_version.is_none());
    // Anonymous placeholders bind in linear time (see `positional`).
    let sql = crate::positional(&sqlite_sql(inserts.len(), saves.len(), events.len()));
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).persistent(false);
    for row in &inserts {
        query = bind_insert!(query, &row.decision, &row.record);
    }
    for row in &saves {
        query = bind_save!(query, &row.decision, &row.record, row.read_version);
    }
    for event in events {
        query = bind_event!(query, event);
    }
    let written = query.execute(&mut *tx).await?.rows_affected();
    check(written, rows.len() + events.len(), rows)
}

/// The batch's PostgreSQL statement, made once from the row's columns.
/// The events are inserted only when every new decision was inserted and
/// every changed one saved at the version it was read at, so the count of
/// events written says whether all of it was.
static WRITE_POSTGRES: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    let mut n = 0;
    let mut param = |kind: &str| {
        n += 1;
        format!("${n}::{kind}[]")
    };
    let inserted: Vec<String> = row::COLUMNS
        .iter()
        .map(|c| param(c.kind.postgres()))
        .collect();
    let saved: Vec<&row::Column> = row::saved().collect();
    let mut saved_params: Vec<String> = saved.iter().map(|c| param(c.kind.postgres())).collect();
    saved_params.push(param("bigint"));
    saved_params.push(param("bigint"));
    let events: Vec<String> = [
        "bigint",
        "bigint",
        "text",
        "text",
        "timestamptz",
        "text",
        "text",
        "text",
    ]
    .iter()
    .map(|kind| param(kind))
    .collect();
    let names: Vec<&str> = saved.iter().map(|c| c.name).collect();
    let set: Vec<String> = names.iter().map(|c| format!("{c} = v.{c}")).collect();
    format!(
        "WITH inserted AS (
    INSERT INTO decisions ({all})
    SELECT * FROM unnest({inserted})
    RETURNING 1
), saved AS (
    UPDATE decisions AS d SET {set}
    FROM unnest({saved_params})
        AS v ({names}, id, read_version)
    WHERE d.id = v.id AND d.version = v.read_version
    RETURNING 1
)
INSERT INTO events ({event_columns})
SELECT * FROM unnest({events})
WHERE (SELECT count(*) FROM inserted) = ${counted_new} AND (SELECT count(*) FROM saved) = ${counted_saved}",
        all = row::names(),
        inserted = inserted.join(", "),
        set = set.join(", "),
        saved_params = saved_params.join(", "),
        names = names.join(", "),
        event_columns = crate::chain::EVENT_COLUMNS.join(", "),
        events = events.join(", "),
        counted_new = n + 1,
        counted_saved = n + 2,
    )
});

/// One column of `$rows` as an array parameter.
macro_rules! column {
    ($rows:expr, |$r:ident| $cell:expr) => {
        $rows.iter().map(|$r| $cell).collect::<Vec<_>>()
    };
}

/// Binds `$columns` of `$rows`, each as one array, to `$query`.
macro_rules! bind_arrays {
    ($query:expr, $columns:expr, $rows:expr) => {{
        use row::{Cell, Kind};
        let mut query = $query;
        for c in $columns {
            let cells = || $rows.iter().map(|r| (c.of)(&r.decision));
            query = match c.kind {
                Kind::Int => query.bind(column!(cells().collect::<Vec<_>>(), |v| match v {
                    Cell::Int(v) => *v,
                    _ => 0,
                })),
                Kind::Text => query.bind(column!(cells().collect::<Vec<_>>(), |v| match v {
                    Cell::Text(v) => v.clone(),
                    _ => String::new(),
                })),
                Kind::MaybeText => query.bind(column!(cells().collect::<Vec<_>>(), |v| match v {
                    Cell::MaybeText(v) => v.clone(),
                    _ => None,
                })),
                Kind::Time => query.bind(column!(cells().collect::<Vec<_>>(), |v| match v {
                    Cell::Time(v) => *v,
                    _ => chrono::DateTime::<chrono::Utc>::UNIX_EPOCH,
                })),
                Kind::MaybeTime => query.bind(column!(cells().collect::<Vec<_>>(), |v| match v {
                    Cell::MaybeTime(v) => *v,
                    _ => None,
                })),
                Kind::Flag => query.bind(column!(cells().collect::<Vec<_>>(), |v| match v {
                    Cell::Flag(v) => *v,
                    _ => false,
                })),
                Kind::Record => query.bind(column!($rows, |r| r.record.as_str())),
            };
        }
        query
    }};
}

pub(super) async fn write_postgres(
    tx: &mut PgConnection,
    rows: &[Row],
    events: &[Linked<'_>],
) -> Result<(), Failed> {
    let (new, saved): (Vec<&Row>, Vec<&Row>) = rows.iter().partition(|r| r.read_version.is_none());
    let query = sqlx::query(WRITE_POSTGRES.as_str());
    let query = bind_arrays!(query, &row::COLUMNS, new);
    let query = bind_arrays!(query, row::saved(), saved)
        .bind(column!(saved, |r| r.decision.id.get()))
        .bind(column!(saved, |r| r.read_version.unwrap_or_default()));
    let written = query
        .bind(column!(events, |e| e.seq))
        .bind(column!(events, |e| e.decision.map(DecisionId::get)))
        .bind(column!(events, |e| e.event.kind.as_str()))
        .bind(column!(events, |e| e.event.actor.as_str()))
        .bind(column!(events, |e| e.event.at))
        .bind(column!(events, |e| e.body.as_str()))
        .bind(column!(events, |e| e.prev.as_str()))
        .bind(column!(events, |e| e.hash.as_str()))
        .bind(new.len() as i64)
        .bind(saved.len() as i64)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    check(written, events.len(), rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_numbers_inserts_then_saves_then_events() {
        let sql = sqlite_sql(1, 1, 2);
        let statements: Vec<&str> = sql.split("; ").collect();
        assert_eq!(statements.len(), 3);
        let (n, saved) = (crate::row::PARAMS, crate::row::saved_count());
        assert!(statements[0].ends_with(&format!("${}, ${n})", n - 1)));
        assert!(statements[1].starts_with(&format!("UPDATE decisions SET decider = ${},", n + 1)));
        let (id, version) = (n + saved + 1, n + saved + 2);
        assert!(statements[1].ends_with(&format!("WHERE id = ${id} AND version = ${version}")));
        let event = |first: usize| {
            let params: Vec<String> = (first..first + 8).map(|i| format!("${i}")).collect();
            format!("({})", params.join(", "))
        };
        let events = format!("{}, {}", event(version + 1), event(version + 9));
        assert!(statements[2].ends_with(&events), "{}", statements[2]);
    }

    #[test]
    fn sqlite_writes_nothing_for_an_empty_batch() {
        assert_eq!(sqlite_sql(0, 0, 0), "");
    }

    #[test]
    fn sqlite_splits_events_past_the_statement_limit() {
        let sql = sqlite_sql(0, 0, EVENTS_PER_STATEMENT + 1);
        assert_eq!(sql.matches("INSERT INTO events").count(), 2);
    }

    #[test]
    fn postgres_writes_every_column_of_the_row_and_saves_the_saved_ones() {
        let sql = WRITE_POSTGRES.as_str();
        assert!(sql.contains(&format!("INSERT INTO decisions ({})", row::names())));
        let set: Vec<String> = row::saved()
            .map(|c| format!("{0} = v.{0}", c.name))
            .collect();
        assert!(sql.contains(&format!("SET {}\n", set.join(", "))));
        let names: Vec<&str> = row::saved().map(|c| c.name).collect();
        assert!(sql.contains(&format!("AS v ({}, id, read_version)", names.join(", "))));
        assert!(sql.contains(&format!(
            "INSERT INTO events ({})",
            crate::chain::EVENT_COLUMNS.join(", ")
        )));
        let params = row::PARAMS + row::saved_count() + 2 + crate::chain::EVENT_PARAMS + 2;
        assert!(sql.contains(&format!("${params}")) && !sql.contains(&format!("${}", params + 1)));
    }
}
