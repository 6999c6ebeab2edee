//! The authority resolver (SPEC §4): request in, resolution with its
//! explanation out.
//!
//! **Invariant:** resolution is a pure function of (guide, directory, state,
//! request). It reads no clock, no environment and no randomness, and
//! iterates no hash map into its output, so the same inputs give the same
//! bytes.

mod output;
mod ranked;
pub mod reason;
pub mod render;
pub mod state;

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub use output::{
    ConsensusWindow, Deliberation, ErrorCode, Escalation, Resolution, ResolveError, Roster,
};
pub use reason::Reason;
pub use state::{HistoryIndex, OrgState, Outcomes, PastDecision};

/// A context value as people type it (`--ctx rows=5000000`, Slack's
/// `urgency=critical`): JSON where it parses, so numbers and booleans keep
/// their type for CEL, and a string otherwise.
pub fn context_value(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or_else(|_| serde_json::Value::String(text.to_owned()))
}

/// `KEY=VALUE` pairs as people type them into a context object (values by
/// [`context_value`]), the same from the command line and from Slack: a
/// pair without `=`, or with an empty key, is refused, never dropped.
pub fn context_of<S: AsRef<str>>(pairs: &[S]) -> Result<serde_json::Value, String> {
    let mut map = serde_json::Map::new();
    for pair in pairs {
        let pair = pair.as_ref();
        let Some((key, value)) = pair.split_once('=') else {
            return Err(format!("`{pair}` is not KEY=VALUE"));
        };
        if key.is_empty() {
            return Err(format!("`{pair}` has an empty key"));
        }
        map.insert(key.to_owned(), context_value(value));
    }
    Ok(serde_json::Value::Object(map))
}

use crate::condition::{self, Condition};
use crate::guide::{Guide, RoleTarget, Rule, Sel};
use crate::org::{Directory, Pid};
use crate::rotation::{NoHolder, Via};
use ranked::Ranked;

/// One "who decides this?" question.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Request {
    #[serde(rename = "type")]
    pub decision_type: String,
    #[serde(default)]
    pub title: String,
    /// Free-form context, visible to `when` conditions as `ctx`.
    #[serde(default = "empty_object", alias = "ctx")]
    pub context: serde_json::Value,
    #[serde(default)]
    pub requester: Option<String>,
    pub at: DateTime<Utc>,
}

fn empty_object() -> serde_json::Value {
    serde_json::Value::Object(serde_json::Map::new())
}

/// Resolves `request` under `guide` with the org's current `state`.
pub fn resolve(
    guide: &Guide,
    state: &OrgState,
    request: &Request,
) -> Result<Resolution, ResolveError> {
    Run::new(guide, state, request)?.resolve()
}

/// How many candidates the resolver settles: the decider and two backups.
const SETTLED: usize = 3;

struct Run<'a> {
    guide: &'a Guide,
    dir: &'a Directory,
    state: &'a OrgState,
    req: &'a Request,
    requester: Option<Pid>,
    explain: Vec<Reason>,
    cel: Option<cel::Context<'static, 'static>>,
    /// Which of `condition::VARIABLES` are bound in `cel`.
    bound: [bool; 4],
    rotation_not_started: bool,
    /// Expanding for a roster list or escalation target: add no explanation.
    quiet: bool,
}

/// The outcome of filtering an authority selector's candidates.
#[derive(Default)]
struct Picked {
    chosen: Vec<Pid>,
    /// Candidates moved back by `spread`, in their original order.
    moved_back: Vec<Pid>,
    /// Candidates excluded for availability or load.
    excluded: usize,
}

