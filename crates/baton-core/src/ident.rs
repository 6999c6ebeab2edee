//! The one identifier syntax shared by people, teams, domains, rules, roles
//! and rotations: `[a-z0-9][a-z0-9_-]*`. Keeping ids this plain means they
//! can appear in URLs, CEL expressions and file names without escaping.
//! Decisions are numbered instead, by [`DecisionId`].

pub fn is_valid(id: &str) -> bool {
    let mut chars = id.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_lowercase() || c.is_ascii_digit())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
}

/// The message for an id that does not have the required shape.
pub fn shape_error(what: &str, id: &str) -> String {
    format!(
        "{what} `{id}` is not a valid id: expected lowercase letters, digits, `_` and `-`, starting with a letter or digit"
    )
}

/// A decision's id in the log: a positive integer the store assigns in
/// order. "No decision" is `Option::None`, never a sentinel, so an event
/// about no decision cannot be mistaken for one about decision 0.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(try_from = "i64", into = "i64")]
pub struct DecisionId(i64);

/// By hand, because the derive follows `try_from` to plain `i64` and so
/// would lose the lower bound a client (and a fuzzer) should know.
impl schemars::JsonSchema for DecisionId {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "DecisionId".into()
    }

    fn inline_schema() -> bool {
        true
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({"type": "integer", "format": "int64", "minimum": 1})
    }
}

/// Text or a number that is not a decision id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a decision id: expected a positive whole number")]
pub struct BadDecisionId(pub String);

impl DecisionId {
    /// The first id the store assigns.
    pub const FIRST: Self = Self(1);

    pub fn new(id: i64) -> Result<Self, BadDecisionId> {
        if id > 0 {
            Ok(Self(id))
        } else {
            Err(BadDecisionId(id.to_string()))
        }
    }

    /// The id as the store keeps it.
    pub fn get(self) -> i64 {
        self.0
    }
}

impl TryFrom<i64> for DecisionId {
    type Error = BadDecisionId;

    fn try_from(id: i64) -> Result<Self, Self::Error> {
        Self::new(id)
    }
}

impl From<DecisionId> for i64 {
    fn from(id: DecisionId) -> Self {
        id.0
    }
}

/// So that a test or a check can say `d.id == 3`.
impl PartialEq<i64> for DecisionId {
    fn eq(&self, other: &i64) -> bool {
        self.0 == *other
    }
}

impl std::str::FromStr for DecisionId {
    type Err = BadDecisionId;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        text.trim()
            .parse::<i64>()
            .ok()
            .and_then(|id| Self::new(id).ok())
            .ok_or_else(|| BadDecisionId(text.to_owned()))
    }
}

impl std::fmt::Display for DecisionId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn decision_ids_are_positive_and_say_so_when_not() {
        use super::DecisionId;
        assert_eq!("42".parse::<DecisionId>().unwrap().get(), 42);
        for bad in ["0", "-3", "x", "", "1.5"] {
            let err = bad.parse::<DecisionId>().unwrap_err();
            assert!(
                err.to_string().contains("positive whole number"),
                "{bad}: {err}"
            );
        }
        assert!(serde_json::from_str::<DecisionId>("0").is_err());
        assert_eq!(
            serde_json::to_string(&DecisionId::new(7).unwrap()).unwrap(),
            "7"
        );
        let schema = serde_json::to_value(schemars::schema_for!(DecisionId)).unwrap();
        assert_eq!(schema["minimum"], 1, "{schema}");
    }

    #[test]
    fn slugs_are_ids_and_other_text_is_not() {
        for good in ["kim", "on-call", "a_b", "9lives"] {
            assert!(super::is_valid(good), "{good}");
        }
        for bad in ["", "Kim", "-x", "_x", "a b", "é", "a.b"] {
            assert!(!super::is_valid(bad), "{bad}");
        }
    }
}
