//! The resolver's org state, read from the log: open-decision load, recent
//! decisions for `spread`, outcomes for track records.

use std::collections::HashMap;

use baton_core::Guide;
use baton_core::resolve::{OrgState, Outcomes, PastDecision};
use chrono::{DateTime, Utc};
use sqlx::Row;

use crate::{Store, StoreError, on_pool};

impl Store {
    /// What the resolver needs to know about the org at `at` to route a
    /// decision of `guide`'s team.
    pub async fn org_state(
        &self,
        guide: &Guide,
        at: DateTime<Utc>,
    ) -> Result<OrgState, StoreError> {
        let widest = guide
            .rules
            .iter()
            .filter_map(|r| r.spread.as_ref().map(|s| s.window))
            .max();
        let team = guide.team.as_str();
        let state = on_pool!(self, |pool| {
            let mut state = OrgState::default();
            // SPEC §4.2: open means routed, deliberating or checking.
            let rows = sqlx::query(
                "SELECT decider, COUNT(*) AS n FROM decisions WHERE status IN ('routed', 'deliberating', 'checking') GROUP BY decider",
            )
            .fetch_all(pool)
            .await?;
            for row in rows {
                let n: i64 = row.try_get("n")?;
                state.load.insert(
                    row.try_get("decider")?,
                    u32::try_from(n).unwrap_or(u32::MAX),
                );
            }
            if let Some(window) = widest {
                let rows = sqlx::query(
                    "SELECT type, decided_by, decided_at FROM decisions WHERE team = $1 AND decided_by IS NOT NULL AND decided_at > $2 AND decided_at <= $3",
                )
                .bind(team)
                .bind(at - window.as_chrono())
                .bind(at)
                .fetch_all(pool)
                .await?;
                for row in rows {
                    state.history.push(PastDecision {
                        decision_type: row.try_get("type")?,
                        decider: row.try_get("decided_by")?,
                        decided_at: row.try_get("decided_at")?,
                    });
                }
            }
            let rows = sqlx::query("SELECT decided_by, domains, outcome FROM decisions WHERE outcome IS NOT NULL AND decided_by IS NOT NULL")
                .fetch_all(pool)
                .await?;
            let mut track: HashMap<(String, String), Outcomes> = HashMap::new();
            for row in rows {
                let person: String = row.try_get("decided_by")?;
                let domains: String = row.try_get("domains")?;
                let outcome: String = row.try_get("outcome")?;
                let (s, f) = match outcome.as_str() {
                    "success" => (1.0, 0.0),
                    "failure" => (0.0, 1.0),
                    _ => (0.5, 0.5),
                };
                for domain in serde_json::from_str::<Vec<String>>(&domains).unwrap_or_default() {
                    let o = track.entry((person.clone(), domain)).or_default();
                    o.success += s;
                    o.failure += f;
                }
            }
            for ((person, domain), outcomes) in track {
                state.record(&person, &domain, outcomes);
            }
            state
        });
        Ok(state)
    }
}
