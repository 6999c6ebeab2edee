//! `baton apply`: load the directory and guides into the store.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Result, bail};

use super::app::{block_on, connect};
use crate::cli::Db;
use crate::commands::who::parse_at;
use crate::files;

pub fn run(
    db: &Db,
    org: Option<&PathBuf>,
    guides: &[PathBuf],
    at: Option<&str>,
) -> Result<ExitCode> {
    if org.is_none() && guides.is_empty() {
        bail!("nothing to apply: pass --org org.yaml and/or --guide deference.yaml");
    }
    let at = parse_at(at)?;
    let org_text = org
        .map(|p| files::read(p).map(|t| (p.display().to_string(), t)))
        .transpose()?;
    let guide_texts = guides
        .iter()
        .map(|p| files::read(p).map(|t| (p.display().to_string(), t)))
        .collect::<Result<Vec<_>>>()?;
    block_on(async {
        let app = connect(&db.db).await?;
        let guides: Vec<(&str, &str)> = guide_texts
            .iter()
            .map(|(n, t)| (n.as_str(), t.as_str()))
            .collect();
        let applied = app
            .apply(
                org_text.as_ref().map(|(n, t)| (n.as_str(), t.as_str())),
                &guides,
                at,
            )
            .await?;
        let fresh = |changed: bool| if changed { "new" } else { "unchanged" };
        if org.is_some() {
            outln!(
                "org: version {} ({})",
                applied.org_version,
                fresh(applied.org_changed)
            );
        }
        for g in &applied.guides {
            outln!(
                "guide {}: version {} ({}) {}",
                g.team,
                g.version,
                fresh(g.changed),
                g.digest
            );
        }
        Ok(ExitCode::SUCCESS)
    })
}
