//! The `org.yaml` format exactly as written (SPEC §3.1), before validation.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The org directory: people, their managers and expertise claims, and the
/// peer endorsements that validate those claims.
#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OrgFile {
    #[serde(default)]
    pub people: Vec<PersonEntry>,
    #[serde(default)]
    pub endorsements: Vec<EndorsementEntry>,
}

#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PersonEntry {
    /// `[a-z0-9][a-z0-9_-]*`, unique in the directory.
    pub id: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Formal seniority; higher is more senior.
    #[serde(default)]
    pub rank: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manager: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub teams: Vec<String>,
    /// Open decisions this person may hold at once; absent means unlimited.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_load: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Slack user id, mapping slash-command users to people.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slack: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unavailable: Vec<Window>,
    /// Self-declared level 0–5 per domain.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub expertise: BTreeMap<String, u8>,
}

/// A half-open interval `[from, to)` of RFC 3339 instants.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Window {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
}

impl Window {
    pub fn contains(&self, at: DateTime<Utc>) -> bool {
        self.from <= at && at < self.to
    }
}

/// `by` confirms that `of` has at least `level` in `domain`.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EndorsementEntry {
    pub by: String,
    pub of: String,
    pub domain: String,
    pub level: u8,
}
