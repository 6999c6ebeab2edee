//! What the store-backed commands share: a runtime, the connection, and how
//! a refused action is reported.

use std::process::ExitCode;

use anyhow::{Context, Result};
use baton_store::{Store, StoreError};

/// Runs `f` on a single-threaded runtime: the CLI does one thing at a time.
pub fn block_on<T>(f: impl std::future::Future<Output = Result<T>>) -> Result<T> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?
        .block_on(f)
}

pub async fn connect(url: &str) -> Result<Store> {
    Ok(Store::connect(url).await?)
}

/// An action the rules refused (forbidden, conflict, not found, unresolvable)
/// is an answer, exit 1, printed as `error[code]: message`; anything else is
/// a failure of the tool, returned as an error (exit 2).
pub fn refusal(err: StoreError, json: bool) -> Result<ExitCode> {
    let answer = matches!(
        err,
        StoreError::Lifecycle(_)
            | StoreError::Resolve(_)
            | StoreError::NotFound(_)
            | StoreError::Conflict(_)
            | StoreError::NoGuide(_)
    );
    if !answer {
        return Err(err.into());
    }
    if json {
        let mut body =
            serde_json::json!({"error": {"code": err.code(), "message": err.to_string()}});
        if let StoreError::Resolve(r) = &err {
            body["error"]["explanation"] = serde_json::json!(r.explanation);
        }
        println!("{}", serde_json::to_string_pretty(&body)?);
    } else {
        eprintln!("error[{}]: {err}", err.code());
        if let StoreError::Resolve(r) = &err {
            for line in &r.explanation {
                eprintln!("  - {line}");
            }
        }
    }
    Ok(ExitCode::from(1))
}
