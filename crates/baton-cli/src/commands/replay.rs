//! `baton replay`: what a new guide would have changed.

use std::fmt::Write as _;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use baton_core::analytics::Window;
use baton_core::replay::ReplayReport;
use chrono::{DateTime, Utc};

use super::app::{block_on, connect, refusal};
use super::who::instant_flag;
use crate::cli::Db;
use crate::terminal::{Bar, table};

/// How many moved decisions and new errors the terminal lists.
const SHOWN: usize = 20;

pub fn run(
    db: &Db,
    guide: &Path,
    team: Option<&str>,
    (from, to): (Option<&str>, Option<&str>),
    json: bool,
) -> Result<ExitCode> {
    let text = std::fs::read_to_string(guide)
        .with_context(|| format!("cannot read {}", guide.display()))?;
    let from = from.map(|t| instant_flag("--from", t)).transpose()?;
    let to = to.map(|t| instant_flag("--to", t)).transpose()?;
    let window = match (from, to) {
        (None, None) => None,
        (from, to) => {
            let from = from.unwrap_or(DateTime::<Utc>::MIN_UTC);
            let to = to.unwrap_or(DateTime::<Utc>::MAX_UTC);
            if from >= to {
                bail!("--from must come before --to: nothing is opened in an empty window");
            }
            Some(Window { from, to })
        }
    };
    let team = match team {
        Some(t) => t.to_owned(),
        None => baton_core::guide::parse_file(&guide.display().to_string(), &text)?.team,
    };
    block_on(async {
        let app = connect(&db.db).await?;
        let bar = Bar::new();
        if let Err(e) = app.prepare_analytics(&bar).await {
            return refusal(e, json);
        }
        match app.replay(&team, &text, window, &bar).await {
            Ok(r) if json => outln!("{}", serde_json::to_string_pretty(&r)?),
            Ok(r) => out!("{}", render(&r)),
            Err(e) => return refusal(e, json),
        }
        Ok(ExitCode::SUCCESS)
    })
}

/// The replay as a terminal shows it.
pub fn render(r: &ReplayReport) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "replay of team {} under {}{}",
        r.team,
        r.guide_version.chars().take(19).collect::<String>(),
        r.window.map_or_else(String::new, |w| format!(
            ", decisions opened {} to {}",
            baton_core::instant(w.from),
            baton_core::instant(w.to)
        ))
    );
    let _ = writeln!(
        s,
        "{} replayed: {} routed to someone else, {} the new guide cannot route, {} unchanged{}\n",
        r.replayed,
        r.changed,
        r.errors,
        r.replayed - r.changed - r.errors,
        if r.without_context > 0 {
            format!(
                " ({} imported without a stored context, replayed with an empty one)",
                r.without_context
            )
        } else {
            String::new()
        }
    );
    let mut t = table(&["type", "replayed", "routed elsewhere", "cannot route"], 1);
    for ty in &r.by_type {
        t.add_row(vec![
            ty.decision_type.clone(),
            ty.replayed.to_string(),
            ty.changed.to_string(),
            ty.errors.to_string(),
        ]);
    }
    let _ = writeln!(s, "{t}");
    if !r.load.is_empty() {
        let _ = writeln!(
            s,
            "\nwho would decide (decisions of the window routed to each)"
        );
        let mut t = table(&["person", "before", "after", "change"], 1);
        for p in &r.load {
            let change = p.after as i64 - p.before as i64;
            t.add_row(vec![
                p.person.clone(),
                p.before.to_string(),
                p.after.to_string(),
                format!("{change:+}"),
            ]);
        }
        let _ = writeln!(s, "{t}");
    }
    if !r.moved.is_empty() {
        let _ = writeln!(
            s,
            "\nrouted elsewhere (first {} of {})",
            r.moved.len().min(SHOWN),
            r.changed
        );
        for m in r.moved.iter().take(SHOWN) {
            let _ = writeln!(
                s,
                "  {} {} ({}): {} → {} (rule {} → {})",
                m.decision,
                m.decision_type,
                m.opened_at.format("%Y-%m-%d"),
                m.before,
                m.after,
                m.rule_before,
                m.rule_after
            );
            for reason in &m.reasons_new {
                let _ = writeln!(s, "      + {reason}");
            }
        }
    }
    if !r.new_errors.is_empty() {
        let _ = writeln!(
            s,
            "\ncannot route (first {} of {})",
            r.new_errors.len().min(SHOWN),
            r.errors
        );
        for e in r.new_errors.iter().take(SHOWN) {
            let _ = writeln!(
                s,
                "  {} {} ({}): was {}; {}: {}",
                e.decision,
                e.decision_type,
                e.opened_at.format("%Y-%m-%d"),
                e.before,
                e.code,
                e.message
            );
        }
    }
    s
}
