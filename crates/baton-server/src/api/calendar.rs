//! iCalendar feeds (RFC 5545): a rotation's shifts, and a person's duties
//! (the shifts they hold and the deadlines of decisions they hold).
//! Calendar clients subscribe to a URL and cannot send headers, so these
//! feeds also take the token as `?token=`; a link followed from the
//! dashboard is answered on its session.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use baton_core::Guide;
use chrono::{DateTime, TimeDelta, Utc};
use serde::Deserialize;

use super::extract::{Params, RotationPath};
use crate::{AppState, Problem};

/// Unknown parameters are let through: calendar clients add their own.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub struct FeedQuery {
    /// The API token, for calendar clients that cannot send headers.
    token: Option<String>,
    /// Start of the feed (RFC 3339); default 30 days ago.
    from: Option<DateTime<Utc>>,
    /// End of the feed (RFC 3339); default 180 days ahead.
    to: Option<DateTime<Utc>>,
}

/// The window a feed covers: 30 days back to 180 days ahead by default.
fn window(q: &FeedQuery, now: DateTime<Utc>) -> Result<(DateTime<Utc>, DateTime<Utc>), Problem> {
    let (from, to) = super::window::window(q.from, q.to, now + TimeDelta::days(180), |_| {
        now - TimeDelta::days(30)
    })?;
    if to - from > TimeDelta::days(3 * 366) {
        return Err(Problem::bad_query(
            "`from` and `to` may be at most three years apart",
        ));
    }
    Ok((from, to))
}

/// The caller, from the Authorization header or else `?token=`.
async fn authenticate(state: &AppState, headers: &HeaderMap, q: &FeedQuery) -> Result<(), Problem> {
    if headers.contains_key(header::AUTHORIZATION) {
        return crate::auth::Signed::from_headers(state, headers)
            .await
            .map(|_| ());
    }
    let Some(secret) = &q.token else {
        // A link followed from the dashboard: its session's cookie.
        if let Some(session) = crate::web::cookie(headers, crate::web::COOKIE)
            && let Ok(Some(_)) = state.app.web_session(session, state.clock.now()).await
        {
            return Ok(());
        }
        return Err(Problem::unauthorized(
            "a token is required: `Authorization: Bearer TOKEN` or `?token=TOKEN`",
        ));
    };
    crate::auth::Signed::from_secret(state, secret)
        .await
        .map(|_| ())
}

fn stamp(t: DateTime<Utc>) -> String {
    t.format("%Y%m%dT%H%M%SZ").to_string()
}

/// RFC 5545 §3.3.11 text escaping.
fn escape(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace(';', "\\;")
        .replace(',', "\\,")
        .replace('\n', "\\n")
}

/// Writes one content line, folded at 75 octets (RFC 5545 §3.1).
fn line(out: &mut String, content: &str) {
    let mut width = 0;
    for ch in content.chars() {
        let len = ch.len_utf8();
        if width + len > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(ch);
        width += len;
    }
    out.push_str("\r\n");
}

struct Event {
    uid: String,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    summary: String,
}

fn calendar(name: &str, events: &[Event], now: DateTime<Utc>) -> Response {
    let mut out = String::new();
    let now = stamp(now);
    for l in [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//baton//deference engine//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
    ] {
        line(&mut out, l);
    }
    line(&mut out, &format!("X-WR-CALNAME:{}", escape(name)));
    for e in events {
        line(&mut out, "BEGIN:VEVENT");
        line(&mut out, &format!("UID:{}", e.uid));
        line(&mut out, &format!("DTSTAMP:{now}"));
        line(&mut out, &format!("DTSTART:{}", stamp(e.start)));
        line(&mut out, &format!("DTEND:{}", stamp(e.end)));
        line(&mut out, &format!("SUMMARY:{}", escape(&e.summary)));
        line(&mut out, "END:VEVENT");
    }
    line(&mut out, "END:VCALENDAR");
    (
        [(header::CONTENT_TYPE, "text/calendar; charset=utf-8")],
        out,
    )
        .into_response()
}

fn shift_events(
    guide: &Guide,
    rotation: &str,
    only: Option<&str>,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Vec<Event> {
    let Some(r) = guide.rotation(rotation) else {
        return Vec::new();
    };
    let dir = &guide.directory;
    r.shifts(dir, from, to)
        .into_iter()
        .filter(|s| only.is_none_or(|p| dir.id(s.holder) == p))
        .map(|s| {
            let p = dir.person(s.holder);
            Event {
                uid: format!("{}-{}-{}@baton", guide.team, rotation, stamp(s.start)),
                start: s.start,
                end: s.end,
                summary: format!("{rotation}: {} ({})", p.name, p.id),
            }
        })
        .collect()
}

/// `GET /api/v1/rotations/{team}/{name}.ics`
pub async fn rotation(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(RotationPath { team, file }): Path<RotationPath>,
    Params(q): Params<FeedQuery>,
) -> Result<Response, Problem> {
    authenticate(&state, &headers, &q).await?;
    let Some(name) = file.strip_suffix(".ics") else {
        return Err(Problem::not_found("rotation feeds end in `.ics`"));
    };
    let (from, to) = window(&q, state.clock.now())?;
    let guide = state.app.guide(&team).await?;
    if guide.rotation(name).is_none() {
        return Err(Problem::not_found(format!(
            "team `{team}` has no rotation `{name}`"
        )));
    }
    Ok(calendar(
        &format!("{team} {name}"),
        &shift_events(&guide, name, None, from, to),
        state.clock.now(),
    ))
}

/// `GET /api/v1/people/{id}.ics`: the shifts a person holds in every team's
/// rotations, and the deadlines of the open decisions they hold.
pub async fn person(
    state: AppState,
    headers: HeaderMap,
    id: &str,
    q: FeedQuery,
) -> Result<Response, Problem> {
    authenticate(&state, &headers, &q).await?;
    let (from, to) = window(&q, state.clock.now())?;
    if state.app.directory().await?.find(id).is_none() {
        return Err(Problem::not_found(format!(
            "`{id}` is not in the directory"
        )));
    }
    let mut events = Vec::new();
    for guide in state.app.guides().await? {
        for name in guide.rotation_index.keys() {
            events.extend(shift_events(&guide, name, Some(id), from, to));
        }
    }
    let open = baton_app::DecisionFilter {
        decider: Some(id.to_owned()),
        ..Default::default()
    };
    for d in state
        .app
        .list(&open)
        .await?
        .into_iter()
        .filter(|d| d.status.is_open())
    {
        let deadline = d.resolution.deliberation.deadline;
        if from <= deadline && deadline < to {
            events.push(Event {
                uid: format!("decision-{}-deadline@baton", d.id),
                start: deadline,
                end: deadline + TimeDelta::minutes(30),
                summary: format!("decide: {} (decision {})", d.title, d.id),
            });
        }
    }
    events.sort_by_key(|e| e.start);
    Ok(calendar(
        &format!("{id} duties"),
        &events,
        state.clock.now(),
    ))
}

#[cfg(test)]
mod tests {
    #[test]
    fn long_lines_fold_at_75_octets_and_text_is_escaped() {
        let mut out = String::new();
        super::line(&mut out, &"x".repeat(160));
        assert!(out.split("\r\n").all(|l| l.len() <= 75), "{out:?}");
        assert_eq!(super::escape("a,b;c\\d\ne"), "a\\,b\\;c\\\\d\\ne");
    }
}
