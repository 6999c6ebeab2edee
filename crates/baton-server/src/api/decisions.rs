//! Decisions: open, list, show, act — always as the token's person.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use baton_app::{App, DecisionFilter, OpenRequest, Verified};
use baton_core::lifecycle::{Action, Decision, Status};
use chrono::Utc;
use serde::Deserialize;

use baton_core::{PersonId, TeamId};

use super::extract::{Body, DecisionPath, Params};
use crate::auth::Signed;
use crate::{AppState, Problem};

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OpenBody {
    team: TeamId,
    #[serde(rename = "type")]
    decision_type: String,
    title: String,
    #[serde(default)]
    context: Option<serde_json::Value>,
}

pub async fn open(
    State(state): State<AppState>,
    signed: Signed,
    Body(body): Body<OpenBody>,
) -> Result<(StatusCode, Json<serde_json::Value>), Problem> {
    let request = OpenRequest {
        team: body.team.into(),
        decision_type: body.decision_type,
        title: body.title,
        context: body.context.unwrap_or_else(|| serde_json::json!({})),
    };
    let d = state
        .app
        .open(&signed.caller, request, state.clock.now())
        .await?;
    Ok((StatusCode::CREATED, Json(state.app.document(&d).await?)))
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    team: Option<TeamId>,
    #[serde(rename = "type")]
    decision_type: Option<String>,
    status: Option<Status>,
    decider: Option<PersonId>,
    text: Option<String>,
    /// Opened at or after (RFC 3339).
    from: Option<chrono::DateTime<Utc>>,
    /// Opened before (RFC 3339).
    to: Option<chrono::DateTime<Utc>>,
    /// Page size, 1–500 (default 50).
    #[schemars(range(min = 1, max = 500))]
    limit: Option<i64>,
    /// Decisions to skip, newest first (default 0).
    #[schemars(range(min = 0, max = i64::MAX))]
    offset: Option<i64>,
}

pub async fn list(
    State(state): State<AppState>,
    _signed: Signed,
    Params(q): Params<ListQuery>,
) -> Result<Json<Vec<Decision>>, Problem> {
    super::extract::not_negative("offset", q.offset)?;
    let filter = DecisionFilter {
        team: q.team.map(Into::into),
        decision_type: q.decision_type,
        status: q.status,
        decider: q.decider.map(Into::into),
        text: q.text,
        opened_from: q.from,
        opened_to: q.to,
        limit: Some(super::extract::page_limit(q.limit, 50, 500)?),
        offset: q.offset,
        ..DecisionFilter::default()
    };
    Ok(Json(state.app.list(&filter).await?))
}

pub async fn show(
    State(state): State<AppState>,
    signed: Signed,
    Path(DecisionPath { id }): Path<DecisionPath>,
) -> Result<Json<serde_json::Value>, Problem> {
    let found = state.app.show_at(&signed, id).await?;
    Ok(Json(App::document_of(&found.0, &found.1)?))
}

/// A body that asks for one lifecycle action: the core's `act::*` struct
/// of that action (its schema is the document's), or one of the empty
/// bodies below for the actions that carry nothing.
pub trait ActionBody:
    serde::de::DeserializeOwned + schemars::JsonSchema + Into<Action> + Send + 'static
{
}

impl<B> ActionBody for B where
    B: serde::de::DeserializeOwned + schemars::JsonSchema + Into<Action> + Send + 'static
{
}

/// `escalate`: no fields.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EscalateBody {}

impl From<EscalateBody> for Action {
    fn from(_: EscalateBody) -> Self {
        Action::Escalate
    }
}

/// `withdraw`: no fields.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WithdrawBody {}

impl From<WithdrawBody> for Action {
    fn from(_: WithdrawBody) -> Self {
        Action::Withdraw
    }
}

/// `POST /api/v1/decisions/{id}/ACTION`: the token's person takes the
/// action the body names.
pub async fn act<B: ActionBody>(
    State(state): State<AppState>,
    signed: Signed,
    Path(DecisionPath { id }): Path<DecisionPath>,
    Body(body): Body<B>,
) -> Result<Json<serde_json::Value>, Problem> {
    let d = state
        .app
        .act(&signed.caller, id, &body.into(), state.clock.now())
        .await?;
    Ok(Json(state.app.document(&d).await?))
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct VerifyQuery {
    /// A head an earlier verify printed, `SEQ:HASH`: also detect a chain
    /// truncated or recomputed since.
    #[schemars(pattern(baton_app::NOTED_HEAD_PATTERN))]
    head: Option<String>,
}

pub async fn verify(
    State(state): State<AppState>,
    _signed: Signed,
    Params(query): Params<VerifyQuery>,
) -> Result<Json<baton_app::ChainReport>, Problem> {
    let noted = query
        .head
        .as_deref()
        .map(str::parse::<baton_app::NotedHead>)
        .transpose()
        .map_err(|e| Problem::bad_query(format!("`head`: {e}")))?;
    let report = state.app.verify(noted.as_ref()).await?;
    if let Verified::Broken { seq, reason } = &report.verified {
        tracing::warn!(?seq, %reason, "audit chain broken");
    }
    Ok(Json(report))
}

/// `GET /api/v1/me/waiting`: what waits for the token's person now —
/// positions to give, decisions to make, objection windows open, outcomes
/// due.
pub async fn waiting(
    State(state): State<AppState>,
    signed: Signed,
) -> Result<Json<baton_app::Waiting>, Problem> {
    Ok(Json(
        state.app.waiting(&signed.caller, state.clock.now()).await?,
    ))
}
