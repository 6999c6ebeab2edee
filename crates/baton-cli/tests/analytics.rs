//! `baton report` and `baton audit` as a steward runs them: the report of
//! the demo as terminal tables and as one self-contained HTML page, and the
//! audit matrix of a spreadsheet with and without the files that say what
//! it cannot. Outputs are golden (`insta`); the numbers themselves are
//! checked against DuckDB in `sql.rs`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test fails loudly"
)]

mod common;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// When the demo is seeded: its history is a pure function of this.
const SEEDED: &str = "2026-06-01T10:00:00Z";

fn baton(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_baton"))
        .args(args)
        .current_dir(dir)
        .env("BATON_DB", "sqlite://./baton.db")
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

#[track_caller]
fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "exit {:?}: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).unwrap()
}

/// A store holding the demo seeded at [`SEEDED`].
fn demo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let mut server = common::spawn(
        Command::new(env!("CARGO_BIN_EXE_baton"))
            .args([
                "serve",
                "--demo",
                "--listen",
                "127.0.0.1:0",
                "--clock",
                SEEDED,
            ])
            .current_dir(dir.path())
            .env("BATON_DB", "sqlite://./baton.db")
            .stdout(Stdio::piped())
            .stderr(Stdio::null()),
    );
    // The banner comes once the demo is seeded.
    let mut lines = BufReader::new(server.stdout.take().unwrap()).lines();
    assert!(lines.next().unwrap().unwrap().contains("serving"));
    assert!(common::stop(&mut server).success());
    dir
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/audit")
}

const WINDOW: [&str; 4] = ["--from", "2026-03-01", "--to", "2026-06-01"];

#[test]
fn a_report_of_the_demo_reads_as_tables_html_and_json() {
    let dir = demo();
    let mut args = vec!["report", "--team", "platform"];
    args.extend(WINDOW);
    let text = ok(&baton(dir.path(), &args));
    insta::assert_snapshot!("report_platform_terminal", text);

    args.push("--json");
    let json: serde_json::Value = serde_json::from_str(&ok(&baton(dir.path(), &args))).unwrap();
    for key in [
        "window", "scope", "as_of", "metrics", "trend", "alerts", "profiles",
    ] {
        assert!(json.get(key).is_some(), "report --json lacks `{key}`");
    }
    assert_eq!(json["as_of"], "2026-06-01T00:00:00Z");
    assert_eq!(json["trend"]["points"].as_array().unwrap().len(), 14);

    let page = dir.path().join("report.html");
    let mut args = vec!["report"];
    args.extend(WINDOW);
    args.extend(["--html", page.to_str().unwrap()]);
    ok(&baton(dir.path(), &args));
    let html = std::fs::read_to_string(page).unwrap();
    // Self-contained: nothing to fetch, nothing to run.
    for banned in ["<script", "<link", "<img", "src=", "@import", "url("] {
        assert!(!html.contains(banned), "the page holds `{banned}`");
    }
    let without_namespaces = html.replace("http://www.w3.org/2000/svg", "");
    assert!(!without_namespaces.contains("http"), "the page names a URL");
    insta::assert_snapshot!("report_org_html_structure", structure(&html));
}

/// The page's outline: each section's heading, whether it draws an SVG, and
/// its tables' headers and row counts.
fn structure(html: &str) -> String {
    let mut out = String::new();
    for section in html.split("<section").skip(1) {
        let heading = between(section, "<h2", "</h2>")
            .and_then(|h| h.split_once('>').map(|(_, t)| t.to_owned()))
            .unwrap_or_default();
        let svg = section.contains("<svg") && section.contains("<title");
        out.push_str(&format!("{heading}{}\n", if svg { " [svg]" } else { "" }));
        for table in section.split("<table").skip(1) {
            let head = between(table, "<thead>", "</thead>").unwrap_or_default();
            let headers: Vec<String> = head
                .split("<th scope=\"col\">")
                .skip(1)
                .filter_map(|h| h.split_once("</th>").map(|(t, _)| t.to_owned()))
                .collect();
            let rows =
                between(table, "<tbody>", "</tbody>").map_or(0, |b| b.matches("<tr>").count());
            out.push_str(&format!("  table [{}]: {rows} rows\n", headers.join(", ")));
        }
    }
    out
}

