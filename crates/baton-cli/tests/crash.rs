//! Crash safety (SPEC §9): writers killed with SIGKILL at random moments
//! lose no acknowledged decision and never break the audit chain. Runs on
//! SQLite, and on a fresh PostgreSQL database when
//! `BATON_TEST_DATABASE_URL` is set.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test fails loudly"
)]

mod common;

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::Instant;

const ROUNDS: usize = 30;

fn baton(dir: &Path, db: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_baton"))
        .args(args)
        .current_dir(dir)
        .env("BATON_DB", db)
        .output()
        .unwrap()
}

fn open_args() -> Vec<&'static str> {
    vec![
        "open",
        "--team",
        "platform",
        "--type",
        "incident",
        "--title",
        "Disk full",
        "--as",
        "ana",
        "--at",
        "2026-03-01T12:00:00Z",
    ]
}

/// splitmix64, seeded from the clock: each run kills at other moments.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

fn crash_story(db: &str) {
    let dir = tempfile::tempdir().unwrap();
    assert!(baton(dir.path(), db, &["init"]).status.success());
    let applied = baton(
        dir.path(),
        db,
        &["apply", "--org", "org.yaml", "--guide", "deference.yaml"],
    );
    assert!(
        applied.status.success(),
        "{}",
        String::from_utf8_lossy(&applied.stderr)
    );

    // How long one uninterrupted write takes here, to aim the kills.
    let started = Instant::now();
    assert!(baton(dir.path(), db, &open_args()).status.success());
    let typical = started.elapsed();

    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64;
    let mut rng = Rng(seed);
    let mut acknowledged = vec![1i64];
    let mut killed = 0;
    for _ in 0..ROUNDS {
        let mut child = Command::new(env!("CARGO_BIN_EXE_baton"))
            .args(open_args())
            .current_dir(dir.path())
            .env("BATON_DB", db)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let wait = typical.mul_f64((rng.next() % 1000) as f64 / 1000.0 * 1.3);
        std::thread::sleep(wait);
        let _ = child.kill();
        let out = child.wait_with_output().unwrap();
        if out.status.success() {
            let id: i64 = String::from_utf8(out.stdout)
                .unwrap()
                .trim()
                .parse()
                .expect("an acknowledged open prints its id");
            acknowledged.push(id);
        } else {
            killed += 1;
        }
    }
    eprintln!(
        "{db}: {} acknowledged, {killed} killed (seed {seed})",
        acknowledged.len()
    );
    assert!(
        killed > 0,
        "no writer was killed: the test did not test anything (seed {seed})"
    );
    for id in &acknowledged {
        let shown = baton(dir.path(), db, &["show", &id.to_string(), "--json"]);
        assert!(
            shown.status.success(),
            "acknowledged decision {id} is lost (seed {seed})"
        );
    }
    let verify = baton(dir.path(), db, &["verify"]);
    let text = String::from_utf8_lossy(&verify.stdout);
    assert!(
        verify.status.success() && text.starts_with("chain intact"),
        "{text} (seed {seed})"
    );
}

#[test]
fn killed_writers_lose_no_acknowledged_decision_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    crash_story(&format!(
        "sqlite://{}",
        dir.path().join("crash.db").display()
    ));
}

#[test]
fn killed_writers_lose_no_acknowledged_decision_on_postgres() {
    common::with_scratch_postgres("baton_crash", crash_story);
}

/// An import killed while it writes leaves the store as it was. `baton
/// import` takes a SQLite file nothing else has open whole, with a rollback
/// journal in place of the write-ahead log: the next command to open the
/// store rolls that journal back, the chain and its head are as before,
/// and the same file then imports whole.
#[test]
fn a_killed_import_leaves_the_store_as_it_was_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("import.db");
    let journal = dir.path().join("import.db-journal");
    let db = format!("sqlite://{}", file.display());
    assert!(baton(dir.path(), &db, &["init"]).status.success());
    let applied = baton(
        dir.path(),
        &db,
        &["apply", "--org", "org.yaml", "--guide", "deference.yaml"],
    );
    assert!(applied.status.success());
    assert!(baton(dir.path(), &db, &open_args()).status.success());
    let before = baton(dir.path(), &db, &["verify"]);
    assert!(before.status.success());

    let rows = 40_000;
    let mut sheet = String::from("team,type,title,requester,decider,opened_at,decided_at\n");
    for i in 0..rows {
        sheet.push_str(&format!(
            "platform,architecture,Pick {i},ana,kim,2025-06-02,2025-06-03\n"
        ));
    }
    std::fs::write(dir.path().join("past.csv"), sheet).unwrap();
    // Killed with the test if an assertion below fails first.
    let mut child = common::spawn(
        Command::new(env!("CARGO_BIN_EXE_baton"))
            .args(["import", "past.csv"])
            .current_dir(dir.path())
            .env("BATON_DB", &db)
            .stdout(Stdio::null())
            .stderr(Stdio::null()),
    );
    let started = Instant::now();
    while !journal.exists() {
        assert!(
            child.try_wait().unwrap().is_none(),
            "the import ended before its journal was seen: it did not take the file whole"
        );
        assert!(started.elapsed().as_secs() < 120, "no journal after 2 min");
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    std::thread::sleep(std::time::Duration::from_millis(300));
    let _ = child.kill();
    assert!(
        !child.wait().unwrap().success(),
        "the import finished before it was killed"
    );
    assert!(journal.exists(), "a killed import leaves its journal hot");

    let after = baton(dir.path(), &db, &["verify"]);
    assert_eq!(
        String::from_utf8_lossy(&after.stdout),
        String::from_utf8_lossy(&before.stdout),
        "the chain and its head are as before the import"
    );
    assert!(
        !journal.exists(),
        "the next command rolled the journal back"
    );
    let log = baton(dir.path(), &db, &["log"]);
    assert_eq!(String::from_utf8_lossy(&log.stdout).lines().count(), 2);

    let again = baton(dir.path(), &db, &["import", "past.csv"]);
    let text = String::from_utf8_lossy(&again.stdout);
    assert!(
        text.starts_with(&format!("imported {rows} decisions")),
        "{text}"
    );
    let verify = baton(dir.path(), &db, &["verify"]);
    assert!(String::from_utf8_lossy(&verify.stdout).starts_with("chain intact"));
}
