//! Outgoing webhooks: subscriptions and their deliveries.
//!
//! Deliveries are queued from the audit log, not by the writes themselves:
//! each subscription keeps a cursor (the last event sequence it has queued),
//! and [`Webhooks::queue_deliveries`] moves it forward. So a decision write
//! costs nothing extra, an event can never be missed by a crash between the
//! write and the queueing, and a subscription sees only events after it was
//! made. Queueing and claiming lock rows (`FOR UPDATE SKIP LOCKED` on
//! PostgreSQL, the write lock on SQLite), so several replicas running the
//! delivery task queue each event once and send each delivery once at a
//! time.

use baton_core::lifecycle::Event;
use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::Row;

use crate::chain::append;
use crate::{StoreError, Webhooks, micros, next_id, on_pool, tx, write_tx};

/// A subscription, without its secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Webhook {
    pub id: i64,
    pub url: String,
    /// Event kinds sent (`opened`, `decided`, …); empty means all.
    pub events: Vec<String>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

/// One delivery: an event for one subscription, with what became of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Delivery {
    pub id: i64,
    pub webhook: i64,
    pub event_seq: i64,
    pub event: String,
    /// `pending`, `delivered` or `failed` (retries exhausted).
    pub status: String,
    pub attempts: i64,
    /// HTTP status of the last attempt, if it got one.
    pub last_status: Option<i64>,
    pub last_error: Option<String>,
    pub delivered_at: Option<DateTime<Utc>>,
}

/// A claimed delivery, ready to send: the exact body to sign and post.
#[derive(Debug, Clone)]
pub struct Outgoing {
    pub id: i64,
    /// The claim: the lease end written when it was claimed. An attempt is
    /// recorded only while the claim still stands.
    pub lease_us: i64,
    pub url: String,
    pub secret: String,
    pub event: String,
    pub attempts: i64,
    pub body: String,
}

/// What happened when a delivery was attempted.
#[derive(Debug, Clone)]
pub enum Attempt {
    Delivered {
        status: u16,
    },
    /// Failed; `retry_at` is when to try again, `None` to give up.
    Failed {
        status: Option<u16>,
        error: String,
        retry_at: Option<DateTime<Utc>>,
    },
}

/// Events of the log that are not about a decision (tokens, applies) are
/// not sent.
const DECISION_EVENTS: &str = "decision_id > 0";

fn delivery_from_row<R: Row>(row: &R) -> Result<Delivery, sqlx::Error>
where
    for<'r> i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> Option<i64>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> Option<String>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> Option<DateTime<Utc>>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'a> &'a str: sqlx::ColumnIndex<R>,
{
    Ok(Delivery {
        id: row.try_get("id")?,
        webhook: row.try_get("webhook_id")?,
        event_seq: row.try_get("event_seq")?,
        event: row.try_get("event")?,
        status: row.try_get("status")?,
        attempts: row.try_get("attempts")?,
        last_status: row.try_get("last_status")?,
        last_error: row.try_get("last_error")?,
        delivered_at: row.try_get("delivered_at")?,
    })
}

