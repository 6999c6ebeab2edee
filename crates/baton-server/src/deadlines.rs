//! The background task that processes deadlines: consensus windows,
//! escalations, tiebreaks. Safe on every replica at once: a tick is
//! idempotent and writes are serialized, so each piece of work is done
//! once.

use std::time::Duration;

use baton_app::App;

use crate::Clock;

/// Ticks every `every`, at `clock`'s time, until the task is dropped or
/// aborted.
pub fn spawn(app: App, every: Duration, clock: Clock) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut interval = tokio::time::interval(every);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            interval.tick().await;
            match app.tick(clock.now()).await {
                Ok(changed) => {
                    for d in changed {
                        tracing::info!(decision = d.id.get(), status = d.status.as_str(), decider = %d.decider, "deadline processed");
                    }
                }
                Err(e) => tracing::warn!(error = %e, "deadline processing failed; will retry"),
            }
        }
    })
}
