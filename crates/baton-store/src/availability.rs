//! Breaks and hand-offs as stored: each change in one transaction with its
//! audit event and a bump of `overlay.version`, the part of the directory's
//! version key (see [`DIRECTORY_KEY`]) that makes every cache recompile.

use baton_core::availability::{Break, Handoff, HandoffStatus};
use baton_core::lifecycle::{Event, EventKind, LifecycleError};
use chrono::{DateTime, Utc};
use sqlx::Row;

use crate::chain::append;
use crate::{Availability, StoreError, micros, next_id, on_pool, write_tx};

/// The directory's version key, as SQL: the org version in force and the
/// overlay of breaks and hand-offs, packed as `org · 2³² + overlay`. What
/// caches a directory or a guide, or checks in a write that the one it
/// resolved against is still in force, compares this number.
pub(crate) const DIRECTORY_KEY: &str = "((SELECT MAX(id) FROM org_versions) * 4294967296 + (SELECT version FROM overlay WHERE id = 1))";

/// The org version row of a directory key.
pub(crate) fn org_version(key: i64) -> i64 {
    key >> 32
}

/// The directory key of org version `org` under overlay `overlay`.
pub(crate) fn directory_key(org: i64, overlay: i64) -> i64 {
    (org << 32) + overlay
}

const BREAK_COLUMNS: &str =
    "id, person, starts_at, ends_at, reason, created_by, created_at, ended_at";
const HANDOFF_COLUMNS: &str = "id, team, rotation, from_person, to_person, starts_at, ends_at, note, status, created_at, answered_at";

fn break_of<R: Row>(r: &R) -> Result<Break, sqlx::Error>
where
    for<'a> &'a str: sqlx::ColumnIndex<R>,
    i64: for<'a> sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    String: for<'a> sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    DateTime<Utc>: for<'a> sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    Option<DateTime<Utc>>: for<'a> sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
{
    Ok(Break {
        id: r.try_get("id")?,
        person: r.try_get("person")?,
        from: r.try_get("starts_at")?,
        to: r.try_get("ends_at")?,
        reason: r.try_get("reason")?,
        created_by: r.try_get("created_by")?,
        created_at: r.try_get("created_at")?,
        ended_at: r.try_get("ended_at")?,
    })
}

fn handoff_of<R: Row>(r: &R) -> Result<Handoff, sqlx::Error>
where
    for<'a> &'a str: sqlx::ColumnIndex<R>,
    i64: for<'a> sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    String: for<'a> sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    DateTime<Utc>: for<'a> sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    Option<DateTime<Utc>>: for<'a> sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
{
    let status: String = r.try_get("status")?;
    Ok(Handoff {
        id: r.try_get("id")?,
        team: r.try_get("team")?,
        rotation: r.try_get("rotation")?,
        from_person: r.try_get("from_person")?,
        to_person: r.try_get("to_person")?,
        from: r.try_get("starts_at")?,
        to: r.try_get("ends_at")?,
        note: r.try_get("note")?,
        status: HandoffStatus::parse(&status)
            .ok_or_else(|| sqlx::Error::Decode(format!("hand-off status `{status}`").into()))?,
        created_at: r.try_get("created_at")?,
        answered_at: r.try_get("answered_at")?,
    })
}

/// A break to record.
#[derive(Clone, Debug)]
pub struct NewBreak {
    pub person: String,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub reason: String,
}

/// A hand-off to offer.
#[derive(Clone, Debug)]
pub struct NewHandoff {
    pub team: String,
    pub rotation: String,
    pub from_person: String,
    pub to_person: String,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub note: String,
}

/// Bumps the overlay version and, on PostgreSQL, tells every replica.
macro_rules! overlay_changed {
    ($self:ident, $tx:ident) => {
        sqlx::query("UPDATE overlay SET version = version + 1 WHERE id = 1")
            .execute(&mut *$tx)
            .await?;
        if matches!($self.backend, crate::Backend::Postgres(_)) {
            sqlx::query("SELECT pg_notify($1, 'availability')")
                .bind(crate::watch::CHANNEL)
                .execute(&mut *$tx)
                .await?;
        }
    };
}

