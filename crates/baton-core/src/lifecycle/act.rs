//! What each [`Action`](super::Action) carries, one struct per action, so
//! that every front end takes an action's fields from here: the API uses
//! them as its request bodies (their schemas are the document's), the CLI
//! and Slack build them. An action's JSON is its struct's fields with the
//! action's name in `action`.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::model::OutcomeResult;
use crate::ident::{DecisionId, PersonId};

/// A position on the options during deliberation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "PositionBody")]
pub struct Position {
    /// Not blank.
    #[schemars(pattern(r"\S"))]
    pub option: String,
    /// Not blank.
    #[schemars(pattern(r"\S"))]
    pub rationale: String,
    /// 1–5.
    #[schemars(range(min = 1, max = 5))]
    pub confidence: u8,
    /// 1–5.
    #[serde(default)]
    #[schemars(range(min = 1, max = 5))]
    pub risk: Option<u8>,
    #[serde(default)]
    pub reversible: Option<bool>,
}

/// An objection to the authority assignment during a consensus check.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "ReasonBody")]
pub struct Object {
    /// Not blank.
    #[schemars(pattern(r"\S"))]
    pub reason: String,
}

/// The decider hands the decision to someone else.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "DelegateBody")]
pub struct Delegate {
    pub to: PersonId,
    /// Not blank.
    #[schemars(pattern(r"\S"))]
    pub reason: String,
}

/// The decision itself; anyone but the decider or a delegate needs
/// `override_reason`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "DecideBody")]
pub struct Decide {
    /// Not blank.
    #[schemars(pattern(r"\S"))]
    pub option: String,
    /// Not blank.
    #[schemars(pattern(r"\S"))]
    pub rationale: String,
    #[serde(default)]
    pub override_reason: Option<String>,
    #[serde(default)]
    pub review_on: Option<NaiveDate>,
}

/// How a decided decision turned out.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "OutcomeBody")]
pub struct Outcome {
    pub result: OutcomeResult,
    #[serde(default)]
    pub notes: String,
}

/// A decided decision replaced by a later one.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "SupersedeBody")]
pub struct Supersede {
    /// The later decision that replaces this one.
    pub by: DecisionId,
}

macro_rules! into_action {
    ($($variant:ident),*) => {$(
        impl From<$variant> for super::Action {
            fn from(fields: $variant) -> Self {
                Self::$variant(fields)
            }
        }
    )*};
}

into_action!(Position, Object, Delegate, Decide, Outcome, Supersede);
