//! People, rotations and guides: who may decide, and on what grounds.

use std::collections::HashMap;

use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use baton_app::DecisionFilter;
use baton_core::analytics::Window;
use baton_web::pages::{self, Flash, Frame};
use chrono::Duration;

use super::analytics::{Picked, not_accepted, picked};
use super::{Reader, failure, page, signed_form, to_login};
use crate::AppState;

/// `GET /rotations?team=&from=&to=`: every rotation as a timeline, a week
/// back and four ahead by default.
pub async fn rotations(
    State(state): State<AppState>,
    reader: Reader,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    if reader.session.is_none() {
        return to_login("/rotations");
    }
    let teams = state.app.teams().await.unwrap_or_default();
    let frame = Frame::new("Rotations", "rotations", reader.user());
    let Picked { picker, from, to } = match picked(&q, teams) {
        Ok(p) => p,
        Err(why) => return not_accepted(&frame, &why, "/rotations"),
    };
    let now = state.clock.now();
    let from = from.unwrap_or(now - Duration::days(7));
    let to = to.unwrap_or(from + Duration::days(35));
    if to - from > Duration::days(366) {
        return not_accepted(&frame, "a timeline covers at most a year", "/rotations");
    }
    let team = (!picker.team.is_empty()).then_some(picker.team.as_str());
    match state.app.rotation_timelines(team, from, to).await {
        Ok(timelines) => page(
            StatusCode::OK,
            pages::rotations(&frame, &picker, from, to, now, timelines),
        ),
        Err(e) => failure(&reader, &e, "/rotations"),
    }
}

/// `GET /people`.
pub async fn people(State(state): State<AppState>, reader: Reader) -> Response {
    if reader.session.is_none() {
        return to_login("/people");
    }
    match state.app.people().await {
        Ok(people) => {
            let frame = Frame::new("People", "people", reader.user());
            page(StatusCode::OK, pages::people(&frame, &people))
        }
        Err(e) => failure(&reader, &e, "/"),
    }
}

/// How far back a person's page profiles them, and ahead it lists shifts.
const PROFILE_DAYS: i64 = 90;
const SHIFT_DAYS: i64 = 35;

/// `GET /people/{id}`: claims and endorsements, load, profile, shifts and
/// decisions.
pub async fn person(
    State(state): State<AppState>,
    reader: Reader,
    Path(id): Path<String>,
) -> Response {
    if reader.session.is_none() {
        return to_login(&format!("/people/{id}"));
    }
    person_page(&state, &reader, &id, None).await
}

