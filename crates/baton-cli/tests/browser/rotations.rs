//! The rotations page shows the shifts the calendar feeds publish.

use crate::harness::{Browser, Demo};

const FROM: &str = "2026-05-25T00:00:00Z";
const TO: &str = "2026-06-29T00:00:00Z";

/// `(holder, start, end)` of each VEVENT of an iCalendar feed.
fn feed_shifts(ics: &str) -> Vec<(String, String, String)> {
    let unfolded = ics.replace("\r\n ", "");
    let stamp = |v: &str| {
        chrono::NaiveDateTime::parse_from_str(v, "%Y%m%dT%H%M%SZ")
            .unwrap()
            .and_utc()
            .to_rfc3339()
    };
    unfolded
        .split("BEGIN:VEVENT")
        .skip(1)
        .map(|event| {
            let field = |name: &str| {
                event
                    .lines()
                    .find_map(|l| l.strip_prefix(&format!("{name}:")))
                    .unwrap_or_else(|| panic!("no {name} in {event}"))
                    .trim()
                    .to_owned()
            };
            let summary = field("SUMMARY");
            let holder = summary
                .rsplit_once('(')
                .and_then(|(_, id)| id.strip_suffix(')'))
                .unwrap_or_else(|| panic!("no (id) in {summary}"))
                .to_owned();
            (holder, stamp(&field("DTSTART")), stamp(&field("DTEND")))
        })
        .collect()
}

#[tokio::test]
async fn rotation_holders_on_the_page_equal_the_calendar_feed() {
    let demo = Demo::start();
    let b = Browser::open(&demo).await;
    b.sign_in(&demo.login).await;
    b.goto(&format!("/rotations?from={FROM}&to={TO}")).await;
    let tables = b
        .client
        .execute(
            "return [...document.querySelectorAll('table[data-rotation]')].map(t => [t.dataset.team, t.dataset.rotation]);",
            vec![],
        )
        .await
        .unwrap();
    let tables: Vec<(String, String)> = serde_json::from_value(tables).unwrap();
    assert!(tables.len() >= 4, "the demo's rotations: {tables:?}");
    for (team, rotation) in tables {
        let rows = b
            .table(&format!(
                "table[data-team='{team}'][data-rotation='{rotation}']"
            ))
            .await;
        let page: Vec<(String, String, String)> = rows
            .into_iter()
            .map(|r| (r[0].clone(), r[1].clone(), r[2].clone()))
            .collect();
        let ics = demo.api_text(&format!(
            "/api/v1/rotations/{team}/{rotation}.ics?from={FROM}&to={TO}"
        ));
        let feed = feed_shifts(&ics);
        assert!(!feed.is_empty(), "{team}/{rotation} has shifts");
        assert_eq!(page, feed, "{team}/{rotation}");
    }
}
