//! Moving decisions in and out: JSON, NDJSON and CSV both ways, and MADR
//! Markdown records out. Parsing is all-or-nothing: the first bad line is
//! reported with its field, and nothing is imported.

mod csv_rows;
mod madr;

use baton_core::lifecycle::Decision;

pub use csv_rows::{CSV_COLUMNS, parse_csv, write_csv};
pub use madr::{madr, madr_file_name};

/// Where an import went wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}{}: {message}", field.as_ref().map(|f| format!(", field `{f}`")).unwrap_or_default())]
pub struct ImportError {
    pub line: u64,
    pub field: Option<String>,
    pub message: String,
}

/// A JSON array of decisions, as `export --format json` writes them.
pub fn parse_json(text: &str) -> Result<Vec<Decision>, ImportError> {
    serde_json::from_str::<Vec<Decision>>(text).map_err(|e| ImportError {
        line: e.line() as u64,
        field: None,
        message: e.to_string(),
    })
}

/// One decision per line, as `export --format ndjson` writes them.
pub fn parse_ndjson(text: &str) -> Result<Vec<Decision>, ImportError> {
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(i, line)| {
            serde_json::from_str::<Decision>(line).map_err(|e| ImportError {
                line: i as u64 + 1,
                field: None,
                message: e.to_string(),
            })
        })
        .collect()
}
