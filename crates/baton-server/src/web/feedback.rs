//! Surveys (answered anonymously, results once they may be shown) and
//! confidence polls.

use std::collections::HashMap;

use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use baton_core::feedback::QuestionKind;
use baton_web::pages::{self, Flash, Frame};
use serde_json::Value;

use super::{Reader, failure, page, signed_form, to_login};
use crate::AppState;

/// `GET /surveys`: surveys and polls.
pub async fn list(State(state): State<AppState>, reader: Reader) -> Response {
    if reader.session.is_none() {
        return to_login("/surveys");
    }
    let surveys = match state.app.surveys(None).await {
        Ok(s) => s,
        Err(e) => return failure(&reader, &e, "/"),
    };
    let polls = match state.app.polls(None).await {
        Ok(p) => p,
        Err(e) => return failure(&reader, &e, "/"),
    };
    let frame = Frame::new("Surveys and polls", "surveys", reader.user());
    page(
        StatusCode::OK,
        pages::surveys(&frame, state.clock.now(), &surveys, &polls),
    )
}

/// `GET /surveys/{id}`.
pub async fn show(
    State(state): State<AppState>,
    reader: Reader,
    Path(id): Path<String>,
) -> Response {
    if reader.session.is_none() {
        return to_login(&format!("/surveys/{id}"));
    }
    shown(&state, &reader, &id, None).await
}

async fn shown(state: &AppState, reader: &Reader, id: &str, flash: Option<Flash>) -> Response {
    let Some(caller) = reader.caller() else {
        return to_login(&format!("/surveys/{id}"));
    };
    let Ok(number) = id.parse::<i64>() else {
        return not_a_number(reader, id, "/surveys");
    };
    let now = state.clock.now();
    let view = match state.app.survey(&caller, number).await {
        Ok(v) => v,
        Err(e) => return failure(reader, &e, "/surveys"),
    };
    let results = match state.app.survey_results(number, now).await {
        Ok(r) => r,
        Err(e) => return failure(reader, &e, "/surveys"),
    };
    let status = if flash.as_ref().is_some_and(|f| f.kind == "error") {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let frame = Frame::new(view.survey.title.clone(), "surveys", reader.user()).with_flash(flash);
    page(status, pages::survey(&frame, &view, &results, now))
}

fn not_a_number(reader: &Reader, id: &str, back: &str) -> Response {
    let frame = Frame::new("Not found", "surveys", reader.user());
    page(
        StatusCode::NOT_FOUND,
        pages::message(
            &frame,
            "Not found",
            &format!("`{id}` is not a number"),
            &[],
            back,
        ),
    )
}

/// The answers a survey form posted, as the API takes them: each
/// question's field read by its kind, skipped when left empty.
fn answers(
    questions: &[baton_core::feedback::Question],
    form: &HashMap<String, String>,
) -> serde_json::Map<String, Value> {
    let mut out = serde_json::Map::new();
    for q in questions {
        let Some(raw) = form.get(&q.id).map(|v| v.trim()).filter(|v| !v.is_empty()) else {
            continue;
        };
        let value = match q.kind {
            QuestionKind::Enps | QuestionKind::Scale => raw
                .parse::<i64>()
                .map_or_else(|_| Value::from(raw), Value::from),
            QuestionKind::YesNo => match raw {
                "yes" => Value::Bool(true),
                "no" => Value::Bool(false),
                other => Value::from(other),
            },
            QuestionKind::Text => Value::from(raw),
        };
        out.insert(q.id.clone(), value);
    }
    out
}

/// `POST /surveys/{id}/respond`: the reader's answers, stored without them.
pub async fn respond(
    State(state): State<AppState>,
    reader: Reader,
    Path(id): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let back = format!("/surveys/{id}");
    let caller = match signed_form(&reader, &form, &back) {
        Ok(caller) => caller,
        Err(refused) => return refused,
    };
    let Ok(number) = id.parse::<i64>() else {
        return not_a_number(&reader, &id, "/surveys");
    };
    let now = state.clock.now();
    let view = match state.app.survey(&caller, number).await {
        Ok(v) => v,
        Err(e) => return failure(&reader, &e, "/surveys"),
    };
    let given = answers(&view.survey.questions, &form);
    match state.app.respond(&caller, number, &given, now).await {
        Ok(()) => Redirect::to(&back).into_response(),
        Err(e) => {
            let flash = Flash::error(format!("{} ({})", e, baton_app::Failure::code(&e)));
            shown(&state, &reader, &id, Some(flash)).await
        }
    }
}

/// `GET /polls/{id}`.
pub async fn poll(
    State(state): State<AppState>,
    reader: Reader,
    Path(id): Path<String>,
) -> Response {
    if reader.session.is_none() {
        return to_login(&format!("/polls/{id}"));
    }
    let Ok(number) = id.parse::<i64>() else {
        return not_a_number(&reader, &id, "/surveys");
    };
    match state.app.poll(number).await {
        Ok(p) => {
            let frame = Frame::new(p.poll.question.clone(), "surveys", reader.user());
            page(StatusCode::OK, pages::poll(&frame, &p))
        }
        Err(e) => failure(&reader, &e, "/surveys"),
    }
}

/// `POST /polls/{id}/vote`: the reader's confidence, replacing theirs.
pub async fn vote(
    State(state): State<AppState>,
    reader: Reader,
    Path(id): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let back = format!("/polls/{id}");
    let caller = match signed_form(&reader, &form, &back) {
        Ok(caller) => caller,
        Err(refused) => return refused,
    };
    let Ok(number) = id.parse::<i64>() else {
        return not_a_number(&reader, &id, "/surveys");
    };
    let confidence = form
        .get("confidence")
        .and_then(|c| c.trim().parse::<u8>().ok())
        .unwrap_or(0);
    match state
        .app
        .vote(&caller, number, confidence, state.clock.now())
        .await
    {
        Ok(_) => Redirect::to(&back).into_response(),
        Err(e) => failure(&reader, &e, &back),
    }
}
