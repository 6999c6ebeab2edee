//! `baton report`: the SPEC §6 report as terminal tables, JSON, or one
//! self-contained HTML page.

use std::fmt::Write as _;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use baton_app::Report;
use baton_core::analytics::Window;
use chrono::{TimeDelta, Utc};

use super::app::{block_on, connect, refusal};
use super::who::instant_flag;
use crate::cli::Db;
use crate::terminal::{Bar, bar, duration, percent, ratio, sparkline, table};

/// How far back a report looks by default: a quarter.
const DEFAULT_DAYS: i64 = 90;

pub fn run(
    db: &Db,
    team: Option<&str>,
    (from, to): (Option<&str>, Option<&str>),
    json: bool,
    html: Option<&Path>,
) -> Result<ExitCode> {
    let now = Utc::now();
    let to = to
        .map(|t| instant_flag("--to", t))
        .transpose()?
        .unwrap_or(now);
    let from = from
        .map(|t| instant_flag("--from", t))
        .transpose()?
        .unwrap_or(to - TimeDelta::days(DEFAULT_DAYS));
    if from >= to {
        bail!("--from must come before --to: a report needs a window");
    }
    block_on(async {
        let app = connect(&db.db).await?;
        if let Err(e) = app.prepare_analytics(&Bar::new()).await {
            return refusal(e, json);
        }
        let report = match app.report(team, Window { from, to }, now).await {
            Ok(report) => report,
            Err(e) => return refusal(e, json),
        };
        if json {
            outln!("{}", serde_json::to_string_pretty(&report)?);
        } else if let Some(path) = html {
            let page = baton_web::report_page(&report);
            std::fs::write(path, page)
                .with_context(|| format!("cannot write {}", path.display()))?;
            eprintln!("wrote {}", path.display());
        } else {
            out!("{}", render(&report));
        }
        Ok(ExitCode::SUCCESS)
    })
}

/// The report as a terminal shows it.
pub fn render(r: &Report) -> String {
    let m = &r.metrics.metrics;
    let mut s = String::new();
    let days = (r.window.to - r.window.from).num_seconds() as f64 / 86_400.0;
    let _ = writeln!(
        s,
        "baton report — {}, {} to {} ({days:.0} days)\n",
        r.scope,
        baton_core::instant(r.window.from),
        baton_core::instant(r.window.to),
    );
    let mut headline = table(&["metric", "value"], 1);
    let ttd = m.time_to_decision.as_ref();
    let rows: Vec<(&str, String)> = vec![
        ("decided", m.decided.to_string()),
        ("opened", m.opened.to_string()),
        (
            "velocity",
            m.velocity_per_week
                .map_or_else(|| "–".into(), |v| format!("{v:.1} a week")),
        ),
        (
            "time to decision, median",
            duration(ttd.map(|t| t.median_seconds)),
        ),
        (
            "time to decision, p90",
            duration(ttd.map(|t| t.p90_seconds as f64)),
        ),
        ("escalation rate", percent(m.escalation_rate)),
        ("override rate", percent(m.override_rate)),
        ("leader share", percent(m.leader_share)),
        ("expert share", percent(m.expert_share)),
        (
            "outcome quality",
            format!(
                "{} ({} outcomes)",
                ratio(m.outcome_quality.overall.rate),
                m.outcome_quality.overall.recorded
            ),
        ),
        ("concentration (Gini)", ratio(m.concentration.gini)),
        (
            "eNPS",
            match &r.metrics.enps {
                Some(baton_core::feedback::Tally::Enps { answers, enps, .. }) => {
                    format!("{enps:+.0} ({answers} responses)")
                }
                _ => "– (fewer than 3 responses)".into(),
            },
        ),
    ];
    for (name, value) in rows {
        headline.add_row(vec![name.to_owned(), value]);
    }
    let _ = writeln!(s, "{headline}\n");

    trend(&mut s, r);
    by_type(&mut s, r);
    concentration(&mut s, r);
    quality(&mut s, r);
    alerts(&mut s, r);
    profiles(&mut s, r);
    s
}

/// One line of the trend table: its name, its values, how one reads.
type TrendRow<'a> = (&'a str, Vec<Option<f64>>, fn(Option<f64>) -> String);

