//! Counterfactual replay (SPEC §6): what would a new guide have changed?
//! Every decision of one team in a window is resolved again from its
//! stored request under the new guide, against the org state as it stood
//! at its instant — rebuilt by folding the whole log in (`at`, `seq`)
//! order, *under the new routing*: a decision routed elsewhere weighs on
//! its new decider's load and spread history and credits its real
//! duration and outcome to them, so later decisions see what the new
//! guide would have made of the earlier ones. Every other decision (other
//! teams, and the team's outside the window) keeps its stored routing.
//!
//! The state is moved change by change, never rebuilt: a decision adds to
//! its decider's load when opened and leaves it when decided (or
//! escalated, after which it weighs on no one, as SPEC §4.2 says), joins
//! the spread history when decided, and adds to track records when its
//! outcome is recorded — each at its own instant, from a queue, so a
//! replay of a million decisions is a million resolutions and a few
//! million queue operations.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, HashMap};

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use crate::analytics::{Dictionary, Fact, Facts, Name, instant_of};
use crate::fold::{Fold, Footprint};
use crate::guide::Guide;
use crate::ident::DecisionId;
use crate::lifecycle::{OutcomeResult, Status};
use crate::org::Window;
use crate::resolve::{OrgState, Request, resolve};

/// One decision of the log as replay reads it, in (`opened_at`, id) order.
#[derive(Clone, Debug)]
pub struct Past {
    pub id: DecisionId,
    pub team: String,
    pub decision_type: String,
    pub domains: Vec<String>,
    pub status: Status,
    /// Who holds it now.
    pub decider: String,
    /// Whom the guide routed it to.
    pub routed: String,
    pub rule: String,
    /// Whose call it was, once decided.
    pub decided_by: Option<String>,
    pub opened_at: DateTime<Utc>,
    pub decided_at: Option<DateTime<Utc>>,
    pub escalated_at: Option<DateTime<Utc>>,
    pub escalated: bool,
    pub outcome: Option<(OutcomeResult, DateTime<Utc>)>,
    /// What replay needs of a decision it resolves again; `None` for the
    /// others.
    pub request: Option<Stored>,
}

/// A decision's stored request and explanation.
#[derive(Clone, Debug)]
pub struct Stored {
    pub title: String,
    pub requester: String,
    pub context: serde_json::Value,
    /// The explanation it was routed with, reason by reason.
    pub explanation: Vec<String>,
    /// Imported from a sheet: no request context was stored, and it is
    /// replayed with an empty one.
    pub imported: bool,
}

/// The new guide as it reads at one instant: compiled against the
/// directory in force then, or why it cannot be.
pub struct GuideAt<'g> {
    pub from: DateTime<Utc>,
    pub guide: Result<&'g Guide, String>,
}

/// What a replay changed.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ReplayReport {
    pub team: String,
    pub window: Option<Window>,
    /// The new guide's version.
    pub guide_version: String,
    /// Decisions resolved again.
    pub replayed: usize,
    /// Of those, routed to someone else.
    pub changed: usize,
    /// Of those, the new guide cannot route (`unrouted`, `no_eligible_authority`, …).
    pub errors: usize,
    /// Imported decisions replayed with an empty context.
    pub without_context: usize,
    /// Decisions routed elsewhere, oldest first (at most [`LISTED`]).
    pub moved: Vec<Moved>,
    /// Decisions the new guide cannot route, oldest first (at most [`LISTED`]).
    pub new_errors: Vec<NewError>,
    /// The imported decisions replayed without a context (at most [`LISTED`]).
    pub flagged: Vec<DecisionId>,
    /// Per person: decisions of the window routed to them, before and after.
    pub load: Vec<PersonLoad>,
    /// Per type: how many were replayed, routed elsewhere, unroutable.
    pub by_type: Vec<TypeChange>,
}

