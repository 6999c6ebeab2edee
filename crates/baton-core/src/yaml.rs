//! YAML reading: strict deserialization, and a locator that maps a YAML path
//! back to the line and column where it was written.
//!
//! Deserialization errors carry their own position. Semantic errors (an
//! unknown person, a manager cycle) are found after deserialization, on plain
//! Rust values; the [`Locator`] re-reads the file's events to place them.

use std::collections::HashMap;

use serde::de::DeserializeOwned;
use serde_path_to_error::Segment;
use serde_saphyr::granit_parser::{Event, Parser};

use crate::diagnostic::{Diagnostic, LoadErrors, Severity};

/// Files larger than this are refused before parsing: a guide or directory is
/// kilobytes to a few megabytes; anything bigger is a mistake or an attack.
pub const MAX_FILE_BYTES: usize = 64 * 1024 * 1024;

/// Deserializes `text` into `T`, turning a parse error into a positioned
/// diagnostic for `file`.
pub(crate) fn parse<T: DeserializeOwned>(file: &str, text: &str) -> Result<T, LoadErrors> {
    if text.len() > MAX_FILE_BYTES {
        return Err(whole_file(
            file,
            format!(
                "file is {} bytes, more than the {MAX_FILE_BYTES} bytes baton reads",
                text.len()
            ),
        ));
    }
    // JSON is YAML, and a JSON parser reads it an order of magnitude faster:
    // large directories exported from HR systems arrive as JSON. Anything
    // the JSON parser refuses is read again as YAML, which gives the error.
    if text.trim_start().starts_with(['{', '['])
        && let Ok(value) = serde_json::from_str(text)
    {
        return Ok(value);
    }
    // The default node budget (250,000) fits a config file, not a directory
    // of 100,000 people; the byte cap above already bounds the work.
    let mut budget = serde_saphyr::Budget::default();
    budget.max_nodes = 50_000_000;
    budget.max_events = 100_000_000;
    let options = serde_saphyr::options! { with_snippet: false, budget: Some(budget) };
    serde_saphyr::from_str_with_options(text, options.clone()).map_err(|err| {
        let (line, column) = err
            .location()
            .map_or((None, None), |l| (Some(l.line()), Some(l.column())));
        let path = match (line, column) {
            (Some(l), Some(c)) => Locator::new(text).path_at(l, c).unwrap_or_default(),
            _ => String::new(),
        };
        let first = Diagnostic {
            severity: Severity::Error,
            file: file.to_owned(),
            line,
            column,
            path,
            code: "",
            message: plain_message(&err.to_string()),
        };
        let text_value = serde_saphyr::from_str_with_options(text, options);
        let mut all = vec![first];
        if let Ok(value) = text_value {
            all.extend(the_rest::<T>(file, text, value, &all[0]));
        }
        all.sort_by_key(|d| (d.line.is_none(), d.line, d.column));
        LoadErrors(all)
    })
}

/// Most errors reported for one file.
const MAX_ERRORS: usize = 50;

