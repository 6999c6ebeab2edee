//! The safe channel in the browser: a report sent from the form does not
//! show to a steward before its week ends with a third.

use crate::harness::{Browser, Demo};

#[tokio::test]
async fn no_anonymous_misuse_report_shows_before_the_weeks_third() {
    let demo = Demo::start();
    let b = Browser::open(&demo).await;
    b.sign_in(&demo.login_for("ana", "member")).await;
    b.goto("/misuse").await;
    assert!(b.text().await.contains("at least 3"));
    b.submit(
        "form[action='/misuse']",
        &[(
            "text",
            "Our standup decides what the guide gives to the expert.",
        )],
    )
    .await;
    let sent = b.text().await;
    assert!(sent.contains("kept without your name"), "{sent}");
    assert_eq!(
        b.post_forms().await,
        ["/logout", "/misuse"],
        "no batches for a member"
    );

    b.sign_in(&demo.login_for("dana", "admin")).await;
    b.goto("/misuse").await;
    let steward = b.text().await;
    // The demo's batch released two weeks ago shows, whole…
    assert!(steward.contains("nobody wrote down why"), "{steward}");
    assert!(steward.contains("3 reports"), "{steward}");
    // …last week's two wait for a third, and this week's is not out.
    for waiting in ["did not feel safe", "shouted first", "Our standup"] {
        assert!(
            !steward.contains(waiting),
            "`{waiting}` shown early: {steward}"
        );
    }
    // The batch is an alert naming its decision.
    b.goto("/alerts").await;
    assert!(b.text().await.contains("misuse"), "{}", b.text().await);
}
