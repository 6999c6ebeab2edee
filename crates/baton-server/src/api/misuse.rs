//! `POST|GET /api/v1/misuse`: the safe channel for reports of misuse.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use baton_app::{MisuseRequest, MisuseView, Received};
use serde::Deserialize;

use super::extract::Body;
use crate::auth::Signed;
use crate::{AppState, Problem};

/// A report of misuse of deference.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MisuseBody {
    /// The decision it is about, if one.
    #[serde(default)]
    decision: Option<baton_core::DecisionId>,
    /// The team it is about, when no decision says.
    #[serde(default)]
    team: Option<baton_core::TeamId>,
    /// What happened.
    #[schemars(length(min = 1, max = 4000))]
    text: String,
    /// Sign it with your name; anonymous by default.
    #[serde(default)]
    signed: bool,
}

/// `POST /api/v1/misuse`: anyone signed in, viewers too.
pub async fn report(
    State(state): State<AppState>,
    signed: Signed,
    Body(body): Body<MisuseBody>,
) -> Result<(StatusCode, Json<Received>), Problem> {
    let received = state
        .app
        .report_misuse(
            &signed.caller,
            MisuseRequest {
                decision: body.decision,
                team: body.team.map(|t| t.to_string()),
                text: body.text,
                signed: body.signed,
            },
            state.clock.now(),
        )
        .await?;
    Ok((StatusCode::ACCEPTED, Json(received)))
}

/// `GET /api/v1/misuse`: released batches and signed reports (admins and
/// stewards).
pub async fn read(
    State(state): State<AppState>,
    signed: Signed,
) -> Result<Json<MisuseView>, Problem> {
    Ok(Json(
        state
            .app
            .misuse_reports(&signed.caller, state.clock.now())
            .await?,
    ))
}
