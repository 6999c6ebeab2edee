//! Now, Ask, the log and a decision's page, with the forms to act on it.

use std::collections::HashMap;

use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use baton_app::{DecisionFilter, OpenRequest, ResolveRequest};
use baton_core::DecisionId;
use baton_core::lifecycle::{Action, OutcomeResult, Status, act};
use baton_web::pages::{self, AskForm, Flash, Frame, LogFilter, OpenRow, Trail};

use super::{Reader, failure, page, signed_form, to_login};
use crate::AppState;

/// Decisions a page of the log shows.
const PAGE: usize = 50;

/// `GET /`: what waits for the reader, who holds each rotation, what is open.
pub async fn now(State(state): State<AppState>, reader: Reader) -> Response {
    let Some(caller) = reader.caller() else {
        return to_login("/");
    };
    let now = state.clock.now();
    let waiting = match state.app.waiting(&caller, now).await {
        Ok(w) => w,
        Err(e) => return failure(&reader, &e, "/"),
    };
    let rotations = match state.app.rotations_now(now).await {
        Ok(r) => r,
        Err(e) => return failure(&reader, &e, "/"),
    };
    let open = match state.app.undecided().await {
        Ok(open) => open.iter().map(|d| OpenRow::of(d, now)).collect::<Vec<_>>(),
        Err(e) => return failure(&reader, &e, "/"),
    };
    let frame = Frame::new("Now", "now", reader.user());
    page(
        StatusCode::OK,
        pages::now(&frame, Some(&waiting), &rotations, &open),
    )
}

/// The value of `key` in a query or form, empty when absent.
fn field(map: &HashMap<String, String>, key: &str) -> String {
    map.get(key)
        .map(|v| v.trim().to_owned())
        .unwrap_or_default()
}

/// `key=value` lines (or `&`-free pairs) as a JSON object, values JSON
/// where they parse.
fn context(text: &str) -> serde_json::Value {
    let mut map = serde_json::Map::new();
    for line in text.lines().flat_map(|l| l.split(',')) {
        if let Some((k, v)) = line.split_once('=') {
            let key = k.trim();
            if !key.is_empty() {
                map.insert(key.to_owned(), baton_core::resolve::context_value(v.trim()));
            }
        }
    }
    serde_json::Value::Object(map)
}

/// `GET /ask`: "who decides this?", answered when a type is given.
pub async fn ask(
    State(state): State<AppState>,
    reader: Reader,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let Some(caller) = reader.caller() else {
        return to_login("/ask");
    };
    let teams = state.app.teams().await.unwrap_or_default();
    let mut form = AskForm {
        team: field(&q, "team"),
        decision_type: field(&q, "type"),
        requester: field(&q, "requester"),
        at: field(&q, "at"),
        ctx: q.get("ctx").cloned().unwrap_or_default(),
        title: field(&q, "title"),
    };
    if form.team.is_empty() {
        form.team = teams.first().cloned().unwrap_or_default();
    }
    if form.requester.is_empty() {
        form.requester = caller.person.clone();
    }
    let types: Vec<String> = match state.app.guide(&form.team).await {
        Ok(g) => {
            let mut t: Vec<String> = g.types.keys().cloned().collect();
            t.sort();
            t
        }
        Err(_) => Vec::new(),
    };
    let frame = Frame::new("Ask", "ask", reader.user());
    if form.decision_type.is_empty() {
        return page(
            StatusCode::OK,
            pages::ask(&frame, &form, &teams, &types, None),
        );
    }
    let at = if form.at.is_empty() {
        state.clock.now()
    } else {
        match baton_core::parse_instant(&form.at) {
            Some(at) => at,
            None => {
                let frame = frame.with_flash(Some(Flash::error(format!(
                    "`{}` is not an instant like 2026-03-01T12:00:00Z or a date like 2026-03-01",
                    form.at
                ))));
                return page(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    pages::ask(&frame, &form, &teams, &types, None),
                );
            }
        }
    };
    let session = match state.app.session_of(&caller).await {
        Ok(s) => s,
        Err(e) => return failure(&reader, &e, "/ask"),
    };
    let request = ResolveRequest {
        team: form.team.clone(),
        decision_type: form.decision_type.clone(),
        title: form.title.clone(),
        context: context(&form.ctx),
        requester: Some(form.requester.clone()),
    };
    match state.app.resolve(&session, request, at).await {
        Ok(r) => page(
            StatusCode::OK,
            pages::ask(&frame, &form, &teams, &types, Some(Ok(&r))),
        ),
        Err(e) => match e.resolve_error() {
            Some(refusal) => page(
                StatusCode::OK,
                pages::ask(&frame, &form, &teams, &types, Some(Err(refusal))),
            ),
            None => failure(&reader, &e, "/ask"),
        },
    }
}