fn between(text: &str, start: &str, end: &str) -> Option<String> {
    let (_, rest) = text.split_once(start)?;
    let (inside, _) = rest.split_once(end)?;
    Some(inside.to_owned())
}

#[test]
fn a_spreadsheet_is_audited_with_no_store_unknown_where_it_cannot_say() {
    let dir = tempfile::tempdir().unwrap();
    let csv = fixtures().join("decisions.csv");
    let bare = ok(&baton(
        dir.path(),
        &["audit", "--csv", csv.to_str().unwrap()],
    ));
    insta::assert_snapshot!("audit_sheet_alone", bare);
    assert!(bare.contains("unknown"));
    assert!(
        !dir.path().join("baton.db").exists(),
        "an audit of a sheet opened a store"
    );
    let json: serde_json::Value = serde_json::from_str(&ok(&baton(
        dir.path(),
        &["audit", "--csv", csv.to_str().unwrap(), "--json"],
    )))
    .unwrap();
    let rows = json["rows"].as_array().unwrap();
    assert!(rows.iter().all(|r| r["leader_share"] == "unknown"));
    assert!(rows.iter().all(|r| r["declared_frequency"] == "unknown"));
    // The sheet has `escalated` and `outcome` columns: those are known.
    assert!(rows.iter().all(|r| r["escalation_rate"] != "unknown"));
}

#[test]
fn a_spreadsheet_audited_with_the_org_and_guide_gains_ranks_targets_and_pains() {
    let dir = tempfile::tempdir().unwrap();
    ok(&baton(dir.path(), &["init"]));
    let csv = fixtures().join("decisions.csv");
    let audit = |more: &[&str]| {
        let mut args = vec![
            "audit",
            "--csv",
            csv.to_str().unwrap(),
            "--org",
            "org.yaml",
            "--guide",
            "deference.yaml",
        ];
        args.extend(more);
        ok(&baton(dir.path(), &args))
    };
    insta::assert_snapshot!("audit_sheet_with_org_and_guide", audit(&[]));
    let json: serde_json::Value = serde_json::from_str(&audit(&["--json"])).unwrap();
    let rows = json["rows"].as_array().unwrap();
    let architecture = rows.iter().find(|r| r["type"] == "architecture").unwrap();
    assert_eq!(architecture["declared_frequency"], "monthly");
    assert_eq!(architecture["target_seconds"], 72 * 3600);
    assert!(architecture["leader_share"].is_number());
    // A type the guide does not declare is still audited.
    let vendor = rows.iter().find(|r| r["type"] == "vendor").unwrap();
    assert_eq!(vendor["impact"], "unknown");
    assert_eq!(vendor["declared_frequency"], serde_json::Value::Null);
}

