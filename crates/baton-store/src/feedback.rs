//! Surveys and confidence polls (SPEC §7).
//!
//! A survey response is written with the participant mark in one
//! transaction — so nobody answers twice and no answer is lost — but into
//! separate tables that share nothing but the survey id: the response row
//! has a random key and the answers. Responding appends no audit
//! event, because an event's actor and instant would undo the anonymity.

use baton_core::DecisionId;
use baton_core::feedback::{self, Question};
use baton_core::lifecycle::{Event, LifecycleError};
use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::Row;

use crate::chain::append;
use crate::{Feedback, StoreError, micros, next_id, on_pool, write_tx};

#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Survey {
    pub id: i64,
    pub team: String,
    pub title: String,
    pub questions: Vec<Question>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    /// Responses are refused from this instant on.
    pub closes_at: Option<DateTime<Utc>>,
    pub responses: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Poll {
    pub id: i64,
    pub team: String,
    pub question: String,
    /// The domain whose validated levels are shown beside the votes.
    pub domain: Option<String>,
    pub decision: Option<DecisionId>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

/// How long a survey created without `closes_at` stays open.
pub const DEFAULT_OPEN: chrono::TimeDelta = chrono::TimeDelta::days(14);

fn not_found(what: &str, id: i64) -> StoreError {
    StoreError::Missing(format!("{what} {id} does not exist"))
}

impl Feedback<'_> {
    /// Creates a survey of `team` (the standard questions when `questions`
    /// is empty).
    pub async fn create_survey(
        self,
        team: &str,
        title: &str,
        questions: Vec<Question>,
        closes_at: Option<DateTime<Utc>>,
        by: &str,
        at: DateTime<Utc>,
    ) -> Result<Survey, StoreError> {
        let at = micros(at);
        let questions = if questions.is_empty() {
            feedback::standard_questions()
        } else {
            questions
        };
        feedback::check_questions(&questions).map_err(StoreError::from)?;
        if title.trim().is_empty() {
            return Err(StoreError::Lifecycle(LifecycleError::Invalid(
                "`title` is empty".into(),
            )));
        }
        let text =
            serde_json::to_string(&questions).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        // Results show only once a survey has closed, so that comparing
        // them before and after one person answers tells nothing.
        let closes_at = micros(closes_at.unwrap_or_else(|| crate::shifted(at, DEFAULT_OPEN)));
        if closes_at <= at {
            return Err(StoreError::Lifecycle(LifecycleError::Invalid(
                "`closes_at` must be in the future".into(),
            )));
        }
        let id = write_tx!(self, |tx, head| {
            let id: i64 = next_id!(tx, "surveys");
            sqlx::query("INSERT INTO surveys (id, team, title, questions, created_by, created_at, closes_at) VALUES ($1, $2, $3, $4, $5, $6, $7)")
                .bind(id)
                .bind(team)
                .bind(title)
                .bind(&text)
                .bind(by)
                .bind(at)
                .bind(closes_at)
                .execute(&mut *tx)
                .await?;
            let event = Event {
                decision: None,
                kind: baton_core::lifecycle::EventKind::SurveyCreated,
                actor: by.to_owned(),
                at,
                data: serde_json::json!({"survey": id, "team": team, "title": title}),
            };
            append!(tx, head, std::slice::from_ref(&event));
            id
        });
        Ok(Survey {
            id,
            team: team.to_owned(),
            title: title.to_owned(),
            questions,
            created_by: by.to_owned(),
            created_at: at,
            closes_at: Some(closes_at),
            responses: 0,
        })
    }

    /// Surveys, newest first, of one team or all.
    pub async fn surveys(self, team: Option<&str>) -> Result<Vec<Survey>, StoreError> {
        self.surveys_where(team, None).await
    }

    pub async fn survey(self, id: i64) -> Result<Survey, StoreError> {
        self.surveys_where(None, Some(id))
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| not_found("survey", id))
    }

    /// Surveys of one team or all, or the one with `id`, newest first.
    async fn surveys_where(
        self,
        team: Option<&str>,
        id: Option<i64>,
    ) -> Result<Vec<Survey>, StoreError> {
        let rows = on_pool!(self, |pool| {
            let rows = sqlx::query(
                "SELECT s.id, s.team, s.title, s.questions, s.created_by, s.created_at, s.closes_at, \
                 (SELECT COUNT(*) FROM survey_responses r WHERE r.survey_id = s.id) AS responses \
                 FROM surveys s WHERE ($1 IS NULL OR s.team = $1) AND ($2 IS NULL OR s.id = $2) ORDER BY s.id DESC",
            )
            .bind(team)
            .bind(id)
            .fetch_all(pool)
            .await?;
            let mut out = Vec::with_capacity(rows.len());
            for row in &rows {
                let questions: String = row.try_get("questions")?;
                out.push(Survey {
                    id: row.try_get("id")?,
                    team: row.try_get("team")?,
                    title: row.try_get("title")?,
                    questions: serde_json::from_str(&questions)
                        .map_err(|e| StoreError::Corrupt(format!("survey questions: {e}")))?,
                    created_by: row.try_get("created_by")?,
                    created_at: row.try_get("created_at")?,
                    closes_at: row.try_get("closes_at")?,
                    responses: row.try_get("responses")?,
                });
            }
            out
        });
        Ok(rows)
    }

    /// Records `person`'s answers to survey `id`, anonymously: the mark that
    /// they answered and the answers go to separate tables in one
    /// transaction. A second answer from the same person is a conflict.
    ///
    /// Every response of the survey is rewritten with it, under fresh random
    /// keys: otherwise the rows' transaction ids and physical order
    /// (PostgreSQL's `xmin` and `ctid`, readable by any role that can
    /// SELECT) would pair each response with its participant mark.
    pub async fn respond(
        self,
        id: i64,
        person: &str,
        answers: &serde_json::Map<String, serde_json::Value>,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let survey = self.survey(id).await?;
        if survey.closes_at.is_some_and(|c| at >= c) {
            return Err(StoreError::Lifecycle(LifecycleError::Conflict(format!(
                "survey {id} closed at {}",
                survey
                    .closes_at
                    .map(baton_core::instant)
                    .unwrap_or_default()
            ))));
        }
        feedback::check_answers(&survey.questions, answers).map_err(StoreError::from)?;
        let body = serde_json::Value::Object(answers.clone()).to_string();
        write_tx!(self, |tx, _head| {
            let marked = sqlx::query(
                "INSERT INTO survey_participants (survey_id, person) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            )
            .bind(id)
            .bind(person)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if marked == 0 {
                return Err(StoreError::Lifecycle(LifecycleError::Conflict(format!(
                    "`{person}` has already answered survey {id}"
                ))));
            }
            let mut rows: Vec<String> = Vec::new();
            for row in sqlx::query("SELECT answers FROM survey_responses WHERE survey_id = $1")
                .bind(id)
                .fetch_all(&mut *tx)
                .await?
            {
                rows.push(row.try_get("answers")?);
            }
            rows.push(body.clone());
            sqlx::query("DELETE FROM survey_responses WHERE survey_id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
            // Written in the order of new random keys: a random order.
            let mut keyed = Vec::with_capacity(rows.len());
            for row in rows {
                keyed.push((crate::tokens::random_secret("")?, row));
            }
            keyed.sort();
            for (token, answers) in keyed {
                sqlx::query(
                    "INSERT INTO survey_responses (survey_id, token, answers) VALUES ($1, $2, $3)",
                )
                .bind(id)
                .bind(&token)
                .bind(&answers)
                .execute(&mut *tx)
                .await?;
            }
        });
        Ok(())
    }

    /// Whether `person` has answered survey `id` (what they answered is not
    /// recorded anywhere it could be read back).
    pub async fn has_responded(self, id: i64, person: &str) -> Result<bool, StoreError> {
        let n: i64 = on_pool!(self, |pool| {
            sqlx::query("SELECT COUNT(*) AS n FROM survey_participants WHERE survey_id = $1 AND person = $2")
                .bind(id)
                .bind(person)
                .fetch_one(pool)
                .await?
                .try_get("n")?
        });
        Ok(n > 0)
    }

    /// Every response's answers, in key order (random, not arrival).
    pub async fn responses(
        self,
        id: i64,
    ) -> Result<Vec<serde_json::Map<String, serde_json::Value>>, StoreError> {
        let texts: Vec<String> = on_pool!(self, |pool| {
            sqlx::query("SELECT answers FROM survey_responses WHERE survey_id = $1 ORDER BY token")
                .bind(id)
                .fetch_all(pool)
                .await?
                .iter()
                .map(|r| r.try_get("answers"))
                .collect::<Result<_, sqlx::Error>>()?
        });
        texts
            .iter()
            .map(|t| {
                serde_json::from_str(t)
                    .map_err(|e| StoreError::Corrupt(format!("a survey response: {e}")))
            })
            .collect()
    }

    /// The eNPS scores of `team`'s surveys (all teams when `None`) that
    /// closed in `[from, to)` before `now` with at least
    /// [`feedback::MIN_RESPONSES`] responses: the §6 eNPS input. Whole
    /// closed surveys only, so that no choice of window isolates a few
    /// people's answers.
    pub async fn enps_scores(
        self,
        team: Option<&str>,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<Vec<u64>, StoreError> {
        let mut scores = Vec::new();
        for survey in self.surveys(team).await? {
            let closed = survey
                .closes_at
                .is_some_and(|c| c <= now && from <= c && c < to);
            if !closed || survey.responses < feedback::MIN_RESPONSES as i64 {
                continue;
            }
            let enps: Vec<&str> = survey
                .questions
                .iter()
                .filter(|q| q.kind == feedback::QuestionKind::Enps)
                .map(|q| q.id.as_str())
                .collect();
            for answers in self.responses(survey.id).await? {
                // One score per respondent: the first eNPS question answered.
                if let Some(score) = enps.iter().find_map(|id| answers.get(*id)?.as_u64()) {
                    scores.push(score);
                }
            }
        }
        Ok(scores)
    }

    /// Opens a confidence poll.
    pub async fn create_poll(
        self,
        team: &str,
        question: &str,
        domain: Option<&str>,
        decision: Option<DecisionId>,
        by: &str,
        at: DateTime<Utc>,
    ) -> Result<Poll, StoreError> {
        let at = micros(at);
        if question.trim().is_empty() {
            return Err(StoreError::Lifecycle(LifecycleError::Invalid(
                "`question` is empty".into(),
            )));
        }
        if let Some(d) = decision {
            self.decisions().get(d).await?;
        }
        let id = write_tx!(self, |tx, head| {
            let id: i64 = next_id!(tx, "polls");
            sqlx::query("INSERT INTO polls (id, team, question, domain, decision_id, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)")
                .bind(id)
                .bind(team)
                .bind(question)
                .bind(domain)
                .bind(decision.map(DecisionId::get))
                .bind(by)
                .bind(at)
                .execute(&mut *tx)
                .await?;
            let event = Event {
                decision,
                kind: baton_core::lifecycle::EventKind::PollCreated,
                actor: by.to_owned(),
                at,
                data: serde_json::json!({"poll": id, "question": question, "domain": domain}),
            };
            append!(tx, head, std::slice::from_ref(&event));
            id
        });
        Ok(Poll {
            id,
            team: team.to_owned(),
            question: question.to_owned(),
            domain: domain.map(str::to_owned),
            decision,
            created_by: by.to_owned(),
            created_at: at,
        })
    }

    pub async fn poll(self, id: i64) -> Result<Poll, StoreError> {
        self.polls_where(None, Some(id))
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| not_found("poll", id))
    }

    /// Every poll (of `team`, when given), newest first.
    pub async fn polls(self, team: Option<&str>) -> Result<Vec<Poll>, StoreError> {
        self.polls_where(team, None).await
    }

    async fn polls_where(
        self,
        team: Option<&str>,
        id: Option<i64>,
    ) -> Result<Vec<Poll>, StoreError> {
        let polls = on_pool!(self, |pool| {
            let rows = sqlx::query("SELECT id, team, question, domain, decision_id, created_by, created_at FROM polls WHERE ($1 IS NULL OR team = $1) AND ($2 IS NULL OR id = $2) ORDER BY id DESC")
                .bind(team)
                .bind(id)
                .fetch_all(pool)
                .await?;
            let mut out = Vec::with_capacity(rows.len());
            for row in &rows {
                out.push(Poll {
                    id: row.try_get("id")?,
                    team: row.try_get("team")?,
                    question: row.try_get("question")?,
                    domain: row.try_get("domain")?,
                    decision: row
                        .try_get::<Option<i64>, _>("decision_id")?
                        .and_then(|id| DecisionId::new(id).ok()),
                    created_by: row.try_get("created_by")?,
                    created_at: row.try_get("created_at")?,
                });
            }
            out
        });
        Ok(polls)
    }

    /// Records or replaces `person`'s confidence (1–5) in poll `id`.
    pub async fn vote(
        self,
        id: i64,
        person: &str,
        confidence: u8,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        if !(1..=5).contains(&confidence) {
            return Err(StoreError::Lifecycle(LifecycleError::Invalid(format!(
                "`confidence`: expected 1 to 5, got {confidence}"
            ))));
        }
        self.poll(id).await?;
        let at = micros(at);
        on_pool!(self, |pool| {
            sqlx::query("INSERT INTO poll_votes (poll_id, person, confidence, at) VALUES ($1, $2, $3, $4) ON CONFLICT (poll_id, person) DO UPDATE SET confidence = excluded.confidence, at = excluded.at")
                .bind(id)
                .bind(person)
                .bind(i64::from(confidence))
                .bind(at)
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    /// Poll `id`'s votes as (person, confidence), by person.
    pub async fn votes(self, id: i64) -> Result<Vec<(String, u8)>, StoreError> {
        let votes = on_pool!(self, |pool| {
            sqlx::query(
                "SELECT person, confidence FROM poll_votes WHERE poll_id = $1 ORDER BY person",
            )
            .bind(id)
            .fetch_all(pool)
            .await?
            .iter()
            .map(|r| {
                let c: i64 = r.try_get("confidence")?;
                Ok((r.try_get("person")?, u8::try_from(c).unwrap_or(0)))
            })
            .collect::<Result<Vec<_>, sqlx::Error>>()?
        });
        Ok(votes)
    }
}
