//! `verify`: proves what everyone reads from the audit chain.
//!
//! The chain alone proves the events: `hash = sha256(prev_hash ‖ body)`
//! links each to the one before it, so changing, deleting or reordering any
//! breaks every link after it. But `show`, the API and the analytics read
//! the `decisions` rows and the version tables, and the `events` columns
//! kept beside each hashed body. So verify also checks, in one pass over
//! each table:
//!
//! - every column of an event against its body;
//! - every decision row against the chain: its `record` must be the one
//!   whose digest the last event of its last change carries, and every
//!   other column must say what that record says;
//! - every directory and guide version against its `org_applied` /
//!   `guide_applied` event, and its `digest` against its `body`.
//!
//! A chain recomputed wholesale from the first event on is consistent with
//! itself; a head noted earlier (`verify --head SEQ:HASH`) catches that,
//! and a truncated tail.

use std::collections::{BTreeMap, HashMap};

use baton_core::lifecycle::Decision;
use chrono::{DateTime, SubsecRound, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::Row;

use crate::chain::{GENESIS, link};
use crate::row::{self, Cell, Kind};
use crate::{Store, StoreError};

/// What `verify` found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct ChainReport {
    /// Events on the chain (up to the first break).
    pub events: i64,
    /// The last event verified, as `SEQ:HASH`: note it, and a later
    /// `verify --head SEQ:HASH` detects a chain truncated or recomputed
    /// since.
    pub head: String,
    /// Decision rows proven by the chain.
    pub decisions: i64,
    /// Directory and guide versions proven by the chain.
    pub versions: i64,
    /// Decisions whose last change was written before events carried record
    /// digests: their rows are checked against their own record, but the
    /// record itself is not proven.
    pub unproven: i64,
    pub verified: Verified,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Verified {
    Intact,
    /// The first thing that does not hold, and why. `seq` is the event at
    /// fault, when it is an event; `reason` names the row and column.
    Broken {
        seq: Option<i64>,
        reason: String,
    },
}

/// What a noted head looks like, for documents that describe it: the
/// sequence number in decimal digits, a colon, the SHA-256 in hex.
pub const NOTED_HEAD_PATTERN: &str = "^[0-9]{1,18}:[0-9a-fA-F]{64}$";

/// A chain head noted earlier, `SEQ:HASH` as [`ChainReport::head`] prints
/// it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotedHead {
    pub seq: i64,
    pub hash: String,
}

impl std::str::FromStr for NotedHead {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let bad = || {
            format!("`{text}` is not a chain head: expected SEQ:HASH, as `baton verify` prints it")
        };
        let (seq, hash) = text.split_once(':').ok_or_else(bad)?;
        // Digits only (no sign), as NOTED_HEAD_PATTERN documents it.
        let digits = (1..=18).contains(&seq.len()) && seq.bytes().all(|b| b.is_ascii_digit());
        let hex = hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit());
        if !digits || !hex {
            return Err(bad());
        }
        let seq: i64 = seq.parse().map_err(|_| bad())?;
        Ok(Self {
            seq,
            hash: hash.to_ascii_lowercase(),
        })
    }
}

