//! `POST|GET /api/v1/pilots`, `GET /api/v1/pilots/{id}/report` and
//! `POST /api/v1/teams/{team}/replay`: trying a guide before and after
//! adopting it.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use baton_app::{Pilot, PilotReport, PilotRequest};
use baton_core::analytics::Window;
use baton_core::replay::ReplayReport;
use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::extract::{Body, IdPath, Params, TeamPath};
use crate::auth::Signed;
use crate::{AppState, Problem};

/// `POST /api/v1/pilots`: admins and the team's stewards.
pub async fn create(
    State(state): State<AppState>,
    signed: Signed,
    Body(body): Body<PilotRequest>,
) -> Result<(StatusCode, Json<Pilot>), Problem> {
    let pilot = state
        .app
        .create_pilot(&signed.caller, body, state.clock.now())
        .await?;
    Ok((StatusCode::CREATED, Json(pilot)))
}

/// `GET /api/v1/pilots`: every pilot, newest first.
pub async fn list(
    State(state): State<AppState>,
    _signed: Signed,
) -> Result<Json<Vec<Pilot>>, Problem> {
    Ok(Json(state.app.pilots().await?))
}

/// `GET /api/v1/pilots/{id}/report`: the pilot against its baseline, as of
/// now.
pub async fn report(
    State(state): State<AppState>,
    _signed: Signed,
    Path(IdPath { id }): Path<IdPath>,
) -> Result<Json<PilotReport>, Problem> {
    Ok(Json(state.app.pilot_report(id, state.clock.now()).await?))
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReplayQuery {
    /// Replay the decisions opened from this instant (RFC 3339); default
    /// the first.
    from: Option<DateTime<Utc>>,
    /// …until this one, exclusive; default every decision since `from`.
    to: Option<DateTime<Utc>>,
}

/// `POST /api/v1/teams/{team}/replay`, the new guide (YAML) as the body:
/// what it would have changed, decision by decision.
pub async fn replay(
    State(state): State<AppState>,
    _signed: Signed,
    Path(TeamPath { team }): Path<TeamPath>,
    Params(query): Params<ReplayQuery>,
    text: String,
) -> Result<Json<ReplayReport>, Problem> {
    let (from, to) = super::window::open_window(query.from, query.to)?;
    let window = match (from, to) {
        (None, None) => None,
        (from, to) => Some(Window {
            from: from.unwrap_or(chrono::DateTime::<Utc>::MIN_UTC),
            to: to.unwrap_or(chrono::DateTime::<Utc>::MAX_UTC),
        }),
    };
    let app = state.app.clone();
    // A replay of a long log is seconds of work: on a thread of its own,
    // not one the other requests are served on.
    let report = tokio::task::spawn_blocking(move || {
        tokio::runtime::Handle::current().block_on(app.replay(
            &team,
            &text,
            window,
            &baton_app::Silent,
        ))
    })
    .await
    .map_err(|e| {
        Problem::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            format!("the replay task failed: {e}"),
        )
    })??;
    Ok(Json(report))
}
