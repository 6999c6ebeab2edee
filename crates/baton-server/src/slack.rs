//! Slack slash commands (`/baton who|open|decide …`), verified with Slack's
//! signing secret: `v0=` HMAC-SHA256 over `v0:{timestamp}:{body}`, within a
//! five-minute replay window. Anyone in the workspace may ask `who`; only a
//! person whose `slack` field holds their user id may act.

use baton_core::lifecycle::act;
use std::fmt;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use baton_core::lifecycle::Action;
use hmac::Mac;
use serde::Deserialize;

use crate::{AppState, Problem};

/// Requests older or newer than this are refused as replays.
pub const REPLAY_WINDOW_SECONDS: i64 = 5 * 60;

/// The signing secret, never printed.
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    pub fn new(secret: String) -> Self {
        Self(secret)
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(redacted)")
    }
}

/// Slack's signature of `body` sent at `timestamp`: `v0=` + hex of
/// HMAC-SHA256 over `v0:{timestamp}:{body}`.
pub fn signature(secret: &str, timestamp: &str, body: &[u8]) -> Option<String> {
    crate::signing::hex(secret, &[b"v0:", timestamp.as_bytes(), b":", body])
        .map(|h| format!("v0={h}"))
}

/// Checks the signature (in constant time) and the replay window.
pub fn verify(secret: &str, headers: &HeaderMap, body: &[u8], now: i64) -> Result<(), Problem> {
    let unauthorized =
        |detail: &str| Problem::new(StatusCode::UNAUTHORIZED, "bad_signature", detail);
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let timestamp = header("x-slack-request-timestamp")
        .ok_or_else(|| unauthorized("X-Slack-Request-Timestamp is missing"))?;
    let sent: i64 = timestamp
        .parse()
        .map_err(|_| unauthorized("X-Slack-Request-Timestamp is not a number"))?;
    if now.abs_diff(sent) > REPLAY_WINDOW_SECONDS.unsigned_abs() {
        return Err(unauthorized(
            "the request is older than five minutes (or from the future): refused as a replay",
        ));
    }
    let given = header("x-slack-signature")
        .and_then(|s| s.strip_prefix("v0="))
        .ok_or_else(|| unauthorized("X-Slack-Signature is missing"))?;
    let given = crate::signing::unhex(given)
        .ok_or_else(|| unauthorized("X-Slack-Signature must be v0= and 64 hex digits"))?;
    crate::signing::mac(secret, &[b"v0:", timestamp.as_bytes(), b":", body])
        .ok_or_else(|| unauthorized("the signing secret is unusable"))?
        .verify_slice(&given)
        .map_err(|_| unauthorized("the signature does not match"))
}

#[derive(Debug, Deserialize)]
struct Form {
    user_id: String,
    #[serde(default)]
    text: String,
}

/// A Slack message reply.
fn reply(in_channel: bool, text: String) -> Json<serde_json::Value> {
    Json(serde_json::json!({
        "response_type": if in_channel { "in_channel" } else { "ephemeral" },
        "text": text,
    }))
}

const HELP: &str = "usage: `/baton who TYPE [key=value…] [team=NAME]`, `/baton open TYPE TITLE… [team=NAME]`, `/baton decide ID OPTION [rationale…]`";