async fn person_page(
    state: &AppState,
    reader: &Reader,
    id: &str,
    flash: Option<Flash>,
) -> Response {
    let app = &state.app;
    let now = state.clock.now();
    let person = match app.person(id).await {
        Ok(p) => p,
        Err(e) => return failure(reader, &e, "/people"),
    };
    let claims = match app.claims(id).await {
        Ok(c) => c,
        Err(e) => return failure(reader, &e, "/people"),
    };
    let decisions = app
        .list(&DecisionFilter {
            decider: Some(id.to_owned()),
            limit: Some(20),
            ..DecisionFilter::default()
        })
        .await
        .unwrap_or_default();
    let window = Window {
        from: now - Duration::days(PROFILE_DAYS),
        to: now,
    };
    let profile = app.profile(id, None, window).await.ok();
    let shifts = app
        .rotation_timelines(None, now, now + Duration::days(SHIFT_DAYS))
        .await
        .unwrap_or_default()
        .into_iter()
        .flat_map(|t| {
            let label = format!("{} {}", t.team, t.rotation);
            let (team, rotation) = (t.team.clone(), t.rotation.clone());
            t.shifts
                .into_iter()
                .filter(|s| s.shift.person == id)
                .map(move |s| (label.clone(), team.clone(), rotation.clone(), s))
        })
        .collect();
    let breaks = app.breaks(Some(id)).await.unwrap_or_default();
    let handoffs = app.handoffs(Some(id)).await.unwrap_or_default();
    let detail = pages::PersonDetail {
        person,
        breaks,
        handoffs,
        now,
        claims,
        decisions,
        profile,
        shifts,
    };
    let status = if flash.as_ref().is_some_and(|f| f.kind == "error") {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let frame = Frame::new(detail.person.name.clone(), "people", reader.user()).with_flash(flash);
    page(status, pages::person(&frame, &detail))
}

/// `POST /people/{id}/endorse`: the reader endorses them in a domain.
pub async fn endorse(
    State(state): State<AppState>,
    reader: Reader,
    Path(id): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let back = format!("/people/{id}");
    let caller = match signed_form(&reader, &form, &back) {
        Ok(caller) => caller,
        Err(refused) => return refused,
    };
    let domain = form.get("domain").map_or("", |d| d.trim());
    let Ok(level) = form.get("level").map_or("", |l| l.trim()).parse::<u8>() else {
        let flash = Flash::error("the level is a number from 1 to 5");
        return person_page(&state, &reader, &id, Some(flash)).await;
    };
    match state
        .app
        .endorse(&caller, &id, domain, level, state.clock.now())
        .await
    {
        Ok(_) => Redirect::to(&back).into_response(),
        Err(e) => {
            let mut text = e.to_string();
            for line in baton_app::Failure::explanation(&e).unwrap_or_default() {
                text.push_str(&format!("; {line}"));
            }
            person_page(&state, &reader, &id, Some(Flash::error(text))).await
        }
    }
}

/// `GET /guides`: every team's guide, its versions and findings.
pub async fn guides(State(state): State<AppState>, reader: Reader) -> Response {
    if reader.session.is_none() {
        return to_login("/guides");
    }
    let teams = match state.app.teams().await {
        Ok(t) => t,
        Err(e) => return failure(&reader, &e, "/"),
    };
    let mut rows = Vec::new();
    for team in teams {
        match state.app.guide_overview(&team).await {
            Ok(g) => rows.push(pages::GuideRow {
                versions: g.versions.len(),
                applied_at: g.versions.last().map(|v| v.applied_at),
                warnings: g.findings.len(),
                team,
            }),
            Err(e) => return failure(&reader, &e, "/"),
        }
    }
    let frame = Frame::new("Guides", "guides", reader.user());
    page(StatusCode::OK, pages::guides(&frame, &rows))
}

/// `GET /teams/{team}/guide`: the text in force with lint in place, and
/// its versions.
pub async fn guide(
    State(state): State<AppState>,
    reader: Reader,
    Path(team): Path<String>,
) -> Response {
    if reader.session.is_none() {
        return to_login(&format!("/teams/{team}/guide"));
    }
    match state.app.guide_overview(&team).await {
        Ok(g) => {
            let frame = Frame::new(format!("{team}'s guide"), "guides", reader.user());
            page(StatusCode::OK, pages::guide(&frame, &g))
        }
        Err(e) => failure(&reader, &e, "/guides"),
    }
}

/// `GET /teams/{team}/guide/diff?from=&to=`: two versions line by line;
/// by default the one before the latest against the latest.
pub async fn guide_diff(
    State(state): State<AppState>,
    reader: Reader,
    Path(team): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let back = format!("/teams/{team}/guide");
    if reader.session.is_none() {
        return to_login(&back);
    }
    let g = match state.app.guide_overview(&team).await {
        Ok(g) => g,
        Err(e) => return failure(&reader, &e, "/guides"),
    };
    let latest = g.versions.len() as u32;
    let frame = Frame::new(format!("{team}'s guide: diff"), "guides", reader.user());
    let number = |key: &str, default: u32| -> Result<u32, String> {
        match q.get(key).map(|v| v.trim()).filter(|v| !v.is_empty()) {
            None => Ok(default),
            Some(v) => v
                .parse()
                .map_err(|_| format!("`{key}` is a version number, not `{v}`")),
        }
    };
    let (from, to) = match (
        number("from", latest.saturating_sub(1).max(1)),
        number("to", latest),
    ) {
        (Ok(f), Ok(t)) => (f, t),
        (Err(why), _) | (_, Err(why)) => return not_accepted(&frame, &why, &back),
    };
    match state.app.guide_diff(&team, from, to).await {
        Ok(lines) => page(
            StatusCode::OK,
            pages::guide_diff(&frame, &team, &g.versions, (from, to), &lines),
        ),
        Err(e) => failure(&reader, &e, &back),
    }
}

/// `GET /teams/{team}/cheat-sheet`: the guide in plain words, to print.
pub async fn cheat_sheet(
    State(state): State<AppState>,
    reader: Reader,
    Path(team): Path<String>,
) -> Response {
    if reader.session.is_none() {
        return to_login(&format!("/teams/{team}/cheat-sheet"));
    }
    match state.app.cheat_sheet(&team).await {
        Ok(sheet) => {
            let frame = Frame::new(
                format!("Who decides what in {team}"),
                "guides",
                reader.user(),
            );
            page(StatusCode::OK, pages::cheat_sheet(&frame, &sheet))
        }
        Err(e) => failure(&reader, &e, "/guides"),
    }
}
