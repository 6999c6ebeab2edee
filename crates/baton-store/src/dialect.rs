//! What differs between SQLite and PostgreSQL, in one place: how a write
//! takes the store's lock, how a read holds one snapshot, how a worker
//! claims rows the others skip, how SQL spells a JSON array of texts or an
//! instant as text, how parameters are bound, and which instants both
//! store. Everything else is written once and instantiated for each pool
//! by [`on_pool!`].

use crate::Backend;

/// One of the two SQL dialects.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Dialect {
    Sqlite,
    Postgres,
}

impl Dialect {
    pub(crate) fn of(backend: &Backend) -> Self {
        match backend {
            Backend::Sqlite(_) => Self::Sqlite,
            Backend::Postgres(_) => Self::Postgres,
        }
    }

    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Sqlite => "sqlite",
            Self::Postgres => "postgres",
        }
    }

    /// Names the index a query must read, where the dialect lets it and its
    /// planner would guess wrong: SQLite without statistics reads a
    /// partial index less readily than a wide one on `status` (`decided`
    /// is most of the log); PostgreSQL's planner has statistics.
    pub(crate) fn indexed_by(self, index: &str) -> String {
        match self {
            Self::Sqlite => format!("INDEXED BY {index}"),
            Self::Postgres => String::new(),
        }
    }

    /// How a write transaction begins: SQLite takes the write lock at
    /// once; PostgreSQL locks only what its statements lock (the chain
    /// head, read by [`Dialect::head_for_write`]).
    pub(crate) fn begin_write(self) -> &'static str {
        match self {
            Self::Sqlite => "BEGIN IMMEDIATE",
            Self::Postgres => "BEGIN",
        }
    }

    /// How a read-only transaction of several statements sees one
    /// snapshot: SQLite's
    /// deferred transaction does from its first read on; PostgreSQL needs
    /// repeatable read.
    pub(crate) fn begin_snapshot(self) -> &'static str {
        match self {
            Self::Sqlite => "BEGIN",
            Self::Postgres => "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
        }
    }

    /// How a group-commit batch begins: with the write lock taken. On
    /// PostgreSQL the row lock on `chain_head` comes in the same round trip
    /// as `BEGIN`, so the batch's reads, after it, see every write
    /// committed before the lock was granted; and the batch's statements
    /// are planned generically, as planning each run from scratch cost
    /// more than running it.
    pub(crate) fn begin_batch(self) -> &'static str {
        match self {
            Self::Sqlite => "BEGIN IMMEDIATE",
            Self::Postgres => {
                "BEGIN; SET LOCAL plan_cache_mode = force_generic_plan; SELECT 1 FROM chain_head WHERE id = 1 FOR UPDATE"
            }
        }
    }

    /// The chain-head read that begins a write: on PostgreSQL its row lock
    /// is the store's write lock.
    pub(crate) fn head_for_write(self) -> &'static str {
        match self {
            Self::Sqlite => crate::chain::READ_HEAD,
            Self::Postgres => crate::chain::LOCK_HEAD,
        }
    }

    /// The suffix of a `SELECT` that claims its rows for one worker, the
    /// others skipping them (SQLite's write lock already serializes them).
    pub(crate) fn claim(self) -> &'static str {
        match self {
            Self::Sqlite => "",
            Self::Postgres => " FOR UPDATE SKIP LOCKED",
        }
    }

    /// `IN` the JSON array of texts bound to `$n`.
    pub(crate) fn in_texts(self, n: usize) -> String {
        match self {
            Self::Sqlite => format!("IN (SELECT value FROM json_each(${n}))"),
            Self::Postgres => {
                format!("= ANY(ARRAY(SELECT jsonb_array_elements_text(${n}::jsonb)))")
            }
        }
    }

    /// `IN` the ids bound to `$n`: a JSON array of numbers on SQLite, an
    /// array of `bigint` on PostgreSQL.
    pub(crate) fn in_ids(self, n: usize) -> String {
        match self {
            Self::Sqlite => format!("IN (SELECT value FROM json_each(${n}))"),
            Self::Postgres => format!("= ANY(${n})"),
        }
    }

    /// Parameter `$n` as text, where PostgreSQL cannot infer its type.
    pub(crate) fn text_param(self, n: usize) -> String {
        match self {
            Self::Sqlite => format!("${n}"),
            Self::Postgres => format!("${n}::text"),
        }
    }

    /// The instant column `column` as RFC 3339 text to the microsecond, in
    /// UTC: SQLite stores it so; PostgreSQL formats it.
    pub(crate) fn instant_text(self, column: &str) -> String {
        match self {
            Self::Sqlite => column.to_owned(),
            Self::Postgres => {
                format!("to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')")
            }
        }
    }
}

