//! YAML reading: strict deserialization, and a locator that maps a YAML path
//! back to the line and column where it was written.
//!
//! Deserialization errors carry their own position. Semantic errors (an
//! unknown person, a manager cycle) are found after deserialization, on plain
//! Rust values; the [`Locator`] re-reads the file's events to place them.

use std::collections::HashMap;

use serde::de::DeserializeOwned;
use serde_saphyr::granit_parser::{Event, Parser};

use crate::diagnostic::{Diagnostic, LoadErrors, Severity};

mod rest;

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
        let locator = Locator::new(text);
        let (line, column) = err
            .location()
            .map_or((None, None), |l| (Some(l.line()), Some(l.column())));
        let path = match (line, column) {
            (Some(l), Some(c)) => locator.path_at(l, c).unwrap_or_default(),
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
        let mut all = vec![first];
        if let Ok(value) = serde_saphyr::from_str_with_options(text, options) {
            all.extend(rest::the_rest::<T>(&locator, value, &all[0]));
        }
        all.sort_by_key(|d| (d.line.is_none(), d.line, d.column));
        LoadErrors(all)
    })
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
    // serde's own wording, from the pass that finds the errors after the
    // first: ``invalid type: string "high", expected u8``.
    if let Some((found, expected)) = message
        .strip_prefix("invalid type: ")
        .or_else(|| message.strip_prefix("invalid value: "))
        .and_then(|rest| rest.split_once(", expected "))
    {
        let expected = wanted(expected).unwrap_or_else(|| expected.to_owned());
        return format!("expected {expected}, found {found}");
    }
    match message.strip_prefix("invalid ").and_then(wanted) {
        Some(w) => format!("expected {w}"),
        None => unknown_field(message).unwrap_or_else(|| message.to_owned()),
    }
}

/// What a Rust type name the readers report stands for, in a guide
/// author's words.
fn wanted(type_name: &str) -> Option<String> {
    match type_name {
        "i64" | "u64" | "u32" | "u8" | "i32" | "u16" => {
            Some(format!("a whole number ({})", integer_range(type_name)))
        }
        "f64" | "f32" => Some("a number".to_owned()),
        "bool" | "a boolean" => Some("true or false".to_owned()),
        _ => None,
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
