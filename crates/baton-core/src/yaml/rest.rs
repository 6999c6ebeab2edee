//! The errors after the first. serde stops at the first error, so a file
//! that fails is read again as plain data and deserialized from that,
//! repeatedly: each error found is recorded and the node it is about
//! removed, until the data deserializes.
//!
//! Removing a node can leave a required key missing; that follows from an
//! error already reported, so the object that needs the key is removed in
//! turn, silently — as it is after a misspelt key reported with ``did you
//! mean``. List items removed are remembered, so that later errors still
//! name their place in the file.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use serde::de::DeserializeOwned;
use serde_json::Value;
use serde_path_to_error::Segment;

use super::{Locator, plain_message};
use crate::diagnostic::{Diagnostic, Severity};

/// Most errors reported for one file.
const MAX_ERRORS: usize = 50;
/// Most deserialization passes over one file: each removes one node.
const MAX_PASSES: usize = 1_000;
/// Longest spent looking for the errors after the first.
const MAX_TIME: Duration = Duration::from_secs(2);

/// One step of a path into the data: a mapping key or a list position.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Step {
    Key(String),
    Item(usize),
}

type Path = Vec<Step>;

/// The errors of the file `locator` reads, after `first`, read from
/// `value` (the file as plain data).
pub(super) fn the_rest<T: DeserializeOwned>(
    locator: &Locator,
    mut value: Value,
    first: &Diagnostic,
) -> Vec<Diagnostic> {
    let started = Instant::now();
    let mut pass = Pass {
        locator,
        first,
        found: Vec::new(),
        accounted: HashSet::new(),
        removed_items: HashMap::new(),
    };
    for _ in 0..MAX_PASSES {
        if pass.found.len() >= MAX_ERRORS || started.elapsed() > MAX_TIME {
            break;
        }
        let Err(err) = serde_path_to_error::deserialize::<_, T>(&value) else {
            break;
        };
        let (here, in_variant) = steps(err.path());
        let raw = err.inner().to_string();
        // YAML reads a plain `1042` as text where text is wanted, and so did
        // the first reading; the data says "number". Make every such value
        // of this field text, and read again.
        if reads_as_text(&raw) && coerce_to_text(&mut value, &here) {
            continue;
        }
        if !pass.step_past(&mut value, here, plain_message(&raw), in_variant) {
            break;
        }
    }
    pass.found
}

struct Pass<'a> {
    locator: &'a Locator,
    first: &'a Diagnostic,
    found: Vec<Diagnostic>,
    /// Paths (as written in the file) of keys removed or suggested: their
    /// absence follows from an error already reported.
    accounted: HashSet<Path>,
    /// List items removed, by the written path of their list, as their
    /// positions in the file.
    removed_items: HashMap<Path, Vec<usize>>,
}

impl Pass<'_> {
    /// Reports the error at `here` (a path in the data now) unless it
    /// follows from one reported, then removes its node. Whether anything
    /// could be removed, so that the next pass gets further.
    fn step_past(
        &mut self,
        value: &mut Value,
        mut here: Path,
        message: String,
        mut in_variant: bool,
    ) -> bool {
        // The path usually ends in the unknown key already; not always.
        if let Some(unknown) = quoted_prefix(&message, "unknown field `") {
            let key = Step::Key(unknown);
            if here.last() != Some(&key) {
                here.push(key);
                in_variant = false;
            }
        }
        let mut written = self.as_written(&here);
        let missing = quoted_prefix(&message, "missing field `");
        let follows = missing
            .as_ref()
            .is_some_and(|m| self.accounted.contains(&child(&written, m)));
        if !follows {
            self.report(&written, message);
        }
        // A missing field is the object's fault, not a key's; a bad enum
        // variant is the fault of the node that holds it.
        if missing.is_some() || in_variant {
            if matches!(written.last(), Some(Step::Key(_))) {
                self.accounted.insert(written.clone());
            }
            if in_variant {
                here.pop();
                written.pop();
            }
        }
        // Remove the node, or failing that its nearest removable ancestor.
        while !self.remove(value, &here, &written) {
            if here.pop().is_none() {
                return false;
            }
            written.pop();
        }
        if missing.is_none() {
            self.accounted.insert(written);
        }
        true
    }

    fn report(&mut self, written: &Path, message: String) {
        let path = render(written);
        let (line, column) = self
            .locator
            .find(&path)
            .map_or((None, None), |(l, c)| (Some(l), Some(c)));
        let first = self.first;
        let repeats_first =
            path == first.path || (line.is_some() && (line, column) == (first.line, first.column));
        if let Some(near) = suggestion(&message)
            && let Some((_, parent)) = written.split_last()
        {
            self.accounted.insert(child(parent, &near));
        }
        if repeats_first
            || self
                .found
                .iter()
                .any(|d| d.path == path && d.message == message)
        {
            return;
        }
        self.found.push(Diagnostic {
            severity: Severity::Error,
            file: first.file.clone(),
            line,
            column,
            path,
            code: "",
            message,
        });
    }

    /// `here` with each list position as it was in the file.
    fn as_written(&self, here: &[Step]) -> Path {
        let mut out = Path::with_capacity(here.len());
        for step in here {
            let step = match step {
                Step::Item(now) => {
                    let removed = self.removed_items.get(&out).map_or(&[][..], Vec::as_slice);
                    let written = (0..).filter(|i| !removed.contains(i)).nth(*now);
                    Step::Item(written.unwrap_or(*now))
                }
                key => key.clone(),
            };
            out.push(step);
        }
        out
    }

    /// Removes the node at `here` (`written` is the same path in the
    /// file), remembering a removed list item.
    fn remove(&mut self, value: &mut Value, here: &[Step], written: &[Step]) -> bool {
        let Some((last, parents)) = here.split_last() else {
            return false;
        };
        let Some(parent) = parents.iter().try_fold(value, |node, step| match step {
            Step::Key(k) => node.get_mut(k.as_str()),
            Step::Item(i) => node.get_mut(*i),
        }) else {
            return false;
        };
        match (last, parent) {
            (Step::Item(i), Value::Array(list)) if *i < list.len() => {
                list.remove(*i);
                if let Some((Step::Item(original), list_path)) = written.split_last() {
                    self.removed_items
                        .entry(list_path.to_vec())
                        .or_default()
                        .push(*original);
                }
                true
            }
            (Step::Key(k), Value::Object(map)) => map.remove(k.as_str()).is_some(),
            _ => false,
        }
    }
}

