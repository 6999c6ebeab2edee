//! `baton serve` as a process: it prints its address, answers HTTP with
//! tokens made by `baton token`, and stops cleanly on SIGTERM.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test fails loudly"
)]

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

fn baton(dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_baton"))
        .args(args)
        .current_dir(dir)
        .env("BATON_DB", "sqlite://./baton.db")
        .output()
        .unwrap()
}

/// A GET as `token`: (status, body).
fn get(address: &str, path: &str, token: Option<&str>) -> (u16, String) {
    common::http(address, "GET", path, token, None)
}

#[test]
fn serve_answers_with_tokens_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    assert!(baton(dir.path(), &["init"]).status.success());
    assert!(
        baton(
            dir.path(),
            &["apply", "--org", "org.yaml", "--guide", "deference.yaml"]
        )
        .status
        .success()
    );
    let created = baton(
        dir.path(),
        &["token", "create", "--person", "ana", "--role", "viewer"],
    );
    assert!(
        created.status.success(),
        "{}",
        String::from_utf8_lossy(&created.stderr)
    );
    let token = String::from_utf8(created.stdout).unwrap().trim().to_owned();
    assert!(
        token.starts_with("baton_") && token.len() == 6 + 64,
        "{token}"
    );
    let refused = baton(
        dir.path(),
        &["token", "create", "--person", "zed", "--role", "admin"],
    );
    assert_eq!(refused.status.code(), Some(1));

    let mut server = common::spawn(
        Command::new(env!("CARGO_BIN_EXE_baton"))
            .args(["serve", "--listen", "127.0.0.1:0"])
            .current_dir(dir.path())
            .env("BATON_DB", "sqlite://./baton.db")
            .stdout(Stdio::piped())
            .stderr(Stdio::null()),
    );
    let mut first = String::new();
    BufReader::new(server.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    let address = common::address_of(&first);

    assert_eq!(get(&address, "/healthz", None).0, 200);

    // `token create --login` prints a link that signs in to the dashboard
    // once.
    let login = baton(
        dir.path(),
        &[
            "token",
            "create",
            "--person",
            "kim",
            "--role",
            "member",
            "--login",
            "--url",
            &format!("http://{address}/"),
        ],
    );
    assert!(
        login.status.success(),
        "{}",
        String::from_utf8_lossy(&login.stderr)
    );
    let link = String::from_utf8(login.stdout).unwrap().trim().to_owned();
    let path = link
        .strip_prefix(&format!("http://{address}"))
        .unwrap_or_else(|| panic!("a link to the server: {link}"));
    assert!(path.starts_with("/login/"), "{link}");
    assert_eq!(get(&address, path, None).0, 303, "signed in");
    assert_eq!(get(&address, path, None).0, 401, "only once");

    // `who --server` asks the server and prints what `who` prints offline.
    let mut ask = common::WHO_ARCHITECTURE.to_vec();
    ask.push("--json");
    let offline = baton(dir.path(), &ask);
    let server_url = format!("http://{address}");
    let mut remote_args = ask.to_vec();
    remote_args.extend([
        "--server",
        &server_url,
        "--token",
        &token,
        "--team",
        "platform",
    ]);
    let remote = baton(dir.path(), &remote_args);
    assert!(
        remote.status.success(),
        "{}",
        String::from_utf8_lossy(&remote.stderr)
    );
    let (offline, remote): (serde_json::Value, serde_json::Value) = (
        serde_json::from_slice(&offline.stdout).unwrap(),
        serde_json::from_slice(&remote.stdout).unwrap(),
    );
    for key in ["decider", "backups", "rule", "roster", "escalation"] {
        assert_eq!(offline[key], remote[key], "{key}");
    }
    let mut unknown = remote_args.clone();
    unknown[2] = "budget";
    let refused = baton(dir.path(), &unknown);
    assert_eq!(refused.status.code(), Some(1));
    let error: serde_json::Value = serde_json::from_slice(&refused.stdout).unwrap();
    assert_eq!(error["error"]["code"], "unknown_type", "{error}");
    let no_team: Vec<&str> = remote_args[..remote_args.len() - 2].to_vec();
    let refused = baton(dir.path(), &no_team);
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--team"));
    assert_eq!(get(&address, "/api/v1/decisions", None).0, 401);
    let (status, listed) = get(&address, "/api/v1/decisions", Some(&token));
    assert_eq!(status, 200, "{listed}");
    assert!(
        baton(dir.path(), &["token", "revoke", "1"])
            .status
            .success()
    );
    assert_eq!(get(&address, "/api/v1/decisions", Some(&token)).0, 401);
    // `who --server` with the revoked token says why, and fails.
    let revoked = baton(dir.path(), &remote_args);
    assert_eq!(revoked.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&revoked.stderr).contains("revoked"),
        "{}",
        String::from_utf8_lossy(&revoked.stderr)
    );
    // `--team` means nothing without `--server`.
    let mut offline_team = ask.to_vec();
    offline_team.extend(["--team", "platform"]);
    let refused = baton(dir.path(), &offline_team);
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--server"));

    let status = common::stop(&mut server);
    assert!(
        status.success(),
        "serve exits cleanly on SIGTERM: {status:?}"
    );
}

