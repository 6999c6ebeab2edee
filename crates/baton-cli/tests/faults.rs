//! The server under faults (SPEC §8.2): a store whose disk fills answers
//! 507 `store_full`, loses nothing it acknowledged and writes again once
//! there is space; a database that goes away is answered 503
//! `store_unavailable` within seconds, and `/readyz` says so while
//! `/healthz` does not. Real faults: an 8 MB tmpfs under a SQLite store
//! (a new store takes 1 MB, and its write-ahead log up to 4 MiB more), and
//! a PostgreSQL cluster of the test's own, stopped and started again.
//! Both need root (to mount, and to run PostgreSQL as `postgres`), as the
//! test command has.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test fails loudly"
)]

mod common;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{KillOnDrop, http, json_of};

/// The example org and guide applied to `db`, a server on it, and an
/// admin's token; the server's log goes to `log`.
fn serve(dir: &Path, db: &str, log: &Path) -> (KillOnDrop, String, String) {
    common::baton_ok(dir, db, &["init"]);
    common::baton_ok(
        dir,
        db,
        &["apply", "--org", "org.yaml", "--guide", "deference.yaml"],
    );
    let token = common::baton_ok(
        dir,
        db,
        &["token", "create", "--person", "dana", "--role", "admin"],
    )
    .trim()
    .to_owned();
    let mut server = common::spawn(
        Command::new(env!("CARGO_BIN_EXE_baton"))
            .args(["serve", "--listen", "127.0.0.1:0"])
            .current_dir(dir)
            .env("BATON_DB", db)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(log).unwrap()),
    );
    let mut banner = String::new();
    BufReader::new(server.stdout.take().unwrap())
        .read_line(&mut banner)
        .unwrap();
    (server, common::address_of(&banner), token)
}

/// Opens an incident whose context carries `padding` bytes: (status, body).
fn open(address: &str, token: &str, padding: usize) -> (u16, String) {
    let body = serde_json::json!({
        "team": "platform",
        "type": "incident",
        "title": "Disk filling",
        "context": {"notes": "x".repeat(padding)},
    });
    http(
        address,
        "POST",
        "/api/v1/decisions",
        Some(token),
        Some(&body.to_string()),
    )
}