/// How many decisions each list of a report names; the counts are whole.
pub const LISTED: usize = 500;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Moved {
    pub decision: DecisionId,
    #[serde(rename = "type")]
    pub decision_type: String,
    pub opened_at: DateTime<Utc>,
    pub before: String,
    pub after: String,
    pub rule_before: String,
    pub rule_after: String,
    /// Reasons only the stored explanation gave.
    pub reasons_gone: Vec<String>,
    /// Reasons only the new explanation gives.
    pub reasons_new: Vec<String>,
    /// Imported, replayed with an empty context.
    pub without_context: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct NewError {
    pub decision: DecisionId,
    #[serde(rename = "type")]
    pub decision_type: String,
    pub opened_at: DateTime<Utc>,
    pub before: String,
    /// `unrouted`, `no_eligible_authority`, `rotation_not_started`, …, or
    /// `guide_does_not_compile` against the directory of the day.
    pub code: String,
    pub message: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct PersonLoad {
    pub person: String,
    pub before: usize,
    pub after: usize,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct TypeChange {
    #[serde(rename = "type")]
    pub decision_type: String,
    pub replayed: usize,
    pub changed: usize,
    pub errors: usize,
}

/// The org state, moved change by change in time order: the core's fold
/// (`crate::fold`, the one statement of the load, spread-history and
/// track-record rules) with each decision's footprint as it stood at
/// opening, and its later changes — escalated, decided, its outcome
/// recorded — queued for their instants.
struct Simulation {
    fold: Fold,
    queue: BinaryHeap<Reverse<Queued>>,
    order: u64,
    team: String,
    /// The widest spread window: history older than this is forgotten.
    widest: Option<TimeDelta>,
    steps: usize,
}

/// A footprint's change at an instant; ordered by instant, then by when
/// it was queued.
struct Queued {
    at: DateTime<Utc>,
    order: u64,
    /// Boxed: the heap moves its entries as it sifts, and two footprints
    /// are hundreds of bytes.
    change: Box<(Footprint, Footprint)>,
}

impl PartialEq for Queued {
    fn eq(&self, other: &Self) -> bool {
        (self.at, self.order) == (other.at, other.order)
    }
}

impl Eq for Queued {}

impl PartialOrd for Queued {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Queued {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.at, self.order).cmp(&(other.at, other.order))
    }
}

/// History is pruned after this many decisions.
const PRUNE_EVERY: usize = 4096;

impl Simulation {
    fn schedule(&mut self, at: DateTime<Utc>, before: &Footprint, after: Footprint) {
        self.order += 1;
        self.queue.push(Reverse(Queued {
            at,
            order: self.order,
            change: Box::new((before.clone(), after)),
        }));
    }

    /// Applies every change due at or before `at`.
    fn advance(&mut self, at: DateTime<Utc>) {
        while self.queue.peek().is_some_and(|Reverse(q)| q.at <= at) {
            let Some(Reverse(q)) = self.queue.pop() else {
                break;
            };
            let (before, after) = *q.change;
            self.fold.moved(Some(&before), &after);
        }
        self.steps += 1;
        if let Some(widest) = self.widest
            && self.steps.is_multiple_of(PRUNE_EVERY)
        {
            let from = at
                .checked_sub_signed(widest)
                .unwrap_or(DateTime::<Utc>::MIN_UTC);
            self.fold.forget_history_through(from);
        }
    }

    fn state(&self) -> &OrgState {
        self.fold.state()
    }

    /// A decision opened, held by `holder` (its stored holder with
    /// `None`), its history and outcome credited to `credited`.
    ///
    /// The stored holder is whoever holds it now, or for a decision that
    /// escalated, whom it was routed to: the one it weighed on before. A
    /// decision weighs on its holder from opening until it is decided or
    /// escalates; an undecided one that never escalated weighs for as long
    /// as it still counts (one withdrawn, or escalated at an instant the
    /// log does not keep, never weighed: the log does not say when it
    /// stopped).
    fn opened(&mut self, past: &Past, holder: Option<&str>, credited: Option<&str>) {
        let holder = holder.unwrap_or(if past.escalated {
            &past.routed
        } else {
            &past.decider
        });
        let escalated_at = past.escalated_at.filter(|_| past.escalated);
        let ends = [past.decided_at, escalated_at].into_iter().flatten().min();
        let status = match ends {
            Some(end) if end > past.opened_at => Status::Routed,
            // Decided or escalated as it opened: it never weighed.
            Some(_) => Status::Decided,
            None => past.status,
        };
        let open = Footprint {
            team: past.team.clone(),
            decision_type: past.decision_type.clone(),
            domains: past.domains.clone(),
            status,
            decider: holder.to_owned(),
            opened_at: past.opened_at,
            decided_at: None,
            decided_by: None,
            outcome: None,
        };
        self.fold.add(&open);
        let mut now = open;
        if let Some(at) = escalated_at.filter(|e| past.decided_at.is_none_or(|d| *e < d)) {
            let next = Footprint {
                status: Status::Escalated,
                ..now.clone()
            };
            self.schedule(at, &now, next.clone());
            now = next;
        }
        let Some(decided) = past.decided_at else {
            return;
        };
        let next = Footprint {
            status: Status::Decided,
            decided_at: Some(decided),
            decided_by: credited.map(str::to_owned),
            ..now.clone()
        };
        self.schedule(decided, &now, next.clone());
        now = next;
        if let Some((result, at)) = past.outcome {
            let next = Footprint {
                outcome: Some((result, at)),
                ..now.clone()
            };
            self.schedule(at.max(decided), &now, next);
        }
    }
}

/// Replays a log, one decision at a time in (`opened_at`, id) order, with
/// the new guide of `team`, resolving again the team's decisions opened in
/// `window` (all of them with `None`).
pub struct Replayer<'g> {
    sim: Simulation,
    window: Option<Window>,
    /// The new guide compiled against each directory version, oldest first.
    guides: &'g [GuideAt<'g>],
    report: ReplayReport,
    load: BTreeMap<String, (usize, usize)>,
    by_type: BTreeMap<String, (usize, usize, usize)>,
}

