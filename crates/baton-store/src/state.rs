//! The resolver's org state, read from the log in one statement:
//! open-decision load, recent decisions for `spread`, outcomes for track
//! records. The rules are the core's fold (`baton_core::fold`); this SQL
//! reads what that fold gives without loading every decision, and a
//! property test below holds the two to the same answer.

use std::collections::HashMap;
use std::sync::LazyLock;

pub(crate) use baton_core::fold::Footprint;
use baton_core::fold::{Fold, HistoryScope};
use baton_core::lifecycle::{OutcomeResult, Status};
use baton_core::resolve::{OrgState, Outcomes, PastDecision};
use baton_core::{DecisionId, Guide};
use chrono::{DateTime, Utc};

use crate::dialect::Dialect;
use crate::{Backend, Store, StoreError, on_pool};

/// The statuses whose decisions weigh on their decider's load, as an SQL
/// list: [`Status::counts_toward_load`]'s, SPEC §4.2's open decisions.
pub(crate) fn load_statuses() -> &'static str {
    static LIST: LazyLock<String> = LazyLock::new(|| {
        let counted: Vec<String> = Status::ALL
            .iter()
            .filter(|s| s.counts_toward_load())
            .map(|s| format!("'{}'", s.as_str()))
            .collect();
        format!("({})", counted.join(", "))
    });
    &LIST
}

/// One statement, four kinds of rows, every column text: `load` (person,
/// count), `history` (person, type, decided_at), `track` (person,
/// domains as JSON, `outcome:count`) and `versions` (the directory and
/// guide versions in force, so a caller holding a compiled guide learns in
/// the same statement whether it is current). SPEC §4.2: open means routed,
/// deliberating or checking.
///
/// Load and outcomes are read from the tallies triggers keep
/// (`decider_load`, `outcome_tally`), and history only for the types a
/// `spread` rule counts (`$5`, a JSON array, when `filtered`), so the
/// statement's cost grows with the people and the window, not with the log
/// or the decisions still open. Two
/// statements rather than one `$5 IS NULL OR …`, which a prepared
/// statement's generic plan cannot use the `decisions_history` index for.
fn state_sql(dialect: Dialect, filtered: bool) -> String {
    let types = if filtered {
        format!("AND type {}", dialect.in_texts(5))
    } else {
        format!("AND {} IS NULL", dialect.text_param(5))
    };
    format!(
        "SELECT 'load' AS kind, person, '' AS a, CAST(open AS TEXT) AS b FROM decider_load WHERE open <> 0
UNION ALL
SELECT 'history', decided_by, type, {decided_at} FROM decisions
 WHERE $1 AND team = $2 AND decided_by IS NOT NULL AND decided_at > $3 AND decided_at <= $4 {types}
UNION ALL
SELECT 'track', person, domains, outcome || ':' || CAST(n AS TEXT) FROM outcome_tally WHERE n <> 0
UNION ALL
SELECT 'versions', '', CAST(COALESCE({directory_key}, 0) AS TEXT),
 CAST(COALESCE((SELECT MAX(id) FROM guide_versions WHERE team = $2), 0) AS TEXT)",
        decided_at = dialect.instant_text("decided_at"),
        directory_key = crate::availability::DIRECTORY_KEY,
    )
}

/// The chain head (`seq`, `hash`, `decisions`) and the records of the
/// decisions whose ids are parameter `$ids`, as rows of the same four text
/// columns: a write batch's first read once it holds the write lock, alone
/// or before the org state, so that one round trip brings everything it
/// plans from.
fn head_and_records_sql(dialect: Dialect, ids: usize) -> String {
    format!(
        "SELECT 'head' AS kind, CAST(seq AS TEXT) AS person, hash AS a, CAST(decisions AS TEXT) AS b FROM chain_head WHERE id = 1
UNION ALL
SELECT 'record', CAST(id AS TEXT), record, '' FROM decisions WHERE id {}",
        dialect.in_ids(ids)
    )
}

/// The chain head and records alone, the ids in `$1`.
pub(crate) fn head_sql(dialect: Dialect) -> &'static str {
    static SQL: LazyLock<[String; 2]> =
        LazyLock::new(|| [Dialect::Sqlite, Dialect::Postgres].map(|d| head_and_records_sql(d, 1)));
    &SQL[dialect as usize]
}

