//! The command-line surface, declared once with clap.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "baton",
    version,
    about = "Who decides this? A dynamic deference engine."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

/// Where the two files are; every command that reads them takes these.
#[derive(Debug, Clone, clap::Args)]
pub struct Files {
    /// The org directory.
    #[arg(long, value_name = "PATH", default_value = "org.yaml")]
    pub org: PathBuf,
    /// The team's deference guide.
    #[arg(long, value_name = "PATH", default_value = "deference.yaml")]
    pub guide: PathBuf,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Write example org.yaml, deference.yaml and deference.test.yaml.
    Init {
        /// Directory to write into.
        #[arg(default_value = ".")]
        dir: PathBuf,
        /// Overwrite files that already exist.
        #[arg(long)]
        force: bool,
    },
    /// Validate and lint both files: exit 1 on errors, 0 with warnings only.
    Check {
        #[command(flatten)]
        files: Files,
        /// Print diagnostics as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Answer "who decides this?" from the files, with reasons.
    Who(WhoArgs),
    /// Print JSON Schemas for the file formats.
    Schema {
        #[arg(value_enum, default_value = "all")]
        which: SchemaKind,
    },
    /// Run guide tests (default ./deference.test.yaml): PASS/FAIL per test.
    Test {
        #[command(flatten)]
        files: Files,
        /// Test files.
        #[arg(value_name = "FILE")]
        tests: Vec<PathBuf>,
        /// Print results as JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, clap::Args)]
pub struct WhoArgs {
    #[command(flatten)]
    pub files: Files,
    /// The decision type.
    #[arg(long = "type", value_name = "TYPE")]
    pub decision_type: String,
    /// Context for `when` conditions, repeatable: `--ctx urgency=critical --ctx rows=5000000`.
    /// Values are JSON where they parse as JSON, else strings.
    #[arg(long = "ctx", value_name = "KEY=VALUE")]
    pub ctx: Vec<String>,
    /// Who is asking.
    #[arg(long)]
    pub requester: Option<String>,
    /// The decision's title.
    #[arg(long, default_value = "")]
    pub title: String,
    /// The instant to resolve at (RFC 3339); default now.
    #[arg(long)]
    pub at: Option<String>,
    /// Print the resolution (or error) as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum SchemaKind {
    All,
    Org,
    Guide,
    Test,
}
