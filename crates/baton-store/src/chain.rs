//! The tamper-evident audit chain (SPEC §5): each event carries the hash of
//! the one before it, `hash = sha256(prev_hash ‖ canonical JSON)`, so
//! changing, deleting or reordering any stored event breaks every link
//! after it, and `verify` names the first break.

use baton_core::lifecycle::Event;
use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::Row;

use crate::{Store, StoreError, on_pool};

/// The `prev_hash` of the first event.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The canonical JSON of an event at position `seq`: keys sorted (serde_json
/// maps are ordered), no whitespace, instants in RFC 3339 UTC.
pub(crate) fn body(seq: i64, event: &Event) -> String {
    let value = serde_json::json!({
        "seq": seq,
        "decision": if event.decision > 0 { serde_json::json!(event.decision) } else { serde_json::Value::Null },
        "kind": event.kind,
        "actor": event.actor,
        "at": baton_core::instant(event.at),
        "data": event.data,
    });
    value.to_string()
}

pub(crate) fn link(prev: &str, body: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(prev.as_bytes());
    hasher.update(body.as_bytes());
    format!("{:x}", hasher.finalize())
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
    pub decision: Option<i64>,
    pub event: &'e Event,
    pub body: String,
    pub prev: String,
    pub hash: String,
}

/// `events` linked after `head`, in order.
pub(crate) fn linked<'e>(
    head: &Head,
    events: impl IntoIterator<Item = &'e Event>,
) -> Vec<Linked<'e>> {
    let mut seq = head.seq;
    let mut prev = head.hash.clone();
    events
        .into_iter()
        .map(|event| {
            seq += 1;
            let body = body(seq, event);
            let hash = link(&prev, &body);
            Linked {
                seq,
                decision: (event.decision > 0).then_some(event.decision),
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

/// Binds one [`Linked`] event's columns to `$query`, in [`EVENT_COLUMNS`] order.
macro_rules! bind_event {
    ($query:expr, $row:expr) => {{
        let row: &$crate::chain::Linked<'_> = $row;
        $query
            .bind(row.seq)
            .bind(row.decision)
            .bind(&row.event.kind)
            .bind(&row.event.actor)
            .bind(row.event.at)
            .bind(&row.body)
            .bind(&row.prev)
            .bind(&row.hash)
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

/// Appends `events` after `$head` inside the write transaction `$tx`; a
/// trigger moves the chain head along.
macro_rules! append {
    ($tx:expr, $head:expr, $events:expr) => {{
        let rows = $crate::chain::linked(&$head, $events);
        for chunk in rows.chunks($crate::chain::EVENTS_PER_STATEMENT) {
            let sql = $crate::chain::insert_events(1, chunk.len());
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
            for row in chunk {
                query = $crate::chain::bind_event!(query, row);
            }
            query.execute(&mut *$tx).await?;
        }
    }};
}
pub(crate) use append;

/// What `verify` found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChainReport {
    pub events: i64,
    pub head: String,
    pub verified: Verified,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Verified {
    Intact,
    /// The first event whose link does not hold, and why.
    Broken {
        seq: i64,
        reason: String,
    },
}

/// Rows read per query while verifying, so a long log is never held whole.
const PAGE: i64 = 10_000;

impl Store {
    /// Recomputes the whole chain and reports the first broken link.
    pub async fn verify(&self) -> Result<ChainReport, StoreError> {
        let mut expected_seq = 1i64;
        let mut prev = GENESIS.to_owned();
        loop {
            let rows: Vec<(i64, String, String, String)> = on_pool!(self, |pool| {
                sqlx::query("SELECT seq, body, prev_hash, hash FROM events WHERE seq >= $1 ORDER BY seq LIMIT $2")
                    .bind(expected_seq)
                    .bind(PAGE)
                    .fetch_all(pool)
                    .await?
                    .iter()
                    .map(|r| Ok((r.try_get("seq")?, r.try_get("body")?, r.try_get("prev_hash")?, r.try_get("hash")?)))
                    .collect::<Result<_, sqlx::Error>>()?
            });
            let done = (rows.len() as i64) < PAGE;
            for (seq, body, prev_hash, hash) in rows {
                if let Some(reason) = check_link(expected_seq, &prev, seq, &body, &prev_hash, &hash)
                {
                    return Ok(ChainReport {
                        events: seq - 1,
                        head: prev,
                        verified: Verified::Broken {
                            seq: expected_seq.min(seq),
                            reason,
                        },
                    });
                }
                prev = hash;
                expected_seq += 1;
            }
            if done {
                break;
            }
        }
        let count = expected_seq - 1;
        let (head_seq, head_hash): (i64, String) = on_pool!(self, |pool| {
            let row = sqlx::query("SELECT seq, hash FROM chain_head WHERE id = 1")
                .fetch_one(pool)
                .await?;
            (row.try_get("seq")?, row.try_get("hash")?)
        });
        let verified = if head_seq != count || head_hash != prev {
            Verified::Broken {
                seq: count + 1,
                reason: format!(
                    "the chain head records {head_seq} events ending in {}, but {count} events are stored ending in {}",
                    short(&head_hash),
                    short(&prev)
                ),
            }
        } else {
            Verified::Intact
        };
        Ok(ChainReport {
            events: count,
            head: prev,
            verified,
        })
    }
}

/// Why the stored event at `seq` does not continue the chain, if it does not.
fn check_link(
    expected_seq: i64,
    prev: &str,
    seq: i64,
    body: &str,
    prev_hash: &str,
    hash: &str,
) -> Option<String> {
    if seq != expected_seq {
        return Some(format!(
            "event {expected_seq} is missing (the next stored event is {seq})"
        ));
    }
    let claimed = serde_json::from_str::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v.get("seq").and_then(serde_json::Value::as_i64));
    if claimed != Some(seq) {
        return Some(format!(
            "event {seq} holds the body of event {}",
            claimed.map_or("?".into(), |c| c.to_string())
        ));
    }
    if prev_hash != prev {
        return Some(format!(
            "event {seq} links to {} but the event before it hashes to {}",
            short(prev_hash),
            short(prev)
        ));
    }
    let recomputed = link(prev, body);
    if recomputed != hash {
        return Some(format!(
            "event {seq} was changed: its content hashes to {}, not the stored {}",
            short(&recomputed),
            short(hash)
        ));
    }
    None
}

fn short(hash: &str) -> &str {
    hash.get(..12).unwrap_or(hash)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_link_depends_on_the_previous_hash_and_the_body() {
        let a = link(GENESIS, "{}");
        assert_eq!(a.len(), 64);
        assert_ne!(a, link(GENESIS, "{ }"));
        assert_ne!(a, link(&a, "{}"));
    }

    #[test]
    fn each_kind_of_tampering_is_named() {
        let b1 = r#"{"seq":1}"#;
        let h1 = link(GENESIS, b1);
        assert_eq!(check_link(1, GENESIS, 1, b1, GENESIS, &h1), None);
        assert!(
            check_link(1, GENESIS, 1, r#"{"seq":1,"x":1}"#, GENESIS, &h1)
                .unwrap()
                .contains("was changed")
        );
        assert!(
            check_link(1, GENESIS, 2, b1, GENESIS, &h1)
                .unwrap()
                .contains("missing")
        );
        assert!(
            check_link(1, GENESIS, 1, r#"{"seq":2}"#, GENESIS, &h1)
                .unwrap()
                .contains("body of event 2")
        );
        assert!(
            check_link(2, &h1, 2, r#"{"seq":2}"#, GENESIS, "x")
                .unwrap()
                .contains("links to")
        );
    }
}