/// Runs the same body against whichever pool the store holds: the SQL is
/// written once and type-checked for both drivers.
macro_rules! on_pool {
    ($store:expr, |$pool:ident| $body:expr) => {
        match &$store.backend {
            $crate::Backend::Sqlite($pool) => $body,
            $crate::Backend::Postgres($pool) => $body,
        }
    };
}
pub(crate) use on_pool;

/// Runs `$body` in a transaction on whichever pool the store holds;
/// commits when the body succeeds and rolls back when it returns an error.
/// On SQLite the transaction takes the write lock at once (`BEGIN
/// IMMEDIATE`); on PostgreSQL it locks only what its statements lock.
macro_rules! tx {
    ($store:expr, |$tx:ident| $body:expr) => {{
        match &$store.backend {
            $crate::Backend::Sqlite(pool) => {
                let mut $tx = pool
                    .begin_with($crate::dialect::Dialect::Sqlite.begin_write())
                    .await?;
                let out = $body;
                $tx.commit().await?;
                out
            }
            $crate::Backend::Postgres(pool) => {
                let mut $tx = pool.begin().await?;
                let out = $body;
                $tx.commit().await?;
                out
            }
        }
    }};
}
pub(crate) use tx;

/// [`tx!`] holding the store's write lock, with `$head` bound to the chain
/// head read under it (PostgreSQL's row lock on `chain_head` is the lock).
/// Decisions' `open` and `act` go through `batch`, which holds the same
/// lock.
macro_rules! write_tx {
    ($store:expr, |$tx:ident, $head:ident| $body:expr) => {{
        let head_sql = $crate::dialect::Dialect::of(&$store.backend).head_for_write();
        $crate::tx!($store, |$tx| {
            let row = sqlx::query(head_sql).fetch_one(&mut *$tx).await?;
            let $head = $crate::chain::Head::from_row(&row)?;
            $body
        })
    }};
}
pub(crate) use write_tx;

/// `t + by`, held within the years 1 to 9999 that both databases store.
/// Instants come from users (`--at`, an API's `at`); the resolver answers
/// one outside those years with `invalid_request`, and the store must
/// neither overflow nor send the database a date it refuses before that.
pub(crate) fn shifted(
    t: chrono::DateTime<chrono::Utc>,
    by: chrono::TimeDelta,
) -> chrono::DateTime<chrono::Utc> {
    use chrono::TimeZone as _;
    let first = chrono::Utc.with_ymd_and_hms(1, 1, 1, 0, 0, 0).single();
    let last = chrono::Utc
        .with_ymd_and_hms(9999, 12, 31, 23, 59, 59)
        .single();
    let (Some(first), Some(last)) = (first, last) else {
        return t;
    };
    t.checked_add_signed(by)
        .unwrap_or(if by < chrono::TimeDelta::zero() {
            first
        } else {
            last
        })
        .clamp(first, last)
}

/// `rows` rows of `width` placeholders each, numbered from `$first`:
/// `($1, $2), ($3, $4)`.
pub(crate) fn placeholders(first: usize, width: usize, rows: usize) -> String {
    (0..rows)
        .map(|r| {
            let cells = (0..width)
                .map(|c| format!("${}", first + r * width + c))
                .collect::<Vec<_>>();
            format!("({})", cells.join(", "))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// `sql` with its `$1, $2, …` placeholders written `?`, for SQLite: binding
/// a numbered parameter looks its name up in a list as long as the
/// statement's parameters, so a statement of thousands of them binds in
/// quadratic time, and anonymous ones in linear. Only for statements whose
/// parameters appear once each, in order, and with no `$` elsewhere.
pub(crate) fn positional(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '$' && chars.peek().is_some_and(char::is_ascii_digit) {
            while chars.peek().is_some_and(char::is_ascii_digit) {
                chars.next();
            }
            out.push('?');
        } else {
            out.push(c);
        }
    }
    out
}

/// Instants are kept to the microsecond, the finest both backends store, so
/// what is read back equals what was written.
pub(crate) fn micros(t: chrono::DateTime<chrono::Utc>) -> chrono::DateTime<chrono::Utc> {
    chrono::SubsecRound::trunc_subsecs(t, 6)
}

#[cfg(test)]
mod tests {
    #[test]
    fn numbered_placeholders_become_anonymous_ones_in_order() {
        let sql = format!(
            "INSERT INTO t (a, b) VALUES {}",
            super::placeholders(1, 2, 2)
        );
        assert_eq!(
            super::positional(&sql),
            "INSERT INTO t (a, b) VALUES (?, ?), (?, ?)"
        );
    }
}
