//! `baton`: the command line at the edge of the engine.
//!
//! Exit codes: 0 success; 1 the answer is "no" (a request could not be
//! resolved, `check` found errors, a guide test failed); 2 the input was
//! unusable (a missing or malformed file, a bad flag).

/// `println!` that hands a closed pipe back as an error instead of
/// panicking, so that `baton log | head` ends quietly (see [`main`]).
macro_rules! outln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        writeln!(std::io::stdout().lock(), $($arg)*)?
    }};
}

/// `print!`, as [`outln!`] is `println!`.
macro_rules! out {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        write!(std::io::stdout().lock(), $($arg)*)?
    }};
}

/// glibc's allocator spends an import's time in lock contention: rows are
/// allocated on the thread that parses them and freed on SQLite's worker.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod cli;
mod colour;
mod commands;
mod files;
mod terminal;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    colour::init();
    let cli = cli::Cli::parse();
    match commands::run(cli) {
        Ok(code) => code,
        // The reader went away (`| head`): nothing is left to say to anyone.
        Err(err) if closed_pipe(&err) => ExitCode::SUCCESS,
        // Load errors say `FILE:LINE:COL: error: …` each, all of them.
        Err(err) if load_errors(&err).is_some() => {
            for d in load_errors(&err).iter().flat_map(|errors| &errors.0) {
                eprintln!("{}", colour::diagnostic(d, colour::Stream::Err));
            }
            ExitCode::from(2)
        }
        Err(err) => {
            eprintln!("{} {err:#}", colour::error_label());
            ExitCode::from(2)
        }
    }
}

/// Whether `err` comes from writing to a pipe whose reader has closed it.
fn closed_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// The file diagnostics behind `err`, when that is what it is.
fn load_errors(err: &anyhow::Error) -> Option<&baton_core::LoadErrors> {
    err.chain()
        .find_map(|cause| cause.downcast_ref::<baton_core::LoadErrors>())
}
