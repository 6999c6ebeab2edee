//! The log as the analytics read it: one compact row of facts per decision,
//! kept in columns, so that a metric over ten million decisions is a scan
//! of a few arrays rather than a parse of ten million JSON records.
//!
//! A [`Facts`] is a projection: it holds what SPEC §6 counts (who, which
//! type, when opened and decided, escalated, overridden, the outcome) and
//! nothing a metric does not read. Strings are interned once ([`Name`]);
//! instants are microseconds since the epoch, the precision the store
//! keeps. Each decision sits at the slot of its id (ids are dense from 1),
//! so bringing the projection up to date with a changed decision is an
//! overwrite, never a search.
//!
//! Whether a decider was a formal leader or a validated expert depends on
//! the directory of the day and the team's settings, not on the log alone:
//! those judgments are a derived column, refreshed by [`Facts::judge`]
//! whenever a decision changes or the versions they rest on do.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};

use super::judge::Judge;
use crate::guide::file::Framework;
use crate::ident::DecisionId;
use crate::lifecycle::{Decision, OutcomeResult, SYSTEM, Status};

/// An interned string: a team, a type, a person, a rule, a guide version or
/// a domain.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Name(u32);

impl Name {
    /// Its place in an array of [`Facts::names`] entries.
    pub fn index(self) -> usize {
        self.0 as usize
    }

    /// The name at place `index` of such an array.
    pub(super) fn at(index: usize) -> Self {
        Self(u32::try_from(index).unwrap_or(u32::MAX))
    }
}

/// An interned list of domains.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct DomainSet(u32);

/// One decision's facts, decoded from the columns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fact {
    pub slot: u32,
    pub team: Name,
    pub decision_type: Name,
    /// Who holds authority now (the delegator while a delegate is set).
    pub decider: Name,
    /// Whose call the decision was, once decided: the person who decided,
    /// or the authority holder when a tiebreaker rule settled it.
    pub call: Option<Name>,
    /// Settled by a tiebreaker rule: recorded as decided by baton itself.
    pub by_rule: bool,
    /// Whom the guide routed the decision to.
    pub routed: Name,
    pub delegate: Option<Name>,
    pub rule: Name,
    pub guide_version: Name,
    pub domains: DomainSet,
    pub framework: Framework,
    pub status: Status,
    pub escalated: bool,
    pub overridden: bool,
    pub outcome: Option<OutcomeResult>,
    /// Microseconds since the epoch.
    pub opened: i64,
    pub decided: Option<i64>,
    /// When the outcome was recorded, to the second.
    pub outcome_at: Option<i64>,
    /// When it escalated, to the second; `None` also where the log does
    /// not say (escalated before the instant was kept, or imported).
    pub escalated_at: Option<i64>,
    pub review_on: Option<NaiveDate>,
}

impl Fact {
    pub fn id(&self) -> DecisionId {
        slot_id(self.slot)
    }

    /// `decided − opened` in whole seconds, never negative (a log whose
    /// clocks disagreed); `None` while undecided.
    pub fn seconds_to_decide(&self) -> Option<i64> {
        self.decided
            .map(|decided| ((decided - self.opened) / MICROS_PER_SECOND).max(0))
    }
}

/// The projection's names and domain sets, copied out of it.
#[derive(Clone, Debug, Default)]
pub struct Dictionary {
    names: Vec<String>,
    domains: Vec<Vec<String>>,
}

impl Dictionary {
    pub fn text(&self, name: Name) -> &str {
        self.names.get(name.index()).map_or("", String::as_str)
    }

    pub fn domains(&self, set: DomainSet) -> &[String] {
        self.domains
            .get(set.0 as usize)
            .map_or(&[][..], Vec::as_slice)
    }
}

/// The words a few alerts quote: kept only for decisions that could need
/// them (overridden, or awaiting an outcome review), since ten million
/// titles would outweigh every other column together.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Note {
    pub title: String,
    pub override_reason: Option<String>,
}

