//! `baton schema`: JSON Schemas for editors.

use std::process::ExitCode;

use anyhow::Result;
use baton_core::schema;

use crate::cli::SchemaKind;

pub fn run(which: SchemaKind) -> Result<ExitCode> {
    let value = match which {
        SchemaKind::Org => schema::org(),
        SchemaKind::Guide => schema::guide(),
        SchemaKind::Test => schema::tests(),
        SchemaKind::All => serde_json::json!({
            "org": schema::org(),
            "guide": schema::guide(),
            "test": schema::tests(),
        }),
    };
    outln!("{}", serde_json::to_string_pretty(&value)?);
    Ok(ExitCode::SUCCESS)
}
