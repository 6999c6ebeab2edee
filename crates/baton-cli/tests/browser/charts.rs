//! Every chart's data table says what `/api/v1/metrics` says for the same
//! window: the per-type, concentration and quality tables for the page's
//! window, each week of a trend for that week's window.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::harness::{Browser, Demo};

/// Each chart on the page: its id and its table's rows (data values where
/// cells have them).
async fn charts(b: &Browser) -> BTreeMap<String, Vec<Vec<String>>> {
    let script = r#"
        return [...document.querySelectorAll('section.figure')].map(s => [s.id,
          [...s.querySelectorAll('table tbody tr')].map(tr =>
            [...tr.children].map(td => td.dataset.value ?? td.textContent.trim()))]);
    "#;
    let found = b.client.execute(script, vec![]).await.unwrap();
    let pairs: Vec<(String, Vec<Vec<String>>)> = serde_json::from_value(found).unwrap();
    pairs.into_iter().collect()
}

/// A cell as the API would give it: a number, or `null` for an empty one.
fn cell(text: &str) -> Value {
    if text.is_empty() {
        Value::Null
    } else {
        text.parse::<f64>()
            .map(Value::from)
            .unwrap_or_else(|_| Value::from(text))
    }
}

#[track_caller]
fn same(page: &str, api: &Value, what: &str) {
    let page = cell(page);
    let equal = match (page.as_f64(), api.as_f64()) {
        (Some(a), Some(b)) => (a - b).abs() <= 1e-9 * b.abs().max(1.0),
        _ => page == *api,
    };
    assert!(equal, "{what}: the page says {page}, the API {api}");
}

/// Compares the page's tables for `query` with the API, bucket by bucket.
async fn compare(demo: &Demo, b: &Browser, query: &str) {
    b.goto(&format!("/analytics?{query}")).await;
    let tables = charts(b).await;
    let ids: Vec<&str> = tables.keys().map(String::as_str).collect();
    assert_eq!(
        ids,
        [
            "by-type",
            "concentration",
            "escalations",
            "leaders",
            "quality",
            "time",
            "velocity"
        ],
        "a new chart needs its comparison here"
    );
    let m = demo.api(&format!("/api/v1/metrics?{query}"));

    let by_type = &m["time_to_decision"]["by_type"];
    assert_eq!(tables["by-type"].len(), by_type.as_object().unwrap().len());
    for row in &tables["by-type"] {
        let t = &by_type[&row[0]];
        same(&row[1], &t["count"], &format!("{} decided", row[0]));
        same(&row[2], &t["median_seconds"], &format!("{} median", row[0]));
        same(&row[3], &t["p90_seconds"], &format!("{} p90", row[0]));
    }

    let c = &m["concentration"];
    let inside = c["decided_by"].as_object().unwrap().len();
    let outside = c["outsiders"]["decided_by"].as_object().unwrap().len();
    assert_eq!(tables["concentration"].len(), inside + outside);
    for row in &tables["concentration"] {
        match row[0].strip_suffix(" (outside the team)") {
            Some(who) => same(&row[1], &c["outsiders"]["decided_by"][who], who),
            None => same(&row[1], &c["decided_by"][&row[0]], &row[0]),
        }
    }

    let q = &m["outcome_quality"]["by_framework"];
    assert_eq!(tables["quality"].len(), q.as_object().unwrap().len());
    for row in &tables["quality"] {
        let f = &q[&row[0]];
        for (i, key) in ["recorded", "success", "partial", "failure", "rate"]
            .iter()
            .enumerate()
        {
            same(&row[i + 1], &f[key], &format!("{} {key}", row[0]));
        }
    }

    let team = query
        .split('&')
        .find_map(|p| p.strip_prefix("team="))
        .map(|t| format!("team={t}&"))
        .unwrap_or_default();
    let mut weeks = BTreeMap::new();
    let mut week = |interval: &str| -> Value {
        weeks
            .entry(interval.to_owned())
            .or_insert_with(|| {
                let (from, to) = interval.split_once('/').unwrap();
                demo.api(&format!("/api/v1/metrics?{team}from={from}&to={to}"))
            })
            .clone()
    };
    let trends: [(&str, &[&str]); 4] = [
        ("velocity", &["opened", "decided", "velocity_per_week"]),
        ("time", &["decided", "time_to_decision.median_seconds"]),
        ("escalations", &["escalation_rate", "override_rate"]),
        ("leaders", &["leader_share", "expert_share"]),
    ];
    for (chart, columns) in trends {
        assert!(!tables[chart].is_empty(), "{chart} has weeks");
        for row in &tables[chart] {
            let w = week(&row[0]);
            for (i, path) in columns.iter().enumerate() {
                let api = path.split('.').fold(&w, |v, k| &v[k]);
                same(&row[i + 1], api, &format!("{chart} {} {path}", row[0]));
            }
        }
    }
}

#[tokio::test]
async fn every_chart_table_equals_the_metrics_api_for_the_same_window() {
    let demo = Demo::start();
    let b = Browser::open(&demo).await;
    b.sign_in(&demo.login).await;
    for query in [
        "from=2026-01-01T00:00:00Z&to=2026-06-01T00:00:00Z",
        "team=platform&from=2026-03-01T00:00:00Z&to=2026-06-01T00:00:00Z",
        "team=mobile&from=2025-12-15T00:00:00Z&to=2026-02-01T00:00:00Z",
    ] {
        compare(&demo, &b, query).await;
    }
}
