//! Who may do what, when, and what it changes (SPEC §5).

use super::act;
use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use super::model::{
    Action, Actor, Decision, Event, EventKind, Objection, Outcome, Position, Role, Status,
};
use crate::guide::file::{OnObjection, TieRule, Tiebreaker};
use crate::ident::DecisionId;
use crate::org::Directory;
use crate::resolve::Resolution;

/// The actor name of deadline processing.
pub const SYSTEM: &str = "baton";

/// Why an action was refused. Each kind maps to a stable code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LifecycleError {
    /// The person may not do this.
    #[error("{0}")]
    Forbidden(String),
    /// The action's own data is wrong (an empty reason, a confidence of 9).
    #[error("{0}")]
    Invalid(String),
    /// The decision's state does not allow it (already decided, window
    /// closed) — including when a concurrent action got there first.
    #[error("{0}")]
    Conflict(String),
}

impl LifecycleError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::Forbidden(_) => "forbidden",
            Self::Invalid(_) => "invalid",
            Self::Conflict(_) => "conflict",
        }
    }
}

/// A new decision, routed by `resolution`, and its `opened` event.
pub fn open(
    id: DecisionId,
    title: &str,
    domains: Vec<String>,
    context: serde_json::Value,
    resolution: Resolution,
) -> (Decision, Event) {
    let status = if resolution.consensus_check.is_some() {
        Status::Checking
    } else {
        Status::Routed
    };
    let at = resolution.at;
    let requester = resolution.roster.recommend.clone().unwrap_or_default();
    let decision = Decision {
        id,
        team: resolution.team.clone(),
        decision_type: resolution.decision_type.clone(),
        title: title.to_owned(),
        domains,
        context,
        requester: requester.clone(),
        status,
        decider: resolution.decider.clone(),
        delegate: None,
        opened_at: at,
        decided_at: None,
        decided_by: None,
        option: None,
        rationale: None,
        overridden: false,
        override_reason: None,
        escalated: false,
        escalated_at: None,
        review_on: None,
        positions: Vec::new(),
        objections: Vec::new(),
        outcome: None,
        superseded_by: None,
        version: 1,
        resolution,
    };
    let event = Event {
        decision: Some(id),
        kind: EventKind::Opened,
        actor: requester,
        at,
        data: serde_json::json!({
            "title": title,
            "rule": decision.resolution.rule,
            "decider": decision.decider,
            "guide_version": decision.resolution.guide_version,
        }),
    };
    (decision, event)
}

/// Applies `action` by `actor` at `at`. `directory` checks the people an
/// action names (a delegate) and ranks expertise for tiebreaks.
pub fn apply(
    decision: &Decision,
    actor: &Actor,
    action: &Action,
    at: DateTime<Utc>,
    directory: &Directory,
) -> Result<(Decision, Vec<Event>), LifecycleError> {
    if !actor.role.can_write() {
        return Err(LifecycleError::Forbidden(format!(
            "`{}` is a viewer and cannot act",
            actor.person
        )));
    }
    if at < decision.opened_at {
        return Err(LifecycleError::Invalid(format!(
            "{} is before decision {} was opened ({})",
            crate::instant(at),
            decision.id,
            crate::instant(decision.opened_at)
        )));
    }
    let mut next = decision.clone();
    let mut events = Vec::new();
    let mut step = Step {
        d: &mut next,
        events: &mut events,
        actor: &actor.person,
        at,
    };
    match action {
        Action::Position(act::Position {
            option,
            rationale,
            confidence,
            risk,
            reversible,
        }) => step.position(decision, option, rationale, *confidence, *risk, *reversible)?,
        Action::Object(act::Object { reason }) => step.object(decision, reason)?,
        Action::Delegate(act::Delegate { to, reason }) => step.delegate(to, reason, directory)?,
        Action::Decide(act::Decide {
            option,
            rationale,
            override_reason,
            review_on,
        }) => step.decide(option, rationale, override_reason.as_deref(), *review_on)?,
        Action::Escalate => {
            if actor.person != step.d.decider && !matches!(actor.role, Role::Admin | Role::Steward)
            {
                return Err(LifecycleError::Forbidden(format!(
                    "only the decider ({}) can escalate decision {}",
                    step.d.decider, step.d.id
                )));
            }
            step.escalate(false)?
        }
        Action::Outcome(act::Outcome { result, notes }) => {
            let d = &step.d;
            let allowed = Some(actor.person.as_str()) == d.decided_by.as_deref()
                || actor.person == d.decider
                || matches!(actor.role, Role::Admin | Role::Steward);
            if !allowed {
                return Err(LifecycleError::Forbidden(format!(
                    "only the decider, a steward or an admin can record the outcome of decision {}",
                    d.id
                )));
            }
            if d.status != Status::Decided {
                return Err(conflict_state(d, "record an outcome for"));
            }
            if let Some(o) = &d.outcome {
                return Err(LifecycleError::Conflict(format!(
                    "decision {} already has its outcome ({}, recorded by {} at {})",
                    d.id,
                    o.result.as_str(),
                    o.by,
                    crate::instant(o.at)
                )));
            }
            step.d.outcome = Some(Outcome {
                result: *result,
                notes: notes.clone(),
                by: actor.person.clone(),
                at,
            });
            step.emit(
                EventKind::Outcome,
                serde_json::json!({"result": result, "notes": notes}),
            );
        }
        Action::Withdraw => {
            step.requester_or_admin(actor, "withdraw")?;
            if !step.d.status.is_open() {
                return Err(conflict_state(step.d, "withdraw"));
            }
            step.d.status = Status::Withdrawn;
            step.emit(EventKind::Withdrawn, serde_json::json!({}));
        }
        Action::Supersede(act::Supersede { by }) => {
            step.requester_or_admin(actor, "supersede")?;
            if step.d.status != Status::Decided {
                return Err(conflict_state(step.d, "supersede"));
            }
            step.d.status = Status::Superseded;
            step.d.superseded_by = Some(*by);
            step.emit(EventKind::Superseded, serde_json::json!({"by": by}));
        }
        Action::Tick => {
            if actor.person != SYSTEM {
                return Err(LifecycleError::Forbidden(
                    "deadlines are processed by baton, not by people".into(),
                ));
            }
            step.tick(directory);
        }
    }
    if !events.is_empty() {
        next.version += 1;
    }
    Ok((next, events))
}

