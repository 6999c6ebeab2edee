//! Rotations (SPEC §4.4): who holds a rotating role at a given instant.
//!
//! Handoffs are computed in the rotation's own IANA time zone, so a 09:00
//! Berlin handoff stays at 09:00 local time across daylight-saving changes.
//! Periods that are whole days are stepped on the local calendar; shorter or
//! fractional periods are plain elapsed time. `rrule` schedules come from a
//! real RFC 5545 implementation; their first occurrences are cached at load
//! so a lookup is a binary search, not a walk from the start.

use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;

use crate::duration::Span;
use crate::guide::file::StartTime;
use crate::org::{Directory, Pid};

/// How many rrule occurrences are computed at load. Lookups beyond the cache
/// still work; they walk the rule from the end of the cache.
const RRULE_CACHE: usize = 20_000;

#[derive(Debug)]
pub struct Rotation {
    pub name: String,
    pub members: Vec<Pid>,
    pub tz: Tz,
    pub skip_unavailable: bool,
    pub overrides: Vec<Override>,
    schedule: Schedule,
}

#[derive(Debug, Clone, Copy)]
pub struct Override {
    pub person: Pid,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
}

#[derive(Debug)]
enum Schedule {
    /// `every`: handoff k at `start + k·period`.
    Every {
        start_local: NaiveDateTime,
        start: DateTime<Utc>,
        period: Span,
        /// Whole local days per period, when the period is whole days.
        calendar_days: Option<i64>,
    },
    /// `rrule`: the rule's occurrences.
    Rule {
        set: Box<rrule::RRuleSet>,
        cached: Vec<DateTime<Utc>>,
        /// The rule has no occurrences beyond the cache.
        complete: bool,
    },
}

/// Why a rotation could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RotationError {
    #[error("`{0}` is not an IANA time zone name (for example `Europe/Berlin` or `UTC`)")]
    UnknownZone(String),
    #[error("the period must be longer than zero")]
    ZeroPeriod,
    #[error("`{rule}` is not a valid RFC 5545 recurrence rule: {message}")]
    BadRule { rule: String, message: String },
    #[error("the start time {0} does not exist in the rotation's time zone")]
    NoSuchLocalTime(String),
}

/// The holder of a rotation at one instant, and how they came to hold it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holding {
    pub holder: Pid,
    /// 1-based number of the handoff in force.
    pub handoff: u64,
    pub since: DateTime<Utc>,
    /// Index into `members` of the scheduled holder.
    pub scheduled_index: usize,
    pub via: Via,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    Schedule,
    Override {
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    },
    /// The scheduled holder was unavailable and passed it on.
    Skipped {
        scheduled: Pid,
    },
}

/// Parses an IANA zone name.
pub fn zone(name: &str) -> Result<Tz, RotationError> {
    name.parse::<Tz>()
        .map_err(|_| RotationError::UnknownZone(name.to_owned()))
}

/// The instant of a wall-clock time in `tz`. An ambiguous time (the repeated
/// hour in autumn) is its first occurrence; a time that does not exist (the
/// skipped hour in spring) moves forward to the first instant after the gap.
pub fn local_to_utc(tz: Tz, local: NaiveDateTime) -> Option<DateTime<Utc>> {
    for shift in 0..=4 {
        let probe = local + chrono::TimeDelta::minutes(30 * shift);
        if let Some(t) = tz.from_local_datetime(&probe).earliest() {
            return Some(t.with_timezone(&Utc));
        }
    }
    None
}

impl Rotation {
    pub fn every(
        name: String,
        members: Vec<Pid>,
        tz: Tz,
        start: StartTime,
        period: Span,
    ) -> Result<Self, RotationError> {
        if period.seconds() <= 0 {
            return Err(RotationError::ZeroPeriod);
        }
        let (start_local, start_utc) = resolve_start(tz, start)?;
        let calendar_days = (period.seconds() % 86_400 == 0).then(|| period.seconds() / 86_400);
        Ok(Self::new(
            name,
            members,
            tz,
            Schedule::Every {
                start_local,
                start: start_utc,
                period,
                calendar_days,
            },
        ))
    }

    pub fn rrule(
        name: String,
        members: Vec<Pid>,
        tz: Tz,
        start: StartTime,
        rule: &str,
    ) -> Result<Self, RotationError> {
        let bad = |message: String| RotationError::BadRule {
            rule: rule.to_owned(),
            message,
        };
        let (_, start_utc) = resolve_start(tz, start)?;
        let body = rule.trim().strip_prefix("RRULE:").unwrap_or(rule.trim());
        let parsed: rrule::RRule<rrule::Unvalidated> = body
            .parse()
            .map_err(|e: rrule::RRuleError| bad(e.to_string()))?;
        let dt_start = start_utc.with_timezone(&rrule::Tz::Tz(tz));
        let set = parsed.build(dt_start).map_err(|e| bad(e.to_string()))?;
        let cached: Vec<DateTime<Utc>> = (&set)
            .into_iter()
            .take(RRULE_CACHE)
            .map(|t| t.with_timezone(&Utc))
            .collect();
        let complete = cached.len() < RRULE_CACHE;
        Ok(Self::new(
            name,
            members,
            tz,
            Schedule::Rule {
                set: Box::new(set),
                cached,
                complete,
            },
        ))
    }

