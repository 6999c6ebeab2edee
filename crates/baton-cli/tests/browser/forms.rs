//! What the forms allow and refuse, seen in the browser.

use fantoccini::Locator;
use serde_json::Value;

use crate::harness::{Browser, Demo};

/// An open decision of the demo (the first still deliberating).
fn open_decision(demo: &Demo) -> Value {
    demo.api("/api/v1/decisions?status=deliberating&limit=1")[0].clone()
}

#[tokio::test]
async fn a_viewer_sees_no_forms_on_any_page() {
    let demo = Demo::start();
    let b = Browser::open(&demo).await;
    b.sign_in(&demo.login_for("sam", "viewer")).await;
    let id = open_decision(&demo)["id"].clone();
    for path in [
        "/".to_owned(),
        format!("/decisions/{id}"),
        "/decisions".to_owned(),
        "/ask?team=platform&type=incident".to_owned(),
        "/analytics".to_owned(),
    ] {
        b.goto(&path).await;
        assert_eq!(b.post_forms().await, ["/logout"], "{path}");
    }
}

#[tokio::test]
async fn a_form_posted_without_the_session_token_is_refused() {
    let demo = Demo::start();
    let b = Browser::open(&demo).await;
    let d = open_decision(&demo);
    let id = d["id"].clone();
    let decider = d["decider"].as_str().unwrap();
    b.sign_in(&demo.login_for(decider, "member")).await;
    b.goto(&format!("/decisions/{id}")).await;
    // As a page on another site would post it: without the token.
    b.client
        .execute(
            "document.querySelectorAll('input[name=csrf]').forEach(i => i.remove()); return 1;",
            vec![],
        )
        .await
        .unwrap();
    b.submit(
        &format!("form[action='/decisions/{id}/decide']"),
        &[("option", "forged"), ("rationale", "from elsewhere")],
    )
    .await;
    let text = b.text().await;
    assert!(text.contains("Nothing was done"), "{text}");
    let after = demo.api(&format!("/api/v1/decisions/{id}"));
    assert_eq!(after["status"], "deliberating", "{after}");
}

#[tokio::test]
async fn a_member_deciding_for_another_must_give_the_override_reason() {
    let demo = Demo::start();
    let b = Browser::open(&demo).await;
    let d = open_decision(&demo);
    let id = d["id"].clone();
    let team = d["team"].as_str().unwrap();
    let org = demo.api_text("/api/v1/org");
    // Someone else in the decision's team.
    let other = org
        .lines()
        .filter(|l| l.contains(&format!("teams: [{team}]")))
        .filter_map(|l| l.split("id: ").nth(1)?.split(',').next())
        .find(|p| *p != d["decider"] && *p != d["requester"])
        .unwrap()
        .to_owned();
    b.sign_in(&demo.login_for(&other, "member")).await;
    b.goto(&format!("/decisions/{id}")).await;
    let form = format!("form[action='/decisions/{id}/decide']");
    b.submit(&form, &[("option", "mine"), ("rationale", "urgent")])
        .await;
    let text = b.text().await;
    assert!(text.contains("needs an override reason"), "{text}");
    assert_eq!(
        demo.api(&format!("/api/v1/decisions/{id}"))["status"],
        "deliberating"
    );
    b.submit(
        &form,
        &[
            ("option", "mine"),
            ("rationale", "urgent"),
            ("override_reason", "the decider is on leave"),
        ],
    )
    .await;
    assert!(b.text().await.contains("the decider is on leave"));
    let after = demo.api(&format!("/api/v1/decisions/{id}"));
    assert_eq!(after["decided_by"], other.as_str());
    assert_eq!(after["override_reason"], "the decider is on leave");
}

#[tokio::test]
async fn a_title_holding_a_script_shows_as_text() {
    let demo = Demo::start();
    let b = Browser::open(&demo).await;
    b.sign_in(&demo.login_for("ana", "member")).await;
    let title = "<script>document.title='owned'</script><img src=x onerror=alert(1)>";
    b.goto("/ask").await;
    b.submit(
        "form[action='/ask']",
        &[("team", "platform"), ("type", "tooling"), ("title", title)],
    )
    .await;
    b.submit("form[action='/decisions']", &[]).await;
    let id = b.decision_id().await;
    for path in [
        format!("/decisions/{id}"),
        "/decisions".to_owned(),
        "/".to_owned(),
    ] {
        b.goto(&path).await;
        let scripts = b
            .client
            .execute(
                "return document.querySelectorAll('script, img[onerror]').length;",
                vec![],
            )
            .await
            .unwrap();
        assert_eq!(scripts, 0, "{path}: markup from the title became elements");
        assert!(
            b.text().await.contains(title),
            "{path}: the title shows as typed"
        );
    }
    let heading = b.client.find(Locator::Css("h1")).await;
    assert!(heading.is_ok());
    assert_ne!(b.client.title().await.unwrap(), "owned");
}