impl<'g> Replayer<'g> {
    pub fn new(
        team: &str,
        window: Option<Window>,
        guides: &'g [GuideAt<'g>],
        guide_version: &str,
    ) -> Self {
        let first = guides.iter().find_map(|g| g.guide.as_ref().ok().copied());
        let widest = first.and_then(|g| {
            g.rules
                .iter()
                .filter_map(|r| r.spread.as_ref().map(|s| s.window.as_chrono()))
                .max()
        });
        let scope = first.and_then(|g| {
            crate::fold::HistoryScope::for_guide(
                g,
                DateTime::<Utc>::MIN_UTC,
                DateTime::<Utc>::MAX_UTC,
            )
        });
        Self {
            sim: Simulation {
                // Every request asks `spread` about a month or so of
                // history: indexed, that is a few binary searches.
                fold: Fold::new(scope).indexed(),
                queue: BinaryHeap::new(),
                order: 0,
                team: team.to_owned(),
                widest,
                steps: 0,
            },
            window,
            guides,
            report: ReplayReport {
                team: team.to_owned(),
                window,
                guide_version: guide_version.to_owned(),
                ..ReplayReport::default()
            },
            load: BTreeMap::new(),
            by_type: BTreeMap::new(),
        }
    }

    /// Whether `past` (of `team`, opened at `at`) is resolved again: what
    /// needs its stored request.
    pub fn replays(&self, team: &str, at: DateTime<Utc>) -> bool {
        team == self.sim.team && self.window.is_none_or(|w| w.contains(at))
    }

    /// Takes in the next decision of the log.
    pub fn step(&mut self, past: &Past) {
        self.sim.advance(past.opened_at);
        let stored_credit = past.decided_by.as_deref();
        let Some(stored) = past
            .request
            .as_ref()
            .filter(|_| self.replays(&past.team, past.opened_at))
        else {
            self.sim.opened(past, None, stored_credit);
            return;
        };
        let report = &mut self.report;
        report.replayed += 1;
        let tally = self.by_type.entry(past.decision_type.clone()).or_default();
        tally.0 += 1;
        self.load.entry(past.routed.clone()).or_default().0 += 1;
        if stored.imported {
            report.without_context += 1;
            if report.flagged.len() < LISTED {
                report.flagged.push(past.id);
            }
        }
        let guide = self
            .guides
            .iter()
            .rev()
            .find(|g| g.from <= past.opened_at)
            .or(self.guides.first())
            .map(|g| g.guide.clone());
        let request = Request {
            decision_type: past.decision_type.clone(),
            title: stored.title.clone(),
            context: if stored.imported {
                serde_json::json!({})
            } else {
                stored.context.clone()
            },
            requester: Some(stored.requester.clone()),
            at: past.opened_at,
        };
        let outcome = match guide {
            Some(Ok(g)) => resolve(g, self.sim.state(), &request)
                .map_err(|e| (e.code.as_str().to_owned(), e.message)),
            Some(Err(why)) => Err(("guide_does_not_compile".to_owned(), why)),
            None => Err((
                "guide_does_not_compile".to_owned(),
                "no directory to compile the guide against".to_owned(),
            )),
        };
        match outcome {
            Ok(resolution) => {
                let after = resolution.decider.clone();
                self.load.entry(after.clone()).or_default().1 += 1;
                // The new decider takes the place of the one it was routed
                // to: they hold it until it is decided or escalates, and
                // its real duration and outcome are credited to them. Who
                // else had it (an escalation target, someone who
                // overrode) keeps their part, so a guide that routes as
                // before replays the log as it was.
                let instead = |person: &str| {
                    if person == past.routed {
                        after.clone()
                    } else {
                        person.to_owned()
                    }
                };
                let holder = instead(if past.escalated {
                    &past.routed
                } else {
                    &past.decider
                });
                let credited = past.decided_by.as_deref().map(instead);
                self.sim.opened(past, Some(&holder), credited.as_deref());
                if after != past.routed {
                    report.changed += 1;
                    tally.1 += 1;
                    if report.moved.len() < LISTED {
                        let (gone, new) = differ(&stored.explanation, &resolution.explanation);
                        report.moved.push(Moved {
                            decision: past.id,
                            decision_type: past.decision_type.clone(),
                            opened_at: past.opened_at,
                            before: past.routed.clone(),
                            after,
                            rule_before: past.rule.clone(),
                            rule_after: resolution.rule.clone(),
                            reasons_gone: gone,
                            reasons_new: new,
                            without_context: stored.imported,
                        });
                    }
                }
            }
            Err((code, message)) => {
                report.errors += 1;
                tally.2 += 1;
                // It happened all the same: it keeps its stored routing.
                self.sim.opened(past, None, stored_credit);
                if report.new_errors.len() < LISTED {
                    report.new_errors.push(NewError {
                        decision: past.id,
                        decision_type: past.decision_type.clone(),
                        opened_at: past.opened_at,
                        before: past.routed.clone(),
                        code,
                        message,
                    });
                }
            }
        }
    }

    pub fn finish(self) -> ReplayReport {
        let mut report = self.report;
        report.load = self
            .load
            .into_iter()
            .filter(|(_, (b, a))| b != a)
            .map(|(person, (before, after))| PersonLoad {
                person,
                before,
                after,
            })
            .collect();
        report.by_type = self
            .by_type
            .into_iter()
            .map(|(decision_type, (replayed, changed, errors))| TypeChange {
                decision_type,
                replayed,
                changed,
                errors,
            })
            .collect();
        report
    }
}

