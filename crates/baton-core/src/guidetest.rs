//! Guide tests (`baton test`): requests with what must come out, so a team
//! proves in CI that its guide routes what it means to.
//!
//! `expect` names any subset of the §4.7 keys, or `{error: CODE}`. Objects
//! are compared as subsets too (`roster: {decide: kim}` checks only the
//! decider); lists and scalars must be equal.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::diagnostic::{LoadErrors, Reporter};
use crate::guide::Guide;
use crate::resolve::{OrgState, Request, resolve};

#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TestFile {
    pub tests: Vec<TestCase>,
}

#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TestCase {
    pub name: String,
    pub request: TestRequest,
    pub expect: BTreeMap<String, serde_json::Value>,
}

#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TestRequest {
    #[serde(rename = "type")]
    pub decision_type: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub requester: Option<String>,
    pub at: chrono::DateTime<chrono::Utc>,
    #[serde(default)]
    pub ctx: BTreeMap<String, serde_json::Value>,
}

/// The keys `expect` may name.
pub const EXPECTABLE: [&str; 13] = [
    "team",
    "type",
    "rule",
    "framework",
    "decider",
    "backups",
    "roster",
    "escalation",
    "deliberation",
    "consensus_check",
    "guide_version",
    "explanation",
    "error",
];

/// The result of one test.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Outcome {
    pub name: String,
    pub passed: bool,
    /// One entry per expected key that differed.
    pub differences: Vec<Difference>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Difference {
    pub key: String,
    pub expected: serde_json::Value,
    pub actual: serde_json::Value,
}

/// Parses a test file, checking that every `expect` key is one of
/// [`EXPECTABLE`].
pub fn load(file: &str, text: &str) -> Result<TestFile, LoadErrors> {
    let parsed: TestFile = crate::yaml::parse(file, text)?;
    let mut report = Reporter::new(file, text);
    for (i, case) in parsed.tests.iter().enumerate() {
        if case.expect.is_empty() {
            report.error(
                format!("tests[{i}].expect"),
                "`expect` is empty: name at least one key to check",
            );
        }
        for key in case.expect.keys() {
            if !EXPECTABLE.contains(&key.as_str()) {
                report.error(
                    format!("tests[{i}].expect.{key}"),
                    format!(
                        "`{key}` is not a resolution key: expected one of {}",
                        EXPECTABLE.join(", ")
                    ),
                );
            }
        }
    }
    report.into_result()?;
    Ok(parsed)
}

/// Runs every case against `guide` with an empty org state.
pub fn run(guide: &Guide, file: &TestFile) -> Vec<Outcome> {
    let state = OrgState::default();
    file.tests
        .iter()
        .map(|case| run_case(guide, &state, case))
        .collect()
}

fn run_case(guide: &Guide, state: &OrgState, case: &TestCase) -> Outcome {
    let request = Request {
        decision_type: case.request.decision_type.clone(),
        title: case.request.title.clone(),
        context: serde_json::to_value(&case.request.ctx).unwrap_or_default(),
        requester: case.request.requester.clone(),
        at: case.request.at,
    };
    let actual = match resolve(guide, state, &request) {
        Ok(resolution) => serde_json::to_value(resolution).unwrap_or_default(),
        Err(err) => serde_json::json!({ "error": err.code.as_str(), "message": err.message }),
    };
    let mut differences: Vec<Difference> = Vec::new();
    // A failed resolution the test did not expect shows its error, not a
    // column of nulls.
    if actual.get("error").is_some() && !case.expect.contains_key("error") {
        differences.push(Difference {
            key: "error".into(),
            expected: serde_json::Value::Null,
            actual: actual.clone(),
        });
    }
    differences.extend(case.expect.iter().filter_map(|(key, expected)| {
        let got = actual.get(key).cloned().unwrap_or(serde_json::Value::Null);
        (!subset(expected, &got)).then(|| Difference {
            key: key.clone(),
            expected: expected.clone(),
            actual: got,
        })
    }));
    Outcome {
        name: case.name.clone(),
        passed: differences.is_empty(),
        differences,
    }
}

/// Whether `expected` is contained in `actual`: objects by their expected
/// keys, everything else by equality.
fn subset(expected: &serde_json::Value, actual: &serde_json::Value) -> bool {
    match (expected, actual) {
        (serde_json::Value::Object(e), serde_json::Value::Object(a)) => e
            .iter()
            .all(|(k, v)| subset(v, a.get(k).unwrap_or(&serde_json::Value::Null))),
        (serde_json::Value::String(e), serde_json::Value::String(a)) => {
            e == a || same_instant(e, a)
        }
        _ => expected == actual,
    }
}

/// `2026-03-04T13:00:00+01:00` and `2026-03-04T12:00:00Z` are the same deadline.
fn same_instant(a: &str, b: &str) -> bool {
    match (
        chrono::DateTime::parse_from_rfc3339(a),
        chrono::DateTime::parse_from_rfc3339(b),
    ) {
        (Ok(x), Ok(y)) => x == y,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn objects_match_as_subsets_and_lists_exactly() {
        assert!(subset(
            &json!({"decide": "kim"}),
            &json!({"decide": "kim", "agree": ["sam"]})
        ));
        assert!(!subset(
            &json!({"decide": "raj"}),
            &json!({"decide": "kim"})
        ));
        assert!(!subset(&json!(["raj"]), &json!(["raj", "lee"])));
        assert!(subset(&json!(null), &json!(null)));
    }

    #[test]
    fn instants_match_across_offsets() {
        assert!(subset(
            &json!("2026-03-04T13:00:00+01:00"),
            &json!("2026-03-04T12:00:00Z")
        ));
        assert!(!subset(
            &json!("2026-03-04T13:00:00Z"),
            &json!("2026-03-04T12:00:00Z")
        ));
    }

    #[test]
    fn an_unexpected_error_is_shown_as_the_difference() {
        let dir = std::sync::Arc::new(crate::Directory::load("o", crate::examples::ORG).unwrap());
        let guide = crate::compile_guide("g", crate::examples::GUIDE, dir).unwrap();
        let text = "tests:\n  - name: x\n    request: {type: budget, requester: kim, at: 2026-01-01T00:00:00Z}\n    expect: {decider: kim}\n";
        let outcome = &run(&guide, &load("t.yaml", text).unwrap())[0];
        assert!(!outcome.passed);
        assert_eq!(outcome.differences[0].key, "error");
        assert_eq!(outcome.differences[0].actual["error"], "unknown_type");
    }

    #[test]
    fn unknown_expect_keys_are_load_errors() {
        let text = "tests:\n  - name: x\n    request: {type: a, at: 2026-01-01T00:00:00Z}\n    expect: {decidr: kim}\n";
        let err = load("t.yaml", text).unwrap_err();
        assert_eq!(err.0[0].line, Some(4));
        assert!(err.0[0].message.contains("`decidr`"));
    }
}
