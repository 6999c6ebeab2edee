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

/// An id of the shared syntax, validated once where it enters (a path, a
/// body, a query) so that a malformed one is refused with the reason
/// instead of looked up and not found. Serialized as its text.
macro_rules! slug_id {
    ($(#[$doc:meta])* $name:ident, $what:literal) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = BadId;

            fn try_from(id: String) -> Result<Self, BadId> {
                if is_valid(&id) {
                    Ok(Self(id))
                } else {
                    Err(BadId(shape_error($what, &id)))
                }
            }
        }

        impl std::str::FromStr for $name {
            type Err = BadId;

            fn from_str(id: &str) -> Result<Self, BadId> {
                Self::try_from(id.to_owned())
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> Self {
                id.0
            }
        }

        impl std::ops::Deref for $name {
            type Target = str;

            fn deref(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.0 == *other
            }
        }

        /// By hand, so that the document carries the pattern the type
        /// enforces (the derive would follow `try_from` to a bare string).
        impl schemars::JsonSchema for $name {
            fn schema_name() -> std::borrow::Cow<'static, str> {
                stringify!($name).into()
            }

            fn inline_schema() -> bool {
                true
            }

            fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
                schemars::json_schema!({"type": "string", "pattern": PATTERN})
            }
        }
    };
}

/// [`is_valid`] as a regular expression, for schemas.
pub const PATTERN: &str = "^[a-z0-9][a-z0-9_-]*$";

/// Text that is not an id of the shared syntax; says which id and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct BadId(String);

slug_id!(
    /// A person of the directory, by id.
    PersonId,
    "person id"
);
slug_id!(
    /// A team, as its guide and the directory name it.
    TeamId,
    "team"
);

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
        schemars::json_schema!({"type": "integer", "format": "int64", "minimum": 1, "maximum": i64::MAX})
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
    fn person_and_team_ids_are_checked_where_they_are_parsed() {
        use super::{PersonId, TeamId};
        let kim: PersonId = "kim".parse().unwrap();
        assert_eq!(kim, "kim");
        assert_eq!(serde_json::to_string(&kim).unwrap(), "\"kim\"");
        let err = "Kim Lee".parse::<PersonId>().unwrap_err().to_string();
        assert!(
            err.contains("person id `Kim Lee` is not a valid id"),
            "{err}"
        );
        let err = serde_json::from_str::<TeamId>("\"\"")
            .unwrap_err()
            .to_string();
        assert!(err.contains("team `` is not a valid id"), "{err}");
        let schema = serde_json::to_value(schemars::schema_for!(TeamId)).unwrap();
        assert_eq!(schema["pattern"], super::PATTERN, "{schema}");
    }

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
