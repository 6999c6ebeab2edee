//! Compiled selectors and the ranked expertise indexes behind them.

use std::collections::HashMap;

use crate::org::{Directory, Pid};

use super::RoleTarget;

/// A selector with every reference resolved to an index.
#[derive(Debug, Clone)]
pub enum Sel {
    Person(Pid),
    Role(String, RoleTarget),
    Rotation(usize),
    Expertise {
        index: usize,
        exclude_requester: bool,
        top: Option<u32>,
    },
    ManagerOfRequester,
    Requester,
    AnyOf(Vec<Sel>),
}

impl Sel {
    /// Every selector nested in this one, this one included.
    pub fn walk(&self, visit: &mut impl FnMut(&Sel)) {
        visit(self);
        if let Sel::AnyOf(inner) = self {
            for s in inner {
                s.walk(visit);
            }
        }
    }
}

/// One qualified person for an expertise query, with the static part of
/// their sort key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Qualified {
    pub pid: Pid,
    /// Validated level (SPEC §4.3).
    pub level: u8,
    /// Distinct endorsers other than the person, in the domain.
    pub endorsements: u32,
}

/// Everyone qualified for `{domain, min_level, min_endorsements}`, ranked by
/// the request-independent keys: level desc, endorsements desc, id asc.
///
/// Track record and load (the middle keys of SPEC §4.3) change per request;
/// the resolver merges the few people they affect into this order instead of
/// re-sorting it.
#[derive(Debug)]
pub struct ExpertiseIndex {
    pub domain: String,
    pub min_level: u8,
    pub min_endorsements: u32,
    pub ranked: Vec<Qualified>,
    pub position: HashMap<Pid, usize>,
}

impl ExpertiseIndex {
    pub fn build(
        directory: &Directory,
        domain: &str,
        min_level: u8,
        min_endorsements: u32,
    ) -> Self {
        let mut ranked: Vec<Qualified> = directory
            .claimants(domain)
            .iter()
            .filter_map(|&pid| {
                let (level, endorsements) =
                    directory.validated_level(pid, domain, min_endorsements)?;
                (level >= min_level).then_some(Qualified {
                    pid,
                    level,
                    endorsements,
                })
            })
            .collect();
        ranked.sort_by(|a, b| {
            b.level
                .cmp(&a.level)
                .then(b.endorsements.cmp(&a.endorsements))
                .then(a.pid.cmp(&b.pid))
        });
        let position = ranked.iter().enumerate().map(|(i, q)| (q.pid, i)).collect();
        Self {
            domain: domain.to_owned(),
            min_level,
            min_endorsements,
            ranked,
            position,
        }
    }

    pub fn get(&self, pid: Pid) -> Option<&Qualified> {
        self.position.get(&pid).and_then(|&i| self.ranked.get(i))
    }
}
