//! Guide validation: every error is placed and says what was expected.

use std::sync::Arc;

use crate::diagnostic::LoadErrors;
use crate::org::Directory;

const ORG: &str = "people:\n  - {id: kim, name: Kim, expertise: {db: 4}}\n  - {id: raj, name: Raj, teams: [core]}\n";

fn compile(guide: &str) -> Result<super::Guide, LoadErrors> {
    let dir = Arc::new(Directory::load("org.yaml", ORG).unwrap());
    super::compile("deference.yaml", guide, dir)
}

const HEAD: &str = "version: 1\nteam: core\ndecision_types:\n  design: {domains: [db]}\n";

/// Compiles HEAD + `body` and checks that an error containing `needle` is
/// reported at `line` (1-based, counted in the whole file).
#[track_caller]
fn check_error(body: &str, line: u64, needle: &str) {
    let text = format!("{HEAD}{body}");
    let err = compile(&text).expect_err("should not compile");
    let d = err
        .0
        .iter()
        .find(|d| d.message.contains(needle))
        .unwrap_or_else(|| panic!("no error mentions {needle:?}: {err}"));
    assert_eq!(d.line, Some(line), "{d}");
}

#[test]
fn a_minimal_guide_compiles() {
    let g = compile(&format!(
        "{HEAD}rules:\n  - {{id: r, authority: {{person: kim}}}}\n"
    ))
    .unwrap();
    assert_eq!(g.rules.len(), 1);
    assert!(g.version.starts_with("sha256:") && g.version.len() == 7 + 64);
}

#[test]
fn the_version_is_the_digest_of_the_bytes() {
    let a = compile(&format!("{HEAD}rules: []\n")).unwrap();
    let b = compile(&format!("{HEAD}rules: [] # comment\n")).unwrap();
    assert_ne!(a.version, b.version);
}

#[test]
fn unknown_keys_in_rules_are_errors() {
    check_error(
        "rules:\n  - id: r\n    authority: {person: kim}\n    framwork: expertise\n",
        8,
        "unknown field `framwork`",
    );
}

#[test]
fn a_selector_with_an_unknown_kind_is_an_error() {
    check_error(
        "rules:\n  - id: r\n    authority: {persn: kim}\n",
        7,
        "persn",
    );
}

#[test]
fn references_must_resolve() {
    check_error(
        "rules:\n  - {id: r, authority: {person: zoe}}\n",
        6,
        "person `zoe` is not in the directory",
    );
    check_error(
        "rules:\n  - {id: r, authority: {role: boss}}\n",
        6,
        "role `boss` is not defined",
    );
    check_error(
        "rules:\n  - {id: r, authority: {rotation: duty}}\n",
        6,
        "rotation `duty` is not defined",
    );
    check_error(
        "rules:\n  - {id: r, types: [design, budget], authority: {person: kim}}\n",
        6,
        "decision type `budget` is not defined",
    );
    check_error("roles:\n  boss: {person: zoe}\n", 6, "role holder `zoe`");
}

#[test]
fn rule_ids_are_unique() {
    check_error(
        "rules:\n  - {id: r, authority: {person: kim}}\n  - {id: r, authority: {person: raj}}\n",
        7,
        "used twice",
    );
}

#[test]
fn when_is_compiled_at_load_with_its_position() {
    check_error(
        "rules:\n  - id: r\n    when: ctx.a ==\n    authority: {person: kim}\n",
        7,
        "not valid CEL",
    );
    check_error(
        "rules:\n  - id: r\n    when: cxt.a == 1\n    authority: {person: kim}\n",
        7,
        "`cxt`",
    );
}

#[test]
fn a_pathological_when_is_refused_at_load() {
    let deep = format!("{}true{}", "(".repeat(200), ")".repeat(200));
    check_error(
        &format!("rules:\n  - id: r\n    when: '{deep}'\n    authority: {{person: kim}}\n"),
        7,
        "too complex",
    );
}

#[test]
fn durations_are_validated() {
    check_error(
        "rules:\n  - id: r\n    authority: {person: kim}\n    escalate: {after: soon, to: {person: raj}}\n",
        8,
        "`soon` is not a duration",
    );
}

