//! The guide in plain words, per decision type: who decides when, how it
//! escalates, how a disagreement ends — the onboarding cheat sheet, read
//! off the same file the resolver compiles, so it cannot drift from it.

use serde::Serialize;

use super::file::{GuideFile, OnObjection, RoleEntry, RuleEntry, Selector, TieRule, Tiebreaker};

/// The cheat sheet of one team's guide.
#[derive(Clone, Debug, Serialize)]
pub struct CheatSheet {
    pub team: String,
    pub types: Vec<TypeSheet>,
}

/// One decision type: what it is, and each rule that can route it, in the
/// order they are tried.
#[derive(Clone, Debug, Serialize)]
pub struct TypeSheet {
    pub name: String,
    pub description: Option<String>,
    /// `impact high · weekly · reversible · target 24h`.
    pub facts: String,
    pub routes: Vec<Route>,
}

/// One rule as it routes a type.
#[derive(Clone, Debug, Serialize)]
pub struct Route {
    pub rule: String,
    /// The condition, as written; `None` when the rule always applies.
    pub when: Option<String>,
    pub who: String,
    /// Who is asked before, who must agree, who is told.
    pub roster: Vec<String>,
    pub check: Option<String>,
    pub disagreement: String,
    pub escalation: String,
}

/// The guide's cheat sheet: for each type, the rules that can route it up
/// to the first that always applies (later ones never see it).
pub fn cheat_sheet(file: &GuideFile) -> CheatSheet {
    let types = file
        .decision_types
        .iter()
        .map(|(name, t)| {
            let mut facts = vec![format!("impact {}", word(&t.impact))];
            if let Some(f) = &t.frequency {
                facts.push(word(f));
            }
            facts.push(
                if t.reversible {
                    "reversible"
                } else {
                    "hard to reverse"
                }
                .to_owned(),
            );
            if let Some(target) = t.target {
                facts.push(format!("target {target}"));
            }
            let mut routes = Vec::new();
            for rule in file.rules.iter().filter(|r| {
                r.types
                    .as_ref()
                    .is_none_or(|types| types.iter().any(|t| t == name))
            }) {
                routes.push(route(file, rule));
                if rule.when.is_none() {
                    break;
                }
            }
            TypeSheet {
                name: name.clone(),
                description: t.description.clone(),
                facts: facts.join(" · "),
                routes,
            }
        })
        .collect();
    CheatSheet {
        team: file.team.clone(),
        types,
    }
}

/// A serde enum's name, as the file spells it.
fn word(value: &impl Serialize) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

fn route(file: &GuideFile, rule: &RuleEntry) -> Route {
    let mut roster = Vec::new();
    if let Some(consult) = &rule.consult {
        let names: Vec<String> = consult.0.iter().map(|s| who(file, s)).collect();
        roster.push(format!("asks {} first", names.join(" and ")));
    }
    if !rule.agree.is_empty() {
        let names: Vec<String> = rule.agree.iter().map(|s| who(file, s)).collect();
        roster.push(format!("needs the agreement of {}", names.join(" and ")));
    }
    if !rule.inform.is_empty() {
        let names: Vec<String> = rule.inform.iter().map(|s| who(file, s)).collect();
        roster.push(format!("tells {}", names.join(" and ")));
    }
    let check = rule.consensus_check.as_ref().map(|c| {
        let then = match c.on_objection {
            OnObjection::Next => "an objection passes it to the next in line",
            OnObjection::Escalate => "an objection escalates it",
        };
        format!(
            "For {} after it opens, anyone on the roster may object to who decides; {then}.",
            c.window
        )
    });
    let disagreement = rule.disagreement.as_ref();
    let deliberation = disagreement
        .and_then(|d| d.deliberation)
        .unwrap_or(file.settings.deliberation);
    let ends = match disagreement.and_then(|d| d.tiebreaker.as_ref()) {
        None => "the decider decides".to_owned(),
        Some(Tiebreaker::Person(p)) => format!("{p} breaks the tie"),
        Some(Tiebreaker::Role(r)) => format!("{} breaks the tie", role(file, r)),
        Some(Tiebreaker::Rule(rule)) => match rule {
            TieRule::MinimizeRisk => "the option with the lowest stated risk wins",
            TieRule::MostReversible => "the option marked reversible wins",
            TieRule::Majority => "the option most people took wins",
            TieRule::HighestExpertise => {
                "the option of the most expert person who took a position wins"
            }
        }
        .to_owned(),
    };
    let escalation = match &rule.escalate {
        Some(e) => format!(
            "Undecided after {}, it goes to {}.",
            e.after,
            who(file, &e.to)
        ),
        None => "It does not escalate.".to_owned(),
    };
    Route {
        rule: rule.id.clone(),
        when: rule.when.clone(),
        who: who(file, &rule.authority),
        roster,
        check,
        disagreement: format!(
            "Positions are open for {deliberation}; if people still disagree then, {ends}."
        ),
        escalation,
    }
}

/// A selector in words.
fn who(file: &GuideFile, selector: &Selector) -> String {
    match selector {
        Selector::Person(p) => p.clone(),
        Selector::Role(r) => role(file, r),
        Selector::Rotation(r) => format!("whoever is on the {r} rotation"),
        Selector::Expertise(q) => {
            let mut text = format!("the most expert in {} (level {}+", q.domain, q.min_level);
            if q.min_endorsements > 0 {
                text.push_str(&format!(
                    ", endorsed by {} other{}",
                    q.min_endorsements,
                    if q.min_endorsements == 1 { "" } else { "s" }
                ));
            }
            if q.exclude_requester {
                text.push_str(", not the requester");
            }
            text.push(')');
            if let Some(top) = q.top.filter(|t| *t > 1) {
                text = format!("the {top} most expert in {}", q.domain);
            }
            text
        }
        Selector::ManagerOf(_) => "the requester's manager".to_owned(),
        Selector::Requester(_) => "the person asking".to_owned(),
        Selector::AnyOf(list) => {
            let names: Vec<String> = list.iter().map(|s| who(file, s)).collect();
            format!("the first available of {}", names.join(", "))
        }
    }
}

/// A role and who fills it.
fn role(file: &GuideFile, name: &str) -> String {
    match file.roles.get(name) {
        Some(RoleEntry::Person(p)) => format!("the {name} ({p})"),
        Some(RoleEntry::Rotation(r)) => format!("the {name} (whoever is on the {r} rotation)"),
        None => format!("the {name}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sheet() -> CheatSheet {
        let file: GuideFile = crate::yaml::parse("g.yaml", crate::examples::GUIDE).unwrap();
        cheat_sheet(&file)
    }

    #[test]
    fn a_type_lists_the_rules_that_can_route_it_up_to_the_first_unconditional_one() {
        let s = sheet();
        for t in &s.types {
            let Some((_, before)) = t.routes.split_last() else {
                panic!("{} has no route", t.name);
            };
            assert!(
                before.iter().all(|r| r.when.is_some()),
                "{}: only the last route may be unconditional",
                t.name
            );
        }
    }

    #[test]
    fn the_example_guide_reads_in_plain_words() {
        insta::assert_json_snapshot!(sheet());
    }
}
