//! Every page the router serves loads cleanly: no console error and no
//! serious or critical axe-core finding, signed in as an admin.

use std::path::PathBuf;

use serde_json::{Value, json};

use crate::harness::{Browser, Demo};

/// Where the README's test command installs axe-core.
fn axe_source() -> String {
    let path = std::env::var_os("BATON_TEST_AXE").map_or_else(
        || {
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("../../target/test-node/node_modules/axe-core/axe.min.js")
        },
        PathBuf::from,
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "axe-core at {} ({e}): run the README's test command, which installs it",
            path.display()
        )
    })
}

/// The serious and critical findings of axe-core on the open page.
async fn axe(browser: &Browser, source: &str) -> Vec<Value> {
    browser
        .client
        .execute(&format!("{source}\n;return true;"), vec![])
        .await
        .unwrap();
    let script = r#"
        const done = arguments[arguments.length - 1];
        axe.run(document, {resultTypes: ['violations']})
          .then(r => done(r.violations
             .filter(v => v.impact === 'serious' || v.impact === 'critical')
             .map(v => ({id: v.id, impact: v.impact, help: v.help,
                         nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))))
          .catch(e => done([{id: 'axe failed', help: String(e)}]));
    "#;
    let found = browser.client.execute_async(script, vec![]).await.unwrap();
    found.as_array().cloned().unwrap_or_default()
}

/// The router's page paths with each `{placeholder}` filled from the
/// demo: a new page is walked here without a list of its own, and a new
/// placeholder fails until it has a sample.
fn paths(demo: &Demo) -> Vec<String> {
    let decisions = demo.api("/api/v1/decisions?limit=500");
    let of_status = |status: &str| {
        decisions
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["status"] == status)
            .map(|d| d["id"].to_string())
            .unwrap_or_else(|| panic!("the demo has a {status} decision"))
    };
    let samples = |name: &str| -> Vec<String> {
        match name {
            "id" => ["checking", "deliberating", "decided", "withdrawn"]
                .into_iter()
                .map(of_status)
                .collect(),
            "code" => vec![
                demo.login_for("dana", "admin")
                    .trim_start_matches("/login/")
                    .to_owned(),
            ],
            "team" => vec!["platform".into()],
            "person" => vec!["dana".into(), "kim".into()],
            "survey" => demo
                .api("/api/v1/surveys")
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s["id"].to_string())
                .collect(),
            "poll" => vec!["1".into()],
            "pilot" => demo
                .api("/api/v1/pilots")
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p["id"].to_string())
                .collect(),
            other => panic!("no sample for `{{{other}}}`: add one to browser/pages.rs"),
        }
    };
    let samples = |name: &str| -> Vec<String> {
        let found = samples(name);
        assert!(!found.is_empty(), "the demo has no `{name}` to show");
        found
    };
    let mut out = Vec::new();
    for page in baton_server::PAGES {
        let mut expanded = vec![String::new()];
        for segment in page.split('/').skip(1) {
            let options = match segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                Some(name) => samples(name),
                None => vec![segment.to_owned()],
            };
            expanded = expanded
                .iter()
                .flat_map(|p| options.iter().map(move |o| format!("{p}/{o}")))
                .collect();
        }
        out.extend(expanded);
    }
    out
}

#[tokio::test]
async fn every_page_loads_without_a_console_error_or_a_serious_accessibility_finding() {
    let demo = Demo::start();
    let browser = Browser::open(&demo).await;
    let axe_source = axe_source();
    let mut problems = Vec::new();
    for path in paths(&demo) {
        // Each page as dana (admin) sees it: the link signs in anew.
        if path.starts_with("/login/") {
            browser.client.delete_all_cookies().await.unwrap();
        } else if browser
            .client
            .get_named_cookie("baton_session")
            .await
            .is_err()
        {
            browser.sign_in(&demo.login_for("dana", "admin")).await;
            browser.console().await;
        }
        browser.goto(&path).await;
        for logged in browser.console().await {
            problems.push(format!(
                "{path}: console {}: {}",
                logged.level, logged.message
            ));
        }
        if path.ends_with(".css") {
            continue;
        }
        for finding in axe(&browser, &axe_source).await {
            problems.push(format!("{path}: axe {finding}"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[tokio::test]
async fn the_console_capture_catches_an_error() {
    let demo = Demo::start();
    let browser = Browser::open(&demo).await;
    browser.sign_in(&demo.login).await;
    browser.console().await;
    // A page that does not exist: Chromium logs the 404.
    browser.goto("/decisions/999999999").await;
    let logged = browser.console().await;
    assert!(
        logged
            .iter()
            .any(|l| l.level == "SEVERE" && l.message.contains("404")),
        "{logged:?}"
    );
    // And a script error, which no page of ours has.
    browser
        .client
        .execute(
            "setTimeout(() => { throw new Error('deliberate'); }, 0); return 1;",
            vec![json!(null)],
        )
        .await
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let logged = browser.console().await;
    assert!(
        logged.iter().any(|l| l.message.contains("deliberate")),
        "{logged:?}"
    );
}

#[tokio::test]
async fn the_accessibility_check_finds_a_broken_page() {
    let demo = Demo::start();
    let browser = Browser::open(&demo).await;
    browser
        .client
        .goto("data:text/html,<html><body><img src='x.png'><button></button></body></html>")
        .await
        .unwrap();
    let found = axe(&browser, &axe_source()).await;
    let ids: Vec<&str> = found.iter().filter_map(|f| f["id"].as_str()).collect();
    assert!(ids.contains(&"image-alt"), "{found:?}");
    assert!(ids.contains(&"button-name"), "{found:?}");
}
