//! The command-line surface, declared once with clap.

use std::path::PathBuf;

use baton_core::{DecisionId, PersonId, TeamId};
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
        /// Guide tests to read for which `ctx` keys they set (default:
        /// deference.test.yaml beside the guide, or in the current
        /// directory); a rule reading a key no test sets is warned about.
        #[arg(long, value_name = "PATH")]
        tests: Vec<PathBuf>,
        /// Print diagnostics as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Answer "who decides this?" from the files, with reasons.
    Who(WhoArgs),
    /// Load org.yaml and guides into the store; every version is kept.
    /// With no --org and no --guide, applies ./org.yaml and ./deference.yaml where present.
    Apply {
        #[command(flatten)]
        db: Db,
        /// The org directory to apply.
        #[arg(long, value_name = "PATH")]
        org: Option<PathBuf>,
        /// Team guides to apply (repeatable).
        #[arg(long = "guide", value_name = "PATH")]
        guides: Vec<PathBuf>,
        /// The instant recorded for the versions applied (RFC 3339 or a
        /// date); default now.
        #[arg(long)]
        at: Option<String>,
    },
    /// Open a decision: resolve who decides and record it. Prints the new id.
    Open {
        #[command(flatten)]
        db: Db,
        /// The team whose guide decides.
        #[arg(long)]
        team: TeamId,
        /// The decision type, one the team's guide declares.
        #[arg(long = "type", value_name = "TYPE")]
        decision_type: String,
        /// What is being decided, in a line.
        #[arg(long)]
        title: String,
        /// Context for the guide's `when` conditions (repeatable); values
        /// are JSON where they parse, strings otherwise.
        #[arg(long = "ctx", value_name = "KEY=VALUE")]
        ctx: Vec<String>,
        /// The requester: who asks for the decision.
        #[arg(long = "as", value_name = "PERSON")]
        person: PersonId,
        /// When it is opened (RFC 3339 or a date); default now.
        #[arg(long)]
        at: Option<String>,
        /// Print the opened decision as JSON instead of its id.
        #[arg(long)]
        json: bool,
    },
    /// Take a position on a decision.
    Position {
        /// The decision's id.
        id: DecisionId,
        /// The option you favour.
        #[arg(long)]
        option: String,
        /// Why, in a sentence or two.
        #[arg(long)]
        rationale: String,
        /// 1 to 5.
        #[arg(long)]
        confidence: u8,
        /// The option's risk, 1 to 5.
        #[arg(long)]
        risk: Option<u8>,
        /// Whether the option is easy to undo (for the most-reversible tiebreaker).
        #[arg(long)]
        reversible: Option<bool>,
        #[command(flatten)]
        acting: Acting,
    },
    /// Object to the authority assignment during a consensus check.
    Object {
        /// The decision's id.
        id: DecisionId,
        /// What is wrong with who decides.
        #[arg(long)]
        reason: String,
        #[command(flatten)]
        acting: Acting,
    },
    /// Delegate a decision you hold to someone else.
    Delegate {
        /// The decision's id.
        id: DecisionId,
        /// The person who will decide instead.
        #[arg(long)]
        to: PersonId,
        /// Why you hand it on.
        #[arg(long)]
        reason: String,
        #[command(flatten)]
        acting: Acting,
    },
    /// Decide. Anyone but the decider or a delegate needs --override-reason.
    Decide {
        /// The decision's id.
        id: DecisionId,
        /// The option chosen.
        #[arg(long)]
        option: String,
        /// Why this option.
        #[arg(long)]
        rationale: String,
        /// Required when you are not the decider or a delegate: why you
        /// decide in their place (recorded as an override).
        #[arg(long)]
        override_reason: Option<String>,
        /// A date (YYYY-MM-DD) by which the outcome should be recorded.
        #[arg(long)]
        review_on: Option<chrono::NaiveDate>,
        #[command(flatten)]
        acting: Acting,
    },
    /// Escalate a decision you hold to its escalation target.
    Escalate {
        /// The decision's id.
        id: DecisionId,
        #[command(flatten)]
        acting: Acting,
    },
    /// Record how a decision turned out.
    Outcome {
        /// The decision's id.
        id: DecisionId,
        /// How it turned out.
        #[arg(long, value_enum)]
        result: OutcomeArg,
        /// What happened, for whoever reads the log later.
        #[arg(long, default_value = "")]
        notes: String,
        #[command(flatten)]
        acting: Acting,
    },
    /// Withdraw a decision you requested.
    Withdraw {
        /// The decision's id.
        id: DecisionId,
        #[command(flatten)]
        acting: Acting,
    },
    /// Mark a decided decision as replaced by a later one.
    Supersede {
        /// The decision replaced.
        id: DecisionId,
        /// The id of the later decision that replaces it.
        #[arg(long, value_name = "ID")]
        by: DecisionId,
        #[command(flatten)]
        acting: Acting,
    },
    /// Show one decision with its roster, positions and audit trail.
    Show {
        /// The decision's id.
        id: DecisionId,
        #[command(flatten)]
        db: Db,
        /// Print the decision as JSON.
        #[arg(long)]
        json: bool,
    },
    /// List decisions.
    Log {
        #[command(flatten)]
        db: Db,
        /// Only this team's decisions.
        #[arg(long)]
        team: Option<TeamId>,
        /// Only decisions of this type.
        #[arg(long = "type", value_name = "TYPE")]
        decision_type: Option<String>,
        /// Only decisions in this state (routed, checking, deliberating,
        /// escalated, decided, withdrawn, superseded).
        #[arg(long)]
        status: Option<String>,
        /// Only decisions this person holds or decided.
        #[arg(long)]
        decider: Option<PersonId>,
        /// Text in the title.
        #[arg(long)]
        text: Option<String>,
        /// Opened at or after this instant (RFC 3339, or a date: its midnight UTC).
        #[arg(long, value_name = "WHEN")]
        from: Option<String>,
        /// Opened before this instant (RFC 3339, or a date).
        #[arg(long, value_name = "WHEN")]
        to: Option<String>,
        /// At most this many, newest first; 0 for all.
        #[arg(long, default_value_t = 50)]
        limit: u32,
        /// Print the decisions as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Process deadlines: consensus windows, escalations, tiebreaks. Idempotent.
    Tick {
        #[command(flatten)]
        db: Db,
        /// Process deadlines due by this instant (RFC 3339 or a date);
        /// default now.
        #[arg(long)]
        at: Option<String>,
    },
    /// Recompute the audit chain and name the first broken link.
    Verify {
        #[command(flatten)]
        db: Db,
        /// A head printed by an earlier verify (`SEQ:HASH`): also detect a
        /// chain truncated or recomputed since.
        #[arg(long, value_name = "SEQ:HASH")]
        head: Option<baton_app::NotedHead>,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// The SPEC §6 report: metrics, their weekly trend, the alerts standing
    /// at the window's end and everyone's deference profile — as terminal
    /// tables, JSON, or one self-contained HTML page.
    Report {
        #[command(flatten)]
        db: Db,
        /// One team's decisions; the whole org when absent.
        #[arg(long)]
        team: Option<TeamId>,
        /// Start of the window (RFC 3339 or a date); default 90 days before --to.
        #[arg(long)]
        from: Option<String>,
        /// End of the window, exclusive (RFC 3339 or a date); default now.
        #[arg(long)]
        to: Option<String>,
        /// Print the report as JSON.
        #[arg(long, conflicts_with = "html")]
        json: bool,
        /// Write one self-contained HTML page (inline SVG charts, each with
        /// its data table, nothing fetched) to FILE.
        #[arg(long, value_name = "FILE")]
        html: Option<PathBuf>,
    },
    /// The audit matrix: per decision type, how decisions are made today
    /// and the pain each type shows — from the log, or from a CSV of past
    /// decisions with no store at all.
    Audit {
        #[command(flatten)]
        db: Db,
        /// One team's types; every team's when absent.
        #[arg(long)]
        team: Option<TeamId>,
        /// Audit this CSV of past decisions (the import's columns) instead
        /// of the log; what it lacks shows as `unknown`.
        #[arg(long, value_name = "FILE")]
        csv: Option<PathBuf>,
        /// With --csv: the directory, to tell formal leaders by rank.
        #[arg(long, requires = "csv", value_name = "PATH")]
        org: Option<PathBuf>,
        /// With --csv: a guide declaring types, domains and targets (repeatable).
        #[arg(long = "guide", requires = "csv", value_name = "PATH")]
        guides: Vec<PathBuf>,
        /// Start of the window (RFC 3339 or a date); default the first decision.
        #[arg(long)]
        from: Option<String>,
        /// End of the window, exclusive; default now (for --csv, just after
        /// the sheet's last instant).
        #[arg(long)]
        to: Option<String>,
        /// Print the matrix as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Pilots: run a guide version for a period and compare it with the
    /// period before (or a control team), with bootstrap intervals.
    #[command(subcommand)]
    Pilot(PilotCommand),
    /// What a new guide would have changed: every decision of the window
    /// resolved again, with the org state the new routing would have left.
    Replay {
        #[command(flatten)]
        db: Db,
        /// The new guide.
        #[arg(long, value_name = "PATH")]
        guide: PathBuf,
        /// The team replayed; default the guide's.
        #[arg(long)]
        team: Option<TeamId>,
        /// Replay decisions opened from this instant (RFC 3339 or a date); default the first.
        #[arg(long)]
        from: Option<String>,
        /// …until this one, exclusive; default every decision since --from.
        #[arg(long)]
        to: Option<String>,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Export every decision: JSON, NDJSON, CSV, or MADR records (one file each) into --out DIR.
    Export {
        #[command(flatten)]
        db: Db,
        /// The format to write.
        #[arg(long, value_enum)]
        format: ExportFormat,
        /// A file (a directory for madr); default standard output.
        #[arg(long, value_name = "PATH")]
        out: Option<PathBuf>,
        /// With --format csv: the directory's people (id, teams, rank,
        /// leader) instead of the decisions.
        #[arg(long, conflicts_with = "types")]
        people: bool,
        /// With --format csv: each team's decision types (team, type,
        /// impact, frequency, target in seconds) instead of the decisions.
        #[arg(long, conflicts_with = "availability")]
        types: bool,
        /// With --format json: the breaks and hand-offs recorded beside the
        /// files, as {"breaks": […], "handoffs": […]}.
        #[arg(long, conflicts_with = "people")]
        availability: bool,
    },
    /// Import decisions, all or nothing: a CSV of past decisions, or a JSON/NDJSON export.
    Import {
        #[command(flatten)]
        db: Db,
        /// The file to import.
        file: PathBuf,
        /// Default: from the file's extension.
        #[arg(long, value_enum)]
        format: Option<ImportFormat>,
        /// The instant recorded for the import's audit events (default now).
        #[arg(long)]
        at: Option<String>,
        /// Accept people who are not in the directory (a sheet of the past
        /// names people who have left); the summary lists them.
        #[arg(long)]
        allow_departed: bool,
        /// Check everything and print the summary, writing nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Serve the HTTP API (SPEC §8.2) over the store.
    Serve {
        #[command(flatten)]
        db: Db,
        /// The address and port to listen on.
        #[arg(long, default_value = "127.0.0.1:7600", value_name = "ADDR")]
        listen: String,
        /// Seconds between deadline passes (escalations, tiebreaks, consensus windows).
        #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..))]
        tick_every: u64,
        /// Seed an empty store with a demo organisation (36 people, 3 teams,
        /// six months of decisions) and print an admin token.
        #[arg(long)]
        demo: bool,
        /// Start the server's clock at this RFC 3339 instant instead of the
        /// system time; it runs on at real speed. For demos and tests that
        /// must behave the same on any day.
        #[arg(long, env = "BATON_CLOCK", value_name = "TS")]
        clock: Option<String>,
    },
    /// Create and revoke API tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Print a completion script for SHELL to stdout
    /// (bash: `baton completions bash > /etc/bash_completion.d/baton`).
    Completions {
        /// The shell to complete for.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print JSON Schemas for the file formats.
    Schema {
        /// Which file format's schema.
        #[arg(value_enum, default_value = "all")]
        which: SchemaKind,
    },
    /// Run guide tests (default ./deference.test.yaml): PASS/FAIL per test.
    Test {
        #[command(flatten)]
        files: Files,
        /// Test files (default: deference.test.yaml beside the guide, or in
        /// the current directory).
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
    pub requester: Option<PersonId>,
    /// The decision's title.
    #[arg(long, default_value = "")]
    pub title: String,
    /// The instant to resolve at (RFC 3339); default now.
    #[arg(long)]
    pub at: Option<String>,
    /// Print the resolution (or error) as JSON.
    #[arg(long)]
    pub json: bool,
    /// Ask a running server (`http://HOST:PORT`) instead of reading files:
    /// the answer then uses the org state of its decision log.
    #[arg(long, env = "BATON_SERVER", value_name = "URL")]
    pub server: Option<String>,
    /// The API token for `--server`.
    #[arg(long, env = "BATON_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// The team whose guide answers, with `--server`.
    #[arg(long, requires = "server")]
    pub team: Option<TeamId>,
}

/// Which store a command uses.
#[derive(Debug, Clone, clap::Args)]
pub struct Db {
    /// The store: sqlite://PATH, postgres://USER@HOST/DATABASE, or a bare
    /// path to a SQLite file.
    #[arg(long, env = "BATON_DB", default_value = baton_app::DEFAULT_STORE, value_name = "URL")]
    pub db: String,
}

/// The person acting and when; every lifecycle command takes these.
#[derive(Debug, Clone, clap::Args)]
pub struct Acting {
    #[command(flatten)]
    pub db: Db,
    /// The acting person (a directory id).
    #[arg(long = "as", value_name = "PERSON")]
    pub person: PersonId,
    /// The role to act in. Whoever can open the store can write to it, so
    /// the command line trusts this; the server takes roles from tokens.
    #[arg(long, value_enum, default_value = "member")]
    pub role: RoleArg,
    /// When the action happens (RFC 3339); default now.
    #[arg(long)]
    pub at: Option<String>,
    /// Print the decision as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum PilotCommand {
    /// Start a pilot: the team runs a guide version over a period.
    Create {
        #[command(flatten)]
        db: Db,
        /// The team that runs the pilot.
        #[arg(long)]
        team: TeamId,
        /// The decision types it covers, comma-separated.
        #[arg(long, value_delimiter = ',', required = true)]
        types: Vec<String>,
        /// The guide version piloted (`sha256:…`, as `apply` and `who --json` print it).
        #[arg(long, value_name = "VERSION")]
        guide_version: String,
        /// Start of the pilot (RFC 3339 or a date).
        #[arg(long)]
        from: String,
        /// End of the pilot, exclusive.
        #[arg(long)]
        to: String,
        /// Compare with this team over the same period instead of the
        /// pilot team's own period just before.
        #[arg(long)]
        control: Option<TeamId>,
        /// Who starts it (an admin or the team's steward); default the operator.
        #[arg(long = "as", value_name = "PERSON")]
        person: Option<PersonId>,
        /// The role of --as.
        #[arg(long, value_enum, default_value = "steward", requires = "person")]
        role: RoleArg,
        /// Print the pilot as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Every pilot, newest first.
    List {
        #[command(flatten)]
        db: Db,
        /// Print the pilots as JSON.
        #[arg(long)]
        json: bool,
    },
    /// A pilot against its baseline, as of now (or --at).
    Report {
        #[command(flatten)]
        db: Db,
        /// The pilot's id, as `pilot list` shows it.
        id: i64,
        /// The instant the report is made at (RFC 3339 or a date); default now.
        #[arg(long)]
        at: Option<String>,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create a token bound to a person and a role; prints the token alone.
    /// With --login, a one-time link that signs in to the dashboard instead.
    Create {
        #[command(flatten)]
        db: Db,
        /// Whom the token speaks for.
        #[arg(long)]
        person: PersonId,
        /// What they may do with it.
        #[arg(long, value_enum)]
        role: RoleArg,
        /// Print a one-time sign-in link for the dashboard (good for a
        /// day) instead of an API token.
        #[arg(long)]
        login: bool,
        /// With --login: the server's address, as readers reach it.
        #[arg(
            long,
            value_name = "URL",
            default_value = "http://127.0.0.1:7600",
            requires = "login"
        )]
        url: String,
    },
    /// Revoke a token by its id.
    Revoke {
        #[command(flatten)]
        db: Db,
        /// The token's id, as `token create` reported it.
        id: i64,
    },
}

/// A role on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RoleArg {
    Admin,
    Steward,
    Member,
    Viewer,
}

impl From<RoleArg> for baton_core::lifecycle::Role {
    fn from(role: RoleArg) -> Self {
        match role {
            RoleArg::Admin => Self::Admin,
            RoleArg::Steward => Self::Steward,
            RoleArg::Member => Self::Member,
            RoleArg::Viewer => Self::Viewer,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    Json,
    Ndjson,
    Csv,
    Madr,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ImportFormat {
    Csv,
    Json,
    Ndjson,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum OutcomeArg {
    Success,
    Partial,
    Failure,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum SchemaKind {
    All,
    Org,
    Guide,
    Test,
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    /// Every command, and every flag and argument of each, says what it is
    /// for in `--help`.
    #[test]
    fn every_command_and_flag_has_help_text() {
        fn walk(command: &clap::Command, path: &str, missing: &mut Vec<String>) {
            let here = format!("{path} {}", command.get_name());
            if command.get_about().is_none() && !path.is_empty() {
                missing.push(format!("{here} (the command)"));
            }
            for arg in command.get_arguments() {
                let builtin = matches!(arg.get_id().as_str(), "help" | "version");
                if !builtin && arg.get_help().is_none() && arg.get_long_help().is_none() {
                    missing.push(format!("{here} {}", arg.get_id()));
                }
            }
            for sub in command.get_subcommands() {
                walk(sub, &here, missing);
            }
        }
        let mut missing = Vec::new();
        walk(&super::Cli::command(), "", &mut missing);
        assert!(missing.is_empty(), "no help text:\n{}", missing.join("\n"));
    }
}
