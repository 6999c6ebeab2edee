//! The `decisions` row, declared once: each column's name, whether a change
//! saves it, its kind, and its value for a decision. Every writer (the
//! batch's SQLite and PostgreSQL statements, imports) binds from this
//! table, and `verify` reads every column back against the record by it.
//! Adding a column is one migration per dialect and one line here.

use baton_core::lifecycle::Decision;
use chrono::{DateTime, Utc};

/// What a column holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Int,
    Text,
    MaybeText,
    Time,
    MaybeTime,
    Flag,
    /// The decision's whole record, as JSON: bound from the text the
    /// writer made once, never from the decision again.
    Record,
}

impl Kind {
    /// The column's PostgreSQL type, for the array parameters of the
    /// batch's one statement.
    pub(crate) fn postgres(self) -> &'static str {
        match self {
            Kind::Int => "bigint",
            Kind::Text | Kind::MaybeText | Kind::Record => "text",
            Kind::Time | Kind::MaybeTime => "timestamptz",
            Kind::Flag => "boolean",
        }
    }
}

/// One column's value for one decision.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Cell {
    Int(i64),
    Text(String),
    MaybeText(Option<String>),
    Time(DateTime<Utc>),
    MaybeTime(Option<DateTime<Utc>>),
    Flag(bool),
    Record,
}

impl Cell {
    /// The value as `verify` compares it: instants to the microsecond, as
    /// both backends store them; an absent value as empty.
    pub(crate) fn text(&self) -> String {
        match self {
            Cell::Int(v) => v.to_string(),
            Cell::Text(v) => v.clone(),
            Cell::MaybeText(v) => v.clone().unwrap_or_default(),
            Cell::Time(t) => instant(*t),
            Cell::MaybeTime(t) => t.map(instant).unwrap_or_default(),
            Cell::Flag(v) => v.to_string(),
            Cell::Record => String::new(),
        }
    }
}

/// An instant to the microsecond, as both backends store it.
pub(crate) fn instant(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

pub(crate) struct Column {
    pub name: &'static str,
    pub kind: Kind,
    /// Written by every change, not only when the decision is opened.
    pub saved: bool,
    pub of: fn(&Decision) -> Cell,
}

const fn column(name: &'static str, kind: Kind, saved: bool, of: fn(&Decision) -> Cell) -> Column {
    Column {
        name,
        kind,
        saved,
        of,
    }
}

/// Every column, in the order writers bind them; `record` last.
pub(crate) const COLUMNS: [Column; 25] = [
    column("id", Kind::Int, false, |d| Cell::Int(d.id.get())),
    column("team", Kind::Text, false, |d| Cell::Text(d.team.clone())),
    column("type", Kind::Text, false, |d| {
        Cell::Text(d.decision_type.clone())
    }),
    column("title", Kind::Text, false, |d| Cell::Text(d.title.clone())),
    column("requester", Kind::Text, false, |d| {
        Cell::Text(d.requester.clone())
    }),
    column("framework", Kind::Text, false, |d| {
        Cell::Text(d.resolution.framework.as_str().to_owned())
    }),
    column("rule", Kind::Text, false, |d| {
        Cell::Text(d.resolution.rule.clone())
    }),
    column("guide_version", Kind::Text, false, |d| {
        Cell::Text(d.resolution.guide_version.clone())
    }),
    column("domains", Kind::Text, false, |d| Cell::Text(domains(d))),
    column("opened_at", Kind::Time, false, |d| Cell::Time(d.opened_at)),
    column("decider", Kind::Text, true, |d| {
        Cell::Text(d.decider.clone())
    }),
    column("decided_by", Kind::MaybeText, true, |d| {
        Cell::MaybeText(d.decided_by.clone())
    }),
    column("status", Kind::Text, true, |d| {
        Cell::Text(d.status.as_str().to_owned())
    }),
    column("decided_at", Kind::MaybeTime, true, |d| {
        Cell::MaybeTime(d.decided_at)
    }),
    column("escalated", Kind::Flag, true, |d| Cell::Flag(d.escalated)),
    column("overridden", Kind::Flag, true, |d| Cell::Flag(d.overridden)),
    column("outcome", Kind::MaybeText, true, |d| {
        Cell::MaybeText(d.outcome.as_ref().map(|o| o.result.as_str().to_owned()))
    }),
    column("review_on", Kind::MaybeText, true, |d| {
        Cell::MaybeText(d.review_on.map(|day| day.to_string()))
    }),
    column("version", Kind::Int, true, |d| Cell::Int(d.version)),
    column("routed_decider", Kind::Text, false, |d| {
        Cell::Text(d.resolution.decider.clone())
    }),
    column("delegate", Kind::MaybeText, true, |d| {
        Cell::MaybeText(d.delegate.clone())
    }),
    column("override_reason", Kind::MaybeText, true, |d| {
        Cell::MaybeText(d.override_reason.clone())
    }),
    column("outcome_at", Kind::MaybeTime, true, |d| {
        Cell::MaybeTime(d.outcome.as_ref().map(|o| o.at))
    }),
    column("escalated_at", Kind::MaybeTime, true, |d| {
        Cell::MaybeTime(d.escalated_at)
    }),
    column("record", Kind::Record, true, |_| Cell::Record),
];

/// The parameters of one decision row.
pub(crate) const PARAMS: usize = COLUMNS.len();

/// The columns every change writes, in [`COLUMNS`] order.
pub(crate) fn saved() -> impl Iterator<Item = &'static Column> {
    COLUMNS.iter().filter(|c| c.saved)
}