/// The org-state statement in a dialect, with history of the spread types
/// only (`filtered`) or of every type; alone, or after the chain head and
/// records with the ids in `$6`.
fn statement(dialect: Dialect, filtered: bool, after_head: bool) -> &'static str {
    static SQL: LazyLock<Vec<String>> = LazyLock::new(|| {
        let mut all = Vec::new();
        for dialect in [Dialect::Sqlite, Dialect::Postgres] {
            for filtered in [false, true] {
                let state = state_sql(dialect, filtered);
                let after = format!("{}\nUNION ALL\n{state}", head_and_records_sql(dialect, 6));
                all.extend([state, after]);
            }
        }
        all
    });
    &SQL[dialect as usize * 4 + usize::from(filtered) * 2 + usize::from(after_head)]
}

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
/// lock, once for all the opens of a kind, then keeps a [`Tally`] of it, so
/// load limits count every decision opened before).
#[derive(Debug, Clone)]
pub(crate) struct StateQuery {
    dialect: Dialect,
    /// The guide's team, whose guide version the statement reads too.
    pub team: String,
    /// The history to read; `None` when no rule has a spread window.
    pub scope: Option<HistoryScope>,
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
        Self {
            dialect: Dialect::of(backend),
            team: guide.team.clone(),
            scope: HistoryScope::for_guide(guide, early, late),
        }
    }

    fn filtered(&self) -> bool {
        self.scope.as_ref().is_some_and(|s| s.types.is_some())
    }

    /// The statement, binding `$1` to `$5`.
    pub(crate) fn sql(&self) -> &'static str {
        statement(self.dialect, self.filtered(), false)
    }

    /// The statement after [`head_and_records!`], the ids in `$6`.
    pub(crate) fn sql_after_head(&self) -> &'static str {
        statement(self.dialect, self.filtered(), true)
    }

    /// `$3` and `$4`: the history window, held within the years both
    /// databases store (empty when no history is read).
    pub(crate) fn window(&self) -> (DateTime<Utc>, DateTime<Utc>) {
        let held = |t| crate::shifted(t, chrono::TimeDelta::zero());
        self.scope
            .as_ref()
            .map_or((DateTime::UNIX_EPOCH, DateTime::UNIX_EPOCH), |s| {
                (held(s.from), held(s.to))
            })
    }

    /// `$5`: the spread types as a JSON array.
    pub(crate) fn types_json(&self) -> Option<String> {
        self.scope
            .as_ref()
            .and_then(|s| s.types.as_ref())
            .and_then(|types| serde_json::to_string(types).ok())
    }

    /// Whether `other` reads the same rows but for its window.
    pub(crate) fn reads_like(&self, other: &Self) -> bool {
        let types = |q: &Self| q.scope.as_ref().map(|s| s.types.clone());
        self.team == other.team && types(self) == types(other)
    }

    /// Widens the window to hold `other`'s too.
    pub(crate) fn widen(&mut self, other: &Self) {
        if let (Some(mine), Some(theirs)) = (&mut self.scope, &other.scope) {
            mine.widen(theirs);
        }
    }
}

/// Binds a [`StateQuery`]'s parameters, `$1` to `$5`, to `$query`.
macro_rules! bind_state {
    ($query:expr, $state:expr) => {{
        let q: &$crate::state::StateQuery = $state;
        let (from, to) = q.window();
        $query
            .bind(q.scope.is_some())
            .bind(&q.team)
            .bind(from)
            .bind(to)
            .bind(q.types_json())
    }};
}
pub(crate) use bind_state;

/// Runs the bound `$query` on `$executor` (a pool or `&mut *tx`) and
/// evaluates to its rows of four text columns, as every org-state
/// statement answers.
macro_rules! fetch_text_rows {
    ($executor:expr, $query:expr) => {
        $query
            .fetch_all($executor)
            .await?
            .iter()
            .map($crate::state::text_row)
            .collect::<Result<Vec<[String; 4]>, sqlx::Error>>()?
    };
}
pub(crate) use fetch_text_rows;