pub async fn command(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<serde_json::Value>, Problem> {
    let Some(secret) = &state.slack_secret else {
        return Err(Problem::new(
            StatusCode::NOT_FOUND,
            "slack_disabled",
            "set BATON_SLACK_SIGNING_SECRET to turn on the Slack integration",
        ));
    };
    verify(&secret.0, &headers, &body, chrono::Utc::now().timestamp())?;
    let form: Form = serde_urlencoded::from_bytes(&body)
        .map_err(|e| Problem::new(StatusCode::BAD_REQUEST, "invalid_body", e.to_string()))?;
    let words: Vec<&str> = form.text.split_whitespace().collect();
    let (team_arg, words): (Vec<&str>, Vec<&str>) =
        words.into_iter().partition(|w| w.starts_with("team="));
    let answer = match words.split_first() {
        Some((&"who", rest)) => {
            who(
                &state,
                &form.user_id,
                team_arg.first().map(|t| &t[5..]),
                rest,
            )
            .await
        }
        Some((&"open", rest)) => {
            open(
                &state,
                &form.user_id,
                team_arg.first().map(|t| &t[5..]),
                rest,
            )
            .await
        }
        Some((&"decide", rest)) => decide(&state, &form.user_id, rest).await,
        _ => Ok((false, HELP.to_owned())),
    };
    Ok(match answer {
        Ok((in_channel, text)) => reply(in_channel, text),
        Err(Refusal(text)) => reply(false, text),
    })
}

/// A command's refusal, as Slack shows it: the message and its code.
struct Refusal(String);

impl<E: baton_app::Failure> From<E> for Refusal {
    fn from(e: E) -> Self {
        Refusal(format!("{e} ({})", e.code()))
    }
}

type Answer = Result<(bool, String), Refusal>;

fn context(pairs: &[&str]) -> Result<serde_json::Value, Refusal> {
    baton_core::resolve::context_of(pairs).map_err(|e| Refusal(format!("{e} (invalid)")))
}

async fn who(state: &AppState, user_id: &str, named: Option<&str>, rest: &[&str]) -> Answer {
    let Some((decision_type, pairs)) = rest.split_first() else {
        return Ok((false, HELP.to_owned()));
    };
    let team = state.app.team_or_only(named).await?;
    // Anyone in the workspace may ask; a mapped person asks as themselves.
    let requester = state.app.slack_caller(user_id).await?.map(|c| c.person);
    let request = baton_core::Request {
        decision_type: (*decision_type).to_owned(),
        title: String::new(),
        context: context(pairs)?,
        requester,
        at: state.clock.now(),
    };
    let r = state.app.who(&team, request).await?;
    let text = baton_core::resolve::render::resolution(
        &r,
        baton_core::resolve::reason::Style::Slack,
        &|id| id.to_owned(),
    );
    Ok((true, text))
}

async fn open(state: &AppState, user_id: &str, named: Option<&str>, rest: &[&str]) -> Answer {
    let Some((decision_type, words)) = rest.split_first() else {
        return Ok((false, HELP.to_owned()));
    };
    let caller = state.app.slack_actor(user_id).await?;
    let (pairs, title): (Vec<&str>, Vec<&str>) = words.iter().partition(|w| w.contains('='));
    if title.is_empty() {
        return Ok((
            false,
            "a decision needs a title: `/baton open TYPE TITLE…`".to_owned(),
        ));
    }
    let request = baton_app::OpenRequest {
        team: state.app.team_or_only(named).await?,
        decision_type: (*decision_type).to_owned(),
        title: title.join(" "),
        context: context(&pairs)?,
    };
    let d = state.app.open(&caller, request, state.clock.now()).await?;
    Ok((
        true,
        format!(
            "Opened decision {}: {} — *{}* decides ({})",
            d.id,
            d.title,
            d.decider,
            d.status.as_str()
        ),
    ))
}

async fn decide(state: &AppState, user_id: &str, rest: &[&str]) -> Answer {
    let (Some(id), Some(option)) = (
        rest.first()
            .and_then(|i| i.parse::<baton_core::DecisionId>().ok()),
        rest.get(1),
    ) else {
        return Ok((false, HELP.to_owned()));
    };
    let caller = state.app.slack_actor(user_id).await?;
    let rationale = if rest.len() > 2 {
        rest[2..].join(" ")
    } else {
        "decided in Slack".to_owned()
    };
    let action = Action::Decide(act::Decide {
        option: (*option).to_owned(),
        rationale,
        override_reason: None,
        review_on: None,
    });
    let d = state
        .app
        .act(&caller, id, &action, state.clock.now())
        .await?;
    Ok((
        true,
        format!(
            "Decision {} decided: `{}` by {}",
            d.id,
            option,
            d.decided_by.as_deref().unwrap_or("?")
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The worked example of Slack's "Verifying requests from Slack".
    const SECRET: &str = "8f742231b10e8888abcd99yyyzzz85a5";
    const TIMESTAMP: &str = "1531420618";
    const BODY: &str = "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
    const SIGNATURE: &str = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503";

    fn headers(timestamp: &str, signature: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("x-slack-request-timestamp", timestamp.parse().unwrap());
        h.insert("x-slack-signature", signature.parse().unwrap());
        h
    }

    #[test]
    fn slacks_documented_example_signs_and_verifies() {
        assert_eq!(
            signature(SECRET, TIMESTAMP, BODY.as_bytes()).as_deref(),
            Some(SIGNATURE)
        );
        assert!(
            verify(
                SECRET,
                &headers(TIMESTAMP, SIGNATURE),
                BODY.as_bytes(),
                1_531_420_618
            )
            .is_ok()
        );
    }

    #[test]
    fn a_changed_body_a_wrong_secret_or_a_stale_timestamp_is_refused() {
        let h = headers(TIMESTAMP, SIGNATURE);
        assert!(verify(SECRET, &h, b"token=other", 1_531_420_618).is_err());
        assert!(verify("another-secret", &h, BODY.as_bytes(), 1_531_420_618).is_err());
        let err = verify(
            SECRET,
            &h,
            BODY.as_bytes(),
            1_531_420_618 + REPLAY_WINDOW_SECONDS + 1,
        )
        .unwrap_err();
        assert!(err.detail.contains("replay"), "{}", err.detail);
        assert!(
            verify(
                SECRET,
                &headers(TIMESTAMP, "v0=zz"),
                BODY.as_bytes(),
                1_531_420_618
            )
            .is_err()
        );
    }

    #[test]
    fn a_timestamp_at_the_edge_of_i64_is_refused_not_a_panic() {
        for timestamp in [i64::MIN, i64::MAX] {
            let err = verify(
                SECRET,
                &headers(&timestamp.to_string(), SIGNATURE),
                BODY.as_bytes(),
                1_531_420_618,
            )
            .unwrap_err();
            assert!(err.detail.contains("replay"), "{}", err.detail);
        }
    }
}
