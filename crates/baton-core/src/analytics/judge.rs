//! Judging a decider by the directory of the day they decided: SPEC §6's
//! leader and expert shares ask whether the person who decided was a formal
//! leader or a validated expert *then*. A promotion, a new endorsement or a
//! departure later must not rewrite what the history says.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{EXPERT_ENDORSEMENTS, EXPERT_LEVEL};
use crate::Guide;
use crate::guide::file::Settings;
use crate::lifecycle::Decision;
use crate::org::Directory;

/// Every directory version of a log, each from the instant it was applied.
#[derive(Clone, Debug)]
pub struct Directories {
    /// Sorted by when each came into force; never empty.
    versions: Vec<(DateTime<Utc>, Arc<Directory>)>,
}

impl Directories {
    /// The versions as `(applied_at, directory)`, in the order they were
    /// applied; `None` when there are none.
    pub fn new(mut versions: Vec<(DateTime<Utc>, Arc<Directory>)>) -> Option<Self> {
        // Stable: two applied at one instant keep their order, the later wins.
        versions.sort_by_key(|(at, _)| *at);
        (!versions.is_empty()).then_some(Self { versions })
    }

    /// One directory for all time.
    pub fn single(directory: Arc<Directory>) -> Self {
        Self {
            versions: vec![(DateTime::<Utc>::MIN_UTC, directory)],
        }
    }

    /// The directory in force at `t`: the last applied at or before it, or
    /// the first for instants before any (history imported from before
    /// baton was adopted).
    pub fn at(&self, t: DateTime<Utc>) -> &Directory {
        self.versions
            .get(self.index_at(t))
            .map_or_else(|| unreachable_empty(), |(_, d)| d.as_ref())
    }

    /// Which version [`Directories::at`] answers for `t`, counted in the
    /// order they came into force: equal indices, equal directories.
    pub fn index_at(&self, t: DateTime<Utc>) -> usize {
        self.versions
            .partition_point(|(at, _)| *at <= t)
            .saturating_sub(1)
    }

    /// How many versions there are.
    pub fn len(&self) -> usize {
        self.versions.len()
    }

    pub fn is_empty(&self) -> bool {
        self.versions.is_empty()
    }

    /// Every version with the instant it came into force, shared.
    pub fn shared(&self) -> impl Iterator<Item = (DateTime<Utc>, Arc<Directory>)> + '_ {
        self.versions.iter().map(|(at, d)| (*at, Arc::clone(d)))
    }

    /// Every version with the instant it came into force, oldest first.
    pub fn versions(&self) -> impl Iterator<Item = (DateTime<Utc>, &Directory)> {
        self.versions.iter().map(|(at, d)| (*at, d.as_ref()))
    }

    /// The directory in force now: the last applied.
    pub fn current(&self) -> &Directory {
        self.versions
            .last()
            .map_or_else(|| unreachable_empty(), |(_, d)| d.as_ref())
    }
}

/// `Directories` is never empty; this keeps the accessors total without a
/// panic path.
fn unreachable_empty() -> &'static Directory {
    static EMPTY: std::sync::OnceLock<Directory> = std::sync::OnceLock::new();
    EMPTY.get_or_init(Directory::empty)
}

/// What the directory of its day said of a decision's decider.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Judged {
    /// A formal leader: rank at or above the team's `leader_rank`, or a
    /// direct report.
    pub leader: bool,
    /// A validated level of at least 3 in one of the decision's domains
    /// (leader or not: the expert *share* counts non-leaders only).
    pub expert: bool,
}

/// Judges deciders: by the directory in force when each decision was
/// decided, and its own team's `leader_rank`.
pub struct Judge<'a> {
    directories: &'a Directories,
    settings: HashMap<&'a str, &'a Settings>,
    default: Settings,
}

impl<'a> Judge<'a> {
    pub fn new(directories: &'a Directories, guides: &[&'a Guide]) -> Self {
        Self {
            directories,
            settings: guides
                .iter()
                .map(|g| (g.team.as_str(), &g.settings))
                .collect(),
            default: Settings::default(),
        }
    }

    pub fn directories(&self) -> &'a Directories {
        self.directories
    }

    /// A team without a guide (deleted, or never applied) still has
    /// decisions in the log: it is judged by the SPEC §3.2 defaults.
    pub fn settings(&self, team: &str) -> &Settings {
        self.settings.get(team).copied().unwrap_or(&self.default)
    }

    /// The decider of decided decision `d` (`who`, as the analytics count
    /// them) judged by the directory of `d`'s decision day; `None` for an
    /// undecided decision or a person that directory does not hold.
    pub fn judge(&self, d: &Decision, who: &str) -> Option<Judged> {
        let domains: Vec<&str> = d.domains.iter().map(String::as_str).collect();
        self.judge_person(d.decided_at?, &d.team, who, &domains)
    }

    /// `who`, deciding for `team` at `at` a decision of `domains`, judged by
    /// the directory of that day; `None` for a person it does not hold.
    pub fn judge_person(
        &self,
        at: DateTime<Utc>,
        team: &str,
        who: &str,
        domains: &[&str],
    ) -> Option<Judged> {
        let directory = self.directories.at(at);
        let pid = directory.find(who)?;
        let leader = directory.is_leader(pid, self.settings(team).leader_rank);
        let expert = domains.iter().any(|domain| {
            directory
                .validated_level(pid, domain, EXPERT_ENDORSEMENTS)
                .is_some_and(|(level, _)| level >= EXPERT_LEVEL)
        });
        Some(Judged { leader, expert })
    }
}
