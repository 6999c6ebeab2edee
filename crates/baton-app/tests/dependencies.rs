//! The layering, read from `cargo metadata`: dependencies point inward —
//! core ← store ← app ← server ← cli, with the fixtures (the demo and
//! synthetic orgs) beside them, used by the application for `serve --demo`
//! and by the inner crates' tests and benchmarks only — and the front ends
//! (the CLI, the server, the load bench) reach the store only through the
//! application, not even in their tests.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test fails loudly"
)]

use std::collections::{BTreeMap, BTreeSet};

/// Each workspace crate and the workspace crates it depends on, of any
/// kind (normal, dev, build).
fn workspace_dependencies() -> BTreeMap<String, BTreeSet<String>> {
    let out = std::process::Command::new(env!("CARGO"))
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--offline",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let metadata: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let packages = metadata["packages"].as_array().unwrap();
    let ours: BTreeSet<String> = packages
        .iter()
        .map(|p| p["name"].as_str().unwrap().to_owned())
        .collect();
    packages
        .iter()
        .map(|p| {
            let deps = p["dependencies"]
                .as_array()
                .unwrap()
                .iter()
                .map(|d| d["name"].as_str().unwrap().to_owned())
                .filter(|d| ours.contains(d))
                .collect();
            (p["name"].as_str().unwrap().to_owned(), deps)
        })
        .collect()
}

#[test]
fn dependencies_point_inward_and_front_ends_never_touch_the_store() {
    let deps = workspace_dependencies();
    let allowed: BTreeMap<&str, &[&str]> = BTreeMap::from([
        // The core's benchmarks measure on synthetic orgs.
        ("baton-core", &["baton-fixtures"][..]),
        // The store's tests seed the demo; the fixtures seed through it.
        // It names itself to turn on `raw-access` for its own tests.
        (
            "baton-store",
            &["baton-core", "baton-fixtures", "baton-store"][..],
        ),
        ("baton-fixtures", &["baton-core", "baton-store"][..]),
        (
            "baton-app",
            &["baton-core", "baton-fixtures", "baton-store"][..],
        ),
        // Pages: rendered from what the application answers.
        ("baton-web", &["baton-core", "baton-app"][..]),
        (
            "baton-server",
            &["baton-core", "baton-app", "baton-web"][..],
        ),
        (
            "baton-cli",
            &["baton-core", "baton-app", "baton-server", "baton-web"][..],
        ),
        (
            "baton-load",
            &["baton-core", "baton-app", "baton-server"][..],
        ),
    ]);
    for (name, found) in &deps {
        let Some(may) = allowed.get(name.as_str()) else {
            panic!(
                "`{name}` is a workspace crate this test does not place: add it to the layering"
            );
        };
        for dep in found {
            assert!(
                may.contains(&dep.as_str()),
                "`{name}` depends on `{dep}`, against the layering (it may use {may:?})"
            );
        }
    }
    for front in ["baton-cli", "baton-server", "baton-load", "baton-web"] {
        assert!(
            !deps[front].contains("baton-store"),
            "`{front}` depends on the store crate: it must go through baton-app"
        );
    }
}
