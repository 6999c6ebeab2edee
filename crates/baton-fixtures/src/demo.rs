//! The demo organisation of `baton serve --demo`: its files, and six months
//! of plausible decision history as a deterministic script.
//!
//! The script is pure: [`plan`] lists the decisions to open, and [`course`]
//! says what happens to one once it is open, given how it was actually
//! routed. The caller runs both through the real lifecycle, so the demo's
//! history is made of the same records and audit events as real use —
//! nothing is written that the API could not have written.

use chrono::{DateTime, Duration, NaiveDate, Utc};

use baton_core::lifecycle::{Decision, OutcomeResult, Status};
use baton_core::org::Directory;

/// The demo directory: 36 people in three teams under one CTO.
pub const ORG: &str = include_str!("../demo-data/org.yaml");

/// Each team's guide, as `(file name, text)`.
pub const GUIDES: [(&str, &str); 3] = [
    ("platform.yaml", include_str!("../demo-data/platform.yaml")),
    ("payments.yaml", include_str!("../demo-data/payments.yaml")),
    ("mobile.yaml", include_str!("../demo-data/mobile.yaml")),
];

/// The person the demo's admin token belongs to.
pub const ADMIN: &str = "dana";

/// How far back the history goes.
pub const HISTORY_DAYS: i64 = 182;

/// One decision to open.
#[derive(Clone, Debug, PartialEq)]
pub struct Planned {
    pub team: &'static str,
    pub decision_type: &'static str,
    pub title: String,
    pub options: [&'static str; 2],
    pub context: serde_json::Value,
    pub requester: &'static str,
    pub at: DateTime<Utc>,
    /// How this decision's story goes; see [`course`].
    pub fate: Fate,
    /// A number in `[0, 1)` that settles the rest of its story.
    pub luck: f64,
}

/// The shape of one decision's story.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fate {
    /// Positions, then the decider decides in time.
    Decided,
    /// Nobody decides in time: it escalates, and the target decides.
    Stalls,
    /// A manager decides over the routed decider, with a reason.
    Overridden,
    /// The requester withdraws it.
    Withdrawn,
}

/// Who acts in a step, named by the part they play.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Who {
    /// Whoever holds the decision when the step runs (after an
    /// escalation, the escalation target).
    Decider,
    Person(String),
}

/// What happens in one step.
#[derive(Clone, Debug, PartialEq)]
pub enum Act {
    Position {
        option: &'static str,
        rationale: &'static str,
        confidence: u8,
        risk: u8,
    },
    Decide {
        option: &'static str,
        rationale: &'static str,
        override_reason: Option<&'static str>,
        review_on: Option<NaiveDate>,
    },
    Outcome {
        result: OutcomeResult,
        notes: &'static str,
    },
    Withdraw,
    /// The holder hands the decision up to the escalation target.
    Escalate,
}

/// One step of a decision's course.
#[derive(Clone, Debug, PartialEq)]
pub struct Step {
    pub at: DateTime<Utc>,
    pub who: Who,
    pub act: Act,
}

use crate::splitmix::SplitMix;

/// A decision type's titles and the two options argued over.
struct Kind {
    decision_type: &'static str,
    /// Relative frequency within the team.
    weight: u32,
    topics: &'static [(&'static str, [&'static str; 2])],
}

struct Team {
    name: &'static str,
    requesters: &'static [&'static str],
    kinds: &'static [Kind],
}

