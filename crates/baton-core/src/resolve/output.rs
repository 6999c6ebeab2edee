//! The resolution and its error: the §4.7 JSON shape that `baton who --json`
//! and `POST /api/v1/resolve` both return.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::Reason;
use crate::guide::file::{Framework, OnObjection, Tiebreaker};

/// Who decides one request, and why.
///
/// Absent parts serialize as `null` or `[]`, never as missing keys.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Resolution {
    pub team: String,
    #[serde(rename = "type")]
    pub decision_type: String,
    pub rule: String,
    pub framework: Framework,
    pub decider: String,
    pub backups: Vec<String>,
    pub roster: Roster,
    pub escalation: Option<Escalation>,
    pub deliberation: Deliberation,
    pub consensus_check: Option<ConsensusWindow>,
    pub guide_version: String,
    pub at: DateTime<Utc>,
    /// Each reason's text (SPEC §4.7).
    pub explanation: Vec<String>,
    /// The same reasons as structured items, each naming its rule and
    /// people. Empty in records written before they were kept, and in
    /// imports.
    #[serde(default)]
    pub reasons: Vec<Reason>,
}

/// RAPID: who recommends, agrees, gives input, decides, is informed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Roster {
    pub decide: String,
    pub recommend: Option<String>,
    pub agree: Vec<String>,
    pub input: Vec<String>,
    pub inform: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Escalation {
    pub deadline: DateTime<Utc>,
    /// The first eligible person of `escalate.to` other than the decider;
    /// `null` when nobody is eligible now.
    pub to: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Deliberation {
    pub deadline: DateTime<Utc>,
    pub tiebreaker: Option<Tiebreaker>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ConsensusWindow {
    pub deadline: DateTime<Utc>,
    pub on_objection: OnObjection,
}

/// Stable error codes (SPEC §4.1, §4.2, §4.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    Unrouted,
    UnknownType,
    UnknownPerson,
    NoEligibleAuthority,
    RotationNotStarted,
    /// The request itself is unusable (an instant outside years 1–9999).
    InvalidRequest,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unrouted => "unrouted",
            Self::UnknownType => "unknown_type",
            Self::UnknownPerson => "unknown_person",
            Self::NoEligibleAuthority => "no_eligible_authority",
            Self::RotationNotStarted => "rotation_not_started",
            Self::InvalidRequest => "invalid_request",
        }
    }
}

/// A request that could not be resolved, with everything that was tried.
#[derive(
    Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema, thiserror::Error,
)]
#[error("{message}")]
pub struct ResolveError {
    pub code: ErrorCode,
    pub message: String,
    pub explanation: Vec<String>,
    /// The same reasons as structured items.
    #[serde(default)]
    pub reasons: Vec<Reason>,
}

impl ResolveError {
    /// `{"error": {...}}`, the wire form of SPEC §4.7.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({ "error": self })
    }
}
