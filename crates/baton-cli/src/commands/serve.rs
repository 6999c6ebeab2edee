//! `baton serve`: the HTTP API until SIGTERM or Ctrl-C, finishing requests
//! in flight.

use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use baton_core::demo;
use baton_core::lifecycle::Role;
use baton_server::{AppState, Clock};
use baton_store::Store;

use super::store::connect;
use crate::cli::Db;

pub fn run(
    db: &Db,
    listen: &str,
    tick_every: u64,
    demo: bool,
    clock: Option<&str>,
) -> Result<ExitCode> {
    let clock = match clock {
        None => Clock::system(),
        Some(text) => Clock::starting_at(
            super::who::parse_at(Some(text)).context("--clock needs an RFC 3339 instant")?,
        ),
    };
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
            let admin_token = if demo {
                Some(prepare_demo(&store, &db.db, clock).await?)
            } else {
                None
            };
            let listener = tokio::net::TcpListener::bind(listen)
                .await
                .with_context(|| format!("cannot listen on `{listen}`"))?;
            let address = listener.local_addr()?;
            let mut banner = format!("baton serving http://{address} ({} store)\n", store.kind());
            if let Some(token) = admin_token {
                banner.push_str(&format!(
                    "admin token ({}): {token}\ntry: curl -H 'Authorization: Bearer {token}' http://{address}/api/v1/decisions\n",
                    demo::ADMIN
                ));
            }
            say(&banner);
            let watcher = store
                .watch()
                .await
                .context("cannot listen for changes from other replicas")?;
            let deadlines = baton_server::deadlines::spawn(
                store.clone(),
                std::time::Duration::from_secs(tick_every),
                clock,
            );
            let webhooks = baton_server::webhooks::spawn(
                store.clone(),
                baton_server::webhooks::Config::default(),
            );
            let state = AppState::new(store)
                .with_clock(clock)
                .with_slack_secret(std::env::var("BATON_SLACK_SIGNING_SECRET").ok());
            baton_server::run(listener, state, shutdown()).await?;
            deadlines.abort();
            webhooks.abort();
            if let Some(w) = watcher {
                w.abort();
            }
            Ok(ExitCode::SUCCESS)
        })
}

/// Seeds an empty store with the demo organisation (or reuses one seeded
/// before), brings it up to now (`liven`) and returns a fresh admin token
/// for it. A store holding any other
/// organisation is refused: the demo must never mix with real data.
async fn prepare_demo(store: &Store, url: &str, clock: Clock) -> Result<String> {
    use baton_store::demo::DemoState;
    match baton_store::demo::demo_state(store).await? {
        DemoState::Empty => {
            eprintln!("seeding {url} with the demo organisation…");
            let bar = indicatif::ProgressBar::new(0);
            let seeded = baton_store::demo::seed(store, clock.now(), |done, total| {
                bar.set_length(total as u64);
                bar.set_position(done as u64);
            })
            .await
            .context("cannot seed the demo organisation")?;
            bar.finish_and_clear();
            eprintln!(
                "demo: {} people, {} teams, {} decisions, {} actions",
                seeded.people, seeded.teams, seeded.decisions, seeded.actions
            );
        }
        DemoState::Seeded => {}
        DemoState::Interrupted => bail!(
            "`{url}` holds a demo whose seeding was interrupted: remove it and run `baton serve --demo` again"
        ),
        DemoState::Other => bail!(
            "`{url}` already holds an organisation that is not the demo: \
             run the demo on a new store, e.g. `baton serve --demo --db sqlite://./baton-demo.db`"
        ),
    }
    let livened = baton_store::demo::liven(store, clock.now())
        .await
        .context("cannot bring the demo up to now")?;
    if livened != baton_store::demo::Livened::default() {
        eprintln!(
            "demo: opened {} decisions now, so that each open state holds some; {} new surveys, {} new polls",
            livened.decisions, livened.surveys, livened.polls
        );
    }
    let (_, token) = store
        .create_token(demo::ADMIN, Role::Admin, clock.now())
        .await
        .context("cannot create the demo's admin token")?;
    Ok(token)
}

/// Writes to stdout in one piece, ignoring a closed stdout: a server must
/// not stop because whoever started it stopped reading.
fn say(text: &str) {
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
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
