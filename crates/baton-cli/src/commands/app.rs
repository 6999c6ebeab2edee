//! What the commands that use a store share: a runtime, the application
//! over the store, and how a refusal is reported — the one place a kind of
//! failure becomes an exit code.

use std::process::ExitCode;

use anyhow::{Context, Result};
use baton_app::{App, ErrorKind, Failure};

/// Runs `f` on a single-threaded runtime: the CLI does one thing at a time.
pub fn block_on<T>(f: impl std::future::Future<Output = Result<T>>) -> Result<T> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?
        .block_on(f)
}

pub async fn connect(url: &str) -> Result<App> {
    Ok(App::connect(url).await?)
}

/// The exit code of each kind of failure: 1 for an answer ("no": refused,
/// not found, in conflict, not routable, invalid for the rules), printed
/// as `error[code]: message`; `None` for a failure of the tool or its
/// store, which `main` reports with exit 2.
pub fn exit_code(kind: ErrorKind) -> Option<u8> {
    match kind {
        ErrorKind::Invalid
        | ErrorKind::Forbidden
        | ErrorKind::NotFound
        | ErrorKind::Conflict
        | ErrorKind::Unresolvable
        | ErrorKind::Unauthenticated => Some(1),
        ErrorKind::StoreFull | ErrorKind::Unavailable | ErrorKind::Internal => None,
    }
}

/// Reports `err`: an answer is printed (as the §4.7 error object with
/// `json`) and exits 1; anything else is returned, for exit 2.
pub fn refusal<E>(err: E, json: bool) -> Result<ExitCode>
where
    E: Failure + Send + Sync + 'static,
{
    let Some(code) = exit_code(err.kind()) else {
        return Err(err.into());
    };
    if json {
        let mut body =
            serde_json::json!({"error": {"code": err.code(), "message": err.to_string()}});
        if let Some(explanation) = err.explanation() {
            body["error"]["explanation"] = serde_json::json!(explanation);
        }
        outln!("{}", serde_json::to_string_pretty(&body)?);
    } else {
        eprintln!("error[{}]: {err}", err.code());
        for line in err.explanation().unwrap_or_default() {
            eprintln!("  - {line}");
        }
    }
    Ok(ExitCode::from(code))
}