const TEAMS: [Team; 3] = [
    Team {
        name: "platform",
        requesters: &[
            "kim", "raj", "lee", "ana", "ben", "chen", "maya", "theo", "zoe", "priya",
        ],
        kinds: &[
            Kind {
                decision_type: "architecture",
                weight: 3,
                topics: &[
                    (
                        "Move the event store to PostgreSQL",
                        ["postgres", "keep-cassandra"],
                    ),
                    ("Split the monolith's billing module", ["split", "keep"]),
                    (
                        "Adopt gRPC between internal services",
                        ["grpc", "http-json"],
                    ),
                    ("Shard the accounts table", ["shard", "scale-up"]),
                ],
            },
            Kind {
                decision_type: "prioritization",
                weight: 4,
                topics: &[
                    ("Next sprint: SSO or audit export first", ["sso", "audit"]),
                    ("Pull the rate limiter into this sprint", ["now", "later"]),
                ],
            },
            Kind {
                decision_type: "incident",
                weight: 3,
                topics: &[
                    ("Roll back the 14:00 deploy", ["rollback", "hotfix"]),
                    ("Fail over the primary database", ["failover", "wait"]),
                ],
            },
            Kind {
                decision_type: "tooling",
                weight: 3,
                topics: &[
                    ("Switch the linter to ruff", ["ruff", "flake8"]),
                    ("Try a merge queue", ["merge-queue", "no"]),
                ],
            },
            Kind {
                decision_type: "hiring",
                weight: 1,
                topics: &[("Open a second SRE position", ["open", "defer"])],
            },
        ],
    },
    Team {
        name: "payments",
        requesters: &[
            "aisha", "marco", "yuki", "leo", "sofia", "ravi", "hana", "omid", "jonas", "noor",
        ],
        kinds: &[
            Kind {
                decision_type: "api-change",
                weight: 3,
                topics: &[
                    ("Version the refunds endpoint", ["v2-endpoint", "additive"]),
                    ("Idempotency keys on all POSTs", ["required", "optional"]),
                ],
            },
            Kind {
                decision_type: "compliance",
                weight: 1,
                topics: &[("Tokenize stored card fingerprints", ["tokenize", "drop"])],
            },
            Kind {
                decision_type: "incident",
                weight: 3,
                topics: &[
                    (
                        "Pause payouts while the bank feed lags",
                        ["pause", "continue"],
                    ),
                    ("Retry failed captures in bulk", ["retry", "manual"]),
                ],
            },
            Kind {
                decision_type: "vendor",
                weight: 1,
                topics: &[("Add a second card acquirer", ["add", "renegotiate"])],
            },
            Kind {
                decision_type: "experiment",
                weight: 3,
                topics: &[
                    ("Test one-page checkout", ["ship-test", "skip"]),
                    ("Show fees before the last step", ["show", "keep"]),
                ],
            },
        ],
    },
    Team {
        name: "mobile",
        requesters: &[
            "lucia", "kwame", "elif", "nina", "oscar", "mei", "amir", "clara", "ivan", "sara",
            "felix",
        ],
        kinds: &[
            Kind {
                decision_type: "architecture",
                weight: 2,
                topics: &[
                    ("Move navigation to a coordinator", ["coordinator", "keep"]),
                    ("Share the networking layer in Kotlin", ["kmp", "native"]),
                ],
            },
            Kind {
                decision_type: "release",
                weight: 4,
                topics: &[
                    ("Ship 5.12 to the stores", ["go", "no-go"]),
                    ("Hotfix release for the login crash", ["go", "no-go"]),
                ],
            },
            Kind {
                decision_type: "design",
                weight: 3,
                topics: &[
                    ("New onboarding flow", ["three-steps", "single-page"]),
                    ("Dark mode default", ["follow-system", "light"]),
                ],
            },
            Kind {
                decision_type: "incident",
                weight: 1,
                topics: &[("Kill switch for the new feed", ["disable", "keep"])],
            },
            Kind {
                decision_type: "tooling",
                weight: 2,
                topics: &[("Move CI to larger runners", ["move", "stay"])],
            },
        ],
    },
];

/// The decisions of the demo's history, oldest first: about one a working
/// day per team over the [`HISTORY_DAYS`] before `now`. The same `now` and
/// `seed` always give the same plan.
pub fn plan(now: DateTime<Utc>, seed: u64) -> Vec<Planned> {
    let mut rng = SplitMix(seed);
    let start = now - Duration::days(HISTORY_DAYS);
    let mut out = Vec::new();
    for day in 0..HISTORY_DAYS {
        let date = start + Duration::days(day);
        let weekday = chrono::Datelike::weekday(&date).num_days_from_monday();
        if weekday >= 5 {
            continue;
        }
        for team in &TEAMS {
            // 0, 1 or 2 decisions a day, one on average.
            let count = match rng.unit() {
                u if u < 0.3 => 0,
                u if u < 0.7 => 1,
                _ => 2,
            };
            for _ in 0..count {
                out.push(one(&mut rng, team, date));
            }
        }
    }
    out.retain(|p| p.at < now);
    out.sort_by_key(|p| p.at);
    out
}

