//! `baton check`: validate and lint, like a linter in CI.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Result;
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
                    match files::tests(&files::test_paths(tests, &paths.guide))? {
                        Ok(tests) => diagnostics.extend(lint::untested_context(&guide, &tests)),
                        Err(errors) => diagnostics.extend(errors.0),
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

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}