fn code_of(body: &str) -> String {
    json_of(body)["code"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// A tmpfs mounted for the test, unmounted when it ends.
struct Tmpfs(PathBuf);

impl Tmpfs {
    fn mount(at: PathBuf, size: &str) -> Self {
        std::fs::create_dir_all(&at).unwrap();
        let done = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(&at)
            .output()
            .unwrap();
        assert!(
            done.status.success(),
            "this test mounts a tmpfs and needs root: {}",
            String::from_utf8_lossy(&done.stderr)
        );
        Self(at)
    }

    fn resize(&self, size: &str) {
        let done = Command::new("mount")
            .args(["-o", &format!("remount,size={size}")])
            .arg(&self.0)
            .status()
            .unwrap();
        assert!(done.success());
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

#[test]
fn a_full_disk_answers_507_keeps_what_it_acknowledged_and_writes_again_with_space() {
    let dir = tempfile::tempdir().unwrap();
    let disk = Tmpfs::mount(dir.path().join("disk"), "8m");
    let db = format!("sqlite://{}", disk.0.join("baton.db").display());
    let log = dir.path().join("server.log");
    let (mut server, address, token) = serve(dir.path(), &db, &log);

    let mut acknowledged = vec![];
    let mut full = 0;
    for _ in 0..2_000 {
        let (status, body) = open(&address, &token, 20_000);
        match status {
            201 => acknowledged.push(json_of(&body)["id"].as_i64().unwrap()),
            507 => {
                assert_eq!(code_of(&body), "store_full", "{body}");
                full += 1;
                if full == 20 {
                    break;
                }
            }
            other => panic!(
                "a write on a filling disk answered {other}, not 201 or 507: {body}\nserver log:\n{}",
                std::fs::read_to_string(&log).unwrap_or_default()
            ),
        }
    }
    assert_eq!(full, 20, "the 8 MB disk never filled");
    assert!(acknowledged.len() > 10, "{acknowledged:?}");
    // Reads go on while the disk is full.
    let (status, _) = http(&address, "GET", "/api/v1/decisions/1", Some(&token), None);
    assert_eq!(status, 200);

    // With space again, the next write lands: no connection was left
    // inside a failed transaction.
    disk.resize("64m");
    let (status, body) = open(&address, &token, 10);
    assert_eq!(status, 201, "{body}");
    acknowledged.push(json_of(&body)["id"].as_i64().unwrap());
    common::stop(&mut server);
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(
        !text.contains("transaction depth"),
        "a connection was reused inside a failed transaction:\n{text}"
    );

    for id in &acknowledged {
        let shown = Command::new(env!("CARGO_BIN_EXE_baton"))
            .args(["show", &id.to_string(), "--json"])
            .current_dir(dir.path())
            .env("BATON_DB", &db)
            .output()
            .unwrap();
        assert!(shown.status.success(), "acknowledged decision {id} is lost");
    }
    let verify = common::baton_ok(dir.path(), &db, &["verify"]);
    assert!(verify.starts_with("chain intact"), "{verify}");
}

/// A PostgreSQL cluster of the test's own on a free port, run as
/// `postgres`; stopped for good when the test ends.
struct Cluster {
    data: PathBuf,
    port: u16,
    bin: PathBuf,
}

impl Cluster {
    fn create(root: &Path) -> Self {
        let bin = std::fs::read_dir("/usr/lib/postgresql")
            .expect("PostgreSQL's server binaries under /usr/lib/postgresql")
            .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
            .find(|b| b.join("initdb").exists())
            .expect("an initdb under /usr/lib/postgresql/*/bin");
        let data = root.join("pgdata");
        std::fs::create_dir_all(&data).unwrap();
        chown_postgres(root);
        chown_postgres(&data);
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let cluster = Self { data, port, bin };
        cluster.as_postgres(
            "initdb",
            &["--auth=trust", "--username=postgres", "--no-sync", "-D"],
            &[cluster.data.as_os_str()],
        );
        cluster.start();
        cluster
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    fn as_postgres(&self, tool: &str, args: &[&str], paths: &[&std::ffi::OsStr]) {
        let out = Command::new("runuser")
            .args(["-u", "postgres", "--"])
            .arg(self.bin.join(tool))
            .args(args)
            .args(paths)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{tool} {args:?}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    fn start(&self) {
        let options = format!(
            "-p {} -c listen_addresses=127.0.0.1 -k {}",
            self.port,
            self.data.display()
        );
        let log = self.data.join("log");
        self.as_postgres(
            "pg_ctl",
            &["start", "-w", "-o", &options, "-l"],
            &[log.as_os_str(), "-D".as_ref(), self.data.as_os_str()],
        );
    }

    fn stop(&self) {
        self.as_postgres(
            "pg_ctl",
            &["stop", "-w", "-m", "fast", "-D"],
            &[self.data.as_os_str()],
        );
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = Command::new("runuser")
            .args(["-u", "postgres", "--"])
            .arg(self.bin.join("pg_ctl"))
            .args(["stop", "-m", "immediate", "-D"])
            .arg(&self.data)
            .output();
    }
}

fn chown_postgres(path: &Path) {
    let done = Command::new("chown")
        .args(["postgres:postgres"])
        .arg(path)
        .status()
        .unwrap();
    assert!(done.success(), "chown postgres {}", path.display());
}

/// A request and how long its answer took.
fn timed(address: &str, method: &str, path: &str, token: &str) -> (u16, String, Duration) {
    let started = Instant::now();
    let body =
        (method == "POST").then_some(r#"{"team":"platform","type":"incident","title":"Again"}"#);
    let (status, text) = http(address, method, path, Some(token), body);
    (status, text, started.elapsed())
}

#[test]
fn a_database_gone_is_answered_503_within_seconds_and_readyz_says_so() {
    let root = tempfile::tempdir().unwrap();
    let cluster = Cluster::create(root.path());
    let work = tempfile::tempdir().unwrap();
    let log = work.path().join("server.log");
    let (mut server, address, token) = serve(work.path(), &cluster.url(), &log);
    let (status, body) = open(&address, &token, 10);
    assert_eq!(status, 201, "{body}");
    assert_eq!(
        http(&address, "GET", "/readyz", None, None).0,
        200,
        "the store answers"
    );

    cluster.stop();
    for (method, path) in [
        ("GET", "/readyz"),
        ("GET", "/api/v1/decisions/1"),
        ("POST", "/api/v1/decisions"),
        ("GET", "/api/v1/decisions"),
    ] {
        let (status, body, took) = timed(&address, method, path, &token);
        assert_eq!(status, 503, "{method} {path}: {body}");
        assert_eq!(code_of(&body), "store_unavailable", "{method} {path}");
        assert!(
            took < Duration::from_secs(6),
            "{method} {path} took {took:?} to say the store is gone"
        );
    }
    assert_eq!(
        http(&address, "GET", "/healthz", None, None).0,
        200,
        "the process is up"
    );

    cluster.start();
    let back = Instant::now();
    while http(&address, "GET", "/readyz", None, None).0 != 200 {
        assert!(
            back.elapsed() < Duration::from_secs(20),
            "never ready again"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    let (status, body) = http(&address, "GET", "/api/v1/decisions/1", Some(&token), None);
    assert_eq!(status, 200, "{body}");
    let (status, body) = open(&address, &token, 10);
    assert_eq!(status, 201, "{body}");
    assert_eq!(json_of(&body)["id"], 2);
    common::stop(&mut server);
}