/// What a decider was, by the directory of the day they decided.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Judgment {
    pub leader: bool,
    pub expert: bool,
}

/// One decision as the projection takes it in: borrowed, so a reader of
/// the store's columns allocates nothing per row. Instants are
/// microseconds since the epoch.
#[derive(Clone, Copy, Debug)]
pub struct FactRow<'a> {
    pub id: DecisionId,
    pub team: &'a str,
    pub decision_type: &'a str,
    /// Kept only where an alert may quote it.
    pub title: &'a str,
    pub decider: &'a str,
    /// As recorded: [`SYSTEM`] for a tiebreak by rule.
    pub decided_by: Option<&'a str>,
    pub routed: &'a str,
    pub delegate: Option<&'a str>,
    pub rule: &'a str,
    pub guide_version: &'a str,
    pub domains: &'a [String],
    pub framework: Framework,
    pub status: Status,
    pub escalated: bool,
    pub overridden: bool,
    pub override_reason: Option<&'a str>,
    pub outcome: Option<OutcomeResult>,
    pub opened_at: i64,
    pub decided_at: Option<i64>,
    pub outcome_at: Option<i64>,
    pub escalated_at: Option<i64>,
    pub review_on: Option<NaiveDate>,
}

impl<'a> FactRow<'a> {
    pub fn of(d: &'a Decision) -> Self {
        Self {
            id: d.id,
            team: &d.team,
            decision_type: &d.decision_type,
            title: &d.title,
            decider: &d.decider,
            decided_by: d.decided_by.as_deref(),
            routed: &d.resolution.decider,
            delegate: d.delegate.as_deref(),
            rule: &d.resolution.rule,
            guide_version: &d.resolution.guide_version,
            domains: &d.domains,
            framework: d.resolution.framework,
            status: d.status,
            escalated: d.escalated,
            overridden: d.overridden,
            override_reason: d.override_reason.as_deref(),
            outcome: d.outcome.as_ref().map(|o| o.result),
            opened_at: micros(d.opened_at),
            decided_at: d.decided_at.map(micros),
            outcome_at: d.outcome.as_ref().map(|o| micros(o.at)),
            escalated_at: d.escalated_at.map(micros),
            review_on: d.review_on,
        }
    }
}

/// A [`FactRow`] that owns its text: what a reader holds between reading
/// rows and taking the projection's lock to apply them.
#[derive(Clone, Debug)]
pub struct OwnedFactRow {
    texts: [String; 7],
    decided_by: Option<String>,
    delegate: Option<String>,
    override_reason: Option<String>,
    domains: Vec<String>,
    row: FactRow<'static>,
}

impl OwnedFactRow {
    pub fn new(row: &FactRow<'_>) -> Self {
        Self {
            texts: [
                row.team,
                row.decision_type,
                row.title,
                row.decider,
                row.routed,
                row.rule,
                row.guide_version,
            ]
            .map(str::to_owned),
            decided_by: row.decided_by.map(str::to_owned),
            delegate: row.delegate.map(str::to_owned),
            override_reason: row.override_reason.map(str::to_owned),
            domains: row.domains.to_vec(),
            // The borrowed fields are replaced by `row()`.
            row: FactRow {
                team: "",
                decision_type: "",
                title: "",
                decider: "",
                decided_by: None,
                routed: "",
                delegate: None,
                rule: "",
                guide_version: "",
                domains: &[],
                override_reason: None,
                ..*row
            },
        }
    }

    pub fn row(&self) -> FactRow<'_> {
        let [
            team,
            decision_type,
            title,
            decider,
            routed,
            rule,
            guide_version,
        ] = &self.texts;
        FactRow {
            team,
            decision_type,
            title,
            decider,
            decided_by: self.decided_by.as_deref(),
            routed,
            delegate: self.delegate.as_deref(),
            rule,
            guide_version,
            domains: &self.domains,
            override_reason: self.override_reason.as_deref(),
            ..self.row
        }
    }
}

pub(crate) const MICROS_PER_SECOND: i64 = 1_000_000;

