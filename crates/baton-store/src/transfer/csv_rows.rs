//! The CSV of SPEC §8.1: one row per decision. Import takes a spreadsheet
//! of past decisions — how a team starts its audit — so only `team, type,
//! title, requester, opened_at` are required.

use std::collections::HashMap;

use baton_core::guide::file::Framework;
use baton_core::lifecycle::{Decision, Outcome, OutcomeResult, Status};
use baton_core::resolve::{Deliberation, Resolution, Roster};
use chrono::{DateTime, Utc};

use super::ImportError;

pub const CSV_COLUMNS: [&str; 14] = [
    "id",
    "team",
    "type",
    "title",
    "requester",
    "decider",
    "status",
    "framework",
    "rule",
    "opened_at",
    "decided_at",
    "escalated",
    "override",
    "outcome",
];

const REQUIRED: [&str; 5] = ["team", "type", "title", "requester", "opened_at"];

pub fn write_csv(decisions: &[Decision]) -> Result<String, csv::Error> {
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record(CSV_COLUMNS)?;
    for d in decisions {
        out.write_record([
            d.id.to_string(),
            d.team.clone(),
            d.decision_type.clone(),
            d.title.clone(),
            d.requester.clone(),
            d.decider.clone(),
            d.status.as_str().to_owned(),
            d.resolution.framework.as_str().to_owned(),
            d.resolution.rule.clone(),
            baton_core::instant(d.opened_at),
            d.decided_at.map(baton_core::instant).unwrap_or_default(),
            d.escalated.to_string(),
            d.overridden.to_string(),
            d.outcome
                .as_ref()
                .map(|o| o.result.as_str().to_owned())
                .unwrap_or_default(),
        ])?;
    }
    let bytes = out.into_inner().map_err(|e| e.into_error())?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// Parses a CSV of decisions; ids in the file are kept as the original ids
/// and replaced on import.
pub fn parse_csv(text: &str) -> Result<Vec<Decision>, ImportError> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers = reader.headers().map_err(|e| csv_error(&e, 1))?.clone();
    let columns: HashMap<&str, usize> = headers.iter().enumerate().map(|(i, h)| (h, i)).collect();
    for (i, h) in headers.iter().enumerate() {
        if !CSV_COLUMNS.contains(&h) {
            return Err(ImportError {
                line: 1,
                field: Some(h.to_owned()),
                message: format!(
                    "unknown column (column {}): expected some of {}",
                    i + 1,
                    CSV_COLUMNS.join(", ")
                ),
            });
        }
    }
    for required in REQUIRED {
        if !columns.contains_key(required) {
            return Err(ImportError {
                line: 1,
                field: Some(required.to_owned()),
                message: "required column is missing".into(),
            });
        }
    }
    let mut out = Vec::new();
    for (n, record) in reader.records().enumerate() {
        let line = n as u64 + 2;
        let record = record.map_err(|e| csv_error(&e, line))?;
        let row = Row {
            line,
            record: &record,
            columns: &columns,
        };
        out.push(row.decision(n as i64 + 1)?);
    }
    Ok(out)
}

fn csv_error(e: &csv::Error, fallback: u64) -> ImportError {
    ImportError {
        line: e.position().map_or(fallback, csv::Position::line),
        field: None,
        message: e.to_string(),
    }
}

struct Row<'a> {
    line: u64,
    record: &'a csv::StringRecord,
    columns: &'a HashMap<&'a str, usize>,
}

