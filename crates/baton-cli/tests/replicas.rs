//! Two `baton serve` processes over one store — a SQLite file, and (with
//! `BATON_TEST_DATABASE_URL`) one PostgreSQL database — as replicas behind
//! a load balancer would be: a guide changed through one is used by the
//! other within a second, a decision opened through one is read through the
//! other and counted by the other's very next metrics, and a deadline both
//! of them tick past is processed once.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test fails loudly"
)]

mod common;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::json;

/// A bare HTTP/1.1 exchange as `token`: (status, body).
fn http(address: &str, method: &str, path: &str, token: &str, body: Option<&str>) -> (u16, String) {
    common::http(address, method, path, Some(token), body)
}

struct Replica {
    child: Child,
    address: String,
}

impl Replica {
    fn start(dir: &Path, db: &str) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_baton"))
            .args(["serve", "--listen", "127.0.0.1:0", "--tick-every", "1"])
            // The same start whatever day the test runs; each replica's
            // clock runs on from when it started, as real clocks drift.
            .args(["--clock", "2026-04-01T09:00:00Z"])
            .current_dir(dir)
            .env("BATON_DB", db)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut first = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut first)
            .unwrap();
        let address = common::address_of(&first);
        Self { child, address }
    }
}

impl Drop for Replica {
    fn drop(&mut self) {
        common::stop(&mut self.child);
    }
}

fn eventually(what: &str, within: Duration, mut check: impl FnMut() -> bool) -> Duration {
    let started = Instant::now();
    while !check() {
        assert!(started.elapsed() < within, "{what}: not within {within:?}");
        std::thread::sleep(Duration::from_millis(20));
    }
    started.elapsed()
}

fn two_replicas_story(db: &str) {
    let dir = tempfile::tempdir().unwrap();
    common::baton_ok(dir.path(), db, &["init"]);
    // Incidents escalate two seconds after opening, so the test can watch
    // both replicas' deadline tasks race for it.
    let guide = std::fs::read_to_string(dir.path().join("deference.yaml")).unwrap();
    let guide = guide.replace(
        "escalate: {after: 2h, to: {role: cto}}",
        "escalate: {after: 2s, to: {role: cto}}",
    );
    std::fs::write(dir.path().join("deference.yaml"), &guide).unwrap();
    common::baton_ok(
        dir.path(),
        db,
        &["apply", "--org", "org.yaml", "--guide", "deference.yaml"],
    );
    let ana = common::baton_ok(
        dir.path(),
        db,
        &["token", "create", "--person", "ana", "--role", "member"],
    );
    let dana = common::baton_ok(
        dir.path(),
        db,
        &["token", "create", "--person", "dana", "--role", "admin"],
    );
    let (ana, dana) = (ana.trim(), dana.trim());
    let a = Replica::start(dir.path(), db);
    let b = Replica::start(dir.path(), db);

    // A new guide through A is used by B.
    let ask = r#"{"team": "platform", "type": "architecture", "at": "2026-03-01T12:00:00Z"}"#;
    let deadline = |r: &Replica| {
        let (status, body) = http(&r.address, "POST", "/api/v1/resolve", ana, Some(ask));
        assert_eq!(status, 200, "{body}");
        common::json_of(&body)["escalation"]["deadline"].clone()
    };
    assert_eq!(deadline(&b), json!("2026-03-04T12:00:00Z"));
    let changed = guide.replace(
        "escalate: {after: 72h, to: {role: cto}}",
        "escalate: {after: 96h, to: {role: cto}}",
    );
    let (status, body) = http(
        &a.address,
        "PUT",
        "/api/v1/teams/platform/guide",
        dana,
        Some(&changed),
    );
    assert_eq!(status, 200, "{body}");
    eventually(
        "B routes with the guide PUT through A",
        Duration::from_secs(1),
        || deadline(&b) == json!("2026-03-05T12:00:00Z"),
    );

    // B's analytics are built before the decision exists...
    let opened = |r: &Replica| {
        let query =
            "/api/v1/metrics?team=platform&from=2026-03-01T00:00:00Z&to=2026-05-01T00:00:00Z";
        let (status, body) = http(&r.address, "GET", query, ana, None);
        assert_eq!(status, 200, "{body}");
        common::json_of(&body)["opened"].as_u64().unwrap()
    };
    let before = opened(&b);

    // A decision opened through A is read through B.
    let (status, body) = http(
        &a.address,
        "POST",
        "/api/v1/decisions",
        ana,
        Some(r#"{"team": "platform", "type": "incident", "title": "Disk full"}"#),
    );
    assert_eq!(status, 201, "{body}");
    let id = common::json_of(&body)["id"].as_i64().unwrap();
    let path = format!("/api/v1/decisions/{id}");
    let (status, body) = http(&b.address, "GET", &path, ana, None);
    assert_eq!(status, 200, "{body}");
    // ...and its very next metrics count the write acknowledged through A.
    assert_eq!(opened(&b), before + 1, "B's metrics after A's write");

    // Both replicas tick every second; the escalation happens once.
    eventually("the deadline is processed", Duration::from_secs(10), || {
        common::json_of(&http(&b.address, "GET", &path, ana, None).1)["status"] == "escalated"
    });
    std::thread::sleep(Duration::from_millis(2500));
    let decision = common::json_of(&http(&a.address, "GET", &path, ana, None).1);
    let escalations = decision["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "escalated")
        .count();
    assert_eq!(escalations, 1, "{decision}");
    assert_eq!(decision["decider"], "dana");
    let verified = common::json_of(&http(&b.address, "GET", "/api/v1/audit/verify", ana, None).1);
    assert_eq!(verified["verified"]["status"], "intact", "{verified}");
}

#[test]
fn two_server_processes_on_one_sqlite_file_act_as_one() {
    let dir = tempfile::tempdir().unwrap();
    two_replicas_story(&format!(
        "sqlite://{}",
        dir.path().join("shared.db").display()
    ));
}

#[test]
fn two_server_processes_on_one_postgres_database_act_as_one() {
    common::with_scratch_postgres("baton_replica_procs", two_replicas_story);
}
