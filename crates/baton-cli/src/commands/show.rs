//! `baton show`: one decision, whole.

use std::fmt::Write as _;
use std::process::ExitCode;

use anyhow::Result;
use baton_core::lifecycle::Decision;

use super::app::{block_on, connect, refusal};
use crate::cli::Db;

pub fn run(id: baton_core::DecisionId, db: &Db, json: bool) -> Result<ExitCode> {
    block_on(async {
        let app = connect(&db.db).await?;
        let (d, events) = match app.show(id).await {
            Ok(found) => found,
            Err(e) => return refusal(e, json),
        };
        if json {
            let document = baton_app::App::document_of(&d, &events)?;
            outln!("{}", serde_json::to_string_pretty(&document)?);
        } else {
            out!("{}", render(&d, &events));
        }
        Ok(ExitCode::SUCCESS)
    })
}

fn render(d: &Decision, events: &[baton_app::StoredEvent]) -> String {
    let list = |v: &[String]| {
        if v.is_empty() {
            "-".to_owned()
        } else {
            v.join(", ")
        }
    };
    let r = &d.resolution;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "decision {}: {} [{}]",
        d.id,
        d.title,
        d.status.as_str()
    );
    let _ = writeln!(out, "  team/type   {} / {}", d.team, d.decision_type);
    let _ = writeln!(
        out,
        "  decider     {}{}",
        d.decider,
        d.delegate
            .as_ref()
            .map(|p| format!(" (delegated to {p})"))
            .unwrap_or_default()
    );
    let _ = writeln!(
        out,
        "  rule        {} ({}), guide {}",
        r.rule,
        r.framework.as_str(),
        r.guide_version
    );
    let _ = writeln!(
        out,
        "  roster      recommend {} · agree {} · input {} · inform {}",
        d.requester,
        list(&r.roster.agree),
        list(&r.roster.input),
        list(&r.roster.inform)
    );
    let _ = writeln!(out, "  backups     {}", list(&r.backups));
    let _ = writeln!(
        out,
        "  opened      {} by {}",
        baton_core::instant(d.opened_at),
        d.requester
    );
    if let Some(c) = &r.consensus_check {
        let _ = writeln!(
            out,
            "  objections  until {}",
            baton_core::instant(c.deadline)
        );
    }
    let _ = writeln!(
        out,
        "  deliberate  until {}",
        baton_core::instant(r.deliberation.deadline)
    );
    if let Some(e) = &r.escalation {
        let _ = writeln!(
            out,
            "  escalates   at {} to {}",
            baton_core::instant(e.deadline),
            e.to.as_deref().unwrap_or("nobody eligible")
        );
    }
    if let (Some(at), Some(by)) = (d.decided_at, &d.decided_by) {
        let _ = writeln!(
            out,
            "  decided     {} by {}: `{}` — {}",
            baton_core::instant(at),
            by,
            d.option.as_deref().unwrap_or_default(),
            d.rationale.as_deref().unwrap_or_default()
        );
    }
    if d.overridden {
        let _ = writeln!(
            out,
            "  override    {}",
            d.override_reason.as_deref().unwrap_or_default()
        );
    }
    if let Some(o) = &d.outcome {
        let _ = writeln!(
            out,
            "  outcome     {} by {}: {}",
            o.result.as_str(),
            o.by,
            o.notes
        );
    }
    for p in &d.positions {
        let risk = p.risk.map(|r| format!(", risk {r}")).unwrap_or_default();
        let _ = writeln!(
            out,
            "  position    {}: `{}` (confidence {}{risk}) — {}",
            p.person, p.option, p.confidence, p.rationale
        );
    }
    for o in &d.objections {
        let _ = writeln!(out, "  objection   {}: {}", o.person, o.reason);
    }
    let _ = writeln!(out, "why");
    for line in &r.explanation {
        let _ = writeln!(out, "  - {line}");
    }
    let _ = writeln!(out, "audit trail");
    let mut trail = crate::terminal::listing(&["event", "at", "kind", "by", "hash"], &[]);
    for e in events {
        trail.add_row(vec![
            format!("#{}", e.seq),
            e.at.to_string(),
            e.kind.to_string(),
            e.actor.to_string(),
            e.hash.get(..12).unwrap_or_default().to_owned(),
        ]);
    }
    for line in crate::terminal::listing_lines(&trail) {
        let _ = writeln!(out, " {line}");
    }
    out
}
