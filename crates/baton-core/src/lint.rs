//! `baton check` lints: a guide can be valid and still route badly. Each
//! lint is a warning with a stable code, placed at the line it is about.

use std::collections::BTreeSet;

use crate::diagnostic::{Diagnostic, Reporter};
use crate::guide::file::{Impact, RoleEntry, Selector};
use crate::guide::{Guide, Sel};
use crate::guidetest::TestFile;

/// Fewer qualified people than this for a domain a rule needs is a bus factor.
pub const BUS_FACTOR: usize = 2;

/// Every warning for `guide`, in file order within each lint.
pub fn lint(guide: &Guide) -> Vec<Diagnostic> {
    let mut report = Reporter::new(&guide.file_name, &guide.text);
    unroutable_types(guide, &mut report);
    shadowed_rules(guide, &mut report);
    unvalidated_expertise(guide, &mut report);
    bus_factor(guide, &mut report);
    single_member_rotations(guide, &mut report);
    unreachable_people(guide, &mut report);
    report.into_diagnostics()
}

/// Warnings for `ctx` keys a rule reads that no guide test sets: `ctx` is
/// free-form, so a misspelt key (`ctx.urgncy`) type-checks and makes its
/// rule never match; a test that sets the key is what proves it is read
/// right. With no test file, every key read is untested.
pub fn untested_context(guide: &Guide, tests: &[TestFile]) -> Vec<Diagnostic> {
    let set: BTreeSet<&str> = tests
        .iter()
        .flat_map(|file| &file.tests)
        .flat_map(|case| case.request.ctx.keys())
        .map(String::as_str)
        .collect();
    let mut report = Reporter::new(&guide.file_name, &guide.text);
    for (i, rule) in guide.rules.iter().enumerate() {
        let Some(when) = &rule.when else { continue };
        for key in when.ctx_keys() {
            if set.contains(key.as_str()) {
                continue;
            }
            let hint = match crate::spelling::nearest(key, set.iter().copied()) {
                Some(near) => format!("; tests set `ctx.{near}`: is it a typo of that?"),
                None => String::new(),
            };
            report.warn(
                "untested_ctx_key",
                format!("rules[{i}].when"),
                format!(
                    "rule `{}` reads `ctx.{key}`, which no guide test sets{hint}",
                    rule.id
                ),
            );
        }
    }
    report.into_diagnostics()
}

fn unroutable_types(guide: &Guide, report: &mut Reporter<'_>) {
    for name in guide.source.decision_types.keys() {
        if !guide.rules.iter().any(|r| r.applies_to_type(name)) {
            report.warn(
                "unroutable_type",
                format!("decision_types.{name}"),
                format!(
                    "no rule can route decision type `{name}`: requests for it will be `unrouted`"
                ),
            );
        }
    }
}

/// A rule is shadowed when an earlier rule without a condition covers every
/// type it covers: it can never be reached.
fn shadowed_rules(guide: &Guide, report: &mut Reporter<'_>) {
    let rules = &guide.source.rules;
    for (i, later) in rules.iter().enumerate() {
        let shadow = rules.iter().take(i).find(|earlier| {
            earlier.when.is_none()
                && match (&earlier.types, &later.types) {
                    (None, _) => true,
                    (Some(_), None) => false,
                    (Some(e), Some(l)) => l.iter().all(|t| e.contains(t)),
                }
        });
        if let Some(earlier) = shadow {
            report.warn(
                "shadowed_rule",
                format!("rules[{i}].id"),
                format!(
                    "rule `{}` can never match: rule `{}` comes first, has no `when`, and covers all of its types",
                    later.id, earlier.id
                ),
            );
        }
    }
}

fn expertise_queries(selector: &Selector, out: &mut Vec<crate::guide::file::ExpertiseQuery>) {
    match selector {
        Selector::Expertise(q) => out.push(q.clone()),
        Selector::AnyOf(list) => list.iter().for_each(|s| expertise_queries(s, out)),
        _ => {}
    }
}

/// Expertise authority on a high-impact type with `min_endorsements: 0`:
/// self-declared claims alone would grant authority.
fn unvalidated_expertise(guide: &Guide, report: &mut Reporter<'_>) {
    for (i, rule) in guide.source.rules.iter().enumerate() {
        let mut queries = Vec::new();
        expertise_queries(&rule.authority, &mut queries);
        if !queries.iter().any(|q| q.min_endorsements == 0) {
            continue;
        }
        let high: Vec<&str> = guide
            .source
            .decision_types
            .iter()
            .filter(|(name, t)| {
                t.impact == Impact::High && rule.types.as_ref().is_none_or(|ts| ts.contains(name))
            })
            .map(|(name, _)| name.as_str())
            .collect();
        if !high.is_empty() {
            report.warn(
                "unvalidated_expertise",
                format!("rules[{i}].authority"),
                format!(
                    "rule `{}` grants authority on high-impact {} by claimed expertise alone: set `min_endorsements` to at least 1",
                    rule.id,
                    high.join(", ")
                ),
            );
        }
    }
}

