//! The webhook delivery task: queues decision events for each subscription
//! from the audit log, posts them signed, retries failures with exponential
//! backoff, and records every attempt.
//!
//! Signing follows the GitHub convention subscribers already know:
//! `X-Baton-Signature-256: sha256=HEX`, the HMAC-SHA256 of the exact body
//! bytes under the subscription's secret.

use std::time::Duration;

use baton_app::{App, Attempt, Outgoing, ReadError};
use chrono::Utc;

/// The signature header's name.
pub const SIGNATURE_HEADER: &str = "X-Baton-Signature-256";

/// How deliveries are paced.
#[derive(Debug, Clone)]
pub struct Config {
    /// Time between passes over the log and the queue.
    pub every: Duration,
    /// The first retry waits this long; each further one twice as long.
    pub backoff: Duration,
    /// The longest wait between retries.
    pub max_backoff: Duration,
    /// Attempts before a delivery is marked `failed`.
    pub max_attempts: i64,
    /// How long one POST may take.
    pub timeout: Duration,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            every: Duration::from_secs(1),
            backoff: Duration::from_secs(2),
            max_backoff: Duration::from_secs(3600),
            max_attempts: 8,
            timeout: Duration::from_secs(10),
        }
    }
}

/// `sha256=HEX` of `body` under `secret`.
pub fn sign(secret: &str, body: &[u8]) -> Option<String> {
    crate::signing::hex(secret, &[body]).map(|h| format!("sha256={h}"))
}

/// Runs delivery passes every `config.every` until the task is aborted.
pub fn spawn(app: App, config: Config) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let client = match crate::http_client(config.timeout) {
            Ok(c) => c,
            Err(e) => {
                tracing::error!(error = %e, "webhooks are off: no HTTP client");
                return;
            }
        };
        let mut interval = tokio::time::interval(config.every);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            interval.tick().await;
            if let Err(e) = pass(&app, &client, &config).await {
                tracing::warn!(error = %e, "webhook pass failed; will retry");
            }
        }
    })
}

/// One pass: queue new events, then attempt every delivery that is due,
/// all at once, so that every claim is settled well within its lease (two
/// timeouts) and a slow receiver holds up nobody else. Returns how many
/// attempts were made.
pub async fn pass(
    app: &App,
    client: &reqwest::Client,
    config: &Config,
) -> Result<usize, ReadError> {
    let now = Utc::now();
    // A failure to queue must not stop what is already queued from going.
    if let Err(e) = app.queue_deliveries(now, 500).await {
        tracing::warn!(error = %e, "queueing webhook deliveries failed; will retry");
    }
    let lease = chrono::Duration::from_std(config.timeout * 2).unwrap_or(chrono::Duration::MAX);
    let claimed = app.claim_deliveries(now, now + lease, 50).await?;
    let attempts = claimed.len();
    let mut sending = tokio::task::JoinSet::new();
    for outgoing in claimed {
        let (client, config) = (client.clone(), config.clone());
        sending.spawn(async move {
            let attempt = attempt(&client, &config, &outgoing).await;
            (outgoing, attempt)
        });
    }
    while let Some(joined) = sending.join_next().await {
        let Ok((outgoing, attempt)) = joined else {
            continue;
        };
        match &attempt {
            Attempt::Delivered { status } => {
                tracing::info!(delivery = outgoing.id, status, "webhook delivered");
            }
            Attempt::Failed {
                error, retry_at, ..
            } => {
                tracing::warn!(delivery = outgoing.id, %error, retry_at = ?retry_at, "webhook delivery failed");
            }
        }
        // One failed record must not abort the sends still in flight: the
        // delivery's claim lapses and it is tried again.
        match app.record_attempt(&outgoing, &attempt, Utc::now()).await {
            Ok(true) => {}
            Ok(false) => tracing::warn!(
                delivery = outgoing.id,
                "the claim on this delivery lapsed before its attempt was recorded"
            ),
            Err(error) => tracing::error!(
                delivery = outgoing.id,
                %error,
                "the attempt could not be recorded; it will be made again"
            ),
        }
    }
    Ok(attempts)
}

async fn attempt(client: &reqwest::Client, config: &Config, outgoing: &Outgoing) -> Attempt {
    let Some(signature) = sign(&outgoing.secret, outgoing.body.as_bytes()) else {
        return Attempt::Failed {
            status: None,
            error: "the subscription's secret cannot key HMAC-SHA256".into(),
            retry_at: None,
        };
    };
    let sent = client
        .post(&outgoing.url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header("X-Baton-Event", &outgoing.event)
        .header("X-Baton-Delivery", outgoing.id.to_string())
        .header(SIGNATURE_HEADER, signature)
        .body(outgoing.body.clone())
        .send()
        .await;
    let (status, error) = match sent {
        Ok(response) if response.status().is_success() => {
            return Attempt::Delivered {
                status: response.status().as_u16(),
            };
        }
        Ok(response) => (
            Some(response.status().as_u16()),
            format!("the receiver answered {}", response.status()),
        ),
        Err(e) => (None, error_chain(&e)),
    };
    let made = outgoing.attempts + 1;
    let retry_at = (made < config.max_attempts).then(|| Utc::now() + backoff(config, made));
    Attempt::Failed {
        status,
        error,
        retry_at,
    }
}

/// The wait after the `made`-th failed attempt: `backoff · 2^(made−1)`,
/// capped.
fn backoff(config: &Config, made: i64) -> chrono::Duration {
    let factor = 2u32.saturating_pow(u32::try_from(made.saturating_sub(1)).unwrap_or(u32::MAX));
    let wait = config
        .backoff
        .saturating_mul(factor)
        .min(config.max_backoff);
    chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::MAX)
}

/// reqwest's errors say "error sending request"; the cause is the useful
/// part (connection refused, timed out).
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_is_hmac_sha256_of_the_body_in_hex() {
        // RFC 4231 test case 2: key "Jefe".
        assert_eq!(
            sign("Jefe", b"what do ya want for nothing?").unwrap(),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn backoff_doubles_from_the_base_and_stops_at_the_cap() {
        let config = Config {
            backoff: Duration::from_secs(2),
            max_backoff: Duration::from_secs(60),
            ..Config::default()
        };
        let waits: Vec<i64> = (1..=7).map(|n| backoff(&config, n).num_seconds()).collect();
        assert_eq!(waits, [2, 4, 8, 16, 32, 60, 60]);
    }
}
