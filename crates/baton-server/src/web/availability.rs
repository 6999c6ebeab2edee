//! Breaks and hand-offs from the dashboard: forms on a person's page and on
//! Now, acting as the reader.

use std::collections::HashMap;

use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use baton_app::{BreakRequest, HandoffRequest};
use baton_core::availability::Answer;
use baton_web::pages::{self, Frame};
use chrono::{DateTime, NaiveDateTime, Utc};

use super::{Reader, failure, page, refused_form, signed_form, to_login};
use crate::AppState;

fn field(form: &HashMap<String, String>, key: &str) -> String {
    form.get(key)
        .map(|v| v.trim().to_owned())
        .unwrap_or_default()
}

/// An instant as a form sends it: RFC 3339, a date, or a browser's
/// `datetime-local` (`2026-06-02T10:00`), read as UTC.
fn instant(text: &str, name: &str) -> Result<DateTime<Utc>, String> {
    baton_core::parse_instant(text)
        .or_else(|| {
            NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M")
                .ok()
                .map(|t| t.and_utc())
        })
        .ok_or_else(|| format!("`{name}`: `{text}` is not an instant like 2026-06-02T10:00 (UTC)"))
}

/// A form that could not be read, as a page that says why.
fn unreadable(reader: &Reader, why: &str, back: &str) -> Response {
    let frame = Frame::new("Not accepted", "people", reader.user());
    page(
        StatusCode::UNPROCESSABLE_ENTITY,
        pages::message(&frame, "Not accepted", why, &[], back),
    )
}

/// `POST /breaks`: a break for the person the form names (the reader's
/// own, or someone's a steward or admin manages).
pub async fn take(
    State(state): State<AppState>,
    reader: Reader,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let person = field(&form, "person");
    let back = format!("/people/{person}");
    let caller = match signed_form(&reader, &form, &back) {
        Ok(caller) => caller,
        Err(refused) => return refused,
    };
    let (from, to) = match (
        instant(&field(&form, "from"), "from"),
        instant(&field(&form, "to"), "to"),
    ) {
        (Ok(f), Ok(t)) => (f, t),
        (Err(why), _) | (_, Err(why)) => return unreadable(&reader, &why, &back),
    };
    let request = BreakRequest {
        person: (!person.is_empty()).then_some(person.clone()),
        from,
        to,
        reason: field(&form, "reason"),
    };
    match state
        .app
        .take_break(&caller, request, state.clock.now())
        .await
    {
        Ok(_) => Redirect::to(&back).into_response(),
        Err(e) => failure(&reader, &e, &back),
    }
}

/// `POST /breaks/{id}/end`.
pub async fn end(
    State(state): State<AppState>,
    reader: Reader,
    Path(id): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let caller = match signed_form(&reader, &form, "/people") {
        Ok(caller) => caller,
        Err(refused) => return refused,
    };
    let Ok(number) = id.parse::<i64>() else {
        return unreadable(&reader, &format!("`{id}` is not a break number"), "/people");
    };
    match state
        .app
        .end_break(&caller, number, state.clock.now())
        .await
    {
        Ok(b) => Redirect::to(&format!("/people/{}", b.person)).into_response(),
        Err(e) => failure(&reader, &e, "/people"),
    }
}

/// `POST /handoffs`: offers a stretch of the reader's shift.
pub async fn offer(
    State(state): State<AppState>,
    reader: Reader,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let Some(caller) = reader.caller() else {
        return to_login("/");
    };
    let back = format!("/people/{}", caller.person);
    if let Some(refused) = refused_form(&reader, &form, &back) {
        return refused;
    }
    let (from, to) = match (
        instant(&field(&form, "from"), "from"),
        instant(&field(&form, "to"), "to"),
    ) {
        (Ok(f), Ok(t)) => (f, t),
        (Err(why), _) | (_, Err(why)) => return unreadable(&reader, &why, &back),
    };
    let request = HandoffRequest {
        team: field(&form, "team"),
        rotation: field(&form, "rotation"),
        colleague: field(&form, "colleague"),
        from,
        to,
        note: field(&form, "note"),
    };
    match state
        .app
        .offer_handoff(&caller, request, state.clock.now())
        .await
    {
        Ok(_) => Redirect::to(&back).into_response(),
        Err(e) => failure(&reader, &e, &back),
    }
}

/// `POST /handoffs/{id}/{answer}`: accept, decline or withdraw.
pub async fn answer(
    State(state): State<AppState>,
    reader: Reader,
    Path((id, word)): Path<(String, String)>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let caller = match signed_form(&reader, &form, "/") {
        Ok(caller) => caller,
        Err(refused) => return refused,
    };
    let answer = match word.as_str() {
        "accept" => Answer::Accept,
        "decline" => Answer::Decline,
        "withdraw" => Answer::Withdraw,
        other => {
            return unreadable(
                &reader,
                &format!("`{other}` is not an answer: accept, decline or withdraw"),
                "/",
            );
        }
    };
    let Ok(number) = id.parse::<i64>() else {
        return unreadable(&reader, &format!("`{id}` is not a hand-off number"), "/");
    };
    match state
        .app
        .answer_handoff(&caller, number, answer, state.clock.now())
        .await
    {
        Ok(_) => Redirect::to(&format!("/people/{}", caller.person)).into_response(),
        Err(e) => failure(&reader, &e, "/"),
    }
}