/// An instant as the projection keeps it.
pub fn micros(t: DateTime<Utc>) -> i64 {
    t.timestamp_micros()
}

/// A kept instant back as a `DateTime`.
pub fn instant_of(micros: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(micros).unwrap_or(DateTime::<Utc>::MIN_UTC)
}

fn slot_id(slot: u32) -> DecisionId {
    // INVARIANT: slots are ids − 1 of positive ids.
    DecisionId::new(i64::from(slot) + 1).unwrap_or(DecisionId::FIRST)
}

/// Strings, each stored once.
#[derive(Clone, Debug, Default)]
struct Names {
    list: Vec<Box<str>>,
    index: HashMap<Box<str>, Name>,
}

impl Names {
    fn intern(&mut self, text: &str) -> Name {
        if let Some(&name) = self.index.get(text) {
            return name;
        }
        let name = Name(u32::try_from(self.list.len()).unwrap_or(u32::MAX));
        self.list.push(text.into());
        self.index.insert(text.into(), name);
        name
    }

    fn get(&self, text: &str) -> Option<Name> {
        self.index.get(text).copied()
    }

    fn text(&self, name: Name) -> &str {
        self.list.get(name.0 as usize).map_or("", |t| t)
    }
}

const FRAMEWORKS: [Framework; 7] = Framework::ALL;

fn framework_code(f: Framework) -> u8 {
    FRAMEWORKS.iter().position(|&x| x == f).unwrap_or(6) as u8
}

/// Beside the framework in its byte: settled by a tiebreaker rule.
const BY_RULE: u8 = 128;

fn status_code(s: Status) -> u8 {
    Status::ALL.iter().position(|&x| x == s).unwrap_or(0) as u8
}

/// The status byte of a slot no decision holds.
const ABSENT: u8 = u8::MAX;
/// A person column with nobody in it.
const NOBODY: u32 = u32::MAX;
/// An instant column with no instant in it.
const NEVER: i64 = i64::MIN;
/// A seconds-after-opening column with no instant in it.
const NO_DELTA: i32 = i32::MIN;

/// Flag bits.
const ESCALATED: u8 = 1;
const OVERRIDDEN: u8 = 2;
/// Outcome: 2 bits after the flags, 0 for none.
const OUTCOME_SHIFT: u8 = 2;
/// A delegate is set (its name is in the sparse `delegates` map): most
/// decisions have none, and decoding them need not look.
const DELEGATED: u8 = 16;
const OUTCOMES: [OutcomeResult; 3] = [
    OutcomeResult::Success,
    OutcomeResult::Partial,
    OutcomeResult::Failure,
];

/// Judgment bits, beside the flags.
const JUDGED: u8 = 32;
const LEADER: u8 = 64;
const EXPERT: u8 = 128;
const JUDGMENT: u8 = JUDGED | LEADER | EXPERT;

/// The projection: every decision's facts, by slot.
#[derive(Clone, Debug, Default)]
pub struct Facts {
    names: Names,
    domain_sets: Vec<Box<[Name]>>,
    domain_index: HashMap<Box<[Name]>, DomainSet>,
    status: Vec<u8>,
    framework: Vec<u8>,
    flags: Vec<u8>,
    team: Vec<u32>,
    decision_type: Vec<u32>,
    decider: Vec<u32>,
    call: Vec<u32>,
    routed: Vec<u32>,
    rule: Vec<u32>,
    guide_version: Vec<u32>,
    domains: Vec<u32>,
    opened: Vec<i64>,
    decided: Vec<i64>,
    /// Seconds after opening that the outcome was recorded; [`NO_DELTA`]
    /// for none.
    outcome_after: Vec<i32>,
    /// Escalations and review dates are few: kept by slot.
    escalated_after: HashMap<u32, i32>,
    /// Days since the epoch.
    review_on: HashMap<u32, i32>,
    /// The few delegated decisions' delegates.
    delegates: HashMap<u32, Name>,
    notes: HashMap<u32, Note>,
    /// Slots changed since they were last judged.
    unjudged: Vec<u32>,
    /// Which names are teams some decision belongs to, by name.
    is_team: Vec<bool>,
    count: usize,
}

