//! The resolver's org state, read from the log in one statement:
//! open-decision load, recent decisions for `spread`, outcomes for track
//! records.

use std::collections::HashMap;

use baton_core::Guide;
use baton_core::resolve::{OrgState, Outcomes, PastDecision};
use chrono::{DateTime, Utc};

use crate::{Backend, Store, StoreError, on_pool};

/// One statement, four kinds of rows, every column text: `load` (person,
/// count), `history` (person, type, decided_at), `track` (person,
/// domains as JSON, `outcome:count`) and `versions` (the directory and
/// guide versions in force, so a caller holding a compiled guide learns in
/// the same statement whether it is current). SPEC §4.2: open means routed,
/// deliberating or checking.
///
/// History is read only for the types a `spread` rule counts (`$5`, a JSON
/// array, or NULL for every type), and outcomes are counted in SQL, so the
/// rows returned grow with the people and the window, not with the log.
macro_rules! state_sql {
    ($decided_at:literal, $types:literal) => {
        concat!(
            "SELECT 'load' AS kind, decider AS person, '' AS a, CAST(COUNT(*) AS TEXT) AS b FROM decisions
 WHERE status IN ('routed', 'deliberating', 'checking') GROUP BY decider
UNION ALL
SELECT 'history', decided_by, type, ", $decided_at, " FROM decisions
 WHERE $1 AND team = $2 AND decided_by IS NOT NULL AND decided_at > $3 AND decided_at <= $4 ", $types, "
UNION ALL
SELECT 'track', decided_by, domains, outcome || ':' || CAST(COUNT(*) AS TEXT) FROM decisions
 WHERE outcome IS NOT NULL AND decided_by IS NOT NULL GROUP BY decided_by, domains, outcome
UNION ALL
SELECT 'versions', '', CAST(COALESCE((SELECT MAX(id) FROM org_versions), 0) AS TEXT),
 CAST(COALESCE((SELECT MAX(id) FROM guide_versions WHERE team = $2), 0) AS TEXT)"
        )
    };
}

/// The statement in each dialect, with history of the spread types only
/// (`$5`, a JSON array: the `decisions_history` index finds just those
/// rows) or of every type (`$5` is NULL). Two statements rather than one
/// `$5 IS NULL OR …`, which a prepared statement's generic plan cannot use
/// the index for.
const SQLITE_TYPES: &str = state_sql!(
    "decided_at",
    "AND type IN (SELECT value FROM json_each($5))"
);
const SQLITE_ALL: &str = state_sql!("decided_at", "AND $5 IS NULL");
const POSTGRES_TYPES: &str = state_sql!(
    "to_char(decided_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')",
    "AND type = ANY(ARRAY(SELECT jsonb_array_elements_text($5::jsonb)))"
);
const POSTGRES_ALL: &str = state_sql!(
    "to_char(decided_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')",
    "AND $5::text IS NULL"
);

impl Store {
    /// What the resolver needs to know about the org at `at` to route a
    /// decision of `guide`'s team.
    pub async fn org_state(
        &self,
        guide: &Guide,
        at: DateTime<Utc>,
    ) -> Result<OrgState, StoreError> {
        self.org_state_between(guide, at, at).await
    }

    /// The org state with the history of every instant in `[early, late]`:
    /// a superset the resolver narrows to each rule's exact window.
    pub(crate) async fn org_state_between(
        &self,
        guide: &Guide,
        early: DateTime<Utc>,
        late: DateTime<Utc>,
    ) -> Result<OrgState, StoreError> {
        let query = StateQuery::new(&self.backend, guide, early, late);
        let rows = on_pool!(self, |pool| fetch_state!(pool, query));
        Ok(parse(rows)?.0)
    }
}

/// The org-state statement for one guide and window, ready to run on a
/// pool or inside a write transaction (`batch` reads it under the write
/// lock, so load limits count every decision opened before).
#[derive(Debug, Clone)]
pub(crate) struct StateQuery {
    pub sql: &'static str,
    /// Whether any rule has a spread window, so history is read at all.
    pub spread: bool,
    pub team: String,
    pub from: DateTime<Utc>,
    pub at: DateTime<Utc>,
    /// The types any spread rule counts, as JSON; `None` when one counts all.
    pub types: Option<String>,
}

