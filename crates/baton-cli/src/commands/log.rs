//! `baton log`: list decisions.

use std::process::ExitCode;

use anyhow::{Result, bail};
use baton_app::DecisionFilter;
use baton_core::lifecycle::Status;

use super::app::{block_on, connect};
use super::who::instant_flag;
use crate::cli::Db;
use crate::terminal;

/// The flags that narrow `log` beyond the filter's fields, as typed.
pub struct Window<'a> {
    pub status: Option<&'a str>,
    pub from: Option<&'a str>,
    pub to: Option<&'a str>,
    /// 0 for all.
    pub limit: u32,
}

pub fn run(
    db: &Db,
    mut filter: DecisionFilter,
    window: &Window<'_>,
    json: bool,
) -> Result<ExitCode> {
    filter.opened_from = window.from.map(|t| instant_flag("--from", t)).transpose()?;
    filter.opened_to = window.to.map(|t| instant_flag("--to", t)).transpose()?;
    if let (Some(from), Some(to)) = (filter.opened_from, filter.opened_to)
        && from >= to
    {
        bail!("--from must come before --to: nothing is opened in an empty window");
    }
    // One more than asked, to say whether there are more.
    if window.limit > 0 {
        filter.limit = Some(i64::from(window.limit) + 1);
    }
    if let Some(s) = window.status {
        let Some(parsed) = Status::parse(s) else {
            bail!(
                "--status `{s}` is not a status: use routed, checking, deliberating, decided, escalated, withdrawn or superseded"
            );
        };
        filter.status = Some(parsed);
    }
    block_on(async {
        let app = connect(&db.db).await?;
        let mut decisions = app.list(&filter).await?;
        let limit = usize::try_from(window.limit).unwrap_or(usize::MAX);
        let more = window.limit > 0 && decisions.len() > limit;
        if more {
            decisions.truncate(limit);
            eprintln!("the newest {limit} shown; --limit N for more, --limit 0 for all");
        }
        if json {
            outln!("{}", serde_json::to_string_pretty(&decisions)?);
            return Ok(ExitCode::SUCCESS);
        }
        let mut table =
            terminal::listing(&["id", "team", "type", "status", "decider", "title"], &[0]);
        for d in &decisions {
            table.add_row(vec![
                d.id.to_string(),
                d.team.to_string(),
                d.decision_type.clone(),
                d.status.as_str().to_owned(),
                d.decider.to_string(),
                d.title.clone(),
            ]);
        }
        outln!("{}", terminal::listing_lines(&table).join("\n"));
        Ok(ExitCode::SUCCESS)
    })
}
