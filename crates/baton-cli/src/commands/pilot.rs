//! `baton pilot create | list | report`.

use std::fmt::Write as _;
use std::process::ExitCode;

use anyhow::Result;
use baton_app::{Caller, OPERATOR, Pilot, PilotReport, PilotRequest};
use baton_core::analytics::pilot::{Period, PilotMetric, Verdict};
use baton_core::lifecycle::Role;

use super::app::{block_on, connect, refusal};
use super::who::instant_flag;
use crate::cli::PilotCommand;
use crate::terminal::{Bar, duration, percent, ratio, table};

pub fn run(command: PilotCommand) -> Result<ExitCode> {
    match command {
        PilotCommand::Create {
            db,
            team,
            types,
            guide_version,
            from,
            to,
            control,
            person,
            role,
            json,
        } => {
            let request = PilotRequest {
                team,
                types,
                guide_version,
                from: instant_flag("--from", &from)?,
                to: instant_flag("--to", &to)?,
                control,
            };
            // The command line is a local tool: without --as it acts as
            // the store's operator.
            let caller = match person {
                Some(p) => Caller::new(p.to_string(), role.into()),
                None => Caller::new(OPERATOR, Role::Admin),
            };
            block_on(async {
                let app = connect(&db.db).await?;
                match app.create_pilot(&caller, request, chrono::Utc::now()).await {
                    Ok(pilot) if json => outln!("{}", serde_json::to_string_pretty(&pilot)?),
                    Ok(pilot) => {
                        outln!("{}", pilot.id);
                        eprintln!("pilot {} started: {}", pilot.id, describe(&pilot));
                    }
                    Err(e) => return refusal(e, json),
                }
                Ok(ExitCode::SUCCESS)
            })
        }
        PilotCommand::List { db, json } => block_on(async {
            let app = connect(&db.db).await?;
            let pilots = match app.pilots().await {
                Ok(p) => p,
                Err(e) => return refusal(e, json),
            };
            if json {
                outln!("{}", serde_json::to_string_pretty(&pilots)?);
                return Ok(ExitCode::SUCCESS);
            }
            let mut t = table(
                &[
                    "id",
                    "team",
                    "types",
                    "period",
                    "compared with",
                    "guide version",
                ],
                6,
            );
            for p in &pilots {
                t.add_row(vec![
                    p.id.to_string(),
                    p.spec.team.clone(),
                    p.spec.types.join(", "),
                    format!(
                        "{} to {}",
                        baton_core::instant(p.spec.from),
                        baton_core::instant(p.spec.to)
                    ),
                    p.spec
                        .control
                        .as_ref()
                        .map_or_else(|| "the period before".to_owned(), |c| format!("team {c}")),
                    short(&p.spec.guide_version),
                ]);
            }
            outln!("{t}");
            Ok(ExitCode::SUCCESS)
        }),
        PilotCommand::Report { db, id, at, json } => {
            let now = match at {
                Some(at) => instant_flag("--at", &at)?,
                None => chrono::Utc::now(),
            };
            block_on(async {
                let app = connect(&db.db).await?;
                if let Err(e) = app.prepare_analytics(&Bar::new()).await {
                    return refusal(e, json);
                }
                match app.pilot_report(id, now).await {
                    Ok(r) if json => outln!("{}", serde_json::to_string_pretty(&r)?),
                    Ok(r) => out!("{}", render(&r)),
                    Err(e) => return refusal(e, json),
                }
                Ok(ExitCode::SUCCESS)
            })
        }
    }
}

fn short(version: &str) -> String {
    version.chars().take(19).collect()
}

fn describe(p: &Pilot) -> String {
    format!(
        "team {} runs {} for {} from {} to {}",
        p.spec.team,
        short(&p.spec.guide_version),
        p.spec.types.join(", "),
        baton_core::instant(p.spec.from),
        baton_core::instant(p.spec.to)
    )
}

