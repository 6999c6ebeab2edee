//! Prometheus metrics (`GET /metrics`, text format 0.0.4): requests and
//! their latency by route, resolution latency, decisions by state.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::{AppState, Problem};

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 12] = [
    0.000_01, 0.000_05, 0.000_1, 0.000_5, 0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1.0,
];

#[derive(Debug, Default, Clone)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    sum: f64,
    count: u64,
}

impl Histogram {
    fn observe(&mut self, seconds: f64) {
        for (bound, count) in BUCKETS.iter().zip(self.counts.iter_mut()) {
            if seconds <= *bound {
                *count += 1;
            }
        }
        self.sum += seconds;
        self.count += 1;
    }

    fn render(&self, out: &mut String, name: &str, labels: &str) {
        let sep = if labels.is_empty() { "" } else { "," };
        for (bound, count) in BUCKETS.iter().zip(self.counts) {
            let _ = writeln!(out, "{name}_bucket{{{labels}{sep}le=\"{bound}\"}} {count}");
        }
        let _ = writeln!(
            out,
            "{name}_bucket{{{labels}{sep}le=\"+Inf\"}} {}",
            self.count
        );
        let braces = if labels.is_empty() {
            String::new()
        } else {
            format!("{{{labels}}}")
        };
        let _ = writeln!(out, "{name}_sum{braces} {}", self.sum);
        let _ = writeln!(out, "{name}_count{braces} {}", self.count);
    }
}

/// What the server counts. Shared by every request.
#[derive(Debug, Default)]
pub struct Metrics {
    /// (method, route, status) → count.
    requests: Mutex<BTreeMap<(String, String, u16), u64>>,
    /// route → latency.
    latency: Mutex<BTreeMap<String, Histogram>>,
    resolution: Mutex<Histogram>,
}

impl Metrics {
    pub fn observe_resolution(&self, took: Duration) {
        if let Ok(mut h) = self.resolution.lock() {
            h.observe(took.as_secs_f64());
        }
    }

    fn observe_request(&self, method: &str, route: &str, status: u16, took: Duration) {
        if let Ok(mut m) = self.requests.lock() {
            *m.entry((method.to_owned(), route.to_owned(), status))
                .or_default() += 1;
        }
        if let Ok(mut m) = self.latency.lock() {
            m.entry(route.to_owned())
                .or_default()
                .observe(took.as_secs_f64());
        }
    }
}

/// Counts every request under its route pattern (`/api/v1/decisions/{id}`),
/// never its raw path, so ids cannot blow up the label set.
pub async fn track(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let method = request.method().as_str().to_owned();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", MatchedPath::as_str)
        .to_owned();
    let started = Instant::now();
    let response = next.run(request).await;
    state.metrics.observe_request(
        &method,
        &route,
        response.status().as_u16(),
        started.elapsed(),
    );
    response
}

pub async fn render(State(state): State<AppState>) -> Result<Response, Problem> {
    let mut out = String::new();
    out.push_str("# HELP baton_http_requests_total HTTP requests by method, route and status.\n# TYPE baton_http_requests_total counter\n");
    if let Ok(m) = state.metrics.requests.lock() {
        for ((method, route, status), n) in m.iter() {
            let _ = writeln!(
                out,
                "baton_http_requests_total{{method=\"{method}\",route=\"{route}\",status=\"{status}\"}} {n}"
            );
        }
    }
    out.push_str("# HELP baton_http_request_duration_seconds Request latency by route.\n# TYPE baton_http_request_duration_seconds histogram\n");
    if let Ok(m) = state.metrics.latency.lock() {
        for (route, h) in m.iter() {
            h.render(
                &mut out,
                "baton_http_request_duration_seconds",
                &format!("route=\"{route}\""),
            );
        }
    }
    out.push_str("# HELP baton_resolution_duration_seconds Time to resolve who decides, in the engine.\n# TYPE baton_resolution_duration_seconds histogram\n");
    if let Ok(h) = state.metrics.resolution.lock() {
        h.render(&mut out, "baton_resolution_duration_seconds", "");
    }
    out.push_str("# HELP baton_decisions Decisions by state.\n# TYPE baton_decisions gauge\n");
    for (status, n) in state.app.counts_by_status().await? {
        let _ = writeln!(out, "baton_decisions{{status=\"{status}\"}} {n}");
    }
    Ok((
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; version=0.0.4",
        )],
        out,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histograms_are_cumulative() {
        let mut h = Histogram::default();
        h.observe(0.000_02);
        h.observe(0.2);
        let mut out = String::new();
        h.render(&mut out, "x", "");
        assert!(out.contains("x_bucket{le=\"0.00005\"} 1"), "{out}");
        assert!(out.contains("x_bucket{le=\"0.5\"} 2"), "{out}");
        assert!(out.contains("x_bucket{le=\"+Inf\"} 2"), "{out}");
        assert!(out.contains("x_count 2"), "{out}");
    }
}