/// The errors after the first. serde stops at the first error, so the file
/// is read again as plain data and deserialized from that, repeatedly: each
/// error found is recorded and the node it is about removed, until the data
/// deserializes. A required key left missing by a removal (or by a misspelt
/// key that was reported with ``did you mean``) removes the object that
/// needs it, silently; list items removed are remembered, so that later
/// errors still name their place in the file.
fn the_rest<T: DeserializeOwned>(
    file: &str,
    text: &str,
    mut value: serde_json::Value,
    first: &Diagnostic,
) -> Vec<Diagnostic> {
    let started = std::time::Instant::now();
    let locator = Locator::new(text);
    let mut found: Vec<Diagnostic> = Vec::new();
    // Paths (as written in the file) of keys removed or suggested.
    let mut accounted: Vec<String> = Vec::new();
    let mut items = RemovedItems::default();
    for _ in 0..MAX_PASSES {
        if found.len() >= MAX_ERRORS || started.elapsed() > MAX_TIME {
            break;
        }
        let Err(err) = serde_path_to_error::deserialize::<_, T>(&value) else {
            break;
        };
        // Where the error is in the data as it is now.
        let mut here: Vec<String> = Vec::new();
        let mut in_variant = false;
        for segment in err.path().iter() {
            in_variant = matches!(segment, Segment::Enum { .. });
            match segment {
                Segment::Map { key } | Segment::Enum { variant: key } => here.push(key.clone()),
                Segment::Seq { index } => here.push(format!("[{index}]")),
                Segment::Unknown => {}
            }
        }
        let raw = err.inner().to_string();
        // YAML reads a plain `1042` as text where text is wanted, and so did
        // the first reading; the data says "number". Make every such value
        // of this field text, and read again.
        if reads_as_text(&raw) && coerce_to_text(&mut value, &here) {
            continue;
        }
        let message = plain_message(&raw);
        // The path usually ends in the unknown key already; not always.
        if let Some(unknown) = quoted_prefix(&message, "unknown field `")
            && here.last() != Some(&unknown)
        {
            here.push(unknown);
            in_variant = false;
        }
        let written = items.as_written(&here);
        let missing = quoted_prefix(&message, "missing field `");
        let cascade = missing.as_ref().is_some_and(|m| {
            accounted.contains(&join(&[written.clone(), vec![m.clone()]].concat()))
        });
        if !cascade {
            let path = join(&written);
            let (line, column) = locator
                .find(&path)
                .map_or((None, None), |(l, c)| (Some(l), Some(c)));
            let repeats_first = path == first.path
                || (line.is_some() && (line, column) == (first.line, first.column));
            if let Some(near) = suggestion(&message)
                && let Some((_, parent)) = written.split_last()
            {
                accounted.push(join(&[parent.to_vec(), vec![near]].concat()));
            }
            if !repeats_first && !found.iter().any(|d| d.path == path && d.message == message) {
                found.push(Diagnostic {
                    severity: Severity::Error,
                    file: file.to_owned(),
                    line,
                    column,
                    path,
                    code: "",
                    message,
                });
            }
        }
        // A missing field is the object's fault, not a key's; a bad enum
        // variant is the fault of the node that holds it.
        let (mut here, mut written) = (here, written);
        if missing.is_some() || in_variant {
            if let Some(last) = written.last()
                && !last.starts_with('[')
            {
                accounted.push(join(&written));
            }
            if in_variant {
                here.pop();
                written.pop();
            }
        }
        // Remove the node, or failing that its nearest removable ancestor.
        let removed = loop {
            if here.is_empty() {
                break false;
            }
            if remove(&mut value, &here, &mut items, &written) {
                break true;
            }
            here.pop();
            written.pop();
        };
        if !removed {
            break;
        }
        if missing.is_none() {
            accounted.push(join(&written));
        }
    }
    found
}

/// Longest spent looking for the errors after the first.
const MAX_TIME: std::time::Duration = std::time::Duration::from_secs(2);

/// serde's "a number (or boolean) where a string was expected".
fn reads_as_text(raw: &str) -> bool {
    ["integer", "floating point", "boolean"]
        .iter()
        .any(|t| raw.starts_with(&format!("invalid type: {t}")))
        && raw.contains(", expected a string")
}

/// Makes the scalar at `here`, and at the same field of every other item
/// of each list on the way (`people[*].id`), text. Whether anything changed.
fn coerce_to_text(value: &mut serde_json::Value, here: &[String]) -> bool {
    let Some((segment, rest)) = here.split_first() else {
        let text = match value {
            serde_json::Value::Number(n) => n.to_string(),
            serde_json::Value::Bool(b) => b.to_string(),
            _ => return false,
        };
        *value = serde_json::Value::String(text);
        return true;
    };
    match (index_of(segment), value) {
        (Some(_), serde_json::Value::Array(list)) => {
            // Every item, not only up to the first that changed.
            let mut changed = false;
            for item in list {
                changed |= coerce_to_text(item, rest);
            }
            changed
        }
        (None, serde_json::Value::Object(map)) => map
            .get_mut(segment.as_str())
            .is_some_and(|v| coerce_to_text(v, rest)),
        _ => false,
    }
}

/// Most deserialization passes over one file: each removes one node.
const MAX_PASSES: usize = 1_000;

/// List items removed so far, by the written path of their list, as their
/// indices in the file: maps an index in the data now back to the file's.
#[derive(Default)]
struct RemovedItems(HashMap<String, Vec<usize>>);

impl RemovedItems {
    fn as_written(&self, here: &[String]) -> Vec<String> {
        let mut out: Vec<String> = Vec::with_capacity(here.len());
        for segment in here {
            match index_of(segment) {
                Some(now) => {
                    let removed = self.0.get(&join(&out)).map_or(&[][..], Vec::as_slice);
                    let written = (0..)
                        .filter(|i| !removed.contains(i))
                        .nth(now)
                        .unwrap_or(now);
                    out.push(format!("[{written}]"));
                }
                None => out.push(segment.clone()),
            }
        }
        out
    }
}

