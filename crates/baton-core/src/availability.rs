//! Breaks and hand-offs (SPEC §7): records beside the files that change
//! who may decide. A break makes a person unavailable for a while, as an
//! `unavailable` window in `org.yaml` does; an accepted hand-off covers a
//! stretch of someone's rotation shift, as an `overrides` entry in a
//! guide does. They live in the store, not in the files, so applying the
//! files from git again leaves them standing; the store lays them over the
//! directory and the guides it compiles ([`Directory::with_breaks`],
//! [`Guide::with_handoffs`]).

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::lifecycle::{LifecycleError, Role};
use crate::org::Window;
use crate::rotation::Override;
use crate::{Directory, Guide};

/// The longest break or hand-off one record may cover.
pub const LONGEST: Duration = Duration::days(366);

/// How far in the past a break or hand-off may start: a form filled in a
/// minute ago still works, but history is not rewritten.
pub const GRACE: Duration = Duration::minutes(10);

/// A break from deciding.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Break {
    pub id: i64,
    pub person: String,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub reason: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    /// When it was ended early; it then lasts until this instant.
    pub ended_at: Option<DateTime<Utc>>,
}

impl Break {
    /// The window the person is away in; `None` when ended before it began.
    pub fn window(&self) -> Option<Window> {
        let to = self.ended_at.map_or(self.to, |e| e.min(self.to));
        (to > self.from).then_some(Window {
            from: self.from,
            to,
        })
    }
}

crate::text::text_enum! {
    /// Where a hand-off stands.
    pub enum HandoffStatus {
        Offered = "offered",
        Accepted = "accepted",
        Declined = "declined",
        Withdrawn = "withdrawn",
    }
}

impl HandoffStatus {
    /// Whether it waits for the colleague's answer.
    pub fn waits(self) -> bool {
        self == Self::Offered
    }
}

/// A stretch of a rotation shift handed from its holder to a colleague.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Handoff {
    pub id: i64,
    pub team: String,
    pub rotation: String,
    /// The holder handing it over.
    pub from_person: String,
    /// The colleague asked to take it.
    pub to_person: String,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub note: String,
    pub status: HandoffStatus,
    pub created_at: DateTime<Utc>,
    /// When the colleague answered, or the holder withdrew it.
    pub answered_at: Option<DateTime<Utc>>,
}

/// An answer to a hand-off offered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Answer {
    Accept,
    Decline,
    Withdraw,
}

fn invalid(text: String) -> LifecycleError {
    LifecycleError::Invalid(text)
}

/// The longest reason for a break or note on a hand-off, in characters:
/// a line for the calendar, not a document.
pub const LONGEST_NOTE: usize = 500;

/// Checks the reason or note (`what`) given with a break or hand-off.
pub fn check_note(what: &str, text: &str) -> Result<(), LifecycleError> {
    let length = text.chars().count();
    if length > LONGEST_NOTE {
        return Err(invalid(format!(
            "`{what}` is {length} characters long; at most {LONGEST_NOTE}"
        )));
    }
    Ok(())
}

