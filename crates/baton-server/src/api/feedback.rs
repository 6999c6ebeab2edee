//! `/api/v1/surveys` and `/api/v1/polls` (SPEC §7): anonymous surveys whose
//! results show once closed with three responses, and confidence polls
//! ranked with each voter's validated level.

use crate::api::extract::IdPath;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use baton_app::{PollRequest, PollView, Survey, SurveyRequest, SurveyResults, SurveyView};
use baton_core::feedback::Question;
use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::extract::Params;
use crate::api::extract::Body;
use crate::auth::Signed;
use crate::{AppState, Problem};

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SurveyBody {
    team: baton_core::TeamId,
    /// Not blank.
    #[schemars(pattern(r"\S"))]
    title: String,
    /// The standard eNPS / heard / misapplied / comments survey when absent.
    #[serde(default)]
    questions: Vec<Question>,
    /// When answers stop and results show; default 14 days from now.
    closes_at: Option<DateTime<Utc>>,
}

/// `POST /api/v1/surveys`: stewards and admins.
pub async fn create_survey(
    State(state): State<AppState>,
    signed: Signed,
    Body(body): Body<SurveyBody>,
) -> Result<(StatusCode, Json<Survey>), Problem> {
    let request = SurveyRequest {
        team: body.team.into(),
        title: body.title,
        questions: body.questions,
        closes_at: body.closes_at,
    };
    let survey = state
        .app
        .create_survey(&signed.caller, request, state.clock.now())
        .await?;
    Ok((StatusCode::CREATED, Json(survey)))
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TeamQuery {
    team: Option<baton_core::TeamId>,
}

/// `GET /api/v1/surveys[?team=T]`: newest first, with response counts.
pub async fn list_surveys(
    State(state): State<AppState>,
    _signed: Signed,
    Params(query): Params<TeamQuery>,
) -> Result<Json<Vec<Survey>>, Problem> {
    Ok(Json(state.app.surveys(query.team.as_deref()).await?))
}

/// `GET /api/v1/surveys/{id}`.
pub async fn show_survey(
    State(state): State<AppState>,
    signed: Signed,
    Path(IdPath { id }): Path<IdPath>,
) -> Result<Json<SurveyView>, Problem> {
    Ok(Json(state.app.survey(&signed.caller, id).await?))
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ResponseBody {
    /// Question id → answer: 0–10 for `enps`, 1–5 for `scale`, true/false
    /// for `yes_no`, text for `text`. Questions may be skipped.
    answers: serde_json::Map<String, serde_json::Value>,
}

/// `POST /api/v1/surveys/{id}/responses`: once per person, anonymously.
/// Only members of the survey's team answer.
pub async fn respond(
    State(state): State<AppState>,
    signed: Signed,
    Path(IdPath { id }): Path<IdPath>,
    Body(body): Body<ResponseBody>,
) -> Result<StatusCode, Problem> {
    state
        .app
        .respond(&signed.caller, id, &body.answers, state.clock.now())
        .await?;
    Ok(StatusCode::CREATED)
}

/// `GET /api/v1/surveys/{id}/results`: shown once the survey has closed
/// with at least three responses.
pub async fn survey_results(
    State(state): State<AppState>,
    _signed: Signed,
    Path(IdPath { id }): Path<IdPath>,
) -> Result<Json<SurveyResults>, Problem> {
    Ok(Json(state.app.survey_results(id, state.clock.now()).await?))
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PollBody {
    team: baton_core::TeamId,
    /// "Who feels most confident about this?" Not blank.
    #[schemars(pattern(r"\S"))]
    question: String,
    /// The domain whose validated levels are shown; by default the first
    /// domain of `decision`'s type.
    domain: Option<String>,
    decision: Option<baton_core::DecisionId>,
}

/// `POST /api/v1/polls`: any writer.
pub async fn create_poll(
    State(state): State<AppState>,
    signed: Signed,
    Body(body): Body<PollBody>,
) -> Result<(StatusCode, Json<PollView>), Problem> {
    let request = PollRequest {
        team: body.team.into(),
        question: body.question,
        domain: body.domain,
        decision: body.decision,
    };
    let poll = state
        .app
        .create_poll(&signed.caller, request, state.clock.now())
        .await?;
    Ok((StatusCode::CREATED, Json(poll)))
}

/// `GET /api/v1/polls/{id}`: the poll and its ranked votes.
pub async fn show_poll(
    State(state): State<AppState>,
    _signed: Signed,
    Path(IdPath { id }): Path<IdPath>,
) -> Result<Json<PollView>, Problem> {
    Ok(Json(state.app.poll(id).await?))
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct VoteBody {
    /// 1–5.
    #[schemars(range(min = 1, max = 5))]
    confidence: u8,
}

/// `POST /api/v1/polls/{id}/votes`: the caller's confidence, replacing an
/// earlier vote.
pub async fn vote(
    State(state): State<AppState>,
    signed: Signed,
    Path(IdPath { id }): Path<IdPath>,
    Body(body): Body<VoteBody>,
) -> Result<Json<PollView>, Problem> {
    Ok(Json(
        state
            .app
            .vote(&signed.caller, id, body.confidence, state.clock.now())
            .await?,
    ))
}