fn stop(mut server: common::KillOnDrop) {
    assert!(common::stop(&mut server).success());
}

/// When the demo is first seeded, and a later start's clock.
const SEEDED: &str = "2026-06-01T10:00:00Z";
const LATER: &str = "2027-07-06T10:00:00Z";

fn instant(text: &str) -> chrono::DateTime<chrono::Utc> {
    text.parse().unwrap()
}

fn decisions(address: &str, token: &str, query: &str) -> Vec<serde_json::Value> {
    let (status, body) = get(
        address,
        &format!("/api/v1/decisions?limit=500{query}"),
        Some(token),
    );
    assert_eq!(status, 200, "{body}");
    common::json_of(&body).as_array().expect("a list").clone()
}

/// Each open state holds at least three decisions, there are open and
/// closed surveys and a poll, and something waits for the admin's person.
#[track_caller]
fn assert_live(address: &str, token: &str, now: &str) {
    // Let the server's own tick run at least once.
    std::thread::sleep(std::time::Duration::from_millis(1500));
    for status in ["routed", "checking", "deliberating", "escalated"] {
        let held = decisions(address, token, &format!("&status={status}")).len();
        assert!(held >= 3, "{held} {status} at {now}");
    }
    let waiting = decisions(address, token, "&decider=dana")
        .into_iter()
        .filter(|d| d["status"] != "decided" && d["status"] != "withdrawn")
        .count();
    assert!(waiting > 0, "nothing waits for dana at {now}");
    let surveys = common::json_of(&get(address, "/api/v1/surveys", Some(token)).1);
    let now = instant(now);
    let (open, closed): (Vec<_>, Vec<_>) = surveys
        .as_array()
        .unwrap()
        .iter()
        .partition(|s| instant(s["closes_at"].as_str().unwrap()) > now);
    assert!(!open.is_empty() && !closed.is_empty(), "{surveys}");
    let shown = closed.iter().any(|s| {
        let id = s["id"].as_i64().unwrap();
        get(
            address,
            &format!("/api/v1/surveys/{id}/results"),
            Some(token),
        )
        .0 == 200
    });
    assert!(shown, "a closed survey shows its results: {surveys}");
    let (status, poll) = get(address, "/api/v1/polls/1", Some(token));
    assert_eq!(status, 200, "{poll}");
}

