//! Importing decisions made elsewhere — a spreadsheet of past decisions, or
//! an export — all or nothing, in constant memory.
//!
//! Items arrive one at a time (parsed and checked by `transfer`) and are
//! written in chunks inside one write transaction. For each chunk the
//! identities are looked up in one statement; then, while SQLite's worker
//! thread inserts the chunk before, this thread prepares the chunk
//! ([`Progress::prepare`]: ids, records, events), chains and binds its
//! statements ([`chunk_statements`]) and reads the next one, so the single
//! writer never waits for the parsing, hashing and binding around it.
//! A bad row stops the writing but not the reading, so every bad row is
//! named; then nothing is kept. An undecided row is resolved by its team's
//! guide as of its `opened_at`, against the org state the rows before it
//! left, so the chunks before it are written first.
//!
//! Its cost per row must not grow with the import. On SQLite every page an
//! uncommitted transaction reads back or spills searches a write-ahead log
//! as long as what it has written, so an import touches pages only near the
//! end of their trees: decisions, events and their indexes take keys that
//! arrive nearly in order, and the identities, digests that land anywhere,
//! wait in temporary tables (which keep no such log) until the end.

use std::collections::HashMap;
use std::sync::Arc;

use baton_core::DecisionId;
use baton_core::lifecycle::{self, Decision, Event};
use baton_core::resolve::Request;
use chrono::{DateTime, Utc};
use sqlx::Row as _;

use crate::chain::{self, EVENT_PARAMS, Head, bind_event, insert_events};
use crate::dialect::Dialect;
use crate::journal::Journal;
use crate::row::{self, bind_insert, record_json};
use crate::state::{StateQuery, fetch_state};
use crate::transfer::UNNUMBERED;
use crate::transfer::{Catalog, ImportError, ImportErrors, SheetRow, Summary, Unchecked, What};
use crate::{OPERATOR, Store, StoreError, micros, on_pool};

/// Decisions per chunk: each statement that inserts them (rows, events,
/// identities) stays well under SQLite's 32,766 parameters.
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
    /// The caller owns the store while it imports (the CLI does): a
    /// SQLite file nothing else has open is then taken whole, and each
    /// page is written once rather than through the write-ahead log
    /// (see `journal`). Others reading the store meanwhile would wait.
    pub exclusive: bool,
}

/// A decision ready to write, with its identity and event.
struct Ready {
    key: String,
    content: String,
    decision: Decision,
    /// Shared with the statement that writes it (see [`Kept`]).
    record: Arc<str>,
    event: Event,
}

/// Every identity among those imported before (keys `$1`, a JSON array)
/// or by this import (fingerprints `$2`, a JSON array; a fingerprint may
/// stand for more than one key, so the caller compares keys): its content
/// digest and decision.
fn imported_sql(dialect: Dialect) -> &'static str {
    static SQL: std::sync::LazyLock<[String; 2]> = std::sync::LazyLock::new(|| {
        [Dialect::Sqlite, Dialect::Postgres].map(|d| {
            let fingerprints = match d {
                Dialect::Sqlite => "IN (SELECT value FROM json_each($2))",
                Dialect::Postgres => {
                    "= ANY(ARRAY(SELECT jsonb_array_elements_text($2::jsonb)::bigint))"
                }
            };
            format!(
                "SELECT key, content, decision_id FROM imports WHERE key {keys}
UNION ALL
SELECT r.key, r.content, r.decision_id FROM import_seen AS s
  JOIN import_rows AS r ON r.decision_id = s.decision_id
 WHERE s.fingerprint {fingerprints}",
                keys = d.in_texts(1),
            )
        })
    });
    &SQL[dialect as usize]
}