impl StateQuery {
    /// The history of every instant in `[early, late]` is read: a superset
    /// the resolver narrows to each rule's exact window.
    pub(crate) fn new(
        backend: &Backend,
        guide: &Guide,
        early: DateTime<Utc>,
        late: DateTime<Utc>,
    ) -> Self {
        let widest = guide
            .rules
            .iter()
            .filter_map(|r| r.spread.as_ref().map(|s| s.window))
            .max();
        let types = spread_types(guide);
        Self {
            sql: match (backend, types.is_some()) {
                (Backend::Sqlite(_), true) => SQLITE_TYPES,
                (Backend::Sqlite(_), false) => SQLITE_ALL,
                (Backend::Postgres(_), true) => POSTGRES_TYPES,
                (Backend::Postgres(_), false) => POSTGRES_ALL,
            },
            spread: widest.is_some(),
            team: guide.team.clone(),
            from: crate::shifted(
                early,
                -widest.map_or(chrono::TimeDelta::zero(), |w| w.as_chrono()),
            ),
            at: crate::shifted(late, chrono::TimeDelta::zero()),
            types,
        }
    }
}

/// Runs a [`StateQuery`] on `$executor` (a pool or `&mut *tx`) and
/// evaluates to its rows, for [`parse`].
macro_rules! fetch_state {
    ($executor:expr, $query:expr) => {{
        let q: &$crate::state::StateQuery = &$query;
        sqlx::query(q.sql)
            .bind(q.spread)
            .bind(&q.team)
            .bind(q.from)
            .bind(q.at)
            .bind(&q.types)
            .fetch_all($executor)
            .await?
            .iter()
            .map(|r| {
                Ok([
                    sqlx::Row::try_get(r, "kind")?,
                    sqlx::Row::try_get(r, "person")?,
                    sqlx::Row::try_get(r, "a")?,
                    sqlx::Row::try_get(r, "b")?,
                ])
            })
            .collect::<Result<Vec<[String; 4]>, sqlx::Error>>()?
    }};
}
pub(crate) use fetch_state;

/// The org state and the (directory, guide) versions from the rows of a
/// [`StateQuery`].
pub(crate) fn parse(rows: Vec<[String; 4]>) -> Result<(OrgState, (i64, i64)), StoreError> {
    let mut state = OrgState::default();
    let mut track: HashMap<(String, String), Outcomes> = HashMap::new();
    let mut versions = (0, 0);
    for [kind, person, a, b] in rows {
        match kind.as_str() {
            "versions" => {
                versions = (a.parse().unwrap_or(0), b.parse().unwrap_or(0));
            }
            "load" => {
                state.load.insert(person, b.parse().unwrap_or(u32::MAX));
            }
            "history" => {
                let decided_at = DateTime::parse_from_rfc3339(&b)
                    .map_err(|e| {
                        StoreError::Corrupt(format!("decided_at `{b}` does not parse: {e}"))
                    })?
                    .with_timezone(&Utc);
                state.history.push(PastDecision {
                    decision_type: a,
                    decider: person,
                    decided_at,
                });
            }
            _ => {
                let (result, count) = b.rsplit_once(':').unwrap_or((b.as_str(), "1"));
                let n: f64 = count.parse().unwrap_or(1.0);
                let (s, f) = match result {
                    "success" => (n, 0.0),
                    "failure" => (0.0, n),
                    _ => (0.5 * n, 0.5 * n),
                };
                for domain in serde_json::from_str::<Vec<String>>(&a).unwrap_or_default() {
                    let o = track.entry((person.clone(), domain)).or_default();
                    o.success += s;
                    o.failure += f;
                }
            }
        }
    }
    for ((person, domain), outcomes) in track {
        state.record(&person, &domain, outcomes);
    }
    Ok((state, versions))
}

/// The decision types the guide's `spread` rules count, as a JSON array;
/// `None` when some spread rule counts every type.
fn spread_types(guide: &Guide) -> Option<String> {
    let mut types = std::collections::BTreeSet::new();
    for rule in guide.rules.iter().filter(|r| r.spread.is_some()) {
        types.extend(rule.types.as_ref()?.iter().cloned());
    }
    serde_json::to_string(&types).ok()
}
