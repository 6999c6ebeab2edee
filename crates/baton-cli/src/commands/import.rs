//! `baton import`: decisions from a CSV of past decisions or a JSON/NDJSON
//! export, in one transaction: a bad line imports nothing.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Result, anyhow};
use baton_store::transfer::{parse_csv, parse_json, parse_ndjson};

use super::store::{block_on, connect};
use crate::cli::{Db, ImportFormat};
use crate::commands::who::parse_at;
use crate::files;

pub fn run(
    db: &Db,
    file: &Path,
    format: Option<ImportFormat>,
    at: Option<&str>,
) -> Result<ExitCode> {
    let at = parse_at(at)?;
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
    let text = files::read(file)?;
    let parsed = match format {
        ImportFormat::Csv => parse_csv(&text),
        ImportFormat::Json => parse_json(&text),
        ImportFormat::Ndjson => parse_ndjson(&text),
    };
    let records = match parsed {
        Ok(r) => r,
        Err(e) => {
            eprintln!(
                "error[invalid]: {}:{e}; nothing was imported",
                file.display()
            );
            return Ok(ExitCode::from(1));
        }
    };
    block_on(async {
        let store = connect(&db.db).await?;
        let spinner = indicatif::ProgressBar::new_spinner()
            .with_message(format!("importing {} decisions", records.len()));
        spinner.enable_steady_tick(std::time::Duration::from_millis(120));
        let ids = store
            .import(&records, &file.display().to_string(), at)
            .await?;
        spinner.finish_and_clear();
        match (ids.first(), ids.last()) {
            (Some(first), Some(last)) => {
                println!("imported {} decisions as {first}..{last}", ids.len())
            }
            _ => println!("imported 0 decisions"),
        }
        Ok(ExitCode::SUCCESS)
    })
}