    fn new(name: String, members: Vec<Pid>, tz: Tz, schedule: Schedule) -> Self {
        Self {
            name,
            members,
            tz,
            skip_unavailable: false,
            overrides: Vec::new(),
            schedule,
        }
    }

    /// The k-th handoff (0-based), or `None` past the end of a finite rule.
    pub fn handoff(&self, k: u64) -> Option<DateTime<Utc>> {
        match &self.schedule {
            Schedule::Every {
                start_local,
                start,
                period,
                calendar_days,
            } => {
                let k = i64::try_from(k).ok()?;
                match calendar_days {
                    Some(days) => {
                        let local = start_local.checked_add_signed(chrono::TimeDelta::try_days(
                            days.checked_mul(k)?,
                        )?)?;
                        local_to_utc(self.tz, local)
                    }
                    None => start.checked_add_signed(chrono::TimeDelta::try_seconds(
                        period.seconds().checked_mul(k)?,
                    )?),
                }
            }
            Schedule::Rule { set, cached, .. } => {
                let k = usize::try_from(k).ok()?;
                match cached.get(k) {
                    Some(t) => Some(*t),
                    None => (&**set).into_iter().nth(k).map(|t| t.with_timezone(&Utc)),
                }
            }
        }
    }

    /// How many handoffs happened at or before `t`.
    pub fn handoffs_through(&self, t: DateTime<Utc>) -> u64 {
        match &self.schedule {
            Schedule::Every { start, period, .. } => {
                if t < *start {
                    return 0;
                }
                // Estimate with elapsed time, then correct for DST shifts.
                let mut k = ((t - *start).num_seconds() / period.seconds()).max(0) as u64;
                while k > 0 && self.handoff(k).is_none_or(|h| h > t) {
                    k -= 1;
                }
                while self.handoff(k + 1).is_some_and(|h| h <= t) {
                    k += 1;
                }
                k + 1
            }
            Schedule::Rule {
                set,
                cached,
                complete,
            } => {
                let within = cached.partition_point(|h| *h <= t) as u64;
                if within < cached.len() as u64 || *complete {
                    return within;
                }
                let beyond = (&**set)
                    .into_iter()
                    .skip(cached.len())
                    .take_while(|h| h.with_timezone(&Utc) <= t)
                    .count() as u64;
                within + beyond
            }
        }
    }

    /// Who holds the rotation at `at`; `None` before the first handoff.
    pub fn holder_at(&self, directory: &Directory, at: DateTime<Utc>) -> Option<Holding> {
        let n = self.handoffs_through(at);
        if n == 0 || self.members.is_empty() {
            return None;
        }
        let since = self.handoff(n - 1)?;
        let scheduled_index = ((n - 1) % self.members.len() as u64) as usize;
        let scheduled = *self.members.get(scheduled_index)?;
        if let Some(o) = self.overrides.iter().find(|o| o.from <= at && at < o.to) {
            return Some(Holding {
                holder: o.person,
                handoff: n,
                since,
                scheduled_index,
                via: Via::Override {
                    from: o.from,
                    to: o.to,
                },
            });
        }
        let mut holding = Holding {
            holder: scheduled,
            handoff: n,
            since,
            scheduled_index,
            via: Via::Schedule,
        };
        if self.skip_unavailable && directory.unavailable_at(scheduled, at).is_some() {
            let len = self.members.len();
            let next = (1..len)
                .map(|step| (scheduled_index + step) % len)
                .find(|&i| {
                    self.members
                        .get(i)
                        .is_some_and(|&p| directory.unavailable_at(p, at).is_none())
                });
            if let Some(i) = next {
                holding.holder = self.members.get(i).copied().unwrap_or(scheduled);
                holding.scheduled_index = i;
                holding.via = Via::Skipped { scheduled };
            }
        }
        Some(holding)
    }

    /// The selector's list: the holder, then the members after the holder's
    /// place in order, wrapping, each person once.
    pub fn order_from(&self, holding: &Holding) -> Vec<Pid> {
        let len = self.members.len();
        let mut out = Vec::with_capacity(len + 1);
        out.push(holding.holder);
        for step in 0..len {
            if let Some(&p) = self.members.get((holding.scheduled_index + step) % len)
                && !out.contains(&p)
            {
                out.push(p);
            }
        }
        out
    }

    /// The start of the schedule.
    pub fn first_handoff(&self) -> Option<DateTime<Utc>> {
        self.handoff(0)
    }
}

fn resolve_start(
    tz: Tz,
    start: StartTime,
) -> Result<(NaiveDateTime, DateTime<Utc>), RotationError> {
    match start {
        StartTime::Local(local) => {
            let utc = local_to_utc(tz, local)
                .ok_or_else(|| RotationError::NoSuchLocalTime(local.to_string()))?;
            Ok((local, utc))
        }
        StartTime::Instant(instant) => {
            let utc = instant.with_timezone(&Utc);
            Ok((utc.with_timezone(&tz).naive_local(), utc))
        }
    }
}

#[cfg(test)]
mod tests;
