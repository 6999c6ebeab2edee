//! `baton export`: every decision as JSON, NDJSON, CSV or MADR records,
//! read page by page and written as it goes; with `--people` or `--types`,
//! the directory's people or the teams' decision types as CSV, so that SQL
//! over the three files alone reproduces SPEC §6; with `--availability`,
//! the breaks and hand-offs recorded beside the files, as JSON.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use baton_app::App;
use baton_app::transfer::{DecisionCsv, madr, madr_file_name, write_people, write_types};
use baton_core::analytics::Judge;

use super::app::{block_on, connect};
use crate::cli::{Db, ExportFormat};

/// What `--format csv` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Table {
    Decisions,
    People,
    Types,
    Availability,
}

/// Decisions read per page.
const PAGE: i64 = 5_000;

pub fn run(db: &Db, format: ExportFormat, table: Table, out: Option<&Path>) -> Result<ExitCode> {
    if format == ExportFormat::Madr && out.is_none() {
        bail!("--format madr writes one file per decision: name a directory with --out DIR");
    }
    match table {
        Table::People | Table::Types if format != ExportFormat::Csv => {
            bail!("--people and --types are CSV tables: use them with --format csv");
        }
        Table::Availability if format != ExportFormat::Json => {
            bail!("--availability is one JSON document: use it with --format json");
        }
        _ => {}
    }
    block_on(async {
        let app = connect(&db.db).await?;
        if format == ExportFormat::Madr {
            return madr_records(&app, out.unwrap_or(Path::new("."))).await;
        }
        let sink: Box<dyn Write> = match out {
            Some(path) => Box::new(
                std::fs::File::create(path)
                    .with_context(|| format!("cannot write `{}`", path.display()))?,
            ),
            None => Box::new(std::io::stdout().lock()),
        };
        let mut sink = std::io::BufWriter::new(sink);
        let guides = app.guides().await?;
        let guides: Vec<&baton_core::Guide> = guides.iter().map(AsRef::as_ref).collect();
        match (format, table) {
            (_, Table::Availability) => {
                let document = serde_json::json!({
                    "breaks": app.breaks(None).await?,
                    "handoffs": app.handoffs(None).await?,
                });
                serde_json::to_writer_pretty(&mut sink, &document)?;
                sink.write_all(b"\n")?;
            }
            (ExportFormat::Csv, Table::People) => {
                write_people(&mut sink, &*app.directory().await?, &guides)?;
            }
            (ExportFormat::Csv, Table::Types) => {
                write_types(&mut sink, &guides)?;
            }
            (ExportFormat::Csv, Table::Decisions) => {
                let directories = app.directories().await?;
                let judge = Judge::new(&directories, &guides);
                let mut csv = DecisionCsv::new(&mut sink)?;
                each_page(&app, |page| {
                    for d in page {
                        csv.row(d, &judge)?;
                    }
                    Ok(())
                })
                .await?;
                csv.finish()?;
            }
            (_, _) => {
                let ndjson = format == ExportFormat::Ndjson;
                if !ndjson {
                    sink.write_all(b"[")?;
                }
                let mut first = true;
                let mut after = None;
                loop {
                    let page = app.decisions_after(after, PAGE).await?;
                    let Some(last) = page.last() else { break };
                    after = Some(last.id);
                    for d in &page {
                        let doc = app.document(d).await?;
                        if ndjson {
                            writeln!(sink, "{doc}")?;
                        } else {
                            let sep = if first { "\n" } else { ",\n" };
                            write!(sink, "{sep}{}", serde_json::to_string_pretty(&doc)?)?;
                        }
                        first = false;
                    }
                }
                if !ndjson {
                    sink.write_all(if first { b"]\n" } else { b"\n]\n" })?;
                }
            }
        }
        sink.flush()?;
        Ok(ExitCode::SUCCESS)
    })
}

/// Calls `write` with each page of the log, oldest first.
async fn each_page(
    app: &App,
    mut write: impl FnMut(&[baton_core::lifecycle::Decision]) -> Result<()>,
) -> Result<()> {
    let mut after = None;
    loop {
        let page = app.decisions_after(after, PAGE).await?;
        let Some(last) = page.last() else {
            return Ok(());
        };
        after = Some(last.id);
        write(&page)?;
    }
}

async fn madr_records(app: &App, dir: &Path) -> Result<ExitCode> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create `{}`", dir.display()))?;
    let mut written = 0;
    let mut after = None;
    loop {
        let page = app.decisions_after(after, PAGE).await?;
        let Some(last) = page.last() else { break };
        after = Some(last.id);
        for d in &page {
            let path = dir.join(madr_file_name(d));
            std::fs::write(&path, madr(d))
                .with_context(|| format!("cannot write `{}`", path.display()))?;
            written += 1;
        }
    }
    outln!("wrote {written} decision records to {}", dir.display());
    Ok(ExitCode::SUCCESS)
}
