//! Load benchmark for SPEC §10's "the API adds little over a bare HTTP
//! server": `POST /api/v1/resolve` and `GET /api/v1/decisions/{id}` of a
//! real baton server, beside a bare axum endpoint that only parses and
//! writes JSON — driven by the same load generator, in the same run, in
//! interleaved rounds, so the machine's noise falls on all of them alike.
//!
//! The servers run on their own runtime and the load generator on another;
//! on a small machine they share the cores, which is the same for every
//! target.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use axum::Json;
use axum::routing::{get, post};
use baton_app::{App, Caller, OpenRequest};
use baton_core::examples;
use baton_core::lifecycle::Role;
use baton_server::AppState;
use clap::Parser;
use serde_json::{Value, json};

#[derive(Parser, Debug)]
#[command(about = "Load-test baton's API beside a bare axum endpoint")]
struct Args {
    /// Concurrent connections, each sending one request at a time.
    #[arg(long, default_value_t = 64)]
    connections: usize,
    /// Seconds of measured load per target per round.
    #[arg(long, default_value_t = 5)]
    seconds: u64,
    /// Interleaved rounds; medians are reported.
    #[arg(long, default_value_t = 3)]
    rounds: usize,
    /// The store: a temporary SQLite file unless a URL is given.
    #[arg(long)]
    db: Option<String>,
    /// Only targets whose name contains this (with their bare baseline).
    #[arg(long)]
    only: Option<String>,
    /// Worker threads of the server runtime.
    #[arg(long, default_value_t = 2)]
    server_threads: usize,
}

/// One endpoint under load.
struct Target {
    name: &'static str,
    method: reqwest::Method,
    url: String,
    token: Option<String>,
    body: Option<String>,
}

/// What one measurement came to.
#[derive(Debug, Clone, Copy)]
struct Measured {
    per_second: f64,
    p50_ms: f64,
    p99_ms: f64,
    errors: usize,
}

fn main() -> Result<()> {
    let args = Args::parse();
    let dir = tempfile::tempdir()?;
    let url = args
        .db
        .clone()
        .unwrap_or_else(|| format!("sqlite://{}", dir.path().join("load.db").display()));
    let servers = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(args.server_threads)
        .enable_all()
        .build()?;
    let (baton, bare, token, decision) = servers.block_on(start(&url))?;
    let load = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let resolve_body =
        json!({"team": "platform", "type": "architecture", "title": "Move sessions"}).to_string();
    let targets = [
        Target {
            name: "bare axum POST (parse + write JSON)",
            method: reqwest::Method::POST,
            url: format!("http://{bare}/bare"),
            token: None,
            body: Some(resolve_body.clone()),
        },
        Target {
            name: "POST /api/v1/resolve",
            method: reqwest::Method::POST,
            url: format!("http://{baton}/api/v1/resolve"),
            token: Some(token.clone()),
            body: Some(resolve_body),
        },
        Target {
            name: "bare axum GET (write JSON)",
            method: reqwest::Method::GET,
            url: format!("http://{bare}/bare"),
            token: None,
            body: None,
        },
        Target {
            name: "GET /api/v1/decisions/{id}",
            method: reqwest::Method::GET,
            url: format!("http://{baton}/api/v1/decisions/{decision}"),
            token: Some(token),
            body: None,
        },
    ];
    let keep: Vec<bool> = targets
        .chunks(2)
        .flat_map(|pair| {
            let wanted = args
                .only
                .as_deref()
                .is_none_or(|o| pair.iter().any(|t| t.name.contains(o)));
            std::iter::repeat_n(wanted, pair.len())
        })
        .collect();
    println!(
        "{} connections, {} s per target per round, {} rounds, store {}",
        args.connections,
        args.seconds,
        args.rounds,
        url.split(':').next().unwrap_or("?")
    );
    let client = baton_server::http_client(Duration::from_secs(10))?;
    let mut results: Vec<Vec<Measured>> = vec![Vec::new(); targets.len()];
    for round in 0..args.rounds {
        for ((target, out), _) in targets
            .iter()
            .zip(results.iter_mut())
            .zip(&keep)
            .filter(|(_, keep)| **keep)
        {
            // A short warm-up so connections and caches are in place.
            load.block_on(hammer(
                &client,
                target,
                args.connections,
                Duration::from_millis(500),
            ));
            let m = load.block_on(hammer(
                &client,
                target,
                args.connections,
                Duration::from_secs(args.seconds),
            ));
            eprintln!(
                "round {}: {:<38} {:>9.0}/s  p50 {:>6.2} ms  p99 {:>6.2} ms  errors {}",
                round + 1,
                target.name,
                m.per_second,
                m.p50_ms,
                m.p99_ms,
                m.errors
            );
            out.push(m);
        }
    }
    report(&targets, &results, &keep);
    Ok(())
}

