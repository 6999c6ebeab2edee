//! Schemathesis, the property-based tester that reads `/openapi.json`,
//! against `baton serve --demo` with the committed `.ci/schemathesis.toml`:
//! every check, every phase (stateful included), at least 100 examples per
//! operation, every operation tested, once with the admin's token and once
//! with a viewer's, and once more as the admin with the demo on
//! PostgreSQL (which refused what SQLite stores: a NUL in a title). It
//! must find nothing.
//!
//! Schemathesis comes from PyPI, pinned in `.ci/requirements.txt`:
//! `BATON_TEST_PYTHON` names the Python of the virtual environment the test
//! command (`.ci/test`) makes. Without it the test fails: it never passes by
//! skipping. The seed is fixed so that CI repeats itself; set
//! `BATON_FUZZ_SEED` to explore another.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test fails loudly"
)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

/// The demo's clock: every time-dependent test pins it.
const CLOCK: &str = "2026-06-01T10:00:00Z";

/// The seed CI runs with.
const SEED: &str = "20261207";

fn schemathesis() -> PathBuf {
    let python = common::test_python("Schemathesis");
    let script = Path::new(&python).with_file_name("schemathesis");
    assert!(
        script.exists(),
        "no `schemathesis` beside {python}: install .ci/requirements.txt into its environment"
    );
    script
}

fn config() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.ci/schemathesis.toml")
}

/// Runs Schemathesis with `token` against the server at `address`, and
/// fails the test on anything it found, on an operation it did not test,
/// or on an operation it could not generate cases for. It runs in `dir`,
/// where it keeps its cache, so the checkout stays clean.
fn fuzz(dir: &Path, address: &str, token: &str, who: &str) {
    let seed = std::env::var("BATON_FUZZ_SEED").unwrap_or_else(|_| SEED.to_owned());
    let out = Command::new(schemathesis())
        .arg("--config-file")
        .arg(config())
        .args(["run", &format!("http://{address}/openapi.json")])
        .args(["--seed", &seed, "--no-color"])
        .env("BATON_FUZZ_TOKEN", token)
        .env("NO_COLOR", "1")
        .current_dir(dir)
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&out.stdout);
    let tail: String = report
        .lines()
        .rev()
        .take(200)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect::<Vec<_>>()
        .join("\n");
    assert!(
        out.status.success(),
        "Schemathesis as {who} (seed {seed}) found something:\n{tail}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let selected = count_after(&report, "Selected: ");
    let tested = count_after(&report, "Tested: ");
    assert!(
        selected >= 50 && tested == selected,
        "as {who}: {tested} of {selected} operations tested\n{tail}"
    );
    assert!(
        !report.contains("Schema error") && !report.contains("Unsatisfiable"),
        "as {who}: cases could not be generated for some operation\n{tail}"
    );
}

/// The number that follows `label` in the summary (`Selected: 55/55` → 55).
fn count_after(report: &str, label: &str) -> usize {
    let line = report
        .lines()
        .find_map(|l| l.trim().strip_prefix(label))
        .unwrap_or_else(|| panic!("no `{label}` in the summary:\n{report}"));
    line.split('/')
        .next()
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("`{label}{line}` is not a count"))
}

#[test]
fn schemathesis_finds_nothing_as_an_admin_or_as_a_viewer() {
    let dir = tempfile::tempdir().unwrap();
    let (_server, address, admin) = common::serve_demo(dir.path(), CLOCK);
    fuzz(dir.path(), &address, &admin, "the admin");
    let viewer = common::baton_ok(
        dir.path(),
        "sqlite://./baton.db",
        &["token", "create", "--person", "kim", "--role", "viewer"],
    );
    fuzz(dir.path(), &address, viewer.trim(), "a viewer");
}

#[test]
fn schemathesis_finds_nothing_on_postgresql() {
    assert!(
        std::env::var("BATON_TEST_DATABASE_URL").is_ok(),
        "BATON_TEST_DATABASE_URL must name a PostgreSQL: run the tests with `.ci/test`"
    );
    common::with_scratch_postgres("baton_fuzz", |url| {
        let dir = tempfile::tempdir().unwrap();
        let (_server, address, admin) = common::serve_demo_on(dir.path(), CLOCK, Some(url));
        fuzz(dir.path(), &address, &admin, "the admin, on PostgreSQL");
    });
}