impl Facts {
    pub fn new() -> Self {
        Self::default()
    }

    /// Room for `decisions` more without reallocating: a build that knows
    /// its size grows each column once.
    pub fn reserve(&mut self, decisions: usize) {
        self.status.reserve(decisions);
        self.framework.reserve(decisions);
        self.flags.reserve(decisions);
        self.team.reserve(decisions);
        self.decision_type.reserve(decisions);
        self.decider.reserve(decisions);
        self.call.reserve(decisions);
        self.routed.reserve(decisions);
        self.rule.reserve(decisions);
        self.guide_version.reserve(decisions);
        self.domains.reserve(decisions);
        self.opened.reserve(decisions);
        self.decided.reserve(decisions);
        self.outcome_after.reserve(decisions);
    }

    /// The projection of `decisions`, judged by `judge`.
    pub fn of(decisions: &[Decision], judge: &Judge<'_>) -> Self {
        let mut facts = Self::new();
        facts.reserve(decisions.len());
        for d in decisions {
            facts.upsert(&FactRow::of(d));
        }
        facts.judge(judge, true);
        facts
    }

    /// How many decisions the projection holds.
    pub fn len(&self) -> usize {
        self.count
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The number of slots: one past the highest id held.
    pub fn slots(&self) -> u32 {
        u32::try_from(self.status.len()).unwrap_or(u32::MAX)
    }

    /// Takes in a decision, new or changed.
    pub fn upsert(&mut self, row: &FactRow<'_>) {
        let Ok(slot) = u32::try_from(row.id.get() - 1) else {
            return;
        };
        let index = slot as usize;
        if index >= self.status.len() {
            self.grow(index + 1);
        }
        if self.status.get(index) == Some(&ABSENT) {
            self.count += 1;
        }
        let team = self.names.intern(row.team).0;
        if self.is_team.len() <= team as usize {
            self.is_team.resize(team as usize + 1, false);
        }
        set(&mut self.is_team, team as usize, true);
        let decision_type = self.names.intern(row.decision_type).0;
        let decider = self.names.intern(row.decider).0;
        let call = match (row.decided_at, row.decided_by) {
            (None, _) => NOBODY,
            (Some(_), Some(who)) if who != SYSTEM => self.names.intern(who).0,
            (Some(_), _) => decider,
        };
        let routed = self.names.intern(row.routed).0;
        let rule = self.names.intern(row.rule).0;
        let guide_version = self.names.intern(row.guide_version).0;
        let domains = self.domain_set(row.domains).0;
        let mut flags = 0;
        if row.escalated {
            flags |= ESCALATED;
        }
        if row.overridden {
            flags |= OVERRIDDEN;
        }
        if let Some(outcome) = row.outcome {
            let code = OUTCOMES.iter().position(|&o| o == outcome).unwrap_or(0) as u8 + 1;
            flags |= code << OUTCOME_SHIFT;
        }
        if row.delegate.is_some() {
            flags |= DELEGATED;
        }
        let review_on = row
            .review_on
            .and_then(|day| i32::try_from((day - NaiveDate::default()).num_days()).ok());
        set(&mut self.status, index, status_code(row.status));
        let by_rule = row.decided_at.is_some() && row.decided_by == Some(SYSTEM);
        set(
            &mut self.framework,
            index,
            framework_code(row.framework) | if by_rule { BY_RULE } else { 0 },
        );
        set(&mut self.flags, index, flags);
        set(&mut self.team, index, team);
        set(&mut self.decision_type, index, decision_type);
        set(&mut self.decider, index, decider);
        set(&mut self.call, index, call);
        set(&mut self.routed, index, routed);
        set(&mut self.rule, index, rule);
        set(&mut self.guide_version, index, guide_version);
        set(&mut self.domains, index, domains);
        set(&mut self.opened, index, row.opened_at);
        set(&mut self.decided, index, row.decided_at.unwrap_or(NEVER));
        let after = |at: Option<i64>| at.map_or(NO_DELTA, |at| delta(row.opened_at, at));
        set(&mut self.outcome_after, index, after(row.outcome_at));
        sparse(
            &mut self.escalated_after,
            slot,
            row.escalated_at.map(|at| delta(row.opened_at, at)),
        );
        sparse(&mut self.review_on, slot, review_on);
        match row.delegate {
            Some(delegate) => {
                let name = self.names.intern(delegate);
                self.delegates.insert(slot, name);
            }
            None => {
                self.delegates.remove(&slot);
            }
        }
        let noted = row.overridden || (row.review_on.is_some() && row.outcome.is_none());
        if noted {
            self.notes.insert(
                slot,
                Note {
                    title: row.title.to_owned(),
                    override_reason: row.override_reason.map(str::to_owned),
                },
            );
        } else {
            self.notes.remove(&slot);
        }
        self.unjudged.push(slot);
    }

    fn grow(&mut self, slots: usize) {
        self.status.resize(slots, ABSENT);
        self.framework.resize(slots, 0);
        self.flags.resize(slots, 0);
        self.team.resize(slots, NOBODY);
        self.decision_type.resize(slots, NOBODY);
        self.decider.resize(slots, NOBODY);
        self.call.resize(slots, NOBODY);
        self.routed.resize(slots, NOBODY);
        self.rule.resize(slots, NOBODY);
        self.guide_version.resize(slots, NOBODY);
        self.domains.resize(slots, 0);
        self.opened.resize(slots, NEVER);
        self.decided.resize(slots, NEVER);
        self.outcome_after.resize(slots, NO_DELTA);
    }

    fn domain_set(&mut self, domains: &[String]) -> DomainSet {
        let names: Vec<Name> = domains.iter().map(|d| self.names.intern(d)).collect();
        if let Some(&set) = self.domain_index.get(names.as_slice()) {
            return set;
        }
        let set = DomainSet(u32::try_from(self.domain_sets.len()).unwrap_or(u32::MAX));
        let boxed: Box<[Name]> = names.into_boxed_slice();
        self.domain_sets.push(boxed.clone());
        self.domain_index.insert(boxed, set);
        set
    }

    /// Judges every decision changed since the last call (every decision,
    /// with `all`: the directory or a guide changed).
    pub fn judge(&mut self, judge: &Judge<'_>, all: bool) {
        let slots: Vec<u32> = if all {
            self.unjudged.clear();
            (0..self.slots()).collect()
        } else {
            std::mem::take(&mut self.unjudged)
        };
        let mut memo: HashMap<(usize, u32, u32, u32), u8> = HashMap::new();
        for slot in slots {
            let index = slot as usize;
            let (Some(&call), Some(&decided)) = (self.call.get(index), self.decided.get(index))
            else {
                continue;
            };
            if call == NOBODY || decided == NEVER {
                self.set_judgment(index, JUDGED);
                continue;
            }
            let at = instant_of(decided);
            let version = judge.directories().index_at(at);
            let team = self.team.get(index).copied().unwrap_or(NOBODY);
            let domains = self.domains.get(index).copied().unwrap_or(0);
            let key = (version, call, team, domains);
            let bits = match memo.get(&key) {
                Some(&bits) => bits,
                None => {
                    let set_names = self
                        .domain_sets
                        .get(domains as usize)
                        .map_or(&[][..], |s| s);
                    let domain_texts: Vec<&str> =
                        set_names.iter().map(|&n| self.names.text(n)).collect();
                    let judged = judge.judge_person(
                        at,
                        self.names.text(Name(team)),
                        self.names.text(Name(call)),
                        &domain_texts,
                    );
                    let mut bits = JUDGED;
                    if let Some(j) = judged {
                        if j.leader {
                            bits |= LEADER;
                        }
                        if j.expert {
                            bits |= EXPERT;
                        }
                    }
                    memo.insert(key, bits);
                    bits
                }
            };
            self.set_judgment(index, bits);
        }
    }

    fn set_judgment(&mut self, index: usize, bits: u8) {
        if let Some(flags) = self.flags.get_mut(index) {
            *flags = (*flags & !JUDGMENT) | bits;
        }
    }

    /// The facts at `slot`, or `None` for a slot no decision holds.
    pub fn get(&self, slot: u32) -> Option<Fact> {
        let i = slot as usize;
        let status = *self.status.get(i)?;
        if status == ABSENT {
            return None;
        }
        let flags = *self.flags.get(i)?;
        let person = |v: u32| (v != NOBODY).then_some(Name(v));
        let outcome_code = (flags >> OUTCOME_SHIFT) & 3;
        let review_on = self.review_on.get(&slot).copied();
        let decided = *self.decided.get(i)?;
        let opened = *self.opened.get(i)?;
        Some(Fact {
            slot,
            team: Name(*self.team.get(i)?),
            decision_type: Name(*self.decision_type.get(i)?),
            decider: Name(*self.decider.get(i)?),
            call: person(*self.call.get(i)?),
            routed: Name(*self.routed.get(i)?),
            delegate: if flags & DELEGATED != 0 {
                self.delegates.get(&slot).copied()
            } else {
                None
            },
            rule: Name(*self.rule.get(i)?),
            guide_version: Name(*self.guide_version.get(i)?),
            domains: DomainSet(*self.domains.get(i)?),
            framework: FRAMEWORKS
                .get((*self.framework.get(i)? & !BY_RULE) as usize)
                .copied()
                .unwrap_or(Framework::Unknown),
            by_rule: *self.framework.get(i)? & BY_RULE != 0,
            status: Status::ALL
                .get(status as usize)
                .copied()
                .unwrap_or(Status::Routed),
            escalated: flags & ESCALATED != 0,
            overridden: flags & OVERRIDDEN != 0,
            outcome: outcome_code
                .checked_sub(1)
                .and_then(|c| OUTCOMES.get(c as usize).copied()),
            opened: *self.opened.get(i)?,
            decided: (decided != NEVER).then_some(decided),
            outcome_at: undelta(opened, *self.outcome_after.get(i)?),
            escalated_at: self
                .escalated_after
                .get(&slot)
                .and_then(|&d| undelta(opened, d)),
            review_on: review_on.and_then(|days| {
                NaiveDate::default().checked_add_signed(chrono::TimeDelta::days(i64::from(days)))
            }),
        })
    }

    /// Every decision's facts, in id order.
    pub fn iter(&self) -> impl Iterator<Item = Fact> + '_ {
        (0..self.slots()).filter_map(|slot| self.get(slot))
    }