/// How many columns a change writes.
pub(crate) fn saved_count() -> usize {
    saved().count()
}

/// Every column's name, comma-separated, in [`COLUMNS`] order.
pub(crate) fn names() -> String {
    COLUMNS
        .iter()
        .map(|c| c.name)
        .collect::<Vec<_>>()
        .join(", ")
}

/// The `domains` column: the decision's domains as a JSON array.
pub(crate) fn domains(d: &Decision) -> String {
    serde_json::to_string(&d.domains).unwrap_or_default()
}

/// The `record` column: the decision's whole record as JSON.
pub(crate) fn record_json(d: &Decision) -> Result<String, crate::StoreError> {
    serde_json::to_string(d).map_err(|e| crate::StoreError::Corrupt(e.to_string()))
}

/// Binds one [`Cell`] to `$query`; `$record` is the decision's record JSON.
macro_rules! bind_cell {
    ($query:expr, $cell:expr, $record:expr) => {
        match $cell {
            $crate::row::Cell::Int(v) => $query.bind(v),
            $crate::row::Cell::Text(v) => $query.bind(v),
            $crate::row::Cell::MaybeText(v) => $query.bind(v),
            $crate::row::Cell::Time(v) => $query.bind(v),
            $crate::row::Cell::MaybeTime(v) => $query.bind(v),
            $crate::row::Cell::Flag(v) => $query.bind(v),
            $crate::row::Cell::Record => $query.bind($record),
        }
    };
}
pub(crate) use bind_cell;

/// Binds every column of decision `$d` (record JSON `$record`), in
/// [`COLUMNS`] order: a new row. `$text`, when given, makes each text
/// value's bound form (an import shares them with its caller's thread).
macro_rules! bind_insert {
    ($query:expr, $d:expr, $record:expr, $text:expr) => {{
        let d: &baton_core::lifecycle::Decision = $d;
        let mut query = $query;
        let mut text = $text;
        for column in &$crate::row::COLUMNS {
            query = match (column.of)(d) {
                $crate::row::Cell::Text(v) => query.bind(text(v)),
                $crate::row::Cell::MaybeText(v) => query.bind(v.map(&mut text)),
                cell => $crate::row::bind_cell!(query, cell, $record),
            };
        }
        query
    }};
    ($query:expr, $d:expr, $record:expr) => {
        $crate::row::bind_insert!($query, $d, $record, |text: String| text)
    };
}
pub(crate) use bind_insert;

/// Binds the saved columns of a changed decision `$d`, then its id and
/// the version it was read at: an update guarded by that version.
macro_rules! bind_save {
    ($query:expr, $d:expr, $record:expr, $read_version:expr) => {{
        let d: &baton_core::lifecycle::Decision = $d;
        let mut query = $query;
        for column in $crate::row::saved() {
            query = $crate::row::bind_cell!(query, (column.of)(d), $record);
        }
        query.bind(d.id.get()).bind($read_version)
    }};
}
pub(crate) use bind_save;

/// Inserts `rows` new decisions whose parameters are numbered from
/// `$first`, bound by [`bind_insert!`] one decision after another.
pub(crate) fn insert(first: usize, rows: usize) -> String {
    format!(
        "INSERT INTO decisions ({}) VALUES {}",
        names(),
        crate::placeholders(first, PARAMS, rows)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decision() -> Decision {
        use baton_core::{Directory, examples};
        let dir = std::sync::Arc::new(Directory::load("org.yaml", examples::ORG).unwrap());
        let guide = baton_core::compile_guide("deference.yaml", examples::GUIDE, dir).unwrap();
        let request = baton_core::Request {
            decision_type: "architecture".into(),
            title: "t".into(),
            context: serde_json::json!({}),
            requester: Some("ana".into()),
            at: "2026-03-01T12:00:00Z".parse().unwrap(),
        };
        let resolution =
            baton_core::resolve(&guide, &baton_core::OrgState::default(), &request).unwrap();
        baton_core::lifecycle::open(
            baton_core::DecisionId::FIRST,
            "t",
            vec!["db".into()],
            serde_json::json!({}),
            resolution,
        )
        .0
    }

    #[test]
    fn each_column_gives_a_cell_of_its_kind() {
        let d = decision();
        for c in &COLUMNS {
            let kind = match (c.of)(&d) {
                Cell::Int(_) => Kind::Int,
                Cell::Text(_) => Kind::Text,
                Cell::MaybeText(_) => Kind::MaybeText,
                Cell::Time(_) => Kind::Time,
                Cell::MaybeTime(_) => Kind::MaybeTime,
                Cell::Flag(_) => Kind::Flag,
                Cell::Record => Kind::Record,
            };
            assert_eq!(kind, c.kind, "{}", c.name);
        }
        assert_eq!(COLUMNS.last().map(|c| c.name), Some("record"));
        let unique: std::collections::BTreeSet<_> = COLUMNS.iter().map(|c| c.name).collect();
        assert_eq!(unique.len(), COLUMNS.len());
    }
}
