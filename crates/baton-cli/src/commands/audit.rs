//! `baton audit`: the SPEC §6 audit matrix, from the log or from a CSV of
//! past decisions with no store at all.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use baton_app::{SheetFiles, audit_sheet};
use baton_core::analytics::{AuditMatrix, Known};
use chrono::{DateTime, Utc};

use super::app::{block_on, connect, refusal};
use super::who::instant_flag;
use crate::cli::Db;
use crate::terminal::{Bar, duration, percent, ratio, table};

/// A spreadsheet to audit, and the files that say what it cannot.
pub struct Sheet<'a> {
    pub csv: &'a Path,
    pub org: Option<&'a Path>,
    pub guides: &'a [PathBuf],
}

pub fn run(
    db: &Db,
    team: Option<&str>,
    sheet: Option<Sheet<'_>>,
    (from, to): (Option<&str>, Option<&str>),
    json: bool,
) -> Result<ExitCode> {
    let from = from.map(|t| instant_flag("--from", t)).transpose()?;
    let to = to.map(|t| instant_flag("--to", t)).transpose()?;
    if let (Some(from), Some(to)) = (from, to)
        && from >= to
    {
        bail!("--from must come before --to: an audit needs a window");
    }
    let matrix = match sheet {
        Some(sheet) => match of_sheet(&sheet, team, from, to)? {
            Ok(matrix) => matrix,
            Err(e) => return refusal(e, json),
        },
        None => match of_log(db, team, from, to)? {
            Ok(matrix) => matrix,
            Err(e) => return refusal(e, json),
        },
    };
    if json {
        outln!("{}", serde_json::to_string_pretty(&matrix)?);
    } else {
        out!("{}", render(&matrix));
    }
    Ok(ExitCode::SUCCESS)
}

fn of_log(
    db: &Db,
    team: Option<&str>,
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
) -> Result<Result<AuditMatrix, baton_app::AnalyticsError>> {
    block_on(async {
        let app = connect(&db.db).await?;
        if let Err(e) = app.prepare_analytics(&Bar::new()).await {
            return Ok(Err(e));
        }
        Ok(app.audit_matrix(team, from, to, Utc::now()).await)
    })
}

fn read(path: &Path) -> Result<(String, String)> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    Ok((path.display().to_string(), text))
}

fn of_sheet(
    sheet: &Sheet<'_>,
    team: Option<&str>,
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
) -> Result<Result<AuditMatrix, baton_app::SheetAuditError>> {
    let org = sheet.org.map(read).transpose()?;
    let guides = sheet
        .guides
        .iter()
        .map(|p| read(p))
        .collect::<Result<Vec<_>>>()?;
    let guide_refs: Vec<(&str, &str)> = guides
        .iter()
        .map(|(n, t)| (n.as_str(), t.as_str()))
        .collect();
    let file = std::fs::File::open(sheet.csv)
        .with_context(|| format!("cannot read {}", sheet.csv.display()))?;
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    Ok(audit_sheet(
        std::io::BufReader::new(file),
        size,
        SheetFiles {
            org: org.as_ref().map(|(n, t)| (n.as_str(), t.as_str())),
            guides: &guide_refs,
        },
        team,
        from,
        to,
        &Bar::new(),
    ))
}

fn known<T>(value: &Known<T>, show: impl FnOnce(&T) -> String) -> String {
    value.get().map_or_else(|| "unknown".to_owned(), show)
}

fn word<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_else(|| "–".to_owned())
}

/// The matrix as a terminal shows it: one table, then each row's pains.
pub fn render(m: &AuditMatrix) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "baton audit — {}, {} to {}\n",
        m.scope,
        baton_core::instant(m.window.from),
        baton_core::instant(m.window.to)
    );
    let mut t = table(
        &[
            "team",
            "type",
            "count",
            "frequency (declared / seen)",
            "impact",
            "top deciders",
            "leaders",
            "median",
            "p90",
            "escalated",
            "quality",
            "pains",
        ],
        2,
    );
    for column in [3, 4, 5] {
        if let Some(c) = t.column_mut(column) {
            c.set_cell_alignment(comfy_table::CellAlignment::Left);
        }
    }
    for row in &m.rows {
        let declared = known(&row.declared_frequency, |f| {
            f.as_ref().map_or_else(|| "–".to_owned(), word)
        });
        let seen = row
            .observed_frequency
            .as_ref()
            .map_or_else(|| "–".to_owned(), word);
        let top = known(&row.top_deciders, |top| {
            if top.is_empty() {
                return "–".to_owned();
            }
            top.iter()
                .map(|d| format!("{} {:.0}%", d.person, d.share * 100.0))
                .collect::<Vec<_>>()
                .join(", ")
        });
        t.add_row(vec![
            row.team.clone(),
            row.decision_type.clone(),
            row.count.to_string(),
            format!("{declared} / {seen}"),
            known(&row.impact, word),
            top,
            known(&row.leader_share, |s| percent(*s)),
            known(&row.median_seconds, |s| duration(*s)),
            known(&row.p90_seconds, |s| duration(s.map(|v| v as f64))),
            known(&row.escalation_rate, |s| percent(*s)),
            known(&row.outcome_quality, |q| {
                format!("{} ({})", ratio(q.rate), q.recorded)
            }),
            row.flags.len().to_string(),
        ]);
    }
    let _ = writeln!(s, "{t}");
    let pains: Vec<_> = m.rows.iter().filter(|r| !r.flags.is_empty()).collect();
    if pains.is_empty() {
        let _ = writeln!(s, "\nno pains");
        return s;
    }
    let _ = writeln!(s, "\npains");
    for row in pains {
        for flag in &row.flags {
            let _ = writeln!(
                s,
                "  {}/{}  {}: {}",
                row.team,
                row.decision_type,
                word(&flag.kind),
                flag.message
            );
        }
    }
    s
}