#[test]
fn rotations_are_validated() {
    let base = "rotations:\n  duty:\n    members: [kim, raj]\n    start: 2026-01-01T00:00:00Z\n";
    check_error(
        &format!("{base}    every: 1w\n    tz: Mars/Base\n"),
        10,
        "not an IANA time zone",
    );
    check_error(
        &format!("{base}    every: 1w\n    rrule: FREQ=DAILY\n"),
        7,
        "exactly one of",
    );
    check_error(
        &format!("{base}    rrule: FREQ=SOMETIMES\n"),
        9,
        "not a valid RFC 5545",
    );
    check_error(
        "rotations:\n  duty:\n    members: [kim, kim]\n    start: 2026-01-01T00:00:00Z\n    every: 1w\n",
        7,
        "listed twice",
    );
    check_error(
        "rotations:\n  duty:\n    members: [kim]\n    start: yesterday\n    every: 1w\n",
        8,
        "not a start time",
    );
}

#[test]
fn requester_false_and_empty_any_of_are_refused() {
    check_error(
        "rules:\n  - {id: r, authority: {requester: false}}\n",
        6,
        "must be `true`",
    );
    check_error(
        "rules:\n  - {id: r, authority: {any_of: []}}\n",
        6,
        "at least one selector",
    );
}

#[test]
fn out_of_range_numbers_are_refused() {
    check_error(
        "rules:\n  - {id: r, authority: {expertise: {domain: db, min_level: 9}}}\n",
        6,
        "min_level 9",
    );
    check_error(
        "rules:\n  - {id: r, authority: {person: kim}, spread: {max_share: 1.5, window: 30d}}\n",
        6,
        "max_share 1.5",
    );
}

#[test]
fn unsupported_versions_are_refused() {
    let err = compile("version: 2\nteam: core\n").unwrap_err();
    assert!(
        err.0[0].message.contains("version 2 is not supported"),
        "{err}"
    );
}

#[test]
fn the_framework_of_imported_decisions_is_not_for_guides() {
    check_error(
        "rules:\n  - id: r\n    authority: {person: kim}\n    framework: unknown\n",
        8,
        "only for imported decisions",
    );
}

#[test]
fn a_guide_for_a_team_nobody_is_in_is_refused() {
    let err = compile("version: 1\nteam: platfrom\nrules: []\n").unwrap_err();
    let d = &err.0[0];
    assert_eq!(d.path, "team", "{err}");
    assert!(
        d.message.contains(
            "team `platfrom` has no members: no one in the directory lists it in `teams`"
        ),
        "{err}"
    );
}

#[test]
fn the_synthetic_org_and_guide_of_the_benches_compile() {
    use baton_fixtures::synthetic::{self, Shape};
    let dir = Directory::load("org.yaml", &synthetic::org_yaml(Shape::MEDIUM)).unwrap();
    let guide = synthetic::guide_yaml(Shape::MEDIUM);
    super::compile("deference.yaml", &guide, Arc::new(dir)).unwrap_or_else(|e| panic!("{e}"));
}

/// A `when` error points at the character it is about, in the file, when
/// the expression is written on one line, plain or quoted.
#[test]
fn a_when_error_is_placed_on_its_character() {
    let column = |rule: &str| {
        let err = compile(&format!("{HEAD}rules:\n{rule}")).expect_err("should not compile");
        (err.0[0].line, err.0[0].column)
    };
    // `>` is the 15th character of the expression.
    assert_eq!(
        column("  - id: r\n    when: decision.type > 3\n    authority: {person: kim}\n"),
        (Some(7), Some(11 + 14))
    );
    assert_eq!(
        column("  - {id: r, when: 'decision.type > 3', authority: {person: kim}}\n"),
        (Some(6), Some(19 + 1 + 14))
    );
    // A string literal before the error does not stop it being placed.
    assert_eq!(
        column(
            "  - id: r\n    when: ctx.a == \"x\" && decision.type > 3\n    authority: {person: kim}\n"
        ),
        (Some(7), Some(11 + 30))
    );
    // A syntax error too: `)` is the 10th character.
    assert_eq!(
        column("  - id: r\n    when: ctx.a == )\n    authority: {person: kim}\n"),
        (Some(7), Some(11 + 9))
    );
    // Folded over two lines, it is placed where the expression starts.
    assert_eq!(
        column(
            "  - id: r\n    when: >-\n      decision.type\n      > 3\n    authority: {person: kim}\n"
        ),
        (Some(8), Some(7))
    );
}
