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

use sqlx::{PgConnection, SqliteConnection};

use super::Failed;
use super::plan::{self, Reads, Row};
use crate::StoreError;
use crate::chain::{EVENT_PARAMS, EVENTS_PER_STATEMENT, Head, Linked, bind_event, insert_events};
use crate::log::{
    DECISION_PARAMS, SAVED_COLUMNS, bind_insert, bind_save, domains_column, insert_decisions,
};
use crate::state::{
    POSTGRES_HEAD, SQLITE_HEAD, Tally, bind_state, fetch_state, fetch_text_rows, head_and_records,
};

/// Reads what `$jobs` need in the write transaction `$tx`, which holds the
/// write lock: in one statement the chain head, the records `$ids` (bound
/// as `$bound`) and the org state of the first kind of open (`$head_only`
/// when there is none), then the state of any other kind (a batch opening
/// decisions for several teams). Evaluates to the head and the reads.
macro_rules! read {
    ($tx:expr, $jobs:expr, $head_only:expr, |$ids:ident| $bound:expr) => {{
        let $ids = plan::record_ids($jobs);
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
    Ok(read!(tx, jobs, SQLITE_HEAD, |ids| serde_json::to_string(
        &ids
    )
    .map_err(|e| StoreError::Corrupt(e.to_string()))?))
}

pub(super) async fn read_postgres(
    tx: &mut PgConnection,
    jobs: &[super::Job],
) -> Result<(Head, Reads), Failed> {
    Ok(read!(tx, jobs, POSTGRES_HEAD, |ids| ids))
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
        statements.push(insert_decisions(next, inserts));
        next += DECISION_PARAMS * inserts;
    }
    let width = SAVED_COLUMNS.len();
    for _ in 0..saves {
        let set: Vec<String> = SAVED_COLUMNS
            .iter()
            .enumerate()
            .map(|(i, column)| format!("{column} = ${}", next + i))
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

/// The batch's PostgreSQL statement. The events are inserted only when
/// every new decision was inserted and every changed one saved at the
/// version it was read at, so the count of events written says whether
/// all of it was.
const WRITE_POSTGRES: &str = "WITH inserted AS (
    INSERT INTO decisions (id, team, type, title, requester, framework, rule, guide_version, domains, opened_at, decider, decided_by, status, decided_at, escalated, overridden, outcome, review_on, version, record)
    SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::timestamptz[], $11::text[], $12::text[], $13::text[], $14::timestamptz[], $15::boolean[], $16::boolean[], $17::text[], $18::text[], $19::bigint[], $20::text[])
    RETURNING 1
), saved AS (
    UPDATE decisions AS d SET decider = v.decider, decided_by = v.decided_by, status = v.status, decided_at = v.decided_at, escalated = v.escalated, overridden = v.overridden, outcome = v.outcome, review_on = v.review_on, version = v.version, record = v.record
    FROM unnest($21::text[], $22::text[], $23::text[], $24::timestamptz[], $25::boolean[], $26::boolean[], $27::text[], $28::text[], $29::bigint[], $30::text[], $31::bigint[], $32::bigint[])
        AS v (decider, decided_by, status, decided_at, escalated, overridden, outcome, review_on, version, record, id, read_version)
    WHERE d.id = v.id AND d.version = v.read_version
    RETURNING 1
)
INSERT INTO events (seq, decision_id, kind, actor, at, body, prev_hash, hash)
SELECT * FROM unnest($33::bigint[], $34::bigint[], $35::text[], $36::text[], $37::timestamptz[], $38::text[], $39::text[], $40::text[])
WHERE (SELECT count(*) FROM inserted) = $41 AND (SELECT count(*) FROM saved) = $42";

/// One column of `$rows` as an array parameter.
macro_rules! column {
    ($rows:expr, |$r:ident| $cell:expr) => {
        $rows.iter().map(|$r| $cell).collect::<Vec<_>>()
    };
}

/// Binds the [`SAVED_COLUMNS`] of `$rows`, as arrays, to `$query`: the
/// columns both a new decision and a changed one write.
macro_rules! bind_saved_columns {
    ($query:expr, $rows:expr) => {
        $query
            .bind(column!($rows, |r| r.decision.decider.as_str()))
            .bind(column!($rows, |r| r.decision.decided_by.as_deref()))
            .bind(column!($rows, |r| r.decision.status.as_str()))
            .bind(column!($rows, |r| r.decision.decided_at))
            .bind(column!($rows, |r| r.decision.escalated))
            .bind(column!($rows, |r| r.decision.overridden))
            .bind(column!($rows, |r| r
                .decision
                .outcome
                .as_ref()
                .map(|o| o.result.as_str())))
            .bind(column!($rows, |r| r
                .decision
                .review_on
                .map(|d| d.to_string())))
            .bind(column!($rows, |r| r.decision.version))
            .bind(column!($rows, |r| r.record.as_str()))
    };
}

pub(super) async fn write_postgres(
    tx: &mut PgConnection,
    rows: &[Row],
    events: &[Linked<'_>],
) -> Result<(), Failed> {
    let (new, saved): (Vec<&Row>, Vec<&Row>) = rows.iter().partition(|r| r.read_version.is_none());
    let query = sqlx::query(WRITE_POSTGRES)
        .bind(column!(new, |r| r.decision.id))
        .bind(column!(new, |r| r.decision.team.as_str()))
        .bind(column!(new, |r| r.decision.decision_type.as_str()))
        .bind(column!(new, |r| r.decision.title.as_str()))
        .bind(column!(new, |r| r.decision.requester.as_str()))
        .bind(column!(new, |r| r.decision.resolution.framework.as_str()))
        .bind(column!(new, |r| r.decision.resolution.rule.as_str()))
        .bind(column!(new, |r| r
            .decision
            .resolution
            .guide_version
            .as_str()))
        .bind(column!(new, |r| domains_column(&r.decision)))
        .bind(column!(new, |r| r.decision.opened_at));
    let query = bind_saved_columns!(query, new);
    let query = bind_saved_columns!(query, saved)
        .bind(column!(saved, |r| r.decision.id))
        .bind(column!(saved, |r| r.read_version.unwrap_or_default()));
    let written = query
        .bind(column!(events, |e| e.seq))
        .bind(column!(events, |e| e.decision))
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
    use crate::log::decision_columns;

    #[test]
    fn sqlite_numbers_inserts_then_saves_then_events() {
        let sql = sqlite_sql(1, 1, 2);
        let statements: Vec<&str> = sql.split("; ").collect();
        assert_eq!(statements.len(), 3);
        assert!(statements[0].ends_with("$19, $20)"));
        assert!(statements[1].starts_with("UPDATE decisions SET decider = $21,"));
        assert!(statements[1].ends_with("WHERE id = $31 AND version = $32"));
        assert!(statements[2].ends_with(
            "($33, $34, $35, $36, $37, $38, $39, $40), ($41, $42, $43, $44, $45, $46, $47, $48)"
        ));
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
    fn postgres_writes_the_columns_the_other_statements_name() {
        assert!(
            WRITE_POSTGRES.contains(&format!("INSERT INTO decisions ({})", decision_columns()))
        );
        let set: Vec<String> = SAVED_COLUMNS
            .iter()
            .map(|c| format!("{c} = v.{c}"))
            .collect();
        assert!(WRITE_POSTGRES.contains(&format!("SET {}\n", set.join(", "))));
        assert!(WRITE_POSTGRES.contains(&format!(
            "AS v ({}, id, read_version)",
            SAVED_COLUMNS.join(", ")
        )));
        assert!(WRITE_POSTGRES.contains(&format!(
            "INSERT INTO events ({})",
            crate::chain::EVENT_COLUMNS.join(", ")
        )));
    }
}
