//! Pilots (start one, read its report) and replay (try a guide against
//! the log): the steward's "what if".

use std::collections::HashMap;

use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use baton_app::PilotRequest;
use baton_core::analytics::Window;
use baton_web::pages::{self, Flash, Frame, PilotForm, ReplayForm};
use chrono::{DateTime, Utc};

use super::{Reader, failure, page, refused_form, to_login};
use crate::AppState;

fn field(form: &HashMap<String, String>, key: &str) -> String {
    form.get(key)
        .map(|v| v.trim().to_owned())
        .unwrap_or_default()
}

/// `GET /pilots`.
pub async fn pilots(State(state): State<AppState>, reader: Reader) -> Response {
    if reader.session.is_none() {
        return to_login("/pilots");
    }
    listed(&state, &reader, &PilotForm::default(), None).await
}

async fn listed(
    state: &AppState,
    reader: &Reader,
    form: &PilotForm,
    flash: Option<Flash>,
) -> Response {
    let pilots = match state.app.pilots().await {
        Ok(p) => p,
        Err(e) => return failure(reader, &e, "/"),
    };
    let teams = state.app.teams().await.unwrap_or_default();
    let mut versions = Vec::new();
    for team in &teams {
        if let Ok(g) = state.app.guide(team).await {
            versions.push((team.clone(), g.version.clone()));
        }
    }
    let status = if flash.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let frame = Frame::new("Pilots", "pilots", reader.user()).with_flash(flash);
    page(
        status,
        pages::pilots(&frame, &pilots, &teams, &versions, form),
    )
}

/// The pilot a form asks for, or what is wrong with it.
fn request(form: &PilotForm) -> Result<PilotRequest, String> {
    let instant = |text: &str, name: &str| -> Result<DateTime<Utc>, String> {
        baton_core::parse_instant(text)
            .ok_or_else(|| format!("`{name}`: `{text}` is not a date like 2026-03-01"))
    };
    Ok(PilotRequest {
        team: form
            .team
            .parse()
            .map_err(|e: baton_core::ident::BadId| format!("`team`: {e}"))?,
        types: form
            .types
            .split(',')
            .map(|t| t.trim().to_owned())
            .filter(|t| !t.is_empty())
            .collect(),
        guide_version: form.guide_version.clone(),
        from: instant(&form.from, "from")?,
        to: instant(&form.to, "to")?,
        control: match form.control.as_str() {
            "" => None,
            c => Some(
                c.parse()
                    .map_err(|e: baton_core::ident::BadId| format!("`control`: {e}"))?,
            ),
        },
    })
}

/// `POST /pilots`: starts a pilot as the reader (admins and the team's
/// stewards).
pub async fn create(
    State(state): State<AppState>,
    reader: Reader,
    Form(raw): Form<HashMap<String, String>>,
) -> Response {
    if let Some(refused) = refused_form(&reader, &raw, "/pilots") {
        return refused;
    }
    let Some(caller) = reader.caller() else {
        return to_login("/pilots");
    };
    let form = PilotForm {
        team: field(&raw, "team"),
        types: field(&raw, "types"),
        guide_version: field(&raw, "guide_version"),
        from: field(&raw, "from"),
        to: field(&raw, "to"),
        control: field(&raw, "control"),
    };
    let request = match request(&form) {
        Ok(r) => r,
        Err(why) => return listed(&state, &reader, &form, Some(Flash::error(why))).await,
    };
    match state
        .app
        .create_pilot(&caller, request, state.clock.now())
        .await
    {
        Ok(p) => Redirect::to(&format!("/pilots/{}", p.id)).into_response(),
        Err(e) => {
            let text = format!("{} ({})", e, baton_app::Failure::code(&e));
            listed(&state, &reader, &form, Some(Flash::error(text))).await
        }
    }
}

