//! The `deference.yaml` format exactly as written (SPEC §3.2), before
//! validation and compilation.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize};

use crate::duration::Span;

/// A team's deference guide: who decides what, kept as code.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GuideFile {
    pub version: u32,
    pub team: String,
    #[serde(default)]
    pub settings: Settings,
    #[serde(default)]
    pub roles: BTreeMap<String, RoleEntry>,
    #[serde(default)]
    pub rotations: BTreeMap<String, RotationEntry>,
    #[serde(default)]
    pub decision_types: BTreeMap<String, DecisionTypeEntry>,
    /// Tried in order; the first that matches wins.
    #[serde(default)]
    pub rules: Vec<RuleEntry>,
    /// Roles given to whoever a selector names at the moment of an action,
    /// beside the roles tokens carry: the deference steward who rotates
    /// quarterly, say.
    #[serde(default, skip_serializing_if = "Grants::is_empty")]
    pub grants: Grants,
}

/// Roles a guide gives, for its team's decisions and guide.
#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Grants {
    /// Whoever these name holds the `steward` role: a person, a role's or
    /// a rotation's holder, an expertise query's qualified people.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub steward: Vec<Selector>,
}

impl Grants {
    pub fn is_empty(&self) -> bool {
        self.steward.is_empty()
    }
}

#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Settings {
    /// A person with rank at or above this, or with a direct report, is a formal leader.
    pub leader_rank: i64,
    /// Default time limit for positions.
    pub deliberation: Span,
    pub watch: Watch,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            leader_rank: 4,
            deliberation: Span::from_seconds(48 * 3600),
            watch: Watch::default(),
        }
    }
}

/// Thresholds of the watchdog alerts.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Watch {
    pub max_share: f64,
    pub max_weekly: u32,
    pub window: Span,
}

impl Default for Watch {
    fn default() -> Self {
        Self {
            max_share: 0.4,
            max_weekly: 10,
            window: Span::from_seconds(30 * 86_400),
        }
    }
}

/// A role is held by a named person or by whoever holds a rotation.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub enum RoleEntry {
    Person(String),
    Rotation(String),
}

#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RotationEntry {
    pub members: Vec<String>,
    /// Local time in `tz` (`2026-01-05T09:00:00`), or an instant with an offset.
    pub start: StartTime,
    /// IANA time zone name; default UTC.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tz: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub every: Option<Span>,
    /// An RFC 5545 recurrence rule, e.g. `FREQ=WEEKLY;INTERVAL=2;BYDAY=MO;BYHOUR=9`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rrule: Option<String>,
    #[serde(default)]
    pub skip_unavailable: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub overrides: Vec<OverrideEntry>,
}

#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OverrideEntry {
    pub person: String,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
}

/// A rotation's start: wall-clock time in the rotation's zone, or an instant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StartTime {
    Local(NaiveDateTime),
    Instant(DateTime<chrono::FixedOffset>),
}

impl<'de> Deserialize<'de> for StartTime {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        if let Ok(instant) = DateTime::parse_from_rfc3339(&text) {
            return Ok(Self::Instant(instant));
        }
        ["%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S"]
            .iter()
            .find_map(|f| NaiveDateTime::parse_from_str(&text, f).ok())
            .map(Self::Local)
            .ok_or_else(|| {
                serde::de::Error::custom(format!(
                    "`{text}` is not a start time: expected local time like `2026-01-05T09:00:00` or an RFC 3339 instant like `2026-01-01T00:00:00Z`"
                ))
            })
    }
}

impl Serialize for StartTime {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Local(t) => serializer.collect_str(&t.format("%Y-%m-%dT%H:%M:%S")),
            Self::Instant(t) => serializer.collect_str(&t.to_rfc3339()),
        }
    }
}

