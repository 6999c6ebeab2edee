//! A decision from question to outcome, all in the browser, by the people
//! whose turn it is; then found in the log and counted in the metrics.

use crate::harness::{Browser, Demo};

/// The window the metrics are compared over: the demo's last months and
/// the day the story happens.
const WINDOW: &str = "team=platform&from=2026-03-01T00:00:00Z&to=2026-06-02T00:00:00Z";

#[tokio::test]
async fn ask_open_take_a_position_decide_and_record_the_outcome_then_find_it() {
    let demo = Demo::start();
    let b = Browser::open(&demo).await;
    let api_before = demo.api(&format!("/api/v1/metrics?{WINDOW}"));

    // Ana asks who decides a prioritisation, and opens it.
    b.sign_in(&demo.login_for("ana", "member")).await;
    b.goto("/ask").await;
    b.submit(
        "form[action='/ask']",
        &[
            ("team", "platform"),
            ("type", "prioritization"),
            ("title", "Ship the audit export before SSO"),
        ],
    )
    .await;
    let answer = b.text().await;
    assert!(answer.contains("Answer"), "{answer}");
    assert!(
        answer.contains("sprint-captain"),
        "the rule's reasons: {answer}"
    );
    b.submit("form[action='/decisions']", &[]).await;
    let id = b.decision_id().await;
    let opened = demo.api(&format!("/api/v1/decisions/{id}"));
    assert_eq!(opened["requester"], "ana");
    let decider = opened["decider"].as_str().unwrap().to_owned();

    // Priya, the product expert consulted, gives her position.
    b.sign_in(&demo.login_for("priya", "member")).await;
    b.goto(&format!("/decisions/{id}")).await;
    b.submit(
        &format!("form[action='/decisions/{id}/position']"),
        &[
            ("option", "export first"),
            ("rationale", "auditors asked for it"),
            ("confidence", "4"),
        ],
    )
    .await;
    assert!(b.text().await.contains("auditors asked for it"));

    // The sprint captain decides, then records how it went.
    b.sign_in(&demo.login_for(&decider, "member")).await;
    b.goto(&format!("/decisions/{id}")).await;
    assert!(
        !b.source().await.contains("name=\"override_reason\""),
        "the decider needs no override reason"
    );
    b.submit(
        &format!("form[action='/decisions/{id}/decide']"),
        &[("option", "export first"), ("rationale", "priya's case")],
    )
    .await;
    b.submit(
        &format!("form[action='/decisions/{id}/outcome']"),
        &[("result", "success"), ("notes", "shipped in a week")],
    )
    .await;
    let page = b.text().await;
    assert!(page.contains("shipped in a week"), "{page}");
    let decided = demo.api(&format!("/api/v1/decisions/{id}"));
    assert_eq!(decided["status"], "decided");
    assert_eq!(decided["decided_by"], decider.as_str());
    assert_eq!(decided["outcome"]["result"], "success");

    // Found in the log by its words…
    b.goto("/decisions?q=audit+export").await;
    let log = b.table("#log").await;
    assert!(
        log.iter().any(|row| row[0] == id.to_string()),
        "{id} in {log:?}"
    );
    // …and counted in the metrics, as the API counts it.
    b.goto(&format!("/analytics?{WINDOW}")).await;
    let headline = b.headline().await;
    let api_after = demo.api(&format!("/api/v1/metrics?{WINDOW}"));
    assert_eq!(
        api_after["decided"].as_u64(),
        api_before["decided"].as_u64().map(|n| n + 1)
    );
    assert_eq!(headline["decided"], api_after["decided"].to_string());
    assert_eq!(headline["opened"], api_after["opened"].to_string());
}
