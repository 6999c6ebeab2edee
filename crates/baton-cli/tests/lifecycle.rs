//! The decision-log commands end to end: a real binary on a SQLite file.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test fails loudly"
)]

use std::process::Command;

struct Log {
    dir: tempfile::TempDir,
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Log {
    fn new() -> Self {
        let log = Self {
            dir: tempfile::tempdir().unwrap(),
        };
        assert_eq!(log.baton(&["init"]).code, 0);
        let run = log.baton(&[
            "apply",
            "--org",
            "org.yaml",
            "--guide",
            "deference.yaml",
            "--at",
            "2026-03-01T00:00:00Z",
        ]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        log
    }

    fn baton(&self, args: &[&str]) -> Run {
        let out = Command::new(env!("CARGO_BIN_EXE_baton"))
            .args(args)
            .current_dir(self.dir.path())
            .env(
                "BATON_DB",
                format!("sqlite://{}", self.dir.path().join("baton.db").display()),
            )
            .output()
            .unwrap();
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8(out.stdout).unwrap(),
            stderr: String::from_utf8(out.stderr).unwrap(),
        }
    }

    fn ok(&self, args: &[&str]) -> String {
        let run = self.baton(args);
        assert_eq!(run.code, 0, "{args:?}: {}{}", run.stdout, run.stderr);
        run.stdout
    }

    /// `open` of an architecture decision requested by ana.
    fn open_titled(&self, title: &str, at: &str) -> Run {
        self.baton(&[
            "open",
            "--team",
            "platform",
            "--type",
            "architecture",
            "--title",
            title,
            "--as",
            "ana",
            "--at",
            at,
        ])
    }

    fn open_architecture(&self) -> String {
        let run = self.open_titled("Sessions store", "2026-03-01T12:00:00Z");
        assert_eq!(run.code, 0, "{}", run.stderr);
        run.stdout.trim().to_owned()
    }
}

#[test]
fn open_prints_the_new_id_alone() {
    let log = Log::new();
    assert_eq!(log.open_architecture(), "1");
    assert_eq!(log.open_architecture(), "2");
}

#[test]
fn open_tells_people_who_decides_and_show_gives_the_protocol_and_why() {
    let log = Log::new();
    let run = log.open_titled("Queues", "2026-03-01T12:00:00Z");
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stdout, "1\n", "scripts read the id alone");
    assert!(run.stderr.starts_with("decision 1: "), "{}", run.stderr);
    assert!(run.stderr.contains(" decides (rule "), "{}", run.stderr);
    assert!(run.stderr.contains("escalat"), "{}", run.stderr);
    let shown = log.ok(&["show", "1"]);
    for part in [
        "  backups     ",
        "  deliberate  until ",
        "\nwhy\n  - ",
        "audit trail",
    ] {
        assert!(shown.contains(part), "{part:?} in {shown}");
    }
}

#[test]
fn a_decision_is_argued_decided_judged_and_verified() {
    let log = Log::new();
    let id = decided(&log);
    log.ok(&[
        "outcome",
        &id,
        "--result",
        "success",
        "--as",
        "kim",
        "--at",
        "2026-06-01T00:00:00Z",
    ]);
    let show: serde_json::Value = serde_json::from_str(&log.ok(&["show", &id, "--json"])).unwrap();
    for key in [
        "id",
        "team",
        "type",
        "title",
        "status",
        "requester",
        "decider",
        "resolution",
        "positions",
        "objections",
        "events",
        "outcome",
        "override",
    ] {
        assert!(show.get(key).is_some(), "show --json lacks `{key}`");
    }
    assert_eq!(show["status"], "decided");
    assert_eq!(show["override"], false);
    assert_eq!(show["events"].as_array().unwrap().len(), 5);
    assert!(log.ok(&["verify"]).starts_with("chain intact: 7 events"));
}

#[test]
fn deciding_for_someone_else_needs_a_reason_and_is_an_override() {
    let log = Log::new();
    let id = log.open_architecture();
    log.ok(&["tick", "--at", "2026-03-02T13:00:00Z"]);
    let run = log.baton(&[
        "decide",
        &id,
        "--option",
        "x",
        "--rationale",
        "r",
        "--as",
        "dana",
        "--at",
        "2026-03-02T14:00:00Z",
    ]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.starts_with("error[forbidden]"), "{}", run.stderr);
    let out = log.ok(&[
        "decide",
        &id,
        "--option",
        "x",
        "--rationale",
        "r",
        "--override-reason",
        "deadline",
        "--as",
        "dana",
        "--at",
        "2026-03-02T14:00:00Z",
    ]);
    assert!(out.contains("as an override"), "{out}");
}

