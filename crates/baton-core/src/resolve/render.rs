//! A resolution as people read it, written once for every front end:
//! `baton who`'s block ([`Style::Text`]), the Slack command's answer
//! ([`Style::Slack`]) and a page's ([`Style::Html`]). Each reason renders
//! itself ([`Reason::render`]); this lays out the rest around them.

use std::fmt::Write as _;

use super::reason::{Reason, Style, escape};
use super::{Resolution, ResolveError};
use crate::guide::file::Tiebreaker;

/// `r` for `style`; `name` shows a person in the text block (say, with
/// their name from the directory).
pub fn resolution(r: &Resolution, style: Style, name: &dyn Fn(&str) -> String) -> String {
    match style {
        Style::Text => text(name, r),
        Style::Slack => slack(r),
        Style::Html => html(r),
    }
}

/// The block `baton who` prints: the roster, the protocol, then why.
fn text(name: &dyn Fn(&str) -> String, r: &Resolution) -> String {
    let list = |ids: &[String]| {
        if ids.is_empty() {
            "-".to_owned()
        } else {
            ids.join(", ")
        }
    };
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} decides `{}` for team {}",
        name(&r.decider),
        r.decision_type,
        r.team
    );
    let _ = writeln!(out, "  rule        {} ({})", r.rule, r.framework.as_str());
    let _ = writeln!(out, "  backups     {}", list(&r.backups));
    let _ = writeln!(
        out,
        "  recommend   {}",
        r.roster.recommend.as_deref().unwrap_or("-")
    );
    let _ = writeln!(out, "  agree       {}", list(&r.roster.agree));
    let _ = writeln!(out, "  input       {}", list(&r.roster.input));
    let _ = writeln!(out, "  inform      {}", list(&r.roster.inform));
    let tiebreaker = match &r.deliberation.tiebreaker {
        None => "none".to_owned(),
        Some(Tiebreaker::Person(p)) => name(p),
        Some(Tiebreaker::Role(role)) => format!("role {role}"),
        Some(Tiebreaker::Rule(rule)) => serde_json::to_value(rule)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default(),
    };
    let _ = writeln!(
        out,
        "  deliberate  until {}, tiebreaker {tiebreaker}",
        crate::instant(r.deliberation.deadline)
    );
    if let Some(c) = &r.consensus_check {
        let _ = writeln!(out, "  objections  until {}", crate::instant(c.deadline));
    }
    if let Some(e) = &r.escalation {
        let _ = writeln!(
            out,
            "  escalates   at {} to {}",
            crate::instant(e.deadline),
            e.to.as_deref()
                .map_or_else(|| "nobody eligible".to_owned(), name)
        );
    }
    let _ = writeln!(out, "why");
    for line in &r.explanation {
        let _ = writeln!(out, "  - {line}");
    }
    out
}

/// One line with who decides and the protocol, then a bullet per reason.
fn slack(r: &Resolution) -> String {
    let mut text = format!(
        "*{}* decides `{}` for {} (rule `{}`, {})",
        r.decider,
        r.decision_type,
        r.team,
        r.rule,
        r.framework.as_str()
    );
    if !r.backups.is_empty() {
        let _ = write!(text, "; backups {}", r.backups.join(", "));
    }
    if let Some(e) = &r.escalation {
        let _ = write!(
            text,
            "; escalates to {} at {}",
            e.to.as_deref().unwrap_or("nobody"),
            crate::instant(e.deadline)
        );
    }
    for reason in &r.reasons {
        text.push_str("\n• ");
        text.push_str(&reason.render(Style::Slack));
    }
    text
}

/// A paragraph with who decides, then the reasons as a list whose people
/// and rules are links.
fn html(r: &Resolution) -> String {
    let mut out = String::from("<p class=\"resolution\">");
    out.push_str(&Reason::person_html(&r.decider));
    out.push_str(" decides <code>");
    escape(&r.decision_type, &mut out);
    out.push_str("</code> for team ");
    escape(&r.team, &mut out);
    out.push_str(" (");
    out.push_str(r.framework.as_str());
    out.push_str(")</p>\n<ul class=\"reasons\">\n");
    for reason in &r.reasons {
        out.push_str("<li>");
        out.push_str(&reason.render(Style::Html));
        out.push_str("</li>\n");
    }
    out.push_str("</ul>\n");
    out
}

/// A refusal as `baton who` prints it: the code and message, then why.
pub fn error(e: &ResolveError) -> String {
    let mut out = format!("error[{}]: {}\n", e.code.as_str(), e.message);
    if !e.explanation.is_empty() {
        out.push_str("why\n");
        for line in &e.explanation {
            let _ = writeln!(out, "  - {line}");
        }
    }
    out
}
