//! Diagnostics: what is wrong with a file, and exactly where.
//!
//! Every load error and lint names the file, the line and column, the YAML
//! path (`rules[2].authority.role`) and what was expected, so a typo in a
//! guide is found in seconds — in a terminal, an editor or CI.

use std::fmt;

use serde::Serialize;

use crate::yaml::Locator;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Error => "error",
            Self::Warning => "warning",
        }
    }
}

/// One finding about one place in one file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    pub severity: Severity,
    pub file: String,
    /// 1-based; `None` when the place is the file as a whole.
    pub line: Option<u64>,
    pub column: Option<u64>,
    /// The YAML path of the offending node, empty for the whole file.
    pub path: String,
    /// A stable identifier for lints (`unroutable_type`), empty for errors.
    #[serde(skip_serializing_if = "str::is_empty")]
    pub code: &'static str,
    pub message: String,
}

impl Diagnostic {
    /// `FILE:LINE:COL`, or the file alone when the place is the whole file.
    pub fn place(&self) -> String {
        match (self.line, self.column) {
            (Some(line), Some(column)) => format!("{}:{line}:{column}", self.file),
            _ => self.file.clone(),
        }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {}: {}",
            self.place(),
            self.severity.as_str(),
            self.message
        )?;
        if !self.path.is_empty() {
            write!(f, " (at `{}`)", self.path)?;
        }
        Ok(())
    }
}

/// Errors that stop a file from loading. Never empty.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct LoadErrors(pub Vec<Diagnostic>);

impl fmt::Display for LoadErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{d}")?;
        }
        Ok(())
    }
}

/// Collects findings about one file, placing each by its YAML path.
///
/// Positions are looked up lazily: the locator parses the file a second time
/// only when there is something to report, so a valid file pays nothing.
pub(crate) struct Reporter<'a> {
    file: &'a str,
    text: &'a str,
    locator: Option<Locator>,
    found: Vec<Diagnostic>,
}

impl<'a> Reporter<'a> {
    pub(crate) fn new(file: &'a str, text: &'a str) -> Self {
        Self {
            file,
            text,
            locator: None,
            found: Vec::new(),
        }
    }

    pub(crate) fn error(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.push(Severity::Error, "", path.into(), message.into());
    }

    /// An error at `column` (1-based, in characters) of the scalar
    /// `value` written at `path`: placed on that character when the scalar
    /// is written on one line, plain or quoted, else at the scalar.
    pub(crate) fn error_in_scalar(
        &mut self,
        path: impl Into<String>,
        value: &str,
        column: usize,
        message: impl Into<String>,
    ) {
        self.error(path, message);
        let text = self.text;
        let Some(d) = self.found.last_mut() else {
            return;
        };
        let (Some(line), Some(start)) = (d.line, d.column) else {
            return;
        };
        let Some(written) = text
            .lines()
            .nth(
                usize::try_from(line)
                    .unwrap_or(usize::MAX)
                    .saturating_sub(1),
            )
            .and_then(|l| {
                let skip = usize::try_from(start).ok()?.checked_sub(1)?;
                l.char_indices().nth(skip).map(|(i, _)| &l[i..])
            })
        else {
            return;
        };
        let quote = written.chars().next().filter(|c| matches!(c, '"' | '\''));
        let body = quote.map_or(written, |q| &written[q.len_utf8()..]);
        // Only where the characters up to the column are written as they
        // read: not folded across lines, and in a quoted scalar no escape
        // (`\"`, `''`) before the column.
        let upto: String = value.chars().take(column).collect();
        let escaped = quote.is_some_and(|q| upto.contains(['\\', q]));
        if body.starts_with(&upto) && !escaped {
            d.column = Some(start + u64::from(quote.is_some()) + column as u64 - 1);
        }
    }

    pub(crate) fn warn(
        &mut self,
        code: &'static str,
        path: impl Into<String>,
        message: impl Into<String>,
    ) {
        self.push(Severity::Warning, code, path.into(), message.into());
    }

    fn push(&mut self, severity: Severity, code: &'static str, path: String, message: String) {
        let locator = self.locator.get_or_insert_with(|| Locator::new(self.text));
        let (line, column) = locator
            .find(&path)
            .map_or((None, None), |(l, c)| (Some(l), Some(c)));
        self.found.push(Diagnostic {
            severity,
            file: self.file.to_owned(),
            line,
            column,
            path,
            code,
            message,
        });
    }

    pub(crate) fn has_errors(&self) -> bool {
        self.found.iter().any(|d| d.severity == Severity::Error)
    }

    pub(crate) fn into_result(self) -> Result<Vec<Diagnostic>, LoadErrors> {
        if self.has_errors() {
            Err(LoadErrors(self.found))
        } else {
            Ok(self.found)
        }
    }

    pub(crate) fn into_diagnostics(self) -> Vec<Diagnostic> {
        self.found
    }
}
