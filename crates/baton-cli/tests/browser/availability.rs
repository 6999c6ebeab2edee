//! A hand-off offered and accepted, and a break taken, in the browser:
//! each changes who decides, and both stay through `baton apply` of the
//! demo's files.

use crate::harness::{Browser, Demo};

/// Who decides a platform incident now, by the API.
fn incident_decider(demo: &Demo) -> String {
    let address = demo.base.trim_start_matches("http://");
    let (status, body) = crate::common::http(
        address,
        "POST",
        "/api/v1/resolve",
        Some(&demo.token),
        Some(r#"{"team": "platform", "type": "incident"}"#),
    );
    assert_eq!(status, 200, "{body}");
    crate::common::json_of(&body)["decider"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// `baton apply` of the demo's files, as from git.
fn apply_the_files(demo: &Demo) {
    let files =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../baton-fixtures/demo-data");
    let file = |name: &str| files.join(name).display().to_string();
    demo.baton(&[
        "apply",
        "--org",
        &file("org.yaml"),
        "--guide",
        &file("platform.yaml"),
        "--guide",
        &file("payments.yaml"),
        "--guide",
        &file("mobile.yaml"),
    ]);
}

#[tokio::test]
async fn a_hand_off_and_a_break_change_who_decides_and_survive_apply() {
    let demo = Demo::start();
    let b = Browser::open(&demo).await;
    let holder = incident_decider(&demo);
    let colleague = ["kim", "raj", "lee", "maya"]
        .into_iter()
        .find(|p| *p != holder)
        .unwrap();

    // The holder offers the rest of their shift from their page.
    b.sign_in(&demo.login_for(&holder, "member")).await;
    b.goto(&format!("/people/{holder}")).await;
    b.client
        .execute(
            "document.querySelector('ul.shifts details').open = true; return 1;",
            vec![],
        )
        .await
        .unwrap();
    b.submit(
        "ul.shifts form[action='/handoffs']",
        &[("colleague", colleague), ("note", "school run")],
    )
    .await;
    assert!(b.text().await.contains("offered"), "{}", b.text().await);
    assert_eq!(
        incident_decider(&demo),
        holder,
        "nothing changes until accepted"
    );

    // The colleague accepts it from Now.
    b.sign_in(&demo.login_for(colleague, "member")).await;
    let now = b.text().await;
    assert!(now.contains("Shifts offered to you"), "{now}");
    b.submit("form[action$='/accept']", &[]).await;
    assert_eq!(incident_decider(&demo), colleague);

    // Then takes a break from their own page.
    b.goto(&format!("/people/{colleague}")).await;
    b.submit(
        "form[action='/breaks']",
        &[
            ("from", "2026-06-01T10:00"),
            ("to", "2026-06-09T00:00"),
            ("reason", "deference fatigue"),
        ],
    )
    .await;
    assert!(b.text().await.contains("deference fatigue"));
    let on_break = incident_decider(&demo);
    assert_ne!(on_break, colleague, "on a break");

    // The files from git again: both records stand.
    apply_the_files(&demo);
    assert_eq!(incident_decider(&demo), on_break);

    // Ending the break gives the colleague the shift back.
    b.goto(&format!("/people/{colleague}")).await;
    b.submit("form[action$='/end']", &[]).await;
    assert_eq!(incident_decider(&demo), colleague);
}
