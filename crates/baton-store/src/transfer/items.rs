//! From a parsed row or record to what the store imports: checked against
//! the applied directory and guides (the [`Catalog`]), its domains filled
//! from its type, its identity and content digest fixed. Pure: the store
//! hands in the catalog and writes what comes out.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use baton_core::guide::file::Framework;
use baton_core::lifecycle::{Decision, Outcome, Status};
use baton_core::resolve::{Deliberation, Resolution, Roster};
use baton_core::{DecisionId, Directory, Guide};

use super::ImportError;
use super::sheet::SheetRow;

/// What an import is checked against: the directory in force and each
/// team's guide.
#[derive(Clone, Debug)]
pub struct Catalog {
    pub directory: Arc<Directory>,
    pub guides: HashMap<String, Arc<Guide>>,
    /// Accept people missing from the directory (a spreadsheet of the past
    /// names people who have left), listing them in the summary.
    pub allow_departed: bool,
}

/// One decision to import.
#[derive(Clone, Debug)]
pub struct Item {
    /// Where it came from: the line (or the record's place) for messages.
    pub line: u64,
    /// Its identity: the same identity imported again is skipped.
    pub key: String,
    /// SHA-256 of what the source said of it: the same identity with other
    /// content is a conflict.
    pub content: String,
    pub what: What,
    /// The id its source gave it (an export's record); a sheet row has
    /// none. The store numbers every import afresh.
    pub original: Option<DecisionId>,
    /// People it names who are not in the directory (with
    /// `allow_departed`).
    pub departed: Vec<String>,
}

#[derive(Clone, Debug)]
pub enum What {
    /// A decision made (or ended) already: stored as it is.
    Past(Box<Decision>),
    /// Not decided yet: opened and resolved by its team's guide as of its
    /// `opened_at`, then given `status` when the row says it ended so
    /// (`withdrawn`).
    Open { row: Box<SheetRow>, withdrawn: bool },
}

/// A row or record as read, before it is checked against the catalog: its
/// identity is known, so one imported before is skipped before anything
/// about it is checked again (a person who has left since, a type renamed).
#[derive(Clone, Debug)]
pub struct Unchecked {
    pub line: u64,
    pub key: String,
    pub content: String,
    /// An undecided sheet row: opened and routed by its guide.
    pub opens: bool,
    source: Source,
}

#[derive(Clone, Debug)]
enum Source {
    Row(Box<SheetRow>),
    Record(super::Place, Box<Decision>),
}

impl Unchecked {
    pub fn row(row: SheetRow) -> Self {
        Self {
            line: row.line,
            key: row.key(),
            content: row.content.clone(),
            opens: row.decided_by().is_none(),
            source: Source::Row(Box::new(row)),
        }
    }

    /// A record of a JSON or NDJSON export: its identity is its id, its
    /// content the digest of the record as exported.
    pub fn record(place: super::Place, record: Decision) -> Result<Self, Vec<ImportError>> {
        let mut canonical = record.clone();
        canonical.version = 1;
        let content = serde_json::to_string(&canonical)
            .map(|text| crate::digest::sha256_hex(text.as_bytes()))
            .map_err(|e| place.mark(vec![ImportError::new(place.n, e.to_string())]))?;
        Ok(Self {
            line: place.n,
            key: format!("id:{}", record.id),
            content,
            opens: false,
            source: Source::Record(place, Box::new(record)),
        })
    }
}

/// The id a decision read from a sheet holds until the store numbers it
/// as it writes ([`Item::original`] says whether it had one of its own).
pub(crate) const UNNUMBERED: DecisionId = DecisionId::FIRST;

/// The outcome notes and rule of decisions a sheet brings in.
const IMPORTED_RULE: &str = "imported";

impl Catalog {
    fn guide(&self, team: &str) -> Option<&Guide> {
        self.guides.get(team).map(AsRef::as_ref)
    }

    /// Checks that `person` (in `field`) is someone the directory holds, or
    /// notes them as departed.
    fn person(
        &self,
        line: u64,
        field: &str,
        person: &str,
        departed: &mut Vec<String>,
        errors: &mut Vec<ImportError>,
    ) {
        if self.directory.find(person).is_some() || person == baton_core::lifecycle::SYSTEM {
            return;
        }
        if self.allow_departed {
            if !departed.iter().any(|p| p == person) {
                departed.push(person.to_owned());
            }
        } else {
            errors.push(ImportError::at(
                line,
                field,
                format!("`{person}` is not in the directory (people who have left pass with --allow-departed)"),
            ));
        }
    }

    /// Checks the team and type; `None` with errors when either is not
    /// known.
    fn type_of(
        &self,
        line: u64,
        team: &str,
        decision_type: &str,
        errors: &mut Vec<ImportError>,
    ) -> Option<&baton_core::guide::DecisionType> {
        let Some(guide) = self.guide(team) else {
            let mut teams: Vec<&str> = self.guides.keys().map(String::as_str).collect();
            teams.sort_unstable();
            errors.push(ImportError::at(
                line,
                "team",
                format!(
                    "team `{team}` has no guide applied (teams: {})",
                    if teams.is_empty() {
                        "none yet".to_owned()
                    } else {
                        teams.join(", ")
                    }
                ),
            ));
            return None;
        };
        let found = guide.types.get(decision_type);
        if found.is_none() {
            let mut types: Vec<&str> = guide.types.keys().map(String::as_str).collect();
            types.sort_unstable();
            errors.push(ImportError::at(
                line,
                "type",
                format!(
                    "`{decision_type}` is not a decision type of team {team} (expected one of {})",
                    types.join(", ")
                ),
            ));
        }
        found
    }

