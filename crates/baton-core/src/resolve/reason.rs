//! The explanation of a resolution as structured items: each names the
//! rule, people and values it is about, so a page can link a reason to its
//! rule or person and two resolutions can be compared reason by reason.
//! Each renders to the text `baton who` has always printed, to Slack and
//! to HTML, from one list of [`Segment`]s.

use std::borrow::Cow;
use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::guide::file::Framework;

/// One step of a resolution's explanation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Reason {
    /// The request named no requester.
    NoRequester,
    /// Rules before the match not tried because they are written for other
    /// types: the first few named, and how many more there were.
    OtherTypes {
        decision_type: String,
        rules: Vec<String>,
        more: usize,
    },
    /// A rule matched: by its condition, or with none (for the request's
    /// type, or for every type).
    RuleMatched {
        rule: String,
        condition: Option<String>,
        /// The type the rule was written for; `None`: every type.
        decision_type: Option<String>,
    },
    /// A rule's condition was false, or could not be evaluated (`error`).
    RuleSkipped {
        rule: String,
        condition: String,
        error: Option<String>,
    },
    /// The requester's managers, nearest first.
    ManagerChain {
        requester: String,
        chain: Vec<String>,
    },
    RoleHeld {
        role: String,
        person: String,
    },
    RoleRotates {
        role: String,
    },
    /// An expertise query and how many people qualify.
    Expertise {
        domain: String,
        min_level: u8,
        min_endorsements: u32,
        qualified: usize,
    },
    RotationNotStarted {
        rotation: String,
        /// Its first handoff; `None`: it never hands off.
        first: Option<DateTime<Utc>>,
    },
    RotationBeyondHorizon {
        rotation: String,
        last: DateTime<Utc>,
    },
    RotationHeld {
        rotation: String,
        holder: String,
        via: Holding,
    },
    /// A candidate left out.
    Excluded {
        person: String,
        why: Exclusion,
    },
    /// A candidate moved behind the others by `spread`.
    MovedBack {
        person: String,
        rule: String,
        decided: usize,
        total: usize,
        window: String,
        share: f64,
        max_share: f64,
    },
    /// Nobody under the rule's authority: its escalation target is tried.
    TryingEscalation,
    /// Who decides, and what qualifies them.
    Decider {
        person: String,
        name: String,
        framework: Framework,
        credentials: Vec<Credential>,
        load: u32,
        max_load: Option<u32>,
    },
    Backups {
        people: Vec<String>,
    },
    /// A candidate moved back by `spread`, consulted instead.
    PairedConsultant {
        person: String,
    },
    /// Where the decision escalates if undecided; `to` is `None` when
    /// nobody is eligible now.
    Escalates {
        to: Option<String>,
        at: DateTime<Utc>,
    },
    /// A reason known only as text: from a record written before reasons
    /// were structured, or from an import.
    Text {
        text: String,
    },
}

/// How a rotation's holder came to hold it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(tag = "by", rename_all = "snake_case")]
pub enum Holding {
    Schedule {
        handoff: u64,
        since: DateTime<Utc>,
    },
    Override {
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    },
    /// The scheduled holder is unavailable; it passed on.
    Skipped {
        scheduled: String,
    },
}

/// Why a candidate cannot hold authority now.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(tag = "because", rename_all = "snake_case")]
pub enum Exclusion {
    Unavailable {
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    },
    AtMaxLoad {
        load: u32,
        max_load: u32,
    },
}

/// A decider's standing in one expertise domain.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Credential {
    pub domain: String,
    pub level: u8,
    pub endorsements: u32,
    pub track_record: f64,
}

/// A piece of a reason as it is shown.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Segment<'a> {
    Text(Cow<'a, str>),
    /// A rule of the guide; `quoted` where the text shows it as code.
    Rule {
        id: &'a str,
        quoted: bool,
    },
    /// A person of the directory, by id.
    Person(&'a str),
    /// A value shown as code: a type, a role, a domain, a condition.
    Code(&'a str),
}

/// Where a rendering goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    /// Plain text, as `baton who` prints it.
    Text,
    /// Slack's mrkdwn: people in bold, code in backticks.
    Slack,
    /// HTML, escaped, each rule and person a link (`#rule-ID`,
    /// `/people/ID`).
    Html,
}

/// Free text whose `backticked` spans are code, so that a message
/// written for the terminal shows as code on a page too.
fn quoted<'a>(message: &'a str, out: &mut Vec<Segment<'a>>) {
    for (i, part) in message.split('`').enumerate() {
        if part.is_empty() {
            continue;
        }
        out.push(if i % 2 == 1 {
            Segment::Code(part)
        } else {
            text(part)
        });
    }
}

