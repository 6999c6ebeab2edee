//! The report as one self-contained HTML page: styles inline, charts as
//! inline SVG each with its data table, nothing fetched — a page a steward
//! can mail around and open anywhere, light or dark.

use askama::Template;
use baton_app::Report;
use baton_core::analytics::Alert;
use baton_core::duration::Span;

use crate::charts::{self, Cell, Chart, DataTable, Series};

#[derive(Template)]
#[template(path = "report.html")]
struct ReportPage<'a> {
    title: String,
    window: String,
    as_of: String,
    style: &'a str,
    headline: Vec<(&'static str, String)>,
    charts: Vec<Chart>,
    alerts: Vec<AlertRow>,
    profiles: DataTable,
}

struct AlertRow {
    kind: String,
    team: String,
    subject: String,
    message: String,
    decisions: String,
}

/// The page's styles, shared with the dashboard.
pub const STYLE: &str = include_str!("../templates/style.css");

fn date(t: chrono::DateTime<chrono::Utc>) -> String {
    t.format("%Y-%m-%d").to_string()
}

pub(crate) fn duration(seconds: f64) -> String {
    let s = seconds.round() as i64;
    Span::from_seconds(if s >= 60 { s - s % 60 } else { s }).to_string()
}

pub(crate) fn percent(v: f64) -> String {
    format!("{:.0}%", v * 100.0)
}

pub(crate) fn word<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// The decision ids an alert's evidence names, for its row.
fn evidence_ids(a: &Alert) -> String {
    decision_ids(a).join(", ")
}

/// The decision ids an alert's evidence names, in order, once each.
pub fn decision_ids(a: &Alert) -> Vec<String> {
    let mut ids: Vec<String> = Vec::new();
    collect_ids(&a.evidence, &mut ids);
    let mut seen = std::collections::HashSet::new();
    ids.retain(|id| seen.insert(id.clone()));
    ids
}

fn collect_ids(v: &serde_json::Value, out: &mut Vec<String>) {
    match v {
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                match (k.as_str(), v) {
                    ("decision", serde_json::Value::Number(n)) => out.push(n.to_string()),
                    ("decisions" | "over_target", serde_json::Value::Array(ids)) => {
                        out.extend(ids.iter().map(ToString::to_string));
                    }
                    _ => collect_ids(v, out),
                }
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|i| collect_ids(i, out)),
        _ => {}
    }
}

/// The report's headline numbers, as a person reads them.
pub fn headline(r: &Report) -> Vec<(&'static str, String)> {
    let m = &r.metrics.metrics;
    let ttd = m.time_to_decision.as_ref();
    let or_dash = |v: Option<String>| v.unwrap_or_else(|| "–".into());
    vec![
        ("decided", m.decided.to_string()),
        ("opened", m.opened.to_string()),
        (
            "decided a week",
            or_dash(m.velocity_per_week.map(|v| format!("{v:.1}"))),
        ),
        (
            "median time to decision",
            or_dash(ttd.map(|t| duration(t.median_seconds))),
        ),
        (
            "p90 time to decision",
            or_dash(ttd.map(|t| duration(t.p90_seconds as f64))),
        ),
        ("escalation rate", or_dash(m.escalation_rate.map(percent))),
        ("override rate", or_dash(m.override_rate.map(percent))),
        ("leader share", or_dash(m.leader_share.map(percent))),
        ("expert share", or_dash(m.expert_share.map(percent))),
        (
            "outcome quality",
            or_dash(m.outcome_quality.overall.rate.map(|q| format!("{q:.2}"))),
        ),
        (
            "concentration (Gini)",
            or_dash(m.concentration.gini.map(|g| format!("{g:.2}"))),
        ),
        (
            "eNPS",
            match &r.metrics.enps {
                Some(baton_core::feedback::Tally::Enps { enps, answers, .. }) => {
                    format!("{enps:+.0} ({answers} responses)")
                }
                _ => "– (under 3 responses)".into(),
            },
        ),
    ]
}

/// The whole page.
pub fn report_page(r: &Report) -> String {
    let headline = headline(r);
    let page = ReportPage {
        title: format!("baton report — {}", r.scope),
        window: format!("{} to {}", date(r.window.from), date(r.window.to)),
        as_of: baton_core::instant(r.as_of),
        style: STYLE,
        headline,
        charts: charts_of(r),
        alerts: r
            .alerts
            .iter()
            .map(|a| AlertRow {
                kind: word(&a.kind),
                team: a.team.clone(),
                subject: a.subject.clone(),
                message: a.message.clone(),
                decisions: evidence_ids(a),
            })
            .collect(),
        profiles: profiles(r),
    };
    page.render().unwrap_or_default()
}

