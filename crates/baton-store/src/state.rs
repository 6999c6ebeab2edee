//! The resolver's org state, read from the log in one statement:
//! open-decision load, recent decisions for `spread`, outcomes for track
//! records.

use std::collections::{BTreeSet, HashMap};

use baton_core::Guide;
use baton_core::lifecycle::{Decision, OutcomeResult, Status};
use baton_core::resolve::{OrgState, Outcomes, PastDecision};
use chrono::{DateTime, Utc};

use crate::{Backend, Store, StoreError, on_pool};

/// The statuses whose decisions weigh on their decider's load, as SQL:
/// SPEC §4.2's open decisions, [`Status::counts_toward_load`].
macro_rules! load_statuses {
    () => {
        "('routed', 'deliberating', 'checking')"
    };
}
pub(crate) use load_statuses;

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
 WHERE status IN ", load_statuses!(), " GROUP BY decider
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

/// The chain head (`seq`, `hash`, `decisions`) and the records of the
/// decisions `$ids` names, as rows of the same four text columns: a write
/// batch's first read once it holds the write lock, alone or before the
/// org state, so that one round trip brings everything it plans from.
macro_rules! head_and_records {
    ($ids:literal) => {
        concat!(
            "SELECT 'head' AS kind, CAST(seq AS TEXT) AS person, hash AS a, CAST(decisions AS TEXT) AS b FROM chain_head WHERE id = 1
UNION ALL
SELECT 'record', CAST(id AS TEXT), record, '' FROM decisions WHERE id ",
            $ids
        )
    };
}

/// [`head_and_records!`] alone, the ids in `$1`: a JSON array on SQLite,
/// an array on PostgreSQL.
pub(crate) const SQLITE_HEAD: &str = head_and_records!("IN (SELECT value FROM json_each($1))");
pub(crate) const POSTGRES_HEAD: &str = head_and_records!("= ANY($1)");

/// The org-state statement in a dialect, with history of the spread types
/// only (`filtered`: `$5`, a JSON array, so the `decisions_history` index
/// finds just those rows) or of every type (`$5` is NULL); alone, or after
/// [`head_and_records!`] with the ids in `$6`. Two statements rather than
/// one `$5 IS NULL OR …`, which a prepared statement's generic plan cannot
/// use the index for.
fn statement(postgres: bool, filtered: bool, after_head: bool) -> &'static str {
    macro_rules! both {
        ($decided_at:literal, $types:literal, $ids:literal) => {
            (
                state_sql!($decided_at, $types),
                concat!(
                    head_and_records!($ids),
                    "\nUNION ALL\n",
                    state_sql!($decided_at, $types)
                ),
            )
        };
    }
    let (alone, after) = match (postgres, filtered) {
        (false, true) => both!(
            "decided_at",
            "AND type IN (SELECT value FROM json_each($5))",
            "IN (SELECT value FROM json_each($6))"
        ),
        (false, false) => both!(
            "decided_at",
            "AND $5 IS NULL",
            "IN (SELECT value FROM json_each($6))"
        ),
        (true, true) => both!(
            "to_char(decided_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')",
            "AND type = ANY(ARRAY(SELECT jsonb_array_elements_text($5::jsonb)))",
            "= ANY($6)"
        ),
        (true, false) => both!(
            "to_char(decided_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')",
            "AND $5::text IS NULL",
            "= ANY($6)"
        ),
    };
    if after_head { after } else { alone }
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
    postgres: bool,
    /// Whether any rule has a spread window, so history is read at all.
    pub spread: bool,
    pub team: String,
    pub from: DateTime<Utc>,
    pub at: DateTime<Utc>,
    /// The types any spread rule counts; `None` when one counts all.
    pub types: Option<BTreeSet<String>>,
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
        Self {
            postgres: matches!(backend, Backend::Postgres(_)),
            spread: widest.is_some(),
            team: guide.team.clone(),
            from: crate::shifted(
                early,
                -widest.map_or(chrono::TimeDelta::zero(), |w| w.as_chrono()),
            ),
            at: crate::shifted(late, chrono::TimeDelta::zero()),
            types: spread_types(guide),
        }
    }

    /// The statement, binding `$1` to `$5`.
    pub(crate) fn sql(&self) -> &'static str {
        statement(self.postgres, self.types.is_some(), false)
    }

    /// The statement after [`head_and_records!`], the ids in `$6`.
    pub(crate) fn sql_after_head(&self) -> &'static str {
        statement(self.postgres, self.types.is_some(), true)
    }

    /// `$5`: the spread types as a JSON array.
    pub(crate) fn types_json(&self) -> Option<String> {
        self.types
            .as_ref()
            .and_then(|types| serde_json::to_string(types).ok())
    }

    /// Whether `other` reads the same rows but for its window.
    pub(crate) fn reads_like(&self, other: &Self) -> bool {
        self.spread == other.spread && self.team == other.team && self.types == other.types
    }

    /// Widens the window to hold `other`'s too.
    pub(crate) fn widen(&mut self, other: &Self) {
        self.from = self.from.min(other.from);
        self.at = self.at.max(other.at);
    }
}

