//! The lifecycle commands: position, object, delegate, decide, escalate,
//! outcome, withdraw, supersede. Each acts as `--as PERSON`; the rules live in the
//! core's lifecycle, so the CLI enforces exactly what the API does.

use baton_core::lifecycle::act;
use std::process::ExitCode;

use anyhow::Result;
use baton_app::Caller;
use baton_core::lifecycle::{Action, Decision};

use super::app::{block_on, connect, refusal};
use crate::cli::Acting;
use crate::commands::who::parse_at;

pub fn run(id: baton_core::DecisionId, action: Action, acting: &Acting) -> Result<ExitCode> {
    let at = parse_at(acting.at.as_deref())?;
    // The command line is a local tool: its user acts in the name given
    // with --as and the role given with --role; on the server both come
    // from the token.
    let caller = Caller::new(acting.person.clone(), acting.role.into());
    block_on(async {
        let app = connect(&acting.db.db).await?;
        match app.act(&caller, id, &action, at).await {
            Ok(d) if acting.json => outln!(
                "{}",
                serde_json::to_string_pretty(&app.document(&d).await?)?
            ),
            Ok(d) => outln!("{}", summary(&d, &action)),
            Err(e) => return refusal(e, acting.json),
        }
        Ok(ExitCode::SUCCESS)
    })
}

fn summary(d: &Decision, action: &Action) -> String {
    let what = match action {
        Action::Decide(act::Decide { .. }) if d.overridden => format!(
            "decided `{}` as an override",
            d.option.as_deref().unwrap_or_default()
        ),
        Action::Decide(act::Decide { .. }) => {
            format!("decided `{}`", d.option.as_deref().unwrap_or_default())
        }
        Action::Escalate => format!("escalated to {}", d.decider),
        Action::Delegate(act::Delegate { to, .. }) => format!("delegated to {to}"),
        Action::Supersede(act::Supersede { by }) => format!("superseded by decision {by}"),
        Action::Object(act::Object { .. }) => {
            format!("objection recorded; the decider is now {}", d.decider)
        }
        other => format!("{} recorded", other.name()),
    };
    format!("decision {}: {what} (status {})", d.id, d.status.as_str())
}