impl<'a> Run<'a> {
    fn new(guide: &'a Guide, state: &'a OrgState, req: &'a Request) -> Result<Self, ResolveError> {
        let dir = guide.directory.as_ref();
        let mut explain = Vec::new();
        if !guide.types.contains_key(&req.decision_type) {
            let mut known: Vec<&str> = guide.types.keys().map(String::as_str).collect();
            known.sort_unstable();
            return Err(ResolveError {
                code: ErrorCode::UnknownType,
                message: format!(
                    "decision type `{}` is not defined in team `{}`'s guide (known: {})",
                    req.decision_type,
                    guide.team,
                    known.join(", ")
                ),
                explanation: Vec::new(),
                reasons: Vec::new(),
            });
        }
        if !crate::in_stored_years(req.at) {
            return Err(ResolveError {
                code: ErrorCode::InvalidRequest,
                message: format!(
                    "`at` {} is outside the years 1 to 9999",
                    crate::instant(req.at)
                ),
                explanation: Vec::new(),
                reasons: Vec::new(),
            });
        }
        let requester = match &req.requester {
            None => {
                explain.push(Reason::NoRequester);
                None
            }
            Some(id) => Some(dir.find(id).ok_or_else(|| ResolveError {
                code: ErrorCode::UnknownPerson,
                message: format!("requester `{id}` is not in the directory"),
                explanation: Vec::new(),
                reasons: Vec::new(),
            })?),
        };
        Ok(Self {
            guide,
            dir,
            state,
            req,
            requester,
            explain,
            cel: None,
            bound: [false; 4],
            rotation_not_started: false,
            quiet: false,
        })
    }

    fn resolve(mut self) -> Result<Resolution, ResolveError> {
        let guide = self.guide;
        let route = guide.routes.get(&self.req.decision_type);
        let candidates = route.map_or(&[][..], |r| r.rules.as_slice());
        let matched = candidates
            .iter()
            .copied()
            .find(|&i| guide.rules.get(i).is_some_and(|r| self.matches(r)));
        if let Some(route) = route {
            self.explain_other_types(&route.others, matched.unwrap_or(usize::MAX));
        }
        let Some(rule) = matched.and_then(|i| guide.rules.get(i)) else {
            let message = format!(
                "no rule of team `{}`'s guide routes a `{}` decision in this context",
                guide.team, self.req.decision_type
            );
            return Err(self.error(ErrorCode::Unrouted, message));
        };
        let picked = self.pick_authority(rule)?;
        let mut order: Vec<Pid> = picked
            .chosen
            .iter()
            .chain(&picked.moved_back)
            .copied()
            .collect();
        order.truncate(SETTLED);
        let Some(&decider) = order.first() else {
            return Err(self.no_one(rule));
        };
        self.explain_decider(rule, decider);
        let backups: Vec<Pid> = order.iter().skip(1).copied().collect();
        if !backups.is_empty() {
            let people = self.ids(&backups).into_iter().map(str::to_owned).collect();
            self.explain.push(Reason::Backups { people });
        }
        Ok(self.finish(rule, decider, backups, &picked))
    }

    // --- rule selection -------------------------------------------------

    /// Names, first in the explanation, the rules before the match that were
    /// not tried because they are written for other types.
    fn explain_other_types(&mut self, others: &[usize], before: usize) {
        const NAMED: usize = 10;
        let skipped: Vec<&str> = others
            .iter()
            .take_while(|&&i| i < before)
            .filter_map(|&i| self.guide.rules.get(i))
            .map(|r| r.id.as_str())
            .collect();
        if skipped.is_empty() {
            return;
        }
        let reason = Reason::OtherTypes {
            decision_type: self.req.decision_type.clone(),
            rules: skipped.iter().take(NAMED).map(|&r| r.to_owned()).collect(),
            more: skipped.len().saturating_sub(NAMED),
        };
        self.explain.insert(0, reason);
    }

    /// Whether `rule` (already known to cover the request's type) matches.
    fn matches(&mut self, rule: &Rule) -> bool {
        let t = &self.req.decision_type;
        let Some(when) = &rule.when else {
            self.explain.push(Reason::RuleMatched {
                rule: rule.id.clone(),
                condition: None,
                decision_type: rule.types.is_some().then(|| t.clone()),
            });
            return true;
        };
        let context = self.cel_context(when);
        let (matched, error) = match when.evaluate(context) {
            Ok(matched) => (matched, None),
            Err(why) => (false, Some(why.to_string())),
        };
        let (rule, condition) = (rule.id.clone(), when.source().to_owned());
        self.explain.push(match matched {
            true => Reason::RuleMatched {
                rule,
                condition: Some(condition),
                decision_type: None,
            },
            false => Reason::RuleSkipped {
                rule,
                condition,
                error,
            },
        });
        matched
    }

