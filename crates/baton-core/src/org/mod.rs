//! The org directory: people, managers, expertise claims and endorsements.
//!
//! [`Directory::load`] validates an `org.yaml` and indexes it for the
//! resolver: people sorted by id (so a person's index order *is* id order,
//! which the expertise ordering uses as its last tie-breaker), managers as
//! indices, and endorsements pre-aggregated per person and domain.

mod file;

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};

pub use file::{EndorsementEntry, OrgFile, PersonEntry, Window};

use crate::diagnostic::{LoadErrors, Reporter};
use crate::ident;

/// Parses `org.yaml` text into its file form, without validating it.
pub fn parse_file(file: &str, text: &str) -> Result<OrgFile, LoadErrors> {
    crate::yaml::parse(file, text)
}

/// A person's position in the directory. Indices follow id order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Pid(pub(crate) u32);

impl Pid {
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// One validated member of the directory.
#[derive(Clone, Debug)]
pub struct Person {
    pub id: String,
    pub name: String,
    pub title: Option<String>,
    pub rank: i64,
    pub manager: Option<Pid>,
    pub teams: Vec<String>,
    pub max_load: Option<u32>,
    pub email: Option<String>,
    pub slack: Option<String>,
    pub unavailable: Vec<Window>,
    pub expertise: BTreeMap<String, u8>,
    /// Whether anyone names this person as manager: a formal leader whatever
    /// the rank.
    pub has_reports: bool,
}

/// The validated, indexed directory.
#[derive(Clone, Debug)]
pub struct Directory {
    people: Vec<Person>,
    by_id: HashMap<String, Pid>,
    /// Per (person, domain): endorsed levels from distinct endorsers other
    /// than the person, highest first (an endorser's highest level counts).
    endorsements: HashMap<String, HashMap<Pid, Vec<u8>>>,
    /// Per domain: everyone with a claim, so an expertise query never scans
    /// the whole directory.
    claimants: HashMap<String, Vec<Pid>>,
    endorsement_count: usize,
}

/// The highest expertise level a claim or endorsement can state.
pub const MAX_LEVEL: u8 = 5;

impl Directory {
    /// Parses and validates `text` (the contents of `file`).
    ///
    /// Errors name the file, line and column; every problem found is
    /// reported, not only the first.
    pub fn load(file: &str, text: &str) -> Result<Self, LoadErrors> {
        let org: OrgFile = crate::yaml::parse(file, text)?;
        Self::from_file(org, file, text)
    }

    /// Validates an already-parsed directory. `text` is used only to place
    /// errors; pass `""` when there is no source text.
    pub fn from_file(org: OrgFile, file: &str, text: &str) -> Result<Self, LoadErrors> {
        let mut report = Reporter::new(file, text);
        let mut order: Vec<usize> = (0..org.people.len()).collect();
        order.sort_by(|&a, &b| org.people[a].id.cmp(&org.people[b].id));

        let mut by_id = HashMap::with_capacity(org.people.len());
        for (pos, &i) in order.iter().enumerate() {
            let entry = &org.people[i];
            if !ident::is_valid(&entry.id) {
                report.error(
                    format!("people[{i}].id"),
                    ident::shape_error("person id", &entry.id),
                );
            }
            if by_id.insert(entry.id.clone(), Pid(pos as u32)).is_some() {
                report.error(
                    format!("people[{i}].id"),
                    format!("person `{}` is listed twice", entry.id),
                );
            }
            check_person_fields(entry, i, &mut report);
        }
        let endorsements = index_endorsements(&org, &by_id, &mut report);
        let endorsement_count = org.endorsements.len();

        // Move the entries into id order instead of cloning them: a large
        // directory is hundreds of thousands of strings.
        let mut entries: Vec<Option<PersonEntry>> = org.people.into_iter().map(Some).collect();
        let mut people = Vec::with_capacity(entries.len());
        for &i in &order {
            let Some(entry) = entries[i].take() else {
                continue;
            };
            let manager = entry.manager.as_ref().and_then(|m| {
                let found = by_id.get(m).copied();
                if found.is_none() {
                    report.error(
                        format!("people[{i}].manager"),
                        format!("manager `{m}` of `{}` is not in the directory", entry.id),
                    );
                } else if m == &entry.id {
                    report.error(
                        format!("people[{i}].manager"),
                        format!("`{}` cannot be their own manager", entry.id),
                    );
                }
                found
            });
            people.push(Person {
                id: entry.id,
                name: entry.name,
                title: entry.title,
                rank: entry.rank,
                manager,
                teams: entry.teams,
                max_load: entry.max_load,
                email: entry.email,
                slack: entry.slack,
                unavailable: entry.unavailable,
                expertise: entry.expertise,
                has_reports: false,
            });
        }
        check_manager_cycles(&people, &order, &mut report);
        for i in 0..people.len() {
            if let Some(m) = people[i].manager {
                people[m.index()].has_reports = true;
            }
        }

        let mut claimants: HashMap<String, Vec<Pid>> = HashMap::new();
        for (pos, p) in people.iter().enumerate() {
            for domain in p.expertise.keys() {
                match claimants.get_mut(domain) {
                    Some(list) => list.push(Pid(pos as u32)),
                    None => {
                        claimants.insert(domain.clone(), vec![Pid(pos as u32)]);
                    }
                }
            }
        }
        report.into_result()?;
        Ok(Self {
            people,
            by_id,
            endorsements,
            claimants,
            endorsement_count,
        })
    }

