//! Pilots: a team's guide version run for a period, kept with the audit
//! event that created it.

use baton_core::analytics::pilot::PilotSpec;
use baton_core::lifecycle::{Event, EventKind};
use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::Row;

use crate::chain::append;
use crate::{Pilots, StoreError, micros, next_id, on_pool, write_tx};

/// A pilot as stored.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Pilot {
    pub id: i64,
    #[serde(flatten)]
    pub spec: PilotSpec,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
}

fn parse(
    id: i64,
    spec: &str,
    created_at: DateTime<Utc>,
    created_by: String,
) -> Result<Pilot, StoreError> {
    let spec: PilotSpec =
        serde_json::from_str(spec).map_err(|e| StoreError::Corrupt(format!("pilot {id}: {e}")))?;
    Ok(Pilot {
        id,
        spec,
        created_at,
        created_by,
    })
}

impl Pilots<'_> {
    /// Records a pilot, with its audit event; its checks are the
    /// application's.
    pub async fn create(
        self,
        spec: &PilotSpec,
        by: &str,
        at: DateTime<Utc>,
    ) -> Result<Pilot, StoreError> {
        let at = micros(at);
        let text = serde_json::to_string(spec).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let id = write_tx!(self, |tx, head| {
            let id: i64 = next_id!(tx, "pilots");
            sqlx::query(
                "INSERT INTO pilots (id, spec, created_at, created_by) VALUES ($1, $2, $3, $4)",
            )
            .bind(id)
            .bind(&text)
            .bind(at)
            .bind(by)
            .execute(&mut *tx)
            .await?;
            let event = Event {
                decision: None,
                kind: EventKind::PilotCreated,
                actor: by.to_owned(),
                at,
                data: serde_json::json!({"pilot": id, "spec": spec}),
            };
            append!(tx, head, std::slice::from_ref(&event));
            id
        });
        Ok(Pilot {
            id,
            spec: spec.clone(),
            created_at: at,
            created_by: by.to_owned(),
        })
    }

    /// Every pilot, newest first.
    pub async fn list(self) -> Result<Vec<Pilot>, StoreError> {
        let rows: Vec<(i64, String, DateTime<Utc>, String)> = on_pool!(self, |pool| {
            sqlx::query("SELECT id, spec, created_at, created_by FROM pilots ORDER BY id DESC")
                .fetch_all(pool)
                .await?
                .iter()
                .map(|r| {
                    Ok((
                        r.try_get("id")?,
                        r.try_get("spec")?,
                        r.try_get("created_at")?,
                        r.try_get("created_by")?,
                    ))
                })
                .collect::<Result<_, sqlx::Error>>()?
        });
        rows.into_iter()
            .map(|(id, spec, at, by)| parse(id, &spec, at, by))
            .collect()
    }

    /// Pilot `id`.
    pub async fn get(self, id: i64) -> Result<Pilot, StoreError> {
        let row: Option<(String, DateTime<Utc>, String)> = on_pool!(self, |pool| {
            sqlx::query("SELECT spec, created_at, created_by FROM pilots WHERE id = $1")
                .bind(id)
                .fetch_optional(pool)
                .await?
                .map(|r| {
                    Ok::<_, sqlx::Error>((
                        r.try_get("spec")?,
                        r.try_get("created_at")?,
                        r.try_get("created_by")?,
                    ))
                })
                .transpose()?
        });
        let (spec, at, by) =
            row.ok_or_else(|| StoreError::Missing(format!("pilot {id} does not exist")))?;
        parse(id, &spec, at, by)
    }
}
