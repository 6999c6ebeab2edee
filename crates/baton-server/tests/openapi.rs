//! The OpenAPI document is the server's own description: it passes the
//! OpenAPI 3.1 validator (openapi-spec-validator, from PyPI), names every
//! path parameter of every path, and every operation it lists is routed.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test fails loudly"
)]

use std::collections::BTreeSet;

use baton_app::App;
use baton_core::examples;
use baton_core::lifecycle::Role;
use baton_server::AppState;
use serde_json::Value;

fn document() -> Value {
    baton_server::openapi::document()
}

#[test]
fn the_document_passes_the_openapi_3_1_validator() {
    let python = std::env::var("BATON_TEST_PYTHON").unwrap_or_else(|_| {
        panic!("BATON_TEST_PYTHON must name a Python with openapi-spec-validator: run `.ci/test`")
    });
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("openapi.json");
    std::fs::write(&file, serde_json::to_string_pretty(&document()).unwrap()).unwrap();
    let out = std::process::Command::new(python)
        .args(["-m", "openapi_spec_validator"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn every_path_parameter_is_described_and_every_operation_answers_something() {
    let doc = document();
    assert_eq!(doc["openapi"], "3.1.0");
    let paths = doc["paths"].as_object().unwrap();
    for (path, ops) in paths {
        let named: BTreeSet<&str> = path
            .split('/')
            .filter_map(|s| s.strip_prefix('{')?.strip_suffix('}'))
            .collect();
        for (method, op) in ops.as_object().unwrap() {
            let described: BTreeSet<&str> = op["parameters"]
                .as_array()
                .map(|ps| {
                    ps.iter()
                        .filter(|p| p["in"] == "path")
                        .filter_map(|p| p["name"].as_str())
                        .collect()
                })
                .unwrap_or_default();
            assert_eq!(named, described, "{method} {path}: path parameters");
            assert!(
                op["summary"].as_str().is_some_and(|s| !s.is_empty()),
                "{method} {path} has no summary"
            );
            assert!(
                op["responses"]
                    .as_object()
                    .is_some_and(|r| r.keys().any(|k| k.starts_with('2'))),
                "{method} {path} documents no success"
            );
        }
    }
    for expected in [
        "/api/v1/resolve",
        "/api/v1/decisions/{id}/decide",
        "/api/v1/people/{id}",
        "/api/v1/rotations/{team}/{file}",
        "/integrations/slack/command",
        "/metrics",
    ] {
        assert!(paths.contains_key(expected), "{expected} is missing");
    }
}

#[tokio::test]
async fn every_documented_operation_is_routed() {
    let dir = tempfile::tempdir().unwrap();
    let app = App::connect(&format!("sqlite://{}", dir.path().join("o.db").display()))
        .await
        .unwrap();
    let at: chrono::DateTime<chrono::Utc> = "2026-04-01T09:00:00Z".parse().unwrap();
    app.apply(
        Some(("org.yaml", examples::ORG)),
        &[("deference.yaml", examples::GUIDE)],
        at,
    )
    .await
    .unwrap();
    let (_, token) = app.create_token("dana", Role::Admin, at).await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(baton_server::run(
        listener,
        AppState::new(app),
        std::future::pending(),
    ));
    let http = baton_server::http_client(std::time::Duration::from_secs(10)).unwrap();
    // What an unrouted request looks like, so the check below can fail.
    let resp = http
        .get(format!("{base}/api/v1/nope"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 404);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["detail"], "Not Found", "{body}");
    let doc = document();
    let mut tried = 0;
    for (path, ops) in doc["paths"].as_object().unwrap() {
        let concrete = path
            .replace("{id}", "1")
            .replace("{team}", "platform")
            .replace("{file}", "on-call.ics");
        for method in ops.as_object().unwrap().keys() {
            let method: reqwest::Method = method.to_uppercase().parse().unwrap();
            let resp = http
                .request(method.clone(), format!("{base}{concrete}"))
                .bearer_auth(&token)
                .header("content-type", "application/json")
                .body("{}")
                .send()
                .await
                .unwrap();
            let status = resp.status().as_u16();
            let body: Value = resp.json().await.unwrap_or_default();
            let unrouted = status == 405 || (status == 404 && body["detail"] == "Not Found");
            assert!(
                !unrouted,
                "{method} {path} is documented but not routed: {status} {body}"
            );
            tried += 1;
        }
    }
    assert!(tried >= 38, "{tried} operations");

    // What this server serves leaves out the Slack command: without a
    // signing secret it would only answer 404 `slack_disabled`.
    let served: Value = http
        .get(format!("{base}/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let paths = served["paths"].as_object().unwrap();
    assert!(!paths.contains_key("/integrations/slack/command"));
    assert_eq!(paths.len() + 1, doc["paths"].as_object().unwrap().len());
}
