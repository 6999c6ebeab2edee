//! The tamper-evident audit chain (SPEC §5): each event carries the hash of
//! the one before it, `hash = sha256(prev_hash ‖ canonical JSON)`, so
//! changing, deleting or reordering any stored event breaks every link
//! after it, and `verify` names the first break.

use baton_core::DecisionId;
use baton_core::lifecycle::Event;
use sha2::{Digest, Sha256};

use crate::digest::{hex, sha256_hex};
use sqlx::Row;

/// The `prev_hash` of the first event.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The canonical JSON of an event at position `seq`: keys sorted (serde_json
/// maps are ordered), no whitespace, instants in RFC 3339 UTC. The last
/// event of each change to a decision also carries `record`, the
/// [`record_digest`] of the decision's stored record after the change, so
/// that `verify` proves the rows everyone reads, not just the events.
pub(crate) fn body(seq: i64, event: &Event, record: Option<&str>) -> String {
    let body = Body {
        actor: &event.actor,
        at: baton_core::instant(event.at),
        data: &event.data,
        decision: event.decision,
        kind: event.kind,
        record,
        seq,
    };
    // Fields are strings, numbers and a JSON value: nothing that fails.
    serde_json::to_string(&body).unwrap_or_default()
}

/// An event's canonical JSON, written straight from the event: its fields
/// are declared in sorted order, as a JSON object of them would print
/// (`data` is a JSON value, whose objects are sorted maps). Building that
/// object first cost an import a seventh of its reading thread's time.
#[derive(serde::Serialize)]
struct Body<'e> {
    actor: &'e str,
    at: String,
    data: &'e serde_json::Value,
    decision: Option<DecisionId>,
    kind: baton_core::lifecycle::EventKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    record: Option<&'e str>,
    seq: i64,
}

/// The SHA-256 (hex) of a decision's stored `record` text, as its last
/// event carries it.
pub(crate) fn record_digest(record: &str) -> String {
    sha256_hex(record.as_bytes())
}

pub(crate) fn link(prev: &str, body: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(prev.as_bytes());
    hasher.update(body.as_bytes());
    hex(&hasher.finalize())
}

/// Reads the chain head; SQLite's `BEGIN IMMEDIATE` already holds the lock.
pub(crate) const READ_HEAD: &str = "SELECT seq, hash, decisions FROM chain_head WHERE id = 1";
/// Reads the chain head and takes PostgreSQL's row lock on it: the store's
/// write lock, which serializes every write.
pub(crate) const LOCK_HEAD: &str =
    "SELECT seq, hash, decisions FROM chain_head WHERE id = 1 FOR UPDATE";

/// The chain head as read under the write lock: the last event's position
/// and hash, and the highest decision id. Triggers keep it current.
#[derive(Debug, Clone)]
pub(crate) struct Head {
    pub seq: i64,
    pub hash: String,
    pub decisions: i64,
}

impl Head {
    pub(crate) fn from_row<R: Row>(row: &R) -> Result<Self, sqlx::Error>
    where
        for<'r> i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
        for<'r> String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
        for<'a> &'a str: sqlx::ColumnIndex<R>,
    {
        Ok(Self {
            seq: row.try_get("seq")?,
            hash: row.try_get("hash")?,
            decisions: row.try_get("decisions")?,
        })
    }
}

/// An event placed on the chain: its position, canonical body and links.
pub(crate) struct Linked<'e> {
    pub seq: i64,
    pub decision: Option<DecisionId>,
    pub event: &'e Event,
    pub body: String,
    pub prev: String,
    pub hash: String,
}

/// An event to chain, with the [`record_digest`] it carries when it is the
/// last event of a change to a decision.
pub(crate) type Entry<'e> = (&'e Event, Option<String>);

/// Events about no decision, or whose change writes no record: nothing to
/// digest.
pub(crate) fn bare<'e>(
    events: impl IntoIterator<Item = &'e Event>,
) -> impl Iterator<Item = Entry<'e>> {
    events.into_iter().map(|e| (e, None))
}

/// The entries of one change to a decision: its events, the last carrying
/// the digest of `record`, the decision's record as written.
pub(crate) fn change<'e>(events: &'e [Event], record: &str) -> impl Iterator<Item = Entry<'e>> {
    let last = events.len().saturating_sub(1);
    let digest = record_digest(record);
    events
        .iter()
        .enumerate()
        .map(move |(i, e)| (e, (i == last).then(|| digest.clone())))
}

/// `entries` linked after `head`, in order.
pub(crate) fn linked<'e>(
    head: &Head,
    entries: impl IntoIterator<Item = Entry<'e>>,
) -> Vec<Linked<'e>> {
    let mut seq = head.seq;
    let mut prev = head.hash.clone();
    entries
        .into_iter()
        .map(|(event, record)| {
            seq += 1;
            let body = body(seq, event, record.as_deref());
            let hash = link(&prev, &body);
            Linked {
                seq,
                decision: event.decision,
                event,
                body,
                prev: std::mem::replace(&mut prev, hash.clone()),
                hash,
            }
        })
        .collect()
}