fn show(metric: PilotMetric, v: Option<f64>) -> String {
    match metric {
        PilotMetric::MedianTimeToDecisionSeconds => duration(v),
        PilotMetric::EscalationRate => percent(v),
        PilotMetric::OutcomeQuality => ratio(v),
        PilotMetric::Enps => v.map_or_else(|| "–".into(), |v| format!("{v:+.0}")),
    }
}

fn signed(metric: PilotMetric, v: f64) -> String {
    let sign = if v < 0.0 { "−" } else { "+" };
    let text = match metric {
        // A difference of rates is read to a tenth of a point: an interval
        // that clears zero must not print as one that starts at it.
        PilotMetric::EscalationRate => format!("{:.1}%", v.abs() * 100.0),
        _ => show(metric, Some(v.abs())),
    };
    format!("{sign}{}", text.trim_start_matches('+'))
}

/// The report as a terminal shows it.
pub fn render(r: &PilotReport) -> String {
    let c = &r.comparison;
    let mut s = String::new();
    let _ = writeln!(s, "pilot {}: {}", r.pilot.id, describe(&r.pilot));
    let _ = writeln!(
        s,
        "compared with {} ({} resamples, seed {:#x}), as of {}\n",
        match &r.pilot.spec.control {
            Some(team) => format!("team {team} over the same period"),
            None => "the same team over the period just before".to_owned(),
        },
        c.resamples,
        c.seed,
        baton_core::instant(c.as_of)
    );
    let mut t = table(
        &[
            "",
            "pilot",
            "baseline",
            "difference",
            "95% interval",
            "verdict",
        ],
        1,
    );
    for x in &c.comparisons {
        t.add_row(vec![
            x.metric.name().to_owned(),
            show(x.metric, x.pilot),
            show(x.metric, x.baseline),
            x.difference
                .map_or_else(|| "–".into(), |d| signed(x.metric, d)),
            x.interval.map_or_else(
                || "–".into(),
                |i| {
                    format!(
                        "{} to {}",
                        signed(x.metric, i.low),
                        signed(x.metric, i.high)
                    )
                },
            ),
            x.verdict.words().to_owned(),
        ]);
    }
    let _ = writeln!(s, "{t}");
    for x in c
        .comparisons
        .iter()
        .filter(|x| x.verdict == Verdict::Inconclusive)
    {
        let _ = writeln!(s, "  {}: {}", x.metric.name(), x.note);
    }
    let _ = writeln!(s, "\nperiods");
    let mut t = table(
        &[
            "",
            "team",
            "opened",
            "decided",
            "still open",
            "withdrawn",
            "override rate",
            "Gini",
            "top decider",
            "seen until",
        ],
        2,
    );
    for p in [&c.periods.pilot, &c.periods.baseline] {
        t.add_row(period_row(p));
    }
    let _ = writeln!(s, "{t}");
    let _ = writeln!(s, "\nalerts at each period's end (unintended consequences)");
    for p in [&c.periods.pilot, &c.periods.baseline] {
        let alerts = if p.alerts.is_empty() {
            "none".to_owned()
        } else {
            p.alerts.join("; ")
        };
        let _ = writeln!(s, "  {}: {alerts}", p.label);
    }
    s
}

fn period_row(p: &Period) -> Vec<String> {
    vec![
        format!(
            "{} ({} to {})",
            p.label,
            p.from.format("%Y-%m-%d"),
            p.to.format("%Y-%m-%d")
        ),
        p.team.clone(),
        p.opened.to_string(),
        p.decided.to_string(),
        p.still_open.to_string(),
        p.closed_undecided.to_string(),
        percent(p.override_rate),
        ratio(p.gini),
        p.top_decider.as_ref().map_or_else(
            || "–".into(),
            |who| format!("{who} ({})", percent(p.top_share)),
        ),
        baton_core::instant(p.observed_until),
    ]
}
