//! The directory and the guides: read by anyone with a token, changed by
//! admins (the directory) and stewards (guides), every version kept.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use baton_core::lifecycle::Role;
use baton_core::org::{EndorsementEntry, OrgFile};
use baton_store::Applied;
use serde::{Deserialize, Serialize};

use super::decisions::Params;
use crate::api::decisions::Body;
use crate::auth::Caller;
use crate::{AppState, Problem};

/// `GET /api/v1/org`: the directory in force, as its file text.
pub async fn get_org(State(state): State<AppState>, _caller: Caller) -> Result<String, Problem> {
    let (_, text) = state
        .store
        .latest_org()
        .await?
        .ok_or_else(|| Problem::from(baton_store::StoreError::NoDirectory))?;
    Ok(text)
}

/// `PUT /api/v1/org`: a new directory (YAML or JSON), validated, stored as
/// a new version. Admins only.
pub async fn put_org(
    State(state): State<AppState>,
    caller: Caller,
    text: String,
) -> Result<Json<Applied>, Problem> {
    caller.require(&[Role::Admin], "replace the directory")?;
    Ok(Json(
        state
            .store
            .apply(Some(("org", &text)), &[], state.clock.now())
            .await?,
    ))
}

/// `GET /api/v1/teams/{team}/guide`: the team's guide in force, as text.
pub async fn get_guide(
    State(state): State<AppState>,
    _caller: Caller,
    Path(team): Path<String>,
) -> Result<String, Problem> {
    Ok(state.store.guide_text(&team).await?)
}

/// `PUT /api/v1/teams/{team}/guide`: a new guide for the team, validated
/// against the directory. Admins and stewards.
pub async fn put_guide(
    State(state): State<AppState>,
    caller: Caller,
    Path(team): Path<String>,
    text: String,
) -> Result<Json<Applied>, Problem> {
    caller.require(&[Role::Admin, Role::Steward], "change a guide")?;
    let name = format!("{team} guide");
    let guide = baton_core::compile_guide(&name, &text, state.store.directory().await?)
        .map_err(baton_store::StoreError::from)?;
    if guide.team != team {
        return Err(Problem::invalid(format!(
            "the guide is for team `{}`, not `{team}`",
            guide.team
        )));
    }
    Ok(Json(
        state
            .store
            .apply(None, &[(&name, &text)], state.clock.now())
            .await?,
    ))
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EndorsementBody {
    of: String,
    domain: String,
    level: u8,
}

/// `POST /api/v1/endorsements`: the caller confirms that `of` has at least
/// `level` in `domain`. Stored as a new directory version; endorsing
/// yourself is refused by the directory's own validation.
pub async fn endorse(
    State(state): State<AppState>,
    caller: Caller,
    Body(body): Body<EndorsementBody>,
) -> Result<(StatusCode, Json<Applied>), Problem> {
    caller.may_write()?;
    let (base, text) = state
        .store
        .latest_org()
        .await?
        .ok_or_else(|| Problem::from(baton_store::StoreError::NoDirectory))?;
    let mut org: OrgFile =
        baton_core::org::parse_file("org", &text).map_err(baton_store::StoreError::from)?;
    org.endorsements.push(EndorsementEntry {
        by: caller.person.clone(),
        of: body.of,
        domain: body.domain,
        level: body.level,
    });
    let json = serde_json::to_string_pretty(&org)
        .map_err(|e| Problem::new(StatusCode::INTERNAL_SERVER_ERROR, "store", e.to_string()))?;
    Ok((
        StatusCode::CREATED,
        Json(
            state
                .store
                .apply_over(Some(base), Some(("org", &json)), &[], state.clock.now())
                .await?,
        ),
    ))
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct PersonView {
    id: String,
    name: String,
    title: Option<String>,
    rank: i64,
    manager: Option<String>,
    teams: Vec<String>,
    max_load: Option<u32>,
    expertise: std::collections::BTreeMap<String, u8>,
    /// Open decisions where they are the decider.
    load: u32,
}

/// `GET /api/v1/people/{id}` (JSON), or `…/{id}.ics`: their duties as a
/// calendar feed.
pub async fn person(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    Path(id): Path<String>,
    Params(query): Params<super::calendar::FeedQuery>,
) -> Result<Response, Problem> {
    if let Some(person) = id.strip_suffix(".ics") {
        return super::calendar::person(state, headers, person, query).await;
    }
    Caller::from_headers(&state, &headers).await?;
    let dir = state.store.directory().await?;
    let pid = dir
        .find(&id)
        .ok_or_else(|| Problem::not_found(format!("`{id}` is not in the directory")))?;
    let p = dir.person(pid);
    let load = state.store.open_load(&id).await?;
    Ok(Json(PersonView {
        id: p.id.clone(),
        name: p.name.clone(),
        title: p.title.clone(),
        rank: p.rank,
        manager: p.manager.map(|m| dir.id(m).to_owned()),
        teams: p.teams.clone(),
        max_load: p.max_load,
        expertise: p.expertise.clone(),
        load,
    })
    .into_response())
}
