//! Moving decisions in and out: JSON, NDJSON and CSV both ways, and MADR
//! Markdown records out.
//!
//! Imports are read a row or record at a time (`sheet` for CSV, [`ndjson`]
//! and [`json`] for exports), so a file of any size is read in constant
//! memory, and checked against the applied directory and guides
//! (`items`); the store writes them all or nothing, naming every bad row.

mod csv_rows;
mod items;
mod madr;
mod sheet;

use std::io::{BufRead, Read};

use baton_core::lifecycle::Decision;

pub use csv_rows::{CSV_COLUMNS, DecisionCsv, write_people, write_types};
pub(crate) use items::UNNUMBERED;
pub use items::{Catalog, Item, Summary, Unchecked, What};

pub use madr::{madr, madr_file_name};
pub use sheet::{REQUIRED, Sheet, SheetRow, parse_instant, sheet};

/// Where an import went wrong: the line (for a JSON array, the record's
/// place in it) and the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{} {line}{}: {message}", if *record { "record" } else { "line" }, field.as_ref().map(|f| format!(", field `{f}`")).unwrap_or_default())]
pub struct ImportError {
    pub line: u64,
    /// `line` counts records of a JSON array, not lines.
    pub record: bool,
    pub field: Option<String>,
    pub message: String,
}

impl ImportError {
    pub fn at(line: u64, field: &str, message: String) -> Self {
        Self {
            line,
            record: false,
            field: Some(field.to_owned()),
            message,
        }
    }

    pub fn new(line: u64, message: String) -> Self {
        Self {
            line,
            record: false,
            field: None,
            message,
        }
    }

    /// The same error placed by record rather than line.
    fn of_record(mut self) -> Self {
        self.record = true;
        self
    }
}

/// Where a record of an export came from, for the errors about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Place {
    pub n: u64,
    /// `n` counts records of a JSON array, not lines.
    pub record: bool,
}

impl Place {
    /// Places `errors` at this record.
    pub fn mark(self, errors: Vec<ImportError>) -> Vec<ImportError> {
        if self.record {
            errors.into_iter().map(ImportError::of_record).collect()
        } else {
            errors
        }
    }
}

/// Every bad row of an import, in file order; at most [`ImportErrors::KEPT`]
/// are kept, and `more` counts the rest.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportErrors {
    pub errors: Vec<ImportError>,
    pub more: u64,
}

impl ImportErrors {
    /// Enough to fix a file by; a file bad on every line would otherwise be
    /// held whole in memory as its errors.
    pub const KEPT: usize = 10_000;

    pub fn push(&mut self, error: ImportError) {
        if self.errors.len() < Self::KEPT {
            self.errors.push(error);
        } else {
            self.more += 1;
        }
    }

    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }

    /// How many errors there were, kept or not.
    pub fn count(&self) -> u64 {
        self.errors.len() as u64 + self.more
    }
}

impl Extend<ImportError> for ImportErrors {
    fn extend<I: IntoIterator<Item = ImportError>>(&mut self, errors: I) {
        for e in errors {
            self.push(e);
        }
    }
}

impl std::fmt::Display for ImportErrors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for e in &self.errors {
            writeln!(f, "{e}")?;
        }
        if self.more > 0 {
            writeln!(f, "… and {} more", self.more)?;
        }
        Ok(())
    }
}

/// The records of an NDJSON export, each with its line.
pub fn ndjson<R: BufRead>(input: R) -> impl Iterator<Item = Sent> {
    input.lines().enumerate().filter_map(|(i, line)| {
        let n = i as u64 + 1;
        match line {
            Err(e) => Some(Err(vec![ImportError::new(n, e.to_string())])),
            Ok(text) if text.trim().is_empty() => None,
            Ok(text) => Some(
                serde_json::from_str::<Decision>(&text)
                    .map(|d| (Place { n, record: false }, d))
                    .map_err(|e| vec![ImportError::new(n, e.to_string())]),
            ),
        }
    })
}

/// The records of a JSON export (an array), each with its place in it,
/// read on a thread of their own so that the array is never held whole. A
/// record that does not parse ends the reading: nothing after it can be
/// found.
pub fn json<R: Read + Send + 'static>(input: R) -> impl Iterator<Item = Sent> {
    let (tx, rx) = std::sync::mpsc::sync_channel(1024);
    std::thread::spawn(move || {
        use serde::de::Deserializer as _;
        let mut de = serde_json::Deserializer::from_reader(std::io::BufReader::new(input));
        let sender = tx.clone();
        if let Err(e) = de.deserialize_seq(Elements(sender)) {
            let _ = tx.send(Err(vec![ImportError::new(e.line() as u64, e.to_string())]));
        }
    });
    rx.into_iter()
}

/// A record of an export read, with its place, or why it is not one.
pub type Sent = Result<(Place, Decision), Vec<ImportError>>;

/// Sends each element of a JSON array on as it is read.
struct Elements(std::sync::mpsc::SyncSender<Sent>);

impl<'de> serde::de::Visitor<'de> for Elements {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("an array of decisions, as `baton export --format json` writes")
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut n = 0u64;
        while let Some(d) = seq.next_element::<Decision>()? {
            n += 1;
            if self.0.send(Ok((Place { n, record: true }, d))).is_err() {
                // The reader stopped listening: stop reading.
                return Ok(());
            }
        }
        Ok(())
    }
}
