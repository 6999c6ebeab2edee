//! One module per subcommand.

mod act;
mod app;
mod apply;
mod audit;
mod check;
mod completions;
mod export;
mod import;
mod init;
mod log;
mod open;
mod pilot;
mod replay;
mod report;
mod schema;
mod serve;
mod show;
mod test;
mod tick;
mod token;
mod verify;
mod who;

use baton_core::lifecycle::act as action;
use std::process::ExitCode;

use anyhow::Result;

use baton_app::DecisionFilter;
use baton_core::lifecycle::{Action, OutcomeResult};

use crate::cli::{Cli, Command, OutcomeArg};

pub fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Init { dir, force } => init::run(&dir, force),
        Command::Check { files, tests, json } => check::run(&files, &tests, json),
        Command::Who(args) => who::run(&args),
        Command::Schema { which } => schema::run(which),
        Command::Completions { shell } => completions::run(shell),
        Command::Apply {
            db,
            org,
            guides,
            at,
        } => apply::run(&db, org, guides, at.as_deref()),
        Command::Open {
            db,
            team,
            decision_type,
            title,
            ctx,
            person,
            at,
            json,
        } => open::run(&open::Args {
            db: &db,
            team: &team,
            decision_type: &decision_type,
            title: &title,
            ctx: &ctx,
            person: &person,
            at: at.as_deref(),
            json,
        }),
        Command::Position {
            id,
            option,
            rationale,
            confidence,
            risk,
            reversible,
            acting,
        } => act::run(
            id,
            Action::Position(action::Position {
                option,
                rationale,
                confidence,
                risk,
                reversible,
            }),
            &acting,
        ),
        Command::Object { id, reason, acting } => {
            act::run(id, Action::Object(action::Object { reason }), &acting)
        }
        Command::Delegate {
            id,
            to,
            reason,
            acting,
        } => act::run(
            id,
            Action::Delegate(action::Delegate { to, reason }),
            &acting,
        ),
        Command::Decide {
            id,
            option,
            rationale,
            override_reason,
            review_on,
            acting,
        } => act::run(
            id,
            Action::Decide(action::Decide {
                option,
                rationale,
                override_reason,
                review_on,
            }),
            &acting,
        ),
        Command::Escalate { id, acting } => act::run(id, Action::Escalate, &acting),
        Command::Outcome {
            id,
            result,
            notes,
            acting,
        } => {
            let result = match result {
                OutcomeArg::Success => OutcomeResult::Success,
                OutcomeArg::Partial => OutcomeResult::Partial,
                OutcomeArg::Failure => OutcomeResult::Failure,
            };
            act::run(
                id,
                Action::Outcome(action::Outcome { result, notes }),
                &acting,
            )
        }
        Command::Withdraw { id, acting } => act::run(id, Action::Withdraw, &acting),
        Command::Supersede { id, by, acting } => {
            act::run(id, Action::Supersede(action::Supersede { by }), &acting)
        }
        Command::Show { id, db, json } => show::run(id, &db, json),
        Command::Log {
            db,
            team,
            decision_type,
            status,
            decider,
            text,
            from,
            to,
            limit,
            json,
        } => log::run(
            &db,
            DecisionFilter {
                team: team.map(Into::into),
                decision_type,
                decider: decider.map(Into::into),
                text,
                ..DecisionFilter::default()
            },
            &log::Window {
                status: status.as_deref(),
                from: from.as_deref(),
                to: to.as_deref(),
                limit,
            },
            json,
        ),
        Command::Tick { db, at } => tick::run(&db, at.as_deref()),
        Command::Verify { db, head, json } => verify::run(&db, head.as_ref(), json),
        Command::Serve {
            db,
            listen,
            tick_every,
            demo,
            clock,
        } => serve::run(&db, &listen, tick_every, demo, clock.as_deref()),
        Command::Token(command) => token::run(command),
        Command::Export {
            db,
            format,
            out,
            people,
            types,
            availability,
        } => {
            let table = match (people, types, availability) {
                (true, _, _) => export::Table::People,
                (_, true, _) => export::Table::Types,
                (_, _, true) => export::Table::Availability,
                _ => export::Table::Decisions,
            };
            export::run(&db, format, table, out.as_deref())
        }
        Command::Import {
            db,
            file,
            format,
            at,
            allow_departed,
            dry_run,
        } => import::run(
            &db,
            &file,
            format,
            import::Options {
                at: at.as_deref(),
                allow_departed,
                dry_run,
            },
        ),
        Command::Test { files, tests, json } => test::run(&files, &tests, json),
        Command::Report {
            db,
            team,
            from,
            to,
            json,
            html,
        } => report::run(
            &db,
            team.as_deref(),
            (from.as_deref(), to.as_deref()),
            json,
            html.as_deref(),
        ),
        Command::Pilot(command) => pilot::run(command),
        Command::Replay {
            db,
            guide,
            team,
            from,
            to,
            json,
        } => replay::run(
            &db,
            &guide,
            team.as_deref(),
            (from.as_deref(), to.as_deref()),
            json,
        ),
        Command::Audit {
            db,
            team,
            csv,
            org,
            guides,
            from,
            to,
            json,
        } => audit::run(
            &db,
            team.as_deref(),
            csv.as_deref().map(|csv| audit::Sheet {
                csv,
                org: org.as_deref(),
                guides: &guides,
            }),
            (from.as_deref(), to.as_deref()),
            json,
        ),
    }
}
