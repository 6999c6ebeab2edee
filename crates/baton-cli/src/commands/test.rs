//! `baton test`: guide tests, the way `opa test` runs policy tests.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use baton_core::guidetest;

use crate::cli::Files;
use crate::colour::{self, Stream};
use crate::files;

pub fn run(paths: &Files, tests: &[PathBuf], json: bool) -> Result<ExitCode> {
    let guide = files::load(paths)?;
    let mut named = files::test_paths(tests, &paths.guide);
    if named.is_empty() {
        // Named in the error that reading it gives.
        named.push(PathBuf::from("deference.test.yaml"));
    }
    let files = files::tests(&named)?.map_err(anyhow::Error::new)?;
    let outcomes: Vec<_> = files
        .iter()
        .flat_map(|file| guidetest::run(&guide, file))
        .collect();
    let failed = outcomes.iter().filter(|o| !o.passed).count();
    let passed = outcomes.len() - failed;
    if json {
        let out = serde_json::json!({ "passed": passed, "failed": failed, "tests": outcomes });
        outln!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        for o in &outcomes {
            let verdict = if o.passed { "PASS" } else { "FAIL" };
            outln!(
                "{} {}",
                colour::verdict(verdict, o.passed, Stream::Out),
                o.name
            );
            for d in &o.differences {
                outln!("     {}: expected {}", d.key, d.expected);
                outln!("     {}  but got  {}", " ".repeat(d.key.len()), d.actual);
            }
        }
        outln!("guide tests: {passed} passing, {failed} failing");
    }
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
