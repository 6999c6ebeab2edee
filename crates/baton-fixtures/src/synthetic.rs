//! Synthetic organisations and guides of any size, for benchmarks, load
//! tests and demos. Deterministic: the same [`Shape`] always gives the same
//! bytes, so benchmark runs compare like with like.

use std::fmt::Write as _;

use chrono::{DateTime, TimeDelta, Utc};

use baton_core::resolve::{OrgState, Request};

/// How big the generated org and guide are.
#[derive(Clone, Copy, Debug)]
pub struct Shape {
    pub people: usize,
    pub domains: usize,
    pub rules: usize,
    pub rotations: usize,
    pub seed: u64,
}

impl Shape {
    /// The mid-size case: a 20-rule guide over 1,000 people.
    pub const MEDIUM: Shape = Shape {
        people: 1_000,
        domains: 10,
        rules: 20,
        rotations: 3,
        seed: 7,
    };
    /// The large case: 100,000 people, 50 domains, 200 rules, 20 rotations.
    pub const LARGE: Shape = Shape {
        people: 100_000,
        domains: 50,
        rules: 200,
        rotations: 20,
        seed: 11,
    };

    /// Decision types: one per two rules, at least one.
    pub fn types(&self) -> usize {
        (self.rules / 2).max(1)
    }
}

use crate::splitmix::SplitMix as Rng;

pub fn person_id(i: usize) -> String {
    format!("p{i:06}")
}

fn domain(i: usize) -> String {
    format!("d{i:02}")
}

fn type_name(i: usize) -> String {
    format!("t{i:03}")
}

/// The generated `org.yaml`: a management tree ten wide, one to three claims
/// a person, endorsements from random colleagues.
pub fn org_yaml(shape: Shape) -> String {
    let mut rng = Rng(shape.seed);
    let mut out = String::with_capacity(shape.people * 160);
    out.push_str("people:\n");
    let mut claims: Vec<(usize, usize, u8)> = Vec::new();
    for i in 0..shape.people {
        let rank = match rng.below(100) {
            0 => 5,
            1..=4 => 4,
            r => (r % 4) as i64,
        };
        let _ = write!(
            out,
            "  - {{id: {}, name: Person {i}, rank: {rank}",
            person_id(i)
        );
        if i > 0 {
            let _ = write!(out, ", manager: {}", person_id((i - 1) / 10));
        } else {
            // The guide is the `synthetic` team's, which needs a member.
            out.push_str(", teams: [synthetic]");
        }
        if rng.chance(30) {
            let _ = write!(out, ", max_load: {}", 3 + rng.below(4));
        }
        if rng.chance(2) {
            let day = 1 + rng.below(27);
            let _ = write!(
                out,
                ", unavailable: [{{from: 2026-03-{day:02}T00:00:00Z, to: 2026-04-{day:02}T00:00:00Z}}]"
            );
        }
        let n = 1 + rng.below(3);
        let mut ds: Vec<usize> = (0..n).map(|_| rng.below(shape.domains)).collect();
        ds.sort_unstable();
        ds.dedup();
        out.push_str(", expertise: {");
        for (j, d) in ds.iter().enumerate() {
            let level = 1 + rng.below(5) as u8;
            if j > 0 {
                out.push_str(", ");
            }
            let _ = write!(out, "{}: {level}", domain(*d));
            claims.push((i, *d, level));
        }
        out.push_str("}}\n");
    }
    out.push_str("endorsements:\n");
    for (person, d, level) in claims {
        for _ in 0..rng.below(3) {
            let by = rng.below(shape.people);
            if by != person {
                let endorsed = level.saturating_sub(rng.below(2) as u8).max(1);
                let _ = writeln!(
                    out,
                    "  - {{by: {}, of: {}, domain: {}, level: {endorsed}}}",
                    person_id(by),
                    person_id(person),
                    domain(d)
                );
            }
        }
    }
    out
}