    /// The CEL scope for `when`, with every variable it reads bound. Each
    /// variable is built at most once per request and only if some
    /// condition reads it: most requests never build `requester` at all.
    fn cel_context(&mut self, when: &Condition) -> &cel::Context<'static, 'static> {
        let (guide, dir, req, requester) = (self.guide, self.dir, self.req, self.requester);
        let context = self
            .cel
            .get_or_insert_with(|| condition::context(&guide.env));
        for (i, name) in condition::VARIABLES.iter().enumerate() {
            if !when.uses(i) || self.bound[i] {
                continue;
            }
            self.bound[i] = true;
            let value = match i {
                0 => condition::json_to_cel(&req.context),
                1 => guide
                    .types
                    .get(&req.decision_type)
                    .map_or(cel::Value::Null, |t| with_title(&t.cel, &req.title)),
                2 => requester.map_or(cel::Value::Null, |pid| requester_value(guide, dir, pid)),
                _ => cel::Value::Timestamp(req.at.fixed_offset()),
            };
            context.add_variable_from_value(*name, value);
        }
        context
    }

    // --- candidates -----------------------------------------------------

    /// The people a selector yields, in order, each once.
    fn expand(&mut self, sel: &'a Sel) -> Box<dyn Iterator<Item = Pid> + 'a> {
        match sel {
            Sel::Person(p) => Box::new(std::iter::once(*p)),
            Sel::Requester => Box::new(self.requester.into_iter()),
            Sel::ManagerOfRequester => {
                let dir = self.dir;
                let chain: Vec<Pid> =
                    std::iter::successors(self.requester, |p| dir.person(*p).manager)
                        .skip(1)
                        .take(dir.len())
                        .collect();
                if let Some(requester) = self.requester {
                    self.note(|me| Reason::ManagerChain {
                        requester: dir.id(requester).to_owned(),
                        chain: me.ids(&chain).into_iter().map(str::to_owned).collect(),
                    });
                }
                Box::new(chain.into_iter())
            }
            Sel::Role(name, RoleTarget::Person(p)) => {
                self.note(|me| Reason::RoleHeld {
                    role: name.clone(),
                    person: me.dir.id(*p).to_owned(),
                });
                Box::new(std::iter::once(*p))
            }
            Sel::Role(name, RoleTarget::Rotation(r)) => {
                self.note(|_| Reason::RoleRotates { role: name.clone() });
                self.rotation(*r)
            }
            Sel::Rotation(r) => self.rotation(*r),
            Sel::Expertise {
                index,
                exclude_requester,
                top,
            } => {
                let Some(ix) = self.guide.expertise.get(*index) else {
                    return Box::new(std::iter::empty());
                };
                self.note(|_| Reason::Expertise {
                    domain: ix.domain.clone(),
                    min_level: ix.min_level,
                    min_endorsements: ix.min_endorsements,
                    qualified: ix.ranked.len(),
                });
                let skip = if *exclude_requester {
                    self.requester
                } else {
                    None
                };
                let ranked = Ranked::new(ix, self.dir, self.state)
                    .map(|k| k.q.pid)
                    .filter(move |p| Some(*p) != skip)
                    .take(top.map_or(usize::MAX, |t| t as usize));
                Box::new(ranked)
            }
            Sel::AnyOf(list) => {
                let parts: Vec<_> = list.iter().map(|s| self.expand(s)).collect();
                let mut seen = HashSet::new();
                Box::new(parts.into_iter().flatten().filter(move |p| seen.insert(*p)))
            }
        }
    }

    fn rotation(&mut self, r: usize) -> Box<dyn Iterator<Item = Pid> + 'a> {
        let Some(rotation) = self.guide.rotation_at(r) else {
            return Box::new(std::iter::empty());
        };
        let at = self.req.at;
        let holding = match rotation.holder_at(self.dir, at) {
            Ok(holding) => holding,
            Err(NoHolder::NotStarted { first }) => {
                self.rotation_not_started = true;
                self.note(|_| Reason::RotationNotStarted {
                    rotation: rotation.name.clone(),
                    first,
                });
                return Box::new(std::iter::empty());
            }
            Err(NoHolder::BeyondHorizon { last }) => {
                self.note(|_| Reason::RotationBeyondHorizon {
                    rotation: rotation.name.clone(),
                    last,
                });
                return Box::new(std::iter::empty());
            }
        };
        self.note(|me| Reason::RotationHeld {
            rotation: rotation.name.clone(),
            holder: me.dir.id(holding.holder).to_owned(),
            via: match holding.via {
                Via::Schedule => reason::Holding::Schedule {
                    handoff: holding.handoff,
                    since: holding.since,
                },
                Via::Override { from, to } => reason::Holding::Override { from, to },
                Via::Skipped { scheduled } => reason::Holding::Skipped {
                    scheduled: me.dir.id(scheduled).to_owned(),
                },
            },
        });
        Box::new(rotation.order_from(&holding).into_iter())
    }

