//! `/misuse`: the safe channel's form, and for admins and stewards the
//! batches released.

use std::collections::HashMap;

use axum::extract::{Form, State};
use axum::http::StatusCode;
use axum::response::Response;
use baton_app::MisuseRequest;
use baton_core::lifecycle::Role;
use baton_web::pages::{self, Flash, Frame, MisuseForm};

use super::{Reader, page, refused_form, to_login};
use crate::AppState;

async fn shown(
    state: &AppState,
    reader: &Reader,
    form: &MisuseForm,
    flash: Option<Flash>,
) -> Response {
    let Some(caller) = reader.caller() else {
        return to_login("/misuse");
    };
    let teams = state.app.teams().await.unwrap_or_default();
    let view = if matches!(caller.role, Role::Admin | Role::Steward) {
        state
            .app
            .misuse_reports(&caller, state.clock.now())
            .await
            .ok()
    } else {
        None
    };
    let status = match &flash {
        Some(f) if f.kind == "error" => StatusCode::UNPROCESSABLE_ENTITY,
        _ => StatusCode::OK,
    };
    let frame = Frame::new("Report misuse", "misuse", reader.user()).with_flash(flash);
    page(status, pages::misuse(&frame, &teams, form, view.as_ref()))
}

/// `GET /misuse`.
pub async fn form(State(state): State<AppState>, reader: Reader) -> Response {
    shown(&state, &reader, &MisuseForm::default(), None).await
}

/// `POST /misuse`: a report from the reader, anonymous unless signed.
pub async fn report(
    State(state): State<AppState>,
    reader: Reader,
    Form(raw): Form<HashMap<String, String>>,
) -> Response {
    if let Some(refused) = refused_form(&reader, &raw, "/misuse") {
        return refused;
    }
    let Some(caller) = reader.caller() else {
        return to_login("/misuse");
    };
    let get = |k: &str| raw.get(k).map(|v| v.trim().to_owned()).unwrap_or_default();
    let form = MisuseForm {
        decision: get("decision").trim_start_matches('#').to_owned(),
        team: get("team"),
        text: raw.get("text").cloned().unwrap_or_default(),
    };
    let decision = if form.decision.is_empty() {
        None
    } else {
        match form.decision.parse() {
            Ok(d) => Some(d),
            Err(_) => {
                let flash = Flash::error(format!("`{}` is not a decision number", form.decision));
                return shown(&state, &reader, &form, Some(flash)).await;
            }
        }
    };
    let request = MisuseRequest {
        decision,
        team: (!form.team.is_empty()).then(|| form.team.clone()),
        text: form.text.clone(),
        signed: raw.get("signed").is_some_and(|v| v == "yes"),
    };
    match state
        .app
        .report_misuse(&caller, request, state.clock.now())
        .await
    {
        Ok(received) => {
            let flash = Flash::info(format!("Thank you. Received {}.", received.shown));
            shown(&state, &reader, &MisuseForm::default(), Some(flash)).await
        }
        Err(e) => {
            let flash = Flash::error(e.to_string());
            shown(&state, &reader, &form, Some(flash)).await
        }
    }
}