impl Row<'_> {
    fn get(&self, field: &str) -> Option<&str> {
        self.columns
            .get(field)
            .and_then(|&i| self.record.get(i))
            .filter(|v| !v.is_empty())
    }

    fn fail(&self, field: &str, message: String) -> ImportError {
        ImportError {
            line: self.line,
            field: Some(field.to_owned()),
            message,
        }
    }

    fn required(&self, field: &str) -> Result<String, ImportError> {
        self.get(field)
            .map(str::to_owned)
            .ok_or_else(|| self.fail(field, "is empty but required".into()))
    }

    fn id(&self, field: &str) -> Result<String, ImportError> {
        let value = self.required(field)?;
        if baton_core::ident::is_valid(&value) {
            Ok(value)
        } else {
            Err(self.fail(field, baton_core::ident::shape_error(field, &value)))
        }
    }

    fn instant(&self, field: &str) -> Result<Option<DateTime<Utc>>, ImportError> {
        self.get(field)
            .map(|v| {
                DateTime::parse_from_rfc3339(v)
                    .map(|t| t.with_timezone(&Utc))
                    .map_err(|_| {
                        self.fail(
                            field,
                            format!("`{v}` is not an RFC 3339 instant like 2026-03-01T12:00:00Z"),
                        )
                    })
            })
            .transpose()
    }

    fn flag(&self, field: &str) -> Result<bool, ImportError> {
        match self.get(field).map(str::to_ascii_lowercase).as_deref() {
            None | Some("false" | "no" | "0") => Ok(false),
            Some("true" | "yes" | "1") => Ok(true),
            Some(other) => Err(self.fail(field, format!("`{other}` is not true or false"))),
        }
    }

    fn decision(&self, original_id: i64) -> Result<Decision, ImportError> {
        let team = self.id("team")?;
        let decision_type = self.id("type")?;
        let title = self.required("title")?;
        let requester = self.id("requester")?;
        let opened_at = self
            .instant("opened_at")?
            .ok_or_else(|| self.fail("opened_at", "is empty but required".into()))?;
        let decided_at = self.instant("decided_at")?;
        if decided_at.is_some_and(|d| d < opened_at) {
            return Err(self.fail("decided_at", "is before opened_at".into()));
        }
        let decider = match self.get("decider") {
            Some(_) => self.id("decider")?,
            None if decided_at.is_some() => {
                return Err(self.fail("decider", "is required when decided_at is given".into()));
            }
            None => String::new(),
        };
        let status = match (self.get("status"), decided_at) {
            (Some(s), _) => Status::parse(s)
                .ok_or_else(|| self.fail("status", format!("`{s}` is not a status")))?,
            (None, Some(_)) => Status::Decided,
            (None, None) => Status::Routed,
        };
        if (status == Status::Decided) != decided_at.is_some() && status != Status::Superseded {
            return Err(self.fail(
                "status",
                format!("`{}` does not agree with decided_at", status.as_str()),
            ));
        }
        let framework = match self.get("framework") {
            None => Framework::Assigned,
            Some(f) => serde_json::from_value(serde_json::json!(f)).map_err(|_| {
                self.fail("framework", format!("`{f}` is not a framework: expertise, situational, rotating, hierarchy, delegated or assigned"))
            })?,
        };
        let outcome = match self.get("outcome") {
            None => None,
            Some(o) => {
                let result = OutcomeResult::parse(o).ok_or_else(|| {
                    self.fail(
                        "outcome",
                        format!("`{o}` is not success, partial or failure"),
                    )
                })?;
                let at = decided_at
                    .ok_or_else(|| self.fail("outcome", "an outcome needs decided_at".into()))?;
                Some(Outcome {
                    result,
                    notes: String::new(),
                    by: decider.clone(),
                    at,
                })
            }
        };
        let resolution = Resolution {
            team: team.clone(),
            decision_type: decision_type.clone(),
            rule: self.get("rule").unwrap_or("imported").to_owned(),
            framework,
            decider: decider.clone(),
            backups: Vec::new(),
            roster: Roster {
                decide: decider.clone(),
                recommend: Some(requester.clone()),
                agree: Vec::new(),
                input: Vec::new(),
                inform: Vec::new(),
            },
            escalation: None,
            deliberation: Deliberation {
                deadline: opened_at,
                tiebreaker: None,
            },
            consensus_check: None,
            guide_version: "imported".into(),
            at: opened_at,
            explanation: vec!["imported from a CSV of past decisions".into()],
        };
        Ok(Decision {
            id: self
                .get("id")
                .and_then(|v| v.parse().ok())
                .unwrap_or(original_id),
            team,
            decision_type,
            title,
            domains: Vec::new(),
            context: serde_json::json!({}),
            requester,
            status,
            decider: decider.clone(),
            delegate: None,
            resolution,
            opened_at,
            decided_at,
            decided_by: decided_at.map(|_| decider.clone()),
            option: None,
            rationale: None,
            overridden: self.flag("override")?,
            override_reason: None,
            escalated: self.flag("escalated")?,
            review_on: None,
            positions: Vec::new(),
            objections: Vec::new(),
            outcome,
            superseded_by: None,
            version: 1,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHEET: &str = "team,type,title,requester,decider,opened_at,decided_at,escalated,outcome
platform,architecture,Pick a queue,ana,kim,2026-01-05T09:00:00Z,2026-01-07T09:00:00Z,no,success
platform,hiring,Open a role,kim,,2026-02-01T09:00:00Z,,,
";

    #[test]
    fn a_spreadsheet_of_past_decisions_imports() {
        let rows = parse_csv(SHEET).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(
            (rows[0].status, rows[0].decider.as_str()),
            (Status::Decided, "kim")
        );
        assert_eq!(
            rows[0].outcome.as_ref().map(|o| o.result),
            Some(OutcomeResult::Success)
        );
        assert_eq!(rows[1].status, Status::Routed);
    }

    #[test]
    fn export_then_import_round_trips_the_columns() {
        let rows = parse_csv(SHEET).unwrap();
        let text = write_csv(&rows).unwrap();
        let again = parse_csv(&text).unwrap();
        assert_eq!(write_csv(&again).unwrap(), text);
    }

    #[track_caller]
    fn check_error(text: &str, line: u64, field: &str) {
        let err = parse_csv(text).unwrap_err();
        assert_eq!(
            (err.line, err.field.as_deref()),
            (line, Some(field)),
            "{err}"
        );
    }

    #[test]
    fn errors_name_the_line_and_field() {
        check_error("team,type,title,requester\n", 1, "opened_at");
        check_error("team,type,title,requester,opened_at,colour\n", 1, "colour");
        check_error(
            "team,type,title,requester,opened_at\nplatform,x,t,ana,yesterday\n",
            2,
            "opened_at",
        );
        check_error(
            "team,type,title,requester,opened_at\nplatform,x,t,ana,2026-01-01T00:00:00Z\nplatform,x,,ana,2026-01-01T00:00:00Z\n",
            3,
            "title",
        );
        check_error(
            "team,type,title,requester,opened_at,decided_at\nplatform,x,t,ana,2026-01-01T00:00:00Z,2026-01-02T00:00:00Z\n",
            2,
            "decider",
        );
        check_error(
            "team,type,title,requester,opened_at,escalated\nplatform,x,t,ana,2026-01-01T00:00:00Z,maybe\n",
            2,
            "escalated",
        );
        check_error(
            "team,type,title,requester,opened_at\nPlatform Team,x,t,ana,2026-01-01T00:00:00Z\n",
            2,
            "team",
        );
    }

    #[test]
    fn a_ragged_row_is_an_error_with_its_line() {
        let err = parse_csv("team,type,title,requester,opened_at\nplatform,x,t\n").unwrap_err();
        assert_eq!(err.line, 2, "{err}");
    }
}
