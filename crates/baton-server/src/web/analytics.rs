//! Metrics with their charts, alerts with their evidence, the audit
//! matrix, and the report as one page to mail around.

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use baton_core::analytics::Window;
use baton_web::pages::{self, Frame, WindowPicker};
use chrono::{DateTime, Duration, Utc};

use super::{Reader, failure, page, to_login};
use crate::AppState;

/// How far back the metrics look by default, as the report does.
const DAYS: i64 = 90;

/// The picker as typed, and the window it names (`None` for an end left
/// open).
pub(super) struct Picked {
    pub picker: WindowPicker,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
}

/// What the picker asks for; an instant that does not read is an error to
/// show.
pub(super) fn picked(q: &HashMap<String, String>, teams: Vec<String>) -> Result<Picked, String> {
    let get = |k: &str| q.get(k).map(|v| v.trim().to_owned()).unwrap_or_default();
    let picker = WindowPicker {
        teams,
        team: get("team"),
        from: get("from"),
        to: get("to"),
    };
    let instant = |text: &str, name: &str| -> Result<Option<DateTime<Utc>>, String> {
        if text.is_empty() {
            return Ok(None);
        }
        baton_core::parse_instant(text)
            .map(Some)
            .ok_or_else(|| format!("`{text}` is not a date ({name})"))
    };
    let from = instant(&picker.from, "from")?;
    let to = instant(&picker.to, "to")?;
    if let (Some(f), Some(t)) = (from, to)
        && f >= t
    {
        return Err("`from` must come before `to`".into());
    }
    Ok(Picked { picker, from, to })
}

/// The window a picker names: up to `to` (now when open), from `from`
/// (`DAYS` before when open).
fn window_of(from: Option<DateTime<Utc>>, to: Option<DateTime<Utc>>, now: DateTime<Utc>) -> Window {
    let to = to.unwrap_or(now);
    Window {
        from: from.unwrap_or(to - Duration::days(DAYS)),
        to,
    }
}

/// A picker that does not read, as a page that says why.
pub(super) fn not_accepted(frame: &Frame, why: &str, back: &str) -> Response {
    page(
        StatusCode::UNPROCESSABLE_ENTITY,
        pages::message(frame, "Not accepted", why, &[], back),
    )
}

fn query_of(picker: &WindowPicker) -> String {
    serde_urlencoded::to_string([
        ("team", &picker.team),
        ("from", &picker.from),
        ("to", &picker.to),
    ])
    .unwrap_or_default()
}

/// `GET /analytics?team=&from=&to=` (`/metrics` is Prometheus's).
pub async fn metrics(
    State(state): State<AppState>,
    reader: Reader,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    if reader.session.is_none() {
        return to_login("/analytics");
    }
    let frame = Frame::new("Metrics", "metrics", reader.user());
    match picked_report(&state, &reader, &frame, &q).await {
        Ok((picker, report)) => page(
            StatusCode::OK,
            pages::metrics(&frame, &picker, &query_of(&picker), &report),
        ),
        Err(refused) => refused,
    }
}

/// The report for the team and window the query picks, or the page that
/// says why there is none.
async fn picked_report(
    state: &AppState,
    reader: &Reader,
    frame: &Frame,
    q: &HashMap<String, String>,
) -> Result<(WindowPicker, baton_app::Report), Response> {
    let teams = state.app.teams().await.unwrap_or_default();
    let Picked { picker, from, to } =
        picked(q, teams).map_err(|why| not_accepted(frame, &why, "/analytics"))?;
    let now = state.clock.now();
    let window = window_of(from, to, now);
    let team = (!picker.team.is_empty()).then_some(picker.team.as_str());
    match state.app.report(team, window, now).await {
        Ok(report) => Ok((picker, report)),
        Err(e) => Err(failure(reader, &e, "/analytics")),
    }
}

/// `GET /report.html?team=&from=&to=`: the report as one self-contained
/// page, to save and mail around.
pub async fn report_page(
    State(state): State<AppState>,
    reader: Reader,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    if reader.session.is_none() {
        return to_login("/analytics");
    }
    let frame = Frame::new("Report", "metrics", reader.user());
    match picked_report(&state, &reader, &frame, &q).await {
        // Self-contained: its styles are inline, which the pages' policy
        // does not allow; this one page carries its own.
        Ok((_, report)) => {
            let mut response = page(StatusCode::OK, baton_web::report_page(&report));
            response.headers_mut().insert(
                axum::http::header::CONTENT_SECURITY_POLICY,
                axum::http::HeaderValue::from_static(
                    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'",
                ),
            );
            response
        }
        Err(refused) => refused,
    }
}

/// `GET /alerts?team=`.
pub async fn alerts(
    State(state): State<AppState>,
    reader: Reader,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    if reader.session.is_none() {
        return to_login("/alerts");
    }
    let teams = state.app.teams().await.unwrap_or_default();
    let team = q
        .get("team")
        .map(|t| t.trim().to_owned())
        .unwrap_or_default();
    let scope = (!team.is_empty()).then_some(team.as_str());
    match state.app.alerts(scope, state.clock.now()).await {
        Ok(alerts) => {
            let frame = Frame::new("Alerts", "alerts", reader.user());
            page(
                StatusCode::OK,
                pages::alerts(&frame, &teams, &team, &alerts),
            )
        }
        Err(e) => failure(&reader, &e, "/alerts"),
    }
}

/// `GET /audit-matrix?team=&from=&to=`.
pub async fn audit(
    State(state): State<AppState>,
    reader: Reader,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    if reader.session.is_none() {
        return to_login("/audit-matrix");
    }
    let teams = state.app.teams().await.unwrap_or_default();
    let frame = Frame::new("Audit matrix", "audit", reader.user());
    let Picked { picker, from, to } = match picked(&q, teams) {
        Ok(p) => p,
        Err(why) => return not_accepted(&frame, &why, "/audit-matrix"),
    };
    let team = (!picker.team.is_empty()).then_some(picker.team.as_str());
    match state
        .app
        .audit_matrix(team, from, to, state.clock.now())
        .await
    {
        Ok(matrix) => page(StatusCode::OK, pages::audit(&frame, &picker, &matrix)),
        Err(e) => failure(&reader, &e, "/audit-matrix"),
    }
}
