//! MADR decision records (Markdown Any Decision Records), one file per
//! decision, for teams that keep ADRs in their repositories.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use baton_core::lifecycle::{Decision, Status};

/// `0012-pick-a-queue.md`.
pub fn madr_file_name(d: &Decision) -> String {
    let mut slug = String::new();
    for c in d.title.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    let slug = slug.trim_end_matches('-');
    let slug: String = slug.chars().take(60).collect();
    format!(
        "{:04}-{}.md",
        d.id,
        if slug.is_empty() { "decision" } else { &slug }
    )
}

fn madr_status(d: &Decision) -> String {
    match d.status {
        Status::Decided => "accepted".into(),
        Status::Superseded => match d.superseded_by {
            Some(by) => format!("superseded by {by:04}"),
            None => "superseded".into(),
        },
        Status::Withdrawn => "rejected".into(),
        _ => "proposed".into(),
    }
}

pub fn madr(d: &Decision) -> String {
    let r = &d.resolution;
    let mut out = String::new();
    let list = |v: &[String]| v.join(", ");
    let date = d.decided_at.unwrap_or(d.opened_at).date_naive();
    let _ = writeln!(out, "---");
    let _ = writeln!(out, "status: {}", madr_status(d));
    let _ = writeln!(out, "date: {date}");
    let _ = writeln!(
        out,
        "deciders: {}",
        d.decided_by.as_deref().unwrap_or(&d.decider)
    );
    let _ = writeln!(out, "consulted: {}", list(&r.roster.input));
    let _ = writeln!(out, "informed: {}", list(&r.roster.inform));
    let _ = writeln!(out, "---\n");
    let _ = writeln!(out, "# {}\n", d.title);
    let _ = writeln!(out, "## Context and Problem Statement\n");
    let _ = writeln!(
        out,
        "A decision of type `{}` for team {}, requested by {} on {}. baton routed it by rule `{}` ({} framework) to {}.\n",
        d.decision_type,
        d.team,
        d.requester,
        d.opened_at.date_naive(),
        r.rule,
        r.framework.as_str(),
        r.decider
    );
    let mut options: BTreeMap<&str, Vec<&baton_core::lifecycle::Position>> = BTreeMap::new();
    for p in &d.positions {
        options.entry(p.option.as_str()).or_default().push(p);
    }
    if let Some(chosen) = &d.option {
        options.entry(chosen.as_str()).or_default();
    }
    if !options.is_empty() {
        let _ = writeln!(out, "## Considered Options\n");
        for o in options.keys() {
            let _ = writeln!(out, "* {o}");
        }
        let _ = writeln!(out);
    }
    let _ = writeln!(out, "## Decision Outcome\n");
    match (&d.option, &d.rationale) {
        (Some(o), Some(why)) => {
            let _ = writeln!(
                out,
                "Chosen option: \"{o}\", because {}\n",
                why.trim_end_matches('.')
            );
        }
        _ => {
            let _ = writeln!(out, "Not decided ({}).\n", d.status.as_str());
        }
    }
    if d.overridden {
        let _ = writeln!(
            out,
            "Decided as an override of the routed decider: {}\n",
            d.override_reason.as_deref().unwrap_or_default()
        );
    }
    if let Some(o) = &d.outcome {
        let _ = writeln!(out, "### Consequences\n");
        let _ = writeln!(
            out,
            "* Outcome: {} (recorded by {} on {}){}\n",
            o.result.as_str(),
            o.by,
            o.at.date_naive(),
            if o.notes.is_empty() {
                String::new()
            } else {
                format!(": {}", o.notes)
            }
        );
    }
    if !d.positions.is_empty() {
        let _ = writeln!(out, "## Pros and Cons of the Options\n");
        for (option, positions) in options.iter().filter(|(_, ps)| !ps.is_empty()) {
            let _ = writeln!(out, "### {option}\n");
            for p in positions {
                let risk = p.risk.map(|r| format!(", risk {r}")).unwrap_or_default();
                let _ = writeln!(
                    out,
                    "* {} (confidence {}{risk}): {}",
                    p.person, p.confidence, p.rationale
                );
            }
            let _ = writeln!(out);
        }
    }
    let _ = writeln!(out, "## More Information\n");
    let _ = writeln!(out, "baton decision {}, guide {}.", d.id, r.guide_version);
    out
}