/// Whether a tick at `at` would change `decision`: a window or deadline
/// has passed that has not been processed.
pub fn due(decision: &Decision, at: DateTime<Utc>) -> bool {
    let r = &decision.resolution;
    let check_over = decision.status == Status::Checking
        && r.consensus_check.as_ref().is_some_and(|c| at >= c.deadline);
    let escalation_due = decision.status.is_open()
        && !decision.escalated
        && r.escalation
            .as_ref()
            .is_some_and(|e| at >= e.deadline && e.to.is_some());
    check_over || escalation_due || tiebreak_rule(decision, at).is_some()
}

/// The tiebreaker rule that settles `decision` at `at`, if one does: SPEC
/// §5 runs it only when deliberation has ended *without agreement* — two
/// or more options held — and the rule is the guide's, not a person's. An
/// undecided decision that merely ran out of time escalates instead.
fn tiebreak_rule(decision: &Decision, at: DateTime<Utc>) -> Option<TieRule> {
    let r = &decision.resolution;
    match &r.deliberation.tiebreaker {
        Some(Tiebreaker::Rule(rule))
            if decision.status == Status::Deliberating
                && at >= r.deliberation.deadline
                && distinct_options(&decision.positions) > 1 =>
        {
            Some(*rule)
        }
        _ => None,
    }
}

fn conflict_state(d: &Decision, what: &str) -> LifecycleError {
    let detail = match (d.status, &d.decided_by, d.decided_at) {
        (Status::Decided, Some(by), Some(when)) => {
            format!("it was decided by {by} at {}", crate::instant(when))
        }
        (status, _, _) => format!("it is {}", status.as_str()),
    };
    LifecycleError::Conflict(format!("cannot {what} decision {}: {detail}", d.id))
}

fn distinct_options(positions: &[Position]) -> usize {
    let mut options: Vec<&str> = positions.iter().map(|p| p.option.as_str()).collect();
    options.sort_unstable();
    options.dedup();
    options.len()
}

pub(super) fn on_roster(r: &Resolution, person: &str) -> bool {
    let roster = &r.roster;
    roster.decide == person
        || roster.recommend.as_deref() == Some(person)
        || [&roster.agree, &roster.input, &roster.inform, &r.backups]
            .iter()
            .any(|list| list.iter().any(|p| p == person))
}

fn required(value: &str, what: &str) -> Result<(), LifecycleError> {
    if value.trim().is_empty() {
        Err(LifecycleError::Invalid(format!("{what} is required")))
    } else {
        Ok(())
    }
}