fn text<'a>(s: impl Into<Cow<'a, str>>) -> Segment<'a> {
    Segment::Text(s.into())
}

fn people<'a>(ids: &'a [String], separator: &'static str, out: &mut Vec<Segment<'a>>) {
    for (i, id) in ids.iter().enumerate() {
        if i > 0 {
            out.push(text(separator));
        }
        out.push(Segment::Person(id));
    }
}

impl Reason {
    /// The reason as the pieces every rendering is made of.
    pub fn segments(&self) -> Vec<Segment<'_>> {
        let rule = |id| Segment::Rule { id, quoted: true };
        let mut out = Vec::new();
        match self {
            Reason::NoRequester => out.push(text(
                "no requester given: `manager_of` and `requester` selectors yield nobody",
            )),
            Reason::OtherTypes {
                decision_type,
                rules,
                more,
            } => {
                out.extend([
                    text("not tried, written for other types than "),
                    Segment::Code(decision_type),
                    text(": "),
                ]);
                for (i, id) in rules.iter().enumerate() {
                    if i > 0 {
                        out.push(text(", "));
                    }
                    out.push(Segment::Rule { id, quoted: false });
                }
                if *more > 0 {
                    out.push(text(format!(" and {more} more")));
                }
            }
            Reason::RuleMatched {
                rule: id,
                condition,
                decision_type,
            } => {
                out.extend([text("rule "), rule(id)]);
                match (condition, decision_type) {
                    (Some(c), _) => {
                        out.extend([text(": matched, "), Segment::Code(c), text(" is true")])
                    }
                    (None, Some(t)) => out.extend([
                        text(": matched (type "),
                        Segment::Code(t),
                        text(", no condition)"),
                    ]),
                    (None, None) => out.push(text(": matched (every type, no condition)")),
                }
            }
            Reason::RuleSkipped {
                rule: id,
                condition,
                error,
            } => {
                out.extend([
                    text("rule "),
                    rule(id),
                    text(": skipped, "),
                    Segment::Code(condition),
                ]);
                match error {
                    None => out.push(text(" is false")),
                    Some(why) => {
                        out.push(text(" could not be evaluated: "));
                        quoted(why, &mut out);
                    }
                }
            }
            Reason::ManagerChain { requester, chain } if chain.is_empty() => out.extend([
                text("manager chain: "),
                Segment::Person(requester),
                text(" has no manager"),
            ]),
            Reason::ManagerChain { requester, chain } => {
                out.extend([
                    text("manager chain of "),
                    Segment::Person(requester),
                    text(": "),
                ]);
                people(chain, " → ", &mut out);
            }
            Reason::RoleHeld { role, person } => out.extend([
                text("role "),
                Segment::Code(role),
                text(" is held by "),
                Segment::Person(person),
            ]),
            Reason::RoleRotates { role } => out.extend([
                text("role "),
                Segment::Code(role),
                text(" follows a rotation"),
            ]),
            Reason::Expertise {
                domain,
                min_level,
                min_endorsements,
                qualified,
            } => {
                let endorsed = match min_endorsements {
                    0 => " (claims count as validated)".to_owned(),
                    1 => " with 1 endorsement".to_owned(),
                    k => format!(" with {k} endorsements"),
                };
                out.extend([
                    text("expertise "),
                    Segment::Code(domain),
                    text(format!(
                        " at level {min_level}+{endorsed}: {qualified} qualified"
                    )),
                ]);
            }
            Reason::RotationNotStarted { rotation, first } => {
                let first = first.map_or_else(|| "never".to_owned(), crate::instant);
                out.extend([
                    text("rotation "),
                    Segment::Code(rotation),
                    text(format!(" has no holder yet: its first handoff is {first}")),
                ]);
            }
            Reason::RotationBeyondHorizon { rotation, last } => out.extend([
                text("rotation "),
                Segment::Code(rotation),
                text(format!(
                    " is not computed past its handoff at {}: no holder is known",
                    crate::instant(*last)
                )),
            ]),
            Reason::RotationHeld {
                rotation,
                holder,
                via,
            } => {
                out.extend([text("rotation "), Segment::Code(rotation), text(": ")]);
                match via {
                    Holding::Schedule { handoff, since } => out.extend([
                        Segment::Person(holder),
                        text(format!(
                            " holds it since handoff #{handoff} at {}",
                            crate::instant(*since)
                        )),
                    ]),
                    Holding::Override { from, to } => out.extend([
                        Segment::Person(holder),
                        text(format!(
                            " holds it by override from {} to {}",
                            crate::instant(*from),
                            crate::instant(*to)
                        )),
                    ]),
                    Holding::Skipped { scheduled } => out.extend([
                        Segment::Person(scheduled),
                        text(" is unavailable, so it passes to "),
                        Segment::Person(holder),
                    ]),
                }
            }
            Reason::Excluded { person, why } => {
                out.extend([
                    text("candidate "),
                    Segment::Person(person),
                    text(": excluded, "),
                ]);
                out.push(text(match why {
                    Exclusion::Unavailable { from, to } => format!(
                        "unavailable from {} to {}",
                        crate::instant(*from),
                        crate::instant(*to)
                    ),
                    Exclusion::AtMaxLoad { load, max_load } => {
                        format!("{load} open decisions, at max_load {max_load}")
                    }
                }));
            }
            Reason::MovedBack {
                person,
                rule: id,
                decided,
                total,
                window,
                share,
                max_share,
            } => out.extend([
                text("candidate "),
                Segment::Person(person),
                text(format!(
                    ": moved back, decided {decided} of the {total} decisions of rule "
                )),
                rule(id),
                text(format!(
                    "'s types in the last {window} ({:.0}%, above max_share {:.0}%)",
                    share * 100.0,
                    max_share * 100.0
                )),
            ]),
            Reason::TryingEscalation => out.push(text(
                "nobody eligible under the rule's authority: trying its escalation target",
            )),
            Reason::Decider {
                person,
                name,
                framework,
                credentials,
                load,
                max_load,
            } => {
                let mut why: Vec<String> = credentials
                    .iter()
                    .map(|c| {
                        format!(
                            "validated {} level {} with {} endorsement{}, track record {:.2}",
                            c.domain,
                            c.level,
                            c.endorsements,
                            if c.endorsements == 1 { "" } else { "s" },
                            c.track_record
                        )
                    })
                    .collect();
                why.push(match max_load {
                    Some(max) => format!("load {load} of {max}"),
                    None => format!("load {load}"),
                });
                out.extend([
                    text("decider: "),
                    Segment::Person(person),
                    text(format!(
                        " ({name}), framework {}: {}",
                        framework.as_str(),
                        why.join("; ")
                    )),
                ]);
            }
            Reason::Backups { people: ids } => {
                out.push(text("backups: "));
                people(ids, ", ", &mut out);
            }
            Reason::PairedConsultant { person } => out.extend([
                Segment::Person(person),
                text(" is paired as a consultant (spread)"),
            ]),
            Reason::Escalates { to: Some(to), at } => out.extend([
                text("escalates to "),
                Segment::Person(to),
                text(format!(" at {} if undecided", crate::instant(*at))),
            ]),
            Reason::Escalates { to: None, at } => out.push(text(format!(
                "escalation at {} has nobody eligible to go to now",
                crate::instant(*at)
            ))),
            Reason::Text { text: t } => out.push(text(t.as_str())),
        }
        out
    }

    /// The reason rendered for `style`.
    pub fn render(&self, style: Style) -> String {
        let mut out = String::new();
        for segment in self.segments() {
            render_segment(&segment, style, &mut out);
        }
        out
    }

    /// A person as a link to their page, as every HTML rendering shows one.
    pub fn person_html(id: &str) -> String {
        let mut out = String::from("<a class=\"person\" href=\"/people/");
        escape(id, &mut out);
        out.push_str("\">");
        escape(id, &mut out);
        out.push_str("</a>");
        out
    }

    /// The people this reason names, in order.
    pub fn people(&self) -> Vec<&str> {
        self.segments()
            .into_iter()
            .filter_map(|s| match s {
                Segment::Person(id) => Some(id),
                _ => None,
            })
            .collect()
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render(Style::Text))
    }
}

