//! What the CLI tests share: the example `who` request, reading `serve`'s
//! banner, bare HTTP (so they need no HTTP client of their own), stopping
//! a server, and a scratch PostgreSQL database.

#![allow(dead_code, reason = "each test file uses some of these")]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, ExitStatus, Stdio};

/// `who` for the example files' architecture request, at a fixed instant.
pub const WHO_ARCHITECTURE: [&str; 7] = [
    "who",
    "--type",
    "architecture",
    "--requester",
    "ana",
    "--at",
    "2026-03-01T12:00:00Z",
];

/// Runs `baton ARGS` in `dir` on the store `db`, fails the test unless it
/// succeeds, and gives its standard output.
pub fn baton_ok(dir: &std::path::Path, db: &str, args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_baton"))
        .args(args)
        .current_dir(dir)
        .env("BATON_DB", db)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "baton {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The `HOST:PORT` of the banner line `baton serving http://HOST:PORT (…)`.
pub fn address_of(banner: &str) -> String {
    banner
        .split("http://")
        .nth(1)
        .and_then(|r| r.split_whitespace().next())
        .unwrap_or_else(|| panic!("no address in the banner `{banner}`"))
        .to_owned()
}

/// A bare HTTP/1.1 exchange: (status, body).
pub fn http(
    address: &str,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&str>,
) -> (u16, String) {
    let mut stream = TcpStream::connect(address).unwrap();
    let body = body.unwrap_or("");
    let content_type = if body.starts_with('{') {
        "application/json"
    } else {
        "text/plain"
    };
    let auth = token
        .map(|t| format!("Authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {address}\r\n{auth}\
         Content-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let status = response
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
}

pub fn json_of(body: &str) -> serde_json::Value {
    serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {body}"))
}

/// A child process that ends with the test, pass or fail: a panicking
/// test must not leave a `baton serve` running after the test binary exits.
pub struct KillOnDrop(pub Child);

impl std::ops::Deref for KillOnDrop {
    type Target = Child;
    fn deref(&self) -> &Child {
        &self.0
    }
}

impl std::ops::DerefMut for KillOnDrop {
    fn deref_mut(&mut self) -> &mut Child {
        &mut self.0
    }
}

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        // Already gone after `stop`: both calls then fail harmlessly.
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Spawns `command`, to be killed when the guard drops.
pub fn spawn(command: &mut Command) -> KillOnDrop {
    KillOnDrop(command.spawn().unwrap())
}

/// Starts `baton serve --demo` in `dir` with its clock pinned at `clock`,
/// on the default store; returns the child, its address and the admin
/// token it printed.
pub fn serve_demo(dir: &std::path::Path, clock: &str) -> (KillOnDrop, String, String) {
    serve_demo_on(dir, clock, None)
}

/// [`serve_demo`] on the store `db` when given.
pub fn serve_demo_on(
    dir: &std::path::Path,
    clock: &str,
    db: Option<&str>,
) -> (KillOnDrop, String, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_baton"));
    command
        .args(["serve", "--demo", "--listen", "127.0.0.1:0"])
        .args(["--tick-every", "1", "--clock", clock])
        .current_dir(dir)
        .env_remove("BATON_DB")
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    if let Some(db) = db {
        command.args(["--db", db]);
    }
    let mut server = spawn(&mut command);
    let mut lines = BufReader::new(server.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let address = address_of(&first);
    let second = lines.next().unwrap().unwrap();
    let token = second
        .strip_prefix("admin token (dana): ")
        .unwrap_or_else(|| panic!("an admin token line: {second}"))
        .to_owned();
    (server, address, token)
}

/// The Python of the test command's virtual environment
/// (`BATON_TEST_PYTHON`), which has the packages of `.ci/requirements.txt`
/// (`with` names the one a test needs). Without it the test fails: it never
/// passes by skipping.
pub fn test_python(with: &str) -> String {
    std::env::var("BATON_TEST_PYTHON").unwrap_or_else(|_| {
        panic!(
            "BATON_TEST_PYTHON must name a Python with {with}: run the tests with `.ci/test`, \
             which makes one (see README.md)"
        )
    })
}

/// Sends SIGTERM and waits for the process to end.
pub fn stop(child: &mut Child) -> ExitStatus {
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    child.wait().unwrap()
}

/// Runs `story` with the URL of a fresh PostgreSQL database when
/// `BATON_TEST_DATABASE_URL` is set (and fails if that server is
/// unreachable); the database is dropped afterwards, even when the story
/// fails.
pub fn with_scratch_postgres(prefix: &str, story: impl FnOnce(&str)) {
    let Ok(admin) = std::env::var("BATON_TEST_DATABASE_URL") else {
        return;
    };
    let scratch = Scratch {
        name: format!("{prefix}_{}", std::process::id()),
        admin,
    };
    scratch.exec(&format!(
        "DROP DATABASE IF EXISTS {} WITH (FORCE)",
        scratch.name
    ));
    scratch.exec(&format!("CREATE DATABASE {}", scratch.name));
    let base = scratch
        .admin
        .rsplit_once('/')
        .map_or(scratch.admin.as_str(), |(b, _)| b);
    story(&format!("{base}/{}", scratch.name));
}

struct Scratch {
    admin: String,
    name: String,
}

impl Scratch {
    fn exec(&self, sql: &str) {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            use sqlx::Connection;
            let mut conn = sqlx::PgConnection::connect(&self.admin)
                .await
                .expect("BATON_TEST_DATABASE_URL is set but unreachable");
            sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()))
                .execute(&mut conn)
                .await
                .unwrap();
        });
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let drop = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name);
        // Never a second panic while a failed story unwinds.
        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.exec(&drop)));
    }
}