/// Starts baton (example org and guide, one decision, a member token) and
/// the bare endpoint; returns their addresses, the token and the decision.
async fn start(url: &str) -> Result<(std::net::SocketAddr, std::net::SocketAddr, String, i64)> {
    let service = App::connect(url).await.context("cannot open the store")?;
    let now = chrono::Utc::now();
    service
        .apply(
            Some(("org.yaml", examples::ORG)),
            &[("deference.yaml", examples::GUIDE)],
            now,
        )
        .await?;
    let (_, token) = service.create_token("ana", Role::Member, now).await?;
    let decision = service
        .open(
            &Caller::new("ana", Role::Member),
            OpenRequest {
                team: "platform".into(),
                decision_type: "architecture".into(),
                title: "Move sessions to Postgres".into(),
                context: json!({}),
            },
            now,
        )
        .await?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let baton = listener.local_addr()?;
    tokio::spawn(baton_server::run(
        listener,
        AppState::new(service),
        std::future::pending(),
    ));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let bare = listener.local_addr()?;
    let app = axum::Router::new().route(
        "/bare",
        post(|Json(v): Json<Value>| async move { Json(json!({"ok": true, "echo": v})) }).merge(
            get(|| async { Json(json!({"ok": true, "id": 1, "status": "routed"})) }),
        ),
    );
    tokio::spawn(async move { axum::serve(listener, app).await });
    Ok((baton, bare, token, decision.id.get()))
}

/// `connections` tasks, each sending `target` back to back for `span`.
async fn hammer(
    client: &reqwest::Client,
    target: &Target,
    connections: usize,
    span: Duration,
) -> Measured {
    let started = Instant::now();
    let until = started + span;
    let errors = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut tasks = Vec::with_capacity(connections);
    for _ in 0..connections {
        let client = client.clone();
        let method = target.method.clone();
        let url = target.url.clone();
        let token = target.token.clone();
        let body = target.body.clone();
        let errors = Arc::clone(&errors);
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            while Instant::now() < until {
                let mut request = client.request(method.clone(), &url);
                if let Some(t) = &token {
                    request = request.bearer_auth(t);
                }
                if let Some(b) = &body {
                    request = request
                        .header("content-type", "application/json")
                        .body(b.clone());
                }
                let sent = Instant::now();
                let ok = match request.send().await {
                    Ok(r) => r.status().is_success() && r.bytes().await.is_ok(),
                    Err(_) => false,
                };
                // Only answers count toward throughput: a target that
                // fails fast must not look fast.
                if ok {
                    latencies.push(sent.elapsed());
                } else {
                    errors.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                }
            }
            latencies
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        if let Ok(l) = t.await {
            all.extend(l);
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    all.sort();
    Measured {
        per_second: all.len() as f64 / elapsed,
        p50_ms: percentile(&all, 0.50),
        p99_ms: percentile(&all, 0.99),
        errors: errors.load(std::sync::atomic::Ordering::Relaxed),
    }
}

/// Nearest-rank percentile of sorted latencies, in milliseconds.
fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted
        .get(rank - 1)
        .map_or(f64::NAN, |d| d.as_secs_f64() * 1000.0)
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or(f64::NAN)
}

fn report(targets: &[Target], results: &[Vec<Measured>], keep: &[bool]) {
    let med = |i: usize, f: fn(&Measured) -> f64| {
        median(
            results
                .get(i)
                .map_or(Vec::new(), |r| r.iter().map(f).collect()),
        )
    };
    println!();
    println!("| target | median req/s | vs bare | median p50 ms | median p99 ms | errors |");
    println!("|---|---|---|---|---|---|");
    for (i, target) in targets.iter().enumerate() {
        if !keep.get(i).copied().unwrap_or(false) {
            continue;
        }
        // Targets come in pairs: a bare baseline, then the baton endpoint.
        let baseline = med(i - i % 2, |m| m.per_second);
        let rate = med(i, |m| m.per_second);
        let errors: usize = results
            .get(i)
            .map_or(0, |r| r.iter().map(|m| m.errors).sum());
        println!(
            "| {} | {:.0} | {:.2} | {:.2} | {:.2} | {} |",
            target.name,
            rate,
            rate / baseline,
            med(i, |m| m.p50_ms),
            med(i, |m| m.p99_ms),
            errors
        );
    }
}
