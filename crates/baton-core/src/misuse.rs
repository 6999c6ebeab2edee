//! The safe channel for reporting misuse of deference (SPEC §7): anyone
//! may report, about a decision or in general, anonymously or signed.
//! Anonymous reports are kept like survey answers — no person, no time
//! finer than the day — and reach stewards only in weekly batches of at
//! least [`MIN_BATCH`]: reports wait, week after week if need be, until a
//! week ends with enough of them, and never come out one by one. Each
//! batch raises a `misuse_reported` alert naming the decisions.

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc};
use serde::{Deserialize, Serialize};

use crate::DecisionId;
use crate::analytics::{Alert, AlertKind};

/// The fewest anonymous reports a batch releases.
pub const MIN_BATCH: usize = 3;

/// The longest report.
pub const MAX_TEXT: usize = 4000;

/// An anonymous report as stored: what it says and the day it came.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Anonymous {
    pub decision: Option<DecisionId>,
    pub team: Option<String>,
    pub text: String,
    pub day: NaiveDate,
}

/// Anonymous reports released together.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Batch {
    /// The ISO week whose end released it, e.g. `2026-W22`.
    pub week: String,
    pub released_at: DateTime<Utc>,
    /// In the order of their text, so the order they came in is not shown;
    /// without their days.
    pub reports: Vec<Released>,
}

/// A report in a batch: what it is about and what it says.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Released {
    pub decision: Option<DecisionId>,
    pub team: Option<String>,
    pub text: String,
}

/// Checks a report's text.
pub fn check_text(text: &str) -> Result<(), String> {
    if text.trim().is_empty() {
        return Err("say what happened: the report is empty".into());
    }
    if text.chars().count() > MAX_TEXT {
        return Err(format!("a report is at most {MAX_TEXT} characters"));
    }
    Ok(())
}

/// The Monday 00:00 UTC that starts `day`'s ISO week.
fn week_start(day: NaiveDate) -> NaiveDate {
    day - Duration::days(i64::from(day.weekday().num_days_from_monday()))
}

fn midnight(day: NaiveDate) -> DateTime<Utc> {
    Utc.from_utc_datetime(&day.and_hms_opt(0, 0, 0).unwrap_or_default())
}

/// The batches released by `now`: weeks in order, each adding its reports
/// to those still waiting; a week that has ended with at least
/// [`MIN_BATCH`] waiting releases them all.
pub fn batches(reports: &[Anonymous], now: DateTime<Utc>) -> Vec<Batch> {
    let mut by_week: Vec<&Anonymous> = reports.iter().collect();
    by_week.sort_by_key(|r| r.day);
    let mut out = Vec::new();
    let mut waiting: Vec<&Anonymous> = Vec::new();
    let mut i = 0;
    while i < by_week.len() {
        let week = by_week
            .get(i)
            .map(|r| week_start(r.day))
            .unwrap_or_default();
        while let Some(r) = by_week.get(i).filter(|r| week_start(r.day) == week) {
            waiting.push(r);
            i += 1;
        }
        let ends = midnight(week + Duration::days(7));
        if ends > now {
            break;
        }
        if waiting.len() >= MIN_BATCH {
            let mut reports: Vec<Released> = waiting
                .drain(..)
                .map(|r| Released {
                    decision: r.decision,
                    team: r.team.clone(),
                    text: r.text.clone(),
                })
                .collect();
            reports.sort_by(|a, b| a.text.cmp(&b.text));
            let iso = week.iso_week();
            out.push(Batch {
                week: format!("{}-W{:02}", iso.year(), iso.week()),
                released_at: ends,
                reports,
            });
        }
    }
    out
}

/// One `misuse_reported` alert per batch (of `team`'s reports, or all),
/// naming the decisions its reports are about.
pub fn alerts(batches: &[Batch], team: Option<&str>) -> Vec<Alert> {
    batches
        .iter()
        .filter(|b| team.is_none_or(|t| b.reports.iter().any(|r| r.team.as_deref() == Some(t))))
        .map(|b| {
            let mut decisions: Vec<DecisionId> =
                b.reports.iter().filter_map(|r| r.decision).collect();
            decisions.sort();
            decisions.dedup();
            let mut teams: Vec<&str> = b.reports.iter().filter_map(|r| r.team.as_deref()).collect();
            teams.sort_unstable();
            teams.dedup();
            Alert {
                kind: AlertKind::MisuseReported,
                team: match teams.as_slice() {
                    [one] => (*one).to_owned(),
                    _ => String::new(),
                },
                subject: b.week.clone(),
                message: format!(
                    "{} reports of misuse of deference came through the safe channel in the batch of {}{}",
                    b.reports.len(),
                    b.week,
                    if decisions.is_empty() {
                        String::new()
                    } else {
                        format!(
                            ", about decision{} {}",
                            if decisions.len() == 1 { "" } else { "s" },
                            decisions
                                .iter()
                                .map(ToString::to_string)
                                .collect::<Vec<_>>()
                                .join(", ")
                        )
                    }
                ),
                evidence: serde_json::json!({
                    "reports": b.reports.len(),
                    "decisions": decisions,
                    "released_at": crate::instant(b.released_at),
                }),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn on(day: &str, text: &str) -> Anonymous {
        Anonymous {
            decision: DecisionId::new(7).ok(),
            team: Some("platform".into()),
            text: text.into(),
            day: day.parse().unwrap(),
        }
    }

    fn at(t: &str) -> DateTime<Utc> {
        t.parse().unwrap()
    }

    #[test]
    fn no_report_comes_out_before_a_week_ends_with_three_waiting() {
        // Monday 2026-06-01 starts ISO week 23.
        let two = [on("2026-06-02", "b"), on("2026-06-03", "a")];
        assert!(
            batches(&two, at("2026-06-20T00:00:00Z")).is_empty(),
            "two wait"
        );
        let three = [two[0].clone(), two[1].clone(), on("2026-06-07", "c")];
        assert!(
            batches(&three, at("2026-06-07T23:59:59Z")).is_empty(),
            "not before the week ends"
        );
        let out = batches(&three, at("2026-06-08T00:00:00Z"));
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].week, "2026-W23");
        let texts: Vec<&str> = out[0].reports.iter().map(|r| r.text.as_str()).collect();
        assert_eq!(texts, ["a", "b", "c"], "in the order of their text");
    }

    #[test]
    fn reports_too_few_for_a_week_wait_for_the_next() {
        let reports = [
            on("2026-06-02", "one"),
            on("2026-06-03", "two"),
            on("2026-06-09", "three"),
            on("2026-06-16", "four"),
        ];
        let out = batches(&reports, at("2026-06-30T00:00:00Z"));
        assert_eq!(out.len(), 1, "{out:?}");
        assert_eq!(out[0].week, "2026-W24");
        assert_eq!(out[0].reports.len(), 3);
        let alerts = alerts(&out, Some("platform"));
        assert_eq!(alerts[0].kind, AlertKind::MisuseReported);
        assert_eq!(alerts[0].evidence["decisions"], serde_json::json!([7]));
        assert!(super::alerts(&out, Some("mobile")).is_empty());
    }
}