/// Every chart of the report, in reading order.
pub fn charts_of(r: &Report) -> Vec<Chart> {
    let mut out = trend_charts(r);
    let m = &r.metrics.metrics;
    if let Some(ttd) = &m.time_to_decision {
        let rows: Vec<(String, f64, String)> = ttd
            .by_type
            .iter()
            .map(|(ty, t)| (ty.clone(), t.median_seconds, duration(t.median_seconds)))
            .collect();
        let mut table = DataTable::new(&["type", "decided", "median", "p90"]);
        for (ty, t) in &ttd.by_type {
            table.row(vec![
                Cell::text(ty.clone()),
                Cell::count(t.count),
                Cell::number(Some(t.median_seconds), duration),
                Cell::number(Some(t.p90_seconds as f64), duration),
            ]);
        }
        let description = "Median time from opening to decision, per decision type.";
        out.push(Chart {
            id: "by-type".into(),
            title: "Time to decision by type".into(),
            description: description.into(),
            svg: charts::bars(
                "by-type",
                "Time to decision by type",
                description,
                &rows,
                None,
            ),
            table,
        });
    }
    let c = &m.concentration;
    let mut counts: Vec<u64> = c.decided_by.values().map(|&n| n as u64).collect();
    counts.resize(c.people.max(counts.len()), 0);
    let mut table = DataTable::new(&["person", "decided", "share"]);
    let members: usize = c.decided_by.values().sum();
    let mut people: Vec<(&String, &usize)> = c.decided_by.iter().collect();
    people.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    for (who, n) in &people {
        table.row(vec![
            Cell::text((*who).clone()),
            Cell::count(**n),
            Cell::number(Some(**n as f64 / members.max(1) as f64), percent),
        ]);
    }
    for (who, n) in &c.outsiders.decided_by {
        table.row(vec![
            Cell::text(format!("{who} (outside the team)")),
            Cell::count(*n),
            Cell::text("–"),
        ]);
    }
    let description = format!(
        "Lorenz curve of decisions over the {} people in scope (zeros included): Gini {}. The diagonal is an even spread.",
        c.people,
        c.gini.map_or("–".into(), |g| format!("{g:.2}"))
    );
    out.push(Chart {
        id: "concentration".into(),
        title: "Concentration of authority".into(),
        svg: charts::lorenz(
            "concentration",
            "Concentration of authority",
            &description,
            &counts,
        ),
        description,
        table,
    });
    let q = &m.outcome_quality;
    let rows: Vec<(String, f64, String)> = q
        .by_framework
        .iter()
        .map(|(f, quality)| {
            let rate = quality.rate.unwrap_or(0.0);
            (f.clone(), rate, format!("{rate:.2} ({})", quality.recorded))
        })
        .collect();
    let mut table = DataTable::new(&[
        "framework",
        "outcomes",
        "success",
        "partial",
        "failure",
        "quality",
    ]);
    for (f, quality) in &q.by_framework {
        table.row(vec![
            Cell::text(f.clone()),
            Cell::count(quality.recorded),
            Cell::count(quality.success),
            Cell::count(quality.partial),
            Cell::count(quality.failure),
            Cell::number(quality.rate, |v| format!("{v:.2}")),
        ]);
    }
    let description = "Success rate ((success + ½ partial) ÷ outcomes) of decisions decided in the window, by how authority was found.";
    out.push(Chart {
        id: "quality".into(),
        title: "Outcome quality by framework".into(),
        description: description.into(),
        svg: charts::bars(
            "quality",
            "Outcome quality by framework",
            description,
            &rows,
            Some(1.0),
        ),
        table,
    });
    out
}

