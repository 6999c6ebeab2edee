//! `baton serve`: the HTTP API until SIGTERM or Ctrl-C, finishing requests
//! in flight.

use std::process::ExitCode;

use anyhow::{Context, Result};
use baton_server::AppState;

use super::store::connect;
use crate::cli::Db;

pub fn run(db: &Db, listen: &str, tick_every: u64) -> Result<ExitCode> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?
        .block_on(async {
            let store = connect(&db.db).await?;
            let listener = tokio::net::TcpListener::bind(listen)
                .await
                .with_context(|| format!("cannot listen on `{listen}`"))?;
            let address = listener.local_addr()?;
            println!("baton serving http://{address} ({} store)", store.kind());
            let deadlines = baton_server::deadlines::spawn(
                store.clone(),
                std::time::Duration::from_secs(tick_every),
            );
            let state = AppState::new(store)
                .with_slack_secret(std::env::var("BATON_SLACK_SIGNING_SECRET").ok());
            baton_server::run(listener, state, shutdown()).await?;
            deadlines.abort();
            Ok(ExitCode::SUCCESS)
        })
}

/// Resolves on SIGTERM or Ctrl-C.
async fn shutdown() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
}