/// A key's fingerprint: the first eight bytes of its SHA-256, as the
/// databases' 64-bit integer.
fn fingerprint(key: &str) -> i64 {
    use sha2::Digest as _;
    let digest = sha2::Sha256::digest(key.as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    i64::from_be_bytes(first)
}

/// The triggers SQLite runs per row that an import does the work of once
/// per chunk (the title search, the tallies) or once at the end
/// (`chain_head`): it drops
/// them inside its transaction and creates them again before it commits
/// (rolling back restores them). A trigger program per row costs more than
/// the row's own insert.
const DEFERRED_TRIGGERS: &str = "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name IN ('events_advance_head', 'decisions_count', 'decision_titles_insert', 'decisions_tally_insert') ORDER BY name";

/// What `decisions_tally_insert` counts, for a chunk's decisions at once
/// (SQLite): read back from the pages just written. Two statements, each
/// taking the chunk's first and last id.
fn tally_chunk() -> &'static str {
    static SQL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        format!(
            "INSERT INTO decider_load (person, open)
SELECT decider, COUNT(*) FROM decisions WHERE id BETWEEN $1 AND $2 AND status IN {load} GROUP BY decider
    ON CONFLICT (person) DO UPDATE SET open = open + excluded.open;
INSERT INTO outcome_tally (person, domains, outcome, n)
SELECT decided_by, domains, outcome, COUNT(*) FROM decisions
 WHERE id BETWEEN $1 AND $2 AND outcome IS NOT NULL AND decided_by IS NOT NULL
 GROUP BY decided_by, domains, outcome
    ON CONFLICT (person, domains, outcome) DO UPDATE SET n = n + excluded.n",
            load = crate::state::load_statuses()
        )
    });
    &SQL
}

/// The page cache of an import's connection, in KiB (SQLite's default is
/// 2 MiB), and of its temporary database (the identities it has seen):
/// fixed, so memory does not grow with the file.
const IMPORT_CACHE_KIB: i64 = 65_536;
const IMPORT_TEMP_CACHE_KIB: i64 = 131_072;

/// The identities this import has written: appended to `import_rows`
/// and found through `import_seen` by fingerprint for every chunk after
/// theirs (when [`Written`] says they may be there), then moved into
/// `imports`, in key order, when the import ends.
/// Kept apart from `imports` because a key is a digest: inserted one by
/// one there, it lands on a random page of a tree that outgrows any cache,
/// and on SQLite every page read or spilled inside one large transaction
/// searches a write-ahead log as long as the import. Temporary tables keep
/// no log, and a fingerprint's entry is a sixth of a key's.
fn seen_tables(dialect: Dialect) -> [&'static str; 2] {
    match dialect {
        Dialect::Sqlite => [
            "CREATE TEMP TABLE import_rows (decision_id INTEGER PRIMARY KEY, key TEXT NOT NULL, content TEXT NOT NULL)",
            "CREATE TEMP TABLE import_seen (fingerprint INTEGER NOT NULL, decision_id INTEGER NOT NULL, PRIMARY KEY (fingerprint, decision_id)) WITHOUT ROWID",
        ],
        Dialect::Postgres => [
            "CREATE TEMP TABLE import_rows (decision_id BIGINT PRIMARY KEY, key TEXT NOT NULL, content TEXT NOT NULL) ON COMMIT DROP",
            "CREATE TEMP TABLE import_seen (fingerprint BIGINT NOT NULL, decision_id BIGINT NOT NULL, PRIMARY KEY (fingerprint, decision_id)) ON COMMIT DROP",
        ],
    }
}

/// The titles of `rows` new decisions, waiting for SQLite's text search.
fn insert_titles(rows: usize) -> String {
    format!(
        "INSERT INTO import_titles (id, title) VALUES {}",
        crate::placeholders(1, 2, rows)
    )
}

/// Where titles wait for the text search (SQLite). FTS5 writes what it
/// holds in memory to a new segment of its index at every statement that
/// writes to it, and merges segments as they pile up: fed 1,000 titles a
/// chunk, a million-row import made a thousand segments and spent about a
/// seventh of its time on the text search. Fed [`TITLES_AT_ONCE`] at a
/// time, with room to hold them ([`TITLES_HASH_BYTES`]), it writes a few
/// large segments, in about a second for the million.
const TITLES_TABLE: &str =
    "CREATE TEMP TABLE import_titles (id INTEGER PRIMARY KEY, title TEXT NOT NULL)";
