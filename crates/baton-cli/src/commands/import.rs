//! `baton import`: decisions from a CSV of past decisions or a JSON/NDJSON
//! export, read a row at a time and written in one transaction: one bad row
//! imports nothing, and every bad row is named.

use std::fs::File;
use std::io::BufReader;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result, anyhow};
use baton_app::transfer::{self, ImportError, Unchecked};
use baton_app::{ImportFailure, ImportOptions};

use super::app::{block_on, connect};
use crate::cli::{Db, ImportFormat};
use crate::commands::who::parse_at;

pub struct Options<'a> {
    pub at: Option<&'a str>,
    pub allow_departed: bool,
    pub dry_run: bool,
}

type Read = Result<Unchecked, Vec<ImportError>>;

pub fn run(
    db: &Db,
    file: &Path,
    format: Option<ImportFormat>,
    options: Options<'_>,
) -> Result<ExitCode> {
    let at = parse_at(options.at)?;
    let format = match format {
        Some(f) => f,
        None => match file.extension().and_then(|e| e.to_str()) {
            Some("csv") => ImportFormat::Csv,
            Some("json") => ImportFormat::Json,
            Some("ndjson" | "jsonl") => ImportFormat::Ndjson,
            _ => {
                return Err(anyhow!(
                    "cannot tell the format of `{}` from its extension: pass --format csv|json|ndjson",
                    file.display()
                ));
            }
        },
    };
    let open = || File::open(file).with_context(|| format!("cannot read `{}`", file.display()));
    let name = file.display().to_string();
    block_on(async {
        let app = connect(&db.db).await?;
        let catalog = app.catalog(options.allow_departed).await?;
        let items: Box<dyn Iterator<Item = Read>> = match format {
            ImportFormat::Csv => match transfer::sheet(BufReader::new(open()?)) {
                Ok(sheet) => Box::new(sheet.map(|row| row.map(Unchecked::row))),
                Err(errors) => return Ok(refused(&name, &errors, 0)),
            },
            ImportFormat::Ndjson => records(transfer::ndjson(BufReader::new(open()?))),
            ImportFormat::Json => records(transfer::json(open()?)),
        };
        let bar = indicatif::ProgressBar::new_spinner().with_message(format!("reading {name}"));
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{spinner} {msg}: {human_pos} rows ({per_sec})",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
        );
        let import = ImportOptions {
            source: name.clone(),
            at,
            dry_run: options.dry_run,
            // One command, one process: nothing else of ours has the store.
            exclusive: true,
        };
        let result = app
            .import(items, &catalog, &import, |n| {
                if n % 1024 == 0 {
                    bar.set_position(n);
                }
            })
            .await;
        bar.finish_and_clear();
        let summary = match result {
            Ok(summary) => summary,
            Err(ImportFailure::BadRows(errors)) => {
                return Ok(refused(&name, &errors.errors, errors.more));
            }
            Err(e) => return Err(e.into()),
        };
        let verb = if summary.dry_run {
            "would import"
        } else {
            "imported"
        };
        let ids = summary
            .ids
            .map(|(first, last)| format!(" as {first}..{last}"))
            .unwrap_or_default();
        outln!(
            "{verb} {} decisions{ids}: {} decided before, {} opened and routed by their guide, {} already imported (skipped)",
            summary.past + summary.opened,
            summary.past,
            summary.opened,
            summary.skipped
        );
        if !summary.departed.is_empty() {
            let names: Vec<&str> = summary.departed.iter().map(String::as_str).collect();
            outln!(
                "people not in the directory, accepted as departed: {}",
                names.join(", ")
            );
        }
        if summary.dry_run {
            outln!("dry run: nothing was written");
        }
        Ok(ExitCode::SUCCESS)
    })
}

/// Records of an export, as read.
fn records(read: impl Iterator<Item = transfer::Sent> + 'static) -> Box<dyn Iterator<Item = Read>> {
    Box::new(read.map(|r| r.and_then(|(place, d)| Unchecked::record(place, d))))
}

/// Names every bad row (`more` beyond those kept) and says nothing was
/// imported: exit 1.
fn refused(name: &str, errors: &[ImportError], more: u64) -> ExitCode {
    for e in errors {
        eprintln!("error[invalid]: {name}: {e}");
    }
    if more > 0 {
        eprintln!("error[invalid]: {name}: … and {more} more");
    }
    eprintln!(
        "nothing was imported: {} bad rows",
        errors.len() as u64 + more
    );
    ExitCode::from(1)
}
