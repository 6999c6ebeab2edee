//! The decision record, actions and events.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::act;
use crate::ident::DecisionId;
use crate::resolve::Resolution;

crate::text::text_enum! {
    /// Where a decision stands (SPEC §5).
    pub enum Status {
        Routed = "routed",
        Checking = "checking",
        Deliberating = "deliberating",
        Decided = "decided",
        Escalated = "escalated",
        Withdrawn = "withdrawn",
        Superseded = "superseded",
    }
}

impl Status {
    /// Still waiting for a decision, escalated ones included.
    pub fn is_open(self) -> bool {
        self.counts_toward_load() || self == Self::Escalated
    }

    /// Weighs on the decider's load (SPEC §4.2): routed, deliberating or
    /// checking. An escalated decision waits on whoever it went up to, and
    /// SPEC leaves it out of their load.
    pub fn counts_toward_load(self) -> bool {
        matches!(self, Self::Routed | Self::Checking | Self::Deliberating)
    }
}

crate::text::text_enum! {
    /// Who may do what beyond their place on a roster.
    pub enum Role {
        Admin = "admin",
        Steward = "steward",
        Member = "member",
        Viewer = "viewer",
    }
}

/// The person acting, and their role. Nobody acts in another's name: the
/// store and the server build this from the authenticated caller.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Actor {
    pub person: String,
    pub role: Role,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Position {
    pub person: String,
    pub option: String,
    pub rationale: String,
    pub confidence: u8,
    pub risk: Option<u8>,
    /// Whether the person holds the option to be easy to undo, for the
    /// `most-reversible` tiebreaker.
    #[serde(default)]
    pub reversible: Option<bool>,
    pub at: DateTime<Utc>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Objection {
    pub person: String,
    pub reason: String,
    pub at: DateTime<Utc>,
}

crate::text::text_enum! {
    /// How a decision turned out.
    pub enum OutcomeResult {
        Success = "success",
        Partial = "partial",
        Failure = "failure",
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Outcome {
    pub result: OutcomeResult,
    pub notes: String,
    pub by: String,
    pub at: DateTime<Utc>,
}

/// One decision and everything that happened to it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Decision {
    pub id: DecisionId,
    pub team: String,
    #[serde(rename = "type")]
    pub decision_type: String,
    pub title: String,
    /// The decision type's domains when it was opened: the tiebreak and the
    /// analytics rank expertise by them.
    pub domains: Vec<String>,
    pub context: serde_json::Value,
    pub requester: String,
    pub status: Status,
    /// Who holds authority now: the routed decider, or whoever it passed to
    /// by objection or escalation.
    pub decider: String,
    /// Someone the decider delegated to; they may decide too.
    pub delegate: Option<String>,
    /// The resolution the decision was routed with (SPEC §4.7).
    pub resolution: Resolution,
    pub opened_at: DateTime<Utc>,
    pub decided_at: Option<DateTime<Utc>>,
    pub decided_by: Option<String>,
    pub option: Option<String>,
    pub rationale: Option<String>,
    /// Decided by someone other than the decider or a delegate.
    #[serde(rename = "override")]
    pub overridden: bool,
    pub override_reason: Option<String>,
    pub escalated: bool,
    /// When it escalated; `None` before, and for decisions escalated before
    /// baton kept the instant (or imported as escalated).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub escalated_at: Option<DateTime<Utc>>,
    pub review_on: Option<NaiveDate>,
    pub positions: Vec<Position>,
    pub objections: Vec<Objection>,
    pub outcome: Option<Outcome>,
    pub superseded_by: Option<DecisionId>,
    /// Incremented by every change: the store's guard against lost updates.
    pub version: i64,
}

/// What someone does to a decision.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Action {
    Position(act::Position),
    Object(act::Object),
    Delegate(act::Delegate),
    Decide(act::Decide),
    Escalate,
    Outcome(act::Outcome),
    Withdraw,
    Supersede(act::Supersede),
    /// Deadline processing (`baton tick`): not for people.
    Tick,
}

impl Action {
    pub fn name(&self) -> &'static str {
        match self {
            Self::Position(_) => "position",
            Self::Object(_) => "object",
            Self::Delegate(_) => "delegate",
            Self::Decide(_) => "decide",
            Self::Escalate => "escalate",
            Self::Outcome(_) => "outcome",
            Self::Withdraw => "withdraw",
            Self::Supersede(_) => "supersede",
            Self::Tick => "tick",
        }
    }
}

crate::text::text_enum! {
    /// What an audit event records.
    pub enum EventKind {
        Opened = "opened",
        Position = "position",
        Objection = "objection",
        Delegated = "delegated",
        Decided = "decided",
        Escalated = "escalated",
        Rerouted = "rerouted",
        CheckClosed = "check_closed",
        Tiebreak = "tiebreak",
        Outcome = "outcome",
        Withdrawn = "withdrawn",
        Superseded = "superseded",
        Imported = "imported",
        PollCreated = "poll_created",
        OrgApplied = "org_applied",
        GuideApplied = "guide_applied",
        TokenCreated = "token_created",
        TokenRevoked = "token_revoked",
        SurveyCreated = "survey_created",
        WebhookSubscribed = "webhook_subscribed",
        WebhookUnsubscribed = "webhook_unsubscribed",
        PilotCreated = "pilot_created",
        BreakTaken = "break_taken",
        BreakEnded = "break_ended",
        HandoffOffered = "handoff_offered",
        HandoffAnswered = "handoff_answered",
        MisuseSigned = "misuse_signed",
    }
}

impl EventKind {
    /// Whether events of this kind are about a decision: what webhook
    /// subscribers may filter on (the others are about the directory,
    /// guides, tokens, surveys and webhooks themselves).
    pub fn about_decisions(self) -> bool {
        !matches!(
            self,
            EventKind::OrgApplied
                | EventKind::GuideApplied
                | EventKind::TokenCreated
                | EventKind::TokenRevoked
                | EventKind::SurveyCreated
                | EventKind::WebhookSubscribed
                | EventKind::WebhookUnsubscribed
                | EventKind::PilotCreated
                | EventKind::BreakTaken
                | EventKind::BreakEnded
                | EventKind::HandoffOffered
                | EventKind::HandoffAnswered
                | EventKind::MisuseSigned
        )
    }

    /// The kinds about decisions, by their text, for messages.
    pub fn decision_texts() -> String {
        Self::ALL
            .iter()
            .filter(|k| k.about_decisions())
            .map(|k| k.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// One entry of the audit log, before it is chained.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// `None` for events about no decision.
    pub decision: Option<DecisionId>,
    pub kind: EventKind,
    pub actor: String,
    pub at: DateTime<Utc>,
    pub data: serde_json::Value,
}
