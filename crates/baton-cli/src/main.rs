//! `baton`: the command line at the edge of the engine.
//!
//! Exit codes: 0 success; 1 the answer is "no" (a request could not be
//! resolved, `check` found errors, a guide test failed); 2 the input was
//! unusable (a missing or malformed file, a bad flag).

mod cli;
mod commands;
mod files;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    match commands::run(cli) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::from(2)
        }
    }
}