    /// Why `pid` cannot hold authority now, if they cannot.
    fn ineligible(&self, pid: Pid, ignore_load: bool) -> Option<reason::Exclusion> {
        if let Some(w) = self.dir.unavailable_at(pid, self.req.at) {
            return Some(reason::Exclusion::Unavailable {
                from: w.from,
                to: w.to,
            });
        }
        let person = self.dir.person(pid);
        if let (false, Some(max_load)) = (ignore_load, person.max_load) {
            let load = self.state.load_of(&person.id);
            if load >= max_load {
                return Some(reason::Exclusion::AtMaxLoad { load, max_load });
            }
        }
        None
    }

    fn pick_authority(&mut self, rule: &'a Rule) -> Result<Picked, ResolveError> {
        let spread = self.spread_counts(rule);
        let candidates = self.expand(&rule.authority);
        let picked = self.pick(candidates, rule.ignore_load, spread.as_ref(), rule);
        // `rotation_not_started` is the answer only when a rotation that has
        // not started is the reason: nobody was excluded for anything else.
        self.rotation_not_started &= picked.excluded == 0;
        if !picked.chosen.is_empty() || !picked.moved_back.is_empty() {
            return Ok(picked);
        }
        let Some((_, to)) = &rule.escalate else {
            return Ok(picked);
        };
        self.explain.push(Reason::TryingEscalation);
        let not_started = self.rotation_not_started;
        let candidates = self.expand(to);
        let fallback = self.pick(candidates, rule.ignore_load, spread.as_ref(), rule);
        self.rotation_not_started = not_started;
        Ok(fallback)
    }

    fn pick(
        &mut self,
        candidates: Box<dyn Iterator<Item = Pid> + 'a>,
        ignore_load: bool,
        spread: Option<&Spread>,
        rule: &Rule,
    ) -> Picked {
        let mut picked = Picked::default();
        for pid in candidates {
            if let Some(why) = self.ineligible(pid, ignore_load) {
                let person = self.dir.id(pid).to_owned();
                self.explain.push(Reason::Excluded { person, why });
                picked.excluded += 1;
                continue;
            }
            if let Some(s) = spread
                && let Some(reason) = s.over_share(self.dir.id(pid), rule)
            {
                self.explain.push(reason);
                picked.moved_back.push(pid);
                continue;
            }
            picked.chosen.push(pid);
            if picked.chosen.len() == SETTLED {
                break;
            }
        }
        picked
    }