/// Binds a [`StateQuery`]'s parameters, `$1` to `$5`, to `$query`.
macro_rules! bind_state {
    ($query:expr, $state:expr) => {{
        let q: &$crate::state::StateQuery = $state;
        $query
            .bind(q.spread)
            .bind(&q.team)
            .bind(q.from)
            .bind(q.at)
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
) -> Result<(crate::chain::Head, HashMap<i64, String>), StoreError> {
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
            "record" => number(person, "a decision id").map(|id| {
                records.insert(id, std::mem::take(a));
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
                let (s, f) = weights(result);
                let (s, f) = (s * n, f * n);
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

/// What one outcome adds to a track record: (successes, failures), a
/// `partial` half of each (SPEC §4.5).
fn weights(result: &str) -> (f64, f64) {
    match result {
        "success" => (1.0, 0.0),
        "failure" => (0.0, 1.0),
        _ => (0.5, 0.5),
    }
}

/// What one decision row contributes to the org state [`state_sql!`]
/// reads: the columns its `load`, `history` and `track` rows look at.
#[derive(Debug, Clone)]
pub(crate) struct Footprint {
    team: String,
    decision_type: String,
    domains: Vec<String>,
    status: Status,
    decider: String,
    decided_at: Option<DateTime<Utc>>,
    decided_by: Option<String>,
    outcome: Option<OutcomeResult>,
}

impl Footprint {
    pub(crate) fn of(d: &Decision) -> Self {
        Self {
            team: d.team.clone(),
            decision_type: d.decision_type.clone(),
            domains: d.domains.clone(),
            status: d.status,
            decider: d.decider.clone(),
            decided_at: d.decided_at,
            decided_by: d.decided_by.clone(),
            outcome: d.outcome.as_ref().map(|o| o.result),
        }
    }
}

/// The org state one [`StateQuery`] read under the write lock, kept as the
/// database would answer it again while a batch writes: so that a batch
/// reads the state once, not once per decision it opens.
#[derive(Debug)]
pub(crate) struct Tally {
    pub query: StateQuery,
    pub org: OrgState,
    pub versions: (i64, i64),
}

impl Tally {
    /// The state `query` read as `rows`.
    pub(crate) fn new(query: StateQuery, rows: Vec<[String; 4]>) -> Result<Self, StoreError> {
        let (org, versions) = parse(rows)?;
        Ok(Self {
            query,
            org,
            versions,
        })
    }

    /// Moves the state as one decision row goes from `before` (`None`: it
    /// was not there) to `after`.
    pub(crate) fn moved(&mut self, before: Option<&Footprint>, after: &Footprint) {
        if let Some(before) = before {
            self.count(before, -1);
        }
        self.count(after, 1);
    }

    /// Adds (`sign` 1) or takes away (`sign` -1) one row's rows.
    fn count(&mut self, row: &Footprint, sign: i8) {
        if row.status.counts_toward_load() {
            let load = self.org.load.remove(&row.decider).unwrap_or(0);
            let load = i64::from(load) + i64::from(sign);
            if load > 0 {
                self.org
                    .load
                    .insert(row.decider.clone(), u32::try_from(load).unwrap_or(u32::MAX));
            }
        }
        let Some(by) = &row.decided_by else {
            return;
        };
        if let Some(decided_at) = row.decided_at {
            self.count_history(row, by, decided_at, sign);
        }
        if let Some(outcome) = row.outcome {
            let (s, f) = weights(outcome.as_str());
            let sign = f64::from(sign);
            for domain in &row.domains {
                let people = self.org.track.entry(domain.clone()).or_default();
                let o = people.entry(by.clone()).or_default();
                o.success += sign * s;
                o.failure += sign * f;
                // Counts are whole or half numbers: exact, so a record
                // taken back to nothing is nothing, as SQL would leave it.
                if o.success <= 0.0 && o.failure <= 0.0 {
                    people.remove(by);
                }
                if people.is_empty() {
                    self.org.track.remove(domain);
                }
            }
        }
    }

    /// History is whatever the query's window holds; a row outside it is
    /// outside every window the resolver asks about, so it may be added
    /// (or be missing when taken away) without changing an answer.
    fn count_history(&mut self, row: &Footprint, by: &str, decided_at: DateTime<Utc>, sign: i8) {
        let read = self.query.spread
            && row.team == self.query.team
            && self
                .query
                .types
                .as_ref()
                .is_none_or(|types| types.contains(&row.decision_type));
        if !read {
            return;
        }
        let history = &mut self.org.history;
        if sign > 0 {
            history.push(PastDecision {
                decision_type: row.decision_type.clone(),
                decider: by.to_owned(),
                decided_at,
            });
        } else if let Some(i) = history.iter().position(|p| {
            p.decided_at == decided_at && p.decider == by && p.decision_type == row.decision_type
        }) {
            history.swap_remove(i);
        }
    }
}

/// The decision types the guide's `spread` rules count; `None` when some
/// spread rule counts every type.
fn spread_types(guide: &Guide) -> Option<BTreeSet<String>> {
    let mut types = BTreeSet::new();
    for rule in guide.rules.iter().filter(|r| r.spread.is_some()) {
        types.extend(rule.types.as_ref()?.iter().cloned());
    }
    Some(types)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "a test fails loudly")]

    use baton_core::examples;
    use baton_core::lifecycle::{Action, Actor, OutcomeResult, Role};
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
    fn the_statement_counts_the_load_of_the_statuses_a_tally_counts() {
        let all = [
            "routed",
            "deliberating",
            "checking",
            "decided",
            "escalated",
            "withdrawn",
            "superseded",
        ];
        let counted: Vec<String> = all
            .iter()
            .filter(|s| Status::parse(s).unwrap().counts_toward_load())
            .map(|s| format!("'{s}'"))
            .collect();
        assert_eq!(counted.len(), 3);
        let clause = format!("status IN ({})", counted.join(", "));
        for (postgres, filtered) in [(false, true), (false, false), (true, true), (true, false)] {
            let sql = statement(postgres, filtered, false);
            assert!(sql.contains(&clause), "{sql}");
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
        assert_eq!(records.get(&3).map(String::as_str), Some("{}"));
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
            let d = store.open(&opening).await.unwrap();
            moved(None, &d);
            if n == 3 {
                let withdrawn = store
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
                    .act(d.id, &system, &Action::Tick, later)
                    .await
                    .unwrap();
                moved(Some(d), &ticked);
                d = ticked;
            }
            let after = if d.status == Status::Decided {
                d
            } else {
                let decide = Action::Decide {
                    option: "yes".into(),
                    rationale: "because".into(),
                    override_reason: None,
                    review_on: None,
                };
                let after = store
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
            let outcome = Action::Outcome {
                result,
                notes: String::new(),
            };
            let at = t0() + TimeDelta::days(5);
            let after = store
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
            let d = store.open(&opening).await.unwrap();
            moved(None, &d);
        }

        let fresh = read(&store).await.unwrap();
        let (load, history, track) = comparable(&fresh.org);
        let carried: u32 = load.iter().map(|(_, n)| n).sum();
        assert_eq!(carried, 2, "two decisions are still open: {load:?}");
        assert_eq!(
            history.len(),
            3,
            "three architecture decisions decided: {history:?}"
        );
        assert!(!track.is_empty());
        assert_eq!(comparable(&tally.org), (load, history, track));
        store.close().await;
    }
}
