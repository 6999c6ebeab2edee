//! Reading the CSV of SPEC §8.1 — a spreadsheet of past decisions, or
//! baton's own export — one row at a time, so a file of any length is read
//! in constant memory.
//!
//! This is the parser alone: it checks each field's shape (ids, instants,
//! flags, statuses), not whether teams, types or people exist; that needs
//! the applied directory and guides (`items`), and the audit matrix reads
//! a sheet with none. Headers are matched without regard to case or
//! surrounding space; a row's every bad field is reported, not only its
//! first.

use std::io::Read;

use baton_core::guide::file::Framework;
use baton_core::lifecycle::{OutcomeResult, Status};
use chrono::{DateTime, Utc};
use rustc_hash::FxHashMap;
use sha2::{Digest, Sha256};

use super::{CSV_COLUMNS, ImportError};

/// The columns a row must have.
pub const REQUIRED: [&str; 5] = ["team", "type", "title", "requester", "opened_at"];

/// One row of a sheet, each field checked for its shape.
#[derive(Debug, Clone, PartialEq)]
pub struct SheetRow {
    /// The file line the row starts on.
    pub line: u64,
    /// The row's own `id`, when the sheet has one: its identity.
    pub id: Option<String>,
    pub team: String,
    pub decision_type: String,
    pub title: String,
    pub requester: String,
    pub decider: Option<String>,
    pub status: Option<Status>,
    pub framework: Option<Framework>,
    pub rule: Option<String>,
    pub opened_at: DateTime<Utc>,
    pub decided_at: Option<DateTime<Utc>>,
    pub escalated: bool,
    pub overridden: bool,
    pub outcome: Option<OutcomeResult>,
    pub decided_by: Option<String>,
    pub routed_decider: Option<String>,
    pub domains: Option<Vec<String>>,
    /// SHA-256 of the row's fields as read (normalised): importing the same
    /// identity again with other content is a conflict, not a skip.
    pub content: String,
}

impl SheetRow {
    /// Who decided, for a row with `decided_at`.
    pub fn decided_by(&self) -> Option<&str> {
        self.decided_at?;
        self.decided_by.as_deref().or(self.decider.as_deref())
    }

    /// The row's identity: its `id` when it has one, else a digest of team,
    /// type, title, requester and `opened_at`.
    pub fn key(&self) -> String {
        match &self.id {
            Some(id) => format!("id:{id}"),
            None => {
                let mut hasher = Sha256::new();
                for part in [
                    self.team.as_str(),
                    &self.decision_type,
                    &self.title,
                    &self.requester,
                    &baton_core::instant(self.opened_at),
                ] {
                    hasher.update(part.as_bytes());
                    hasher.update([0x1f]);
                }
                format!("row:{}", crate::digest::hex(&hasher.finalize()))
            }
        }
    }
}

/// A sheet being read: its header checked, its rows to come.
pub struct Sheet<R: Read> {
    records: csv::StringRecordsIntoIter<R>,
    /// Column index of each known column the header names.
    columns: FxHashMap<&'static str, usize>,
    record: u64,
}

