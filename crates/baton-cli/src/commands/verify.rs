//! `baton verify`: recompute the audit chain and prove every stored row
//! from it.

use std::process::ExitCode;

use anyhow::Result;
use baton_app::{NotedHead, Verified};

use super::app::{block_on, connect};
use crate::cli::Db;
use crate::colour::{self, Stream};

pub fn run(db: &Db, head: Option<&NotedHead>, json: bool) -> Result<ExitCode> {
    block_on(async {
        let app = connect(&db.db).await?;
        let report = app.verify(head).await?;
        if json {
            outln!("{}", serde_json::to_string_pretty(&report)?);
        } else {
            match &report.verified {
                Verified::Intact => outln!(
                    "{}: {} events, head {}; {} decisions and {} directory and guide versions match it",
                    colour::verdict("chain intact", true, Stream::Out),
                    report.events,
                    report.head,
                    report.decisions,
                    report.versions
                ),
                Verified::Broken { reason, .. } => outln!(
                    "{}: {reason}",
                    colour::verdict("chain broken", false, Stream::Out)
                ),
            }
            if report.unproven > 0 {
                eprintln!(
                    "warning: {} decisions were last changed before events carried record digests: their records are not proven by the chain",
                    report.unproven
                );
            }
        }
        Ok(if report.verified == Verified::Intact {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(1)
        })
    })
}