fn trend(s: &mut String, r: &Report) {
    let points = &r.trend.points;
    if points.is_empty() {
        return;
    }
    let weeks = r.trend.bucket_seconds / (7 * 86_400);
    let _ = writeln!(
        s,
        "trend, {} buckets of {} week{} (oldest first)",
        points.len(),
        weeks,
        if weeks == 1 { "" } else { "s" }
    );
    let mut t = table(&["metric", "trend", "first", "last"], 2);
    let series: [TrendRow<'_>; 4] = [
        (
            "decided a week",
            points.iter().map(|p| Some(p.velocity_per_week)).collect(),
            |v| v.map_or_else(|| "–".into(), |v| format!("{v:.1}")),
        ),
        (
            "median time to decision",
            points.iter().map(|p| p.median_seconds).collect(),
            duration,
        ),
        (
            "escalation rate",
            points.iter().map(|p| p.escalation_rate).collect(),
            percent,
        ),
        (
            "override rate",
            points.iter().map(|p| p.override_rate).collect(),
            percent,
        ),
    ];
    for (name, values, show) in series {
        t.add_row(vec![
            name.to_owned(),
            sparkline(&values),
            show(values.first().copied().flatten()),
            show(values.last().copied().flatten()),
        ]);
    }
    let _ = writeln!(s, "{t}\n");
}

fn by_type(s: &mut String, r: &Report) {
    let Some(ttd) = &r.metrics.metrics.time_to_decision else {
        return;
    };
    let _ = writeln!(s, "time to decision by type");
    let mut t = table(&["type", "decided", "median", "p90"], 1);
    for (ty, times) in &ttd.by_type {
        t.add_row(vec![
            ty.clone(),
            times.count.to_string(),
            duration(Some(times.median_seconds)),
            duration(Some(times.p90_seconds as f64)),
        ]);
    }
    let _ = writeln!(s, "{t}\n");
}

fn concentration(s: &mut String, r: &Report) {
    let c = &r.metrics.metrics.concentration;
    if c.decided_by.is_empty() && c.outsiders.decided == 0 {
        return;
    }
    let _ = writeln!(
        s,
        "who decided ({} people; top {} at {})",
        c.people,
        c.top_decider.as_deref().unwrap_or("–"),
        percent(c.top_share)
    );
    let mut people: Vec<(&String, &usize)> = c.decided_by.iter().collect();
    people.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    let max = people.first().map_or(0, |(_, n)| **n).max(1) as f64;
    let mut t = table(&["person", "decided", ""], 1);
    for (who, n) in people {
        t.add_row(vec![who.clone(), n.to_string(), bar(*n as f64, max, 24)]);
    }
    for (who, n) in &c.outsiders.decided_by {
        t.add_row(vec![
            format!("{who} (outside the team)"),
            n.to_string(),
            bar(*n as f64, max, 24),
        ]);
    }
    let _ = writeln!(s, "{t}\n");
}

fn quality(s: &mut String, r: &Report) {
    let q = &r.metrics.metrics.outcome_quality;
    if q.by_framework.is_empty() {
        return;
    }
    let _ = writeln!(s, "outcome quality by framework");
    let mut t = table(&["framework", "outcomes", "quality", ""], 1);
    for (framework, quality) in &q.by_framework {
        t.add_row(vec![
            framework.clone(),
            quality.recorded.to_string(),
            ratio(quality.rate),
            bar(quality.rate.unwrap_or(0.0), 1.0, 20),
        ]);
    }
    let _ = writeln!(s, "{t}\n");
}

fn alerts(s: &mut String, r: &Report) {
    let _ = writeln!(
        s,
        "alerts standing at {} ({})",
        baton_core::instant(r.as_of),
        r.alerts.len()
    );
    if r.alerts.is_empty() {
        let _ = writeln!(s, "  none\n");
        return;
    }
    let mut t = table(&["kind", "team", "subject", "why"], 3);
    if let Some(column) = t.column_mut(3) {
        column.set_cell_alignment(comfy_table::CellAlignment::Left);
    }
    for a in &r.alerts {
        t.add_row(vec![
            serde_json::to_value(a.kind)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default(),
            a.team.clone(),
            a.subject.clone(),
            a.message.clone(),
        ]);
    }
    let _ = writeln!(s, "{t}\n");
}

fn profiles(s: &mut String, r: &Report) {
    let active: Vec<_> = r
        .profiles
        .iter()
        .filter(|p| p.routed + p.decided + p.deferred.total + p.overrode > 0)
        .collect();
    if active.is_empty() {
        return;
    }
    let _ = writeln!(
        s,
        "deference profiles (deferred: delegated, or let an expert they outranked decide)"
    );
    let mut t = table(
        &[
            "person",
            "routed",
            "decided",
            "deferred",
            "overrode",
            "deference",
            "quality overridden",
            "quality deferred",
        ],
        1,
    );
    for p in active {
        t.add_row(vec![
            p.person.clone(),
            p.routed.to_string(),
            p.decided.to_string(),
            p.deferred.total.to_string(),
            p.overrode.to_string(),
            percent(p.deference_rate),
            ratio(p.outcomes.overridden.rate),
            ratio(p.outcomes.deferred.rate),
        ]);
    }
    let _ = writeln!(s, "{t}");
}
