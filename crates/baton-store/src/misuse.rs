//! Reports of misuse as stored: anonymous ones under a random key with the
//! day only and no person, signed ones with their author, time and audit
//! event. Which may be shown, and when, is `baton_core::misuse`'s.

use baton_core::DecisionId;
use baton_core::lifecycle::{Event, EventKind};
use baton_core::misuse::Anonymous;
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use sqlx::Row;

use crate::chain::append;
use crate::{Misuse, StoreError, micros, on_pool, write_tx};

/// A report its author signed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Signed {
    pub decision: Option<DecisionId>,
    pub team: Option<String>,
    pub text: String,
    pub by: String,
    pub at: DateTime<Utc>,
}

/// A random positive key: it says nothing of when a report came.
fn random_key() -> Result<i64, StoreError> {
    let mut bytes = [0u8; 8];
    getrandom::fill(&mut bytes)
        .map_err(|e| StoreError::Corrupt(format!("no randomness for a report's key: {e}")))?;
    Ok(i64::from_le_bytes(bytes) & i64::MAX)
}

impl Misuse<'_> {
    /// Keeps an anonymous report: no person, the day only, no audit event
    /// (an event would carry an actor and an instant).
    pub async fn report_anonymous(self, report: &Anonymous) -> Result<(), StoreError> {
        let id = random_key()?;
        on_pool!(self, |pool| {
            sqlx::query("INSERT INTO misuse_reports (id, decision_id, team, body, day) VALUES ($1, $2, $3, $4, $5)")
                .bind(id)
                .bind(report.decision.map(|d| d.get()))
                .bind(&report.team)
                .bind(&report.text)
                .bind(report.day.to_string())
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    /// Keeps a signed report with its `misuse_signed` event.
    pub async fn report_signed(self, report: &Signed) -> Result<(), StoreError> {
        let id = random_key()?;
        let at = micros(report.at);
        write_tx!(self, |tx, head| {
            sqlx::query("INSERT INTO misuse_reports (id, decision_id, team, body, day, signed_by, signed_at) VALUES ($1, $2, $3, $4, $5, $6, $7)")
                .bind(id)
                .bind(report.decision.map(|d| d.get()))
                .bind(&report.team)
                .bind(&report.text)
                .bind(at.date_naive().to_string())
                .bind(&report.by)
                .bind(at)
                .execute(&mut *tx)
                .await?;
            let event = Event {
                decision: report.decision,
                kind: EventKind::MisuseSigned,
                actor: report.by.clone(),
                at,
                data: serde_json::json!({"decision": report.decision, "team": report.team}),
            };
            append!(tx, head, std::slice::from_ref(&event));
        });
        Ok(())
    }

    /// Every anonymous report, in no particular order.
    pub async fn anonymous(self) -> Result<Vec<Anonymous>, StoreError> {
        let rows: Vec<(Option<i64>, Option<String>, String, String)> = on_pool!(self, |pool| {
            sqlx::query("SELECT decision_id, team, body, day FROM misuse_reports WHERE signed_by IS NULL ORDER BY day, body")
                .fetch_all(pool)
                .await?
                .iter()
                .map(|r| Ok((r.try_get("decision_id")?, r.try_get("team")?, r.try_get("body")?, r.try_get("day")?)))
                .collect::<Result<_, sqlx::Error>>()?
        });
        rows.into_iter()
            .map(|(decision, team, text, day)| {
                Ok(Anonymous {
                    decision: decision.and_then(|d| DecisionId::new(d).ok()),
                    team,
                    text,
                    day: day
                        .parse::<NaiveDate>()
                        .map_err(|e| StoreError::Corrupt(format!("a misuse report's day: {e}")))?,
                })
            })
            .collect()
    }

    /// Every signed report, latest first.
    pub async fn signed(self) -> Result<Vec<Signed>, StoreError> {
        let found = on_pool!(self, |pool| {
            let rows = sqlx::query("SELECT decision_id, team, body, signed_by, signed_at FROM misuse_reports WHERE signed_by IS NOT NULL ORDER BY signed_at DESC")
                .fetch_all(pool)
                .await?;
            let mut out = Vec::with_capacity(rows.len());
            for r in &rows {
                out.push(Signed {
                    decision: r
                        .try_get::<Option<i64>, _>("decision_id")?
                        .and_then(|d| DecisionId::new(d).ok()),
                    team: r.try_get("team")?,
                    text: r.try_get("body")?,
                    by: r.try_get("signed_by")?,
                    at: r.try_get("signed_at")?,
                });
            }
            out
        });
        Ok(found)
    }
}