/// The columns of `events`, in the order [`bind_event!`] binds them.
pub(crate) const EVENT_COLUMNS: [&str; 8] = [
    "seq",
    "decision_id",
    "kind",
    "actor",
    "at",
    "body",
    "prev_hash",
    "hash",
];

/// The parameters of one event row.
pub(crate) const EVENT_PARAMS: usize = EVENT_COLUMNS.len();

/// Binds one [`Linked`] event's columns to `$query`, in [`EVENT_COLUMNS`]
/// order; `$text`, when given, makes each text value's bound form (an
/// import shares them with its caller's thread).
macro_rules! bind_event {
    ($query:expr, $row:expr) => {
        $crate::chain::bind_event!($query, $row, |text: &str| text.to_owned())
    };
    ($query:expr, $row:expr, $text:expr) => {{
        let row: &$crate::chain::Linked<'_> = $row;
        $query
            .bind(row.seq)
            .bind(row.decision.map(baton_core::DecisionId::get))
            .bind(($text)(row.event.kind.as_str()))
            .bind(($text)(&row.event.actor))
            .bind(row.event.at)
            .bind(($text)(&row.body))
            .bind(($text)(&row.prev))
            .bind(($text)(&row.hash))
    }};
}
pub(crate) use bind_event;

/// Inserts `rows` events whose parameters are numbered from `$first`,
/// bound by [`bind_event!`] one event after another.
pub(crate) fn insert_events(first: usize, rows: usize) -> String {
    format!(
        "INSERT INTO events ({}) VALUES {}",
        EVENT_COLUMNS.join(", "),
        crate::placeholders(first, EVENT_PARAMS, rows)
    )
}

/// Events per statement: well under SQLite's limit of 32,766 parameters.
pub(crate) const EVENTS_PER_STATEMENT: usize = 1_000;

/// Appends `$entries` ([`Entry`]s) after `$head` inside the write
/// transaction `$tx`; a trigger moves the chain head along. With a bare
/// list of events, none carries a record digest.
macro_rules! append {
    (entries $tx:expr, $head:expr, $entries:expr) => {{
        let rows = $crate::chain::linked(&$head, $entries);
        for chunk in rows.chunks($crate::chain::EVENTS_PER_STATEMENT) {
            let sql = $crate::chain::insert_events(1, chunk.len());
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
            for row in chunk {
                query = $crate::chain::bind_event!(query, row);
            }
            query.execute(&mut *$tx).await?;
        }
    }};
    ($tx:expr, $head:expr, $events:expr) => {
        $crate::chain::append!(entries $tx, $head, $crate::chain::bare($events))
    };
}
pub(crate) use append;

#[cfg(test)]
mod tests {
    use super::*;

    /// The canonical JSON as a JSON object of the event's fields prints it,
    /// which is how every chained body was written before [`Body`].
    fn as_object(seq: i64, event: &Event, record: Option<&str>) -> String {
        let mut value = serde_json::json!({
            "seq": seq,
            "decision": event.decision,
            "kind": event.kind,
            "actor": event.actor,
            "at": baton_core::instant(event.at),
            "data": event.data,
        });
        if let Some(digest) = record {
            value["record"] = serde_json::json!(digest);
        }
        value.to_string()
    }

    #[test]
    fn a_body_is_the_sorted_object_of_its_event_byte_for_byte() {
        use baton_core::lifecycle::EventKind;
        let kinds = [EventKind::Imported, EventKind::Opened, EventKind::Decided];
        let data = [
            serde_json::json!({}),
            serde_json::json!({"z": 1, "a": [true, null, 2.5], "m": {"y": "é \"q\"\n", "b": -3}}),
            serde_json::json!("line\u{0}\t☃"),
        ];
        for (i, (kind, data)) in kinds.iter().zip(data).enumerate() {
            for decision in [None, DecisionId::new(7 + i as i64).ok()] {
                for record in [None, Some("ab12")] {
                    let event = Event {
                        decision,
                        kind: *kind,
                        actor: "ana \"the\" ☃".into(),
                        at: "2026-03-01T12:00:00.123456Z".parse().unwrap(),
                        data: data.clone(),
                    };
                    assert_eq!(
                        body(41 + i as i64, &event, record),
                        as_object(41 + i as i64, &event, record)
                    );
                }
            }
        }
    }

    #[test]
    fn a_link_depends_on_the_previous_hash_and_the_body() {
        let a = link(GENESIS, "{}");
        assert_eq!(a.len(), 64);
        assert_ne!(a, link(GENESIS, "{ }"));
        assert_ne!(a, link(&a, "{}"));
    }
}