    /// What was read, checked.
    pub fn check(&self, unchecked: Unchecked) -> Result<Item, Vec<ImportError>> {
        match unchecked.source {
            Source::Row(row) => self.row(*row),
            Source::Record(place, record) => self
                .checked_record(place.n, *record, unchecked.content)
                .map_err(|errors| place.mark(errors)),
        }
    }

    /// A sheet row, checked.
    fn row(&self, row: SheetRow) -> Result<Item, Vec<ImportError>> {
        let line = row.line;
        let mut errors = Vec::new();
        let mut departed = Vec::new();
        let domains = self
            .type_of(line, &row.team, &row.decision_type, &mut errors)
            .map(|t| t.domains.clone());
        for (field, person) in [
            ("requester", Some(&row.requester)),
            ("decider", row.decider.as_ref()),
            ("decided_by", row.decided_by.as_ref()),
            ("routed_decider", row.routed_decider.as_ref()),
        ] {
            if let Some(person) = person {
                self.person(line, field, person, &mut departed, &mut errors);
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let key = row.key();
        let content = row.content.clone();
        let what = match row.decided_by() {
            Some(decided_by) => {
                let decided_by = decided_by.to_owned();
                let domains = row.domains.clone().or(domains).unwrap_or_default();
                What::Past(Box::new(past(&row, decided_by, domains)))
            }
            None => What::Open {
                withdrawn: row.status == Some(Status::Withdrawn),
                row: Box::new(row),
            },
        };
        Ok(Item {
            line,
            key,
            content,
            what,
            original: None,
            departed,
        })
    }

    fn checked_record(
        &self,
        line: u64,
        record: Decision,
        content: String,
    ) -> Result<Item, Vec<ImportError>> {
        let mut errors = Vec::new();
        let mut departed = Vec::new();
        self.type_of(line, &record.team, &record.decision_type, &mut errors);
        let people = [
            ("requester", Some(&record.requester)),
            ("decider", Some(&record.decider)),
            ("decided_by", record.decided_by.as_ref()),
            ("delegate", record.delegate.as_ref()),
        ];
        for (field, person) in people {
            if let Some(person) = person.filter(|p| !p.is_empty()) {
                self.person(line, field, person, &mut departed, &mut errors);
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Item {
            line,
            key: format!("id:{}", record.id),
            content,
            original: Some(record.id),
            what: What::Past(Box::new(record)),
            departed,
        })
    }
}

/// A decided row as a decision record: decided by `decided_by`, routed to
/// the row's `routed_decider` (else its decider), in `domains`.
fn past(row: &SheetRow, decided_by: String, domains: Vec<String>) -> Decision {
    let decider = row.decider.clone().unwrap_or_else(|| decided_by.clone());
    let routed = row
        .routed_decider
        .clone()
        .unwrap_or_else(|| decider.clone());
    let decided_at = row.decided_at;
    let resolution = Resolution {
        team: row.team.clone(),
        decision_type: row.decision_type.clone(),
        rule: row.rule.clone().unwrap_or_else(|| IMPORTED_RULE.to_owned()),
        framework: row.framework.unwrap_or(Framework::Unknown),
        decider: routed.clone(),
        backups: Vec::new(),
        roster: Roster {
            decide: routed,
            recommend: Some(row.requester.clone()),
            agree: Vec::new(),
            input: Vec::new(),
            inform: Vec::new(),
        },
        escalation: None,
        deliberation: Deliberation {
            deadline: row.opened_at,
            tiebreaker: None,
        },
        consensus_check: None,
        guide_version: IMPORTED_RULE.to_owned(),
        at: row.opened_at,
        explanation: vec![format!(
            "imported: line {} of a sheet of past decisions",
            row.line
        )],
        reasons: Vec::new(),
    };
    Decision {
        id: UNNUMBERED,
        team: row.team.clone(),
        decision_type: row.decision_type.clone(),
        title: row.title.clone(),
        domains,
        context: serde_json::json!({}),
        requester: row.requester.clone(),
        status: row.status.unwrap_or(Status::Decided),
        decider,
        delegate: None,
        resolution,
        opened_at: row.opened_at,
        decided_at,
        decided_by: Some(decided_by.clone()),
        option: None,
        rationale: None,
        overridden: row.overridden,
        override_reason: None,
        escalated: row.escalated,
        escalated_at: None,
        review_on: None,
        positions: Vec::new(),
        objections: Vec::new(),
        outcome: row.outcome.map(|result| Outcome {
            result,
            notes: String::new(),
            by: decided_by,
            at: decided_at.unwrap_or(row.opened_at),
        }),
        superseded_by: None,
        version: 1,
    }
}

/// What an import did, or would do.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Summary {
    /// Rows or records read.
    pub read: u64,
    /// Decisions made already, stored as they were.
    pub past: u64,
    /// Undecided ones, opened and routed by their guide.
    pub opened: u64,
    /// Identities imported before with the same content: left alone.
    pub skipped: u64,
    /// The new decisions' ids, first and last (they are consecutive).
    pub ids: Option<(DecisionId, DecisionId)>,
    /// People named who are not in the directory.
    pub departed: BTreeSet<String>,
    /// Whether nothing was written (`--dry-run`).
    pub dry_run: bool,
}