    /// What the decider of decided `slot` was on the day.
    pub fn judgment(&self, slot: u32) -> Judgment {
        let bits = self.flags.get(slot as usize).copied().unwrap_or(0);
        Judgment {
            leader: bits & LEADER != 0,
            expert: bits & EXPERT != 0,
        }
    }

    /// How many names are interned: an array indexed by [`Name::index`]
    /// of this length has a place for each.
    pub fn names(&self) -> usize {
        self.names.list.len()
    }

    /// Every name's text, by [`Name::index`], and every domain set's
    /// domains: what a reader outside the projection's lock resolves
    /// names with.
    pub fn dictionary(&self) -> Dictionary {
        Dictionary {
            names: self.names.list.iter().map(|n| n.to_string()).collect(),
            domains: self
                .domain_sets
                .iter()
                .map(|set| set.iter().map(|&n| self.names.text(n).to_owned()).collect())
                .collect(),
        }
    }

    /// The interned name of `text`, if any decision mentions it.
    pub fn name(&self, text: &str) -> Option<Name> {
        self.names.get(text)
    }

    /// The text of an interned name.
    pub fn text(&self, name: Name) -> &str {
        self.names.text(name)
    }

    /// The domains of a set.
    pub fn domains(&self, set: DomainSet) -> impl Iterator<Item = &str> + '_ {
        self.domain_sets
            .get(set.0 as usize)
            .into_iter()
            .flatten()
            .map(|&n| self.names.text(n))
    }

    /// The title and override reason of `slot`, when kept.
    pub fn note(&self, slot: u32) -> Option<&Note> {
        self.notes.get(&slot)
    }

    /// Every team some decision belongs to.
    pub fn teams(&self) -> impl Iterator<Item = Name> + '_ {
        self.is_team
            .iter()
            .enumerate()
            .filter(|(_, team)| **team)
            .map(|(i, _)| Name(i as u32))
    }

    /// Every delegated decision with its delegate, in no set order.
    pub fn delegated(&self) -> impl Iterator<Item = (Fact, Name)> + '_ {
        self.delegates
            .iter()
            .filter_map(|(&slot, &delegate)| Some((self.get(slot)?, delegate)))
    }

    /// Every decision whose title is kept, with it, in no set order.
    pub fn noted(&self) -> impl Iterator<Item = (Fact, &Note)> + '_ {
        self.notes
            .iter()
            .filter_map(|(&slot, note)| Some((self.get(slot)?, note)))
    }

    /// The columns a scan of one team's window reads, as slices.
    pub(super) fn scan(&self) -> Scan<'_> {
        Scan {
            status: &self.status,
            team: &self.team,
            opened: &self.opened,
            decided: &self.decided,
            rule: &self.rule,
            decider: &self.decider,
            call: &self.call,
        }
    }
}