/// The error's path in the data, and whether it ends in an enum variant.
fn steps(path: &serde_path_to_error::Path) -> (Path, bool) {
    let mut out = Path::new();
    let mut in_variant = false;
    for segment in path.iter() {
        in_variant = matches!(segment, Segment::Enum { .. });
        match segment {
            Segment::Map { key } | Segment::Enum { variant: key } => {
                out.push(Step::Key(key.clone()));
            }
            Segment::Seq { index } => out.push(Step::Item(*index)),
            Segment::Unknown => {}
        }
    }
    (out, in_variant)
}

fn child(parent: &[Step], key: &str) -> Path {
    let mut path = parent.to_vec();
    path.push(Step::Key(key.to_owned()));
    path
}

/// `people[1].idd`, as the locator and diagnostics write a path.
fn render(path: &[Step]) -> String {
    let mut out = String::new();
    for step in path {
        match step {
            Step::Key(k) if out.is_empty() => out.push_str(k),
            Step::Key(k) => {
                out.push('.');
                out.push_str(k);
            }
            Step::Item(i) => out.push_str(&format!("[{i}]")),
        }
    }
    out
}

/// serde's "a number (or boolean) where a string was expected".
fn reads_as_text(raw: &str) -> bool {
    ["integer", "floating point", "boolean"]
        .iter()
        .any(|t| raw.starts_with(&format!("invalid type: {t}")))
        && raw.contains(", expected a string")
}

/// Makes the scalar at `here`, and at the same field of every other item
/// of each list on the way (`people[*].id`), text. Whether anything changed.
fn coerce_to_text(value: &mut Value, here: &[Step]) -> bool {
    let Some((step, rest)) = here.split_first() else {
        let text = match value {
            Value::Number(n) => n.to_string(),
            Value::Bool(b) => b.to_string(),
            _ => return false,
        };
        *value = Value::String(text);
        return true;
    };
    match (step, value) {
        (Step::Item(_), Value::Array(list)) => {
            // Every item, not only up to the first that changed.
            let mut changed = false;
            for item in list {
                changed |= coerce_to_text(item, rest);
            }
            changed
        }
        (Step::Key(k), Value::Object(map)) => map
            .get_mut(k.as_str())
            .is_some_and(|v| coerce_to_text(v, rest)),
        _ => false,
    }
}

/// The text between `prefix`, which starts `message`, and the next
/// backtick, as in ``unknown field `x` ``.
fn quoted_prefix(message: &str, prefix: &str) -> Option<String> {
    let rest = message.strip_prefix(prefix)?;
    Some(rest.split_once('`')?.0.to_owned())
}

/// The `X` of the ``did you mean `X`?`` that ends a message.
fn suggestion(message: &str) -> Option<String> {
    let rest = message.strip_suffix("`?")?;
    let (_, near) = rest.rsplit_once("did you mean `")?;
    Some(near.to_owned())
}