    fn spread_counts(&self, rule: &'a Rule) -> Option<Spread<'a>> {
        let spread = rule.spread.as_ref()?;
        let from = self.req.at - spread.window.as_chrono();
        let to = self.req.at;
        let state: &'a OrgState = self.state;
        let (counts, total) = match &state.history_index {
            Some(index) => {
                let total = index.count(|t| rule.applies_to_type(t), None, from, to);
                (
                    Counts::Indexed {
                        index,
                        rule,
                        from,
                        to,
                    },
                    total,
                )
            }
            None => {
                // Hashed with Fx, not SipHash: this runs for every decision
                // of the window on every resolution, and its keys are ids
                // from the directory.
                let mut by_decider: rustc_hash::FxHashMap<&'a str, usize> = Default::default();
                let mut total = 0usize;
                for d in &state.history {
                    if d.decided_at > from
                        && d.decided_at <= to
                        && rule.applies_to_type(&d.decision_type)
                    {
                        total += 1;
                        *by_decider.entry(d.decider.as_str()).or_default() += 1;
                    }
                }
                (Counts::Walked(by_decider), total)
            }
        };
        Some(Spread {
            counts,
            total,
            max_share: spread.max_share,
            window: spread.window.to_string(),
        })
    }

    fn no_one(&mut self, rule: &Rule) -> ResolveError {
        let code = if self.rotation_not_started {
            ErrorCode::RotationNotStarted
        } else {
            ErrorCode::NoEligibleAuthority
        };
        let message = format!(
            "rule `{}` matched but nobody is eligible to decide{}",
            rule.id,
            if rule.escalate.is_some() {
                ", nor anyone to escalate to"
            } else {
                ""
            }
        );
        self.error(code, message)
    }

    /// The error `code`, with everything tried so far.
    fn error(&mut self, code: ErrorCode, message: String) -> ResolveError {
        let reasons = std::mem::take(&mut self.explain);
        ResolveError {
            code,
            message,
            explanation: reason::texts(&reasons),
            reasons,
        }
    }

    fn explain_decider(&mut self, rule: &Rule, decider: Pid) {
        let p = self.dir.person(decider);
        let mut credentials = Vec::new();
        rule.authority.walk(&mut |s| {
            if let Sel::Expertise { index, .. } = s
                && let Some(ix) = self.guide.expertise.get(*index)
                && let Some(q) = ix.get(decider)
            {
                credentials.push(reason::Credential {
                    domain: ix.domain.clone(),
                    level: q.level,
                    endorsements: q.endorsements,
                    track_record: self.state.track_record(&p.id, &ix.domain),
                });
            }
        });
        self.explain.push(Reason::Decider {
            person: p.id.clone(),
            name: p.name.clone(),
            framework: rule.framework,
            credentials,
            load: self.state.load_of(&p.id),
            max_load: p.max_load,
        });
    }

    // --- roster and protocol -------------------------------------------

    /// People for a roster list. A role, rotation or manager chain
    /// contributes its first person (the holder, the manager); an expertise
    /// query contributes its `top` (all qualified without `top`).
    fn roster_people(&mut self, sels: &'a [Sel]) -> Vec<Pid> {
        let mut out = Vec::new();
        for sel in sels {
            self.roster_from(sel, &mut out);
        }
        out
    }

    fn roster_from(&mut self, sel: &'a Sel, out: &mut Vec<Pid>) {
        let people: Vec<Pid> = match sel {
            Sel::AnyOf(list) => {
                for s in list {
                    self.roster_from(s, out);
                }
                return;
            }
            Sel::Expertise { .. } => self.expand_quietly(sel).collect(),
            _ => self.expand_quietly(sel).take(1).collect(),
        };
        for p in people {
            if !out.contains(&p) {
                out.push(p);
            }
        }
    }

    /// Expands without adding explanation lines: roster lists are reported
    /// once, as a whole.
    fn expand_quietly(&mut self, sel: &'a Sel) -> Box<dyn Iterator<Item = Pid> + 'a> {
        let flag = self.rotation_not_started;
        self.quiet = true;
        let it = self.expand(sel);
        self.quiet = false;
        self.rotation_not_started = flag;
        it
    }

    /// Adds an explanation line, unless expanding quietly.
    fn note(&mut self, reason: impl FnOnce(&Self) -> Reason) {
        if !self.quiet {
            let reason = reason(self);
            self.explain.push(reason);
        }
    }

    fn finish(
        &mut self,
        rule: &'a Rule,
        decider: Pid,
        backups: Vec<Pid>,
        picked: &Picked,
    ) -> Resolution {
        let at = self.req.at;
        let agree = self.roster_people(&rule.agree);
        let inform = self.roster_people(&rule.inform);
        let mut input: Vec<Pid> = self
            .roster_people(&rule.consult)
            .into_iter()
            .filter(|p| *p != decider)
            .collect();
        for p in &picked.moved_back {
            if *p != decider && !input.contains(p) {
                input.push(*p);
                self.explain.push(Reason::PairedConsultant {
                    person: self.dir.id(*p).to_owned(),
                });
            }
        }
        let escalation = rule.escalate.as_ref().map(|(after, to)| {
            let candidates = self.expand_quietly(to);
            let target = candidates
                .filter(|p| *p != decider)
                .find(|p| self.ineligible(*p, rule.ignore_load).is_none());
            let deadline = at + after.as_chrono();
            self.explain.push(Reason::Escalates {
                to: target.map(|t| self.dir.id(t).to_owned()),
                at: deadline,
            });
            Escalation {
                deadline,
                to: target.map(|t| self.dir.id(t).to_owned()),
            }
        });
        let deliberation = Deliberation {
            deadline: at + rule.deliberation.as_chrono(),
            tiebreaker: rule.tiebreaker.clone(),
        };
        let consensus_check = rule.consensus_check.as_ref().map(|c| ConsensusWindow {
            deadline: at + c.window.as_chrono(),
            on_objection: c.on_objection,
        });
        let ids =
            |v: &[Pid]| -> Vec<String> { v.iter().map(|p| self.dir.id(*p).to_owned()).collect() };
        Resolution {
            team: self.guide.team.clone(),
            decision_type: self.req.decision_type.clone(),
            rule: rule.id.clone(),
            framework: rule.framework,
            decider: self.dir.id(decider).to_owned(),
            backups: ids(&backups),
            roster: crate::resolve::Roster {
                decide: self.dir.id(decider).to_owned(),
                recommend: self.requester.map(|p| self.dir.id(p).to_owned()),
                agree: ids(&agree),
                input: ids(&input),
                inform: ids(&inform),
            },
            escalation,
            deliberation,
            consensus_check,
            guide_version: self.guide.version.clone(),
            at,
            explanation: reason::texts(&self.explain),
            reasons: std::mem::take(&mut self.explain),
        }
    }

    fn ids(&self, people: &[Pid]) -> Vec<&str> {
        people.iter().map(|p| self.dir.id(*p)).collect()
    }
}

/// Decided counts per person for one rule's `spread`.
struct Spread<'a> {
    counts: Counts<'a>,
    total: usize,
    max_share: f64,
    window: String,
}

/// Where a `spread`'s per-person counts come from.
enum Counts<'a> {
    /// Counted by walking the history once.
    Walked(rustc_hash::FxHashMap<&'a str, usize>),
    /// Asked of the history's index, person by person.
    Indexed {
        index: &'a HistoryIndex,
        rule: &'a Rule,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    },
}

impl Counts<'_> {
    fn of(&self, id: &str) -> usize {
        match self {
            Counts::Walked(counts) => counts.get(id).copied().unwrap_or(0),
            Counts::Indexed {
                index,
                rule,
                from,
                to,
            } => index.count(|t| rule.applies_to_type(t), Some(id), *from, *to),
        }
    }
}

/// `spread` acts only once a rule has this many decisions in its window.
pub(crate) const SPREAD_MINIMUM: usize = 5;

impl Spread<'_> {
    fn over_share(&self, id: &str, rule: &Rule) -> Option<Reason> {
        if self.total < SPREAD_MINIMUM {
            return None;
        }
        let n = self.counts.of(id);
        let share = n as f64 / self.total as f64;
        (share > self.max_share).then(|| Reason::MovedBack {
            person: id.to_owned(),
            rule: rule.id.clone(),
            decided: n,
            total: self.total,
            window: self.window.clone(),
            share,
            max_share: self.max_share,
        })
    }
}

/// `requester` as CEL sees it.
fn requester_value(guide: &Guide, dir: &Directory, pid: Pid) -> cel::Value {
    let p = dir.person(pid);
    let teams = p
        .teams
        .iter()
        .map(|t| cel::Value::from(t.as_str()))
        .collect::<Vec<_>>();
    condition::string_map([
        ("id", cel::Value::from(p.id.as_str())),
        ("rank", cel::Value::Int(p.rank)),
        ("teams", cel::Value::List(std::sync::Arc::new(teams))),
        (
            "is_leader",
            cel::Value::Bool(dir.is_leader(pid, guide.settings.leader_rank)),
        ),
    ])
}

/// The type's `decision` map with this request's title added.
fn with_title(base: &cel::Value, title: &str) -> cel::Value {
    match base {
        cel::Value::Map(m) => {
            let mut map = (*m.map).clone();
            map.insert(
                cel::objects::Key::String(std::sync::Arc::new("title".to_owned())),
                cel::Value::from(title),
            );
            cel::Value::Map(cel::objects::Map {
                map: std::sync::Arc::new(map),
            })
        }
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests;