fn index_of(segment: &str) -> Option<usize> {
    segment.strip_prefix('[')?.strip_suffix(']')?.parse().ok()
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

/// `people[1].idd` from `["people", "[1]", "idd"]`.
fn join(segments: &[String]) -> String {
    let mut path = String::new();
    for s in segments {
        if !path.is_empty() && !s.starts_with('[') {
            path.push('.');
        }
        path.push_str(s);
    }
    path
}

/// Removes the node at `here` (a path in the data now; `written` is the
/// same path in the file), and remembers a removed list item.
fn remove(
    value: &mut serde_json::Value,
    here: &[String],
    items: &mut RemovedItems,
    written: &[String],
) -> bool {
    let Some((last, parents)) = here.split_last() else {
        return false;
    };
    let mut node = value;
    for s in parents {
        let next = match index_of(s) {
            Some(i) => node.get_mut(i),
            None => node.get_mut(s.as_str()),
        };
        let Some(next) = next else { return false };
        node = next;
    }
    match (index_of(last), node) {
        (Some(i), serde_json::Value::Array(list)) if i < list.len() => {
            list.remove(i);
            let list_path = join(written.split_last().map_or(&[][..], |(_, p)| p));
            if let Some(original) = written.last().and_then(|s| index_of(s)) {
                items.0.entry(list_path).or_default().push(original);
            }
            true
        }
        (None, serde_json::Value::Object(map)) => map.remove(last.as_str()).is_some(),
        _ => false,
    }
}

fn whole_file(file: &str, message: String) -> LoadErrors {
    LoadErrors(vec![Diagnostic {
        severity: Severity::Error,
        file: file.to_owned(),
        line: None,
        column: None,
        path: String::new(),
        code: "",
        message,
    }])
}

/// serde-saphyr appends ` at line L column C`; we print positions ourselves.
/// Bare type names (`invalid i64`) become words a guide author knows.
fn plain_message(message: &str) -> String {
    let message = message.lines().next().unwrap_or(message);
    let message = match message.rfind(" at line ") {
        Some(i) => message.get(..i).unwrap_or(message),
        None => message,
    };
    let numeric = ["i64", "u64", "u32", "u8", "i32", "u16"];
    // serde's own wording, from the pass that finds the errors after the
    // first: ``invalid type: string "high", expected u8``.
    if let Some((found, expected)) = message
        .strip_prefix("invalid type: ")
        .or_else(|| message.strip_prefix("invalid value: "))
        .and_then(|rest| rest.split_once(", expected "))
    {
        let expected = match expected {
            t if numeric.contains(&t) => format!("a whole number ({})", integer_range(t)),
            "f64" | "f32" => "a number".to_owned(),
            "a boolean" => "true or false".to_owned(),
            other => other.to_owned(),
        };
        return format!("expected {expected}, found {found}");
    }
    match message.strip_prefix("invalid ") {
        Some(t) if numeric.contains(&t) => {
            format!("expected a whole number ({})", integer_range(t))
        }
        Some("f64") => "expected a number".to_owned(),
        Some("bool") => "expected true or false".to_owned(),
        _ => unknown_field(message).unwrap_or_else(|| message.to_owned()),
    }
}

/// ``unknown field `X`, expected one of A, B, …`` in one wording whichever
/// reader wrote it, with the allowed key closest to `X` suggested when it is
/// close enough to be a typo of it.
fn unknown_field(message: &str) -> Option<String> {
    let (what, rest) = ["field", "variant"].iter().find_map(|what| {
        message
            .strip_prefix(&format!("unknown {what} `"))
            .map(|rest| (*what, rest))
    })?;
    let (unknown, rest) = rest.split_once('`')?;
    let expected = rest
        .strip_prefix(", expected one of ")
        .or_else(|| rest.strip_prefix(", expected "))?;
    let candidates: Vec<&str> = expected
        .split(", ")
        .flat_map(|part| part.split(" or "))
        .map(|candidate| candidate.trim().trim_matches('`'))
        .filter(|candidate| !candidate.is_empty())
        .collect();
    let mut out = format!(
        "unknown {what} `{unknown}`, expected one of {}",
        candidates.join(", ")
    );
    if let Some(near) = crate::spelling::nearest(unknown, candidates.iter().copied()) {
        out.push_str(&format!("; did you mean `{near}`?"));
    }
    Some(out)
}

fn integer_range(t: &str) -> &'static str {
    match t {
        "u8" => "0 to 255",
        "u16" | "u32" | "u64" => "zero or more",
        _ => "may be negative",
    }
}

