//! SPEC §6 says any SQL engine over `baton export` gives baton's numbers.
//! This checks it: the demo's history (three teams, six months, overrides,
//! escalations, tiebreaks, outcomes), with a frequent decider promoted to a
//! formal leader midway and a few delegated incidents added, is exported,
//! and DuckDB recomputes from the exports alone
//! - every metric but eNPS (`tests/sql/metrics.py`, over the decision and
//!   people CSVs), compared with `GET /api/v1/metrics`;
//! - the report's trend and deference profiles and every audit-matrix
//!   column (`tests/sql/report.py`, adding the types CSV, the NDJSON
//!   export for delegations, and the people CSV before the promotion),
//!   compared with `GET /api/v1/report` and `GET /api/v1/audit-matrix`;
//!
//! for the org and each team over several windows, of a real server.
//!
//! DuckDB comes from PyPI: `BATON_TEST_PYTHON` names a Python that has it
//! (the test command, `.ci/test`, makes one). Without it the test fails: it
//! never passes by skipping.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test fails loudly"
)]

mod common;

use std::path::Path;
use std::process::Command;

use serde_json::Value;

/// When the demo is seeded, and when kim (the platform's database expert,
/// rank 2) is promoted to rank 4, a formal leader, inside its history.
const SEEDED: &str = "2026-06-01T10:00:00Z";
const PROMOTED: &str = "2026-03-15T00:00:00Z";

const WINDOWS: [(&str, &str); 4] = [
    ("2025-11-01T00:00:00Z", "2026-06-02T00:00:00Z"),
    ("2026-02-01T00:00:00Z", "2026-04-01T00:00:00Z"),
    ("2026-03-15T00:00:00Z", "2026-03-29T12:00:00Z"),
    ("2026-05-20T00:00:00Z", "2026-06-01T10:00:00Z"),
];

/// `baton ARGS` on the store the demo seeded in `dir`; its output.
fn baton(dir: &Path, args: &[&str]) -> String {
    common::baton_ok(dir, "sqlite://./baton.db", args)
}