const TITLES_AT_ONCE: i64 = 100_000;
const TITLES_HASH_BYTES: i64 = 32 << 20;

/// Moves the waiting titles into the text search.
const INDEX_TITLES: &str = "INSERT INTO decision_titles (rowid, title) SELECT id, title FROM import_titles ORDER BY id; DELETE FROM import_titles";

/// The text search's memory for pending terms (FTS5's `hashsize`): set for
/// an import, then put back as it was (its default when it was never set).
const TITLES_HASH_SIZE: &str =
    "SELECT COALESCE((SELECT v FROM decision_titles_config WHERE k = 'hashsize'), 1048576)";

fn set_titles_hash(bytes: i64) -> String {
    format!("INSERT INTO decision_titles (decision_titles, rank) VALUES ('hashsize', {bytes})")
}

/// The identities of `rows` new decisions, then their fingerprints: two
/// statements on SQLite, one on PostgreSQL (which prepares one at a time).
fn insert_imports(dialect: Dialect, rows: usize) -> String {
    let identities = format!(
        "INSERT INTO import_rows (decision_id, key, content) VALUES {}",
        crate::placeholders(1, 3, rows)
    );
    let fingerprints = format!(
        "INSERT INTO import_seen (fingerprint, decision_id) VALUES {}",
        crate::placeholders(1 + 3 * rows, 2, rows)
    );
    match dialect {
        Dialect::Sqlite => format!("{identities}; {fingerprints}"),
        Dialect::Postgres => {
            format!("WITH identities AS ({identities} RETURNING 1) {fingerprints}")
        }
    }
}

/// `sql`'s inserts, stopped by a failed constraint without undoing their
/// earlier rows (SQLite's `OR FAIL`). A multi-row insert that would undo
/// them (the default, `ABORT`) first copies every page it touches that was
/// there before it to a statement journal: a tenth of the writer's time in
/// an import, which rolls back whole at any error anyway.
fn or_fail(sql: &str) -> String {
    sql.replace("INSERT INTO ", "INSERT OR FAIL INTO ")
}

/// A chunk's statements, bound and waiting for the writer, and the text
/// bound to them.
type Bound<DB> = (
    Vec<sqlx::query::Query<'static, DB, <DB as sqlx::Database>::Arguments>>,
    Kept,
);

/// No chunk bound yet, on `_pool`'s database.
fn unbound<DB: sqlx::Database>(_pool: &sqlx::Pool<DB>) -> Bound<DB> {
    (Vec::new(), Kept::default())
}

/// The text bound to a chunk's statements, held by the caller's thread
/// until the chunk is written. SQLite's worker thread drops the statements'
/// arguments when it has run them: holding their text here, it only drops
/// a reference to each, and the text is freed on the thread that made it.
/// The worker is what bounds an import's rate, and freeing a chunk's
/// thirty thousand values there cost it a few percent of its time.
#[derive(Default)]
struct Kept(Vec<Arc<str>>);

impl Kept {
    /// Room for the text of `rows` decisions (about thirty values each),
    /// so that keeping it does not grow the list again and again.
    fn for_rows(rows: usize) -> Self {
        Self(Vec::with_capacity(rows * 32))
    }

    /// `text`, shared with this chunk's keeping.
    fn text(&mut self, text: impl Into<Arc<str>>) -> Arc<str> {
        let text = text.into();
        self.0.push(Arc::clone(&text));
        text
    }
}

