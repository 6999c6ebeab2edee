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
        Command::Who(args) => who::run(&args),
        Command::Schema { which } => schema::run(which),
        Command::Test { files, tests, json } => test::run(&files, &tests, json),
    }
}
