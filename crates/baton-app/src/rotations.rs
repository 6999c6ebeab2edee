//! Who holds each rotation now, until when, and who comes next: the
//! dashboard's "on call now", from the same shifts the calendar feeds give.

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use crate::App;
use crate::org::ApplyError;

/// How far ahead the next handoffs are looked for.
const AHEAD: Duration = Duration::days(90);
/// How many handoffs after the current shift are listed.
const NEXT: usize = 3;

/// One rotation as it stands at an instant.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct RotationNow {
    pub team: String,
    pub rotation: String,
    /// `null` before the rotation starts.
    pub holder: Option<Shift>,
    /// The shifts after the current one.
    pub next: Vec<Shift>,
    /// The rotation's overrides that have not ended.
    pub overrides: Vec<Shift>,
}

/// A person holding a rotation from one instant to another.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct Shift {
    pub person: String,
    pub name: String,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
}

impl App {
    /// Every team's rotations at `now`, by team and rotation.
    pub async fn rotations_now(&self, now: DateTime<Utc>) -> Result<Vec<RotationNow>, ApplyError> {
        let mut out = Vec::new();
        for guide in self.guides().await? {
            let dir = &guide.directory;
            let shift = |s: baton_core::rotation::Shift| Shift {
                person: dir.id(s.holder).to_owned(),
                name: dir.person(s.holder).name.clone(),
                from: s.start,
                to: s.end,
            };
            for r in &guide.rotations {
                let mut shifts = r.shifts(dir, now, now + AHEAD).into_iter();
                let holder = shifts.next().filter(|s| s.start <= now).map(shift);
                let next = shifts.take(NEXT).map(shift).collect();
                let overrides = r
                    .overrides
                    .iter()
                    .filter(|o| o.to > now)
                    .map(|o| Shift {
                        person: dir.id(o.person).to_owned(),
                        name: dir.person(o.person).name.clone(),
                        from: o.from,
                        to: o.to,
                    })
                    .collect();
                out.push(RotationNow {
                    team: guide.team.clone(),
                    rotation: r.name.clone(),
                    holder,
                    next,
                    overrides,
                });
            }
        }
        Ok(out)
    }
}

/// A rotation's shifts over a window, overrides marked: the timeline.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct Timeline {
    pub team: String,
    pub rotation: String,
    pub shifts: Vec<TimelineShift>,
}

#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct TimelineShift {
    #[serde(flatten)]
    pub shift: Shift,
    /// The shift comes from an override, not the schedule.
    pub overridden: bool,
}

impl App {
    /// Every rotation's shifts between `from` and `to` (of `team`, or of
    /// all teams), from the same computation the `.ics` feeds use.
    pub async fn rotation_timelines(
        &self,
        team: Option<&str>,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<Timeline>, ApplyError> {
        let mut out = Vec::new();
        for guide in self.guides().await? {
            if team.is_some_and(|t| t != guide.team) {
                continue;
            }
            let dir = &guide.directory;
            for r in &guide.rotations {
                let shifts =
                    r.shifts(dir, from, to)
                        .into_iter()
                        .map(|s| TimelineShift {
                            overridden: r.overrides.iter().any(|o| {
                                o.person == s.holder && o.from <= s.start && s.end <= o.to
                            }),
                            shift: Shift {
                                person: dir.id(s.holder).to_owned(),
                                name: dir.person(s.holder).name.clone(),
                                from: s.start,
                                to: s.end,
                            },
                        })
                        .collect();
                out.push(Timeline {
                    team: guide.team.clone(),
                    rotation: r.name.clone(),
                    shifts,
                });
            }
        }
        Ok(out)
    }
}