/// The hot columns, for loops that filter before decoding.
pub(super) struct Scan<'a> {
    pub status: &'a [u8],
    pub team: &'a [u32],
    pub opened: &'a [i64],
    pub decided: &'a [i64],
    rule: &'a [u32],
    decider: &'a [u32],
    call: &'a [u32],
}

impl Scan<'_> {
    /// Whether `slot` holds a decision of `team` (any team with `None`).
    pub fn in_scope(&self, slot: usize, team: Option<Name>) -> bool {
        self.status.get(slot).is_some_and(|&s| s != ABSENT)
            && team.is_none_or(|t| self.team.get(slot) == Some(&t.0))
    }

    /// The team of the decision at `slot`; `None` for an empty slot.
    pub fn team_of(&self, slot: usize) -> Option<Name> {
        let status = *self.status.get(slot)?;
        (status != ABSENT).then(|| self.team.get(slot).map(|&t| Name(t)))?
    }

    /// Whether the decision at `slot` is still open (escalated included).
    pub fn open(&self, slot: usize) -> bool {
        self.status
            .get(slot)
            .and_then(|&s| Status::ALL.get(s as usize))
            .is_some_and(|s| s.is_open())
    }

    pub fn rule_of(&self, slot: usize) -> Option<Name> {
        self.rule.get(slot).map(|&r| Name(r))
    }

    pub fn decider_of(&self, slot: usize) -> Option<Name> {
        self.decider
            .get(slot)
            .filter(|&&d| d != NOBODY)
            .map(|&d| Name(d))
    }

    pub fn call_of(&self, slot: usize) -> Option<Name> {
        self.call
            .get(slot)
            .filter(|&&c| c != NOBODY)
            .map(|&c| Name(c))
    }
}