fn one(rng: &mut SplitMix, team: &'static Team, day: DateTime<Utc>) -> Planned {
    let total: u32 = team.kinds.iter().map(|k| k.weight).sum();
    let mut roll = rng.below(total as usize) as u32;
    let mut kind = None;
    for k in team.kinds {
        if roll < k.weight {
            kind = Some(k);
            break;
        }
        roll -= k.weight;
    }
    let (decision_type, topics) =
        kind.map_or(("tooling", &[][..]), |k| (k.decision_type, k.topics));
    let (topic, options) = rng.pick(topics, ("Routine call", ["yes", "no"]));
    // Working hours, 08:00–17:00 UTC, to the minute.
    let day_start = day
        .date_naive()
        .and_hms_opt(8, 0, 0)
        .map_or(day, |t| t.and_utc());
    let at = day_start + Duration::minutes(rng.below(9 * 60) as i64);
    let mut context = serde_json::Map::new();
    if rng.unit() < 0.04 {
        context.insert("urgency".into(), "critical".into());
    }
    if rng.unit() < 0.15 {
        context.insert("risk".into(), "high".into());
    }
    let fate = match rng.unit() {
        u if u < 0.08 => Fate::Stalls,
        u if u < 0.12 => Fate::Overridden,
        u if u < 0.15 => Fate::Withdrawn,
        _ => Fate::Decided,
    };
    Planned {
        team: team.name,
        decision_type,
        title: topic.to_owned(),
        options,
        context: serde_json::Value::Object(context),
        requester: rng.pick(team.requesters, "omar"),
        at,
        fate,
        luck: rng.unit(),
    }
}

