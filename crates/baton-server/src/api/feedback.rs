//! `/api/v1/surveys` and `/api/v1/polls` (SPEC §7): anonymous surveys whose
//! results show from three responses on, and confidence polls ranked with
//! each voter's validated level.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use baton_core::feedback::{self, Question, RankedVote, Tally};
use baton_core::lifecycle::Role;
use baton_store::feedback::{Poll, Survey};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use super::decisions::Params;
use crate::api::decisions::Body;
use crate::auth::Caller;
use crate::{AppState, Problem};

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SurveyBody {
    team: String,
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
    caller: Caller,
    Body(body): Body<SurveyBody>,
) -> Result<(StatusCode, Json<Survey>), Problem> {
    caller.require(&[Role::Admin, Role::Steward], "create surveys")?;
    state.store.guide(&body.team).await?;
    let survey = state
        .store
        .create_survey(
            &body.team,
            &body.title,
            body.questions,
            body.closes_at,
            &caller.person,
            state.clock.now(),
        )
        .await?;
    Ok((StatusCode::CREATED, Json(survey)))
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TeamQuery {
    team: Option<String>,
}

/// `GET /api/v1/surveys[?team=T]`: newest first, with response counts.
pub async fn list_surveys(
    State(state): State<AppState>,
    _caller: Caller,
    Params(query): Params<TeamQuery>,
) -> Result<Json<Vec<Survey>>, Problem> {
    Ok(Json(state.store.surveys(query.team.as_deref()).await?))
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct SurveyView {
    #[serde(flatten)]
    survey: Survey,
    /// Whether the caller has answered (never what they answered).
    answered: bool,
}

/// `GET /api/v1/surveys/{id}`.
pub async fn show_survey(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<SurveyView>, Problem> {
    let survey = state.store.survey(id).await?;
    let answered = state.store.has_responded(id, &caller.person).await?;
    Ok(Json(SurveyView { survey, answered }))
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
    caller: Caller,
    Path(id): Path<i64>,
    Body(body): Body<ResponseBody>,
) -> Result<StatusCode, Problem> {
    caller.may_write()?;
    let survey = state.store.survey(id).await?;
    let directory = state.store.directory().await?;
    let member = directory
        .find(&caller.person)
        .is_some_and(|p| directory.person(p).teams.contains(&survey.team));
    if !member {
        return Err(Problem::forbidden(format!(
            "`{}` is not in team `{}`, whose survey this is",
            caller.person, survey.team
        )));
    }
    state
        .store
        .respond(id, &caller.person, &body.answers, state.clock.now())
        .await?;
    Ok(StatusCode::CREATED)
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct SurveyResults {
    survey: i64,
    responses: usize,
    /// False until [`feedback::MIN_RESPONSES`] responses exist.
    shown: bool,
    /// Question id → tally; `null` while hidden.
    results: Option<BTreeMap<String, Tally>>,
    detail: String,
}

/// `GET /api/v1/surveys/{id}/results`: shown once the survey has closed
/// with at least three responses. While it is open only the count shows:
/// results that moved with each answer would show each answer.
pub async fn survey_results(
    State(state): State<AppState>,
    _caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<SurveyResults>, Problem> {
    let survey = state.store.survey(id).await?;
    let responses = state.store.responses(id).await?;
    let closed = survey.closes_at.is_none_or(|c| c <= state.clock.now());
    let results = if closed {
        feedback::tally(&survey.questions, &responses)
    } else {
        None
    };
    let detail = match (&results, survey.closes_at) {
        (Some(_), _) => format!("{} responses", responses.len()),
        (None, Some(c)) if !closed => format!(
            "results are shown when the survey closes at {} ({} responses so far)",
            baton_core::instant(c),
            responses.len()
        ),
        _ => format!(
            "results are shown from {} responses on, so that no answer can be traced to a person ({} responses)",
            feedback::MIN_RESPONSES,
            responses.len()
        ),
    };
    Ok(Json(SurveyResults {
        survey: id,
        responses: responses.len(),
        shown: results.is_some(),
        results,
        detail,
    }))
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PollBody {
    team: String,
    /// "Who feels most confident about this?"
    question: String,
    /// The domain whose validated levels are shown; by default the first
    /// domain of `decision`'s type.
    domain: Option<String>,
    decision: Option<i64>,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct PollView {
    #[serde(flatten)]
    poll: Poll,
    /// Most confident first; among equals, the higher validated level.
    votes: Vec<RankedVote>,
}

/// `POST /api/v1/polls`: any writer.
pub async fn create_poll(
    State(state): State<AppState>,
    caller: Caller,
    Body(body): Body<PollBody>,
) -> Result<(StatusCode, Json<PollView>), Problem> {
    caller.may_write()?;
    state.store.guide(&body.team).await?;
    let decision = match body.decision {
        None => None,
        Some(id) => match state.store.get(id).await {
            Ok(d) if d.team == body.team => Some(d),
            Ok(d) => {
                return Err(Problem::invalid(format!(
                    "`decision`: decision {id} belongs to team `{}`, not `{}`",
                    d.team, body.team
                )));
            }
            Err(baton_store::StoreError::NotFound(_)) => {
                return Err(Problem::invalid(format!(
                    "`decision`: decision {id} does not exist"
                )));
            }
            Err(e) => return Err(e.into()),
        },
    };
    let domain = match (&body.domain, &decision) {
        (Some(d), _) => Some(d.clone()),
        (None, Some(d)) => d.domains.first().cloned(),
        (None, None) => None,
    };
    let poll = state
        .store
        .create_poll(
            &body.team,
            &body.question,
            domain.as_deref(),
            body.decision,
            &caller.person,
            state.clock.now(),
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(PollView {
            poll,
            votes: Vec::new(),
        }),
    ))
}

async fn poll_view(state: &AppState, id: i64) -> Result<PollView, Problem> {
    let poll = state.store.poll(id).await?;
    let votes = state.store.votes(id).await?;
    let directory = state.store.directory().await?;
    let votes = feedback::rank_votes(&votes, &directory, poll.domain.as_deref());
    Ok(PollView { poll, votes })
}

/// `GET /api/v1/polls/{id}`: the poll and its ranked votes.
pub async fn show_poll(
    State(state): State<AppState>,
    _caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<PollView>, Problem> {
    Ok(Json(poll_view(&state, id).await?))
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct VoteBody {
    /// 1–5.
    confidence: u8,
}

/// `POST /api/v1/polls/{id}/votes`: the caller's confidence, replacing an
/// earlier vote.
pub async fn vote(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Body(body): Body<VoteBody>,
) -> Result<Json<PollView>, Problem> {
    caller.may_write()?;
    state
        .store
        .vote(id, &caller.person, body.confidence, state.clock.now())
        .await?;
    Ok(Json(poll_view(&state, id).await?))
}
