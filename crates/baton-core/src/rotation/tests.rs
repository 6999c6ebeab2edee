use chrono::{DateTime, NaiveDate, Utc};

use super::*;
use crate::org::Directory;

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn local(s: &str) -> StartTime {
    StartTime::Local(NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S").unwrap())
}

fn directory() -> Directory {
    Directory::load(
        "org.yaml",
        "people:
  - {id: a, name: A}
  - {id: b, name: B, unavailable: [{from: 2026-06-01T00:00:00Z, to: 2026-06-30T00:00:00Z}]}
  - {id: c, name: C}
",
    )
    .unwrap()
}

fn members(dir: &Directory) -> Vec<Pid> {
    ["a", "b", "c"]
        .iter()
        .map(|id| dir.find(id).unwrap())
        .collect()
}

fn weekly(zone: &str, start: &str) -> Rotation {
    let dir = directory();
    Rotation::every(
        "r".into(),
        members(&dir),
        super::zone(zone).unwrap(),
        local(start),
        Span::parse("1w").unwrap(),
    )
    .unwrap()
}

/// The handoffs of a weekly 09:00 rotation across a DST change, in UTC.
#[track_caller]
fn check_handoffs(rotation: &Rotation, expected: &[&str]) {
    let got: Vec<String> = (0..expected.len() as u64)
        .map(|k| crate::instant(rotation.handoff(k).unwrap()))
        .collect();
    assert_eq!(got, expected);
}

#[test]
fn berlin_handoffs_stay_at_nine_local_into_summer_time() {
    // Europe moves clocks forward on 2026-03-29.
    let r = weekly("Europe/Berlin", "2026-03-23T09:00:00");
    check_handoffs(
        &r,
        &[
            "2026-03-23T08:00:00Z",
            "2026-03-30T07:00:00Z",
            "2026-04-06T07:00:00Z",
        ],
    );
}

#[test]
fn berlin_handoffs_stay_at_nine_local_out_of_summer_time() {
    // Europe moves clocks back on 2026-10-25.
    let r = weekly("Europe/Berlin", "2026-10-19T09:00:00");
    check_handoffs(&r, &["2026-10-19T07:00:00Z", "2026-10-26T08:00:00Z"]);
}

#[test]
fn new_york_handoffs_stay_at_nine_local_across_both_changes() {
    // The US moves clocks forward on 2026-03-08 and back on 2026-11-01.
    let spring = weekly("America/New_York", "2026-03-02T09:00:00");
    check_handoffs(&spring, &["2026-03-02T14:00:00Z", "2026-03-09T13:00:00Z"]);
    let autumn = weekly("America/New_York", "2026-10-26T09:00:00");
    check_handoffs(&autumn, &["2026-10-26T13:00:00Z", "2026-11-02T14:00:00Z"]);
}

#[test]
fn the_holder_changes_exactly_at_the_local_handoff() {
    let dir = directory();
    let r = weekly("America/New_York", "2026-03-02T09:00:00");
    let holder = |t: &str| dir.id(r.holder_at(&dir, at(t)).unwrap().holder).to_owned();
    assert_eq!(holder("2026-03-09T12:59:59Z"), "a");
    assert_eq!(holder("2026-03-09T13:00:00Z"), "b");
}

#[test]
fn sub_day_periods_are_plain_elapsed_time_across_dst() {
    let dir = directory();
    let r = Rotation::every(
        "r".into(),
        members(&dir),
        super::zone("Europe/Berlin").unwrap(),
        local("2026-03-28T12:00:00"),
        Span::parse("12h").unwrap(),
    )
    .unwrap();
    check_handoffs(
        &r,
        &[
            "2026-03-28T11:00:00Z",
            "2026-03-28T23:00:00Z",
            "2026-03-29T11:00:00Z",
        ],
    );
}

#[test]
fn before_the_start_there_is_no_holder() {
    let dir = directory();
    let r = weekly("UTC", "2026-01-05T09:00:00");
    assert_eq!(
        r.holder_at(&dir, at("2026-01-05T08:59:59Z")),
        Err(NoHolder::NotStarted {
            first: Some(at("2026-01-05T09:00:00Z"))
        })
    );
    assert!(r.holder_at(&dir, at("2026-01-05T09:00:00Z")).is_ok());
}

#[test]
fn holders_cycle_through_members_in_order() {
    let dir = directory();
    let r = weekly("UTC", "2026-01-05T09:00:00");
    let ids: Vec<String> = (0..5)
        .map(|w| {
            let t = r.handoff(w).unwrap() + chrono::TimeDelta::hours(1);
            dir.id(r.holder_at(&dir, t).unwrap().holder).to_owned()
        })
        .collect();
    assert_eq!(ids, ["a", "b", "c", "a", "b"]);
}

#[test]
fn an_override_replaces_the_scheduled_holder_only_inside_its_window() {
    let dir = directory();
    let mut r = weekly("UTC", "2026-01-05T09:00:00");
    r.overrides.push(Override {
        person: dir.find("c").unwrap(),
        from: at("2026-01-06T00:00:00Z"),
        to: at("2026-01-07T00:00:00Z"),
    });
    let h = r.holder_at(&dir, at("2026-01-06T12:00:00Z")).unwrap();
    assert_eq!(dir.id(h.holder), "c");
    let order: Vec<&str> = r.order_from(&h).into_iter().map(|p| dir.id(p)).collect();
    assert_eq!(order, ["c", "a", "b"]);
    let after = r.holder_at(&dir, at("2026-01-07T00:00:00Z")).unwrap();
    assert_eq!(dir.id(after.holder), "a");
}

#[test]
fn skip_unavailable_passes_to_the_next_member() {
    let dir = directory();
    let mut r = weekly("UTC", "2026-06-01T09:00:00");
    // Week 1 (k = 1) is b's, and b is away all June.
    let t = at("2026-06-09T12:00:00Z");
    assert_eq!(dir.id(r.holder_at(&dir, t).unwrap().holder), "b");
    r.skip_unavailable = true;
    let h = r.holder_at(&dir, t).unwrap();
    assert_eq!(dir.id(h.holder), "c");
    assert!(matches!(h.via, Via::Skipped { .. }));
    let order: Vec<&str> = r.order_from(&h).into_iter().map(|p| dir.id(p)).collect();
    assert_eq!(order, ["c", "a", "b"]);
}

#[test]
fn rrule_handoffs_follow_the_rule_in_local_time() {
    let dir = directory();
    let r = Rotation::rrule(
        "r".into(),
        members(&dir),
        super::zone("Europe/Berlin").unwrap(),
        local("2026-03-16T09:00:00"),
        "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO;BYHOUR=9;BYMINUTE=0;BYSECOND=0",
    )
    .unwrap();
    check_handoffs(
        &r,
        &[
            "2026-03-16T08:00:00Z",
            "2026-03-30T07:00:00Z",
            "2026-04-13T07:00:00Z",
        ],
    );
    assert_eq!(r.handoffs_through(at("2026-03-30T06:59:59Z")), Ok(1));
    assert_eq!(r.handoffs_through(at("2026-03-30T07:00:00Z")), Ok(2));
}

#[test]
fn an_rrule_prefix_is_accepted_and_garbage_is_refused() {
    let dir = directory();
    let tz = super::zone("UTC").unwrap();
    assert!(
        Rotation::rrule(
            "r".into(),
            members(&dir),
            tz,
            local("2026-01-01T00:00:00"),
            "RRULE:FREQ=DAILY"
        )
        .is_ok()
    );
    let err = Rotation::rrule(
        "r".into(),
        members(&dir),
        tz,
        local("2026-01-01T00:00:00"),
        "FREQ=SOMETIMES",
    )
    .unwrap_err();
    assert!(matches!(err, RotationError::BadRule { .. }), "{err}");
}

#[test]
fn rotations_faster_than_hourly_are_refused() {
    let dir = directory();
    let tz = super::zone("UTC").unwrap();
    let err = Rotation::rrule(
        "r".into(),
        members(&dir),
        tz,
        local("2026-01-01T00:00:00"),
        "FREQ=MINUTELY",
    )
    .unwrap_err();
    assert!(matches!(err, RotationError::TooFrequent(_)), "{err}");
}

#[test]
fn lookups_past_the_computed_handoffs_are_refused_not_walked() {
    let dir = directory();
    let tz = super::zone("UTC").unwrap();
    let r = Rotation::rrule(
        "r".into(),
        members(&dir),
        tz,
        local("2026-01-01T00:00:00"),
        "FREQ=HOURLY",
    )
    .unwrap();
    let last = at("2026-01-01T00:00:00Z") + chrono::TimeDelta::hours(RRULE_CACHE as i64 - 1);
    assert_eq!(r.handoffs_through(last), Ok(RRULE_CACHE as u64));
    let far = at("9999-01-01T00:00:00Z");
    assert_eq!(
        r.holder_at(&dir, far),
        Err(NoHolder::BeyondHorizon { last })
    );
}

#[test]
fn a_finite_rule_keeps_its_last_holder() {
    let dir = directory();
    let tz = super::zone("UTC").unwrap();
    let r = Rotation::rrule(
        "r".into(),
        members(&dir),
        tz,
        local("2026-01-01T00:00:00"),
        "FREQ=DAILY;COUNT=2",
    )
    .unwrap();
    assert_eq!(r.handoffs_through(at("2030-01-01T00:00:00Z")), Ok(2));
}

#[test]
fn an_override_by_a_member_continues_the_list_after_that_member() {
    let dir = directory();
    let mut r = weekly("UTC", "2026-01-05T09:00:00");
    r.overrides.push(Override {
        person: dir.find("b").unwrap(),
        from: at("2026-01-06T00:00:00Z"),
        to: at("2026-01-07T00:00:00Z"),
    });
    let h = r.holder_at(&dir, at("2026-01-06T12:00:00Z")).unwrap();
    let order: Vec<&str> = r.order_from(&h).into_iter().map(|p| dir.id(p)).collect();
    assert_eq!(order, ["b", "c", "a"]);
}

#[test]
fn a_start_inside_the_spring_gap_moves_forward() {
    let tz = super::zone("Europe/Berlin").unwrap();
    let gap = NaiveDate::from_ymd_opt(2026, 3, 29)
        .unwrap()
        .and_hms_opt(2, 30, 0)
        .unwrap();
    assert_eq!(
        crate::instant(local_to_utc(tz, gap).unwrap()),
        "2026-03-29T01:00:00Z"
    );
}

#[test]
fn unknown_zones_are_refused_by_name() {
    assert_eq!(
        zone("Mars/Olympus"),
        Err(RotationError::UnknownZone("Mars/Olympus".into()))
    );
}

#[test]
fn shifts_run_handoff_to_handoff_split_by_overrides_without_gaps() {
    let dir = directory();
    let mut r = weekly("UTC", "2026-01-05T09:00:00");
    r.overrides.push(Override {
        person: dir.find("c").unwrap(),
        from: at("2026-01-07T00:00:00Z"),
        to: at("2026-01-08T00:00:00Z"),
    });
    let shifts = r.shifts(&dir, at("2026-01-05T09:00:00Z"), at("2026-01-19T09:00:00Z"));
    let got: Vec<(String, String, &str)> = shifts
        .iter()
        .map(|s| {
            (
                crate::instant(s.start),
                crate::instant(s.end),
                dir.id(s.holder),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (
                "2026-01-05T09:00:00Z".into(),
                "2026-01-07T00:00:00Z".into(),
                "a"
            ),
            (
                "2026-01-07T00:00:00Z".into(),
                "2026-01-08T00:00:00Z".into(),
                "c"
            ),
            (
                "2026-01-08T00:00:00Z".into(),
                "2026-01-12T09:00:00Z".into(),
                "a"
            ),
            (
                "2026-01-12T09:00:00Z".into(),
                "2026-01-19T09:00:00Z".into(),
                "b"
            ),
        ]
    );
    for pair in shifts.windows(2) {
        assert_eq!(pair[0].end, pair[1].start, "no gaps, no overlaps");
    }
}

#[test]
fn shifts_before_the_start_are_not_invented() {
    let dir = directory();
    let r = weekly("UTC", "2026-01-05T09:00:00");
    let shifts = r.shifts(&dir, at("2025-12-01T00:00:00Z"), at("2026-01-06T00:00:00Z"));
    assert_eq!(shifts.len(), 1);
    assert_eq!(crate::instant(shifts[0].start), "2026-01-05T09:00:00Z");
}
