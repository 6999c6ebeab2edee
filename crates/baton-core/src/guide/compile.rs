//! Validation and compilation of a guide against a directory.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use sha2::{Digest, Sha256};

use super::file::{
    ExpertiseQuery, Framework, GuideFile, RoleEntry, RotationEntry, RuleEntry, Selector, Tiebreaker,
};
use super::{DecisionType, ExpertiseIndex, Guide, RoleTarget, Rule, Sel};
use crate::condition::{self, Condition};
use crate::diagnostic::{LoadErrors, Reporter};
use crate::ident;
use crate::org::{Directory, MAX_LEVEL, Pid};
use crate::rotation::{self, Override, Rotation};

/// The guide format version this build reads.
pub const FORMAT_VERSION: u32 = 1;

/// Parses, validates and compiles the guide in `text` (the contents of
/// `file`) against `directory`. Every problem is reported with its place.
pub fn compile(file: &str, text: &str, directory: Arc<Directory>) -> Result<Guide, LoadErrors> {
    let parsed: GuideFile = crate::yaml::parse(file, text)?;
    let mut c = Compiler {
        report: Reporter::new(file, text),
        directory: &directory,
        file: &parsed,
        roles: HashMap::new(),
        rotation_index: HashMap::new(),
        expertise: Vec::new(),
        expertise_keys: HashMap::new(),
    };
    c.check_header();
    let rotations = c.rotations();
    c.roles();
    let types = c.types();
    let rules = c.rules(&types);
    let steward_grants = c.grants();
    let Compiler {
        report,
        roles,
        rotation_index,
        expertise,
        ..
    } = c;
    report.into_result()?;
    let routes = routes(&types, &rules);
    Ok(Guide {
        team: parsed.team.clone(),
        settings: parsed.settings.clone(),
        version: format!("sha256:{:x}", Sha256::digest(text.as_bytes())),
        directory: Arc::clone(&directory),
        rules,
        types,
        routes,
        roles,
        rotations,
        rotation_index,
        expertise,
        steward_grants,
        env: condition::environment(),
        source: parsed,
        file_name: file.to_owned(),
        text: Arc::from(text),
    })
}

struct Compiler<'a> {
    report: Reporter<'a>,
    directory: &'a Directory,
    file: &'a GuideFile,
    roles: HashMap<String, RoleTarget>,
    rotation_index: HashMap<String, usize>,
    expertise: Vec<ExpertiseIndex>,
    expertise_keys: HashMap<(String, u8, u32), usize>,
}