/// An instant after opening, as a column keeps it: whole seconds, within
/// ±68 years (beyond, the nearest that fits).
fn delta(opened: i64, at: i64) -> i32 {
    let seconds = at.saturating_sub(opened) / MICROS_PER_SECOND;
    i32::try_from(seconds).unwrap_or(if seconds < 0 { i32::MIN + 1 } else { i32::MAX })
}

fn undelta(opened: i64, delta: i32) -> Option<i64> {
    (delta != NO_DELTA).then(|| opened.saturating_add(i64::from(delta) * MICROS_PER_SECOND))
}

/// Keeps `value` for `slot` in a sparse column, or forgets it.
fn sparse(column: &mut HashMap<u32, i32>, slot: u32, value: Option<i32>) {
    match value {
        Some(v) => {
            column.insert(slot, v);
        }
        None => {
            column.remove(&slot);
        }
    }
}

fn set<T: Copy>(column: &mut [T], index: usize, value: T) {
    if let Some(cell) = column.get_mut(index) {
        *cell = value;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_instant_survives_the_projection_to_the_microsecond() {
        let t: DateTime<Utc> = "2026-03-01T12:00:00.123456Z".parse().unwrap();
        assert_eq!(instant_of(micros(t)), t);
    }

    #[test]
    fn a_decision_survives_the_projection() {
        let mut facts = Facts::new();
        let day: NaiveDate = "2026-04-30".parse().unwrap();
        let domains = vec!["db".to_owned()];
        let at = |t: &str| micros(t.parse().unwrap());
        let row = FactRow {
            id: DecisionId::new(3).unwrap(),
            team: "core",
            decision_type: "design",
            title: "t",
            decider: "kim",
            decided_by: Some(SYSTEM),
            routed: "kim",
            delegate: Some("raj"),
            rule: "r",
            guide_version: "sha256:x",
            domains: &domains,
            framework: Framework::Expertise,
            status: Status::Decided,
            escalated: true,
            overridden: false,
            override_reason: None,
            outcome: Some(OutcomeResult::Partial),
            opened_at: at("2026-03-01T00:00:00Z"),
            decided_at: Some(at("2026-03-02T00:00:00.5Z")),
            outcome_at: Some(at("2026-03-05T00:00:00Z")),
            escalated_at: Some(at("2026-03-01T12:00:00Z")),
            review_on: Some(day),
        };
        facts.upsert(&row);
        assert_eq!(facts.len(), 1);
        assert_eq!(facts.slots(), 3);
        assert!(facts.get(0).is_none());
        let f = facts.get(2).unwrap();
        assert_eq!(f.id().get(), 3);
        assert_eq!(f.review_on, Some(day));
        assert_eq!(f.outcome, Some(OutcomeResult::Partial));
        assert!(f.escalated && !f.overridden);
        // A tiebreak by rule is the authority holder's call.
        assert_eq!(f.call, Some(f.decider));
        assert_eq!(facts.text(f.delegate.unwrap()), "raj");
        assert_eq!(f.decided, Some(at("2026-03-02T00:00:00.5Z")));
        assert_eq!(f.outcome_at, Some(at("2026-03-05T00:00:00Z")));
        assert_eq!(f.escalated_at, Some(at("2026-03-01T12:00:00Z")));
        assert_eq!(f.seconds_to_decide(), Some(86_400));
        assert_eq!(facts.domains(f.domains).collect::<Vec<_>>(), ["db"]);
        // Seen again, changed: the same slot, still one decision.
        facts.upsert(&FactRow {
            delegate: None,
            status: Status::Superseded,
            ..row
        });
        assert_eq!(facts.len(), 1);
        let f = facts.get(2).unwrap();
        assert_eq!(f.status, Status::Superseded);
        assert_eq!(f.delegate, None);
    }

    #[test]
    fn an_owned_row_gives_back_the_row_it_was_made_from() {
        let domains = vec!["db".to_owned()];
        let row = FactRow {
            id: DecisionId::new(9).unwrap(),
            team: "core",
            decision_type: "design",
            title: "t",
            decider: "kim",
            decided_by: Some("raj"),
            routed: "lee",
            delegate: Some("raj"),
            rule: "r",
            guide_version: "v",
            domains: &domains,
            framework: Framework::Rotating,
            status: Status::Decided,
            escalated: false,
            overridden: true,
            override_reason: Some("why"),
            outcome: None,
            opened_at: 1,
            decided_at: Some(2),
            outcome_at: None,
            escalated_at: None,
            review_on: None,
        };
        let owned = OwnedFactRow::new(&row);
        assert_eq!(format!("{:?}", owned.row()), format!("{row:?}"));
    }
}
