use super::*;
use crate::analytics::{
    AuditMatrix, AuditRow, Available, Directories, Judge, Known, Observed, PainKind, Scope, Window,
};
use crate::lifecycle::OutcomeResult::{Failure, Success};

/// Two weeks of March 2026.
fn fortnight() -> Window {
    Window {
        from: day(0),
        to: day(14),
    }
}

fn matrix(log: &[Decision], text: &str, available: Available) -> AuditMatrix {
    let g = guide_from(text);
    let directories = Directories::single(Arc::clone(&g.directory));
    let facts = crate::analytics::Facts::of(log, &Judge::new(&directories, &[&g]));
    crate::analytics::audit_matrix(
        &facts,
        Some(&[&g.source]),
        available,
        Scope::Team("core"),
        fortnight(),
    )
}

#[track_caller]
fn row<'a>(m: &'a AuditMatrix, ty: &str) -> &'a AuditRow {
    m.rows
        .iter()
        .find(|r| r.decision_type == ty)
        .unwrap_or_else(|| panic!("no row for {ty}: {m:#?}"))
}

fn kinds(r: &AuditRow) -> Vec<PainKind> {
    r.flags.iter().map(|f| f.kind).collect()
}

const DECLARED: &str = "version: 1
team: core
settings:
  watch: {max_share: 0.6}
decision_types:
  design: {domains: [db], impact: high, frequency: monthly, target: 24h}
  chore: {domains: [], frequency: daily}
  unused: {domains: [], frequency: weekly}
rules:
  - id: design-by-expertise
    types: [design]
    authority: {expertise: {domain: db, min_level: 4, min_endorsements: 1}}
  - {id: by-manager, authority: {manager_of: requester}}
";

/// Six designs, mostly kim's, slow, escalated, failing; two chores.
fn staged() -> Vec<Decision> {
    let mut log: Vec<Decision> = (1..=6)
        .map(|i| {
            let d = opened(i, "design", "kim", day(i)).decided(hours(30));
            let d = if i <= 2 { d.escalated() } else { d };
            let d = if i == 6 { d.by("boss") } else { d };
            d.outcome(if i <= 4 { Failure } else { Success }, day(i + 2))
        })
        .collect();
    log.push(opened(7, "chore", "mgr", day(1)).decided(hours(1)));
    log.push(opened(8, "chore", "mgr", day(8)));
    log
}

#[test]
fn a_row_counts_times_deciders_and_shares_of_its_type() {
    let m = matrix(&staged(), DECLARED, Available::ALL);
    let design = row(&m, "design");
    assert_eq!((design.count, design.decided.get()), (6, Some(&6)));
    assert_eq!(design.median_seconds, Known::Known(Some(30.0 * 3600.0)));
    assert_eq!(design.p90_seconds, Known::Known(Some(30 * 3600)));
    let top = design.top_deciders.get().unwrap();
    assert_eq!((top[0].person.as_str(), top[0].decided), ("kim", 5));
    assert_eq!((top[1].person.as_str(), top[1].decided), ("boss", 1));
    // boss leads by rank.
    assert_eq!(design.leader_share, Known::Known(Some(1.0 / 6.0)));
    assert_eq!(design.escalation_rate, Known::Known(Some(2.0 / 6.0)));
    assert_eq!(design.outcome_quality.get().unwrap().rate, Some(2.0 / 6.0));
    assert_eq!(
        design.impact,
        Known::Known(crate::guide::file::Impact::High)
    );
    assert_eq!(design.target_seconds, Known::Known(Some(24 * 3600)));
}

#[test]
fn every_pain_is_flagged_with_its_threshold() {
    let m = matrix(&staged(), DECLARED, Available::ALL);
    // 30h > 24h; 33% > 20%; 0.33 over 6 outcomes < 0.5; kim 83% > 60%;
    // six in two weeks is every 2.3 days: daily, declared monthly.
    assert_eq!(
        kinds(row(&m, "design")),
        [
            PainKind::Slow,
            PainKind::Escalations,
            PainKind::PoorOutcomes,
            PainKind::Concentrated,
            PainKind::Frequency,
        ]
    );
    assert_eq!(row(&m, "design").observed_frequency, Some(Observed::Daily));
    // Two chores in fourteen days: weekly, declared daily; one person
    // decided the one decided (100% > 60%).
    let chore = row(&m, "chore");
    assert_eq!(kinds(chore), [PainKind::Concentrated, PainKind::Frequency]);
}

#[test]
fn quality_below_half_needs_five_outcomes_and_a_declared_type_without_decisions_has_a_row() {
    let log: Vec<Decision> = staged().into_iter().filter(|d| d.id.get() != 4).collect();
    let m = matrix(&log, DECLARED, Available::ALL);
    // Three failures of five outcomes is still below half...
    assert!(kinds(row(&m, "design")).contains(&PainKind::PoorOutcomes));
    let log: Vec<Decision> = staged().into_iter().filter(|d| d.id.get() > 2).collect();
    let m = matrix(&log, DECLARED, Available::ALL);
    // ...two failures of four outcomes is too few to say.
    assert!(!kinds(row(&m, "design")).contains(&PainKind::PoorOutcomes));
    let unused = row(&m, "unused");
    assert_eq!((unused.count, unused.observed_frequency), (0, None));
    assert!(unused.flags.is_empty());
}

#[test]
fn what_the_source_lacks_is_unknown_and_raises_no_pain() {
    let lacking = Available {
        decided_at: true,
        decider: false,
        escalated: false,
        outcome: false,
        directory: false,
    };
    let m = matrix(&staged(), DECLARED, lacking);
    let design = row(&m, "design");
    assert_eq!(design.top_deciders, Known::unknown());
    assert_eq!(design.leader_share, Known::unknown());
    assert_eq!(design.escalation_rate, Known::unknown());
    assert_eq!(design.outcome_quality, Known::unknown());
    assert_eq!(kinds(design), [PainKind::Slow, PainKind::Frequency]);
    let json = serde_json::to_value(design).unwrap();
    assert_eq!(json["escalation_rate"], "unknown");
}
