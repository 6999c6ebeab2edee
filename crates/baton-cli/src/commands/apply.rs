//! `baton apply`: load the directory and guides into the store.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Result, bail};

use super::app::{block_on, connect};
use crate::cli::Db;
use crate::commands::who::parse_at;
use crate::files;

/// With no flags: the files `check` reads by default, those present.
fn defaults() -> Result<(Option<PathBuf>, Vec<PathBuf>)> {
    let present = |name: &str| Some(PathBuf::from(name)).filter(|p| p.is_file());
    let (org, guide) = (present(DEFAULT_ORG), present(DEFAULT_GUIDE));
    if org.is_none() && guide.is_none() {
        bail!(
            "nothing to apply: no ./{DEFAULT_ORG} or ./{DEFAULT_GUIDE} here; pass --org FILE and/or --guide FILE"
        );
    }
    Ok((org, guide.into_iter().collect()))
}

/// What `apply` reads when given no files, as `check` does.
const DEFAULT_ORG: &str = "org.yaml";
const DEFAULT_GUIDE: &str = "deference.yaml";

pub fn run(
    db: &Db,
    org: Option<PathBuf>,
    guides: Vec<PathBuf>,
    at: Option<&str>,
) -> Result<ExitCode> {
    let (org, guides) = if org.is_none() && guides.is_empty() {
        defaults()?
    } else {
        (org, guides)
    };
    let (org, guides) = (org.as_ref(), guides.as_slice());
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