fn bus_factor(guide: &Guide, report: &mut Reporter<'_>) {
    for (i, rule) in guide.rules.iter().enumerate() {
        let mut seen = BTreeSet::new();
        rule.authority.walk(&mut |s| {
            if let Sel::Expertise { index, .. } = s
                && let Some(ix) = guide.expertise.get(*index)
                    && ix.ranked.len() < BUS_FACTOR && seen.insert(*index) {
                        let who: Vec<&str> = ix.ranked.iter().map(|q| guide.directory.id(q.pid)).collect();
                        report.warn(
                            "bus_factor",
                            format!("rules[{i}].authority"),
                            format!(
                                "rule `{}` needs `{}` at level {}+ but only {} qualif{} ({}): one absence leaves nobody",
                                rule.id,
                                ix.domain,
                                ix.min_level,
                                ix.ranked.len(),
                                if ix.ranked.len() == 1 { "ies" } else { "y" },
                                if who.is_empty() { "nobody".to_owned() } else { who.join(", ") }
                            ),
                        );
                    }
        });
    }
}

fn single_member_rotations(guide: &Guide, report: &mut Reporter<'_>) {
    for (name, r) in &guide.source.rotations {
        if r.members.len() == 1 {
            report.warn(
                "single_member_rotation",
                format!("rotations.{name}.members"),
                format!("rotation `{name}` has one member: it never rotates; use a role with `person` instead"),
            );
        }
    }
}

