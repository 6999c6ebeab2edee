//! `baton verify`: recompute the audit chain.

use std::process::ExitCode;

use anyhow::Result;
use baton_store::Verified;

use super::store::{block_on, connect};
use crate::cli::Db;

pub fn run(db: &Db, json: bool) -> Result<ExitCode> {
    block_on(async {
        let store = connect(&db.db).await?;
        let report = store.verify().await?;
        if json {
            println!("{}", serde_json::to_string_pretty(&report)?);
        } else {
            match &report.verified {
                Verified::Intact => println!(
                    "chain intact: {} events, head {}",
                    report.events, report.head
                ),
                Verified::Broken { seq, reason } => {
                    println!("chain broken at event {seq}: {reason}")
                }
            }
        }
        Ok(if report.verified == Verified::Intact {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(1)
        })
    })
}