/// The log in (`opened_at`, id) order, from the projection: what replay
/// walks.
pub fn order(facts: &Facts) -> Vec<Fact> {
    let mut all: Vec<Fact> = facts.iter().collect();
    all.sort_by_key(|f| (f.opened, f.slot));
    all
}

impl Past {
    /// A decision of the projection as replay reads it, with its stored
    /// request when it is replayed.
    pub fn of(f: &Fact, names: &Dictionary, request: Option<Stored>) -> Self {
        let text = |n: Name| names.text(n).to_owned();
        Self {
            id: f.id(),
            team: text(f.team),
            decision_type: text(f.decision_type),
            domains: names.domains(f.domains).to_vec(),
            status: f.status,
            decider: text(f.decider),
            routed: text(f.routed),
            rule: text(f.rule),
            decided_by: if f.by_rule {
                Some(crate::lifecycle::SYSTEM.to_owned())
            } else {
                f.call.map(text)
            },
            opened_at: instant_of(f.opened),
            decided_at: f.decided.map(instant_of),
            escalated_at: f.escalated_at.map(instant_of),
            escalated: f.escalated,
            outcome: f.outcome.zip(f.outcome_at.map(instant_of)),
            request,
        }
    }
}

/// The reasons only `before` gave, and only `after` gives.
fn differ(before: &[String], after: &[String]) -> (Vec<String>, Vec<String>) {
    fn counts(v: &[String]) -> HashMap<&str, usize> {
        let mut m: HashMap<&str, usize> = HashMap::new();
        for r in v {
            *m.entry(r.as_str()).or_default() += 1;
        }
        m
    }
    let (b, a) = (counts(before), counts(after));
    let gone = before
        .iter()
        .filter(|r| {
            a.get(r.as_str())
                .is_none_or(|n| *n < b.get(r.as_str()).copied().unwrap_or(0))
        })
        .cloned()
        .collect();
    let new = after
        .iter()
        .filter(|r| {
            b.get(r.as_str())
                .is_none_or(|n| *n < a.get(r.as_str()).copied().unwrap_or(0))
        })
        .cloned()
        .collect();
    (gone, new)
}

#[cfg(test)]
mod tests;
