//! The server's clock: what "now" is for every request and background
//! tick.
//!
//! The core and the store never read the clock; the server reads it here
//! and nowhere else, so a demo or a test can start the server at a pinned
//! instant (`baton serve --clock TS`) and see the same behaviour on any day
//! it runs. A pinned clock still runs forward at real speed, so deadlines
//! pass and surveys close as they would. Protocol checks that compare
//! against a peer's wall clock (Slack's replay window, webhook retries) use
//! the real time, not this one.

use chrono::{DateTime, Utc};

#[derive(Clone, Copy, Debug, Default)]
pub struct Clock {
    /// The instant the clock was pinned to, and when (monotonically) that
    /// was; `None` for the system clock.
    pinned: Option<(DateTime<Utc>, std::time::Instant)>,
}

impl Clock {
    /// The system's wall clock.
    pub fn system() -> Self {
        Self::default()
    }

    /// A clock that reads `start` now and runs on from it at real speed.
    pub fn starting_at(start: DateTime<Utc>) -> Self {
        Self {
            pinned: Some((start, std::time::Instant::now())),
        }
    }

    pub fn now(&self) -> DateTime<Utc> {
        match self.pinned {
            None => Utc::now(),
            Some((start, since)) => chrono::TimeDelta::from_std(since.elapsed())
                .ok()
                .and_then(|elapsed| start.checked_add_signed(elapsed))
                .unwrap_or(start),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pinned_clock_starts_where_it_was_pinned_and_runs_forward() {
        let start: DateTime<Utc> = "2027-01-01T00:00:00Z".parse().unwrap_or_default();
        let clock = Clock::starting_at(start);
        let first = clock.now();
        assert!(first >= start && first - start < chrono::TimeDelta::seconds(5));
        std::thread::sleep(std::time::Duration::from_millis(5));
        assert!(clock.now() > first);
    }
}
