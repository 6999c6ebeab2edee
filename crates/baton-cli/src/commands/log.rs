//! `baton log`: list decisions.

use std::process::ExitCode;

use anyhow::{Result, bail};
use baton_app::DecisionFilter;
use baton_core::lifecycle::Status;

use super::app::{block_on, connect};
use crate::cli::Db;

pub fn run(
    db: &Db,
    mut filter: DecisionFilter,
    status: Option<&str>,
    json: bool,
) -> Result<ExitCode> {
    if let Some(s) = status {
        let Some(parsed) = Status::parse(s) else {
            bail!(
                "--status `{s}` is not a status: use routed, checking, deliberating, decided, escalated, withdrawn or superseded"
            );
        };
        filter.status = Some(parsed);
    }
    block_on(async {
        let app = connect(&db.db).await?;
        let decisions = app.list(&filter).await?;
        if json {
            outln!("{}", serde_json::to_string_pretty(&decisions)?);
            return Ok(ExitCode::SUCCESS);
        }
        outln!(
            "{:>5}  {:<12} {:<16} {:<13} {:<10} title",
            "id",
            "team",
            "type",
            "status",
            "decider"
        );
        for d in &decisions {
            outln!(
                "{:>5}  {:<12} {:<16} {:<13} {:<10} {}",
                d.id,
                d.team,
                d.decision_type,
                d.status.as_str(),
                d.decider,
                d.title
            );
        }
        Ok(ExitCode::SUCCESS)
    })
}