fn trend_charts(r: &Report) -> Vec<Chart> {
    let points = &r.trend.points;
    let labels: Vec<String> = points
        .iter()
        .map(|p| p.from.format("%b %d").to_string())
        .collect();
    // The bucket's date, valued as its ISO 8601 interval: the window to
    // ask `/api/v1/metrics` for the same figures.
    let week = |p: &baton_core::analytics::TrendPoint| Cell {
        text: date(p.from),
        value: Some(format!(
            "{}/{}",
            baton_core::instant(p.from),
            baton_core::instant(p.to)
        )),
    };
    let mut out = Vec::new();

    let mut table = DataTable::new(&["week of", "opened", "decided", "decided a week"]);
    for p in points {
        table.row(vec![
            week(p),
            Cell::count(p.opened),
            Cell::count(p.decided),
            Cell::number(Some(p.velocity_per_week), |v| format!("{v:.1}")),
        ]);
    }
    let description = "Decisions decided per week, bucket by bucket.";
    out.push(Chart {
        id: "velocity".into(),
        title: "Decision velocity".into(),
        description: description.into(),
        svg: charts::lines(
            "velocity",
            "Decision velocity",
            description,
            &labels,
            &[Series {
                name: "decided a week".into(),
                values: points.iter().map(|p| Some(p.velocity_per_week)).collect(),
            }],
            |v| format!("{v:.1}"),
        ),
        table,
    });

    let mut table = DataTable::new(&["week of", "decided", "median time to decision"]);
    for p in points {
        table.row(vec![
            week(p),
            Cell::count(p.decided),
            Cell::number(p.median_seconds, duration),
        ]);
    }
    let description =
        "Median time from opening to decision of the decisions decided in each bucket.";
    out.push(Chart {
        id: "time".into(),
        title: "Time to decision over time".into(),
        description: description.into(),
        svg: charts::lines(
            "time",
            "Time to decision over time",
            description,
            &labels,
            &[Series {
                name: "median".into(),
                values: points.iter().map(|p| p.median_seconds).collect(),
            }],
            duration,
        ),
        table,
    });

    let mut table = DataTable::new(&["week of", "escalation rate", "override rate"]);
    for p in points {
        table.row(vec![
            week(p),
            Cell::number(p.escalation_rate, percent),
            Cell::number(p.override_rate, percent),
        ]);
    }
    let description = "Share of decisions opened in each bucket that escalated, and of those decided that were overridden.";
    out.push(Chart {
        id: "escalations".into(),
        title: "Escalations and overrides".into(),
        description: description.into(),
        svg: charts::lines(
            "escalations",
            "Escalations and overrides",
            description,
            &labels,
            &[
                Series {
                    name: "escalation rate".into(),
                    values: points.iter().map(|p| p.escalation_rate).collect(),
                },
                Series {
                    name: "override rate".into(),
                    values: points.iter().map(|p| p.override_rate).collect(),
                },
            ],
            percent,
        ),
        table,
    });

    let mut table = DataTable::new(&["week of", "leader share", "expert share"]);
    for p in points {
        table.row(vec![
            week(p),
            Cell::number(p.leader_share, percent),
            Cell::number(p.expert_share, percent),
        ]);
    }
    let description = "Of the decisions decided in each bucket, the share a formal leader decided and the share a validated expert who is not a leader decided.";
    out.push(Chart {
        id: "leaders".into(),
        title: "Leader vs expert share".into(),
        description: description.into(),
        svg: charts::lines(
            "leaders",
            "Leader vs expert share",
            description,
            &labels,
            &[
                Series {
                    name: "leader share".into(),
                    values: points.iter().map(|p| p.leader_share).collect(),
                },
                Series {
                    name: "expert share".into(),
                    values: points.iter().map(|p| p.expert_share).collect(),
                },
            ],
            percent,
        ),
        table,
    });
    out
}

/// Everyone's deference profile, as a table.
pub fn profiles(r: &Report) -> DataTable {
    let mut table = DataTable::new(&[
        "person",
        "routed",
        "decided",
        "delegated",
        "let an expert decide",
        "overrode",
        "deference rate",
        "quality overridden",
        "quality deferred",
    ]);
    for p in &r.profiles {
        if p.routed + p.decided + p.deferred.total + p.overrode == 0 {
            continue;
        }
        table.row(vec![
            Cell::text(p.person.clone()),
            Cell::count(p.routed),
            Cell::count(p.decided),
            Cell::count(p.deferred.delegated),
            Cell::count(p.deferred.to_experts),
            Cell::count(p.overrode),
            Cell::number(p.deference_rate, percent),
            Cell::number(p.outcomes.overridden.rate, |v| format!("{v:.2}")),
            Cell::number(p.outcomes.deferred.rate, |v| format!("{v:.2}")),
        ]);
    }
    table
}
