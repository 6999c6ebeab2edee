//! Surveys and confidence polls (SPEC §7): anonymous surveys whose results
//! show once closed with three responses, and polls ranked with each
//! voter's validated level.

use std::collections::BTreeMap;

use baton_core::DecisionId;
use baton_core::access::Permission;
use baton_core::feedback::{self, Question, RankedVote, Tally};
use baton_store::StoreError;
use baton_store::feedback::{Poll, Survey};
use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::error::failure;
use crate::{App, Caller};

failure! {
    /// Why a survey or a poll refused.
    pub enum FeedbackError {
        #[error("`{0}` is not in team `{1}`, whose survey this is")]
        NotInTeam(String, String) => (Forbidden, "forbidden"),
        #[error("`decision`: decision {0} belongs to team `{1}`, not `{2}`")]
        OtherTeamsDecision(DecisionId, String, String) => (Invalid, "invalid"),
        #[error("`decision`: decision {0} does not exist")]
        NoSuchDecision(DecisionId) => (Invalid, "invalid"),
    }
}

/// A survey to open.
#[derive(Clone, Debug)]
pub struct SurveyRequest {
    pub team: String,
    pub title: String,
    /// The standard survey when empty.
    pub questions: Vec<Question>,
    /// Default 14 days on.
    pub closes_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct SurveyView {
    #[serde(flatten)]
    pub survey: Survey,
    /// Whether the caller has answered (never what they answered).
    pub answered: bool,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct SurveyResults {
    pub survey: i64,
    pub responses: usize,
    /// False until the survey has closed with [`feedback::MIN_RESPONSES`].
    pub shown: bool,
    /// Question id → tally; `null` while hidden.
    pub results: Option<BTreeMap<String, Tally>>,
    pub detail: String,
}

/// A poll to open.
#[derive(Clone, Debug)]
pub struct PollRequest {
    pub team: String,
    pub question: String,
    /// The domain whose levels are shown; by default the first of
    /// `decision`'s type.
    pub domain: Option<String>,
    pub decision: Option<DecisionId>,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct PollView {
    #[serde(flatten)]
    pub poll: Poll,
    /// Most confident first; among equals, the higher validated level.
    pub votes: Vec<RankedVote>,
}

impl App {
    /// `caller` opens a survey of a team: its admins and stewards.
    pub async fn create_survey(
        &self,
        caller: &Caller,
        request: SurveyRequest,
        at: DateTime<Utc>,
    ) -> Result<Survey, FeedbackError> {
        let role = self.role_for(caller, &request.team, at).await?;
        Permission::CreateSurvey.check(&caller.person, role)?;
        self.store.guide(&request.team).await?;
        Ok(self
            .store
            .feedback()
            .create_survey(
                &request.team,
                &request.title,
                request.questions,
                request.closes_at,
                &caller.person,
                at,
            )
            .await?)
    }

    /// Surveys, newest first, of one team or all.
    pub async fn surveys(&self, team: Option<&str>) -> Result<Vec<Survey>, FeedbackError> {
        Ok(self.store.feedback().surveys(team).await?)
    }

    /// Survey `id`, and whether `caller` has answered it.
    pub async fn survey(&self, caller: &Caller, id: i64) -> Result<SurveyView, FeedbackError> {
        let survey = self.store.feedback().survey(id).await?;
        let answered = self
            .store
            .feedback()
            .has_responded(id, &caller.person)
            .await?;
        Ok(SurveyView { survey, answered })
    }

    /// `caller` answers survey `id`, once, anonymously: members of its
    /// team only.
    pub async fn respond(
        &self,
        caller: &Caller,
        id: i64,
        answers: &serde_json::Map<String, serde_json::Value>,
        at: DateTime<Utc>,
    ) -> Result<(), FeedbackError> {
        Permission::Write.check(&caller.person, caller.role)?;
        let survey = self.store.feedback().survey(id).await?;
        let directory = self.store.directory().await?;
        let member = directory
            .find(&caller.person)
            .is_some_and(|p| directory.person(p).teams.contains(&survey.team));
        if !member {
            return Err(FeedbackError::NotInTeam(caller.person.clone(), survey.team));
        }
        Ok(self
            .store
            .feedback()
            .respond(id, &caller.person, answers, at)
            .await?)
    }

    /// Survey `id`'s results at `now`: shown once it has closed with at
    /// least three responses; while it is open only the count shows, since
    /// results that moved with each answer would show each answer.
    pub async fn survey_results(
        &self,
        id: i64,
        now: DateTime<Utc>,
    ) -> Result<SurveyResults, FeedbackError> {
        let survey = self.store.feedback().survey(id).await?;
        let responses = self.store.feedback().responses(id).await?;
        let closed = survey.closes_at.is_none_or(|c| c <= now);
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
        Ok(SurveyResults {
            survey: id,
            responses: responses.len(),
            shown: results.is_some(),
            results,
            detail,
        })
    }

    /// `caller` opens a confidence poll, about a decision of the team or
    /// none.
    pub async fn create_poll(
        &self,
        caller: &Caller,
        request: PollRequest,
        at: DateTime<Utc>,
    ) -> Result<PollView, FeedbackError> {
        Permission::Write.check(&caller.person, caller.role)?;
        self.store.guide(&request.team).await?;
        let decision = match request.decision {
            None => None,
            Some(id) => match self.store.decisions().get(id).await {
                Ok(d) if d.team == request.team => Some(d),
                Ok(d) => {
                    return Err(FeedbackError::OtherTeamsDecision(id, d.team, request.team));
                }
                Err(StoreError::NotFound(_)) => return Err(FeedbackError::NoSuchDecision(id)),
                Err(e) => return Err(e.into()),
            },
        };
        let domain = request
            .domain
            .or_else(|| decision.as_ref().and_then(|d| d.domains.first().cloned()));
        let poll = self
            .store
            .feedback()
            .create_poll(
                &request.team,
                &request.question,
                domain.as_deref(),
                request.decision,
                &caller.person,
                at,
            )
            .await?;
        Ok(PollView {
            poll,
            votes: Vec::new(),
        })
    }

    /// Poll `id` and its votes, ranked.
    /// Every poll (of `team`, when given), newest first.
    pub async fn polls(&self, team: Option<&str>) -> Result<Vec<Poll>, FeedbackError> {
        Ok(self.store.feedback().polls(team).await?)
    }

    pub async fn poll(&self, id: i64) -> Result<PollView, FeedbackError> {
        let poll = self.store.feedback().poll(id).await?;
        let votes = self.store.feedback().votes(id).await?;
        let directory = self.store.directory().await?;
        let votes = feedback::rank_votes(&votes, &directory, poll.domain.as_deref());
        Ok(PollView { poll, votes })
    }

    /// `caller`'s confidence (1–5) in poll `id`, replacing an earlier vote.
    pub async fn vote(
        &self,
        caller: &Caller,
        id: i64,
        confidence: u8,
        at: DateTime<Utc>,
    ) -> Result<PollView, FeedbackError> {
        Permission::Write.check(&caller.person, caller.role)?;
        self.store
            .feedback()
            .vote(id, &caller.person, confidence, at)
            .await?;
        self.poll(id).await
    }
}
