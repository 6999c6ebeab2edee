//! The audit matrix of a spreadsheet of past decisions, with no store at
//! all: the sheet is read a row at a time by the import's own parser,
//! projected as the log is, and audited by the same function. A directory
//! (`--org`) tells formal leaders; guides (`--guide`) declare the types,
//! their domains and targets. What neither the sheet nor the files say is
//! `unknown` in the matrix.

use std::io::Read;
use std::sync::Arc;

use baton_core::analytics::{
    self, AuditMatrix, Available, Directories, FactRow, Facts, Judge, Scope, Window, micros,
};
use baton_core::guide::file::{Framework, GuideFile};
use baton_core::lifecycle::Status;
use baton_core::{Directory, Guide, LoadErrors};
use baton_store::transfer::{ImportErrors, sheet};
use chrono::{DateTime, TimeDelta, Utc};

use super::engine::Progress;
use crate::error::failure;

failure! {
    /// Why a sheet could not be audited.
    pub enum SheetAuditError {
        #[error("the sheet has bad rows; nothing was audited:\n{0}")]
        BadRows(ImportErrors) => (Invalid, "invalid"),
        #[error("{0}")]
        BadFile(LoadErrors) => (Invalid, "invalid"),
        #[error("the sheet holds no decision")]
        Empty => (Invalid, "invalid"),
    }
}

/// What a sheet is audited with, beside itself: files as `(name, text)`.
#[derive(Debug, Default, Clone, Copy)]
pub struct SheetFiles<'a> {
    pub org: Option<(&'a str, &'a str)>,
    pub guides: &'a [(&'a str, &'a str)],
}

/// A reader that counts what it has read, for the progress bar.
struct Counted<'p, R> {
    inner: R,
    read: u64,
    progress: &'p dyn Progress,
}

impl<R: Read> Read for Counted<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        // A sheet is read in buffers of 8 KiB: report every 4 MiB or so.
        if self.read % (4 << 20) < n as u64 {
            self.progress.advance(self.read);
        }
        Ok(n)
    }
}

/// The audit matrix of the sheet `input` (of `size` bytes, for progress)
/// for `team` or every team, over `[from, to)`: by default from its first
/// opening to just after its last instant.
pub fn audit_sheet(
    input: impl Read,
    size: u64,
    files: SheetFiles<'_>,
    team: Option<&str>,
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
    progress: &dyn Progress,
) -> Result<AuditMatrix, SheetAuditError> {
    let directory = match files.org {
        Some((name, text)) => Some(Arc::new(
            Directory::load(name, text).map_err(SheetAuditError::BadFile)?,
        )),
        None => None,
    };
    let mut compiled: Vec<Guide> = Vec::new();
    let mut declared: Vec<GuideFile> = Vec::new();
    for (name, text) in files.guides {
        match &directory {
            Some(dir) => compiled.push(
                baton_core::compile_guide(name, text, Arc::clone(dir))
                    .map_err(SheetAuditError::BadFile)?,
            ),
            None => declared
                .push(baton_core::guide::parse_file(name, text).map_err(SheetAuditError::BadFile)?),
        }
    }
    let declared: Vec<&GuideFile> = if directory.is_some() {
        compiled.iter().map(|g| &g.source).collect()
    } else {
        declared.iter().collect()
    };

    progress.start("reading the sheet", size);
    let counted = Counted {
        inner: input,
        read: 0,
        progress,
    };
    let mut rows = sheet(counted).map_err(|errors| {
        let mut all = ImportErrors::default();
        errors.into_iter().for_each(|e| all.push(e));
        SheetAuditError::BadRows(all)
    })?;
    let available = Available {
        decided_at: rows.has("decided_at"),
        decider: rows.has("decider") || rows.has("decided_by"),
        escalated: rows.has("escalated"),
        outcome: rows.has("outcome"),
        directory: directory.is_some(),
    };
    let mut facts = Facts::new();
    let mut errors = ImportErrors::default();
    let mut first: Option<DateTime<Utc>> = None;
    let mut last: Option<DateTime<Utc>> = None;
    let mut slot: i64 = 0;
    for row in rows.by_ref() {
        let row = match row {
            Ok(row) => row,
            Err(bad) => {
                bad.into_iter().for_each(|e| errors.push(e));
                continue;
            }
        };
        slot += 1;
        first = Some(first.map_or(row.opened_at, |f| f.min(row.opened_at)));
        for at in [Some(row.opened_at), row.decided_at].into_iter().flatten() {
            last = Some(last.map_or(at, |l| l.max(at)));
        }
        let domains = declared
            .iter()
            .find(|g| g.team == row.team)
            .and_then(|g| g.decision_types.get(&row.decision_type))
            .map(|t| t.domains.clone())
            .or_else(|| row.domains.clone())
            .unwrap_or_default();
        let decided_by = row.decided_by().map(str::to_owned);
        let decider = row
            .decider
            .clone()
            .or_else(|| decided_by.clone())
            .unwrap_or_default();
        let routed = row
            .routed_decider
            .clone()
            .unwrap_or_else(|| decider.clone());
        let Ok(id) = baton_core::DecisionId::new(slot) else {
            continue;
        };
        facts.upsert(&FactRow {
            id,
            team: &row.team,
            decision_type: &row.decision_type,
            title: &row.title,
            decider: &decider,
            decided_by: decided_by.as_deref(),
            routed: &routed,
            delegate: None,
            rule: row.rule.as_deref().unwrap_or_default(),
            guide_version: "",
            domains: &domains,
            framework: row.framework.unwrap_or(Framework::Unknown),
            status: row.status.unwrap_or(if row.decided_at.is_some() {
                Status::Decided
            } else {
                Status::Routed
            }),
            escalated: row.escalated,
            overridden: row.overridden,
            override_reason: None,
            outcome: row.outcome,
            opened_at: micros(row.opened_at),
            decided_at: row.decided_at.map(micros),
            outcome_at: None,
            escalated_at: None,
            review_on: None,
        });
    }
    progress.finish();
    if !errors.is_empty() {
        return Err(SheetAuditError::BadRows(errors));
    }
    let (Some(first), Some(last)) = (first, last) else {
        return Err(SheetAuditError::Empty);
    };
    if let Some(dir) = &directory {
        let directories = Directories::single(Arc::clone(dir));
        let guides: Vec<&Guide> = compiled.iter().collect();
        facts.judge(&Judge::new(&directories, &guides), true);
    }
    let to = to.unwrap_or(last + TimeDelta::seconds(1));
    let from = from.unwrap_or(first).min(to);
    let scope = team.map_or(Scope::Org, Scope::Team);
    let guides = (!files.guides.is_empty()).then_some(declared.as_slice());
    Ok(analytics::audit_matrix(
        &facts,
        guides,
        available,
        scope,
        Window { from, to },
    ))
}