/// Maps YAML paths (`people[1].manager`, `rotations.on-call.members[0]`) to
/// the 1-based line and column of the node written there.
pub(crate) struct Locator {
    places: HashMap<String, (u64, u64)>,
    /// Where each mapping key is written, and the path it names: a parser
    /// reports an unknown key at the key, not at its value.
    keys: HashMap<(u64, u64), String>,
}

/// What a walk over the document records.
#[derive(Default)]
struct Places {
    values: HashMap<String, (u64, u64)>,
    keys: HashMap<(u64, u64), String>,
}

impl Locator {
    pub(crate) fn new(text: &str) -> Self {
        let mut places = Places::default();
        let mut events = Parser::new_from_str(text)
            .filter_map(Result::ok)
            .map(|(event, span)| {
                let start = span.start;
                (event, (start.line() as u64, start.col() as u64 + 1))
            });
        // Skip to the first node of the first document.
        for (event, pos) in events.by_ref() {
            match event {
                Event::MappingStart(..) => {
                    places.values.insert(String::new(), pos);
                    walk_mapping(&mut events, String::new(), &mut places);
                    break;
                }
                Event::SequenceStart(..) => {
                    places.values.insert(String::new(), pos);
                    walk_sequence(&mut events, String::new(), &mut places);
                    break;
                }
                Event::Scalar(..) => break,
                _ => {}
            }
        }
        Self {
            places: places.values,
            keys: places.keys,
        }
    }

    /// The deepest path written at `line` and `column`.
    pub(crate) fn path_at(&self, line: u64, column: u64) -> Option<String> {
        self.places
            .iter()
            .filter(|(_, place)| **place == (line, column))
            .max_by_key(|(path, _)| path.len())
            .map(|(path, _)| path.clone())
            .or_else(|| self.keys.get(&(line, column)).cloned())
    }

    /// The place of `path`, or of its nearest written ancestor (a missing key
    /// is reported where its mapping is).
    pub(crate) fn find(&self, path: &str) -> Option<(u64, u64)> {
        let mut path = path;
        loop {
            if let Some(place) = self.places.get(path) {
                return Some(*place);
            }
            let cut = path.rfind(['.', '['])?;
            path = &path[..cut];
        }
    }
}

type Placed<'a> = (Event<'a>, (u64, u64));

fn child_key(parent: &str, key: &str) -> String {
    if parent.is_empty() {
        key.to_owned()
    } else {
        format!("{parent}.{key}")
    }
}

fn walk_node<'a>(
    events: &mut impl Iterator<Item = Placed<'a>>,
    first: Event<'a>,
    path: String,
    pos: (u64, u64),
    places: &mut Places,
) {
    places.values.entry(path.clone()).or_insert(pos);
    match first {
        Event::MappingStart(..) => walk_mapping(events, path, places),
        Event::SequenceStart(..) => walk_sequence(events, path, places),
        _ => {}
    }
}

fn walk_mapping<'a>(
    events: &mut impl Iterator<Item = Placed<'a>>,
    path: String,
    places: &mut Places,
) {
    while let Some((event, key_at)) = events.next() {
        let key = match event {
            Event::MappingEnd => return,
            Event::Scalar(text, ..) => text.into_owned(),
            // Complex keys are not addressable by path; skip them.
            Event::MappingStart(..) | Event::SequenceStart(..) => {
                skip_collection(events);
                String::from("?")
            }
            Event::Comment(..) | Event::Anchor(..) => continue,
            _ => String::from("?"),
        };
        let Some((value, pos)) = next_node(events) else {
            return;
        };
        let child = child_key(&path, &key);
        places.keys.insert(key_at, child.clone());
        walk_node(events, value, child, pos, places);
    }
}

fn walk_sequence<'a>(
    events: &mut impl Iterator<Item = Placed<'a>>,
    path: String,
    places: &mut Places,
) {
    let mut index = 0usize;
    loop {
        let Some((event, pos)) = next_node(events) else {
            return;
        };
        if matches!(event, Event::SequenceEnd) {
            return;
        }
        walk_node(events, event, format!("{path}[{index}]"), pos, places);
        index += 1;
    }
}