impl JsonSchema for StartTime {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "StartTime".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "description": "local time in the rotation's tz (2026-01-05T09:00:00) or an RFC 3339 instant",
            "examples": ["2026-01-05T09:00:00", "2026-01-01T00:00:00Z"]
        })
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Impact {
    Low,
    #[default]
    Medium,
    High,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Frequency {
    Daily,
    Weekly,
    Monthly,
    Quarterly,
}

#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionTypeEntry {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub domains: Vec<String>,
    #[serde(default)]
    pub impact: Impact,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub frequency: Option<Frequency>,
    #[serde(default)]
    pub reversible: bool,
    /// Time-to-decision target.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<Span>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Framework {
    Expertise,
    Situational,
    Rotating,
    Hierarchy,
    Delegated,
    Assigned,
    /// A past decision imported without one: how it was decided is not
    /// known. Not for guides, which refuse it.
    #[schemars(skip)]
    Unknown,
}

impl Framework {
    /// Every framework, `unknown` last.
    pub const ALL: [Framework; 7] = [
        Self::Expertise,
        Self::Situational,
        Self::Rotating,
        Self::Hierarchy,
        Self::Delegated,
        Self::Assigned,
        Self::Unknown,
    ];

    /// The framework whose text is `text`.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.as_str() == text)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unknown => "unknown",
            Self::Expertise => "expertise",
            Self::Situational => "situational",
            Self::Rotating => "rotating",
            Self::Hierarchy => "hierarchy",
            Self::Delegated => "delegated",
            Self::Assigned => "assigned",
        }
    }
}

/// How a rule names people. Exactly one key.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub enum Selector {
    Person(String),
    Role(String),
    Rotation(String),
    Expertise(ExpertiseQuery),
    ManagerOf(ManagerOf),
    Requester(bool),
    AnyOf(Vec<Selector>),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ManagerOf {
    Requester,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExpertiseQuery {
    pub domain: String,
    #[serde(default = "one")]
    pub min_level: u8,
    #[serde(default)]
    pub min_endorsements: u32,
    #[serde(default)]
    pub exclude_requester: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub top: Option<u32>,
}

fn one() -> u8 {
    1
}

/// `consult` takes one selector or a list of them.
#[derive(Clone, Debug, Default, PartialEq, Serialize, JsonSchema)]
#[serde(transparent)]
pub struct Selectors(pub Vec<Selector>);

impl<'de> Deserialize<'de> for Selectors {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct OneOrMany;
        impl<'de> serde::de::Visitor<'de> for OneOrMany {
            type Value = Selectors;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a selector or a list of selectors")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                seq: A,
            ) -> Result<Selectors, A::Error> {
                Vec::<Selector>::deserialize(serde::de::value::SeqAccessDeserializer::new(seq))
                    .map(Selectors)
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                map: A,
            ) -> Result<Selectors, A::Error> {
                Selector::deserialize(serde::de::value::MapAccessDeserializer::new(map))
                    .map(|s| Selectors(vec![s]))
            }
        }
        deserializer.deserialize_any(OneOrMany)
    }
}

#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Spread {
    pub max_share: f64,
    pub window: Span,
}

#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Escalate {
    pub after: Span,
    pub to: Selector,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Disagreement {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deliberation: Option<Span>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tiebreaker: Option<Tiebreaker>,
}

/// Who or what settles a disagreement.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub enum Tiebreaker {
    Person(String),
    Role(String),
    Rule(TieRule),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum TieRule {
    MinimizeRisk,
    MostReversible,
    Majority,
    HighestExpertise,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum OnObjection {
    #[default]
    Next,
    Escalate,
}

#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ConsensusCheck {
    pub window: Span,
    #[serde(default)]
    pub on_objection: OnObjection,
}

/// One entry of the guide: when it applies and how authority is found.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleEntry {
    pub id: String,
    /// Decision types this rule applies to; absent means all.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub types: Option<Vec<String>>,
    /// A CEL expression over `ctx`, `decision`, `requester` and `now`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub when: Option<String>,
    pub authority: Selector,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub framework: Option<Framework>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spread: Option<Spread>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consult: Option<Selectors>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub agree: Vec<Selector>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub inform: Vec<Selector>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub escalate: Option<Escalate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disagreement: Option<Disagreement>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consensus_check: Option<ConsensusCheck>,
    #[serde(default)]
    pub ignore_load: bool,
}