/// What happens to `decision` (opened from `planned`) up to `now`, in time
/// order. Steps after `now` are left out, so recent decisions stay open.
pub fn course(
    planned: &Planned,
    decision: &Decision,
    directory: &Directory,
    now: DateTime<Utc>,
) -> Vec<Step> {
    let mut rng = SplitMix((planned.luck * 1e15) as u64 ^ decision.id.get() as u64);
    let r = &decision.resolution;
    let opened = decision.opened_at;
    let [chosen, other] = if rng.unit() < 0.75 {
        planned.options
    } else {
        [planned.options[1], planned.options[0]]
    };
    // Decisions happen after the consensus check and before anything else
    // forces them.
    let earliest = r
        .consensus_check
        .as_ref()
        .map_or(opened, |c| c.deadline + Duration::minutes(5));
    let latest = r
        .escalation
        .as_ref()
        .map_or(r.deliberation.deadline, |e| e.deadline)
        .min(r.deliberation.deadline);
    let window = (latest - earliest).num_minutes().max(20);
    let decide_at = earliest + Duration::minutes(5 + rng.below((window * 8 / 10) as usize) as i64);

    let mut steps = Vec::new();
    let voices: Vec<&String> = r
        .roster
        .agree
        .iter()
        .chain(&r.roster.input)
        .filter(|p| **p != decision.decider)
        .collect();
    for (i, person) in voices.iter().take(2).enumerate() {
        let at = opened + (decide_at - opened) * (i as i32 + 1) / 4;
        let agrees = rng.unit() < 0.85;
        steps.push(Step {
            at: at.max(earliest.min(decide_at - Duration::minutes(2))),
            who: Who::Person((*person).clone()),
            act: Act::Position {
                option: if agrees { chosen } else { other },
                rationale: if agrees {
                    "Fits what we already run and the team knows it."
                } else {
                    "The other option is cheaper to undo if we are wrong."
                },
                confidence: 2 + rng.below(4) as u8,
                risk: 1 + rng.below(4) as u8,
            },
        });
    }
    // Positions must land before the deliberation deadline.
    steps.retain(|s| s.at < r.deliberation.deadline);

    // Some of the last days' decisions are still being argued over.
    let pending = now - opened < Duration::days(3) && rng.unit() < 0.7;
    if pending {
        steps.retain(|s| s.at < now);
        return steps;
    }
    let review_on = (rng.unit() < 0.3).then(|| (decide_at + Duration::days(30)).date_naive());
    let decided_at = match planned.fate {
        Fate::Withdrawn => {
            steps.push(Step {
                at: opened + Duration::hours(3),
                who: Who::Person(decision.requester.clone()),
                act: Act::Withdraw,
            });
            None
        }
        Fate::Overridden => {
            let boss = directory
                .find(&decision.requester)
                .and_then(|p| directory.person(p).manager)
                .map(|m| directory.id(m).to_owned())
                .filter(|m| *m != decision.decider);
            match boss {
                Some(boss) => {
                    steps.push(Step {
                        at: decide_at,
                        who: Who::Person(boss),
                        act: Act::Decide {
                            option: other,
                            rationale: "We need this settled today.",
                            override_reason: Some(
                                "A customer commitment the decider did not know about.",
                            ),
                            review_on,
                        },
                    });
                    Some(decide_at)
                }
                None => Some(decide_by_decider(&mut steps, decide_at, chosen, review_on)),
            }
        }
        Fate::Stalls => match &r.escalation {
            Some(e) if e.to.is_some() => {
                let at = e.deadline + Duration::hours(1 + rng.below(6) as i64);
                Some(decide_by_decider(&mut steps, at, chosen, review_on))
            }
            _ => Some(decide_by_decider(&mut steps, decide_at, chosen, review_on)),
        },
        Fate::Decided => Some(decide_by_decider(&mut steps, decide_at, chosen, review_on)),
    };
    if let Some(decided_at) = decided_at
        && rng.unit() < 0.85
    {
        let at = decided_at + Duration::days(10 + rng.below(30) as i64);
        let overridden = planned.fate == Fate::Overridden;
        steps.push(Step {
            at,
            who: Who::Person(ADMIN.to_owned()),
            act: outcome(rng.unit(), overridden),
        });
    }
    steps.retain(|s| s.at < now);
    steps.sort_by_key(|s| s.at);
    steps
}

fn decide_by_decider(
    steps: &mut Vec<Step>,
    at: DateTime<Utc>,
    option: &'static str,
    review_on: Option<NaiveDate>,
) -> DateTime<Utc> {
    steps.push(Step {
        at,
        who: Who::Decider,
        act: Act::Decide {
            option,
            rationale: "Weighed the positions; this is the better trade-off now.",
            override_reason: None,
            review_on,
        },
    });
    at
}

/// Overridden decisions fail more often than routed ones: the story the
/// demo's analytics should be able to tell.
fn outcome(roll: f64, overridden: bool) -> Act {
    let (success, partial) = if overridden {
        (0.35, 0.25)
    } else {
        (0.65, 0.2)
    };
    let (result, notes) = if roll < success {
        (OutcomeResult::Success, "Worked as hoped.")
    } else if roll < success + partial {
        (
            OutcomeResult::Partial,
            "Helped, with follow-up work we had not planned.",
        )
    } else {
        (OutcomeResult::Failure, "Reverted; see the retro.")
    };
    Act::Outcome { result, notes }
}

/// An open state the demo keeps in view on every start, so that whoever
/// opens it finds decisions in each part of the lifecycle whatever day it
/// is: the history ends where the seeding ended, and its open decisions
/// move on with the tick like any others.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    /// Opened, nobody has spoken yet.
    Routed,
    /// In its consensus check: objections to who decides are open.
    Checking,
    /// Positions are being gathered.
    Deliberating,
    /// Handed up to the escalation target.
    Escalated,
}

impl Stage {
    pub const ALL: [Stage; 4] = [
        Stage::Routed,
        Stage::Checking,
        Stage::Deliberating,
        Stage::Escalated,
    ];

    pub fn status(self) -> Status {
        match self {
            Stage::Routed => Status::Routed,
            Stage::Checking => Status::Checking,
            Stage::Deliberating => Status::Deliberating,
            Stage::Escalated => Status::Escalated,
        }
    }
}