/// What DuckDB makes of the CSVs for one scope and window.
fn duckdb(dir: &Path, team: Option<&str>, (from, to): (&str, &str)) -> Value {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/sql/metrics.py");
    let out = Command::new(common::test_python("DuckDB"))
        .arg(script)
        .args(["decisions.csv", "people.csv", team.unwrap_or("-"), from, to])
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "metrics.py: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// What DuckDB makes of the exports for the report and the audit matrix.
fn duckdb_report(dir: &Path, team: Option<&str>, (from, to): (&str, &str)) -> Value {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/sql/report.py");
    let out = Command::new(common::test_python("DuckDB"))
        .arg(script)
        .args([
            "decisions.csv",
            "decisions.ndjson",
            "types.csv",
            "people-before.csv",
            "people.csv",
            PROMOTED,
            r#"{"platform": 0.4, "payments": 0.5, "mobile": 0.4}"#,
            team.unwrap_or("-"),
            from,
            to,
        ])
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "report.py: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The guides' `watch.max_share`, which report.py is handed: checked here
/// against the demo's files, so a changed guide fails loudly.
fn check_max_shares() {
    for (team, share) in [("platform", 0.4), ("payments", 0.5), ("mobile", 0.4)] {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join(format!("../baton-fixtures/demo-data/{team}.yaml"));
        let text = std::fs::read_to_string(path).unwrap();
        let file = baton_core::guide::parse_file(team, &text).unwrap();
        assert_eq!(file.settings.watch.max_share, share, "{team}");
    }
}

/// Opens an incident at `at`, which its on-call decider delegates to
/// ana, who decides it; it fails a day later.
fn delegated_incident(dir: &Path, at: &str) {
    let at: chrono::DateTime<chrono::Utc> = at.parse().unwrap();
    let t = |minutes: i64| (at + chrono::TimeDelta::minutes(minutes)).to_rfc3339();
    let id = baton(
        dir,
        &[
            "open",
            "--team",
            "platform",
            "--type",
            "incident",
            "--title",
            "Queue backlog",
            "--as",
            "ben",
            "--at",
            &t(0),
        ],
    );
    let id = id.trim();
    let shown = serde_json::from_str::<Value>(&baton(dir, &["show", id, "--json"])).unwrap();
    let decider = shown["decider"].as_str().unwrap().to_owned();
    assert_ne!(decider, "ana");
    baton(
        dir,
        &[
            "delegate",
            id,
            "--to",
            "ana",
            "--reason",
            "she wrote the consumer",
            "--as",
            &decider,
            "--at",
            &t(10),
        ],
    );
    baton(
        dir,
        &[
            "decide",
            id,
            "--option",
            "drain",
            "--rationale",
            "fastest",
            "--as",
            "ana",
            "--at",
            &t(20),
        ],
    );
    baton(
        dir,
        &[
            "outcome",
            id,
            "--result",
            "failure",
            "--as",
            &decider,
            "--at",
            &t(24 * 60),
        ],
    );
}

/// Every difference between `ours` and `theirs`, by JSON path; numbers
/// within 1e-9 are the same.
fn differences(path: &str, ours: &Value, theirs: &Value, out: &mut Vec<String>) {
    match (ours, theirs) {
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => {
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                differences(&format!("{path}[{i}]"), x, y, out);
            }
        }
        (Value::Object(a), Value::Object(b)) => {
            let keys: std::collections::BTreeSet<&String> = a.keys().chain(b.keys()).collect();
            for k in keys {
                let (x, y) = (
                    a.get(k).unwrap_or(&Value::Null),
                    b.get(k).unwrap_or(&Value::Null),
                );
                differences(&format!("{path}.{k}"), x, y, out);
            }
        }
        (Value::Number(a), Value::Number(b)) => {
            let (a, b) = (a.as_f64().unwrap(), b.as_f64().unwrap());
            if (a - b).abs() > 1e-9 * a.abs().max(1.0) {
                out.push(format!("{path}: baton {a}, DuckDB {b}"));
            }
        }
        (a, b) if a != b => out.push(format!("{path}: baton {a}, DuckDB {b}")),
        _ => {}
    }
}

#[test]
fn duckdb_over_the_exports_reproduces_the_apis_metrics_report_and_audit_matrix() {
    check_max_shares();
    let dir = tempfile::tempdir().unwrap();
    // Seed the demo, then promote kim from the middle of its history on.
    let (mut first, _, _) = common::serve_demo(dir.path(), SEEDED);
    assert!(common::stop(&mut first).success());
    let org = baton(dir.path(), &["export", "--format", "csv", "--people"]);
    assert!(org.contains("kim,platform,2,false"), "{org}");
    std::fs::write(dir.path().join("people-before.csv"), &org).unwrap();
    let demo = demo_org();
    let promoted = demo.replace(
        "{id: kim, name: Kim Lee, title: Senior Engineer, rank: 2,",
        "{id: kim, name: Kim Lee, title: Staff Engineer, rank: 4,",
    );
    assert_ne!(promoted, demo);
    std::fs::write(dir.path().join("promoted.yaml"), promoted).unwrap();
    baton(
        dir.path(),
        &["apply", "--org", "promoted.yaml", "--at", PROMOTED],
    );
    // The demo delegates nothing: add delegations, inside two windows.
    for at in [
        "2026-03-20T10:00:00Z",
        "2026-05-21T10:00:00Z",
        "2026-05-25T10:00:00Z",
    ] {
        delegated_incident(dir.path(), at);
    }

    let (_server, address, token) = common::serve_demo(dir.path(), SEEDED);
    let csv = baton(dir.path(), &["export", "--format", "csv"]);
    std::fs::write(dir.path().join("decisions.csv"), &csv).unwrap();
    let people = baton(dir.path(), &["export", "--format", "csv", "--people"]);
    std::fs::write(dir.path().join("people.csv"), people).unwrap();
    let types = baton(dir.path(), &["export", "--format", "csv", "--types"]);
    std::fs::write(dir.path().join("types.csv"), types).unwrap();
    let ndjson = baton(dir.path(), &["export", "--format", "ndjson"]);
    std::fs::write(dir.path().join("decisions.ndjson"), ndjson).unwrap();
    // kim decided as an expert before the promotion, as a leader after.
    let kim: Vec<&str> = csv
        .lines()
        .filter(|l| !l.contains('"') && l.split(',').nth(14) == Some("kim"))
        .collect();
    assert!(
        kim.iter().any(|l| l.ends_with(",false,true")),
        "kim as an expert"
    );
    assert!(
        kim.iter().any(|l| l.ends_with(",true,true")),
        "kim as a leader"
    );

    let mut compared = 0;
    let mut delegated = 0;
    let mut flagged = 0;
    for team in [None, Some("platform"), Some("payments"), Some("mobile")] {
        for window in WINDOWS {
            let scope = format!(
                "from={}&to={}{}",
                window.0,
                window.1,
                team.map(|t| format!("&team={t}")).unwrap_or_default()
            );
            let get = |path: &str| {
                let (status, body) = common::http(
                    &address,
                    "GET",
                    &format!("{path}?{scope}"),
                    Some(&token),
                    None,
                );
                assert_eq!(status, 200, "{path}: {body}");
                common::json_of(&body)
            };
            let label = format!("{} over {window:?}", team.unwrap_or("org"));

            let mut ours = get("/api/v1/metrics");
            for key in ["window", "scope", "enps"] {
                ours.as_object_mut().unwrap().remove(key);
            }
            compare(
                &format!("metrics of {label}"),
                &ours,
                &duckdb(dir.path(), team, window),
            );
            assert!(ours["decided"].as_u64().unwrap() > 0 || window.0 > "2026-05");

            let theirs = duckdb_report(dir.path(), team, window);
            let report = get("/api/v1/report");
            compare(
                &format!("trend of {label}"),
                &report["trend"],
                &theirs["trend"],
            );
            compare(
                &format!("profiles of {label}"),
                &report["profiles"],
                &theirs["profiles"],
            );
            delegated += report["profiles"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p["deferred"]["delegated"].as_u64().unwrap())
                .sum::<u64>();

            let mut audit = get("/api/v1/audit-matrix")["rows"].clone();
            for row in audit.as_array_mut().unwrap() {
                let kinds: Vec<Value> = row["flags"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|f| f["kind"].clone())
                    .collect();
                flagged += kinds.len();
                row["flags"] = Value::Array(kinds);
            }
            compare(
                &format!("audit matrix of {label}"),
                &audit,
                &theirs["audit"],
            );
            compared += 1;
        }
    }
    assert_eq!(compared, 16);
    // The comparisons had something to compare.
    assert!(delegated >= 3, "delegations seen: {delegated}");
    assert!(flagged > 0);
}

#[track_caller]
fn compare(what: &str, ours: &Value, theirs: &Value) {
    let mut found = Vec::new();
    differences("", ours, theirs, &mut found);
    assert!(found.is_empty(), "{what}:\n{}", found.join("\n"));
}

/// The demo's directory, as `serve --demo` applies it.
fn demo_org() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../baton-fixtures/demo-data/org.yaml");
    std::fs::read_to_string(path).unwrap()
}