/// Opens a sheet, checking its header: unknown, repeated or missing columns
/// are reported together, on line 1.
pub fn sheet<R: Read>(input: R) -> Result<Sheet<R>, Vec<ImportError>> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .flexible(false)
        .from_reader(input);
    let headers = reader
        .headers()
        .map_err(|e| vec![csv_error(&e, 1)])?
        .clone();
    let mut columns = FxHashMap::default();
    let mut errors = Vec::new();
    for (i, header) in headers.iter().enumerate() {
        let name = header.trim().to_ascii_lowercase();
        match CSV_COLUMNS.iter().find(|c| **c == name) {
            Some(known) => {
                if columns.insert(*known, i).is_some() {
                    errors.push(ImportError::at(
                        1,
                        header,
                        format!("column {} repeats an earlier column", i + 1),
                    ));
                }
            }
            None => errors.push(ImportError::at(
                1,
                header,
                format!(
                    "unknown column (column {}): expected some of {}",
                    i + 1,
                    CSV_COLUMNS.join(", ")
                ),
            )),
        }
    }
    for required in REQUIRED {
        if !columns.contains_key(required) {
            errors.push(ImportError::at(
                1,
                required,
                "required column is missing".into(),
            ));
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(Sheet {
        records: reader.into_records(),
        columns,
        record: 0,
    })
}

impl<R: Read> Sheet<R> {
    /// Whether the header names `column`.
    pub fn has(&self, column: &str) -> bool {
        self.columns.contains_key(column)
    }
}

impl<R: Read> Iterator for Sheet<R> {
    type Item = Result<SheetRow, Vec<ImportError>>;

    fn next(&mut self) -> Option<Self::Item> {
        let record = self.records.next()?;
        self.record += 1;
        Some(match record {
            Ok(record) => {
                let line = record
                    .position()
                    .map_or(self.record + 1, csv::Position::line);
                Fields {
                    line,
                    record: &record,
                    columns: &self.columns,
                    errors: Vec::new(),
                }
                .row()
            }
            Err(e) => Err(vec![csv_error(&e, self.record + 1)]),
        })
    }
}

fn csv_error(e: &csv::Error, fallback: u64) -> ImportError {
    ImportError::new(
        e.position().map_or(fallback, csv::Position::line),
        e.to_string(),
    )
}

/// An instant as a sheet may write it: RFC 3339, or a plain date (its
/// midnight, UTC).
pub use baton_core::parse_instant;

/// One record being read into a [`SheetRow`], collecting every bad field.
struct Fields<'a> {
    line: u64,
    record: &'a csv::StringRecord,
    columns: &'a FxHashMap<&'static str, usize>,
    errors: Vec<ImportError>,
}

