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
            Ok(d) => {
                // The id alone on stdout, for scripts; the answer for people.
                outln!("{}", d.id);
                eprintln!("{}", opened_summary(&d));
            }
            Err(e) => return refusal(e, args.json),
        }
        Ok(ExitCode::SUCCESS)
    })
}

/// Who decides a just-opened decision, by which rule, and what happens next.
fn opened_summary(d: &baton_core::lifecycle::Decision) -> String {
    let r = &d.resolution;
    let mut line = format!(
        "decision {}: {} decides (rule {}, {}), {}",
        d.id,
        d.decider,
        r.rule,
        r.framework.as_str(),
        d.status.as_str()
    );
    if let Some(c) = &r.consensus_check {
        line.push_str(&format!(
            "; objections until {}",
            baton_core::instant(c.deadline)
        ));
    }
    match &r.escalation {
        Some(e) => line.push_str(&format!(
            "; escalates to {} at {} if undecided",
            e.to.as_deref().unwrap_or("nobody eligible"),
            baton_core::instant(e.deadline)
        )),
        None => line.push_str("; no escalation"),
    }
    line
}
