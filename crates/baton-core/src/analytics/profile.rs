//! Deference profiles (SPEC §6): per person, how much authority came their
//! way and what they did with it — decided it, deferred it (delegated, or
//! let a routed expert they outranked decide), or took it over (overrode)
//! — and how the decisions they overrode turned out against the ones they
//! left to others. "Managers can be evaluated on how often they empower
//! others to decide."
//!
//! Windows: `routed` counts decisions *opened* in the window (routing
//! happens at opening); everything else counts decisions *decided* in it.
//! Ranks and team membership are the directory's of the day each decision
//! was decided, as for the leader and expert shares.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

use super::facts::{Fact, Facts, Name, instant_of, micros};
use super::metrics::Quality;
use super::stats::rate;
use super::{Directories, Scope, Window};
use crate::guide::file::Framework;
use crate::lifecycle::OutcomeResult;
use crate::org::Directory;

/// One person's deference profile over a window and scope.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Profile {
    pub person: String,
    /// Decisions opened in the window that the guide routed to them.
    pub routed: usize,
    /// Decisions decided in the window that were their call.
    pub decided: usize,
    /// Of those, the ones routed to them.
    pub decided_as_routed: usize,
    pub deferred: Deferred,
    /// Decisions they decided in the window though someone else held
    /// them: overrides.
    pub overrode: usize,
    /// deferred ÷ (deferred + overrode): how often, given the chance to
    /// take a decision over, they let it be. `null` with neither.
    pub deference_rate: Option<f64>,
    pub outcomes: ProfileOutcomes,
}

/// Decisions decided in the window that the person let someone else decide.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Deferred {
    /// Both kinds below, each decision once.
    pub total: usize,
    /// They held the decision and delegated it.
    pub delegated: usize,
    /// The guide routed it by expertise to someone they outranked, a member
    /// of the same team, and they let that decision stand (no override,
    /// not their own call).
    pub to_experts: usize,
}

/// How the decisions they overrode turned out, against the ones they
/// deferred.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ProfileOutcomes {
    pub overridden: Quality,
    pub deferred: Quality,
}

#[derive(Default)]
struct Tally {
    routed: usize,
    decided: usize,
    decided_as_routed: usize,
    delegated: usize,
    to_experts: usize,
    overrode: usize,
    overridden: Quality,
    deferred: Quality,
}

/// The profiles of everyone with any count in `scope` over `window` (and
/// every member of a team scope), sorted by person; only `only` when given.
pub fn profiles(
    facts: &Facts,
    directories: &Directories,
    scope: Scope<'_>,
    window: Window,
    only: Option<&str>,
) -> Vec<Profile> {
    let mut people: HashMap<Name, Tally> = HashMap::new();
    // Expertise-routed decisions left to stand, grouped by what decides
    // who outranked whom: (directory version, team, routed, call, outcome).
    let mut left: HashMap<Left, usize> = HashMap::new();
    if let Some(team) = scope.name_in(facts) {
        let scan = facts.scan();
        let (from, to) = (micros(window.from), micros(window.to));
        for slot in 0..scan.status.len() {
            if !scan.in_scope(slot, team) {
                continue;
            }
            let opened = scan.opened.get(slot).copied().unwrap_or(i64::MIN);
            let decided = scan.decided.get(slot).copied().unwrap_or(i64::MIN);
            let opened_in = from <= opened && opened < to;
            let decided_in = from <= decided && decided < to;
            if !opened_in && !decided_in {
                continue;
            }
            let Some(fact) = facts.get(slot as u32) else {
                continue;
            };
            if opened_in {
                people.entry(fact.routed).or_default().routed += 1;
            }
            if decided_in && let Some(call) = fact.call {
                tally_decided(&fact, call, directories, &mut people, &mut left);
            }
        }
    }
    let mut named: BTreeMap<&str, Tally> = people
        .into_iter()
        .map(|(name, tally)| (facts.text(name), tally))
        .collect();
    credit_experts(facts, directories, &left, &mut named);
    if let Scope::Team(team) = scope {
        for (_, p) in directories.current().people() {
            if p.teams.iter().any(|t| t == team) {
                named.entry(p.id.as_str()).or_default();
            }
        }
    }
    named
        .into_iter()
        .filter(|(person, _)| only.is_none_or(|o| o == *person))
        .map(|(person, t)| {
            let deferred = t.delegated + t.to_experts;
            Profile {
                person: person.to_owned(),
                routed: t.routed,
                decided: t.decided,
                decided_as_routed: t.decided_as_routed,
                deferred: Deferred {
                    total: deferred,
                    delegated: t.delegated,
                    to_experts: t.to_experts,
                },
                overrode: t.overrode,
                deference_rate: rate(deferred, deferred + t.overrode),
                outcomes: ProfileOutcomes {
                    overridden: t.overridden,
                    deferred: t.deferred,
                },
            }
        })
        .collect()
}