fn one_to_five(value: u8, what: &str) -> Result<(), LifecycleError> {
    if (1..=5).contains(&value) {
        Ok(())
    } else {
        Err(LifecycleError::Invalid(format!(
            "{what} must be 1 to 5, not {value}"
        )))
    }
}

/// One action being applied: the record changing and the events it makes.
struct Step<'a> {
    d: &'a mut Decision,
    events: &'a mut Vec<Event>,
    actor: &'a str,
    at: DateTime<Utc>,
}

impl Step<'_> {
    fn emit(&mut self, kind: EventKind, data: serde_json::Value) {
        self.emit_as(kind, self.actor.to_owned(), data);
    }

    fn emit_as(&mut self, kind: EventKind, actor: String, data: serde_json::Value) {
        self.events.push(Event {
            decision: Some(self.d.id),
            kind,
            actor,
            at: self.at,
            data,
        });
    }

    fn roster_member(&self, original: &Decision, what: &str) -> Result<(), LifecycleError> {
        let person = self.actor;
        if on_roster(&original.resolution, person)
            || original.decider == person
            || original.delegate.as_deref() == Some(person)
        {
            Ok(())
        } else {
            Err(LifecycleError::Forbidden(format!(
                "`{person}` is not on the roster of decision {} and cannot {what}",
                original.id
            )))
        }
    }

    fn requester_or_admin(&self, actor: &Actor, what: &str) -> Result<(), LifecycleError> {
        if actor.person == self.d.requester || actor.role == Role::Admin {
            Ok(())
        } else {
            Err(LifecycleError::Forbidden(format!(
                "only the requester ({}) or an admin can {what} decision {}",
                self.d.requester, self.d.id
            )))
        }
    }

    fn position(
        &mut self,
        original: &Decision,
        option: &str,
        rationale: &str,
        confidence: u8,
        risk: Option<u8>,
        reversible: Option<bool>,
    ) -> Result<(), LifecycleError> {
        self.roster_member(original, "take a position")?;
        required(option, "an option")?;
        required(rationale, "a rationale")?;
        one_to_five(confidence, "confidence")?;
        if let Some(r) = risk {
            one_to_five(r, "risk")?;
        }
        if !matches!(
            self.d.status,
            Status::Routed | Status::Checking | Status::Deliberating | Status::Escalated
        ) {
            return Err(conflict_state(self.d, "take a position on"));
        }
        let deadline = self.d.resolution.deliberation.deadline;
        if self.at >= deadline {
            return Err(LifecycleError::Conflict(format!(
                "deliberation on decision {} closed at {}",
                self.d.id,
                crate::instant(deadline)
            )));
        }
        self.d.positions.retain(|p| p.person != self.actor);
        self.d.positions.push(Position {
            person: self.actor.to_owned(),
            option: option.to_owned(),
            rationale: rationale.to_owned(),
            confidence,
            risk,
            reversible,
            at: self.at,
        });
        if self.d.status == Status::Routed {
            self.d.status = Status::Deliberating;
        }
        self.emit(
            EventKind::Position,
            serde_json::json!({"option": option, "rationale": rationale, "confidence": confidence, "risk": risk, "reversible": reversible}),
        );
        Ok(())
    }

    fn object(&mut self, original: &Decision, reason: &str) -> Result<(), LifecycleError> {
        self.roster_member(original, "object")?;
        required(reason, "a reason")?;
        let Some(check) = self.d.resolution.consensus_check.clone() else {
            return Err(LifecycleError::Conflict(format!(
                "decision {} has no consensus check to object in",
                self.d.id
            )));
        };
        if self.d.status != Status::Checking || self.at >= check.deadline {
            return Err(LifecycleError::Conflict(format!(
                "the consensus check of decision {} closed at {}",
                self.d.id,
                crate::instant(check.deadline)
            )));
        }
        self.d.objections.push(Objection {
            person: self.actor.to_owned(),
            reason: reason.to_owned(),
            at: self.at,
        });
        let before = self.d.decider.clone();
        self.emit(
            EventKind::Objection,
            serde_json::json!({"reason": reason, "decider": before}),
        );
        match check.on_objection {
            OnObjection::Next => {
                let r = &self.d.resolution;
                let chain: Vec<&String> = std::iter::once(&r.decider).chain(&r.backups).collect();
                let next = chain
                    .iter()
                    .skip_while(|p| ***p != before)
                    .nth(1)
                    .map(|p| (*p).clone());
                match next {
                    Some(next) => {
                        self.d.decider = next.clone();
                        self.d.delegate = None;
                        self.emit_as(
                            EventKind::Rerouted,
                            SYSTEM.into(),
                            serde_json::json!({"from": before, "to": next, "why": "objection"}),
                        );
                    }
                    None => self.escalate(true)?,
                }
            }
            OnObjection::Escalate => self.escalate(true)?,
        }
        Ok(())
    }

    fn delegate(
        &mut self,
        to: &str,
        reason: &str,
        directory: &Directory,
    ) -> Result<(), LifecycleError> {
        if self.actor != self.d.decider {
            return Err(LifecycleError::Forbidden(format!(
                "only the decider ({}) can delegate decision {}",
                self.d.decider, self.d.id
            )));
        }
        required(reason, "a reason")?;
        if directory.find(to).is_none() {
            return Err(LifecycleError::Invalid(format!(
                "`{to}` is not in the directory"
            )));
        }
        if to == self.actor {
            return Err(LifecycleError::Invalid(
                "delegating to yourself changes nothing".into(),
            ));
        }
        if !self.d.status.is_open() {
            return Err(conflict_state(self.d, "delegate"));
        }
        self.d.delegate = Some(to.to_owned());
        self.emit(
            EventKind::Delegated,
            serde_json::json!({"to": to, "reason": reason}),
        );
        Ok(())
    }

    fn decide(
        &mut self,
        option: &str,
        rationale: &str,
        override_reason: Option<&str>,
        review_on: Option<chrono::NaiveDate>,
    ) -> Result<(), LifecycleError> {
        required(option, "an option")?;
        required(rationale, "a rationale")?;
        let tiebreaker = matches!(&self.d.resolution.deliberation.tiebreaker, Some(Tiebreaker::Person(p)) if p == self.actor);
        let entitled = self.actor == self.d.decider
            || self.d.delegate.as_deref() == Some(self.actor)
            || tiebreaker;
        let reason = override_reason.map(str::trim).filter(|r| !r.is_empty());
        if !entitled && reason.is_none() {
            return Err(LifecycleError::Forbidden(format!(
                "`{}` is not the decider of decision {} ({}): deciding anyway needs an override reason",
                self.actor, self.d.id, self.d.decider
            )));
        }
        match self.d.status {
            Status::Routed | Status::Deliberating | Status::Escalated => {}
            Status::Checking => {
                let until = self
                    .d
                    .resolution
                    .consensus_check
                    .as_ref()
                    .map_or(self.at, |c| c.deadline);
                return Err(LifecycleError::Conflict(format!(
                    "decision {} is in its consensus check until {}: objections come first",
                    self.d.id,
                    crate::instant(until)
                )));
            }
            _ => return Err(conflict_state(self.d, "decide")),
        }
        if review_on.is_some_and(|day| day < self.at.date_naive()) {
            return Err(LifecycleError::Invalid("review_on is in the past".into()));
        }
        self.d.status = Status::Decided;
        self.d.decided_at = Some(self.at);
        self.d.decided_by = Some(self.actor.to_owned());
        self.d.option = Some(option.to_owned());
        self.d.rationale = Some(rationale.to_owned());
        self.d.overridden = !entitled;
        self.d.override_reason = if entitled {
            None
        } else {
            reason.map(str::to_owned)
        };
        self.d.review_on = review_on;
        self.emit(
            EventKind::Decided,
            serde_json::json!({"option": option, "rationale": rationale, "override": !entitled, "override_reason": self.d.override_reason, "review_on": review_on}),
        );
        Ok(())
    }

    /// Moves authority to the escalation target.
    fn escalate(&mut self, automatic: bool) -> Result<(), LifecycleError> {
        if !self.d.status.is_open() {
            return Err(conflict_state(self.d, "escalate"));
        }
        if self.d.escalated {
            return Err(LifecycleError::Conflict(format!(
                "decision {} is already escalated to {}",
                self.d.id, self.d.decider
            )));
        }
        let Some(to) = self
            .d
            .resolution
            .escalation
            .as_ref()
            .and_then(|e| e.to.clone())
        else {
            return Err(LifecycleError::Conflict(format!(
                "decision {}'s rule names nobody to escalate to",
                self.d.id
            )));
        };
        let from = std::mem::replace(&mut self.d.decider, to.clone());
        self.d.delegate = None;
        self.d.escalated = true;
        self.d.escalated_at = Some(self.at);
        self.d.status = Status::Escalated;
        let actor = if automatic {
            SYSTEM.to_owned()
        } else {
            self.actor.to_owned()
        };
        self.emit_as(
            EventKind::Escalated,
            actor,
            serde_json::json!({"from": from, "to": to, "automatic": automatic}),
        );
        Ok(())
    }

    /// Deadline processing: close a consensus check, escalate past the
    /// deadline, settle a disagreement by rule. Idempotent.
    fn tick(&mut self, directory: &Directory) {
        let r = self.d.resolution.clone();
        if self.d.status == Status::Checking
            && r.consensus_check
                .as_ref()
                .is_some_and(|c| self.at >= c.deadline)
        {
            self.d.status = if self.d.positions.is_empty() {
                Status::Routed
            } else {
                Status::Deliberating
            };
            self.emit_as(
                EventKind::CheckClosed,
                SYSTEM.into(),
                serde_json::json!({"objections": self.d.objections.len()}),
            );
        }
        if let Some(rule) = tiebreak_rule(self.d, self.at)
            && let Some((option, why)) = settle(rule, &self.d.positions, directory, &self.d.domains)
        {
            self.emit_as(
                EventKind::Tiebreak,
                SYSTEM.into(),
                serde_json::json!({"rule": rule, "option": option, "why": why}),
            );
            self.d.status = Status::Decided;
            self.d.decided_at = Some(self.at);
            self.d.decided_by = Some(SYSTEM.into());
            self.d.option = Some(option.clone());
            self.d.rationale = Some(why.clone());
            self.emit_as(
                EventKind::Decided,
                SYSTEM.into(),
                serde_json::json!({"option": option, "rationale": why, "override": false}),
            );
            return;
        }
        let escalation_due = self.d.status.is_open()
            && !self.d.escalated
            && r.escalation
                .as_ref()
                .is_some_and(|e| self.at >= e.deadline && e.to.is_some());
        if escalation_due {
            let _ = self.escalate(true);
        }
    }
}

