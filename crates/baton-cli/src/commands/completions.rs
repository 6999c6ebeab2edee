//! `baton completions SHELL`: tab completion of commands and flags, as
//! clap derives it from the same definitions the parser uses.

use std::process::ExitCode;

use anyhow::Result;
use clap::CommandFactory;

use crate::cli::Cli;

pub fn run(shell: clap_complete::Shell) -> Result<ExitCode> {
    // Into a buffer first: clap_complete panics on a failed write, and a
    // script piped into `head` must end as quietly as any other output.
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "baton", &mut script);
    out!("{}", String::from_utf8_lossy(&script));
    Ok(ExitCode::SUCCESS)
}
