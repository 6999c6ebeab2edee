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

/// How many rrule occurrences are computed at load. With at most hourly
/// handoffs that is over eleven years; a lookup past the last computed
/// handoff of an unfinished rule is refused rather than walked, so no
/// request can make the resolver replay a rule for minutes.
const RRULE_CACHE: usize = 100_000;

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
    /// `rrule`: the rule's occurrences, computed at load.
    Rule {
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
    #[error("`{0}` hands off more often than hourly, which no rotation of people can follow")]
    TooFrequent(String),
}

/// Why a rotation has no holder at an instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoHolder {
    /// Before the first handoff (SPEC: `rotation_not_started`).
    NotStarted { first: Option<DateTime<Utc>> },
    /// After the last handoff baton computed for an `rrule`.
    BeyondHorizon { last: DateTime<Utc> },
}

/// The holder of a rotation at one instant, and how they came to hold it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holding {
    pub holder: Pid,
    /// 1-based number of the handoff in force.
    pub handoff: u64,
    pub since: DateTime<Utc>,
    /// The index into `members` the selector's list continues from: the
    /// holder's own place, or the scheduled holder's when an override gives
    /// the rotation to a non-member.
    pub place: usize,
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
        let probe = local.checked_add_signed(chrono::TimeDelta::minutes(30 * shift))?;
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
        if matches!(
            parsed.get_freq(),
            rrule::Frequency::Minutely | rrule::Frequency::Secondly
        ) {
            return Err(RotationError::TooFrequent(rule.to_owned()));
        }
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
            Schedule::Rule { cached, complete },
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
            Schedule::Rule { cached, .. } => cached.get(usize::try_from(k).ok()?).copied(),
        }
    }

    /// How many handoffs happened at or before `t`, or the last computed
    /// handoff when `t` lies beyond it.
    pub fn handoffs_through(&self, t: DateTime<Utc>) -> Result<u64, NoHolder> {
        match &self.schedule {
            Schedule::Every { start, period, .. } => {
                if t < *start {
                    return Ok(0);
                }
                // Estimate with elapsed time, then correct for DST shifts.
                let mut k = ((t - *start).num_seconds() / period.seconds()).max(0) as u64;
                while k > 0 && self.handoff(k).is_none_or(|h| h > t) {
                    k -= 1;
                }
                while self.handoff(k + 1).is_some_and(|h| h <= t) {
                    k += 1;
                }
                Ok(k + 1)
            }
            Schedule::Rule { cached, complete } => {
                let within = cached.partition_point(|h| *h <= t);
                match cached.last() {
                    Some(last) if t > *last && !complete => {
                        Err(NoHolder::BeyondHorizon { last: *last })
                    }
                    _ => Ok(within as u64),
                }
            }
        }
    }

    /// Who holds the rotation at `at`.
    pub fn holder_at(&self, directory: &Directory, at: DateTime<Utc>) -> Result<Holding, NoHolder> {
        let n = self.handoffs_through(at)?;
        let not_started = NoHolder::NotStarted {
            first: self.handoff(0),
        };
        if n == 0 || self.members.is_empty() {
            return Err(not_started);
        }
        let since = self.handoff(n - 1).ok_or(not_started)?;
        let scheduled_index = ((n - 1) % self.members.len() as u64) as usize;
        let scheduled = *self.members.get(scheduled_index).ok_or(not_started)?;
        if let Some(o) = self.overrides.iter().find(|o| o.from <= at && at < o.to) {
            // The list continues after the override holder's own place when
            // they are a member (SPEC §4.4), after the scheduled one if not.
            let place = self
                .members
                .iter()
                .position(|m| *m == o.person)
                .unwrap_or(scheduled_index);
            return Ok(Holding {
                holder: o.person,
                handoff: n,
                since,
                place,
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
            place: scheduled_index,
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
                holding.place = i;
                holding.via = Via::Skipped { scheduled };
            }
        }
        Ok(holding)
    }

    /// The selector's list: the holder, then the members after the holder's
    /// place in order, wrapping, each person once.
    pub fn order_from(&self, holding: &Holding) -> Vec<Pid> {
        let len = self.members.len();
        let mut out = Vec::with_capacity(len + 1);
        out.push(holding.holder);
        for step in 0..len {
            if let Some(&p) = self.members.get((holding.place + step) % len)
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

    /// The shifts that overlap `[from, to)`, for calendars: each runs from
    /// a handoff to the next, split where an override (or, with
    /// `skip_unavailable`, a member's absence) changes the holder. Shifts
    /// never overlap and leave no gaps; consecutive spans of one holder are
    /// one shift. At most [`MAX_SHIFTS`] are returned.
    pub fn shifts(
        &self,
        directory: &Directory,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Vec<Shift> {
        let Ok(n) = self.handoffs_through(from) else {
            return Vec::new();
        };
        let mut k = n.saturating_sub(1);
        let mut bounds = Vec::new();
        while let Some(h) = self.handoff(k) {
            bounds.push(h);
            if h >= to || bounds.len() > MAX_SHIFTS {
                break;
            }
            k += 1;
        }
        let (Some(&first), Some(&last)) = (bounds.first(), bounds.last()) else {
            return Vec::new();
        };
        let inside = |t: &DateTime<Utc>| first < *t && *t < last;
        let mut extra: Vec<DateTime<Utc>> = self
            .overrides
            .iter()
            .flat_map(|o| [o.from, o.to])
            .filter(inside)
            .collect();
        if self.skip_unavailable {
            for m in &self.members {
                extra.extend(
                    directory
                        .person(*m)
                        .unavailable
                        .iter()
                        .flat_map(|w| [w.from, w.to])
                        .filter(inside),
                );
            }
        }
        bounds.extend(extra);
        bounds.sort_unstable();
        bounds.dedup();
        let mut shifts: Vec<Shift> = Vec::new();
        for pair in bounds.windows(2) {
            let &[start, end] = pair else { continue };
            if end <= from {
                continue;
            }
            let Ok(holding) = self.holder_at(directory, start) else {
                continue;
            };
            match shifts.last_mut() {
                Some(last) if last.holder == holding.holder && last.end == start => last.end = end,
                _ => shifts.push(Shift {
                    start,
                    end,
                    holder: holding.holder,
                }),
            }
            if shifts.len() >= MAX_SHIFTS {
                break;
            }
        }
        shifts
    }
}

/// The most shifts one calendar request returns.
pub const MAX_SHIFTS: usize = 5_000;

/// One stretch of a rotation held by one person, `[start, end)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shift {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub holder: Pid,
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
