//! A team's deference guide, validated against the directory and compiled
//! for resolution.
//!
//! Compilation does all the work that does not depend on the request:
//! references become directory indices, `when` expressions become CEL
//! programs, rotations get their schedules, and every expertise query gets
//! a ranked index so resolution never scans the directory.

pub mod cheat_sheet;
mod compile;
pub mod file;
mod selector;

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};

pub use compile::compile;

/// Parses `deference.yaml` text into its file form, without compiling it
/// against a directory: what the audit of a spreadsheet reads a guide's
/// types and settings from when there is no directory to compile with.
pub fn parse_file(file: &str, text: &str) -> Result<file::GuideFile, crate::LoadErrors> {
    crate::yaml::parse(file, text)
}
pub use selector::{ExpertiseIndex, Qualified, Sel};

use crate::condition::Condition;
use crate::duration::Span;
use crate::org::{Directory, Pid};
use crate::rotation::Rotation;
use file::{ConsensusCheck, Framework, GuideFile, Impact, Settings, Tiebreaker};

/// A compiled guide, bound to the directory it was validated against.
#[derive(Debug)]
pub struct Guide {
    pub team: String,
    pub settings: Settings,
    /// `sha256:` + hex digest of the guide file's bytes.
    pub version: String,
    pub directory: Arc<Directory>,
    pub rules: Vec<Rule>,
    pub types: HashMap<String, DecisionType>,
    /// Per decision type, the rules that can route it.
    pub routes: HashMap<String, Route>,
    pub roles: HashMap<String, RoleTarget>,
    pub rotations: Vec<Rotation>,
    pub rotation_index: HashMap<String, usize>,
    pub expertise: Vec<ExpertiseIndex>,
    /// `grants.steward`, compiled: who holds the steward role for this
    /// team at a given instant.
    pub steward_grants: Vec<Sel>,
    pub(crate) env: crate::condition::Environment,
    /// The file as parsed, for lints and for `GET …/guide`.
    pub source: GuideFile,
    pub file_name: String,
    pub text: Arc<str>,
}

#[derive(Debug)]
pub struct DecisionType {
    pub name: String,
    pub description: Option<String>,
    pub domains: Vec<String>,
    pub impact: Impact,
    pub frequency: Option<file::Frequency>,
    pub reversible: bool,
    pub target: Option<Span>,
    /// `decision` as CEL sees it, built once.
    pub(crate) cel: cel::Value,
}

/// The rules that can route one decision type, in file order.
#[derive(Debug)]
pub struct Route {
    /// Indices into `Guide::rules` of the rules that cover the type.
    pub rules: Vec<usize>,
    /// Indices of the rules written for other types.
    pub others: Vec<usize>,
}

#[derive(Debug, Clone, Copy)]
pub enum RoleTarget {
    Person(Pid),
    Rotation(usize),
}

#[derive(Debug)]
pub struct Rule {
    pub id: String,
    pub types: Option<Vec<String>>,
    pub when: Option<Condition>,
    pub authority: Sel,
    pub framework: Framework,
    pub spread: Option<file::Spread>,
    pub consult: Vec<Sel>,
    pub agree: Vec<Sel>,
    pub inform: Vec<Sel>,
    pub escalate: Option<(Span, Sel)>,
    pub deliberation: Span,
    pub tiebreaker: Option<Tiebreaker>,
    pub consensus_check: Option<ConsensusCheck>,
    pub ignore_load: bool,
}

impl Rule {
    pub fn applies_to_type(&self, decision_type: &str) -> bool {
        self.types
            .as_ref()
            .is_none_or(|types| types.iter().any(|t| t == decision_type))
    }
}

impl Guide {
    pub fn rotation(&self, name: &str) -> Option<&Rotation> {
        self.rotation_index
            .get(name)
            .and_then(|&i| self.rotations.get(i))
    }

    pub fn rotation_at(&self, index: usize) -> Option<&Rotation> {
        self.rotations.get(index)
    }

    /// Whether `grants.steward` names `pid` at `at`: a person, or a role's
    /// or a rotation's holder then (`any_of`: any of these).
    pub fn grants_steward(&self, pid: Pid, at: DateTime<Utc>) -> bool {
        self.steward_grants
            .iter()
            .any(|sel| self.names(sel, pid, at))
    }

    fn names(&self, sel: &Sel, pid: Pid, at: DateTime<Utc>) -> bool {
        match sel {
            Sel::Person(p) => *p == pid,
            Sel::Role(name, _) => self.role_holder(name, at) == Some(pid),
            Sel::Rotation(r) => self
                .rotations
                .get(*r)
                .and_then(|rotation| rotation.holder_at(&self.directory, at).ok())
                .is_some_and(|h| h.holder == pid),
            Sel::AnyOf(list) => list.iter().any(|s| self.names(s, pid, at)),
            // Refused at compile time: a grant has no requester, and
            // expertise can be endorsed into.
            Sel::Requester | Sel::ManagerOfRequester | Sel::Expertise { .. } => false,
        }
    }

    /// The person who holds `role` at `at`, if anyone does.
    pub fn role_holder(&self, role: &str, at: DateTime<Utc>) -> Option<Pid> {
        match self.roles.get(role)? {
            RoleTarget::Person(p) => Some(*p),
            RoleTarget::Rotation(r) => self
                .rotations
                .get(*r)?
                .holder_at(&self.directory, at)
                .ok()
                .map(|h| h.holder),
        }
    }
}

#[cfg(test)]
mod tests;
