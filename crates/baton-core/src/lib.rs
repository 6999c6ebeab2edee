//! baton's engine: the deference guide and org directory formats, CEL
//! conditions, rotations, and the authority resolver.
//!
//! # Layout
//! - [`org`]: `org.yaml` — people, managers, expertise claims, endorsements.
//! - [`guide`]: `deference.yaml` — rules, selectors, roles, rotations,
//!   decision types; validated and compiled against a directory.
//! - [`condition`]: CEL `when` expressions, guarded against stack exhaustion.
//! - [`rotation`]: who holds a rotating role at an instant.
//! - [`resolve`]: the resolver — request in, resolution and explanation out.
//! - [`lint`]: `baton check` warnings beyond validity.
//! - [`guidetest`]: `baton test` — guide tests, the way `opa test` runs policy tests.
//! - [`schema`]: JSON Schemas for the file formats, for editors.
//! - [`feedback`]: anonymous surveys and confidence polls (SPEC §7).
//! - [`analytics`]: SPEC §6 metrics and watchdog alerts, from the decision log.
//! - [`availability`]: breaks and hand-offs, laid over the files.
//! - [`access`]: the order of roles, what each permits, and the role a
//!   person holds for a team at an instant (with the guide's `grants`).
//!
//! This crate does no I/O: callers hand it file contents and org state, and
//! it hands back values. It is synchronous and has no global state.

pub mod access;
pub mod analytics;
pub mod availability;
pub mod condition;
pub mod diagnostic;
pub mod duration;
pub mod examples;
pub mod feedback;
pub mod fold;
pub mod guide;
pub mod guidetest;
pub mod ident;
pub mod lifecycle;
pub mod lint;
pub mod misuse;
pub mod org;
pub mod replay;
pub mod resolve;
pub mod rotation;
pub mod schema;
mod spelling;
pub(crate) mod text;
mod yaml;

pub use diagnostic::{Diagnostic, LoadErrors, Severity};
pub use guide::{Guide, compile as compile_guide};
pub use ident::{DecisionId, PersonId, TeamId};
pub use org::Directory;
pub use resolve::{OrgState, Request, Resolution, ResolveError, resolve};

/// The one way instants are printed in explanations and messages: RFC 3339
/// in UTC with a `Z`, to the second — the same form as the JSON output.
pub fn instant(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// The one way instants are read from people (flags, sheets): RFC 3339, or
/// a plain date meaning its midnight, UTC.
pub fn parse_instant(text: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(text) {
        return Some(t.with_timezone(&chrono::Utc));
    }
    chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc())
}

/// Whether `t` lies within the years 1 to 9999: what both stores hold,
/// and far enough inside chrono's range that arithmetic on windows and
/// deadlines around it cannot overflow.
pub fn in_stored_years(t: chrono::DateTime<chrono::Utc>) -> bool {
    (1..=9999).contains(&chrono::Datelike::year(&t))
}

/// The first instant of the stored years: 0001-01-01T00:00:00Z.
pub fn first_stored_instant() -> chrono::DateTime<chrono::Utc> {
    chrono::NaiveDate::from_ymd_opt(1, 1, 1).map_or(chrono::DateTime::<chrono::Utc>::MIN_UTC, |d| {
        d.and_time(chrono::NaiveTime::MIN).and_utc()
    })
}