impl Availability<'_> {
    /// Records a break with its `break_taken` event; its checks are the
    /// application's.
    pub async fn take_break(
        self,
        b: &NewBreak,
        by: &str,
        at: DateTime<Utc>,
    ) -> Result<Break, StoreError> {
        let (from, to, at) = (micros(b.from), micros(b.to), micros(at));
        let id = write_tx!(self, |tx, head| {
            let id: i64 = next_id!(tx, "breaks");
            sqlx::query("INSERT INTO breaks (id, person, starts_at, ends_at, reason, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)")
                .bind(id)
                .bind(&b.person)
                .bind(from)
                .bind(to)
                .bind(&b.reason)
                .bind(by)
                .bind(at)
                .execute(&mut *tx)
                .await?;
            overlay_changed!(self, tx);
            let event = Event {
                decision: None,
                kind: EventKind::BreakTaken,
                actor: by.to_owned(),
                at,
                data: serde_json::json!({"break": id, "person": b.person, "from": from, "to": to, "reason": b.reason}),
            };
            append!(tx, head, std::slice::from_ref(&event));
            id
        });
        self.cache.changed();
        Ok(Break {
            id,
            person: b.person.clone(),
            from,
            to,
            reason: b.reason.clone(),
            created_by: by.to_owned(),
            created_at: at,
            ended_at: None,
        })
    }

    /// Break `id`.
    pub async fn get_break(self, id: i64) -> Result<Break, StoreError> {
        let found = on_pool!(self, |pool| {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT {BREAK_COLUMNS} FROM breaks WHERE id = $1"
            )))
            .bind(id)
            .fetch_optional(pool)
            .await?
            .map(|r| break_of(&r))
            .transpose()?
        });
        found.ok_or_else(|| StoreError::Missing(format!("break {id} does not exist")))
    }

    /// Ends break `id` at `at` (a break not begun yet is called off), after
    /// `check` accepts it as it stands in the transaction.
    pub async fn end_break(
        self,
        id: i64,
        by: &str,
        at: DateTime<Utc>,
        check: impl FnOnce(&Break) -> Result<(), LifecycleError> + Send,
    ) -> Result<Break, StoreError> {
        let at = micros(at);
        let ended = write_tx!(self, |tx, head| {
            let current = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT {BREAK_COLUMNS} FROM breaks WHERE id = $1"
            )))
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?
            .map(|r| break_of(&r))
            .transpose()?
            .ok_or_else(|| StoreError::Missing(format!("break {id} does not exist")))?;
            check(&current)?;
            if current.ended_at.is_some() || current.to <= at {
                return Err(StoreError::Lifecycle(LifecycleError::Conflict(format!(
                    "break {id} is over already"
                ))));
            }
            sqlx::query("UPDATE breaks SET ended_at = $1 WHERE id = $2")
                .bind(at)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            overlay_changed!(self, tx);
            let event = Event {
                decision: None,
                kind: EventKind::BreakEnded,
                actor: by.to_owned(),
                at,
                data: serde_json::json!({"break": id, "person": current.person}),
            };
            append!(tx, head, std::slice::from_ref(&event));
            Break {
                ended_at: Some(at),
                ..current
            }
        });
        self.cache.changed();
        Ok(ended)
    }

    /// Breaks (of `person`, when given), latest first.
    pub async fn breaks(self, person: Option<&str>) -> Result<Vec<Break>, StoreError> {
        let found = on_pool!(self, |pool| {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT {BREAK_COLUMNS} FROM breaks WHERE ($1 IS NULL OR person = $1) ORDER BY id DESC"
            )))
            .bind(person)
            .fetch_all(pool)
            .await?
            .iter()
            .map(break_of)
            .collect::<Result<Vec<_>, sqlx::Error>>()?
        });
        Ok(found)
    }

    /// Offers a hand-off, with its `handoff_offered` event; its checks are
    /// the application's.
    pub async fn offer_handoff(
        self,
        h: &NewHandoff,
        at: DateTime<Utc>,
    ) -> Result<Handoff, StoreError> {
        let (from, to, at) = (micros(h.from), micros(h.to), micros(at));
        let id = write_tx!(self, |tx, head| {
            let id: i64 = next_id!(tx, "handoffs");
            sqlx::query("INSERT INTO handoffs (id, team, rotation, from_person, to_person, starts_at, ends_at, note, status, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)")
                .bind(id)
                .bind(&h.team)
                .bind(&h.rotation)
                .bind(&h.from_person)
                .bind(&h.to_person)
                .bind(from)
                .bind(to)
                .bind(&h.note)
                .bind(HandoffStatus::Offered.as_str())
                .bind(at)
                .execute(&mut *tx)
                .await?;
            let event = Event {
                decision: None,
                kind: EventKind::HandoffOffered,
                actor: h.from_person.clone(),
                at,
                data: serde_json::json!({"handoff": id, "team": h.team, "rotation": h.rotation, "to": h.to_person, "from": from, "until": to}),
            };
            append!(tx, head, std::slice::from_ref(&event));
            id
        });
        Ok(Handoff {
            id,
            team: h.team.clone(),
            rotation: h.rotation.clone(),
            from_person: h.from_person.clone(),
            to_person: h.to_person.clone(),
            from,
            to,
            note: h.note.clone(),
            status: HandoffStatus::Offered,
            created_at: at,
            answered_at: None,
        })
    }

    /// Hand-off `id`.
    pub async fn get_handoff(self, id: i64) -> Result<Handoff, StoreError> {
        let found = on_pool!(self, |pool| {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT {HANDOFF_COLUMNS} FROM handoffs WHERE id = $1"
            )))
            .bind(id)
            .fetch_optional(pool)
            .await?
            .map(|r| handoff_of(&r))
            .transpose()?
        });
        found.ok_or_else(|| StoreError::Missing(format!("hand-off {id} does not exist")))
    }

    /// Moves hand-off `id` to what `answer` makes of it as it stands in the
    /// transaction (the lifecycle's `availability::answer`), by `by`.
    pub async fn answer_handoff(
        self,
        id: i64,
        by: &str,
        at: DateTime<Utc>,
        answer: impl FnOnce(&Handoff) -> Result<Handoff, LifecycleError> + Send,
    ) -> Result<Handoff, StoreError> {
        let at = micros(at);
        let answered = write_tx!(self, |tx, head| {
            let current = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT {HANDOFF_COLUMNS} FROM handoffs WHERE id = $1"
            )))
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?
            .map(|r| handoff_of(&r))
            .transpose()?
            .ok_or_else(|| StoreError::Missing(format!("hand-off {id} does not exist")))?;
            let next = answer(&current)?;
            sqlx::query("UPDATE handoffs SET status = $1, answered_at = $2 WHERE id = $3")
                .bind(next.status.as_str())
                .bind(at)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            if next.status == HandoffStatus::Accepted {
                overlay_changed!(self, tx);
            }
            let event = Event {
                decision: None,
                kind: EventKind::HandoffAnswered,
                actor: by.to_owned(),
                at,
                data: serde_json::json!({"handoff": id, "status": next.status.as_str()}),
            };
            append!(tx, head, std::slice::from_ref(&event));
            Handoff {
                answered_at: Some(at),
                ..next
            }
        });
        self.cache.changed();
        Ok(answered)
    }

    /// Hand-offs (from or to `person`, when given), latest first.
    pub async fn handoffs(self, person: Option<&str>) -> Result<Vec<Handoff>, StoreError> {
        let found = on_pool!(self, |pool| {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT {HANDOFF_COLUMNS} FROM handoffs WHERE ($1 IS NULL OR from_person = $1 OR to_person = $1) ORDER BY id DESC"
            )))
            .bind(person)
            .fetch_all(pool)
            .await?
            .iter()
            .map(handoff_of)
            .collect::<Result<Vec<_>, sqlx::Error>>()?
        });
        Ok(found)
    }

    /// The accepted hand-offs of `team`, oldest first: what its guide is
    /// compiled with.
    pub(crate) async fn accepted(self, team: &str) -> Result<Vec<Handoff>, StoreError> {
        let found = on_pool!(self, |pool| {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT {HANDOFF_COLUMNS} FROM handoffs WHERE team = $1 AND status = 'accepted' ORDER BY id"
            )))
            .bind(team)
            .fetch_all(pool)
            .await?
            .iter()
            .map(handoff_of)
            .collect::<Result<Vec<_>, sqlx::Error>>()?
        });
        Ok(found)
    }

    /// The overlay version in force.
    pub(crate) async fn overlay(self) -> Result<i64, StoreError> {
        let v = on_pool!(self, |pool| {
            sqlx::query("SELECT version FROM overlay WHERE id = 1")
                .fetch_one(pool)
                .await?
                .try_get("version")?
        });
        Ok(v)
    }
}