#[test]
fn serve_demo_seeds_three_teams_and_six_months_of_history_on_the_default_store() {
    let dir = tempfile::tempdir().unwrap();
    let (server, address, token) = common::serve_demo(dir.path(), SEEDED);
    assert!(dir.path().join("baton.db").exists(), "the embedded default");

    let (_, org) = get(&address, "/api/v1/org", Some(&token));
    let people = org.matches("- {id: ").count();
    assert!(people >= 30, "{people} people");

    for team in ["platform", "payments", "mobile"] {
        let (status, guide) = get(
            &address,
            &format!("/api/v1/teams/{team}/guide"),
            Some(&token),
        );
        assert_eq!(status, 200, "{guide}");
    }
    let first = decisions(&address, &token, "");
    assert!(first.len() > 250, "{} decisions", first.len());
    let oldest = first
        .iter()
        .filter_map(|d| d["opened_at"].as_str())
        .min()
        .unwrap();
    assert!(instant(SEEDED) - instant(oldest) > chrono::Duration::days(170));
    let with_outcome = first.iter().filter(|d| !d["outcome"].is_null()).count();
    assert!(with_outcome > 100, "{with_outcome} outcomes");
    for status in ["decided", "withdrawn"] {
        assert!(first.iter().any(|d| d["status"] == status), "{status}");
    }
    assert!(first.iter().any(|d| d["override"] == true));
    assert_live(&address, &token, SEEDED);

    // The history is rich enough for the analytics to say something.
    let metrics = common::json_of(
        &get(
            &address,
            "/api/v1/metrics?from=2025-11-01T00:00:00Z",
            Some(&token),
        )
        .1,
    );
    assert!(metrics["decided"].as_u64().unwrap() > 250, "{metrics}");
    assert!(
        metrics["outcome_quality"]["overall"]["recorded"]
            .as_u64()
            .unwrap()
            > 100
    );
    assert!(metrics["override_rate"].as_f64().unwrap() > 0.0);
    assert!(
        metrics["enps"].is_object(),
        "closed surveys count: {metrics}"
    );
    let alerts = common::json_of(&get(&address, "/api/v1/alerts", Some(&token)).1);
    assert!(!alerts.as_array().unwrap().is_empty(), "{alerts}");

    let verified = common::json_of(&get(&address, "/api/v1/audit/verify", Some(&token)).1);
    assert_eq!(verified["verified"]["status"], "intact", "{verified}");
    stop(server);

    // 400 days on, a start reuses the demo, prints a new token and appends
    // what keeps it live: the history is never rewritten.
    let (server, address, again) = common::serve_demo(dir.path(), LATER);
    assert_ne!(again, token);
    assert_live(&address, &again, LATER);
    let later = decisions(&address, &again, "");
    assert!(later.len() > first.len());
    let opened = |list: &[serde_json::Value]| -> std::collections::BTreeMap<i64, String> {
        list.iter()
            .map(|d| {
                (
                    d["id"].as_i64().unwrap(),
                    d["opened_at"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    };
    let (before, after) = (opened(&first), opened(&later));
    for (id, at) in &before {
        assert_eq!(
            after.get(id),
            Some(at),
            "decision {id} kept as it was opened"
        );
    }
    for (id, at) in &after {
        if !before.contains_key(id) {
            assert!(
                instant(at) >= instant(LATER),
                "decision {id} is opened now, not back-dated"
            );
        }
    }
    let verified = common::json_of(&get(&address, "/api/v1/audit/verify", Some(&again)).1);
    assert_eq!(verified["verified"]["status"], "intact", "{verified}");
    stop(server);
}

#[test]
fn serve_demo_refuses_a_store_holding_another_organisation() {
    let dir = tempfile::tempdir().unwrap();
    assert!(baton(dir.path(), &["init"]).status.success());
    assert!(
        baton(dir.path(), &["apply", "--org", "org.yaml"])
            .status
            .success()
    );
    let out = Command::new(env!("CARGO_BIN_EXE_baton"))
        .args(["serve", "--demo", "--listen", "127.0.0.1:0"])
        .current_dir(dir.path())
        .env("BATON_DB", "sqlite://./baton.db")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("not the demo"), "{stderr}");
}
