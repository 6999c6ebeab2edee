//! `baton serve`: the HTTP API until SIGTERM or Ctrl-C, finishing requests
//! in flight.

use std::process::ExitCode;

use anyhow::{Context, Result};
use baton_app::App;
use baton_server::{AppState, Clock};

use super::app::connect;
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
            let app = connect(&db.db).await?;
            let admin_token = if demo {
                Some(prepare_demo(&app, &db.db, clock).await?)
            } else {
                None
            };
            // The analytics projection is built now, beside serving, not by
            // the first request that needs it: at ten million decisions that
            // takes longer than a request may.
            let warming = app.clone();
            tokio::spawn(async move {
                let started = std::time::Instant::now();
                match warming.prepare_analytics(&baton_app::Silent).await {
                    Ok(()) => tracing::info!(
                        seconds = started.elapsed().as_secs_f64(),
                        "analytics projection built"
                    ),
                    Err(e) => tracing::warn!(error = %e, "analytics projection not built yet"),
                }
            });
            let listener = tokio::net::TcpListener::bind(listen)
                .await
                .with_context(|| format!("cannot listen on `{listen}`"))?;
            let address = listener.local_addr()?;
            let mut banner = format!("baton serving http://{address} ({} store)\n", app.backend());
            if let Some((token, login)) = admin_token {
                banner.push_str(&format!(
                    "admin token ({}): {token}\ntry: curl -H 'Authorization: Bearer {token}' http://{address}/api/v1/decisions\nsign in to the dashboard (once, within a day): http://{address}/login/{login}\n",
                    baton_app::demo::ADMIN
                ));
            }
            let stop = shutdown();
            say(&banner);
            let watcher = app
                .watch()
                .await
                .context("cannot listen for changes from other replicas")?;
            let deadlines = baton_server::deadlines::spawn(
                app.clone(),
                std::time::Duration::from_secs(tick_every),
                clock,
            );
            let webhooks = baton_server::webhooks::spawn(
                app.clone(),
                baton_server::webhooks::Config::default(),
            );
            let state = AppState::new(app)
                .with_clock(clock)
                .with_slack_secret(std::env::var("BATON_SLACK_SIGNING_SECRET").ok());
            baton_server::run(listener, state, stop).await?;
            deadlines.abort();
            webhooks.abort();
            if let Some(w) = watcher {
                w.abort();
            }
            Ok(ExitCode::SUCCESS)
        })
}

/// Seeds an empty store with the demo organisation (or reuses one seeded
/// before), brings it up to now and returns a fresh admin token for it and
/// a one-time sign-in link's code.
async fn prepare_demo(app: &App, url: &str, clock: Clock) -> Result<(String, String)> {
    let bar = indicatif::ProgressBar::new(0);
    let mut announced = false;
    let prepared = app
        .prepare_demo(clock.now(), |done, total| {
            if !announced {
                eprintln!("seeding {url} with the demo organisation…");
                announced = true;
            }
            bar.set_length(total as u64);
            bar.set_position(done as u64);
        })
        .await
        .with_context(|| format!("cannot prepare the demo on `{url}`"))?;
    bar.finish_and_clear();
    if let Some(seeded) = &prepared.seeded {
        eprintln!(
            "demo: {} people, {} teams, {} decisions, {} actions",
            seeded.people, seeded.teams, seeded.decisions, seeded.actions
        );
    }
    let livened = &prepared.livened;
    if *livened != baton_app::Livened::default() {
        eprintln!(
            "demo: opened {} decisions now, so that each open state holds some; {} new surveys, {} new polls",
            livened.decisions, livened.surveys, livened.polls
        );
    }
    Ok((prepared.token, prepared.login))
}

/// Writes to stdout in one piece, ignoring a closed stdout: a server must
/// not stop because whoever started it stopped reading.
fn say(text: &str) {
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
}

/// A future that resolves on SIGTERM or Ctrl-C, listening from the moment
/// it is made: made before the banner is printed, a signal sent as soon as
/// the banner is read still stops the server cleanly.
fn shutdown() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    let terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
    #[cfg(unix)]
    let interrupt = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt()).ok();
    async move {
        #[cfg(unix)]
        {
            let wait = |signal: Option<tokio::signal::unix::Signal>| async move {
                match signal {
                    Some(mut s) => {
                        s.recv().await;
                    }
                    None => std::future::pending::<()>().await,
                }
            };
            tokio::select! {
                () = wait(terminate) => {}
                () = wait(interrupt) => {}
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}