/// An expertise-routed decision left to stand, by what decides who
/// outranked whom and who is not to be credited: the directory version,
/// the team, the routed expert, the call, who delegated it, the outcome.
type Left = (usize, Name, Name, Name, Option<Name>, Option<OutcomeResult>);

fn tally_decided(
    fact: &Fact,
    call: Name,
    directories: &Directories,
    people: &mut HashMap<Name, Tally>,
    left: &mut HashMap<Left, usize>,
) {
    let mine = people.entry(call).or_default();
    mine.decided += 1;
    if call == fact.routed {
        mine.decided_as_routed += 1;
    }
    if fact.overridden {
        mine.overrode += 1;
        if let Some(result) = fact.outcome {
            mine.overridden.add(result);
        }
        return;
    }
    // While a delegate is set, the decider is who delegated.
    let delegator = (fact.delegate.is_some() && fact.decider != call).then_some(fact.decider);
    if let Some(delegator) = delegator {
        let tally = people.entry(delegator).or_default();
        tally.delegated += 1;
        if let Some(result) = fact.outcome {
            tally.deferred.add(result);
        }
    }
    if fact.framework == Framework::Expertise
        && let Some(decided) = fact.decided
    {
        let version = directories.index_at(instant_of(decided));
        let key = (
            version,
            fact.team,
            fact.routed,
            call,
            delegator,
            fact.outcome,
        );
        *left.entry(key).or_default() += 1;
    }
}

/// Credits every member of the decision's team who outranked the routed
/// expert (by the directory of the day) with letting them decide: not the
/// expert, not whoever made the call, not who delegated it.
fn credit_experts<'f>(
    facts: &'f Facts,
    directories: &'f Directories,
    left: &HashMap<Left, usize>,
    people: &mut BTreeMap<&'f str, Tally>,
) {
    let versions: Vec<&Directory> = directories.versions().map(|(_, d)| d).collect();
    let mut outranking: HashMap<(usize, Name, i64), Vec<&str>> = HashMap::new();
    for (&(version, team, routed, call, delegator, outcome), &count) in left {
        let Some(directory) = versions.get(version).copied() else {
            continue;
        };
        let Some(rank) = directory
            .find(facts.text(routed))
            .map(|pid| directory.person(pid).rank)
        else {
            continue;
        };
        let above = outranking.entry((version, team, rank)).or_insert_with(|| {
            let team = facts.text(team);
            directory
                .people()
                .filter(|(_, p)| p.rank > rank && p.teams.iter().any(|t| t == team))
                .map(|(_, p)| p.id.as_str())
                .collect()
        });
        let skip = [Some(routed), Some(call), delegator].map(|n| n.map(|n| facts.text(n)));
        for &person in above.iter() {
            if skip.contains(&Some(person)) {
                continue;
            }
            let tally = people.entry(person).or_default();
            tally.to_experts += count;
            if let Some(result) = outcome {
                tally.deferred.add_times(result, count);
            }
        }
    }
}
