use super::*;

fn load(text: &str) -> Result<Directory, LoadErrors> {
    Directory::load("org.yaml", text)
}

#[track_caller]
fn check_error(text: &str, line: u64, needle: &str) {
    let err = load(text).expect_err("should not load");
    let found = err.0.iter().find(|d| d.message.contains(needle));
    let d = found.unwrap_or_else(|| panic!("no error mentions {needle:?}: {err}"));
    assert_eq!(d.line, Some(line), "{d}");
}

#[test]
fn the_example_directory_loads() {
    let dir = load(crate::examples::ORG).unwrap();
    assert_eq!(dir.len(), 10);
    assert!(dir.find("kim").is_some());
}

#[test]
fn people_are_indexed_in_id_order() {
    let dir = load("people:\n  - {id: zed, name: Z}\n  - {id: amy, name: A}\n").unwrap();
    let ids: Vec<&str> = dir.people().map(|(_, p)| p.id.as_str()).collect();
    assert_eq!(ids, ["amy", "zed"]);
}

#[test]
fn unknown_keys_are_errors_with_their_line() {
    check_error(
        "people:\n  - id: kim\n    name: Kim\n    rnak: 2\n",
        4,
        "unknown field `rnak`",
    );
}

#[test]
fn a_missing_name_is_an_error() {
    check_error("people:\n  - id: kim\n", 2, "missing field `name`");
}

#[test]
fn duplicate_ids_are_errors() {
    check_error(
        "people:\n  - {id: kim, name: A}\n  - {id: kim, name: B}\n",
        3,
        "listed twice",
    );
}

#[test]
fn ids_must_be_slugs() {
    check_error("people:\n  - {id: Kim, name: A}\n", 2, "not a valid id");
}

#[test]
fn an_unknown_manager_is_an_error_at_the_manager() {
    check_error(
        "people:\n  - id: kim\n    name: K\n    manager: nobody\n",
        4,
        "manager `nobody`",
    );
}

#[test]
fn manager_cycles_are_errors() {
    let text = "people:\n  - {id: a, name: A, manager: b}\n  - {id: b, name: B, manager: c}\n  - {id: c, name: C, manager: a}\n";
    let err = load(text).unwrap_err();
    assert_eq!(err.0.len(), 1, "one cycle, one error: {err}");
    assert!(
        err.0[0].message.contains("manager cycle: a → b → c → a"),
        "{err}"
    );
}

#[test]
fn being_ones_own_manager_is_an_error() {
    check_error(
        "people:\n  - {id: a, name: A, manager: a}\n",
        2,
        "their own manager",
    );
}

#[test]
fn self_endorsement_is_rejected() {
    let text = "people:\n  - {id: a, name: A, expertise: {db: 3}}\nendorsements:\n  - {by: a, of: a, domain: db, level: 3}\n";
    check_error(text, 4, "cannot endorse themselves");
}

#[test]
fn levels_above_five_are_rejected() {
    check_error(
        "people:\n  - {id: a, name: A, expertise: {db: 6}}\n",
        2,
        "out of range",
    );
    let text = "people:\n  - {id: a, name: A}\n  - {id: b, name: B}\nendorsements:\n  - {by: a, of: b, domain: db, level: 9}\n";
    check_error(text, 5, "out of range");
}

#[test]
fn windows_must_end_after_they_start() {
    let text = "people:\n  - id: a\n    name: A\n    unavailable:\n      - {from: 2026-02-01T00:00:00Z, to: 2026-01-01T00:00:00Z}\n";
    check_error(text, 5, "ends");
}

#[test]
fn every_problem_is_reported_not_only_the_first() {
    let text = "people:\n  - {id: a, name: A, manager: x}\n  - {id: b, name: B, manager: y}\n";
    assert_eq!(load(text).unwrap_err().0.len(), 2);
}

#[test]
fn anyone_with_a_report_is_a_leader_whatever_the_rank() {
    let dir =
        load("people:\n  - {id: boss, name: B, rank: 1}\n  - {id: dev, name: D, manager: boss}\n")
            .unwrap();
    assert!(dir.is_leader(dir.find("boss").unwrap(), 4));
    assert!(!dir.is_leader(dir.find("dev").unwrap(), 4));
}

mod validated_level {
    use super::*;

    const ORG: &str = "people:
  - {id: p, name: P, expertise: {db: 5}}
  - {id: a, name: A}
  - {id: b, name: B}
  - {id: c, name: C}
endorsements:
  - {by: a, of: p, domain: db, level: 4}
  - {by: b, of: p, domain: db, level: 3}
  - {by: b, of: p, domain: db, level: 2}
  - {by: c, of: p, domain: web, level: 5}
";

    #[track_caller]
    fn check(min_endorsements: u32, expected: Option<(u8, u32)>) {
        let dir = load(ORG).unwrap();
        let p = dir.find("p").unwrap();
        assert_eq!(dir.validated_level(p, "db", min_endorsements), expected);
    }

    #[test]
    fn without_required_endorsements_the_claim_stands() {
        check(0, Some((5, 2)));
    }

    #[test]
    fn the_kth_highest_endorsement_caps_the_claim() {
        check(1, Some((4, 2)));
        check(2, Some((3, 2)));
    }

    #[test]
    fn too_few_endorsements_means_not_qualified() {
        check(3, None);
    }

    #[test]
    fn endorsements_in_other_domains_do_not_count() {
        let dir = load(ORG).unwrap();
        assert_eq!(dir.endorsed_levels(dir.find("p").unwrap(), "web"), &[5]);
        assert_eq!(dir.endorsed_levels(dir.find("p").unwrap(), "db"), &[4, 3]);
    }
}