/// Runs a [`StateQuery`] on `$executor` (a pool or `&mut *tx`) and
/// evaluates to its rows, for [`parse`].
macro_rules! fetch_state {
    ($executor:expr, $query:expr) => {{
        let q: &$crate::state::StateQuery = &$query;
        $crate::state::fetch_text_rows!(
            $executor,
            $crate::state::bind_state!(sqlx::query(q.sql()), q)
        )
    }};
}
pub(crate) use fetch_state;

/// A row of four text columns.
pub(crate) fn text_row<R: sqlx::Row>(r: &R) -> Result<[String; 4], sqlx::Error>
where
    for<'r> String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'a> &'a str: sqlx::ColumnIndex<R>,
{
    Ok([
        r.try_get("kind")?,
        r.try_get("person")?,
        r.try_get("a")?,
        r.try_get("b")?,
    ])
}

/// A number the store wrote as text, or why it is not one.
fn number<T: std::str::FromStr>(text: &str, what: &str) -> Result<T, StoreError>
where
    T::Err: std::fmt::Display,
{
    text.parse()
        .map_err(|e| StoreError::Corrupt(format!("{what} `{text}` is not a number: {e}")))
}

/// Takes the chain head and the records out of the rows of a
/// [`head_and_records!`] statement, leaving the org state's.
pub(crate) fn head_and_records(
    rows: &mut Vec<[String; 4]>,
) -> Result<(crate::chain::Head, HashMap<DecisionId, String>), StoreError> {
    let mut head = None;
    let mut records = HashMap::new();
    let mut error = None;
    rows.retain_mut(|[kind, person, a, b]| {
        let read = match kind.as_str() {
            "head" => number(person, "the chain head's seq").and_then(|seq| {
                let decisions = number(b, "the chain head's decision count")?;
                head = Some(crate::chain::Head {
                    seq,
                    hash: std::mem::take(a),
                    decisions,
                });
                Ok(())
            }),
            "record" => number(person, "a decision id").and_then(|id| {
                let id = DecisionId::new(id).map_err(|e| StoreError::Corrupt(e.to_string()))?;
                records.insert(id, std::mem::take(a));
                Ok(())
            }),
            _ => return true,
        };
        if let Err(e) = read {
            error.get_or_insert(e);
        }
        false
    });
    if let Some(e) = error {
        return Err(e);
    }
    let head = head.ok_or_else(|| StoreError::Corrupt("the chain head row is missing".into()))?;
    Ok((head, records))
}

