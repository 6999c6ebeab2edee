//! `baton open`: resolve who decides and record the decision.

use std::process::ExitCode;

use anyhow::Result;
use baton_app::{Caller, OpenRequest};
use baton_core::lifecycle::Role;

use super::app::{block_on, connect, refusal};
use crate::cli::Db;
use crate::commands::who::{parse_at, parse_ctx};

pub struct Args<'a> {
    pub db: &'a Db,
    pub team: &'a str,
    pub decision_type: &'a str,
    pub title: &'a str,
    pub ctx: &'a [String],
    pub person: &'a str,
    pub at: Option<&'a str>,
    pub json: bool,
}

pub fn run(args: &Args<'_>) -> Result<ExitCode> {
    let request = OpenRequest {
        team: args.team.to_owned(),
        decision_type: args.decision_type.to_owned(),
        title: args.title.to_owned(),
        context: parse_ctx(args.ctx)?,
    };
    let at = parse_at(args.at)?;
    // Anyone who can open the store may open a decision as themselves.
    let caller = Caller::new(args.person, Role::Member);
    block_on(async {
        let app = connect(&args.db.db).await?;
        match app.open(&caller, request, at).await {
            Ok(d) if args.json => outln!(
                "{}",
                serde_json::to_string_pretty(&app.document(&d).await?)?
            ),
            Ok(d) => outln!("{}", d.id),
            Err(e) => return refusal(e, args.json),
        }
        Ok(ExitCode::SUCCESS)
    })
}
