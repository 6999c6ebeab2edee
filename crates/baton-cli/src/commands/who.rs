//! `baton who`: "who decides this?" answered from the files, with reasons.

use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use baton_core::resolve::reason::Style;
use baton_core::resolve::render;
use baton_core::{Guide, OrgState, Request, Resolution, ResolveError, resolve};
use chrono::{DateTime, Utc};

use crate::cli::WhoArgs;
use crate::colour::{self, Stream};
use crate::files;

pub fn run(args: &WhoArgs) -> Result<ExitCode> {
    let request = Request {
        decision_type: args.decision_type.clone(),
        title: args.title.clone(),
        context: parse_ctx(&args.ctx)?,
        requester: args.requester.clone().map(Into::into),
        at: parse_at(args.at.as_deref())?,
    };
    if let Some(server) = &args.server {
        return ask_server(args, server, &request);
    }
    let guide = files::load(&args.files)?;
    let result = resolve(&guide, &OrgState::default(), &request);
    match (&result, args.json) {
        (Ok(r), true) => outln!("{}", serde_json::to_string_pretty(r)?),
        (Err(e), true) => outln!("{}", serde_json::to_string_pretty(&e.to_json())?),
        (Ok(r), false) => out!("{}", headline_strong(&with_names(&guide, r))),
        (Err(e), false) => out!("{}", render::error(e)),
    }
    Ok(if result.is_ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// The answer with its first line — who decides — in bold on a terminal.
fn headline_strong(text: &str) -> String {
    match text.split_once('\n') {
        Some((head, rest)) => format!("{}\n{rest}", colour::strong(head, Stream::Out)),
        None => colour::strong(text, Stream::Out),
    }
}

/// `key=value` pairs into a JSON object; values are JSON where they parse
/// (`rows=5000000` is a number, `urgent=true` a boolean), strings otherwise.
pub fn parse_ctx(pairs: &[String]) -> Result<serde_json::Value> {
    baton_core::resolve::context_of(pairs).map_err(|e| anyhow::anyhow!("--ctx {e}"))
}

pub fn parse_at(at: Option<&str>) -> Result<DateTime<Utc>> {
    match at {
        None => Ok(Utc::now()),
        Some(text) => instant_flag("--at", text),
    }
}

/// `text`, the value of `flag`, as an instant (RFC 3339 or a plain date).
pub fn instant_flag(flag: &str, text: &str) -> Result<DateTime<Utc>> {
    baton_core::parse_instant(text).with_context(|| {
        format!(
            "{flag} `{text}` is not an RFC 3339 instant like 2026-03-01T12:00:00Z or a date like 2026-03-01"
        )
    })
}

/// `who --server`: the same question put to `POST /api/v1/resolve`, the
/// same answer printed. Resolution errors are answers (exit 1); a refused
/// token or an unreachable server is a failure (exit 2).
fn ask_server(args: &WhoArgs, server: &str, request: &Request) -> Result<ExitCode> {
    let token = args.token.as_deref().context(
        "--server needs an API token: pass --token or set BATON_TOKEN (`baton token create` makes one)",
    )?;
    let team = args
        .team
        .as_deref()
        .context("--server needs --team: a server holds every team's guide")?;
    let url = format!("{}/api/v1/resolve", server.trim_end_matches('/'));
    let body = serde_json::json!({
        "team": team,
        "type": request.decision_type,
        "title": request.title,
        "context": request.context,
        "requester": request.requester,
        "at": request.at,
    });
    let (status, text) = super::app::block_on(async {
        let client = baton_server::http_client(std::time::Duration::from_secs(30))?;
        let response = client
            .post(&url)
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .with_context(|| format!("cannot reach `{url}`"))?;
        let status = response.status();
        Ok((status, response.text().await?))
    })?;
    if status.is_success() {
        let r: Resolution = serde_json::from_str(&text)
            .with_context(|| format!("`{url}` answered something that is not a resolution"))?;
        if args.json {
            outln!("{}", serde_json::to_string_pretty(&r)?);
        } else {
            out!(
                "{}",
                render::resolution(&r, Style::Text, &|id| id.to_owned())
            );
        }
        return Ok(ExitCode::SUCCESS);
    }
    let problem: serde_json::Value =
        serde_json::from_str(&text).unwrap_or_else(|_| serde_json::json!({"detail": text}));
    let detail = problem["detail"].as_str().unwrap_or(&text).to_owned();
    let as_resolve_error = serde_json::from_value::<ResolveError>(serde_json::json!({
        "code": problem["code"],
        "message": detail,
        "explanation": problem.get("explanation").cloned().unwrap_or(serde_json::json!([])),
    }));
    match as_resolve_error {
        Ok(e) => {
            if args.json {
                outln!("{}", serde_json::to_string_pretty(&e.to_json())?);
            } else {
                out!("{}", render::error(&e));
            }
            Ok(ExitCode::from(1))
        }
        Err(_) => bail!("`{url}` answered {status}: {detail}"),
    }
}

/// The human-readable answer, naming people from the guide's directory.
fn with_names(guide: &Guide, r: &Resolution) -> String {
    let name = |id: &str| {
        guide.directory.find(id).map_or_else(
            || id.to_owned(),
            |p| format!("{id} ({})", guide.directory.person(p).name),
        )
    };
    render::resolution(r, Style::Text, &name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ctx_values_are_json_where_they_parse() {
        let ctx = parse_ctx(&[
            "rows=5000000".into(),
            "urgency=critical".into(),
            "ok=true".into(),
            "q=\"7\"".into(),
        ])
        .unwrap();
        assert_eq!(
            ctx,
            serde_json::json!({"rows": 5_000_000, "urgency": "critical", "ok": true, "q": "7"})
        );
    }

    #[test]
    fn ctx_without_equals_is_refused() {
        assert!(parse_ctx(&["urgency".into()]).is_err());
        assert!(parse_ctx(&["=x".into()]).is_err());
    }
}