/// `POST /decisions`: open a decision as the reader.
pub async fn open(
    State(state): State<AppState>,
    reader: Reader,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let caller = match signed_form(&reader, &form, "/ask") {
        Ok(caller) => caller,
        Err(refused) => return refused,
    };
    let request = OpenRequest {
        team: field(&form, "team"),
        decision_type: field(&form, "type"),
        title: field(&form, "title"),
        context: context(form.get("ctx").map_or("", String::as_str)),
    };
    match state.app.open(&caller, request, state.clock.now()).await {
        Ok(d) => Redirect::to(&format!("/decisions/{}", d.id)).into_response(),
        Err(e) => failure(&reader, &e, "/ask"),
    }
}

/// `GET /decisions`: the log, searched, filtered and paged.
pub async fn log(
    State(state): State<AppState>,
    reader: Reader,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    if reader.session.is_none() {
        return to_login("/decisions");
    }
    let filter = LogFilter {
        q: field(&q, "q"),
        team: field(&q, "team"),
        decision_type: field(&q, "type"),
        status: field(&q, "status"),
        decider: field(&q, "decider"),
        from: field(&q, "from"),
        to: field(&q, "to"),
    };
    let id = |key: &str| field(&q, key).parse::<DecisionId>().ok();
    let (before, after) = (id("before"), id("after"));
    let oldest = field(&q, "oldest") == "1";
    let ascending = after.is_some() || (oldest && before.is_none());
    let some = |v: &str| (!v.is_empty()).then(|| v.to_owned());
    let query = DecisionFilter {
        team: some(&filter.team),
        decision_type: some(&filter.decision_type),
        status: Status::parse(&filter.status),
        decider: some(&filter.decider),
        text: some(&filter.q),
        opened_from: baton_core::parse_instant(&filter.from),
        opened_to: baton_core::parse_instant(&filter.to),
        // One more than shown, to know whether more follow.
        limit: Some(PAGE as i64 + 1),
        before,
        after,
        oldest_first: ascending,
        ..DecisionFilter::default()
    };
    let mut rows = match state.app.list(&query).await {
        Ok(rows) => rows,
        Err(e) => return failure(&reader, &e, "/decisions"),
    };
    let more = rows.len() > PAGE;
    rows.truncate(PAGE);
    if ascending {
        rows.reverse();
    }
    let teams = state.app.teams().await.unwrap_or_default();
    let link = |key: &str, value: String| {
        let mut pairs: Vec<(&str, &str)> = vec![];
        for (k, v) in [
            ("q", &filter.q),
            ("team", &filter.team),
            ("type", &filter.decision_type),
            ("status", &filter.status),
            ("decider", &filter.decider),
            ("from", &filter.from),
            ("to", &filter.to),
        ] {
            if !v.is_empty() {
                pairs.push((k, v));
            }
        }
        if !key.is_empty() {
            pairs.push((key, &value));
        }
        format!(
            "/decisions?{}",
            serde_urlencoded::to_string(&pairs).unwrap_or_default()
        )
    };
    let (newest_id, oldest_id) = (rows.first().map(|d| d.id), rows.last().map(|d| d.id));
    // Read newest first, older pages follow when more rows did, and newer
    // ones when this page was reached going back; read oldest first, the
    // other way round.
    let (has_newer, has_older) = if ascending {
        (more, after.is_some())
    } else {
        (before.is_some(), more)
    };
    let paging = pages::Paging {
        newer: has_newer
            .then_some(newest_id)
            .flatten()
            .map(|id| link("after", id.to_string())),
        newest: has_newer.then(|| link("", String::new())),
        older: has_older
            .then_some(oldest_id)
            .flatten()
            .map(|id| link("before", id.to_string())),
        oldest: has_older.then(|| link("oldest", "1".into())),
    };
    let frame = Frame::new("Decisions", "decisions", reader.user());
    page(
        StatusCode::OK,
        pages::decisions(&frame, &filter, &teams, &rows, paging),
    )
}

/// `GET /decisions/{id}`.
pub async fn show(
    State(state): State<AppState>,
    reader: Reader,
    Path(id): Path<String>,
) -> Response {
    let back = format!("/decisions/{id}");
    if reader.session.is_none() {
        return to_login(&back);
    }
    shown(&state, &reader, &id, None).await
}