/// `GET /pilots/{id}`: the report as of now.
pub async fn report(
    State(state): State<AppState>,
    reader: Reader,
    Path(id): Path<String>,
) -> Response {
    if reader.session.is_none() {
        return to_login(&format!("/pilots/{id}"));
    }
    let Ok(number) = id.parse::<i64>() else {
        let frame = Frame::new("Not found", "pilots", reader.user());
        return page(
            StatusCode::NOT_FOUND,
            pages::message(
                &frame,
                "Not found",
                &format!("`{id}` is not a pilot number"),
                &[],
                "/pilots",
            ),
        );
    };
    match state.app.pilot_report(number, state.clock.now()).await {
        Ok(r) => {
            let frame = Frame::new(format!("Pilot #{number}"), "pilots", reader.user());
            page(StatusCode::OK, pages::pilot(&frame, &r))
        }
        Err(e) => failure(&reader, &e, "/pilots"),
    }
}

/// `GET /replay`: the form, with the first team's guide in force.
pub async fn replay_form(State(state): State<AppState>, reader: Reader) -> Response {
    if reader.session.is_none() {
        return to_login("/replay");
    }
    let teams = state.app.teams().await.unwrap_or_default();
    let team = teams.first().cloned().unwrap_or_default();
    let guide = state.app.guide_text(&team).await.unwrap_or_default();
    let form = ReplayForm {
        team,
        guide,
        ..ReplayForm::default()
    };
    let frame = Frame::new("Replay", "replay", reader.user());
    page(StatusCode::OK, pages::replay(&frame, &teams, &form, None))
}

/// `POST /replay`: what the guide given would have changed. Nothing is
/// written; the form is a post for the size of a guide.
pub async fn replay(
    State(state): State<AppState>,
    reader: Reader,
    Form(raw): Form<HashMap<String, String>>,
) -> Response {
    if let Some(refused) = refused_form(&reader, &raw, "/replay") {
        return refused;
    }
    let teams = state.app.teams().await.unwrap_or_default();
    let mut form = ReplayForm {
        team: field(&raw, "team"),
        guide: raw.get("guide").cloned().unwrap_or_default(),
        from: field(&raw, "from"),
        to: field(&raw, "to"),
    };
    if form.guide.trim().is_empty() {
        form.guide = state.app.guide_text(&form.team).await.unwrap_or_default();
    }
    let frame = Frame::new("Replay", "replay", reader.user());
    let refuse = |frame: Frame, why: String| {
        let frame = frame.with_flash(Some(Flash::error(why)));
        page(
            StatusCode::UNPROCESSABLE_ENTITY,
            pages::replay(&frame, &teams, &form, None),
        )
    };
    let edge = |text: &str, name: &str| -> Result<Option<DateTime<Utc>>, String> {
        if text.is_empty() {
            return Ok(None);
        }
        baton_core::parse_instant(text)
            .map(Some)
            .ok_or_else(|| format!("`{name}`: `{text}` is not a date like 2026-03-01"))
    };
    let (from, to) = match (edge(&form.from, "from"), edge(&form.to, "to")) {
        (Ok(f), Ok(t)) => (f, t),
        (Err(why), _) | (_, Err(why)) => return refuse(frame, why),
    };
    let window = match (from, to) {
        (None, None) => None,
        (from, to) => Some(Window {
            from: from.unwrap_or(DateTime::<Utc>::MIN_UTC),
            to: to.unwrap_or(DateTime::<Utc>::MAX_UTC),
        }),
    };
    let app = state.app.clone();
    let (team, text) = (form.team.clone(), form.guide.clone());
    // Seconds of work on a long log: on a thread of its own.
    let replayed = tokio::task::spawn_blocking(move || {
        tokio::runtime::Handle::current().block_on(app.replay(
            &team,
            &text,
            window,
            &baton_app::Silent,
        ))
    })
    .await;
    match replayed {
        Ok(Ok(report)) => page(
            StatusCode::OK,
            pages::replay(&frame, &teams, &form, Some(&report)),
        ),
        Ok(Err(e)) => {
            let mut why = e.to_string();
            for line in baton_app::Failure::explanation(&e).unwrap_or_default() {
                why.push_str(&format!("; {line}"));
            }
            refuse(frame, why)
        }
        Err(_) => refuse(
            frame,
            "the replay stopped unexpectedly; nothing was recorded".into(),
        ),
    }
}