    /// A directory of nobody.
    pub fn empty() -> Self {
        Self {
            people: Vec::new(),
            by_id: HashMap::new(),
            endorsements: HashMap::new(),
            claimants: HashMap::new(),
            endorsement_count: 0,
        }
    }

    pub fn len(&self) -> usize {
        self.people.len()
    }

    pub fn is_empty(&self) -> bool {
        self.people.is_empty()
    }

    pub fn find(&self, id: &str) -> Option<Pid> {
        self.by_id.get(id).copied()
    }

    pub fn person(&self, pid: Pid) -> &Person {
        // INVARIANT: a Pid is only ever made by this directory, for an index
        // below `people.len()`.
        #[expect(clippy::indexing_slicing, reason = "Pids are minted in bounds")]
        &self.people[pid.index()]
    }

    pub(crate) fn person_mut(&mut self, pid: Pid) -> &mut Person {
        // INVARIANT: as in `person`.
        #[expect(clippy::indexing_slicing, reason = "Pids are minted in bounds")]
        &mut self.people[pid.index()]
    }

    pub fn id(&self, pid: Pid) -> &str {
        &self.person(pid).id
    }

    pub fn people(&self) -> impl ExactSizeIterator<Item = (Pid, &Person)> {
        self.people
            .iter()
            .enumerate()
            .map(|(i, p)| (Pid(i as u32), p))
    }

    /// How many endorsements the file listed.
    pub fn endorsement_count(&self) -> usize {
        self.endorsement_count
    }

    /// People with a claim in `domain`, in id order.
    pub fn claimants(&self, domain: &str) -> &[Pid] {
        self.claimants.get(domain).map_or(&[], Vec::as_slice)
    }

    /// Endorsed levels for `pid` in `domain`, highest first, one per endorser.
    pub fn endorsed_levels(&self, pid: Pid, domain: &str) -> &[u8] {
        self.endorsements
            .get(domain)
            .and_then(|by_person| by_person.get(&pid))
            .map_or(&[], Vec::as_slice)
    }

    /// SPEC §4.3: the validated level and the endorsement count of `pid` in
    /// `domain` when `min_endorsements` endorsements are required; `None`
    /// when the person has no claim or too few endorsements.
    pub fn validated_level(
        &self,
        pid: Pid,
        domain: &str,
        min_endorsements: u32,
    ) -> Option<(u8, u32)> {
        let claim = *self.person(pid).expertise.get(domain)?;
        let levels = self.endorsed_levels(pid, domain);
        let count = levels.len() as u32;
        if min_endorsements == 0 {
            return Some((claim, count));
        }
        let kth = *levels.get(min_endorsements as usize - 1)?;
        Some((claim.min(kth), count))
    }

    /// The unavailability window of `pid` that contains `at`, if any.
    pub fn unavailable_at(&self, pid: Pid, at: DateTime<Utc>) -> Option<&Window> {
        self.person(pid).unavailable.iter().find(|w| w.contains(at))
    }

    /// The person whose `slack` field is `user_id`.
    pub fn by_slack(&self, user_id: &str) -> Option<Pid> {
        self.people()
            .find(|(_, p)| p.slack.as_deref() == Some(user_id))
            .map(|(pid, _)| pid)
    }