/// The statements that insert a chunk of `rows` decisions: their rows,
/// their chained events, their identities, and on SQLite their titles and
/// the tallies the deferred triggers would have kept. One string on
/// SQLite, its parameters bound by position, so that the writer runs the
/// whole chunk while the next is prepared; one statement each on
/// PostgreSQL, which prepares one at a time. Shared, as a full chunk's are
/// used for every chunk of an import.
fn chunk_statements(dialect: Dialect, rows: usize) -> Vec<std::sync::Arc<str>> {
    let each = [
        row::insert(1, rows),
        insert_events(1, rows),
        insert_imports(dialect, rows),
    ];
    match dialect {
        Dialect::Sqlite => vec![
            crate::positional(&format!(
                "{}; {}; {}; {}; {}",
                or_fail(&each[0]),
                or_fail(&each[1]),
                or_fail(&each[2]),
                or_fail(&insert_titles(rows)),
                tally_chunk()
            ))
            .into(),
        ],
        Dialect::Postgres => each.into_iter().map(Into::into).collect(),
    }
}

/// The fingerprints an import may have written to `import_seen`: a Bloom
/// filter of fixed size (16 MiB, its pages touched only as bits are set),
/// so that a chunk none of whose rows repeats an earlier one is not looked
/// up there at all. Fingerprints are digests, so their own bits place
/// them. At a million rows one fingerprint in a million is looked up in
/// vain; at ten million, one in two hundred.
struct Written {
    bits: Vec<u64>,
}

impl Written {
    const BITS: u64 = 1 << 27;
    const PLACES: u64 = 4;

    fn new() -> Self {
        Self {
            bits: vec![0; (Self::BITS / 64) as usize],
        }
    }

    /// Where `fingerprint`'s bits are (double hashing over its halves).
    fn places(fingerprint: i64) -> impl Iterator<Item = (usize, u64)> {
        let f = fingerprint as u64;
        let (a, b) = (f & 0xffff_ffff, (f >> 32) | 1);
        (0..Self::PLACES).map(move |i| {
            let bit = a.wrapping_add(i.wrapping_mul(b)) % Self::BITS;
            ((bit / 64) as usize, 1 << (bit % 64))
        })
    }

    fn insert(&mut self, fingerprint: i64) {
        for (word, bit) in Self::places(fingerprint) {
            if let Some(w) = self.bits.get_mut(word) {
                *w |= bit;
            }
        }
    }

    fn may_hold(&self, fingerprint: i64) -> bool {
        Self::places(fingerprint)
            .all(|(word, bit)| self.bits.get(word).is_some_and(|w| w & bit != 0))
    }
}