/// How many decisions each [`Stage`] holds when the demo starts.
pub const LIVE_EACH: usize = 3;

/// Requests whose rules put a fresh decision in a stage, or (with its
/// [`live_course`]) keep it there for days: no consensus check and no
/// deadline that moves a routed or deliberating one, a 24-hour check, an
/// escalation target above the holder.
/// One request of [`LIVE`].
#[derive(Clone, Copy)]
struct LiveRequest {
    team: &'static str,
    decision_type: &'static str,
    requester: &'static str,
    title: &'static str,
    options: [&'static str; 2],
}

const fn r(
    team: &'static str,
    decision_type: &'static str,
    requester: &'static str,
    title: &'static str,
    options: [&'static str; 2],
) -> LiveRequest {
    LiveRequest {
        team,
        decision_type,
        requester,
        title,
        options,
    }
}

const LIVE: [(Stage, [LiveRequest; 3]); 4] = [
    (
        Stage::Routed,
        [
            r(
                "platform",
                "hiring",
                "kim",
                "Hire a second staff engineer",
                ["open", "defer"],
            ),
            r(
                "mobile",
                "design",
                "kwame",
                "Redesign the settings screen",
                ["grouped", "flat"],
            ),
            r(
                "payments",
                "experiment",
                "aisha",
                "Offer pay-later at checkout",
                ["test", "skip"],
            ),
        ],
    ),
    (
        Stage::Checking,
        [
            r(
                "platform",
                "architecture",
                "ana",
                "Move search to OpenSearch",
                ["opensearch", "keep-postgres"],
            ),
            r(
                "mobile",
                "architecture",
                "lucia",
                "Adopt Compose for new screens",
                ["compose", "views"],
            ),
            r(
                "platform",
                "architecture",
                "ben",
                "Cache sessions in Redis",
                ["redis", "postgres"],
            ),
        ],
    ),
    (
        Stage::Deliberating,
        [
            r(
                "platform",
                "prioritization",
                "zoe",
                "Next sprint: billing export or SSO polish",
                ["export", "sso"],
            ),
            r(
                "payments",
                "experiment",
                "noor",
                "Show the fee breakdown on the receipt",
                ["show", "hide"],
            ),
            r(
                "platform",
                "prioritization",
                "theo",
                "Take on the flaky-test budget now",
                ["now", "next-quarter"],
            ),
        ],
    ),
    (
        Stage::Escalated,
        [
            r(
                "platform",
                "incident",
                "raj",
                "Throttle the nightly export job",
                ["throttle", "reschedule"],
            ),
            r(
                "payments",
                "incident",
                "marco",
                "Hold settlements for one partner bank",
                ["hold", "continue"],
            ),
            r(
                "mobile",
                "release",
                "kwame",
                "Ship 5.13 with the known tablet crash",
                ["go", "no-go"],
            ),
        ],
    ),
];

/// The `n`th decision (counting from 0) opened at `now` to hold `stage`.
pub fn live(stage: Stage, n: usize, now: DateTime<Utc>) -> Planned {
    let requests = LIVE
        .iter()
        .find(|(s, _)| *s == stage)
        .map_or(&LIVE[0].1, |(_, requests)| requests);
    let request = requests[n % requests.len()];
    Planned {
        team: request.team,
        decision_type: request.decision_type,
        title: request.title.to_owned(),
        options: request.options,
        context: serde_json::json!({}),
        requester: request.requester,
        at: now,
        fate: Fate::Decided,
        luck: 0.5,
    }
}

/// What puts a [`live`] decision, just opened, in its stage.
pub fn live_course(stage: Stage, planned: &Planned, decision: &Decision) -> Vec<Step> {
    let at = decision.opened_at;
    match stage {
        Stage::Routed | Stage::Checking => Vec::new(),
        Stage::Deliberating => {
            let r = &decision.resolution;
            let voice = r
                .roster
                .input
                .iter()
                .chain(&r.roster.agree)
                .find(|p| **p != decision.decider)
                .cloned()
                .unwrap_or_else(|| decision.requester.clone());
            vec![Step {
                at,
                who: Who::Person(voice),
                act: Act::Position {
                    option: planned.options[0],
                    rationale: "Smaller change, and we can measure it within the sprint.",
                    confidence: 4,
                    risk: 2,
                },
            }]
        }
        Stage::Escalated => vec![Step {
            at,
            who: Who::Decider,
            act: Act::Escalate,
        }],
    }
}

/// One survey of the demo, with the responses it gets.
#[derive(Clone, Debug, PartialEq)]
pub struct PlannedSurvey {
    pub team: &'static str,
    pub title: String,
    pub created_at: DateTime<Utc>,
    pub closes_at: DateTime<Utc>,
    /// Who answers, when, and what (standard questions, SPEC §7).
    pub responses: Vec<(
        String,
        DateTime<Utc>,
        serde_json::Map<String, serde_json::Value>,
    )>,
}

/// The team names of the demo, in the order of [`GUIDES`].
pub const TEAM_NAMES: [&str; 3] = ["platform", "payments", "mobile"];

/// A survey per team: `closed` ones ran in the history and closed with
/// enough answers to show results; open ones start at `now`, run 14 days
/// and have two answers so far — results stay hidden until a third.
pub fn surveys(directory: &Directory, now: DateTime<Utc>, closed: bool) -> Vec<PlannedSurvey> {
    let mut rng = SplitMix(if closed { 41 } else { 43 });
    TEAM_NAMES
        .iter()
        .map(|&team| {
            let (created_at, closes_at, answering, title) = if closed {
                (
                    now - Duration::days(45),
                    now - Duration::days(31),
                    6,
                    "Quarterly pulse: how we decide",
                )
            } else {
                (now, now + Duration::days(14), 2, "Pulse: how we decide now")
            };
            let members = directory
                .people()
                .filter(|(_, p)| p.teams.iter().any(|t| t == team))
                .map(|(_, p)| p.id.clone());
            let responses = members
                .take(answering)
                .enumerate()
                .map(|(i, person)| {
                    let score = 5 + rng.below(6) as u64;
                    let mut answers = serde_json::Map::new();
                    answers.insert("enps".into(), score.into());
                    answers.insert("heard".into(), rng.chance(75).into());
                    answers.insert("misapplied".into(), rng.chance(20).into());
                    // Open surveys are answered as the demo starts: never
                    // after `now`.
                    let at = if closed {
                        created_at + Duration::hours(2 + 5 * i as i64)
                    } else {
                        now
                    };
                    (person, at, answers)
                })
                .collect();
            PlannedSurvey {
                team,
                title: title.to_owned(),
                created_at,
                closes_at,
                responses,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        "2026-11-27T12:00:00Z".parse().unwrap()
    }

    #[test]
    fn the_plan_is_the_same_every_time() {
        assert_eq!(plan(now(), 7), plan(now(), 7));
        assert_ne!(plan(now(), 7), plan(now(), 8));
    }

    #[test]
    fn the_plan_covers_six_months_of_every_team_in_order() {
        let plan = plan(now(), 7);
        assert!(plan.len() > 250, "{} decisions", plan.len());
        assert!(plan.windows(2).all(|w| w[0].at <= w[1].at));
        let first = plan.first().unwrap().at;
        assert!(now() - first > Duration::days(170));
        for team in ["platform", "payments", "mobile"] {
            assert!(plan.iter().any(|p| p.team == team));
        }
        for fate in [Fate::Stalls, Fate::Overridden, Fate::Withdrawn] {
            assert!(plan.iter().any(|p| p.fate == fate), "{fate:?}");
        }
    }

    #[test]
    fn the_demo_files_compile_with_every_guide() {
        let directory = std::sync::Arc::new(Directory::load("org.yaml", ORG).unwrap());
        assert!(directory.find(ADMIN).is_some());
        assert!(directory.len() >= 30);
        for (name, text) in GUIDES {
            baton_core::compile_guide(name, text, std::sync::Arc::clone(&directory)).unwrap();
        }
    }
}
