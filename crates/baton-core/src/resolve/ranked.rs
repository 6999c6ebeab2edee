//! Expertise order at request time (SPEC §4.3) without scanning or sorting
//! the qualified list.
//!
//! The compiled [`ExpertiseIndex`] is sorted by the static keys: level,
//! endorsements, id. The request-dependent keys — track record, then load —
//! only reorder people *within* a group of equal (level, endorsements):
//!
//! - people with a track record in the domain (few; `OrgState::track` is
//!   keyed by domain so they are found directly) are sorted alone; those
//!   that beat the default key (record above ½, or ½ with no load) are merged
//!   into the group's static order, the rest wait for the group's end;
//! - everyone else has the default record ½, so among them only load
//!   matters: the unloaded stream out in static (id) order, the loaded wait
//!   for the group's end, where the waiting are sorted and emitted.
//!
//! A request that needs three candidates touches a handful of entries,
//! however large the directory.

use std::cmp::Ordering;
use std::collections::HashSet;

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
    group_order(a.q, b.q)
        .then(b.track.total_cmp(&a.track))
        .then(a.load.cmp(&b.load))
        .then(a.q.pid.cmp(&b.q.pid))
}

/// Level desc, then endorsements desc: the order of tie-groups.
fn group_order(a: Qualified, b: Qualified) -> Ordering {
    b.level
        .cmp(&a.level)
        .then(b.endorsements.cmp(&a.endorsements))
}

fn group(q: Qualified) -> (u8, u32) {
    (q.level, q.endorsements)
}

/// Qualified people in full expertise order, lazily.
pub(crate) struct Ranked<'a> {
    statics: &'a [Qualified],
    next_static: usize,
    directory: &'a Directory,
    state: &'a OrgState,
    /// People with a track record here: they are not taken from `statics`.
    tracked: HashSet<Pid>,
    /// Tracked people whose key beats the default, in full order.
    ahead: Vec<Key>,
    next_ahead: usize,
    /// Tracked people whose key does not, in full order.
    behind: Vec<Key>,
    next_behind: usize,
    /// The tie-group being emitted.
    current: Option<(u8, u32)>,
    /// The current group's waiting entries.
    pool: Vec<Key>,
    /// A finished group's waiting entries, sorted, last first.
    drain: Vec<Key>,
}

impl<'a> Ranked<'a> {
    pub(crate) fn new(
        index: &'a ExpertiseIndex,
        directory: &'a Directory,
        state: &'a OrgState,
    ) -> Self {
        let mut tracked = HashSet::new();
        let mut ahead = Vec::new();
        let mut behind = Vec::new();
        if let Some(records) = state.track.get(&index.domain) {
            for (id, outcomes) in records {
                let Some(q) = directory.find(id).and_then(|pid| index.get(pid)) else {
                    continue;
                };
                tracked.insert(q.pid);
                let key = Key {
                    q: *q,
                    track: outcomes.track_record(),
                    load: state.load_of(id),
                };
                let beats_default =
                    key.track > DEFAULT_TRACK || (key.track == DEFAULT_TRACK && key.load == 0);
                if beats_default {
                    ahead.push(key)
                } else {
                    behind.push(key)
                }
            }
        }
        ahead.sort_by(order);
        behind.sort_by(order);
        Self {
            statics: &index.ranked,
            next_static: 0,
            directory,
            state,
            tracked,
            ahead,
            next_ahead: 0,
            behind,
            next_behind: 0,
            current: None,
            pool: Vec::new(),
            drain: Vec::new(),
        }
    }

    /// The next static entry not taken over by a track record.
    fn static_head(&mut self) -> Option<Qualified> {
        while let Some(q) = self.statics.get(self.next_static) {
            if !self.tracked.contains(&q.pid) {
                return Some(*q);
            }
            self.next_static += 1;
        }
        None
    }

    /// The best tie-group any source still holds.
    fn next_group(&mut self) -> Option<(u8, u32)> {
        let heads = [
            self.static_head(),
            self.ahead.get(self.next_ahead).map(|k| k.q),
            self.behind.get(self.next_behind).map(|k| k.q),
        ];
        heads
            .into_iter()
            .flatten()
            .min_by(|a, b| group_order(*a, *b))
            .map(group)
    }

    fn default_key(&self, q: Qualified) -> Key {
        Key {
            q,
            track: DEFAULT_TRACK,
            load: self.state.load_of(self.directory.id(q.pid)),
        }
    }
}

impl Iterator for Ranked<'_> {
    type Item = Key;

    fn next(&mut self) -> Option<Key> {
        loop {
            if let Some(k) = self.drain.pop() {
                return Some(k);
            }
            let g = match self.current {
                Some(g) => g,
                None => {
                    let g = self.next_group()?;
                    self.current = Some(g);
                    g
                }
            };
            let fixed = self
                .static_head()
                .filter(|q| group(*q) == g)
                .map(|q| self.default_key(q));
            if let Some(k) = fixed.filter(|k| k.load > 0) {
                self.pool.push(k);
                self.next_static += 1;
                continue;
            }
            let early = self
                .ahead
                .get(self.next_ahead)
                .copied()
                .filter(|k| group(k.q) == g);
            match (early, fixed) {
                (Some(a), Some(s)) if order(&a, &s) == Ordering::Less => {
                    self.next_ahead += 1;
                    return Some(a);
                }
                (_, Some(s)) => {
                    self.next_static += 1;
                    return Some(s);
                }
                (Some(a), None) => {
                    self.next_ahead += 1;
                    return Some(a);
                }
                (None, None) => {
                    while let Some(k) = self
                        .behind
                        .get(self.next_behind)
                        .filter(|k| group(k.q) == g)
                    {
                        self.pool.push(*k);
                        self.next_behind += 1;
                    }
                    self.pool.sort_by(|a, b| order(b, a));
                    self.drain = std::mem::take(&mut self.pool);
                    self.current = None;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::resolve::Outcomes;

    /// The lazy merge must agree with a plain sort of every qualified person
    /// by the full key, for any loads and records.
    #[test]
    fn the_lazy_order_equals_a_full_sort() {
        let mut org = String::from("people:\n");
        for i in 0..40 {
            org.push_str(&format!(
                "  - {{id: p{i:02}, name: P, expertise: {{x: {}}}}}\n",
                1 + i % 3
            ));
        }
        let directory = Arc::new(Directory::load("o", &org).unwrap());
        let index = ExpertiseIndex::build(&directory, "x", 1, 0);
        let mut seed = 17u64;
        let mut rand = |n: u64| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) % n
        };
        for _ in 0..200 {
            let mut state = OrgState::default();
            for i in 0..40 {
                let id = format!("p{i:02}");
                if rand(4) == 0 {
                    state.load.insert(id.clone(), rand(3) as u32);
                }
                if rand(4) == 0 {
                    let o = Outcomes {
                        success: rand(3) as f64,
                        failure: rand(3) as f64,
                    };
                    state.record(&id, "x", o);
                }
            }
            let lazy: Vec<Pid> = Ranked::new(&index, &directory, &state)
                .map(|k| k.q.pid)
                .collect();
            let mut full: Vec<Key> = index
                .ranked
                .iter()
                .map(|q| {
                    let id = directory.id(q.pid);
                    Key {
                        q: *q,
                        track: state.track_record(id, "x"),
                        load: state.load_of(id),
                    }
                })
                .collect();
            full.sort_by(order);
            let full: Vec<Pid> = full.into_iter().map(|k| k.q.pid).collect();
            assert_eq!(lazy, full);
        }
    }
}