/// What an import has seen of identities: those stored before it began
/// (looked up chunk by chunk) and those it has prepared itself. Hashed by
/// Fx, not SipHash: two thousand keys a chunk, from the importer's own
/// file, where SipHash's guard against crafted collisions buys nothing.
type Known = rustc_hash::FxHashMap<String, (String, DecisionId)>;

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

    /// The next chunk of items, up to the first undecided row (routed on
    /// everything before it, so it makes a chunk of its own). Rows that do
    /// not parse are noted as errors.
    fn read(
        &mut self,
        items: &mut impl Iterator<Item = Result<Unchecked, Vec<ImportError>>>,
        progress: &mut impl FnMut(u64),
    ) -> (Vec<Unchecked>, Option<Unchecked>) {
        let mut chunk = Vec::with_capacity(CHUNK);
        for next in items.by_ref() {
            self.summary.read += 1;
            progress(self.summary.read);
            match next {
                Err(bad) => self.errors.extend(bad),
                Ok(item) if item.opens => return (chunk, Some(item)),
                Ok(item) => chunk.push(item),
            }
            if chunk.len() == CHUNK {
                break;
            }
        }
        (chunk, None)
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
                    self.errors.extend(bad);
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
        let record: Arc<str> = record_json(&decision)?.into();
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
        // A full chunk's statements, written once.
        let full = chunk_statements(dialect, CHUNK);
        let statements = |rows: usize| {
            if rows == CHUNK {
                full.clone()
            } else {
                chunk_statements(dialect, rows)
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
                let sql = format!(
                    "PRAGMA cache_size = -{IMPORT_CACHE_KIB}; PRAGMA temp.cache_size = -{IMPORT_TEMP_CACHE_KIB}"
                );
                sqlx::query(sqlx::AssertSqlSafe(sql))
                    .execute(&mut *conn)
                    .await?;
            }
            // Taken last, so that nothing can return before the log is
            // given back.
            let whole =
                options.exclusive && !options.dry_run && Journal::take_whole(pool, &mut conn).await;
            let outcome = async {
                let mut tx = sqlx::Connection::begin_with(&mut *conn, begin).await?;
                let row = sqlx::query(head_sql).fetch_one(&mut *tx).await?;
                let mut head = Head::from_row(&row)?;
                state.next_id = head.decisions + 1;
                for sql in seen_tables(dialect) {
                    sqlx::query(sql).execute(&mut *tx).await?;
                }
                let imported_before: bool =
                    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM imports)")
                        .fetch_one(&mut *tx)
                        .await?;
                let mut written = Written::new();
                // The text search's memory before the import, to restore.
                let mut titles_hash = None;
                if sqlite {
                    sqlx::query(TITLES_TABLE).execute(&mut *tx).await?;
                    let before: i64 = sqlx::query_scalar(TITLES_HASH_SIZE)
                        .fetch_one(&mut *tx)
                        .await?;
                    sqlx::query(sqlx::AssertSqlSafe(set_titles_hash(TITLES_HASH_BYTES)))
                        .execute(&mut *tx)
                        .await?;
                    titles_hash = Some(before);
                }
                // The first decision whose title waits for the text search.
                let mut titles_from = head.decisions + 1;
                let mut triggers: Vec<String> = Vec::new();
                if sqlite {
                    for row in sqlx::query(DEFERRED_TRIGGERS).fetch_all(&mut *tx).await? {
                        let name: String = row.try_get("name")?;
                        triggers.push(row.try_get("sql")?);
                        sqlx::query(sqlx::AssertSqlSafe(format!("DROP TRIGGER \"{name}\"")))
                            .execute(&mut *tx)
                            .await?;
                    }
                }

                // The identities of `$keys` stored before, into a fresh map.
                // Only what can be there is looked for: keys if anything was
                // imported before, fingerprints this import may have written.
                macro_rules! look_up {
                    ($keys:expr) => {{
                        let keys: Vec<&str> = $keys;
                        let fingerprints: Vec<i64> = keys
                            .iter()
                            .map(|k| fingerprint(k))
                            .filter(|f| written.may_hold(*f))
                            .collect();
                        let keys = if imported_before { keys } else { Vec::new() };
                        let mut known = Known::default();
                        // Nothing that could be found: no round trip.
                        if !keys.is_empty() || !fingerprints.is_empty() {
                            let keys = serde_json::to_string(&keys)
                                .map_err(|e| StoreError::Corrupt(e.to_string()))?;
                            let fingerprints = serde_json::to_string(&fingerprints)
                                .map_err(|e| StoreError::Corrupt(e.to_string()))?;
                            for row in sqlx::query(imported_sql)
                                .bind(keys)
                                .bind(fingerprints)
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
                        }
                        known
                    }};
                }

                // The statements that insert `$ready`, fully bound (see
                // [`chunk_statements`]): built while the writer is busy
                // with the chunk before, and moving the chain head along,
                // as chunks are inserted in the order they are bound.
                macro_rules! bind_chunk {
                    ($ready:expr) => {{
                        let ready: &[Ready] = $ready;
                        match (ready.first(), ready.last()) {
                            (Some(first), Some(last)) => {
                                let full = ready.len() == CHUNK;
                                let mut sql = statements(ready.len()).into_iter();
                                let mut bound = Vec::new();
                                let mut kept = Kept::for_rows(ready.len());
                                let mut query = sqlx::query(sqlx::AssertSqlSafe(
                                    sql.next().unwrap_or_default(),
                                ))
                                .persistent(full);
                                // On PostgreSQL each part is a statement of
                                // its own: this one is bound, start the
                                // next. On SQLite the parts share one.
                                macro_rules! next_statement {
                                    () => {
                                        if let Some(next) = sql.next() {
                                            bound.push(query);
                                            query = sqlx::query(sqlx::AssertSqlSafe(next))
                                                .persistent(full);
                                        }
                                    };
                                }
                                for r in ready {
                                    query = bind_insert!(
                                        query,
                                        &r.decision,
                                        Arc::clone(&r.record),
                                        |t: String| kept.text(t)
                                    );
                                }
                                next_statement!();
                                let linked = chain::linked(
                                    &head,
                                    ready
                                        .iter()
                                        .map(|r| (&r.event, Some(chain::record_digest(&r.record)))),
                                );
                                for row in &linked {
                                    query = bind_event!(query, row, |t: &str| kept.text(t));
                                }
                                if let Some(last) = linked.last() {
                                    head.seq = last.seq;
                                    head.hash = last.hash.clone();
                                }
                                head.decisions = head.decisions.max(last.decision.id.get());
                                next_statement!();
                                for r in ready {
                                    query = query
                                        .bind(r.decision.id.get())
                                        .bind(kept.text(r.key.as_str()))
                                        .bind(kept.text(r.content.as_str()));
                                }
                                for r in ready {
                                    let f = fingerprint(&r.key);
                                    written.insert(f);
                                    query = query.bind(f).bind(r.decision.id.get());
                                }
                                if sqlite {
                                    for r in ready {
                                        query = query
                                            .bind(r.decision.id.get())
                                            .bind(kept.text(r.decision.title.as_str()));
                                    }
                                    let (first, last) = (first.decision.id.get(), last.decision.id.get());
                                    query = query.bind(first).bind(last).bind(first).bind(last);
                                }
                                bound.push(query);
                                (bound, kept)
                            }
                            _ => unbound(pool),
                        }
                    }};
                }

                // Runs what `bind_chunk!` bound.
                macro_rules! run_chunk {
                    ($bound:expr) => {{
                        let (queries, kept): Bound<_> = $bound;
                        for query in queries {
                            query.execute(&mut *tx).await?;
                        }
                        drop(kept);
                    }};
                }

                // Inserts `$ready` now.
                macro_rules! insert {
                    ($ready:expr) => {{
                        let bound = bind_chunk!($ready);
                        run_chunk!(bound);
                    }};
                }

                // The prepared chunk waiting for its insert, its identities
                // (the next chunk's lookup cannot see them yet), and its
                // bound statements.
                let mut waiting: Vec<Ready> = Vec::new();
                let mut waiting_bound = unbound(pool);
                let mut ahead = state.read(&mut items, &mut progress);
                loop {
                    let (chunk, open) = std::mem::take(&mut ahead);
                    if chunk.is_empty() && open.is_none() && items.peek().is_none() {
                        break;
                    }
                    let writing = state.errors.is_empty();
                    let mut known = look_up!(chunk.iter().map(|i| i.key.as_str()).collect());
                    // Its identities are bound already: they move.
                    for r in &mut waiting {
                        known.insert(
                            std::mem::take(&mut r.key),
                            (std::mem::take(&mut r.content), r.decision.id),
                        );
                    }
                    // The chunk before is inserted while this one is prepared
                    // and bound.
                    let before = std::mem::take(&mut waiting_bound);
                    let (inserted, prepared) = tokio::join!(
                        async {
                            if writing {
                                run_chunk!(before);
                            }
                            Ok::<(), StoreError>(())
                        },
                        async {
                            let ready = state.prepare(chunk, &mut known, catalog);
                            let bound = if state.errors.is_empty() {
                                bind_chunk!(&ready)
                            } else {
                                unbound(pool)
                            };
                            let next = state.read(&mut items, &mut progress);
                            (ready, bound, next)
                        }
                    );
                    inserted?;
                    (waiting, waiting_bound, ahead) = prepared;
                    if sqlite && writing && head.decisions - titles_from >= TITLES_AT_ONCE {
                        sqlx::query(INDEX_TITLES).execute(&mut *tx).await?;
                        titles_from = head.decisions + 1;
                    }
                    if let Some(unchecked) = open {
                        let bound = std::mem::take(&mut waiting_bound);
                        if state.errors.is_empty() {
                            run_chunk!(bound);
                        }
                        waiting.clear();
                        let known = look_up!(vec![unchecked.key.as_str()]);
                        if !state.seen(&unchecked, &known) {
                            let item = catalog.check(unchecked);
                            match item {
                                Err(bad) => state.errors.extend(bad),
                                Ok(item) => {
                                    state.summary.departed.extend(item.departed.iter().cloned());
                                    let What::Open { row, withdrawn } = &item.what else {
                                        continue;
                                    };
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
                        waiting_bound = unbound(pool);
                    }
                }
                if state.errors.is_empty() {
                    run_chunk!(waiting_bound);
                }
                if !state.errors.is_empty() {
                    tx.rollback().await?;
                    return Ok(Err(()));
                }
                sqlx::query(
                    "INSERT INTO imports (key, content, decision_id) SELECT key, content, decision_id FROM import_rows ORDER BY key",
                )
                .execute(&mut *tx)
                .await?;
                if sqlite {
                    sqlx::query(
                        "UPDATE chain_head SET seq = $1, hash = $2, decisions = $3 WHERE id = 1",
                    )
                    .bind(head.seq)
                    .bind(&head.hash)
                    .bind(head.decisions)
                    .execute(&mut *tx)
                    .await?;
                    sqlx::query(INDEX_TITLES).execute(&mut *tx).await?;
                    if let Some(bytes) = titles_hash {
                        sqlx::query(sqlx::AssertSqlSafe(set_titles_hash(bytes)))
                            .execute(&mut *tx)
                            .await?;
                    }
                    for sql in triggers {
                        sqlx::query(sqlx::AssertSqlSafe(sql))
                            .execute(&mut *tx)
                            .await?;
                    }
                }
                if options.dry_run {
                    tx.rollback().await?;
                } else {
                    tx.commit().await?;
                }
                Ok::<_, StoreError>(Ok(()))
            }
            .await;
            if whole {
                Journal::give_back(&mut conn).await;
            }
            if sqlite {
                // A large import leaves the write-ahead log as large as
                // what it wrote, and every later read looks each page up in
                // it: fold it into the database and truncate it (best
                // effort: a reader holding an old snapshot keeps it).
                if state.summary.past + state.summary.opened >= CHECKPOINT_AFTER
                    && !options.dry_run
                    && !whole
                {
                    let _ = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
                        .execute(&mut *conn)
                        .await;
                }
                // The connection goes back to the pool with the usual cache
                // and without the identities (a temporary table outlives a
                // commit on SQLite); one that cannot be reset is not pooled.
                if sqlx::query(
                    "DROP TABLE IF EXISTS temp.import_seen; DROP TABLE IF EXISTS temp.import_rows; DROP TABLE IF EXISTS temp.import_titles; PRAGMA cache_size = -2000; PRAGMA temp.cache_size = -2000",
                )
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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// A fingerprint written is always looked up: the filter may say
        /// yes in vain, never no in error.
        #[test]
        fn the_filter_never_forgets_a_written_fingerprint(
            written in proptest::collection::vec(any::<i64>(), 1..500),
        ) {
            let mut filter = Written::new();
            for f in &written {
                filter.insert(*f);
            }
            for f in &written {
                prop_assert!(filter.may_hold(*f));
            }
        }
    }

    #[test]
    fn the_filter_rarely_says_yes_to_what_was_not_written() {
        let mut filter = Written::new();
        for i in 0..100_000 {
            filter.insert(fingerprint(&format!("written {i}")));
        }
        let in_vain = (0..100_000)
            .filter(|i| filter.may_hold(fingerprint(&format!("other {i}"))))
            .count();
        assert!(in_vain < 10, "{in_vain} of 100,000 looked up in vain");
    }
}