fn render_segment(segment: &Segment<'_>, style: Style, out: &mut String) {
    match (segment, style) {
        (Segment::Text(t), Style::Html) => escape(t, out),
        (Segment::Text(t), _) => out.push_str(t),
        (Segment::Rule { id, quoted: true }, Style::Text | Style::Slack)
        | (Segment::Code(id), Style::Text | Style::Slack) => {
            out.push('`');
            out.push_str(id);
            out.push('`');
        }
        (Segment::Rule { id, quoted: false }, Style::Text | Style::Slack)
        | (Segment::Person(id), Style::Text) => out.push_str(id),
        (Segment::Person(id), Style::Slack) => {
            out.push('*');
            out.push_str(id);
            out.push('*');
        }
        (Segment::Rule { id, quoted }, Style::Html) => {
            out.push_str("<a class=\"rule\" href=\"#rule-");
            escape(id, out);
            out.push_str("\">");
            if *quoted {
                out.push_str("<code>");
            }
            escape(id, out);
            if *quoted {
                out.push_str("</code>");
            }
            out.push_str("</a>");
        }
        (Segment::Person(id), Style::Html) => out.push_str(&Reason::person_html(id)),
        (Segment::Code(code), Style::Html) => {
            out.push_str("<code>");
            escape(code, out);
            out.push_str("</code>");
        }
    }
}

