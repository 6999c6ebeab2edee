//! Decisions: open, list, show, act — always as the token's person.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, FromRequestParts, Path, Query, Request, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use baton_app::{App, DecisionFilter, OpenRequest, Verified};
use baton_core::lifecycle::{Action, Decision, OutcomeResult, Status};
use chrono::Utc;
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::auth::Signed;
use crate::{AppState, Problem};

/// A JSON body whose rejections are problem documents: 400 naming what is
/// wrong, 413 when too large, 415 without a JSON content type.
pub struct Body<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Body<T> {
    type Rejection = Problem;

    async fn from_request(req: Request, state: &S) -> Result<Self, Problem> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(value)) => Ok(Body(value)),
            Err(rejection) => Err(match &rejection {
                JsonRejection::JsonDataError(e) => {
                    Problem::new(StatusCode::BAD_REQUEST, "invalid_body", e.body_text())
                }
                JsonRejection::JsonSyntaxError(e) => {
                    Problem::new(StatusCode::BAD_REQUEST, "malformed_json", e.body_text())
                }
                JsonRejection::MissingJsonContentType(_) => Problem::new(
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    "unsupported_media_type",
                    "send the body as JSON with `Content-Type: application/json`",
                ),
                JsonRejection::BytesRejection(_) => Problem::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "body_too_large",
                    format!("request bodies are limited to {} bytes", crate::BODY_LIMIT),
                ),
                other => Problem::new(StatusCode::BAD_REQUEST, "invalid_body", other.body_text()),
            }),
        }
    }
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OpenBody {
    team: String,
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
        team: body.team,
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

/// Query parameters whose rejections are problem documents: 400
/// `invalid_query` naming the parameter at fault, as the handlers' own
/// checks of their parameters answer.
pub struct Params<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for Params<T> {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Problem> {
        Query::<T>::from_request_parts(parts, state)
            .await
            .map(|Query(value)| Params(value))
            .map_err(|rejection| Problem::bad_query(rejection.body_text()))
    }
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    team: Option<String>,
    #[serde(rename = "type")]
    decision_type: Option<String>,
    status: Option<String>,
    decider: Option<String>,
    text: Option<String>,
    /// Opened at or after (RFC 3339).
    from: Option<chrono::DateTime<Utc>>,
    /// Opened before (RFC 3339).
    to: Option<chrono::DateTime<Utc>>,
    /// Page size, 1–500 (default 50).
    limit: Option<i64>,
    /// Decisions to skip, newest first (default 0).
    offset: Option<i64>,
}

pub async fn list(
    State(state): State<AppState>,
    _signed: Signed,
    Params(q): Params<ListQuery>,
) -> Result<Json<Vec<Decision>>, Problem> {
    let status = match q.status.as_deref() {
        None => None,
        Some(s) => Some(
            Status::parse(s).ok_or_else(|| Problem::bad_query(format!("`{s}` is not a status")))?,
        ),
    };
    if q.offset.is_some_and(|o| o < 0) {
        return Err(Problem::bad_query("`offset` cannot be negative"));
    }
    let filter = DecisionFilter {
        team: q.team,
        decision_type: q.decision_type,
        status,
        decider: q.decider,
        text: q.text,
        opened_from: q.from,
        opened_to: q.to,
        limit: Some(q.limit.unwrap_or(50).clamp(1, 500)),
        offset: q.offset,
    };
    Ok(Json(state.app.list(&filter).await?))
}

pub async fn show(
    State(state): State<AppState>,
    signed: Signed,
    Path(id): Path<i64>,
) -> Result<Json<serde_json::Value>, Problem> {
    let found = state.app.show_at(&signed, id).await?;
    Ok(Json(App::document_of(&found.0, &found.1)?))
}

/// The bodies of the actions, tagged by the path segment.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PositionBody {
    option: String,
    rationale: String,
    confidence: u8,
    #[serde(default)]
    risk: Option<u8>,
    #[serde(default)]
    reversible: Option<bool>,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReasonBody {
    reason: String,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DelegateBody {
    to: String,
    reason: String,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DecideBody {
    option: String,
    rationale: String,
    #[serde(default)]
    override_reason: Option<String>,
    #[serde(default)]
    review_on: Option<chrono::NaiveDate>,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OutcomeBody {
    result: OutcomeResult,
    #[serde(default)]
    notes: String,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EmptyBody {}

/// `supersede`: the later decision that replaces this one.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SupersedeBody {
    pub by: i64,
}

fn parse<T: DeserializeOwned>(body: serde_json::Value) -> Result<T, Problem> {
    serde_json::from_value(body)
        .map_err(|e| Problem::new(StatusCode::BAD_REQUEST, "invalid_body", e.to_string()))
}

pub async fn act(
    State(state): State<AppState>,
    signed: Signed,
    Path((id, action)): Path<(i64, String)>,
    Body(body): Body<serde_json::Value>,
) -> Result<Json<serde_json::Value>, Problem> {
    let action = match action.as_str() {
        "position" => {
            let b: PositionBody = parse(body)?;
            Action::Position {
                option: b.option,
                rationale: b.rationale,
                confidence: b.confidence,
                risk: b.risk,
                reversible: b.reversible,
            }
        }
        "object" => Action::Object {
            reason: parse::<ReasonBody>(body)?.reason,
        },
        "delegate" => {
            let b: DelegateBody = parse(body)?;
            Action::Delegate {
                to: b.to,
                reason: b.reason,
            }
        }
        "decide" => {
            let b: DecideBody = parse(body)?;
            Action::Decide {
                option: b.option,
                rationale: b.rationale,
                override_reason: b.override_reason,
                review_on: b.review_on,
            }
        }
        "escalate" => {
            parse::<EmptyBody>(body)?;
            Action::Escalate
        }
        "outcome" => {
            let b: OutcomeBody = parse(body)?;
            Action::Outcome {
                result: b.result,
                notes: b.notes,
            }
        }
        "withdraw" => {
            parse::<EmptyBody>(body)?;
            Action::Withdraw
        }
        "supersede" => Action::Supersede {
            by: parse::<SupersedeBody>(body)?.by,
        },
        other => {
            return Err(Problem::new(
                StatusCode::NOT_FOUND,
                "unknown_action",
                format!(
                    "`{other}` is not an action: position, object, delegate, decide, escalate, outcome, withdraw or supersede"
                ),
            ));
        }
    };
    let d = state
        .app
        .act(&signed.caller, id, &action, state.clock.now())
        .await?;
    Ok(Json(state.app.document(&d).await?))
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct VerifyQuery {
    /// A head an earlier verify printed, `SEQ:HASH`: also detect a chain
    /// truncated or recomputed since.
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