/// Checks a stretch `[from, to)` asked for at `now`.
fn check_stretch(
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(), LifecycleError> {
    if to <= from {
        return Err(invalid(format!(
            "it ends ({}) before it starts ({})",
            crate::instant(to),
            crate::instant(from)
        )));
    }
    if from < now - GRACE {
        return Err(invalid(format!(
            "it starts at {}, in the past: breaks and hand-offs start from now on",
            crate::instant(from)
        )));
    }
    if to - from > LONGEST {
        return Err(invalid("it covers more than 366 days".into()));
    }
    Ok(())
}

/// Whether `actor` may take (or end) a break for `person`: themselves, or
/// an admin or steward for someone else.
pub fn may_manage_break(actor: &str, role: Role, person: &str) -> Result<(), LifecycleError> {
    if !role.can_write() {
        return Err(LifecycleError::Forbidden(format!(
            "`{actor}` is a viewer and cannot change anyone's availability"
        )));
    }
    if actor != person && !matches!(role, Role::Admin | Role::Steward) {
        return Err(LifecycleError::Forbidden(format!(
            "only {person}, a steward or an admin can change {person}'s breaks"
        )));
    }
    Ok(())
}

/// Checks a break asked for at `now`.
pub fn check_break(
    directory: &Directory,
    person: &str,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(), LifecycleError> {
    if directory.find(person).is_none() {
        return Err(invalid(format!("`{person}` is not in the directory")));
    }
    check_stretch(from, to, now)
}

/// Checks a hand-off offered by `actor` at `now`: they hold `rotation` of
/// `guide` throughout `[from, to)`, and the colleague is someone else in
/// the directory.
pub fn check_handoff(
    guide: &Guide,
    rotation: &str,
    actor: &str,
    colleague: &str,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(), LifecycleError> {
    check_stretch(from, to, now)?;
    let Some(r) = guide.rotation(rotation) else {
        return Err(invalid(format!(
            "team {} has no rotation `{rotation}`",
            guide.team
        )));
    };
    let dir = &guide.directory;
    if dir.find(colleague).is_none() {
        return Err(invalid(format!("`{colleague}` is not in the directory")));
    }
    if colleague == actor {
        return Err(invalid(
            "handing a shift to yourself changes nothing".into(),
        ));
    }
    let shifts = r.shifts(dir, from, to);
    let covered = shifts.first().is_some_and(|s| s.start <= from)
        && shifts.last().is_some_and(|s| s.end >= to)
        && shifts.windows(2).all(|w| w[0].end >= w[1].start);
    let held = shifts.iter().all(|s| dir.id(s.holder) == actor);
    if !covered || !held {
        let holders: Vec<String> = shifts
            .iter()
            .map(|s| format!("{} from {}", dir.id(s.holder), crate::instant(s.start)))
            .collect();
        return Err(LifecycleError::Forbidden(format!(
            "`{actor}` does not hold {rotation} throughout {} to {}: {}",
            crate::instant(from),
            crate::instant(to),
            if holders.is_empty() {
                "nobody does".to_owned()
            } else {
                holders.join(", ")
            }
        )));
    }
    Ok(())
}

/// The hand-off after `actor` gives `answer` at `at`: the colleague accepts
/// or declines, the holder (or an admin) withdraws, and only while it is
/// offered.
pub fn answer(
    h: &Handoff,
    actor: &str,
    role: Role,
    answer: Answer,
    at: DateTime<Utc>,
) -> Result<Handoff, LifecycleError> {
    if !role.can_write() {
        return Err(LifecycleError::Forbidden(format!(
            "`{actor}` is a viewer and cannot answer a hand-off"
        )));
    }
    let allowed = match answer {
        Answer::Accept | Answer::Decline => actor == h.to_person,
        Answer::Withdraw => actor == h.from_person || role == Role::Admin,
    };
    if !allowed {
        return Err(LifecycleError::Forbidden(match answer {
            Answer::Accept | Answer::Decline => format!(
                "only {} can accept or decline hand-off {}",
                h.to_person, h.id
            ),
            Answer::Withdraw => format!(
                "only {} or an admin can withdraw hand-off {}",
                h.from_person, h.id
            ),
        }));
    }
    if h.status != HandoffStatus::Offered {
        return Err(LifecycleError::Conflict(format!(
            "hand-off {} is already {}",
            h.id,
            h.status.as_str()
        )));
    }
    if answer == Answer::Accept && at >= h.to {
        return Err(LifecycleError::Conflict(format!(
            "hand-off {} covered a stretch that ended at {}",
            h.id,
            crate::instant(h.to)
        )));
    }
    Ok(Handoff {
        status: match answer {
            Answer::Accept => HandoffStatus::Accepted,
            Answer::Decline => HandoffStatus::Declined,
            Answer::Withdraw => HandoffStatus::Withdrawn,
        },
        answered_at: Some(at),
        ..h.clone()
    })
}

impl Directory {
    /// This directory with each break's window added to its person's
    /// unavailability (breaks of people no longer listed are skipped).
    pub fn with_breaks(mut self, breaks: &[Break]) -> Self {
        for b in breaks {
            if let (Some(pid), Some(window)) = (self.find(&b.person), b.window()) {
                self.person_mut(pid).unavailable.push(window);
            }
        }
        self
    }
}

impl Guide {
    /// This guide with each accepted hand-off of its team as an override
    /// ahead of the file's own (a hand-off to someone no longer listed, or
    /// of a rotation no longer there, is skipped).
    pub fn with_handoffs(mut self, handoffs: &[Handoff]) -> Self {
        for h in handoffs.iter().rev() {
            if h.team != self.team || h.status != HandoffStatus::Accepted {
                continue;
            }
            let Some(pid) = self.directory.find(&h.to_person) else {
                continue;
            };
            if let Some(r) = self.rotations.iter_mut().find(|r| r.name == h.rotation) {
                r.overrides.insert(
                    0,
                    Override {
                        person: pid,
                        from: h.from,
                        to: h.to,
                    },
                );
            }
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::examples;

    fn guide() -> Guide {
        let dir = Arc::new(Directory::load("org.yaml", examples::ORG).unwrap());
        crate::compile_guide("deference.yaml", examples::GUIDE, dir).unwrap()
    }

    fn at(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    #[test]
    fn a_note_is_counted_in_characters_and_refused_past_the_longest() {
        let at_most = "ü".repeat(LONGEST_NOTE);
        assert!(
            check_note("reason", &at_most).is_ok(),
            "500 characters, 1,000 bytes"
        );
        let err = check_note("reason", &format!("{at_most}x")).unwrap_err();
        assert!(err.to_string().contains("501 characters"), "{err}");
    }

    /// kim holds on-call from 2026-03-26 to 2026-04-02 (weekly from Jan 1).
    const NOW: &str = "2026-04-01T09:00:00Z";

    #[test]
    fn only_the_holder_hands_a_stretch_of_their_own_shift_to_someone_else() {
        let g = guide();
        let (now, end) = (at(NOW), at("2026-04-02T00:00:00Z"));
        check_handoff(&g, "on-call", "kim", "lee", now, end, now).unwrap();
        let not_held = check_handoff(&g, "on-call", "raj", "lee", now, end, now).unwrap_err();
        assert_eq!(not_held.code(), "forbidden", "{not_held}");
        let past_the_shift = check_handoff(
            &g,
            "on-call",
            "kim",
            "lee",
            now,
            at("2026-04-03T00:00:00Z"),
            now,
        )
        .unwrap_err();
        assert!(
            past_the_shift.to_string().contains("raj from"),
            "{past_the_shift}"
        );
        for (rotation, colleague, why) in [
            ("on-call", "kim", "yourself"),
            ("on-call", "zed", "not in the directory"),
            ("night-watch", "lee", "no rotation"),
        ] {
            let e = check_handoff(&g, rotation, "kim", colleague, now, end, now).unwrap_err();
            assert!(e.to_string().contains(why), "{e}");
        }
    }

    fn offered() -> Handoff {
        Handoff {
            id: 1,
            team: "platform".into(),
            rotation: "on-call".into(),
            from_person: "kim".into(),
            to_person: "lee".into(),
            from: at(NOW),
            to: at("2026-04-02T00:00:00Z"),
            note: String::new(),
            status: HandoffStatus::Offered,
            created_at: at(NOW),
            answered_at: None,
        }
    }

    #[test]
    fn a_hand_off_is_answered_once_by_the_colleague_or_withdrawn_by_the_holder() {
        let h = offered();
        let now = at(NOW);
        let accepted = answer(&h, "lee", Role::Member, Answer::Accept, now).unwrap();
        assert_eq!(accepted.status, HandoffStatus::Accepted);
        assert_eq!(
            answer(&accepted, "lee", Role::Member, Answer::Decline, now)
                .unwrap_err()
                .code(),
            "conflict"
        );
        assert_eq!(
            answer(&h, "kim", Role::Member, Answer::Accept, now)
                .unwrap_err()
                .code(),
            "forbidden"
        );
        assert_eq!(
            answer(&h, "lee", Role::Member, Answer::Withdraw, now)
                .unwrap_err()
                .code(),
            "forbidden"
        );
        let withdrawn = answer(&h, "kim", Role::Member, Answer::Withdraw, now).unwrap();
        assert_eq!(withdrawn.status, HandoffStatus::Withdrawn);
        let late = answer(
            &h,
            "lee",
            Role::Member,
            Answer::Accept,
            at("2026-04-02T00:00:00Z"),
        );
        assert_eq!(late.unwrap_err().code(), "conflict");
    }

    #[test]
    fn an_accepted_hand_off_holds_the_rotation_and_a_break_makes_its_person_unavailable() {
        let g = guide();
        let rotation = |g: &Guide| {
            let r = g.rotation("on-call").unwrap();
            let s = r.shifts(&g.directory, at(NOW), at("2026-04-01T10:00:00Z"));
            g.directory.id(s[0].holder).to_owned()
        };
        assert_eq!(rotation(&g), "kim");
        let mut offered = offered();
        let still_offered = guide().with_handoffs(std::slice::from_ref(&offered));
        assert_eq!(
            rotation(&still_offered),
            "kim",
            "an offer alone changes nothing"
        );
        offered.status = HandoffStatus::Accepted;
        assert_eq!(rotation(&g.with_handoffs(&[offered])), "lee");

        let dir = Directory::load("org.yaml", examples::ORG).unwrap();
        let kim = dir.find("kim").unwrap();
        let taken = Break {
            id: 1,
            person: "kim".into(),
            from: at(NOW),
            to: at("2026-04-03T00:00:00Z"),
            reason: String::new(),
            created_by: "kim".into(),
            created_at: at(NOW),
            ended_at: Some(at("2026-04-02T00:00:00Z")),
        };
        let away = dir.with_breaks(&[taken]);
        assert!(away.unavailable_at(kim, at(NOW)).is_some());
        assert!(
            away.unavailable_at(kim, at("2026-04-02T12:00:00Z"))
                .is_none(),
            "ended early"
        );
    }
}
