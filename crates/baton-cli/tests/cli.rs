//! The `baton` binary end to end: real files in a temporary directory, real
//! process, golden output.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test fails loudly"
)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

struct Workspace {
    dir: tempfile::TempDir,
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Workspace {
    /// A directory with the example files, as `baton init` writes them.
    fn init() -> Self {
        let ws = Self {
            dir: tempfile::tempdir().unwrap(),
        };
        let run = ws.baton(&["init"]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        ws
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn write(&self, name: &str, text: &str) {
        std::fs::write(self.path(name), text).unwrap();
    }

    fn edit(&self, name: &str, from: &str, to: &str) {
        let text = std::fs::read_to_string(self.path(name)).unwrap();
        assert!(text.contains(from), "{from:?} not in {name}");
        self.write(name, &text.replacen(from, to, 1));
    }

    fn baton(&self, args: &[&str]) -> Run {
        run_in(self.dir.path(), args)
    }
}

fn run_in(dir: &Path, args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_baton"))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

use common::WHO_ARCHITECTURE as ARCHITECTURE;

#[test]
fn who_explains_an_expertise_decision() {
    let ws = Workspace::init();
    let run = ws.baton(&ARCHITECTURE);
    assert_eq!(run.code, 0);
    insta::assert_snapshot!(run.stdout);
}

#[test]
fn who_json_has_the_spec_shape() {
    let ws = Workspace::init();
    let mut args = ARCHITECTURE.to_vec();
    args.push("--json");
    let run = ws.baton(&args);
    assert_eq!(run.code, 0);
    insta::assert_snapshot!(run.stdout);
}

#[test]
fn who_routes_a_crisis_to_the_incident_commander() {
    let ws = Workspace::init();
    let run = ws.baton(&[
        "who",
        "--type",
        "architecture",
        "--requester",
        "kim",
        "--at",
        "2026-02-10T03:00:00Z",
        "--ctx",
        "urgency=critical",
    ]);
    assert_eq!(run.code, 0);
    insta::assert_snapshot!(run.stdout);
}

#[test]
fn who_json_errors_are_the_error_object_with_a_failing_status() {
    let ws = Workspace::init();
    let run = ws.baton(&[
        "who",
        "--type",
        "hiring",
        "--requester",
        "dana",
        "--at",
        "2026-03-01T12:00:00Z",
        "--json",
    ]);
    assert_eq!(run.code, 1);
    let v: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(v["error"]["code"], "no_eligible_authority");
    insta::assert_snapshot!(run.stdout);
}

#[test]
fn who_reads_ctx_values_as_json_where_they_parse() {
    let ws = Workspace::init();
    ws.edit(
        "deference.yaml",
        "when: ctx.urgency == \"critical\"",
        "when: ctx.rows > 1000000",
    );
    let args = [
        "who",
        "--type",
        "hiring",
        "--requester",
        "kim",
        "--at",
        "2026-02-10T03:00:00Z",
        "--json",
        "--ctx",
        "rows=5000000",
    ];
    let run = ws.baton(&args);
    let v: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(v["rule"], "crisis", "{}", run.stdout);
}

#[test]
fn who_refuses_a_bad_instant_with_the_flag_named() {
    let ws = Workspace::init();
    let run = ws.baton(&["who", "--type", "hiring", "--at", "yesterday"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("--at `yesterday`"), "{}", run.stderr);
}

#[test]
fn check_passes_the_example_files() {
    let ws = Workspace::init();
    let run = ws.baton(&["check"]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    insta::assert_snapshot!(run.stdout);
}

#[test]
fn check_reports_errors_with_file_line_and_column_and_fails() {
    let ws = Workspace::init();
    ws.edit(
        "deference.yaml",
        "authority: {role: incident-commander}",
        "authority: {role: incident-comander}",
    );
    ws.edit(
        "deference.yaml",
        "members: [kim, raj, lee]",
        "members: [kim, raj, leo]",
    );
    let run = ws.baton(&["check"]);
    assert_eq!(run.code, 1);
    insta::assert_snapshot!(run.stdout);
}

#[test]
fn check_warns_but_passes_on_lints() {
    let ws = Workspace::init();
    ws.edit(
        "deference.yaml",
        "  - id: default\n    authority: {manager_of: requester}\n",
        "  - id: default\n    types: [hiring]\n    authority: {manager_of: requester}\n",
    );
    ws.edit(
        "deference.yaml",
        "min_level: 4, min_endorsements: 1",
        "min_level: 4, min_endorsements: 0",
    );
    ws.edit(
        "deference.yaml",
        "members: [kim, raj, lee]",
        "members: [kim]",
    );
    let run = ws.baton(&["check"]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    insta::assert_snapshot!(run.stdout);
}

#[test]
fn a_when_that_cannot_work_is_refused_by_check_and_apply_with_its_place() {
    let ws = Workspace::init();
    ws.edit(
        "deference.yaml",
        "decision.reversible &&",
        "decision.reversable &&",
    );
    ws.edit(
        "deference.yaml",
        r#"ctx.urgency == "critical""#,
        r#"decision.impact > 3"#,
    );
    let run = ws.baton(&["check"]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    insta::assert_snapshot!(run.stdout);
    let apply = ws.baton(&["apply", "--db", "sqlite://store.db"]);
    assert_ne!(apply.code, 0, "{}", apply.stdout);
    assert!(
        apply.stderr.contains("did you mean `reversible`?"),
        "{}",
        apply.stderr
    );
}

#[test]
fn check_reports_every_parse_error_not_only_the_first() {
    let ws = Workspace::init();
    ws.edit("org.yaml", "{id: omar", "{idd: omar");
    ws.edit("org.yaml", "{id: sam", "{idd: sam");
    ws.edit("org.yaml", "  - id: kim", "  - idd: kim");
    let run = ws.baton(&["check"]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    insta::assert_snapshot!(run.stdout);
    let ws = Workspace::init();
    ws.edit("deference.yaml", "version: 1", "version: one");
    ws.edit(
        "deference.yaml",
        "authority: {role: incident-commander}",
        "authority: {rol: incident-commander}",
    );
    ws.edit("deference.yaml", "after: 72h", "afterr: 72h");
    let run = ws.baton(&["check"]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    insta::assert_snapshot!("check_reports_every_parse_error_in_a_guide", run.stdout);
}

#[test]
fn check_warns_of_ctx_keys_no_guide_test_sets() {
    let ws = Workspace::init();
    ws.edit("deference.yaml", "ctx.urgency ==", "ctx.urgncy ==");
    let run = ws.baton(&["check"]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(
        run.stdout
            .contains("reads `ctx.urgncy`, which no guide test sets")
            && run.stdout.contains("[untested_ctx_key]"),
        "{}",
        run.stdout
    );
    // The same guide with the tests that set the key right passes clean.
    ws.edit("deference.yaml", "ctx.urgncy ==", "ctx.urgency ==");
    let run = ws.baton(&["check"]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(
        run.stdout.contains("ok: 0 errors") && !run.stdout.contains("untested_ctx_key"),
        "{}",
        run.stdout
    );
    // Run from elsewhere, the tests beside the guide are the ones read.
    let elsewhere = tempfile::tempdir().unwrap();
    let beside = run_in(
        elsewhere.path(),
        &[
            "check",
            "--org",
            ws.path("org.yaml").to_str().unwrap(),
            "--guide",
            ws.path("deference.yaml").to_str().unwrap(),
        ],
    );
    assert_eq!(beside.code, 0, "{}", beside.stdout);
    assert!(
        beside.stdout.contains("ok: 0 errors") && !beside.stdout.contains("untested_ctx_key"),
        "{}",
        beside.stdout
    );
    // Another team's guide in a folder reads the tests beside it, not the
    // ones in the directory `check` runs in.
    std::fs::create_dir(ws.path("b")).unwrap();
    std::fs::copy(ws.path("deference.yaml"), ws.path("b/deference.yaml")).unwrap();
    ws.write("b/deference.test.yaml", "tests: []\n");
    let other = ws.baton(&["check", "--guide", "b/deference.yaml"]);
    assert!(
        other.stdout.contains("reads `ctx.urgency`"),
        "{}",
        other.stdout
    );
    // Named explicitly, a test file that sets nothing leaves every key untested.
    ws.write("none.test.yaml", "tests: []\n");
    let run = ws.baton(&["check", "--tests", "none.test.yaml"]);
    assert!(
        run.stdout.contains("reads `ctx.urgency`") && run.stdout.contains("reads `ctx.risk`"),
        "{}",
        run.stdout
    );
}

#[test]
fn check_reports_a_broken_test_file_and_names_a_missing_one() {
    let ws = Workspace::init();
    ws.write("deference.test.yaml", "tests:\n  - {name: x, reqest: {}}\n");
    let run = ws.baton(&["check"]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(
        run.stdout.contains("deference.test.yaml:2:")
            && run.stdout.contains("unknown field `reqest`"),
        "{}",
        run.stdout
    );
    let run = ws.baton(&["check", "--tests", "missing.test.yaml"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("cannot read `missing.test.yaml`"),
        "{}",
        run.stderr
    );
}

#[test]
fn check_json_is_machine_readable() {
    let ws = Workspace::init();
    ws.edit(
        "org.yaml",
        "manager: dana, expertise: {people: 4}",
        "manager: kim, expertise: {people: 4}",
    );
    let run = ws.baton(&["check", "--json"]);
    assert_eq!(run.code, 1);
    let v: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(v["ok"], false);
    assert_eq!(v["diagnostics"][0]["line"], 6);
    assert!(
        v["diagnostics"][0]["message"]
            .as_str()
            .unwrap()
            .contains("manager cycle")
    );
}

#[test]
fn test_passes_the_example_guide_tests() {
    let ws = Workspace::init();
    let run = ws.baton(&["test"]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(run.stdout.contains("0 failing"));
}

#[test]
fn test_shows_what_differed_and_fails() {
    let ws = Workspace::init();
    ws.write(
        "mine.test.yaml",
        "tests:\n  - name: wrong decider\n    request: {type: architecture, requester: ana, at: 2026-03-01T12:00:00Z}\n    expect: {decider: raj, roster: {agree: [dana]}}\n  - name: right rule\n    request: {type: hiring, requester: kim, at: 2026-03-01T12:00:00Z}\n    expect: {rule: default}\n",
    );
    let run = ws.baton(&["test", "mine.test.yaml"]);
    assert_eq!(run.code, 1);
    insta::assert_snapshot!(run.stdout);
}

#[test]
fn init_refuses_to_overwrite_without_force() {
    let ws = Workspace::init();
    let run = ws.baton(&["init"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("--force"), "{}", run.stderr);
    assert_eq!(ws.baton(&["init", "--force"]).code, 0);
}

#[test]
fn schema_prints_valid_json_schemas() {
    let ws = Workspace::init();
    let run = ws.baton(&["schema", "guide"]);
    let v: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(v["title"], "GuideFile");
    assert!(v["properties"]["rules"].is_object());
}

#[test]
fn a_missing_file_is_named() {
    let ws = Workspace::init();
    let run = ws.baton(&["check", "--org", "nope.yaml"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("cannot read `nope.yaml`"),
        "{}",
        run.stderr
    );
}

#[test]
fn export_availability_writes_the_breaks_and_hand_offs_beside_the_files() {
    let ws = Workspace::init();
    let applied = ws.baton(&["apply", "--org", "org.yaml", "--guide", "deference.yaml"]);
    assert_eq!(applied.code, 0, "{}", applied.stderr);
    let url = format!("sqlite://{}", ws.path("baton.db").display());
    let now = chrono::Utc::now();
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        let app = baton_app::App::connect(&url).await.unwrap();
        app.take_break(
            &baton_app::Caller::new("kim", baton_core::lifecycle::Role::Member),
            baton_app::BreakRequest {
                person: None,
                from: now,
                to: now + chrono::Duration::days(2),
                reason: "parental leave".into(),
            },
            now,
        )
        .await
        .unwrap();
        app.close().await;
    });
    let out = ws.baton(&["export", "--format", "json", "--availability"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let doc: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(doc["breaks"][0]["person"], "kim", "{doc}");
    assert_eq!(doc["breaks"][0]["reason"], "parental leave");
    assert_eq!(doc["handoffs"], serde_json::json!([]));
    let wrong = ws.baton(&["export", "--format", "csv", "--availability"]);
    assert_eq!(wrong.code, 2, "{}", wrong.stderr);
    assert!(wrong.stderr.contains("--format json"), "{}", wrong.stderr);
}

#[test]
fn completions_complete_every_command_in_each_shell() {
    let dir = tempfile::tempdir().unwrap();
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let run = run_in(dir.path(), &["completions", shell]);
        assert_eq!(run.code, 0, "{shell}: {}", run.stderr);
        for command in ["who", "report", "audit", "completions", "serve"] {
            assert!(
                run.stdout.contains(command),
                "{shell} completes `{command}`"
            );
        }
    }
    let refused = run_in(dir.path(), &["completions", "tcsh"]);
    assert_eq!(refused.code, 2, "an unknown shell is a usage error");
    assert!(
        refused.stderr.contains("possible values"),
        "{}",
        refused.stderr
    );
}

/// `baton check` run under a pseudo-terminal (util-linux `script`), with
/// `extra` in its environment.
fn check_on_a_terminal(ws: &Workspace, extra: &[(&str, &str)]) -> String {
    let command = format!("{} check", env!("CARGO_BIN_EXE_baton"));
    let out = Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .current_dir(ws.dir.path())
        .env("TERM", "xterm-256color")
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR")
        .env_remove("CLICOLOR_FORCE")
        .envs(extra.iter().copied())
        .output()
        .expect("`script` (util-linux) runs a command on a pseudo-terminal");
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn colour_is_for_terminals_and_never_with_no_color() {
    let ws = Workspace::init();
    ws.edit("org.yaml", "{id: omar", "{idd: omar");
    const RED: &str = "\u{1b}[31m";
    let painted = check_on_a_terminal(&ws, &[]);
    assert!(
        painted.contains(RED) && painted.contains("error:"),
        "{painted:?}"
    );
    let plain = check_on_a_terminal(&ws, &[("NO_COLOR", "1")]);
    assert!(
        !plain.contains('\u{1b}') && plain.contains("error:"),
        "{plain:?}"
    );
    let piped = ws.baton(&["check"]);
    assert!(!piped.stdout.contains('\u{1b}'), "{:?}", piped.stdout);
    // Forced for a pager, it paints a pipe too — but NO_COLOR still wins.
    let forced = |extra: &[(&str, &str)]| {
        let out = Command::new(env!("CARGO_BIN_EXE_baton"))
            .arg("check")
            .current_dir(ws.dir.path())
            .env_remove("NO_COLOR")
            .env("CLICOLOR_FORCE", "1")
            .envs(extra.iter().copied())
            .output()
            .unwrap();
        String::from_utf8(out.stdout).unwrap()
    };
    assert!(forced(&[]).contains(RED), "{:?}", forced(&[]));
    let refused = forced(&[("NO_COLOR", "1")]);
    assert!(!refused.contains('\u{1b}'), "{refused:?}");
}