/// The org state and the (directory, guide) versions from the rows of a
/// [`StateQuery`].
pub(crate) fn parse(rows: Vec<[String; 4]>) -> Result<(OrgState, (i64, i64)), StoreError> {
    let mut state = OrgState::default();
    let mut track: HashMap<(String, String), Outcomes> = HashMap::new();
    let mut versions = (0, 0);
    for [kind, person, a, b] in rows {
        match kind.as_str() {
            "versions" => {
                versions = (
                    number(&a, "the directory version")?,
                    number(&b, "the guide version")?,
                );
            }
            "load" => {
                let load = number(&b, "a load")?;
                state.load.insert(person, load);
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
                let n: f64 = number(count, "an outcome count")?;
                let result = OutcomeResult::parse(result).ok_or_else(|| {
                    StoreError::Corrupt(format!("outcome `{result}` is not an outcome"))
                })?;
                let weight = baton_core::fold::weight(result);
                let (s, f) = (weight.success * n, weight.failure * n);
                let domains: Vec<String> = serde_json::from_str(&a)
                    .map_err(|e| StoreError::Corrupt(format!("domains `{a}` do not parse: {e}")))?;
                for domain in domains {
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

/// The org state one [`StateQuery`] read under the write lock, moved as a
/// batch writes by the core's fold, as the database would answer it again:
/// so that a batch reads the state once, not once per decision it opens.
#[derive(Debug)]
pub(crate) struct Tally {
    pub query: StateQuery,
    fold: Fold,
    pub versions: (i64, i64),
}

impl Tally {
    /// The state `query` read as `rows`.
    pub(crate) fn new(query: StateQuery, rows: Vec<[String; 4]>) -> Result<Self, StoreError> {
        let (org, versions) = parse(rows)?;
        Ok(Self {
            fold: Fold::from_state(query.scope.clone(), org),
            query,
            versions,
        })
    }

    pub(crate) fn org(&self) -> &OrgState {
        self.fold.state()
    }

    /// Moves the state as one decision row goes from `before` (`None`: it
    /// was not there) to `after`.
    pub(crate) fn moved(&mut self, before: Option<&Footprint>, after: &Footprint) {
        self.fold.moved(before, after);
    }
}

#[cfg(test)]
mod agrees_with_fold;

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "a test fails loudly")]

    use baton_core::examples;
    use baton_core::lifecycle::act;
    use baton_core::lifecycle::{Action, Actor, Decision, OutcomeResult, Role, Status};
    use chrono::TimeDelta;

    use super::*;
    use crate::Opening;

    fn t0() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-03-01T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    /// The org state as comparable values: history in a stable order.
    fn comparable(org: &OrgState) -> (Vec<(String, u32)>, Vec<String>, Vec<String>) {
        let mut load: Vec<(String, u32)> = org.load.clone().into_iter().collect();
        load.sort();
        let mut history: Vec<String> = org
            .history
            .iter()
            .map(|p| format!("{} {} {}", p.decision_type, p.decider, p.decided_at))
            .collect();
        history.sort();
        let mut track: Vec<String> = org
            .track
            .iter()
            .flat_map(|(domain, people)| {
                people
                    .iter()
                    .map(move |(person, o)| format!("{domain} {person} {o:?}"))
            })
            .collect();
        track.sort();
        (load, history, track)
    }

    #[test]
    fn load_counts_the_open_statuses_of_spec_4_2_in_every_tally() {
        assert_eq!(load_statuses(), "('routed', 'checking', 'deliberating')");
        let clause = format!("status IN {}", load_statuses());
        // The triggers that keep `decider_load` name the statuses in SQL.
        for migration in [
            include_str!("../migrations/sqlite/0019_tallies.sql"),
            include_str!("../migrations/postgres/0019_tallies.sql"),
        ] {
            let named = migration.matches("status IN (").count();
            assert!(named >= 3, "{migration}");
            assert_eq!(migration.matches(&clause).count(), named, "{migration}");
        }
        let mut seen = std::collections::BTreeSet::new();
        for dialect in [Dialect::Sqlite, Dialect::Postgres] {
            for (filtered, after_head) in
                [(false, false), (false, true), (true, false), (true, true)]
            {
                let sql = statement(dialect, filtered, after_head);
                assert!(sql.contains("FROM decider_load"), "{sql}");
                assert_eq!(sql.contains("'head'"), after_head, "{sql}");
                assert!(seen.insert(sql), "two statements are the same: {sql}");
            }
        }
    }

    fn row(kind: &str, person: &str, a: &str, b: &str) -> [String; 4] {
        [kind, person, a, b].map(str::to_owned)
    }

    #[test]
    fn the_head_and_records_are_taken_out_and_the_state_rows_left() {
        let mut rows = vec![
            row("load", "kim", "", "2"),
            row("head", "7", "abc", "3"),
            row("record", "3", "{}", ""),
        ];
        let (head, records) = head_and_records(&mut rows).unwrap();
        assert_eq!(
            (head.seq, head.hash.as_str(), head.decisions),
            (7, "abc", 3)
        );
        assert_eq!(
            records
                .get(&DecisionId::new(3).unwrap())
                .map(String::as_str),
            Some("{}")
        );
        assert_eq!(rows, vec![row("load", "kim", "", "2")]);
    }

    #[test]
    fn a_missing_head_or_a_number_that_is_not_one_is_a_corrupt_store() {
        for (mut rows, said) in [
            (vec![row("record", "3", "{}", "")], "head row is missing"),
            (vec![row("head", "x", "abc", "3")], "seq `x`"),
            (
                vec![
                    row("head", "7", "abc", "3"),
                    row("record", "three", "{}", ""),
                ],
                "id `three`",
            ),
        ] {
            let err = head_and_records(&mut rows).unwrap_err();
            assert!(matches!(err, StoreError::Corrupt(_)), "{err}");
            assert!(err.to_string().contains(said), "{err}");
        }
        let err = parse(vec![row("versions", "", "one", "2")]).unwrap_err();
        assert!(err.to_string().contains("directory version `one`"), "{err}");
    }

    fn the_decider(d: &Decision) -> Actor {
        Actor {
            person: d.decider.clone(),
            role: Role::Member,
        }
    }

    #[tokio::test]
    async fn a_tally_moved_by_each_change_reads_as_the_database_then_would() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("tally.db").display());
        let store = crate::Store::connect(&url).await.unwrap();
        store
            .apply(
                Some(("org.yaml", examples::ORG)),
                &[("deference.yaml", examples::GUIDE)],
                t0(),
            )
            .await
            .unwrap();
        let (_, _, guide) = store.guide_trusting("platform", false).await.unwrap();
        let end = t0() + TimeDelta::days(10);
        let query = StateQuery::new(&store.backend, &guide, t0(), end);
        let read = async |store: &crate::Store| -> Result<Tally, StoreError> {
            let rows = on_pool!(store, |pool| fetch_state!(pool, query));
            Tally::new(query.clone(), rows)
        };
        let mut tally = read(&store).await.unwrap();
        let mut moved = |before: Option<Decision>, after: &Decision| {
            tally.moved(
                before.as_ref().map(Footprint::of).as_ref(),
                &Footprint::of(after),
            );
        };

        let mut decided = Vec::new();
        for (n, kind) in [
            "architecture",
            "incident",
            "architecture",
            "tooling",
            "architecture",
        ]
        .into_iter()
        .enumerate()
        {
            let at = t0() + TimeDelta::hours(n as i64);
            let opening = Opening {
                team: "platform".into(),
                decision_type: kind.into(),
                title: format!("{kind} {n}"),
                context: serde_json::json!({}),
                requester: "ana".into(),
                at,
            };
            let d = store.decisions().open(&opening).await.unwrap();
            moved(None, &d);
            if n == 3 {
                let withdrawn = store
                    .decisions()
                    .act(
                        d.id,
                        &Actor {
                            person: "ana".into(),
                            role: Role::Member,
                        },
                        &Action::Withdraw,
                        at,
                    )
                    .await
                    .unwrap();
                moved(Some(d), &withdrawn);
                continue;
            }
            // After any consensus check has closed, which may decide it.
            let later = at + TimeDelta::days(2);
            let mut d = d;
            if d.status == Status::Checking {
                let system = Actor {
                    person: baton_core::lifecycle::SYSTEM.into(),
                    role: Role::Member,
                };
                let ticked = store
                    .decisions()
                    .act(d.id, &system, &Action::Tick, later)
                    .await
                    .unwrap();
                moved(Some(d), &ticked);
                d = ticked;
            }
            let after = if d.status == Status::Decided {
                d
            } else {
                let decide = Action::Decide(act::Decide {
                    option: "yes".into(),
                    rationale: "because".into(),
                    override_reason: None,
                    review_on: None,
                });
                let after = store
                    .decisions()
                    .act(d.id, &the_decider(&d), &decide, later)
                    .await
                    .unwrap();
                moved(Some(d), &after);
                after
            };
            decided.push(after);
        }
        for (d, result) in decided.into_iter().zip([
            OutcomeResult::Success,
            OutcomeResult::Partial,
            OutcomeResult::Failure,
        ]) {
            let outcome = Action::Outcome(act::Outcome {
                result,
                notes: String::new(),
            });
            let at = t0() + TimeDelta::days(5);
            let after = store
                .decisions()
                .act(d.id, &the_decider(&d), &outcome, at)
                .await
                .unwrap();
            moved(Some(d), &after);
        }

        // Two left open: their deciders carry them as load.
        for n in 0..2 {
            let opening = Opening {
                team: "platform".into(),
                decision_type: "incident".into(),
                title: format!("still open {n}"),
                context: serde_json::json!({}),
                requester: "ana".into(),
                at: t0() + TimeDelta::days(6),
            };
            let d = store.decisions().open(&opening).await.unwrap();
            moved(None, &d);
        }

        let fresh = read(&store).await.unwrap();
        let (load, history, track) = comparable(fresh.org());
        let carried: u32 = load.iter().map(|(_, n)| n).sum();
        assert_eq!(carried, 2, "two decisions are still open: {load:?}");
        assert_eq!(
            history.len(),
            3,
            "three architecture decisions decided: {history:?}"
        );
        assert!(!track.is_empty());
        assert_eq!(comparable(tally.org()), (load, history, track));
        store.close().await;
    }
}
