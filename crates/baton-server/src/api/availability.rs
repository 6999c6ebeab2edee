//! `/api/v1/breaks` and `/api/v1/handoffs`: breaks from deciding and
//! hand-offs of rotation shifts, as the acting person.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use baton_app::{BreakRequest, HandoffRequest};
use baton_core::availability::{Answer, Break, Handoff};
use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::extract::{Body, IdPath, Params};
use crate::auth::Signed;
use crate::{AppState, Problem};

/// A break to take.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BreakBody {
    /// Whose break; the token's person by default (stewards and admins may
    /// name someone else).
    #[serde(default)]
    person: Option<baton_core::PersonId>,
    /// Start (RFC 3339), now or later.
    from: DateTime<Utc>,
    /// End, exclusive; at most 366 days after `from`.
    to: DateTime<Utc>,
    #[serde(default)]
    #[schemars(length(max = baton_core::availability::LONGEST_NOTE))]
    reason: String,
}

/// `POST /api/v1/breaks`.
pub async fn take(
    State(state): State<AppState>,
    signed: Signed,
    Body(body): Body<BreakBody>,
) -> Result<(StatusCode, Json<Break>), Problem> {
    let taken = state
        .app
        .take_break(
            &signed.caller,
            BreakRequest {
                person: body.person.map(|p| p.to_string()),
                from: body.from,
                to: body.to,
                reason: body.reason,
            },
            state.clock.now(),
        )
        .await?;
    Ok((StatusCode::CREATED, Json(taken)))
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PersonQuery {
    /// Only this person's.
    person: Option<String>,
}

/// `GET /api/v1/breaks?person=`.
pub async fn breaks(
    State(state): State<AppState>,
    _signed: Signed,
    Params(q): Params<PersonQuery>,
) -> Result<Json<Vec<Break>>, Problem> {
    Ok(Json(state.app.breaks(q.person.as_deref()).await?))
}

/// `POST /api/v1/breaks/{id}/end`: ends it now, or calls it off.
pub async fn end(
    State(state): State<AppState>,
    signed: Signed,
    Path(IdPath { id }): Path<IdPath>,
) -> Result<Json<Break>, Problem> {
    Ok(Json(
        state
            .app
            .end_break(&signed.caller, id, state.clock.now())
            .await?,
    ))
}

/// A stretch of the token's person's shift to hand over.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HandoffBody {
    team: baton_core::TeamId,
    rotation: String,
    /// Who is asked to take it.
    colleague: baton_core::PersonId,
    /// Start (RFC 3339), now or later; the person must hold the rotation
    /// from here…
    from: DateTime<Utc>,
    /// …to here, exclusive.
    to: DateTime<Utc>,
    #[serde(default)]
    #[schemars(length(max = baton_core::availability::LONGEST_NOTE))]
    note: String,
}

/// `POST /api/v1/handoffs`.
pub async fn offer(
    State(state): State<AppState>,
    signed: Signed,
    Body(body): Body<HandoffBody>,
) -> Result<(StatusCode, Json<Handoff>), Problem> {
    let offered = state
        .app
        .offer_handoff(
            &signed.caller,
            HandoffRequest {
                team: body.team.to_string(),
                rotation: body.rotation,
                colleague: body.colleague.to_string(),
                from: body.from,
                to: body.to,
                note: body.note,
            },
            state.clock.now(),
        )
        .await?;
    Ok((StatusCode::CREATED, Json(offered)))
}

/// `GET /api/v1/handoffs?person=`: from or to them.
pub async fn handoffs(
    State(state): State<AppState>,
    _signed: Signed,
    Params(q): Params<PersonQuery>,
) -> Result<Json<Vec<Handoff>>, Problem> {
    Ok(Json(state.app.handoffs(q.person.as_deref()).await?))
}

/// `/api/v1/handoffs/{id}/{answer}`.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub struct AnswerPath {
    /// The hand-off's number.
    #[schemars(range(min = 1, max = i64::MAX))]
    #[serde(deserialize_with = "super::extract::numbered")]
    id: i64,
    /// `accept` or `decline` (the colleague), `withdraw` (the holder).
    answer: AnswerWord,
}

#[derive(Debug, Clone, Copy, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum AnswerWord {
    Accept,
    Decline,
    Withdraw,
}

/// `POST /api/v1/handoffs/{id}/{answer}`.
pub async fn answer(
    State(state): State<AppState>,
    signed: Signed,
    Path(AnswerPath { id, answer }): Path<AnswerPath>,
) -> Result<Json<Handoff>, Problem> {
    let answer = match answer {
        AnswerWord::Accept => Answer::Accept,
        AnswerWord::Decline => Answer::Decline,
        AnswerWord::Withdraw => Answer::Withdraw,
    };
    Ok(Json(
        state
            .app
            .answer_handoff(&signed.caller, id, answer, state.clock.now())
            .await?,
    ))
}