/// The generated `deference.yaml`: mostly expertise rules, with rotations,
/// situational conditions, hierarchy and a catch-all, like a real guide.
pub fn guide_yaml(shape: Shape) -> String {
    let mut rng = Rng(shape.seed ^ 0xA5A5);
    let mut out = String::from("version: 1\nteam: synthetic\nroles:\n  head: {person: p000000}\n");
    out.push_str("rotations:\n");
    for r in 0..shape.rotations {
        let size = 4 + rng.below(5);
        let members: Vec<String> = (0..size)
            .map(|_| person_id(rng.below(shape.people)))
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        let _ = writeln!(
            out,
            "  r{r:02}: {{members: [{}], start: 2026-01-05T09:00:00, tz: Europe/Berlin, every: {}w, skip_unavailable: true}}",
            members.join(", "),
            1 + r % 2
        );
    }
    out.push_str("decision_types:\n");
    for t in 0..shape.types() {
        let impact = ["low", "medium", "high"][t % 3];
        let _ = writeln!(
            out,
            "  {}: {{domains: [{}, {}], impact: {impact}, reversible: {}, target: 48h}}",
            type_name(t),
            domain(t % shape.domains),
            domain((t * 7 + 3) % shape.domains),
            t % 4 == 0
        );
    }
    out.push_str("rules:\n");
    for i in 0..shape.rules.saturating_sub(1) {
        let t = type_name(i % shape.types());
        let d = domain((i / 2) % shape.domains);
        let _ = match i % 10 {
            0 => writeln!(
                out,
                "  - {{id: rule{i:03}, when: 'ctx.urgency == \"critical\"', types: [{t}], authority: {{rotation: r{:02}}}, framework: situational}}",
                i % shape.rotations.max(1)
            ),
            1 | 2 => writeln!(
                out,
                "  - {{id: rule{i:03}, types: [{t}], authority: {{rotation: r{:02}}}, consult: {{expertise: {{domain: {d}, top: 2}}}}}}",
                i % shape.rotations.max(1)
            ),
            3 => writeln!(
                out,
                "  - {{id: rule{i:03}, types: [{t}], when: 'ctx.rows > 1000000 || requester.rank >= 4', authority: {{manager_of: requester}}}}"
            ),
            4 => writeln!(
                out,
                "  - {{id: rule{i:03}, types: [{t}], authority: {{any_of: [{{expertise: {{domain: {d}, min_level: 4, min_endorsements: 1, top: 3}}}}, {{role: head}}]}}}}"
            ),
            _ => writeln!(
                out,
                "  - {{id: rule{i:03}, types: [{t}], authority: {{expertise: {{domain: {d}, min_level: 3, min_endorsements: 1}}}}, spread: {{max_share: 0.5, window: 30d}}, consult: {{expertise: {{domain: {d}, top: 2}}}}, agree: [{{role: head}}], escalate: {{after: 72h, to: {{manager_of: requester}}}}, disagreement: {{tiebreaker: {{rule: highest-expertise}}}}}}"
            ),
        };
    }
    out.push_str("  - {id: fallback, authority: {manager_of: requester}}\n");
    out
}

/// `n` requests spread over the types, requesters and spring 2026.
pub fn requests(shape: Shape, n: usize) -> Vec<Request> {
    let mut rng = Rng(shape.seed ^ 0x5A5A);
    let start = DateTime::parse_from_rfc3339("2026-02-01T00:00:00Z")
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_default();
    (0..n)
        .map(|_| {
            let urgency = if rng.chance(10) { "critical" } else { "normal" };
            Request {
                decision_type: type_name(rng.below(shape.types())),
                title: "synthetic".into(),
                context: serde_json::json!({"urgency": urgency, "rows": rng.below(2_000_000)}),
                requester: Some(person_id(rng.below(shape.people))),
                at: start + TimeDelta::minutes(rng.below(120 * 24 * 60) as i64),
            }
        })
        .collect()
}

/// Org state with a realistic sprinkling of load and history: one person in
/// a hundred has open decisions or a track record.
pub fn state(shape: Shape) -> OrgState {
    let mut rng = Rng(shape.seed ^ 0x3C3C);
    let mut state = OrgState::default();
    for _ in 0..shape.people / 100 {
        state
            .load
            .insert(person_id(rng.below(shape.people)), 1 + rng.below(4) as u32);
        let record = baton_core::resolve::Outcomes {
            success: rng.below(6) as f64,
            failure: rng.below(3) as f64,
        };
        let person = person_id(rng.below(shape.people));
        state.record(&person, &domain(rng.below(shape.domains)), record);
    }
    state
}

/// The same directory as [`org_yaml`], written as JSON — the form an HR
/// export takes, and the fast path for very large directories.
pub fn org_json(shape: Shape) -> String {
    let text = org_yaml(shape);
    serde_saphyr::from_str::<baton_core::org::OrgFile>(&text)
        .ok()
        .and_then(|org| serde_json::to_string(&org).ok())
        .unwrap_or_default()
}
