//! `baton check`: validate and lint, like a linter in CI.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Result;
use baton_core::guidetest::{self, TestFile};
use baton_core::{Diagnostic, Severity, lint};

use crate::cli::Files;
use crate::colour::{self, Stream};
use crate::files;

pub fn run(paths: &Files, tests: &[PathBuf], json: bool) -> Result<ExitCode> {
    let mut diagnostics: Vec<Diagnostic> = Vec::new();
    let mut summary: Vec<String> = Vec::new();
    match files::directory(&paths.org)? {
        Err(errors) => {
            diagnostics.extend(errors.0);
            summary.push(format!(
                "{}: not checked against the directory, which has errors",
                paths.guide.display()
            ));
        }
        Ok(dir) => {
            summary.push(format!(
                "{}: {} people, {} endorsements",
                paths.org.display(),
                dir.len(),
                dir.endorsement_count()
            ));
            match files::guide(&paths.guide, Arc::new(dir))? {
                Err(errors) => diagnostics.extend(errors.0),
                Ok(guide) => {
                    summary.push(format!(
                        "{}: team {}, {} rules, {} decision types, {} rotations",
                        paths.guide.display(),
                        guide.team,
                        guide.rules.len(),
                        guide.types.len(),
                        guide.rotations.len()
                    ));
                    diagnostics.extend(lint::lint(&guide));
                    match test_files(tests, &paths.guide)? {
                        Ok(files) => {
                            let file = merged(files);
                            diagnostics.extend(lint::untested_context(&guide, file.as_ref()));
                        }
                        Err(errors) => diagnostics.extend(errors),
                    }
                }
            }
        }
    }
    diagnostics.sort_by(|a, b| (&a.file, a.line, a.column).cmp(&(&b.file, b.line, b.column)));
    let errors = diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count();
    let warnings = diagnostics.len() - errors;
    if json {
        let out = serde_json::json!({ "ok": errors == 0, "errors": errors, "warnings": warnings, "diagnostics": diagnostics });
        outln!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        for line in &summary {
            outln!("{line}");
        }
        for d in &diagnostics {
            outln!("{}", colour::diagnostic(d, Stream::Out));
        }
        outln!(
            "{}: {errors} error{}, {warnings} warning{}",
            if errors == 0 {
                colour::verdict("ok", true, Stream::Out)
            } else {
                colour::verdict("failed", false, Stream::Out)
            },
            plural(errors),
            plural(warnings)
        );
    }
    Ok(if errors == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// The guide tests named, or else the first that exists of
/// `./deference.test.yaml`, `deference.test.yaml` beside the guide, and
/// the guide's own name with `.test.yaml`; their load errors when any fails
/// to load.
fn test_files(paths: &[PathBuf], guide: &Path) -> Result<Result<Vec<TestFile>, Vec<Diagnostic>>> {
    let beside = guide.parent().unwrap_or(Path::new(""));
    let own = guide
        .file_stem()
        .map(|stem| beside.join(format!("{}.test.yaml", stem.to_string_lossy())));
    let default: Vec<PathBuf> = [
        Some(PathBuf::from("deference.test.yaml")),
        Some(beside.join("deference.test.yaml")),
        own,
    ]
    .into_iter()
    .flatten()
    .find(|p| p.is_file())
    .into_iter()
    .collect();
    let paths = if paths.is_empty() {
        &default[..]
    } else {
        paths
    };
    let mut files = Vec::new();
    let mut errors = Vec::new();
    for path in paths {
        let text = files::read(path)?;
        match guidetest::load(&path.display().to_string(), &text) {
            Ok(file) => files.push(file),
            Err(e) => errors.extend(e.0),
        }
    }
    Ok(if errors.is_empty() {
        Ok(files)
    } else {
        Err(errors)
    })
}

/// One test file holding every case, or none when no file was read.
fn merged(files: Vec<TestFile>) -> Option<TestFile> {
    files.into_iter().reduce(|mut all, file| {
        all.tests.extend(file.tests);
        all
    })
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}