impl Compiler<'_> {
    fn check_header(&mut self) {
        let f = self.file;
        if f.version != FORMAT_VERSION {
            self.report.error(
                "version",
                format!(
                    "guide format version {} is not supported: expected {FORMAT_VERSION}",
                    f.version
                ),
            );
        }
        if !ident::is_valid(&f.team) {
            self.report
                .error("team", ident::shape_error("team", &f.team));
        } else if !self
            .directory
            .people()
            .any(|(_, p)| p.teams.contains(&f.team))
        {
            // Its rotations, requesters and spread would all be empty: a
            // guide for a team nobody is in is a misspelt team.
            self.report.error(
                "team",
                format!(
                    "team `{}` has no members: no one in the directory lists it in `teams`",
                    f.team
                ),
            );
        }
        let share = f.settings.watch.max_share;
        if !(share > 0.0 && share <= 1.0) {
            self.report.error(
                "settings.watch.max_share",
                format!(
                    "max_share {share} is out of range: expected a fraction above 0 and at most 1"
                ),
            );
        }
        if f.settings.deliberation.seconds() <= 0 {
            self.report.error(
                "settings.deliberation",
                "the deliberation time must be longer than zero",
            );
        }
        if f.settings.watch.window.seconds() <= 0 {
            self.report.error(
                "settings.watch.window",
                "the watch window must be longer than zero",
            );
        }
    }

    fn person(&mut self, path: &str, id: &str, what: &str) -> Option<Pid> {
        let found = self.directory.find(id);
        if found.is_none() {
            self.report
                .error(path, format!("{what} `{id}` is not in the directory"));
        }
        found
    }

    fn rotations(&mut self) -> Vec<Rotation> {
        let mut out = Vec::new();
        for (name, entry) in &self.file.rotations {
            let at = format!("rotations.{name}");
            if !ident::is_valid(name) {
                self.report.error(&at, ident::shape_error("rotation", name));
            }
            if let Some(rotation) = self.rotation(name, entry, &at) {
                self.rotation_index.insert(name.clone(), out.len());
                out.push(rotation);
            }
        }
        out
    }

    fn rotation(&mut self, name: &str, entry: &RotationEntry, at: &str) -> Option<Rotation> {
        if entry.members.is_empty() {
            self.report.error(
                format!("{at}.members"),
                format!("rotation `{name}` has no members"),
            );
        }
        let mut members = Vec::with_capacity(entry.members.len());
        for (i, m) in entry.members.iter().enumerate() {
            let path = format!("{at}.members[{i}]");
            if let Some(pid) = self.person(&path, m, "rotation member") {
                if members.contains(&pid) {
                    self.report
                        .error(&path, format!("`{m}` is listed twice in rotation `{name}`"));
                }
                members.push(pid);
            }
        }
        let tz = match entry.tz.as_deref() {
            None => chrono_tz::UTC,
            Some(z) => match rotation::zone(z) {
                Ok(tz) => tz,
                Err(e) => {
                    self.report.error(format!("{at}.tz"), e.to_string());
                    return None;
                }
            },
        };
        let built = match (&entry.every, &entry.rrule) {
            (Some(period), None) => {
                Rotation::every(name.to_owned(), members, tz, entry.start, *period)
                    .map_err(|e| (format!("{at}.every"), e))
            }
            (None, Some(rule)) => Rotation::rrule(name.to_owned(), members, tz, entry.start, rule)
                .map_err(|e| (format!("{at}.rrule"), e)),
            _ => {
                self.report.error(
                    at,
                    format!(
                        "rotation `{name}` needs exactly one of `every` (like `1w`) or `rrule`"
                    ),
                );
                return None;
            }
        };
        let mut rotation = match built {
            Ok(r) => r,
            Err((path, e)) => {
                self.report.error(path, e.to_string());
                return None;
            }
        };
        rotation.skip_unavailable = entry.skip_unavailable;
        for (i, o) in entry.overrides.iter().enumerate() {
            let path = format!("{at}.overrides[{i}]");
            if o.from >= o.to {
                self.report.error(&path, "override ends before it starts");
            }
            if let Some(person) =
                self.person(&format!("{path}.person"), &o.person, "override person")
            {
                rotation.overrides.push(Override {
                    person,
                    from: o.from,
                    to: o.to,
                });
            }
        }
        Some(rotation)
    }

    fn roles(&mut self) {
        for (name, entry) in &self.file.roles {
            let at = format!("roles.{name}");
            if !ident::is_valid(name) {
                self.report.error(&at, ident::shape_error("role", name));
            }
            let target = match entry {
                RoleEntry::Person(id) => self
                    .person(&format!("{at}.person"), id, "role holder")
                    .map(RoleTarget::Person),
                RoleEntry::Rotation(r) => {
                    let found = self
                        .rotation_index
                        .get(r)
                        .copied()
                        .map(RoleTarget::Rotation);
                    if found.is_none() && !self.file.rotations.contains_key(r) {
                        self.report.error(
                            format!("{at}.rotation"),
                            format!("rotation `{r}` is not defined in `rotations`"),
                        );
                    }
                    found
                }
            };
            if let Some(t) = target {
                self.roles.insert(name.clone(), t);
            }
        }
    }

    fn types(&mut self) -> HashMap<String, DecisionType> {
        let mut out = HashMap::new();
        for (name, entry) in &self.file.decision_types {
            let at = format!("decision_types.{name}");
            if !ident::is_valid(name) {
                self.report
                    .error(&at, ident::shape_error("decision type", name));
            }
            for (i, d) in entry.domains.iter().enumerate() {
                if !ident::is_valid(d) {
                    self.report.error(
                        format!("{at}.domains[{i}]"),
                        ident::shape_error("domain", d),
                    );
                }
            }
            if entry.target.is_some_and(|t| t.seconds() <= 0) {
                self.report.error(
                    format!("{at}.target"),
                    "the target must be longer than zero",
                );
            }
            let cel = decision_value(name, entry);
            out.insert(
                name.clone(),
                DecisionType {
                    name: name.clone(),
                    description: entry.description.clone(),
                    domains: entry.domains.clone(),
                    impact: entry.impact,
                    frequency: entry.frequency,
                    reversible: entry.reversible,
                    target: entry.target,
                    cel,
                },
            );
        }
        out
    }

    fn rules(&mut self, types: &HashMap<String, DecisionType>) -> Vec<Rule> {
        let mut seen = HashSet::new();
        let mut out = Vec::new();
        for (i, entry) in self.file.rules.iter().enumerate() {
            let at = format!("rules[{i}]");
            if !ident::is_valid(&entry.id) {
                self.report
                    .error(format!("{at}.id"), ident::shape_error("rule id", &entry.id));
            }
            if !seen.insert(entry.id.as_str()) {
                self.report.error(
                    format!("{at}.id"),
                    format!("rule id `{}` is used twice", entry.id),
                );
            }
            if let Some(rule) = self.rule(entry, &at, types) {
                out.push(rule);
            }
        }
        out
    }

    fn rule(
        &mut self,
        entry: &RuleEntry,
        at: &str,
        types: &HashMap<String, DecisionType>,
    ) -> Option<Rule> {
        if let Some(list) = &entry.types {
            if list.is_empty() {
                self.report.error(
                    format!("{at}.types"),
                    "an empty `types` list matches nothing: leave it out to match every type",
                );
            }
            for (j, t) in list.iter().enumerate() {
                if !types.contains_key(t) {
                    self.report.error(
                        format!("{at}.types[{j}]"),
                        format!("decision type `{t}` is not defined in `decision_types`"),
                    );
                }
            }
        }
        let when = entry
            .when
            .as_deref()
            .and_then(|source| match Condition::compile(source) {
                Ok(c) => Some(c),
                Err(e) => {
                    let path = format!("{at}.when");
                    match e.column() {
                        Some(column) => {
                            self.report
                                .error_in_scalar(path, source, column, e.to_string());
                        }
                        None => self.report.error(path, e.to_string()),
                    }
                    None
                }
            });
        let authority = self.selector(&entry.authority, &format!("{at}.authority"));
        let consult = self.selectors(
            entry.consult.as_ref().map_or(&[][..], |s| &s.0),
            &format!("{at}.consult"),
            entry.consult.as_ref().is_some_and(|s| s.0.len() == 1),
        );
        let agree = self.selectors(&entry.agree, &format!("{at}.agree"), false);
        let inform = self.selectors(&entry.inform, &format!("{at}.inform"), false);
        let escalate = entry.escalate.as_ref().and_then(|e| {
            if e.after.seconds() <= 0 {
                self.report.error(
                    format!("{at}.escalate.after"),
                    "`after` must be longer than zero",
                );
            }
            Some((e.after, self.selector(&e.to, &format!("{at}.escalate.to"))?))
        });
        if let Some(spread) = &entry.spread {
            if !(spread.max_share > 0.0 && spread.max_share <= 1.0) {
                self.report.error(
                    format!("{at}.spread.max_share"),
                    format!(
                        "max_share {} is out of range: expected a fraction above 0 and at most 1",
                        spread.max_share
                    ),
                );
            }
            if spread.window.seconds() <= 0 {
                self.report.error(
                    format!("{at}.spread.window"),
                    "the window must be longer than zero",
                );
            }
        }
        let disagreement = entry.disagreement.clone().unwrap_or_default();
        if disagreement.deliberation.is_some_and(|d| d.seconds() <= 0) {
            self.report.error(
                format!("{at}.disagreement.deliberation"),
                "the deliberation time must be longer than zero",
            );
        }
        match &disagreement.tiebreaker {
            Some(Tiebreaker::Person(p)) => {
                self.person(
                    &format!("{at}.disagreement.tiebreaker.person"),
                    p,
                    "tiebreaker",
                );
            }
            Some(Tiebreaker::Role(r)) if !self.file.roles.contains_key(r) => {
                self.report.error(
                    format!("{at}.disagreement.tiebreaker.role"),
                    format!("role `{r}` is not defined in `roles`"),
                );
            }
            _ => {}
        }
        if entry
            .consensus_check
            .as_ref()
            .is_some_and(|c| c.window.seconds() <= 0)
        {
            self.report.error(
                format!("{at}.consensus_check.window"),
                "the window must be longer than zero",
            );
        }
        if entry.framework == Some(Framework::Unknown) {
            self.report.error(
                format!("{at}.framework"),
                "`unknown` is only for imported decisions: expected expertise, situational, rotating, hierarchy, delegated or assigned",
            );
        }
        let authority = authority?;
        let framework = entry
            .framework
            .unwrap_or_else(|| self.infer_framework(&entry.authority, entry.when.is_some()));
        Some(Rule {
            id: entry.id.clone(),
            types: entry.types.clone(),
            when: if entry.when.is_some() {
                Some(when?)
            } else {
                None
            },
            authority,
            framework,
            spread: entry.spread.clone(),
            consult: consult?,
            agree: agree?,
            inform: inform?,
            escalate,
            deliberation: disagreement
                .deliberation
                .unwrap_or(self.file.settings.deliberation),
            tiebreaker: disagreement.tiebreaker,
            consensus_check: entry.consensus_check.clone(),
            ignore_load: entry.ignore_load,
        })
    }

    /// SPEC §4.6: the framework a rule's authority implies.
    fn infer_framework(&self, authority: &Selector, has_when: bool) -> Framework {
        match authority {
            Selector::Expertise(_) => Framework::Expertise,
            Selector::Rotation(_) => Framework::Rotating,
            Selector::Role(r) if matches!(self.file.roles.get(r), Some(RoleEntry::Rotation(_))) => {
                Framework::Rotating
            }
            Selector::ManagerOf(_) => Framework::Hierarchy,
            Selector::Requester(_) => Framework::Delegated,
            _ if has_when => Framework::Situational,
            _ => Framework::Assigned,
        }
    }

    /// A list of selectors; `single` says the list was written as one
    /// selector, so paths do not get an index.
    /// `grants.steward`: selectors that name people without a request, so
    /// never the requester or their managers.
    fn grants(&mut self) -> Vec<Sel> {
        let file = self.file;
        let mut out = Vec::new();
        for (i, selector) in file.grants.steward.iter().enumerate() {
            let at = format!("grants.steward[{i}]");
            let Some(sel) = self.selector(selector, &at) else {
                continue;
            };
            let (mut needs_request, mut expertise) = (false, false);
            sel.walk(&mut |s| {
                needs_request |= matches!(s, Sel::Requester | Sel::ManagerOfRequester);
                expertise |= matches!(s, Sel::Expertise { .. });
            });
            if needs_request {
                self.report.error(
                    at,
                    "a grant names people without a request: `requester` and `manager_of` name nobody here",
                );
            } else if expertise {
                // Members endorse one another: a grant by expertise would let
                // two of them make each other stewards.
                self.report.error(
                    at,
                    "a grant names people by person, role or rotation: an expertise query could be met by endorsements members give each other",
                );
            } else {
                out.push(sel);
            }
        }
        out
    }

    fn selectors(&mut self, list: &[Selector], at: &str, single: bool) -> Option<Vec<Sel>> {
        let mut out = Vec::with_capacity(list.len());
        let mut ok = true;
        for (i, s) in list.iter().enumerate() {
            let path = if single {
                at.to_owned()
            } else {
                format!("{at}[{i}]")
            };
            match self.selector(s, &path) {
                Some(sel) => out.push(sel),
                None => ok = false,
            }
        }
        ok.then_some(out)
    }

    fn selector(&mut self, selector: &Selector, at: &str) -> Option<Sel> {
        match selector {
            Selector::Person(id) => self
                .person(&format!("{at}.person"), id, "person")
                .map(Sel::Person),
            Selector::Role(name) => {
                let found = self.roles.get(name).copied();
                if found.is_none() && !self.file.roles.contains_key(name) {
                    self.report.error(
                        format!("{at}.role"),
                        format!("role `{name}` is not defined in `roles`"),
                    );
                }
                found.map(|t| Sel::Role(name.clone(), t))
            }
            Selector::Rotation(name) => {
                let found = self.rotation_index.get(name).copied();
                if found.is_none() && !self.file.rotations.contains_key(name) {
                    self.report.error(
                        format!("{at}.rotation"),
                        format!("rotation `{name}` is not defined in `rotations`"),
                    );
                }
                found.map(Sel::Rotation)
            }
            Selector::Expertise(q) => self.expertise(q, &format!("{at}.expertise")),
            Selector::ManagerOf(_) => Some(Sel::ManagerOfRequester),
            Selector::Requester(true) => Some(Sel::Requester),
            Selector::Requester(false) => {
                self.report.error(
                    format!("{at}.requester"),
                    "`requester` must be `true` (leave the selector out otherwise)",
                );
                None
            }
            Selector::AnyOf(list) => {
                if list.is_empty() {
                    self.report.error(
                        format!("{at}.any_of"),
                        "`any_of` needs at least one selector",
                    );
                }
                self.selectors(list, &format!("{at}.any_of"), false)
                    .map(Sel::AnyOf)
            }
        }
    }

    fn expertise(&mut self, q: &ExpertiseQuery, at: &str) -> Option<Sel> {
        let mut ok = true;
        if !ident::is_valid(&q.domain) {
            self.report.error(
                format!("{at}.domain"),
                ident::shape_error("domain", &q.domain),
            );
            ok = false;
        }
        if q.min_level > MAX_LEVEL {
            self.report.error(
                format!("{at}.min_level"),
                format!(
                    "min_level {} is out of range: expected 0 to {MAX_LEVEL}",
                    q.min_level
                ),
            );
            ok = false;
        }
        if q.top == Some(0) {
            self.report
                .error(format!("{at}.top"), "`top` must be at least 1");
            ok = false;
        }
        if !ok {
            return None;
        }
        let key = (q.domain.clone(), q.min_level, q.min_endorsements);
        let index = match self.expertise_keys.get(&key) {
            Some(&i) => i,
            None => {
                let i = self.expertise.len();
                self.expertise.push(ExpertiseIndex::build(
                    self.directory,
                    &q.domain,
                    q.min_level,
                    q.min_endorsements,
                ));
                self.expertise_keys.insert(key, i);
                i
            }
        };
        Some(Sel::Expertise {
            index,
            exclude_requester: q.exclude_requester,
            top: q.top,
        })
    }
}