/// A decision's page, with `flash` above it.
async fn shown(state: &AppState, reader: &Reader, id: &str, flash: Option<Flash>) -> Response {
    let Ok(id) = id.parse::<DecisionId>() else {
        let frame = Frame::new("Not found", "decisions", reader.user());
        return page(
            StatusCode::NOT_FOUND,
            pages::message(
                &frame,
                "Not found",
                &format!("`{id}` is not a decision number"),
                &[],
                "/decisions",
            ),
        );
    };
    match state.app.show(id).await {
        Ok((d, events)) => {
            let offers = match reader.caller() {
                Some(caller) => state
                    .app
                    .offers(&caller, &d, state.clock.now())
                    .await
                    .unwrap_or_default(),
                None => Vec::new(),
            };
            let trail: Vec<Trail> = events
                .into_iter()
                .map(|e| Trail {
                    seq: e.seq,
                    kind: e.kind,
                    actor: e.actor,
                    at: e.at,
                    hash: e.hash,
                })
                .collect();
            let status = if flash.as_ref().is_some_and(|f| f.kind == "error") {
                StatusCode::UNPROCESSABLE_ENTITY
            } else {
                StatusCode::OK
            };
            let frame = Frame::new(format!("#{} {}", d.id, d.title), "decisions", reader.user())
                .with_flash(flash);
            page(status, pages::decision(&frame, &d, &trail, &offers))
        }
        Err(e) => failure(reader, &e, "/decisions"),
    }
}

/// The action a decision page's form posts.
fn action(name: &str, form: &HashMap<String, String>) -> Result<Action, String> {
    let text = |k: &str| field(form, k);
    let optional = |k: &str| Some(field(form, k)).filter(|v| !v.is_empty());
    let number = |k: &str| -> Result<Option<u8>, String> {
        optional(k)
            .map(|v| {
                v.parse::<u8>()
                    .map_err(|_| format!("{k} must be a number from 1 to 5"))
            })
            .transpose()
    };
    Ok(match name {
        "position" => Action::Position(act::Position {
            option: text("option"),
            rationale: text("rationale"),
            confidence: number("confidence")?.unwrap_or(0),
            risk: number("risk")?,
            reversible: None,
        }),
        "object" => Action::Object(act::Object {
            reason: text("reason"),
        }),
        "delegate" => Action::Delegate(act::Delegate {
            to: text("to")
                .parse()
                .map_err(|e: baton_core::ident::BadId| e.to_string())?,
            reason: text("reason"),
        }),
        "decide" => Action::Decide(act::Decide {
            option: text("option"),
            rationale: text("rationale"),
            override_reason: optional("override_reason"),
            review_on: optional("review_on")
                .map(|d| {
                    d.parse()
                        .map_err(|_| format!("`{d}` is not a date like 2026-03-01"))
                })
                .transpose()?,
        }),
        "outcome" => Action::Outcome(act::Outcome {
            result: OutcomeResult::parse(&text("result"))
                .ok_or_else(|| "the result is success, partial or failure".to_owned())?,
            notes: text("notes"),
        }),
        "escalate" => Action::Escalate,
        "withdraw" => Action::Withdraw,
        other => return Err(format!("`{other}` is not something one does to a decision")),
    })
}

/// `POST /decisions/{id}/{action}`: act as the reader; the page again,
/// with what happened or why not.
pub async fn act(
    State(state): State<AppState>,
    reader: Reader,
    Path((id, name)): Path<(String, String)>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let back = format!("/decisions/{id}");
    let caller = match signed_form(&reader, &form, &back) {
        Ok(caller) => caller,
        Err(refused) => return refused,
    };
    let Ok(number) = id.parse::<DecisionId>() else {
        return shown(&state, &reader, &id, None).await;
    };
    let action = match action(&name, &form) {
        Ok(a) => a,
        Err(why) => return shown(&state, &reader, &id, Some(Flash::error(why))).await,
    };
    match state
        .app
        .act(&caller, number, &action, state.clock.now())
        .await
    {
        Ok(_) => Redirect::to(&back).into_response(),
        Err(e) => {
            shown(
                &state,
                &reader,
                &id,
                Some(Flash::error(format!(
                    "{} ({})",
                    e,
                    baton_app::Failure::code(&e)
                ))),
            )
            .await
        }
    }
}

/// `GET /verify`: the form, and with `run`, the chain recomputed and every
/// stored row proven from it (the button on a decision's page).
pub async fn verify(
    State(state): State<AppState>,
    reader: Reader,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    if reader.session.is_none() {
        return to_login("/verify");
    }
    let head = field(&q, "head");
    let frame = Frame::new("Verify", "decisions", reader.user());
    if !q.contains_key("run") {
        return page(StatusCode::OK, pages::verify(&frame, &head, None));
    }
    let noted = if head.is_empty() {
        None
    } else {
        match head.parse::<baton_app::NotedHead>() {
            Ok(h) => Some(h),
            Err(why) => {
                let frame = frame.with_flash(Some(Flash::error(why)));
                return page(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    pages::verify(&frame, &head, None),
                );
            }
        }
    };
    match state.app.verify(noted.as_ref()).await {
        Ok(report) => page(StatusCode::OK, pages::verify(&frame, &head, Some(&report))),
        Err(e) => failure(&reader, &e, "/verify"),
    }
}