fn next_node<'a>(events: &mut impl Iterator<Item = Placed<'a>>) -> Option<Placed<'a>> {
    events.find(|(e, _)| !matches!(e, Event::Comment(..) | Event::Anchor(..)))
}

fn skip_collection<'a>(events: &mut impl Iterator<Item = Placed<'a>>) {
    let mut depth = 1usize;
    for (event, _) in events {
        match event {
            Event::MappingStart(..) | Event::SequenceStart(..) => depth += 1,
            Event::MappingEnd | Event::SequenceEnd => {
                depth -= 1;
                if depth == 0 {
                    return;
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A directory of people with an optional rank, or a required name.
    #[derive(serde::Deserialize, Debug)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct People<P> {
        people: Vec<P>,
    }

    #[derive(serde::Deserialize, Debug)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Ranked {
        id: String,
        #[serde(default)]
        rank: u8,
    }

    #[derive(serde::Deserialize, Debug)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Named {
        id: String,
        name: String,
    }

    const TEXT: &str = "people:\n  - id: dana\n    name: Dana\n  - id: kim\n    manager: dana\nrules:\n  - {id: a, authority: {person: kim}}\n";

    #[test]
    fn locator_places_nested_keys_and_sequence_items() {
        let loc = Locator::new(TEXT);
        assert_eq!(loc.find("people"), Some((2, 3)));
        assert_eq!(loc.find("people[1].manager"), Some((5, 14)));
        assert_eq!(loc.find("rules[0].authority.person"), Some((7, 33)));
    }

    #[test]
    fn locator_falls_back_to_the_nearest_written_ancestor() {
        let loc = Locator::new(TEXT);
        assert_eq!(loc.find("people[1].teams"), loc.find("people[1]"));
    }

    #[test]
    fn every_error_is_reported_not_only_the_first() {
        let text = "people:\n  - {id: a, idd: x}\n  - id: b\n    idd: y\n  - {id: c, rank: high}\n  - {id: d, idd: z}\nteams: []\n";
        let err = parse::<People<Ranked>>("org.yaml", text).unwrap_err();
        let found: Vec<(Option<u64>, &str, &str)> = err
            .0
            .iter()
            .map(|d| (d.line, d.path.as_str(), d.message.as_str()))
            .collect();
        assert_eq!(found.len(), 5, "{err}");
        let lines: Vec<Option<u64>> = found.iter().map(|f| f.0).collect();
        assert_eq!(lines, [2, 4, 5, 6, 7].map(Some), "{err}");
        for (i, path) in [
            (0, "people[0].idd"),
            (1, "people[1].idd"),
            (3, "people[3].idd"),
        ] {
            assert!(found[i].2.contains("unknown field `idd`"), "{err}");
            assert!(found[i].2.contains("did you mean `id`?"), "{err}");
            assert_eq!(found[i].1, path, "{err}");
        }
        assert!(found[2].2.contains("whole number"), "{err}");
        assert!(found[4].2.contains("unknown field `teams`"), "{err}");
    }

    #[test]
    fn a_misspelt_required_key_is_one_error_not_two() {
        let text = "people:\n  - id: kim\n    nme: x\n  - {id: raj, name: Raj}\n  - {id: lee, nam: Lee}\n  - {id: ana}\n";
        let err = parse::<People<Named>>("org.yaml", text).unwrap_err();
        let found: Vec<(Option<u64>, &str)> =
            err.0.iter().map(|d| (d.line, d.message.as_str())).collect();
        assert_eq!(found.len(), 3, "{err}");
        assert_eq!(found[0].0, Some(3), "{err}");
        assert!(found[0].1.contains("did you mean `name`?"), "{err}");
        assert_eq!(found[1].0, Some(5), "{err}");
        assert!(found[1].1.contains("unknown field `nam`"), "{err}");
        // Missing with no misspelling beside it, the key is reported missing.
        assert_eq!(found[2].0, Some(6), "{err}");
        assert!(found[2].1.contains("missing field `name`"), "{err}");
    }

    #[test]
    fn numbers_where_text_is_wanted_are_text_as_on_the_first_reading() {
        let text = "people:\n  - {id: 1042, idd: x}\n  - {id: 7, rank: 1}\n  - {id: 8, idd: y, rank: high}\n";
        let err = parse::<People<Ranked>>("org.yaml", text).unwrap_err();
        let found: Vec<(Option<u64>, &str)> =
            err.0.iter().map(|d| (d.line, d.path.as_str())).collect();
        // Two errors on line 4, both reported; no number is an error.
        assert_eq!(
            found,
            [
                (Some(2), "people[0].idd"),
                (Some(4), "people[2].idd"),
                (Some(4), "people[2].rank"),
            ],
            "{err}"
        );
        // Minified JSON is one line: its errors are still each reported.
        let json = r#"{"people": [{"id": "a", "idd": 1}, {"id": "b", "rank": "x"}]}"#;
        let err = parse::<People<Ranked>>("org.json", json).unwrap_err();
        assert_eq!(err.0.len(), 2, "{err}");
    }

    #[test]
    fn a_bad_variant_is_one_error_and_the_rest_are_still_found() {
        #[derive(serde::Deserialize, Debug)]
        #[serde(deny_unknown_fields, rename_all = "snake_case")]
        #[allow(dead_code)]
        enum Selector {
            Person(String),
            Expertise(Query),
            Requester(bool),
        }
        #[derive(serde::Deserialize, Debug)]
        #[serde(deny_unknown_fields)]
        #[allow(dead_code)]
        struct Query {
            domain: String,
        }
        #[derive(serde::Deserialize, Debug)]
        #[serde(deny_unknown_fields)]
        #[allow(dead_code)]
        struct Rule {
            id: String,
            authority: Selector,
        }
        #[derive(serde::Deserialize, Debug)]
        #[serde(deny_unknown_fields)]
        #[allow(dead_code)]
        struct File {
            rules: Vec<Rule>,
        }
        let text = "rules:\n  - {id: a, authority: {expertise: db}}\n  - {id: b, authority: {persn: kim}}\n  - {id: c, authority: {requester: yes-please}}\n  - {id: d, authority: {person: kim}, extra: 1}\n";
        let err = parse::<File>("g.yaml", text).unwrap_err();
        let lines: Vec<Option<u64>> = err.0.iter().map(|d| d.line).collect();
        assert_eq!(lines, [2, 3, 4, 5].map(Some), "{err}");
        assert!(err.0[1].message.contains("did you mean `person`?"), "{err}");
    }

    #[test]
    fn json_is_read_as_the_yaml_it_is() {
        #[derive(serde::Deserialize, Debug, PartialEq)]
        #[serde(deny_unknown_fields)]
        struct T {
            a: u32,
        }
        assert_eq!(parse::<T>("x.json", "{\"a\": 1}").unwrap(), T { a: 1 });
        // YAML flow style that is not JSON still reads.
        assert_eq!(parse::<T>("x.yaml", "{a: 1}").unwrap(), T { a: 1 });
        // A JSON data error is reported, with its place, by the YAML reader.
        let err = parse::<T>("x.json", "{\n  \"a\": 1,\n  \"b\": 2\n}").unwrap_err();
        assert_eq!(err.0[0].line, Some(3), "{err}");
        assert!(err.0[0].message.contains("unknown field `b`"), "{err}");
    }

    #[test]
    fn parse_errors_carry_file_line_and_column() {
        #[derive(serde::Deserialize, Debug)]
        #[serde(deny_unknown_fields)]
        #[allow(dead_code)]
        struct T {
            a: u32,
        }
        let err = parse::<T>("x.yaml", "a: 1\nb: 2\n").unwrap_err();
        let d = &err.0[0];
        assert_eq!(
            (d.file.as_str(), d.line, d.column),
            ("x.yaml", Some(2), Some(1))
        );
        assert!(d.message.contains("unknown field `b`"), "{}", d.message);
        assert_eq!(d.path, "b", "an unknown key is named by its path");
    }

    #[test]
    fn an_unknown_key_near_an_allowed_one_is_suggested() {
        #[derive(serde::Deserialize, Debug)]
        #[serde(deny_unknown_fields)]
        #[allow(dead_code)]
        struct T {
            escalate: Option<u32>,
            authority: Option<u32>,
        }
        let err = parse::<T>("x.yaml", "escalte: 1\n").unwrap_err();
        let d = &err.0[0];
        assert!(
            d.message.ends_with("did you mean `escalate`?"),
            "{}",
            d.message
        );
        let err = parse::<T>("x.yaml", "colour: 1\n").unwrap_err();
        assert!(
            !err.0[0].message.contains("did you mean"),
            "{}",
            err.0[0].message
        );
    }
}