impl Webhooks<'_> {
    /// Subscribes `url` to decision events of the given kinds (all when
    /// empty), from the next event on. `target` is what the audit log
    /// records of the URL: its origin, without the path, query or
    /// credentials a URL can carry (the log is readable by every token). Returns the subscription and the
    /// secret deliveries are signed with: `secret` if given, else a new
    /// random one.
    pub async fn subscribe_webhook(
        self,
        url: &str,
        target: &str,
        events: &[String],
        secret: Option<&str>,
        by: &str,
        at: DateTime<Utc>,
    ) -> Result<(Webhook, String), StoreError> {
        let at = micros(at);
        let secret = match secret {
            Some(s) => s.to_owned(),
            None => crate::tokens::random_secret("whsec_")?,
        };
        // Never "[]" on failure: an empty filter means every event.
        let kinds =
            serde_json::to_string(events).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let id = write_tx!(self, |tx, head| {
            let id: i64 = next_id!(tx, "webhooks");
            sqlx::query("INSERT INTO webhooks (id, url, secret, events, created_by, created_at, cursor) VALUES ($1, $2, $3, $4, $5, $6, $7)")
                .bind(id)
                .bind(url)
                .bind(&secret)
                .bind(&kinds)
                .bind(by)
                .bind(at)
                // The subscription event itself (at `head.seq + 1`) is not
                // sent: start after it.
                .bind(head.seq + 2)
                .execute(&mut *tx)
                .await?;
            let event = Event {
                decision: None,
                kind: baton_core::lifecycle::EventKind::WebhookSubscribed,
                actor: by.to_owned(),
                at,
                // The audit log is readable by every token holder: a URL can
                // carry credentials, so only where it points is recorded.
                data: serde_json::json!({"webhook": id, "target": target, "events": events}),
            };
            append!(tx, head, std::slice::from_ref(&event));
            id
        });
        let webhook = Webhook {
            id,
            url: url.to_owned(),
            events: events.to_vec(),
            created_by: by.to_owned(),
            created_at: at,
        };
        Ok((webhook, secret))
    }

    /// Ends subscription `id`; pending deliveries are still attempted.
    /// Returns whether it was live.
    pub async fn unsubscribe_webhook(
        self,
        id: i64,
        by: &str,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let at = micros(at);
        let done = write_tx!(self, |tx, head| {
            let done = sqlx::query(
                "UPDATE webhooks SET deleted_at = $1 WHERE id = $2 AND deleted_at IS NULL",
            )
            .bind(at)
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected()
                == 1;
            if done {
                let event = Event {
                    decision: None,
                    kind: baton_core::lifecycle::EventKind::WebhookUnsubscribed,
                    actor: by.to_owned(),
                    at,
                    data: serde_json::json!({"webhook": id}),
                };
                append!(tx, head, std::slice::from_ref(&event));
            }
            done
        });
        Ok(done)
    }

    /// Live subscriptions, oldest first.
    pub async fn subscriptions(self) -> Result<Vec<Webhook>, StoreError> {
        let hooks = on_pool!(self, |pool| {
            let rows = sqlx::query("SELECT id, url, events, created_by, created_at FROM webhooks WHERE deleted_at IS NULL ORDER BY id")
                .fetch_all(pool)
                .await?;
            let mut hooks = Vec::with_capacity(rows.len());
            for row in &rows {
                let events: String = row.try_get("events")?;
                hooks.push(Webhook {
                    id: row.try_get("id")?,
                    url: row.try_get("url")?,
                    // An unreadable filter must not widen to every event.
                    events: serde_json::from_str(&events).map_err(|e| {
                        StoreError::Corrupt(format!("webhook event kinds `{events}`: {e}"))
                    })?,
                    created_by: row.try_get("created_by")?,
                    created_at: row.try_get("created_at")?,
                });
            }
            hooks
        });
        Ok(hooks)
    }

    /// The deliveries of subscription `id`, newest first.
    pub async fn deliveries(self, webhook: i64, limit: i64) -> Result<Vec<Delivery>, StoreError> {
        let out = on_pool!(self, |pool| {
            sqlx::query("SELECT id, webhook_id, event_seq, event, status, attempts, last_status, last_error, delivered_at FROM webhook_deliveries WHERE webhook_id = $1 ORDER BY id DESC LIMIT $2")
                .bind(webhook)
                .bind(limit)
                .fetch_all(pool)
                .await?
                .iter()
                .map(delivery_from_row)
                .collect::<Result<Vec<_>, sqlx::Error>>()?
        });
        Ok(out)
    }

    /// Queues a delivery for every live subscription and every decision
    /// event after its cursor (at most `batch` events per subscription),
    /// due at `now`. Returns how many were queued.
    pub async fn queue_deliveries(
        self,
        now: DateTime<Utc>,
        batch: i64,
    ) -> Result<usize, StoreError> {
        // The passes run every second on every replica: when no cursor is
        // behind the chain, one read answers and no write lock is taken.
        let behind: Vec<i64> = on_pool!(self, |pool| {
            sqlx::query("SELECT id FROM webhooks WHERE deleted_at IS NULL AND cursor <= (SELECT seq FROM chain_head WHERE id = 1)")
                .fetch_all(pool)
                .await?
                .iter()
                .map(|r| r.try_get("id"))
                .collect::<Result<_, sqlx::Error>>()?
        });
        if behind.is_empty() {
            return Ok(0);
        }
        let mut queued = 0;
        for hook in self.subscriptions().await? {
            if behind.contains(&hook.id) {
                queued += self.queue_for(&hook, now, batch).await?;
            }
        }
        Ok(queued)
    }

    async fn queue_for(
        self,
        hook: &Webhook,
        now: DateTime<Utc>,
        batch: i64,
    ) -> Result<usize, StoreError> {
        // The row lock (PostgreSQL) or the write lock (SQLite) makes one
        // replica at a time move a cursor; the others skip it.
        let lock = crate::dialect::Dialect::of(&self.backend).claim();
        let cursor_sql =
            format!("SELECT cursor FROM webhooks WHERE id = $1 AND deleted_at IS NULL{lock}");
        let events_sql = format!(
            "SELECT e.seq, e.decision_id, e.kind, e.actor, e.at, e.body, d.team, d.type, d.title, d.status, d.decider \
             FROM events e LEFT JOIN decisions d ON d.id = e.decision_id \
             WHERE e.seq >= $1 AND e.{DECISION_EVENTS} ORDER BY e.seq LIMIT $2"
        );
        let due = now.timestamp_micros();
        let queued = write_tx!(self, |tx, head| {
            let Some(row) = sqlx::query(sqlx::AssertSqlSafe(cursor_sql.clone()))
                .bind(hook.id)
                .fetch_optional(&mut *tx)
                .await?
            else {
                return Ok(0);
            };
            let cursor: i64 = row.try_get("cursor")?;
            let rows = sqlx::query(sqlx::AssertSqlSafe(events_sql.clone()))
                .bind(cursor)
                .bind(batch)
                .fetch_all(&mut *tx)
                .await?;
            let mut next = cursor;
            let mut queued = 0;
            for row in &rows {
                let seq: i64 = row.try_get("seq")?;
                let kind: String = row.try_get("kind")?;
                next = seq + 1;
                if !hook.events.is_empty() && !hook.events.contains(&kind) {
                    continue;
                }
                let event_body: String = row.try_get("body")?;
                let event: serde_json::Value =
                    serde_json::from_str(&event_body).unwrap_or(serde_json::Value::Null);
                let body = serde_json::json!({
                    "webhook": hook.id,
                    "event": {
                        "seq": seq,
                        "kind": kind,
                        "decision": row.try_get::<i64, _>("decision_id")?,
                        "actor": row.try_get::<String, _>("actor")?,
                        "at": baton_core::instant(row.try_get::<DateTime<Utc>, _>("at")?),
                        "data": event.get("data").cloned().unwrap_or(serde_json::Value::Null),
                    },
                    "decision": {
                        "id": row.try_get::<i64, _>("decision_id")?,
                        "team": row.try_get::<Option<String>, _>("team")?,
                        "type": row.try_get::<Option<String>, _>("type")?,
                        "title": row.try_get::<Option<String>, _>("title")?,
                        "status": row.try_get::<Option<String>, _>("status")?,
                        "decider": row.try_get::<Option<String>, _>("decider")?,
                    },
                });
                sqlx::query("INSERT INTO webhook_deliveries (webhook_id, event_seq, event, body, status, attempts, next_attempt_us) VALUES ($1, $2, $3, $4, 'pending', 0, $5)")
                    .bind(hook.id)
                    .bind(seq)
                    .bind(&kind)
                    .bind(body.to_string())
                    .bind(due)
                    .execute(&mut *tx)
                    .await?;
                queued += 1;
            }
            // A short page saw every event up to the head: move past the
            // events that are about no decision too, or a cursor left
            // behind them would take the write lock on every pass.
            if (rows.len() as i64) < batch {
                next = head.seq + 1;
            }
            if next != cursor {
                sqlx::query("UPDATE webhooks SET cursor = $1 WHERE id = $2")
                    .bind(next)
                    .bind(hook.id)
                    .execute(&mut *tx)
                    .await?;
            }
            queued
        });
        Ok(queued)
    }

    /// Claims up to `limit` pending deliveries due at `now` and hides them
    /// from other claimers until `lease_until`, so a delivery is in flight
    /// from one replica at a time; a replica that dies mid-send leaves it to
    /// be retried when the lease ends.
    pub async fn claim_deliveries(
        self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<Outgoing>, StoreError> {
        let lock = crate::dialect::Dialect::of(&self.backend).claim();
        // Likewise, nothing due is one read, not a write transaction.
        let due: i64 = on_pool!(self, |pool| {
            sqlx::query("SELECT COUNT(*) AS n FROM (SELECT 1 FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_us <= $1 LIMIT 1) d")
                .bind(now.timestamp_micros())
                .fetch_one(pool)
                .await?
                .try_get("n")?
        });
        if due == 0 {
            return Ok(Vec::new());
        }
        let claim_sql = format!(
            "UPDATE webhook_deliveries SET next_attempt_us = $1 WHERE id IN (\
               SELECT id FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_us <= $2 ORDER BY id LIMIT $3{lock}) \
             RETURNING id, webhook_id, event, attempts, body"
        );
        // The claim locks only the rows it takes: decisions need not wait.
        let claimed = tx!(self, |tx| {
            let rows = sqlx::query(sqlx::AssertSqlSafe(claim_sql.clone()))
                .bind(lease_until.timestamp_micros())
                .bind(now.timestamp_micros())
                .bind(limit)
                .fetch_all(&mut *tx)
                .await?;
            let mut claimed = Vec::with_capacity(rows.len());
            let mut targets: std::collections::HashMap<i64, (String, String)> =
                std::collections::HashMap::new();
            for row in &rows {
                let webhook: i64 = row.try_get("webhook_id")?;
                let (url, secret) = match targets.get(&webhook) {
                    Some(known) => known.clone(),
                    None => {
                        let row = sqlx::query("SELECT url, secret FROM webhooks WHERE id = $1")
                            .bind(webhook)
                            .fetch_one(&mut *tx)
                            .await?;
                        let target: (String, String) =
                            (row.try_get("url")?, row.try_get("secret")?);
                        targets.insert(webhook, target.clone());
                        target
                    }
                };
                claimed.push(Outgoing {
                    id: row.try_get("id")?,
                    lease_us: lease_until.timestamp_micros(),
                    url,
                    secret,
                    event: row.try_get("event")?,
                    attempts: row.try_get("attempts")?,
                    body: row.try_get("body")?,
                });
            }
            claimed.sort_by_key(|o| o.id);
            claimed
        });
        Ok(claimed)
    }

    /// Records what the attempt of a claimed delivery came to — unless its
    /// lease ran out and another sender claimed it meanwhile: then that
    /// sender records, and this returns `false`.
    pub async fn record_attempt(
        self,
        claimed: &Outgoing,
        attempt: &Attempt,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let at = micros(at);
        let (id, lease) = (claimed.id, claimed.lease_us);
        let recorded = on_pool!(self, |pool| {
            match attempt {
                Attempt::Delivered { status } => {
                    sqlx::query("UPDATE webhook_deliveries SET status = 'delivered', attempts = attempts + 1, last_status = $1, last_error = NULL, delivered_at = $2 WHERE id = $3 AND status = 'pending' AND next_attempt_us = $4")
                        .bind(i64::from(*status))
                        .bind(at)
                        .bind(id)
                        .bind(lease)
                        .execute(pool)
                        .await?
                        .rows_affected()
                }
                Attempt::Failed {
                    status,
                    error,
                    retry_at,
                } => {
                    let (state, next) = match retry_at {
                        Some(t) => ("pending", t.timestamp_micros()),
                        None => ("failed", i64::MAX),
                    };
                    sqlx::query("UPDATE webhook_deliveries SET status = $1, attempts = attempts + 1, last_status = $2, last_error = $3, next_attempt_us = $4 WHERE id = $5 AND status = 'pending' AND next_attempt_us = $6")
                        .bind(state)
                        .bind(status.map(i64::from))
                        .bind(error)
                        .bind(next)
                        .bind(id)
                        .bind(lease)
                        .execute(pool)
                        .await?
                        .rows_affected()
                }
            }
        });
        Ok(recorded == 1)
    }
}
