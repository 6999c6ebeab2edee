//! `baton export`: every decision as JSON, NDJSON, CSV or MADR records.

use std::io::Write as _;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use baton_store::DecisionFilter;
use baton_store::transfer::{madr, madr_file_name, write_csv};

use super::store::{block_on, connect};
use crate::cli::{Db, ExportFormat};

pub fn run(db: &Db, format: ExportFormat, out: Option<&Path>) -> Result<ExitCode> {
    if format == ExportFormat::Madr && out.is_none() {
        bail!("--format madr writes one file per decision: name a directory with --out DIR");
    }
    block_on(async {
        let store = connect(&db.db).await?;
        let mut decisions = store.list(&DecisionFilter::default()).await?;
        decisions.reverse();
        let bar = indicatif::ProgressBar::new(decisions.len() as u64);
        let text = match format {
            ExportFormat::Csv => write_csv(&decisions)?,
            ExportFormat::Json | ExportFormat::Ndjson => {
                let mut docs = Vec::with_capacity(decisions.len());
                for d in decisions {
                    docs.push(store.document_of(&d).await?);
                    bar.inc(1);
                }
                if format == ExportFormat::Json {
                    serde_json::to_string_pretty(&docs)? + "\n"
                } else {
                    docs.iter().map(|d| d.to_string() + "\n").collect()
                }
            }
            ExportFormat::Madr => {
                let dir = out.unwrap_or(Path::new("."));
                std::fs::create_dir_all(dir)
                    .with_context(|| format!("cannot create `{}`", dir.display()))?;
                for d in &decisions {
                    let path = dir.join(madr_file_name(d));
                    std::fs::write(&path, madr(d))
                        .with_context(|| format!("cannot write `{}`", path.display()))?;
                    bar.inc(1);
                }
                bar.finish_and_clear();
                println!(
                    "wrote {} decision records to {}",
                    decisions.len(),
                    dir.display()
                );
                return Ok(ExitCode::SUCCESS);
            }
        };
        bar.finish_and_clear();
        match out {
            Some(path) => std::fs::write(path, text)
                .with_context(|| format!("cannot write `{}`", path.display()))?,
            None => std::io::stdout().write_all(text.as_bytes())?,
        }
        Ok(ExitCode::SUCCESS)
    })
}
