//! The directory and the guides: read by anyone with a token, changed by
//! admins (the directory) and stewards (guides), every version kept.

use crate::api::extract::{PersonPath, TeamPath};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use baton_app::{Applied, PersonView};
use serde::Deserialize;

use super::extract::Params;
use crate::api::extract::Body;
use crate::auth::Signed;
use crate::{AppState, Problem};

/// `GET /api/v1/org`: the directory in force, as its file text.
pub async fn get_org(State(state): State<AppState>, _signed: Signed) -> Result<String, Problem> {
    Ok(state.app.org_text().await?)
}

/// `PUT /api/v1/org`: a new directory (YAML or JSON), validated, stored as
/// a new version. Admins only.
pub async fn put_org(
    State(state): State<AppState>,
    signed: Signed,
    text: String,
) -> Result<Json<Applied>, Problem> {
    Ok(Json(
        state
            .app
            .put_org(&signed.caller, &text, state.clock.now())
            .await?,
    ))
}

/// `GET /api/v1/teams/{team}/guide`: the team's guide in force, as text.
pub async fn get_guide(
    State(state): State<AppState>,
    _signed: Signed,
    Path(TeamPath { team }): Path<TeamPath>,
) -> Result<String, Problem> {
    Ok(state.app.guide_text(&team).await?)
}

/// `PUT /api/v1/teams/{team}/guide`: a new guide for the team, validated
/// against the directory. Admins and the team's stewards.
pub async fn put_guide(
    State(state): State<AppState>,
    signed: Signed,
    Path(TeamPath { team }): Path<TeamPath>,
    text: String,
) -> Result<Json<Applied>, Problem> {
    Ok(Json(
        state
            .app
            .put_guide(&signed.caller, &team, &text, state.clock.now())
            .await?,
    ))
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EndorsementBody {
    of: baton_core::PersonId,
    /// A domain id, as the directory writes them.
    #[schemars(pattern(baton_core::ident::PATTERN))]
    domain: String,
    /// 0–5.
    #[schemars(range(min = 0, max = baton_core::org::MAX_LEVEL))]
    level: u8,
}

/// `POST /api/v1/endorsements`: the caller confirms that `of` has at least
/// `level` in `domain`.
pub async fn endorse(
    State(state): State<AppState>,
    signed: Signed,
    Body(body): Body<EndorsementBody>,
) -> Result<(StatusCode, Json<Applied>), Problem> {
    let applied = state
        .app
        .endorse(
            &signed.caller,
            &body.of,
            &body.domain,
            body.level,
            state.clock.now(),
        )
        .await?;
    Ok((StatusCode::CREATED, Json(applied)))
}

/// `GET /api/v1/people/{id}` (JSON), or `…/{id}.ics`: their duties as a
/// calendar feed.
pub async fn person(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    Path(PersonPath { id }): Path<PersonPath>,
    Params(query): Params<super::calendar::FeedQuery>,
) -> Result<Response, Problem> {
    if let Some(person) = id.strip_suffix(".ics") {
        return super::calendar::person(state, headers, person, query).await;
    }
    Signed::from_headers(&state, &headers).await?;
    let view: PersonView = state.app.person(&id).await?;
    Ok(Json(view).into_response())
}
