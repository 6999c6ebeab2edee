//! `baton tick`: process deadlines. Safe to run twice, or from two places.

use std::process::ExitCode;

use anyhow::Result;

use super::app::{block_on, connect};
use crate::cli::Db;
use crate::commands::who::parse_at;

pub fn run(db: &Db, at: Option<&str>) -> Result<ExitCode> {
    let at = parse_at(at)?;
    block_on(async {
        let app = connect(&db.db).await?;
        let changed = app.tick(at).await?;
        for d in &changed {
            outln!(
                "decision {}: {} (decider {})",
                d.id,
                d.status.as_str(),
                d.decider
            );
        }
        outln!(
            "{} decision{} processed",
            changed.len(),
            if changed.len() == 1 { "" } else { "s" }
        );
        Ok(ExitCode::SUCCESS)
    })
}