#[test]
fn a_bad_sheet_names_every_bad_row_and_audits_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let csv = fixtures().join("bad.csv");
    let out = baton(dir.path(), &["audit", "--csv", csv.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    for needle in [
        "line 3, field `title`",
        "line 3, field `opened_at`",
        "line 3, field `outcome`",
        "line 4, field `requester`",
    ] {
        assert!(err.contains(needle), "`{needle}` not in: {err}");
    }
    assert!(String::from_utf8_lossy(&out.stdout).is_empty());
}

#[test]
fn a_report_without_a_store_to_read_says_what_is_missing() {
    let dir = tempfile::tempdir().unwrap();
    let out = baton(dir.path(), &["report"]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("no directory") || err.contains("apply"),
        "{err}"
    );
    let out = baton(
        dir.path(),
        &["report", "--from", "2026-03-02", "--to", "2026-03-01"],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--from must come before --to"));
}

#[test]
fn replaying_the_demo_under_its_own_guides_reproduces_every_routed_decider() {
    let dir = demo();
    for team in ["platform", "payments", "mobile"] {
        let guide = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join(format!("../baton-fixtures/demo-data/{team}.yaml"));
        let report: serde_json::Value = serde_json::from_str(&ok(&baton(
            dir.path(),
            &["replay", "--guide", guide.to_str().unwrap(), "--json"],
        )))
        .unwrap();
        assert!(
            report["replayed"].as_u64().unwrap() > 100,
            "{team}: {report}"
        );
        assert_eq!(report["changed"], 0, "{team}: {}", report["moved"]);
        assert_eq!(report["errors"], 0, "{team}: {}", report["new_errors"]);
    }
}

#[test]
fn a_replay_of_the_demo_under_a_new_guide_says_who_would_have_decided() {
    let dir = demo();
    let guide = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../baton-fixtures/demo-data/platform.yaml"),
    )
    .unwrap();
    // Architecture by hierarchy instead of expertise, in one window.
    let changed = guide.replace(
        "    authority:\n      expertise: {domain: databases, min_level: 4, min_endorsements: 1}\n",
        "    authority: {manager_of: requester}\n",
    );
    assert_ne!(changed, guide);
    std::fs::write(dir.path().join("new.yaml"), changed).unwrap();
    let mut args = vec!["replay", "--guide", "new.yaml"];
    args.extend(WINDOW);
    let text = ok(&baton(dir.path(), &args));
    insta::assert_snapshot!("replay_platform_by_hierarchy", text);
    args.push("--json");
    let report: serde_json::Value = serde_json::from_str(&ok(&baton(dir.path(), &args))).unwrap();
    let moved = report["moved"].as_array().unwrap();
    assert!(!moved.is_empty());
    // The requester's manager, or theirs when spread moves them back.
    assert!(
        moved
            .iter()
            .all(|m| m["type"] == "architecture" && (m["after"] == "omar" || m["after"] == "dana")),
        "{report}"
    );
    assert!(
        moved[0]["reasons_gone"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r.as_str().unwrap().contains("expertise"))
    );
}

#[test]
fn a_pilot_of_the_demo_reports_the_same_bytes_on_every_run() {
    let dir = demo();
    let version = serde_json::from_str::<serde_json::Value>(&ok(&baton(
        dir.path(),
        &["log", "--team", "platform", "--limit", "1", "--json"],
    )))
    .unwrap()[0]["resolution"]["guide_version"]
        .as_str()
        .unwrap()
        .to_owned();
    let id = ok(&baton(
        dir.path(),
        &[
            "pilot",
            "create",
            "--team",
            "platform",
            "--types",
            "architecture,incident,prioritization,tooling",
            "--guide-version",
            &version,
            "--from",
            "2026-03-01",
            "--to",
            "2026-05-01",
        ],
    ));
    // The demo seeds pilot 1.
    let id = id.trim().to_owned();
    assert_eq!(id, "2");
    let report = |json: bool| {
        let mut args = vec!["pilot", "report", id.as_str(), "--at", "2026-06-01"];
        if json {
            args.push("--json");
        }
        ok(&baton(dir.path(), &args))
    };
    let (a, b) = (report(true), report(true));
    assert_eq!(a, b, "two runs differ");
    let json: serde_json::Value = serde_json::from_str(&a).unwrap();
    assert_eq!(json["resamples"], 10_000);
    assert_eq!(json["pilot"]["id"], 2);
    assert!(json["comparisons"].as_array().unwrap().len() == 4);
    insta::assert_snapshot!("pilot_platform", report(false));
    let list = ok(&baton(dir.path(), &["pilot", "list", "--json"]));
    assert!(list.contains("\"team\": \"platform\""), "{list}");
    // Refusals say what is wrong.
    let out = baton(
        dir.path(),
        &[
            "pilot",
            "create",
            "--team",
            "platform",
            "--types",
            "architecure",
            "--guide-version",
            &version,
            "--from",
            "2026-03-01",
            "--to",
            "2026-05-01",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no decision type `architecure`"));
}
