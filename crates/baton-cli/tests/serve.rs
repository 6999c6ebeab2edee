//! `baton serve` as a process: it prints its address, answers HTTP with
//! tokens made by `baton token`, and stops cleanly on SIGTERM.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test fails loudly"
)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};

fn baton(dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_baton"))
        .args(args)
        .current_dir(dir)
        .env("BATON_DB", "sqlite://./baton.db")
        .output()
        .unwrap()
}

/// A bare HTTP/1.1 GET, so the test needs no HTTP client of its own.
fn get(address: &str, path: &str, token: Option<&str>) -> String {
    let mut stream = TcpStream::connect(address).unwrap();
    let auth = token
        .map(|t| format!("Authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {address}\r\n{auth}Connection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    response
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

    let mut server = Command::new(env!("CARGO_BIN_EXE_baton"))
        .args(["serve", "--listen", "127.0.0.1:0"])
        .current_dir(dir.path())
        .env("BATON_DB", "sqlite://./baton.db")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(server.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    let address = first
        .split("http://")
        .nth(1)
        .and_then(|r| r.split_whitespace().next())
        .expect("an address")
        .to_owned();

    assert!(get(&address, "/healthz", None).starts_with("HTTP/1.1 200"));
    assert!(get(&address, "/api/v1/decisions", None).starts_with("HTTP/1.1 401"));
    let listed = get(&address, "/api/v1/decisions", Some(&token));
    assert!(listed.starts_with("HTTP/1.1 200"), "{listed}");
    assert!(
        baton(dir.path(), &["token", "revoke", "1"])
            .status
            .success()
    );
    assert!(get(&address, "/api/v1/decisions", Some(&token)).starts_with("HTTP/1.1 401"));

    let term = Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .unwrap();
    assert!(term.success());
    let status = server.wait().unwrap();
    assert!(
        status.success(),
        "serve exits cleanly on SIGTERM: {status:?}"
    );
}
