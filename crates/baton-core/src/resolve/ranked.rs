//! Expertise order at request time (SPEC §4.3) without re-sorting.
//!
//! The compiled [`ExpertiseIndex`] is already sorted by the static keys
//! (level, endorsements, id). Only people with a track record in the domain
//! or a non-zero load can sit elsewhere than their static place; there are
//! few of them, so they are sorted alone and merged into the static order
//! lazily. A request that needs three candidates touches a handful of
//! entries, however large the directory.

use std::cmp::Ordering;
use std::collections::HashSet;
use std::iter::Peekable;

use crate::guide::{ExpertiseIndex, Qualified};
use crate::org::{Directory, Pid};
use crate::resolve::state::OrgState;

/// The full sort key of one qualified person for one request.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Key {
    pub q: Qualified,
    pub track: f64,
    pub load: u32,
}

const DEFAULT_TRACK: f64 = 0.5;

fn order(a: &Key, b: &Key) -> Ordering {
    b.q.level
        .cmp(&a.q.level)
        .then(b.q.endorsements.cmp(&a.q.endorsements))
        .then(b.track.total_cmp(&a.track))
        .then(a.load.cmp(&b.load))
        .then(a.q.pid.cmp(&b.q.pid))
}

/// Qualified people in full expertise order, lazily.
pub(crate) struct Ranked<'a> {
    statics: Peekable<std::slice::Iter<'a, Qualified>>,
    dynamics: Peekable<std::vec::IntoIter<Key>>,
    moved: HashSet<Pid>,
}

impl<'a> Ranked<'a> {
    pub(crate) fn new(index: &'a ExpertiseIndex, directory: &Directory, state: &OrgState) -> Self {
        let mut dynamics: Vec<Key> = Vec::new();
        let mut moved = HashSet::new();
        let loaded = state.load.iter().filter(|(_, n)| **n > 0).map(|(id, _)| id);
        let tracked = state
            .track
            .iter()
            .filter(|(_, domains)| domains.contains_key(&index.domain))
            .map(|(id, _)| id);
        for id in loaded.chain(tracked) {
            let Some(q) = directory.find(id).and_then(|pid| index.get(pid)) else {
                continue;
            };
            if moved.insert(q.pid) {
                dynamics.push(Key {
                    q: *q,
                    track: state.track_record(id, &index.domain),
                    load: state.load_of(id),
                });
            }
        }
        dynamics.sort_by(order);
        Self {
            statics: index.ranked.iter().peekable(),
            dynamics: dynamics.into_iter().peekable(),
            moved,
        }
    }
}

impl Iterator for Ranked<'_> {
    type Item = Key;

    fn next(&mut self) -> Option<Key> {
        while let Some(q) = self.statics.peek() {
            if self.moved.contains(&q.pid) {
                self.statics.next();
            } else {
                break;
            }
        }
        let fixed = self.statics.peek().map(|q| Key {
            q: **q,
            track: DEFAULT_TRACK,
            load: 0,
        });
        match (fixed, self.dynamics.peek()) {
            (Some(s), Some(d)) if order(d, &s) == Ordering::Less => self.dynamics.next(),
            (Some(s), _) => {
                self.statics.next();
                Some(s)
            }
            (None, _) => self.dynamics.next(),
        }
    }
}