    /// SPEC §6: rank at or above `leader_rank`, or anyone with a direct report.
    pub fn is_leader(&self, pid: Pid, leader_rank: i64) -> bool {
        let p = self.person(pid);
        p.rank >= leader_rank || p.has_reports
    }
}

fn check_person_fields(entry: &PersonEntry, index: usize, report: &mut Reporter<'_>) {
    if entry.name.trim().is_empty() {
        report.error(
            format!("people[{index}].name"),
            format!("person `{}` has an empty name", entry.id),
        );
    }
    if entry.max_load == Some(0) {
        report.error(
            format!("people[{index}].max_load"),
            "max_load must be at least 1 (leave it out for no limit)",
        );
    }
    for team in &entry.teams {
        if !ident::is_valid(team) {
            report.error(
                format!("people[{index}].teams"),
                ident::shape_error("team", team),
            );
        }
    }
    for (domain, level) in &entry.expertise {
        if !ident::is_valid(domain) {
            report.error(
                format!("people[{index}].expertise.{domain}"),
                ident::shape_error("domain", domain),
            );
        }
        if *level > MAX_LEVEL {
            report.error(
                format!("people[{index}].expertise.{domain}"),
                format!("expertise level {level} in `{domain}` is out of range: expected 0 to {MAX_LEVEL}"),
            );
        }
    }
    for (w, window) in entry.unavailable.iter().enumerate() {
        if window.from >= window.to {
            report.error(
                format!("people[{index}].unavailable[{w}]"),
                format!(
                    "unavailable window ends ({}) before it starts ({})",
                    crate::instant(window.to),
                    crate::instant(window.from)
                ),
            );
        }
    }
}

/// Walks each manager chain; a chain that returns to a person already on it
/// is a cycle, reported once at the person where it closes.
fn check_manager_cycles(people: &[Person], order: &[usize], report: &mut Reporter<'_>) {
    // 0 = unvisited, 1 = on the current chain, 2 = known to end.
    let mut state = vec![0u8; people.len()];
    for start in 0..people.len() {
        let mut chain = Vec::new();
        let mut at = Some(start);
        while let Some(i) = at {
            match state.get(i).copied().unwrap_or(2) {
                2 => break,
                1 => {
                    let names: Vec<&str> = chain
                        .iter()
                        .skip_while(|&&c| c != i)
                        .map(|&c: &usize| people.get(c).map_or("?", |p| p.id.as_str()))
                        .collect();
                    let file_index = order.get(i).copied().unwrap_or(i);
                    report.error(
                        format!("people[{file_index}].manager"),
                        format!(
                            "manager cycle: {} → {}",
                            names.join(" → "),
                            names.first().unwrap_or(&"?")
                        ),
                    );
                    break;
                }
                _ => {}
            }
            if let Some(s) = state.get_mut(i) {
                *s = 1;
            }
            chain.push(i);
            at = people.get(i).and_then(|p| p.manager).map(Pid::index);
        }
        for c in chain {
            if let Some(s) = state.get_mut(c) {
                *s = 2;
            }
        }
    }
}

fn index_endorsements(
    org: &OrgFile,
    by_id: &HashMap<String, Pid>,
    report: &mut Reporter<'_>,
) -> HashMap<String, HashMap<Pid, Vec<u8>>> {
    let mut best: BTreeMap<(Pid, String, Pid), u8> = BTreeMap::new();
    for (i, e) in org.endorsements.iter().enumerate() {
        let at = format!("endorsements[{i}]");
        let by = by_id.get(&e.by).copied();
        let of = by_id.get(&e.of).copied();
        if by.is_none() {
            report.error(
                format!("{at}.by"),
                format!("endorser `{}` is not in the directory", e.by),
            );
        }
        if of.is_none() {
            report.error(
                format!("{at}.of"),
                format!("endorsed person `{}` is not in the directory", e.of),
            );
        }
        if e.by == e.of {
            report.error(
                format!("{at}.by"),
                format!("`{}` cannot endorse themselves", e.by),
            );
        }
        if !ident::is_valid(&e.domain) {
            report.error(
                format!("{at}.domain"),
                ident::shape_error("domain", &e.domain),
            );
        }
        if e.level > MAX_LEVEL {
            report.error(
                format!("{at}.level"),
                format!(
                    "endorsed level {} is out of range: expected 0 to {MAX_LEVEL}",
                    e.level
                ),
            );
        }
        if let (Some(by), Some(of)) = (by, of)
            && by != of
        {
            let level = best.entry((of, e.domain.clone(), by)).or_insert(0);
            *level = (*level).max(e.level);
        }
    }
    let mut out: HashMap<String, HashMap<Pid, Vec<u8>>> = HashMap::new();
    for ((of, domain, _by), level) in best {
        out.entry(domain)
            .or_default()
            .entry(of)
            .or_default()
            .push(level);
    }
    for levels in out.values_mut().flat_map(HashMap::values_mut) {
        levels.sort_unstable_by(|a, b| b.cmp(a));
    }
    out
}

#[cfg(test)]
mod tests;