/// The option a tiebreaker rule picks, with the reason; `None` when the
/// rule has nothing to go on (no stated risks for `minimize-risk`).
pub fn settle(
    rule: TieRule,
    positions: &[Position],
    directory: &Directory,
    domains: &[String],
) -> Option<(String, String)> {
    let mut by_option: BTreeMap<&str, Vec<&Position>> = BTreeMap::new();
    for p in positions {
        by_option.entry(p.option.as_str()).or_default().push(p);
    }
    let count = |o: &str| by_option.get(o).map_or(0, Vec::len);
    let pick = |score: &dyn Fn(&[&Position]) -> Option<f64>| -> Option<&str> {
        by_option
            .iter()
            .filter_map(|(o, ps)| score(ps).map(|s| (*o, s)))
            // Highest score; then most positions; then the first name.
            .max_by(|a, b| {
                a.1.total_cmp(&b.1)
                    .then(count(a.0).cmp(&count(b.0)))
                    .then(b.0.cmp(a.0))
            })
            .map(|(o, _)| o)
    };
    let (option, why) = match rule {
        TieRule::Majority => {
            let o = pick(&|ps| Some(ps.len() as f64))?;
            (
                o,
                format!("majority: {} of {} positions", count(o), positions.len()),
            )
        }
        TieRule::MinimizeRisk => {
            let o = pick(&|ps| {
                let risks: Vec<f64> = ps.iter().filter_map(|p| p.risk).map(f64::from).collect();
                (!risks.is_empty()).then(|| -(risks.iter().sum::<f64>() / risks.len() as f64))
            })?;
            (o, "minimize-risk: the lowest mean stated risk".to_owned())
        }
        TieRule::MostReversible => {
            let o = pick(&|ps| {
                let marked = ps.iter().filter(|p| p.reversible == Some(true)).count();
                (marked > 0).then_some(marked as f64)
            })?;
            (
                o,
                "most-reversible: the option most positions mark reversible".to_owned(),
            )
        }
        TieRule::HighestExpertise => {
            let level = |person: &str| -> u8 {
                directory
                    .find(person)
                    .map(|pid| {
                        domains
                            .iter()
                            .filter_map(|d| directory.validated_level(pid, d, 0).map(|(v, _)| v))
                            .max()
                            .unwrap_or(0)
                    })
                    .unwrap_or(0)
            };
            let o = pick(&|ps| {
                ps.iter()
                    .map(|p| f64::from(level(&p.person)))
                    .reduce(f64::max)
            })?;
            (
                o,
                "highest-expertise: the option of the most expert position holder".to_owned(),
            )
        }
    };
    Some((option.to_owned(), why))
}