/// Team members whom no selector of the guide can ever name: the guide gives
/// them no part in any decision (the `requester` selector, which names
/// anyone, does not count).
fn unreachable_people(guide: &Guide, report: &mut Reporter<'_>) {
    let dir = &guide.directory;
    let mut reached = BTreeSet::new();
    for role in guide.source.roles.values() {
        if let RoleEntry::Person(p) = role {
            reached.insert(p.as_str());
        }
    }
    for r in guide.source.rotations.values() {
        reached.extend(r.members.iter().map(String::as_str));
        reached.extend(r.overrides.iter().map(|o| o.person.as_str()));
    }
    for rule in &guide.source.rules {
        if let Some(crate::guide::file::Tiebreaker::Person(p)) = rule
            .disagreement
            .as_ref()
            .and_then(|d| d.tiebreaker.as_ref())
        {
            reached.insert(p.as_str());
        }
    }
    let mut uses_managers = false;
    for rule in &guide.rules {
        let selectors = std::iter::once(&rule.authority)
            .chain(&rule.consult)
            .chain(&rule.agree)
            .chain(&rule.inform)
            .chain(rule.escalate.as_ref().map(|(_, s)| s));
        for sel in selectors {
            sel.walk(&mut |s| match s {
                Sel::Person(p) => {
                    reached.insert(dir.id(*p));
                }
                Sel::Expertise { index, .. } => {
                    if let Some(ix) = guide.expertise.get(*index) {
                        reached.extend(ix.ranked.iter().map(|q| dir.id(q.pid)));
                    }
                }
                Sel::ManagerOfRequester => uses_managers = true,
                _ => {}
            });
        }
    }
    for (pid, person) in dir.people() {
        let in_team = person.teams.contains(&guide.team);
        let is_manager = uses_managers && person.has_reports;
        if in_team && !is_manager && !reached.contains(dir.id(pid)) {
            report.warn(
                "unreachable_person",
                "team",
                format!(
                    "`{}` is in team `{}` but no rule, role or rotation of this guide can name them",
                    person.id, guide.team
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use crate::org::Directory;

    const ORG: &str = "people:
  - {id: kim, name: Kim, teams: [core], expertise: {db: 4, sec: 5}}
  - {id: raj, name: Raj, teams: [core], expertise: {db: 4}}
  - {id: idle, name: Idle, teams: [core]}
  - {id: other, name: Other, teams: [web]}
";

    fn codes(body: &str) -> Vec<(&'static str, String)> {
        let text = format!(
            "version: 1\nteam: core\ndecision_types:\n  design: {{domains: [db], impact: high}}\n  chore: {{domains: []}}\n{body}"
        );
        let dir = Arc::new(Directory::load("org.yaml", ORG).unwrap());
        let guide = crate::compile_guide("g.yaml", &text, dir).unwrap_or_else(|e| panic!("{e}"));
        super::lint(&guide)
            .into_iter()
            .map(|d| (d.code, d.message))
            .collect()
    }

    #[track_caller]
    fn check(body: &str, code: &str, needle: &str) {
        let found = codes(body);
        assert!(
            found.iter().any(|(c, m)| *c == code && m.contains(needle)),
            "expected {code} mentioning {needle:?}, got {found:#?}"
        );
    }

    #[track_caller]
    fn check_absent(body: &str, code: &str) {
        let found = codes(body);
        assert!(
            !found.iter().any(|(c, _)| *c == code),
            "unexpected {code}: {found:#?}"
        );
    }

    const BOTH: &str =
        "  - {id: all, authority: {any_of: [{person: kim}, {person: raj}, {person: idle}]}}\n";

    #[test]
    fn types_no_rule_can_route_are_flagged() {
        check(
            "rules:\n  - {id: d, types: [design], authority: {any_of: [{person: kim}, {person: raj}, {person: idle}]}}\n",
            "unroutable_type",
            "`chore`",
        );
        check_absent(&format!("rules:\n{BOTH}"), "unroutable_type");
    }

    #[test]
    fn rules_behind_an_unconditional_catch_all_are_shadowed() {
        check(
            &format!(
                "rules:\n{BOTH}  - {{id: late, types: [design], authority: {{person: kim}}}}\n"
            ),
            "shadowed_rule",
            "`late` can never match",
        );
        check_absent(
            &format!("rules:\n  - {{id: c, when: 'true', authority: {{person: kim}}}}\n{BOTH}"),
            "shadowed_rule",
        );
    }

    #[test]
    fn claims_alone_on_high_impact_types_are_flagged() {
        check(
            &format!(
                "rules:\n  - {{id: e, types: [design], authority: {{expertise: {{domain: db}}}}}}\n{BOTH}"
            ),
            "unvalidated_expertise",
            "design",
        );
        check_absent(
            &format!(
                "rules:\n  - {{id: e, types: [chore], authority: {{expertise: {{domain: db}}}}}}\n{BOTH}"
            ),
            "unvalidated_expertise",
        );
    }

    #[test]
    fn domains_with_fewer_than_two_qualified_people_are_a_bus_factor() {
        check(
            &format!(
                "rules:\n  - {{id: s, authority: {{expertise: {{domain: sec, min_level: 3}}}}}}\n{BOTH}"
            ),
            "bus_factor",
            "only 1 qualifies (kim)",
        );
        check_absent(
            &format!(
                "rules:\n  - {{id: s, authority: {{expertise: {{domain: db, min_level: 3}}}}}}\n{BOTH}"
            ),
            "bus_factor",
        );
    }

    #[test]
    fn single_member_rotations_are_flagged() {
        check(
            &format!(
                "rotations:\n  duty: {{members: [kim], start: 2026-01-01T00:00:00Z, every: 1w}}\nrules:\n{BOTH}"
            ),
            "single_member_rotation",
            "`duty`",
        );
    }

    #[test]
    fn ctx_keys_no_guide_test_sets_are_flagged() {
        let text = format!(
            "version: 1\nteam: core\ndecision_types:\n  chore: {{domains: []}}\nrules:\n  - {{id: hot, when: 'ctx.urgncy == \"high\" && ctx.risk != \"low\"', authority: {{person: kim}}}}\n{BOTH}"
        );
        let dir = Arc::new(Directory::load("org.yaml", ORG).unwrap());
        let guide = crate::compile_guide("g.yaml", &text, dir).unwrap();
        let tests = crate::guidetest::load(
            "t.yaml",
            "tests:\n  - {name: a, request: {type: chore, at: 2026-01-01T00:00:00Z, ctx: {urgency: high, risk: low}}, expect: {decider: kim}}\n",
        )
        .unwrap();
        let found = super::untested_context(&guide, std::slice::from_ref(&tests));
        assert_eq!(found.len(), 1, "{found:#?}");
        assert_eq!(found[0].code, "untested_ctx_key");
        assert_eq!(found[0].path, "rules[0].when");
        assert!(
            found[0].message.contains("`ctx.urgncy`")
                && found[0].message.contains("is it a typo of that?"),
            "{}",
            found[0].message
        );
        let untested = super::untested_context(&guide, &[]);
        assert_eq!(untested.len(), 2, "{untested:#?}");
    }

    #[test]
    fn team_members_no_rule_can_name_are_flagged() {
        check(
            "rules:\n  - {id: all, authority: {any_of: [{person: kim}, {person: raj}]}}\n",
            "unreachable_person",
            "`idle`",
        );
        check_absent(&format!("rules:\n{BOTH}"), "unreachable_person");
    }
}