#[test]
fn refusals_are_json_with_a_code_when_asked() {
    let log = Log::new();
    let run = log.baton(&["withdraw", "9", "--as", "ana", "--json"]);
    assert_eq!(run.code, 1);
    let v: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(v["error"]["code"], "not_found");
}

#[test]
fn log_filters_and_rejects_unknown_statuses() {
    let log = Log::new();
    log.open_architecture();
    let out = log.ok(&["log", "--status", "checking", "--text", "sessions"]);
    assert!(out.contains("Sessions store"), "{out}");
    let run = log.baton(&["log", "--status", "pending"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("--status `pending`"), "{}", run.stderr);
}

#[test]
fn a_bad_db_url_is_named() {
    let log = Log::new();
    let run = log.baton(&["log", "--db", "mysql://nope"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("`mysql://nope` is not a store URL"),
        "{}",
        run.stderr
    );
}

#[test]
fn malformed_ids_are_refused_by_the_argument_parser_with_the_reason() {
    let log = Log::new();
    for (args, says) in [
        (
            &["show", "0"][..],
            "`0` is not a decision id: expected a positive whole number",
        ),
        (
            &[
                "decide",
                "x",
                "--option",
                "a",
                "--rationale",
                "r",
                "--as",
                "kim",
            ][..],
            "`x` is not a decision id",
        ),
        (
            &[
                "decide",
                "1",
                "--option",
                "a",
                "--rationale",
                "r",
                "--as",
                "Kim L",
            ][..],
            "person id `Kim L` is not a valid id",
        ),
        (
            &["log", "--team", "Platform"][..],
            "team `Platform` is not a valid id",
        ),
    ] {
        let run = log.baton(args);
        assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
        assert!(run.stderr.contains(says), "{args:?}: {}", run.stderr);
    }
}

#[test]
fn a_reader_that_goes_away_ends_the_command_quietly() {
    let log = Log::new();
    log.open_architecture();
    for args in [&["log"][..], &["schema"][..], &["show", "1"][..]] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_baton"))
            .args(args)
            .current_dir(log.dir.path())
            .env(
                "BATON_DB",
                format!("sqlite://{}", log.dir.path().join("baton.db").display()),
            )
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        // `| head -0`: the reader closes before the first line.
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{args:?}: {:?} {stderr}", out.status);
        assert!(stderr.is_empty(), "{args:?}: {stderr}");
    }
}

#[test]
fn a_bare_db_path_is_a_sqlite_file() {
    let log = Log::new();
    let run = log.baton(&[
        "apply",
        "--db",
        "./bare.db",
        "--org",
        "org.yaml",
        "--guide",
        "deference.yaml",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(log.dir.path().join("bare.db").is_file());
    let run = log.baton(&["verify", "--db", "bare.db"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
}

#[test]
fn log_pages_by_limit_and_windows_by_opening_time() {
    let log = Log::new();
    for day in ["2026-03-01", "2026-03-02", "2026-03-03"] {
        let run = log.open_titled(&format!("opened {day}"), day);
        assert_eq!(run.code, 0, "{}", run.stderr);
    }
    let run = log.baton(&["log", "--limit", "2"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains("opened 2026-03-03") && run.stdout.contains("opened 2026-03-02"),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("opened 2026-03-01"), "{}", run.stdout);
    assert!(run.stderr.contains("the newest 2 shown"), "{}", run.stderr);
    let all = log.baton(&["log", "--limit", "0"]);
    assert_eq!(all.stdout.lines().count(), 4, "{}", all.stdout);
    assert!(all.stderr.is_empty(), "{}", all.stderr);
    let window = log.ok(&[
        "log",
        "--from",
        "2026-03-02",
        "--to",
        "2026-03-03T00:00:00Z",
    ]);
    assert!(window.contains("opened 2026-03-02"), "{window}");
    assert!(
        !window.contains("opened 2026-03-01") && !window.contains("opened 2026-03-03"),
        "{window}"
    );
    let run = log.baton(&["log", "--from", "2026-03-03", "--to", "2026-03-02"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("--from must come before --to"),
        "{}",
        run.stderr
    );
    let run = log.baton(&["log", "--from", "March 3"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .contains("--from `March 3` is not an RFC 3339 instant"),
        "{}",
        run.stderr
    );
}

#[test]
fn apply_with_no_flags_applies_the_files_check_reads() {
    let log = Log::new();
    let run = log.baton(&["apply", "--db", "defaults.db"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains("org: version 1 (new)"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("guide platform: version 1 (new)"),
        "{}",
        run.stdout
    );
    let empty = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_baton"))
        .args(["apply", "--db", "x.db"])
        .current_dir(empty.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("no ./org.yaml or ./deference.yaml here"),
        "{stderr}"
    );
}

#[test]
fn a_file_that_does_not_load_is_reported_once_by_apply_and_test() {
    let log = Log::new();
    std::fs::write(
        log.dir.path().join("bad.yaml"),
        "people:\n  - id: kim\n    nme: x\n",
    )
    .unwrap();
    for args in [
        &["apply", "--org", "bad.yaml"][..],
        &["test", "--org", "bad.yaml"][..],
    ] {
        let run = log.baton(args);
        assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
        assert_eq!(
            run.stderr.matches("unknown field `nme`").count(),
            1,
            "{args:?}: {}",
            run.stderr
        );
        assert!(
            run.stderr
                .starts_with("bad.yaml:3:5: error: unknown field `nme`"),
            "{args:?}: {}",
            run.stderr
        );
    }
}

fn decided(log: &Log) -> String {
    let id = log.open_architecture();
    log.ok(&[
        "position",
        &id,
        "--option",
        "postgres",
        "--rationale",
        "known",
        "--confidence",
        "4",
        "--risk",
        "2",
        "--as",
        "raj",
        "--at",
        "2026-03-01T13:00:00Z",
    ]);
    log.ok(&["tick", "--at", "2026-03-02T13:00:00Z"]);
    log.ok(&[
        "decide",
        &id,
        "--option",
        "postgres",
        "--rationale",
        "the team knows it",
        "--as",
        "kim",
        "--at",
        "2026-03-02T14:00:00Z",
    ]);
    id
}

#[test]
fn an_export_imports_back_to_the_same_records() {
    let log = Log::new();
    decided(&log);
    log.ok(&["export", "--format", "ndjson", "--out", "all.ndjson"]);
    let out = log.ok(&["import", "all.ndjson", "--at", "2026-04-01T00:00:00Z"]);
    assert!(out.starts_with("imported 1 decisions as 2..2: "), "{out}");
    // The same export again is the same decision: skipped.
    let again = log.ok(&["import", "all.ndjson", "--at", "2026-04-01T00:00:00Z"]);
    assert!(again.starts_with("imported 0 decisions: "), "{again}");
    assert!(again.contains("1 already imported"), "{again}");
    let csv = log.ok(&["export", "--format", "csv"]);
    let rows: Vec<&str> = csv.lines().collect();
    assert_eq!(
        rows[0],
        "id,team,type,title,requester,decider,status,framework,rule,opened_at,decided_at,escalated,override,outcome,decided_by,routed_decider,domains,decider_leader,decider_expert"
    );
    assert_eq!(
        rows[1].split_once(',').unwrap().1,
        rows[2].split_once(',').unwrap().1,
        "the copy differs only in its id"
    );
    assert!(log.ok(&["verify"]).starts_with("chain intact"));
}

#[test]
fn a_bad_csv_line_is_named_and_nothing_is_imported() {
    let log = Log::new();
    std::fs::write(
        log.dir.path().join("past.csv"),
        "team,type,title,requester,opened_at\nplatform,x,ok,ana,2026-01-01T00:00:00Z\nplatform,x,bad,ana,soon\n",
    )
    .unwrap();
    let run = log.baton(&["import", "past.csv"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("line 3, field `opened_at`"),
        "{}",
        run.stderr
    );
    assert_eq!(
        log.ok(&["log"]).lines().count(),
        1,
        "only the header: nothing imported"
    );
}

#[test]
fn import_names_every_bad_row_accepts_departed_people_on_request_and_can_dry_run() {
    let log = Log::new();
    let sheet = "team,type,title,requester,decider,opened_at,decided_at\n\
                 platform,architecure,Pick a queue,ana,kim,2025-06-02,2025-06-03\n\
                 platform,architecture,Pick a cache,anna,rajj,2025-06-02,2025-06-03\n\
                 marketing,architecture,Pick a font,ana,kim,2025-06-02,2025-06-03\n";
    std::fs::write(log.dir.path().join("past.csv"), sheet).unwrap();
    let run = log.baton(&["import", "past.csv"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    for named in [
        "line 2, field `type`",
        "line 3, field `requester`: `anna`",
        "line 3, field `decider`: `rajj`",
        "line 4, field `team`: team `marketing`",
        "nothing was imported: 4 bad rows",
    ] {
        assert!(run.stderr.contains(named), "{named}: {}", run.stderr);
    }
    let good = "team,type,title,requester,decider,opened_at,decided_at\n\
                platform,architecture,Pick a cache,anna,kim,2025-06-02,2025-06-03\n";
    std::fs::write(log.dir.path().join("past.csv"), good).unwrap();
    let dry = log.ok(&["import", "past.csv", "--allow-departed", "--dry-run"]);
    assert!(dry.contains("would import 1 decisions"), "{dry}");
    assert!(dry.contains("accepted as departed: anna"), "{dry}");
    assert_eq!(
        log.ok(&["log"]).lines().count(),
        1,
        "a dry run writes nothing"
    );
    log.ok(&["import", "past.csv", "--allow-departed"]);
    let again = log.ok(&["import", "past.csv", "--allow-departed"]);
    assert!(again.contains("1 already imported (skipped)"), "{again}");
    assert_eq!(log.ok(&["log"]).lines().count(), 2);
}

#[test]
fn madr_records_carry_status_deciders_options_and_positions() {
    let log = Log::new();
    decided(&log);
    log.ok(&["export", "--format", "madr", "--out", "adr"]);
    let text = std::fs::read_to_string(log.dir.path().join("adr/0001-sessions-store.md")).unwrap();
    insta::assert_snapshot!(text);
}

#[test]
fn the_requester_supersedes_a_decision_with_a_later_one() {
    let log = Log::new();
    let first = decided(&log);
    let second = decided(&log);
    let refused = log.baton(&["supersede", &first, "--by", "99", "--as", "ana"]);
    assert_eq!(refused.code, 1);
    assert!(
        refused
            .stderr
            .contains("error[invalid]: `by`: decision 99 does not exist"),
        "{}",
        refused.stderr
    );
    let refused = log.baton(&["supersede", &first, "--by", &second, "--as", "kim"]);
    assert_eq!(refused.code, 1);
    assert!(
        refused.stderr.contains("error[forbidden]"),
        "{}",
        refused.stderr
    );
    let said = log.ok(&[
        "supersede",
        &first,
        "--by",
        &second,
        "--as",
        "ana",
        "--at",
        "2026-04-01T00:00:00Z",
    ]);
    assert!(
        said.contains(&format!("superseded by decision {second}")),
        "{said}"
    );
    let show: serde_json::Value =
        serde_json::from_str(&log.ok(&["show", &first, "--json"])).unwrap();
    assert_eq!(show["status"], "superseded");
}

#[test]
fn a_steward_records_an_outcome_with_role_steward() {
    let log = Log::new();
    let id = decided(&log);
    let args = [
        "outcome",
        &id,
        "--result",
        "partial",
        "--as",
        "omar",
        "--at",
        "2026-06-01T00:00:00Z",
    ];
    let refused = log.baton(&args);
    assert_eq!(
        refused.code, 1,
        "a member who did not decide: {}",
        refused.stdout
    );
    assert!(
        refused.stderr.contains("error[forbidden]"),
        "{}",
        refused.stderr
    );
    let mut as_steward = args.to_vec();
    as_steward.extend(["--role", "steward"]);
    log.ok(&as_steward);
    let show: serde_json::Value = serde_json::from_str(&log.ok(&["show", &id, "--json"])).unwrap();
    assert_eq!(show["outcome"]["result"], "partial");
}