/// `text` with HTML's five special characters escaped.
pub(crate) fn escape(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
}

/// The text of each reason: a resolution's `explanation` (SPEC §4.7).
pub fn texts(reasons: &[Reason]) -> Vec<String> {
    reasons.iter().map(Reason::to_string).collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "a test fails loudly")]

    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn skipped() -> Reason {
        Reason::RuleSkipped {
            rule: "big<bets>".into(),
            condition: "ctx.risk == \"high\" && ctx.n < 3".into(),
            error: None,
        }
    }

    #[test]
    fn text_is_what_baton_who_prints() {
        assert_eq!(
            skipped().to_string(),
            "rule `big<bets>`: skipped, `ctx.risk == \"high\" && ctx.n < 3` is false"
        );
        let held = Reason::RotationHeld {
            rotation: "on-call".into(),
            holder: "raj".into(),
            via: Holding::Skipped {
                scheduled: "kim".into(),
            },
        };
        assert_eq!(
            held.to_string(),
            "rotation `on-call`: kim is unavailable, so it passes to raj"
        );
        let many = Reason::OtherTypes {
            decision_type: "hiring".into(),
            rules: vec!["a".into(), "b".into()],
            more: 3,
        };
        assert_eq!(
            many.to_string(),
            "not tried, written for other types than `hiring`: a, b and 3 more"
        );
    }

    #[test]
    fn slack_bolds_people_and_keeps_code_in_backticks() {
        let r = Reason::Escalates {
            to: Some("dana".into()),
            at: at("2026-03-04T12:00:00Z"),
        };
        assert_eq!(
            r.render(Style::Slack),
            "escalates to *dana* at 2026-03-04T12:00:00Z if undecided"
        );
        assert_eq!(skipped().render(Style::Slack), skipped().to_string());
    }

    #[test]
    fn html_escapes_everything_and_links_rules_and_people() {
        assert_eq!(
            skipped().render(Style::Html),
            "rule <a class=\"rule\" href=\"#rule-big&lt;bets&gt;\"><code>big&lt;bets&gt;</code></a>: \
             skipped, <code>ctx.risk == &quot;high&quot; &amp;&amp; ctx.n &lt; 3</code> is false"
        );
        let chain = Reason::ManagerChain {
            requester: "ana".into(),
            chain: vec!["sam".into(), "dana".into()],
        };
        assert_eq!(
            chain.render(Style::Html),
            "manager chain of <a class=\"person\" href=\"/people/ana\">ana</a>: \
             <a class=\"person\" href=\"/people/sam\">sam</a> → \
             <a class=\"person\" href=\"/people/dana\">dana</a>"
        );
        assert_eq!(chain.people(), ["ana", "sam", "dana"]);
    }

    #[test]
    fn reasons_keep_their_structure_through_json() {
        let reasons = vec![
            skipped(),
            Reason::Excluded {
                person: "kim".into(),
                why: Exclusion::AtMaxLoad {
                    load: 4,
                    max_load: 4,
                },
            },
            Reason::Text {
                text: "imported".into(),
            },
        ];
        let json = serde_json::to_value(&reasons).unwrap();
        assert_eq!(json[1]["kind"], "excluded");
        assert_eq!(json[1]["why"]["because"], "at_max_load");
        let back: Vec<Reason> = serde_json::from_value(json).unwrap();
        assert_eq!(back, reasons);
    }
}