/// One read transaction on either backend: the whole verification reads
/// one snapshot, so writes landing meanwhile (a busy server) are not taken
/// for tampering.
enum Reader {
    Sqlite(sqlx::Transaction<'static, sqlx::Sqlite>),
    Postgres(sqlx::Transaction<'static, sqlx::Postgres>),
}

/// Runs the same body against whichever transaction `$reader` holds.
macro_rules! on_reader {
    ($reader:expr, |$tx:ident| $body:expr) => {
        match $reader {
            Reader::Sqlite($tx) => $body,
            Reader::Postgres($tx) => $body,
        }
    };
}

/// Rows read per query, so a long log is never held whole.
const PAGE: i64 = 10_000;

/// Why verification stopped: something does not hold, or the store failed.
enum Halt {
    Broken(Option<i64>, String),
    Failed(StoreError),
}

impl From<StoreError> for Halt {
    fn from(e: StoreError) -> Self {
        Self::Failed(e)
    }
}

impl From<sqlx::Error> for Halt {
    fn from(e: sqlx::Error) -> Self {
        Self::Failed(e.into())
    }
}

fn broken<T>(seq: Option<i64>, reason: String) -> Result<T, Halt> {
    Err(Halt::Broken(seq, reason))
}

/// One column of `$row`, or a finding that names it.
macro_rules! cell {
    ($row:expr, $column:expr, $what:expr, $seq:expr) => {
        match $row.try_get($column) {
            Ok(value) => value,
            Err(e) => {
                return broken(
                    $seq,
                    format!("{}: `{}` cannot be read: {e}", $what, $column),
                )
            }
        }
    };
}

/// One event row as stored.
struct EventRow {
    seq: i64,
    decision: Option<i64>,
    kind: String,
    actor: String,
    at: DateTime<Utc>,
    body: String,
    prev_hash: String,
    hash: String,
}

/// One decision row as stored.
struct DecisionRow {
    id: i64,
    /// Every column but `record`, as stored.
    columns: Vec<(&'static row::Column, String)>,
    record: String,
}

/// One `org_versions` or `guide_versions` row as stored (`team` and
/// `org_version` only for guides).
struct VersionRow {
    id: i64,
    team: Option<String>,
    digest: String,
    body: String,
    org_version: Option<i64>,
    applied_at: DateTime<Utc>,
}

/// What the chain says about a directory or guide version.
struct VersionEvent {
    seq: i64,
    at: DateTime<Utc>,
    digest: String,
    /// For a guide: its team and the directory version in force when it
    /// was applied (the last one applied before it on the chain).
    team: Option<String>,
    org_version: Option<i64>,
}

/// What the chain pass learned, for the table passes after it.
#[derive(Default)]
struct Learned {
    /// Per decision: the seq of its last event and the record digest of
    /// its last change (`None` before digests were written).
    decisions: HashMap<i64, (i64, Option<[u8; 32]>)>,
    orgs: BTreeMap<i64, VersionEvent>,
    guides: BTreeMap<i64, VersionEvent>,
    last_org: i64,
}

impl Store {
    /// Recomputes the whole chain and proves every stored row from it;
    /// reports the first thing that does not hold.
    pub async fn verify(&self) -> Result<ChainReport, StoreError> {
        self.verify_against(None).await
    }

    /// [`Store::verify`], also checking that the chain still holds `noted`
    /// (a head printed by an earlier verify), so that a chain truncated or
    /// recomputed wholesale since is caught.
    pub async fn verify_against(
        &self,
        noted: Option<&NotedHead>,
    ) -> Result<ChainReport, StoreError> {
        let mut report = ChainReport {
            events: 0,
            head: format!("0:{GENESIS}"),
            decisions: 0,
            versions: 0,
            unproven: 0,
            verified: Verified::Intact,
        };
        match self.verify_all(noted, &mut report).await {
            Ok(()) => Ok(report),
            Err(Halt::Broken(seq, reason)) => {
                report.verified = Verified::Broken { seq, reason };
                Ok(report)
            }
            Err(Halt::Failed(e)) => Err(e),
        }
    }

    async fn verify_all(
        &self,
        noted: Option<&NotedHead>,
        report: &mut ChainReport,
    ) -> Result<(), Halt> {
        let begin = crate::dialect::Dialect::of(&self.backend).begin_snapshot();
        let mut reader = match &self.backend {
            crate::Backend::Sqlite(pool) => Reader::Sqlite(pool.begin_with(begin).await?),
            crate::Backend::Postgres(pool) => Reader::Postgres(pool.begin_with(begin).await?),
        };
        let learned = self.verify_chain(&mut reader, noted, report).await?;
        let mut tallies = Tallies::default();
        self.verify_decisions(&mut reader, learned.decisions, &mut tallies, report)
            .await?;
        self.verify_tallies(&mut reader, tallies).await?;
        self.verify_versions(&mut reader, false, learned.orgs, report)
            .await?;
        self.verify_versions(&mut reader, true, learned.guides, report)
            .await?;
        Ok(())
    }

    /// The events, in order: links, bodies, the columns beside them, the
    /// chain head and the noted head.
    async fn verify_chain(
        &self,
        reader: &mut Reader,
        noted: Option<&NotedHead>,
        report: &mut ChainReport,
    ) -> Result<Learned, Halt> {
        let mut learned = Learned::default();
        let mut expected = 1i64;
        let mut prev = GENESIS.to_owned();
        let mut noted_hash = None;
        loop {
            let rows = self.event_page(reader, expected).await?;
            let done = (rows.len() as i64) < PAGE;
            for row in rows {
                check_link(expected, &prev, &row)?;
                let body = check_columns(&row)?;
                learn(&mut learned, &row, &body)?;
                if noted.is_some_and(|n| n.seq == row.seq) {
                    noted_hash = Some(row.hash.clone());
                }
                prev = row.hash;
                report.events = row.seq;
                report.head = format!("{}:{prev}", row.seq);
                expected += 1;
            }
            if done {
                break;
            }
        }
        let count = expected - 1;
        let (head_seq, head_hash): (i64, String) = on_reader!(reader, |tx| {
            let row = sqlx::query("SELECT seq, hash FROM chain_head WHERE id = 1")
                .fetch_one(&mut **tx)
                .await?;
            (row.try_get("seq")?, row.try_get("hash")?)
        });
        if head_seq != count || head_hash != prev {
            return broken(
                Some(count + 1),
                format!(
                    "the chain head records {head_seq} events ending in {}, but {count} events are stored ending in {}",
                    short(&head_hash),
                    short(&prev)
                ),
            );
        }
        if let Some(noted) = noted {
            match noted_hash {
                None if noted.seq > count => {
                    return broken(
                        Some(count + 1),
                        format!(
                            "the head noted earlier is event {}, but the chain ends at event {count}: events were removed",
                            noted.seq
                        ),
                    );
                }
                Some(hash) if hash != noted.hash => {
                    return broken(
                        Some(noted.seq),
                        format!(
                            "event {} hashes to {}, not to {} as noted earlier: the chain was rewritten up to there",
                            noted.seq,
                            short(&hash),
                            short(&noted.hash)
                        ),
                    );
                }
                // The genesis head (0) always holds.
                _ => {}
            }
        }
        Ok(learned)
    }

    async fn event_page(&self, reader: &mut Reader, from: i64) -> Result<Vec<EventRow>, Halt> {
        const SQL: &str = "SELECT seq, decision_id, kind, actor, at, body, prev_hash, hash FROM events WHERE seq >= $1 ORDER BY seq LIMIT $2";
        let rows = on_reader!(reader, |tx| {
            let rows = sqlx::query(SQL)
                .bind(from)
                .bind(PAGE)
                .fetch_all(&mut **tx)
                .await?;
            let mut out = Vec::with_capacity(rows.len());
            for row in &rows {
                let seq: i64 = cell!(row, "seq", "an event", None);
                let what = format!("event {seq}");
                out.push(EventRow {
                    seq,
                    decision: cell!(row, "decision_id", what, Some(seq)),
                    kind: cell!(row, "kind", what, Some(seq)),
                    actor: cell!(row, "actor", what, Some(seq)),
                    at: cell!(row, "at", what, Some(seq)),
                    body: cell!(row, "body", what, Some(seq)),
                    prev_hash: cell!(row, "prev_hash", what, Some(seq)),
                    hash: cell!(row, "hash", what, Some(seq)),
                });
            }
            out
        });
        Ok(rows)
    }

    /// Every decision row against the record its last change wrote.
    async fn verify_decisions(
        &self,
        reader: &mut Reader,
        mut chained: HashMap<i64, (i64, Option<[u8; 32]>)>,
        tallies: &mut Tallies,
        report: &mut ChainReport,
    ) -> Result<(), Halt> {
        let mut after = i64::MIN;
        loop {
            let rows = self.decision_page(reader, after).await?;
            let done = (rows.len() as i64) < PAGE;
            for row in rows {
                after = row.id;
                let what = format!("decision {}", row.id);
                let Some((seq, digest)) = chained.remove(&row.id) else {
                    return broken(
                        None,
                        format!("{what}: no event of the chain records a decision of this `id`"),
                    );
                };
                match digest {
                    Some(digest) if Sha256::digest(row.record.as_bytes()).as_slice() != digest => {
                        return broken(
                            Some(seq),
                            format!(
                                "{what}: its `record` is not the one its last change (event {seq}) recorded"
                            ),
                        );
                    }
                    Some(_) => {}
                    None => report.unproven += 1,
                }
                let decision: Decision = match serde_json::from_str(&row.record) {
                    Ok(d) => d,
                    Err(e) => {
                        return broken(Some(seq), format!("{what}: `record` does not parse: {e}"));
                    }
                };
                for (column, stored) in &row.columns {
                    let expected = (column.of)(&decision).text();
                    if *stored != expected {
                        let column = column.name;
                        return broken(
                            Some(seq),
                            format!(
                                "{what}: `{column}` holds `{stored}` but its record says `{expected}`"
                            ),
                        );
                    }
                }
                tallies.count(&decision, &row.columns);
                report.decisions += 1;
            }
            if done {
                break;
            }
        }
        if let Some((id, (seq, _))) = chained.into_iter().min_by_key(|(id, _)| *id) {
            return broken(
                Some(seq),
                format!(
                    "decision {id} has events (the last is event {seq}) but no row in `decisions`"
                ),
            );
        }
        Ok(())
    }

    /// The tallies the triggers keep against the decisions just proven.
    async fn verify_tallies(&self, reader: &mut Reader, counted: Tallies) -> Result<(), Halt> {
        let (load, outcomes) = on_reader!(reader, |tx| {
            let load: Vec<(String, i64)> =
                sqlx::query_as("SELECT person, open FROM decider_load WHERE open <> 0")
                    .fetch_all(&mut **tx)
                    .await?;
            let outcomes: Vec<(String, String, String, i64)> = sqlx::query_as(
                "SELECT person, domains, outcome, n FROM outcome_tally WHERE n <> 0",
            )
            .fetch_all(&mut **tx)
            .await?;
            (load, outcomes)
        });
        let load: BTreeMap<String, i64> = load.into_iter().collect();
        same_counts(&load, &counted.load, |person, stored, held| {
            format!(
                "`decider_load` counts {stored} open decisions for {person}, but the decisions hold {held}"
            )
        })?;
        let outcomes: BTreeMap<(String, String, String), i64> = outcomes
            .into_iter()
            .map(|(person, domains, outcome, n)| ((person, domains, outcome), n))
            .collect();
        same_counts(
            &outcomes,
            &counted.outcomes,
            |(person, domains, outcome), stored, held| {
                format!(
                    "`outcome_tally` counts {stored} `{outcome}` outcomes for {person} in {domains}, but the decisions hold {held}"
                )
            },
        )
    }

    async fn decision_page(
        &self,
        reader: &mut Reader,
        after: i64,
    ) -> Result<Vec<DecisionRow>, Halt> {
        static SQL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
            format!(
                "SELECT {} FROM decisions WHERE id > $1 ORDER BY id LIMIT $2",
                row::names()
            )
        });
        let rows = on_reader!(reader, |tx| {
            let rows = sqlx::query(SQL.as_str())
                .bind(after)
                .bind(PAGE)
                .fetch_all(&mut **tx)
                .await?;
            let mut out = Vec::with_capacity(rows.len());
            for row in &rows {
                let id: i64 = cell!(row, "id", "a decision", None);
                let what = format!("decision {id}");
                let mut columns = Vec::with_capacity(row::PARAMS - 1);
                for column in &row::COLUMNS {
                    let name = column.name;
                    let stored = match column.kind {
                        Kind::Int => Cell::Int(cell!(row, name, what, None)),
                        Kind::Text => Cell::Text(cell!(row, name, what, None)),
                        Kind::MaybeText => Cell::MaybeText(cell!(row, name, what, None)),
                        Kind::Time => Cell::Time(cell!(row, name, what, None)),
                        Kind::MaybeTime => Cell::MaybeTime(cell!(row, name, what, None)),
                        Kind::Flag => Cell::Flag(cell!(row, name, what, None)),
                        Kind::Record => continue,
                    };
                    columns.push((column, stored.text()));
                }
                out.push(DecisionRow {
                    id,
                    columns,
                    record: cell!(row, "record", what, None),
                });
            }
            out
        });
        Ok(rows)
    }

    /// Every directory (`guides` false) or guide version against the event
    /// that applied it.
    async fn verify_versions(
        &self,
        reader: &mut Reader,
        guides: bool,
        mut chained: BTreeMap<i64, VersionEvent>,
        report: &mut ChainReport,
    ) -> Result<(), Halt> {
        let (table, kind) = if guides {
            ("guide_versions", "guide_applied")
        } else {
            ("org_versions", "org_applied")
        };
        for row in self.version_rows(reader, guides).await? {
            let what = if guides {
                format!("guide version {}", row.id)
            } else {
                format!("org version {}", row.id)
            };
            let Some(event) = chained.remove(&row.id) else {
                return broken(None, format!("{what}: no `{kind}` event records it (`id`)"));
            };
            let seq = Some(event.seq);
            let hashed = crate::versions::digest(&row.body);
            if row.digest != hashed {
                return broken(
                    seq,
                    format!(
                        "{what}: `digest` is {} but its `body` hashes to {}",
                        row.digest, hashed
                    ),
                );
            }
            let differs = |column: &str, stored: String, recorded: String| {
                broken::<()>(
                    seq,
                    format!(
                        "{what}: `{column}` holds `{stored}` but its event ({} {}) says `{recorded}`",
                        kind, event.seq
                    ),
                )
            };
            if row.digest != event.digest {
                differs("digest", row.digest.clone(), event.digest.clone())?;
            }
            if row.applied_at.trunc_subsecs(0) != event.at {
                differs(
                    "applied_at",
                    row::instant(row.applied_at),
                    row::instant(event.at),
                )?;
            }
            if row.team != event.team {
                differs(
                    "team",
                    row.team.clone().unwrap_or_default(),
                    event.team.clone().unwrap_or_default(),
                )?;
            }
            if row.org_version != event.org_version {
                differs(
                    "org_version",
                    row.org_version.map(|v| v.to_string()).unwrap_or_default(),
                    event.org_version.map(|v| v.to_string()).unwrap_or_default(),
                )?;
            }
            report.versions += 1;
        }
        if let Some((version, event)) = chained.into_iter().next() {
            return broken(
                Some(event.seq),
                format!(
                    "event {} applied version {version}, which has no row in `{table}`",
                    event.seq
                ),
            );
        }
        Ok(())
    }

    async fn version_rows(
        &self,
        reader: &mut Reader,
        guides: bool,
    ) -> Result<Vec<VersionRow>, Halt> {
        let sql = if guides {
            "SELECT id, team, digest, body, org_version, applied_at FROM guide_versions ORDER BY id"
        } else {
            "SELECT id, digest, body, applied_at FROM org_versions ORDER BY id"
        };
        let rows = on_reader!(reader, |tx| {
            let rows = sqlx::query(sql).fetch_all(&mut **tx).await?;
            let mut out = Vec::with_capacity(rows.len());
            for row in &rows {
                let id: i64 = cell!(row, "id", "a version", None);
                let what = if guides {
                    format!("guide version {id}")
                } else {
                    format!("org version {id}")
                };
                let (team, org_version) = if guides {
                    (
                        Some(cell!(row, "team", what, None)),
                        Some(cell!(row, "org_version", what, None)),
                    )
                } else {
                    (None, None)
                };
                out.push(VersionRow {
                    id,
                    team,
                    digest: cell!(row, "digest", what, None),
                    body: cell!(row, "body", what, None),
                    org_version,
                    applied_at: cell!(row, "applied_at", what, None),
                });
            }
            out
        });
        Ok(rows)
    }
}

/// The tallies the triggers keep (`decider_load`, `outcome_tally`), as the
/// proven decisions count them: a tally that differs would route by a load
/// or a track record that no decision holds.
#[derive(Default)]
struct Tallies {
    load: BTreeMap<String, i64>,
    outcomes: BTreeMap<(String, String, String), i64>,
}

impl Tallies {
    /// Counts `decision`, whose stored `columns` are proven to match it.
    fn count(&mut self, decision: &Decision, columns: &[(&'static row::Column, String)]) {
        if decision.status.counts_toward_load() {
            *self.load.entry(decision.decider.clone()).or_default() += 1;
        }
        let column = |name: &str| {
            columns
                .iter()
                .find(|(c, _)| c.name == name)
                .map_or("", |(_, v)| v.as_str())
        };
        let (by, outcome) = (column("decided_by"), column("outcome"));
        if !by.is_empty() && !outcome.is_empty() {
            let key = (
                by.to_owned(),
                column("domains").to_owned(),
                outcome.to_owned(),
            );
            *self.outcomes.entry(key).or_default() += 1;
        }
    }
}

/// Breaks verification at the least key whose count differs between what
/// is `stored` and what the decisions `held`, saying it with `say(key,
/// stored, held)` (a key missing on one side counts 0).
fn same_counts<K: Ord>(
    stored: &BTreeMap<K, i64>,
    held: &BTreeMap<K, i64>,
    say: impl Fn(&K, i64, i64) -> String,
) -> Result<(), Halt> {
    let count = |map: &BTreeMap<K, i64>, k: &K| map.get(k).copied().unwrap_or(0);
    match stored
        .keys()
        .chain(held.keys())
        .filter(|k| count(stored, k) != count(held, k))
        .min()
    {
        Some(k) => broken(None, say(k, count(stored, k), count(held, k))),
        None => Ok(()),
    }
}

/// Why the stored event `row` does not continue the chain after `prev`
/// at position `expected`, if it does not.
fn check_link(expected: i64, prev: &str, row: &EventRow) -> Result<(), Halt> {
    let seq = row.seq;
    if seq != expected {
        return broken(
            Some(expected),
            format!("event {expected} is missing: the next stored `seq` is {seq}"),
        );
    }
    if row.prev_hash != prev {
        return broken(
            Some(seq),
            format!(
                "event {seq}'s `prev_hash` is {} but the event before it hashes to {}",
                short(&row.prev_hash),
                short(prev)
            ),
        );
    }
    let recomputed = link(prev, &row.body);
    if recomputed != row.hash {
        return broken(
            Some(seq),
            format!(
                "event {seq} was changed: its `body` hashes to {}, not the stored `hash` {}",
                short(&recomputed),
                short(&row.hash)
            ),
        );
    }
    Ok(())
}

/// The fields of an event's canonical body.
#[derive(serde::Deserialize)]
struct Body {
    seq: i64,
    decision: Option<i64>,
    kind: String,
    actor: String,
    at: DateTime<Utc>,
    #[serde(default)]
    data: serde_json::Value,
    /// The record digest of a decision change's last event.
    #[serde(default)]
    record: Option<String>,
}

/// The event's body, and each column stored beside it checked against it.
fn check_columns(row: &EventRow) -> Result<Body, Halt> {
    let seq = row.seq;
    let body: Body = match serde_json::from_str(&row.body) {
        Ok(b) => b,
        Err(e) => {
            return broken(
                Some(seq),
                format!("event {seq}'s `body` does not parse: {e}"),
            );
        }
    };
    let differs = |column: &str, stored: String, hashed: String| {
        broken::<Body>(
            Some(seq),
            format!("event {seq}: `{column}` holds `{stored}` but its hashed body says `{hashed}`"),
        )
    };
    let show = |v: Option<i64>| v.map_or_else(|| "null".to_owned(), |v| v.to_string());
    if body.seq != seq {
        return differs("seq", seq.to_string(), body.seq.to_string());
    }
    if body.decision != row.decision {
        return differs("decision_id", show(row.decision), show(body.decision));
    }
    if body.kind != row.kind {
        return differs("kind", row.kind.clone(), body.kind);
    }
    if body.actor != row.actor {
        return differs("actor", row.actor.clone(), body.actor);
    }
    // The body keeps whole seconds.
    if body.at != row.at.trunc_subsecs(0) {
        return differs("at", row::instant(row.at), row::instant(body.at));
    }
    Ok(body)
}

/// What `body` (event `row`) says about decisions and versions.
fn learn(learned: &mut Learned, row: &EventRow, body: &Body) -> Result<(), Halt> {
    let seq = row.seq;
    // A poll about a decision changes nothing of it; every other event
    // about one is part of a change, whose last event carries the digest of
    // the record it left (none before digests were written, so a later
    // change without one leaves the record unproven, never compared with
    // an older digest).
    if let Some(decision) = body.decision
        && body.kind != "poll_created"
    {
        let digest = match &body.record {
            None => None,
            Some(digest) => match unhex(digest) {
                Some(bytes) => Some(bytes),
                None => {
                    return broken(
                        Some(seq),
                        format!("event {seq}'s record digest `{digest}` is not a SHA-256"),
                    );
                }
            },
        };
        learned.decisions.insert(decision, (seq, digest));
    }
    let version = || body.data.get("version").and_then(serde_json::Value::as_i64);
    let digest = || {
        body.data
            .get("digest")
            .and_then(serde_json::Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    match body.kind.as_str() {
        "org_applied" => {
            let Some(v) = version() else {
                return broken(
                    Some(seq),
                    format!("event {seq} applies no directory version"),
                );
            };
            learned.last_org = v;
            learned.orgs.insert(
                v,
                VersionEvent {
                    seq,
                    at: body.at,
                    digest: digest(),
                    team: None,
                    org_version: None,
                },
            );
        }
        "guide_applied" => {
            let Some(v) = version() else {
                return broken(Some(seq), format!("event {seq} applies no guide version"));
            };
            let team = body.data.get("team").and_then(serde_json::Value::as_str);
            learned.guides.insert(
                v,
                VersionEvent {
                    seq,
                    at: body.at,
                    digest: digest(),
                    team: team.map(str::to_owned),
                    org_version: Some(learned.last_org),
                },
            );
        }
        _ => {}
    }
    Ok(())
}

fn unhex(text: &str) -> Option<[u8; 32]> {
    let bytes = text.as_bytes();
    if bytes.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, pair) in bytes.chunks(2).enumerate() {
        let pair = std::str::from_utf8(pair).ok()?;
        *out.get_mut(i)? = u8::from_str_radix(pair, 16).ok()?;
    }
    Some(out)
}

fn short(hash: &str) -> &str {
    hash.get(..12).unwrap_or(hash)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chain::record_digest;

    fn event(seq: i64, body: &str, prev: &str, hash: &str) -> EventRow {
        EventRow {
            seq,
            decision: None,
            kind: "opened".into(),
            actor: "ana".into(),
            at: "2026-03-01T12:00:00Z".parse().unwrap_or_default(),
            body: body.into(),
            prev_hash: prev.into(),
            hash: hash.into(),
        }
    }

    #[track_caller]
    fn reason(result: Result<impl Sized, Halt>) -> String {
        match result {
            Err(Halt::Broken(_, reason)) => reason,
            Err(Halt::Failed(e)) => format!("failed: {e}"),
            Ok(_) => "holds".into(),
        }
    }

    #[test]
    fn each_kind_of_broken_link_is_named() {
        let b1 = r#"{"seq":1}"#;
        let h1 = link(GENESIS, b1);
        assert_eq!(
            reason(check_link(1, GENESIS, &event(1, b1, GENESIS, &h1))),
            "holds"
        );
        assert!(
            reason(check_link(
                1,
                GENESIS,
                &event(1, r#"{"seq":1,"x":1}"#, GENESIS, &h1)
            ))
            .contains("`body` hashes")
        );
        assert!(reason(check_link(1, GENESIS, &event(2, b1, GENESIS, &h1))).contains("missing"));
        assert!(reason(check_link(2, &h1, &event(2, "{}", GENESIS, "x"))).contains("`prev_hash`"));
    }

    #[test]
    fn each_column_beside_the_body_is_checked() {
        let body = r#"{"seq":1,"decision":null,"kind":"opened","actor":"ana","at":"2026-03-01T12:00:00Z","data":{}}"#;
        assert_eq!(reason(check_columns(&event(1, body, "", ""))), "holds");
        let mut row = event(1, body, "", "");
        row.kind = "decided".into();
        assert!(reason(check_columns(&row)).contains("`kind`"));
        let mut row = event(1, body, "", "");
        row.actor = "eve".into();
        assert!(reason(check_columns(&row)).contains("`actor`"));
        let mut row = event(1, body, "", "");
        row.decision = Some(4);
        assert!(reason(check_columns(&row)).contains("`decision_id`"));
        let mut row = event(1, body, "", "");
        row.at += chrono::TimeDelta::seconds(1);
        assert!(reason(check_columns(&row)).contains("`at`"));
    }

    #[test]
    fn a_noted_head_is_read_as_printed() {
        let hash = "ab".repeat(32);
        let noted: NotedHead = format!("12:{hash}").parse().unwrap_or(NotedHead {
            seq: -1,
            hash: String::new(),
        });
        assert_eq!((noted.seq, noted.hash.as_str()), (12, hash.as_str()));
        for bad in ["12", "x:ab", "12:abc", &format!("-1:{hash}")] {
            assert!(bad.parse::<NotedHead>().is_err(), "{bad}");
        }
    }

    #[test]
    fn digests_read_back_as_written() {
        let digest = record_digest("{}");
        assert_eq!(
            unhex(&digest).map(|b| b.to_vec()),
            Some(Sha256::digest(b"{}").to_vec())
        );
        assert_eq!(unhex("zz"), None);
    }
}