/// Per decision type, the rules that can route it, so a request never walks
/// the rules written for other types.
fn routes(types: &HashMap<String, DecisionType>, rules: &[Rule]) -> HashMap<String, super::Route> {
    types
        .keys()
        .map(|t| {
            let (mine, others) =
                (0..rules.len()).partition(|&i| rules.get(i).is_some_and(|r| r.applies_to_type(t)));
            (
                t.clone(),
                super::Route {
                    rules: mine,
                    others,
                },
            )
        })
        .collect()
}

/// `decision` as CEL sees it for a type: the request's title is added per
/// request.
fn decision_value(name: &str, entry: &super::file::DecisionTypeEntry) -> cel::Value {
    let domains = cel::Value::List(Arc::new(
        entry
            .domains
            .iter()
            .map(|d| cel::Value::from(d.as_str()))
            .collect(),
    ));
    let impact = serde_json::to_value(entry.impact)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default();
    let frequency = entry
        .frequency
        .and_then(|f| serde_json::to_value(f).ok())
        .and_then(|v| v.as_str().map(str::to_owned))
        .map_or(cel::Value::Null, |s| cel::Value::from(s.as_str()));
    condition::string_map([
        ("type", cel::Value::from(name)),
        ("domains", domains),
        ("impact", cel::Value::from(impact.as_str())),
        ("frequency", frequency),
        ("reversible", cel::Value::Bool(entry.reversible)),
    ])
}