impl Fields<'_> {
    fn get(&self, field: &str) -> Option<&str> {
        self.columns
            .get(field)
            .and_then(|&i| self.record.get(i))
            .filter(|v| !v.is_empty())
    }

    fn fail(&mut self, field: &str, message: String) {
        self.errors.push(ImportError::at(self.line, field, message));
    }

    fn text(&mut self, field: &str) -> String {
        match self.get(field) {
            Some(v) => v.to_owned(),
            None => {
                self.fail(field, "is empty but required".into());
                String::new()
            }
        }
    }

    fn id_of(&mut self, field: &str, value: &str) -> String {
        if !baton_core::ident::is_valid(value) {
            self.fail(field, baton_core::ident::shape_error(field, value));
        }
        value.to_owned()
    }

    fn id(&mut self, field: &str) -> String {
        match self.get(field).map(str::to_owned) {
            Some(v) => self.id_of(field, &v),
            None => {
                self.fail(field, "is empty but required".into());
                String::new()
            }
        }
    }

    fn optional_id(&mut self, field: &str) -> Option<String> {
        let value = self.get(field)?.to_owned();
        Some(self.id_of(field, &value))
    }

    fn instant(&mut self, field: &str) -> Option<DateTime<Utc>> {
        let value = self.get(field)?.to_owned();
        let parsed = parse_instant(&value);
        if parsed.is_none() {
            self.fail(
                field,
                format!("`{value}` is not an instant like 2026-03-01T12:00:00Z or a date like 2026-03-01"),
            );
        }
        parsed
    }

    fn flag(&mut self, field: &str) -> bool {
        match self.get(field).map(str::to_ascii_lowercase).as_deref() {
            None | Some("false" | "no" | "0") => false,
            Some("true" | "yes" | "1") => true,
            Some(other) => {
                let message = format!("`{other}` is not true or false");
                self.fail(field, message);
                false
            }
        }
    }

    fn status(&mut self) -> Option<Status> {
        let value = self.get("status")?.to_ascii_lowercase();
        let status = Status::parse(&value);
        if status.is_none() {
            self.fail(
                "status",
                format!("`{value}` is not a status: routed, checking, deliberating, decided, escalated, withdrawn or superseded"),
            );
        }
        status
    }

    fn framework(&mut self) -> Option<Framework> {
        let value = self.get("framework")?.to_ascii_lowercase();
        let framework = serde_json::from_value(serde_json::json!(value)).ok();
        if framework.is_none() {
            self.fail(
                "framework",
                format!("`{value}` is not a framework: expertise, situational, rotating, hierarchy, delegated, assigned or unknown"),
            );
        }
        framework
    }

    fn outcome(&mut self) -> Option<OutcomeResult> {
        let value = self.get("outcome")?.to_ascii_lowercase();
        let outcome = OutcomeResult::parse(&value);
        if outcome.is_none() {
            self.fail(
                "outcome",
                format!("`{value}` is not success, partial or failure"),
            );
        }
        outcome
    }

    fn domains(&mut self) -> Option<Vec<String>> {
        let value = self.get("domains")?.to_owned();
        let domains: Vec<String> = value
            .split(';')
            .map(str::trim)
            .filter(|d| !d.is_empty())
            .map(str::to_owned)
            .collect();
        for d in &domains {
            self.id_of("domains", d);
        }
        Some(domains)
    }

    /// The digest of every known field as written, in column order.
    fn content(&self) -> String {
        let mut hasher = Sha256::new();
        for column in CSV_COLUMNS {
            // Derived columns of an export say nothing of their own.
            if matches!(column, "decider_leader" | "decider_expert") {
                continue;
            }
            let value = self.get(column).unwrap_or_default();
            let value = match column {
                "opened_at" | "decided_at" => parse_instant(value)
                    .map(baton_core::instant)
                    .unwrap_or_else(|| value.to_owned()),
                _ => value.to_owned(),
            };
            hasher.update(column.as_bytes());
            hasher.update([0x1f]);
            hasher.update(value.as_bytes());
            hasher.update([0x1e]);
        }
        crate::digest::hex(&hasher.finalize())
    }

    fn row(mut self) -> Result<SheetRow, Vec<ImportError>> {
        let id = self.get("id").map(str::to_owned);
        let team = self.id("team");
        let decision_type = self.id("type");
        let title = self.text("title");
        let requester = self.id("requester");
        let decider = self.optional_id("decider");
        let status = self.status();
        let framework = self.framework();
        let rule = self.get("rule").map(str::to_owned);
        let opened_at = match self.get("opened_at") {
            Some(_) => self.instant("opened_at"),
            None => {
                self.fail("opened_at", "is empty but required".into());
                None
            }
        };
        let decided_at = self.instant("decided_at");
        let escalated = self.flag("escalated");
        let overridden = self.flag("override");
        let outcome = self.outcome();
        let decided_by = self.optional_id("decided_by");
        let routed_decider = self.optional_id("routed_decider");
        let domains = self.domains();
        if let (Some(opened), Some(decided)) = (opened_at, decided_at)
            && decided < opened
        {
            self.fail("decided_at", "is before opened_at".into());
        }
        if decided_at.is_some() && decider.is_none() && decided_by.is_none() {
            self.fail(
                "decider",
                "is required when decided_at is given: who made the decision?".into(),
            );
        }
        match status {
            Some(Status::Decided | Status::Superseded) if decided_at.is_none() => self.fail(
                "status",
                format!(
                    "`{}` needs decided_at",
                    status.map(Status::as_str).unwrap_or_default()
                ),
            ),
            Some(s)
                if decided_at.is_some() && !matches!(s, Status::Decided | Status::Superseded) =>
            {
                self.fail(
                    "status",
                    format!("`{}` does not agree with decided_at", s.as_str()),
                )
            }
            _ => {}
        }
        if outcome.is_some() && decided_at.is_none() {
            self.fail("outcome", "an outcome needs decided_at".into());
        }
        let content = self.content();
        match opened_at {
            Some(opened_at) if self.errors.is_empty() => Ok(SheetRow {
                line: self.line,
                id,
                team,
                decision_type,
                title,
                requester,
                decider,
                status,
                framework,
                rule,
                opened_at,
                decided_at,
                escalated,
                overridden,
                outcome,
                decided_by,
                routed_decider,
                domains,
                content,
            }),
            _ => Err(self.errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHEET: &str = "Team, TYPE ,title,requester,decider,opened_at,decided_at,escalated,outcome
platform,architecture,Pick a queue,ana,kim,2026-01-05T09:00:00Z,2026-01-07,no,success
platform,hiring,Open a role,kim,,2026-02-01,,,
";

    fn rows(text: &str) -> Result<Vec<SheetRow>, Vec<ImportError>> {
        let mut out = Vec::new();
        let mut errors = Vec::new();
        for row in sheet(text.as_bytes())? {
            match row {
                Ok(r) => out.push(r),
                Err(e) => errors.extend(e),
            }
        }
        if errors.is_empty() {
            Ok(out)
        } else {
            Err(errors)
        }
    }

    #[test]
    fn headers_are_read_whatever_their_case_and_dates_as_midnight() {
        let rows = rows(SHEET).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].decided_by(), Some("kim"));
        assert_eq!(
            rows[0].decided_at.map(baton_core::instant).as_deref(),
            Some("2026-01-07T00:00:00Z")
        );
        assert_eq!(rows[1].line, 3);
        assert_eq!(rows[1].decided_at, None);
    }

    #[test]
    fn a_row_is_known_by_its_id_or_else_by_what_it_is() {
        let rows = rows(SHEET).unwrap();
        assert!(rows[0].key().starts_with("row:"));
        assert_ne!(rows[0].key(), rows[1].key());
        let with_id = super::sheet(
            "id,team,type,title,requester,opened_at\n7,platform,x,t,ana,2026-01-01\n".as_bytes(),
        )
        .unwrap()
        .next()
        .unwrap()
        .unwrap();
        assert_eq!(with_id.key(), "id:7");
    }

    #[test]
    fn the_same_content_written_differently_has_the_same_digest() {
        let a = rows("team,type,title,requester,opened_at\nplatform,x,t,ana,2026-01-01\n").unwrap();
        let b =
            rows("requester,team,type,title,opened_at\nana,platform,x,t,2026-01-01T00:00:00Z\n")
                .unwrap();
        let c =
            rows("team,type,title,requester,opened_at\nplatform,x,t2,ana,2026-01-01\n").unwrap();
        assert_eq!(a[0].content, b[0].content);
        assert_ne!(a[0].content, c[0].content);
    }

    #[track_caller]
    fn check_errors(text: &str, expected: &[(u64, &str)]) {
        let errors = rows(text).unwrap_err();
        let found: Vec<(u64, &str)> = errors
            .iter()
            .map(|e| (e.line, e.field.as_deref().unwrap_or("")))
            .collect();
        assert_eq!(found, expected, "{errors:?}");
    }

    #[test]
    fn every_bad_field_of_every_row_is_named_with_its_line() {
        check_errors("team,type,title,requester\n", &[(1, "opened_at")]);
        check_errors(
            "team,type,title,requester,opened_at,colour\n",
            &[(1, "colour")],
        );
        check_errors(
            "team,type,title,requester,opened_at\nplatform,x,t,ana,yesterday\nplatform,x,,ana,2026-01-01\nPlatform Team,x,t,Ana,2026-01-01\n",
            &[
                (2, "opened_at"),
                (3, "title"),
                (4, "team"),
                (4, "requester"),
            ],
        );
        check_errors(
            "team,type,title,requester,opened_at,decided_at,escalated\nplatform,x,t,ana,2026-01-01,2026-01-02,maybe\n",
            &[(2, "escalated"), (2, "decider")],
        );
        check_errors(
            "team,type,title,requester,opened_at,decided_at,decider\nplatform,x,t,ana,2026-01-05,2026-01-02,kim\n",
            &[(2, "decided_at")],
        );
    }

    #[test]
    fn a_ragged_row_is_an_error_with_its_line() {
        check_errors(
            "team,type,title,requester,opened_at\nplatform,x,t\n",
            &[(2, "")],
        );
    }
}
