//! One module per subcommand.

mod check;
mod init;
mod schema;
mod test;
mod who;

use std::process::ExitCode;

use anyhow::Result;

use crate::cli::{Cli, Command};

pub fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Init { dir, force } => init::run(&dir, force),
        Command::Check { files, json } => check::run(&files, json),
        Command::Who {
            files,
            decision_type,
            ctx,
            requester,
            title,
            at,
            json,
        } => who::run(&who::Args {
            files,
            decision_type,
            ctx,
            requester,
            title,
            at,
            json,
        }),
        Command::Schema { which } => schema::run(which),
        Command::Test { files, tests, json } => test::run(&files, &tests, json),
    }
}
