//! The `from`/`to` windows that several endpoints take in their query.

use baton_core::instant;
use chrono::{DateTime, Utc};

use crate::Problem;

/// `t`, when it lies within the years both stores hold
/// ([`baton_core::in_stored_years`]).
fn within_years(name: &str, t: DateTime<Utc>) -> Result<DateTime<Utc>, Problem> {
    if baton_core::in_stored_years(t) {
        Ok(t)
    } else {
        Err(Problem::bad_query(format!(
            "`{name}` ({}) is outside the years 1 to 9999",
            instant(t)
        )))
    }
}

/// The window `[from, to)` a query asks for: `to` or else `default_to`,
/// `from` or else `default_from(to)`, both within the years 1 to 9999.
/// `from == to` is an empty window, answered with nothing in it; so is a
/// `from` after the default `to` when `to` is not given (from a future
/// instant until now). Only a window given reversed is refused, as a
/// likely mistake.
pub(crate) fn window(
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
    default_to: DateTime<Utc>,
    default_from: impl FnOnce(DateTime<Utc>) -> DateTime<Utc>,
) -> Result<(DateTime<Utc>, DateTime<Utc>), Problem> {
    let given_to = to.map(|t| within_years("to", t)).transpose()?;
    let from = from.map(|t| within_years("from", t)).transpose()?;
    let to = match (from, given_to) {
        (_, Some(to)) => to,
        (Some(from), None) => within_years("to", default_to)?.max(from),
        (None, None) => within_years("to", default_to)?,
    };
    // A default start before the years stored (a `to` in year 1) starts
    // the window at the first instant stored instead: the caller did not
    // ask for it.
    let from = from.unwrap_or_else(|| {
        let from = default_from(to);
        if baton_core::in_stored_years(from) {
            from
        } else {
            baton_core::first_stored_instant()
        }
    });
    not_reversed(from, to)?;
    Ok((from, to))
}

/// Refuses a window whose `to` comes before its `from`: 422, as a query
/// that parses but asks for something that cannot be.
fn not_reversed(from: DateTime<Utc>, to: DateTime<Utc>) -> Result<(), Problem> {
    if from > to {
        return Err(Problem::invalid(format!(
            "`from` ({}) is after `to` ({}): give the window's start first",
            instant(from),
            instant(to)
        )));
    }
    Ok(())
}

/// A window whose ends a query may leave open: `(from, to)`.
type OpenEnds = (Option<DateTime<Utc>>, Option<DateTime<Utc>>);

/// The ends of a window a query may leave open (the application fills
/// them), each within the years 1 to 9999, not reversed when both are
/// given (equal ends are an empty window).
pub(crate) fn open_window(
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
) -> Result<OpenEnds, Problem> {
    let from = from.map(|t| within_years("from", t)).transpose()?;
    let to = to.map(|t| within_years("to", t)).transpose()?;
    if let (Some(from), Some(to)) = (from, to) {
        not_reversed(from, to)?;
    }
    Ok((from, to))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeDelta;

    fn at(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    #[test]
    fn a_default_end_is_taken_relative_to_the_given_one() {
        let to = at("2026-03-01T00:00:00Z");
        let got = window(None, Some(to), at("2030-01-01T00:00:00Z"), |to| {
            to - TimeDelta::days(30)
        });
        assert_eq!(got.unwrap(), (at("2026-01-30T00:00:00Z"), to));
    }

    #[test]
    fn equal_ends_and_a_future_start_alone_are_empty_windows() {
        let now = at("2026-03-01T00:00:00Z");
        let back = |to: DateTime<Utc>| to - TimeDelta::days(30);
        assert_eq!(window(Some(now), Some(now), now, back).unwrap(), (now, now));
        let later = at("2030-01-01T00:00:00Z");
        assert_eq!(
            window(Some(later), None, now, back).unwrap(),
            (later, later)
        );
    }

    #[test]
    fn a_default_start_before_the_stored_years_is_their_first_instant() {
        let now = at("2026-03-01T00:00:00Z");
        let back = |to: DateTime<Utc>| to - TimeDelta::days(30);
        let early = at("0001-01-10T11:46:53Z");
        assert_eq!(
            window(None, Some(early), now, back).unwrap(),
            (at("0001-01-01T00:00:00Z"), early)
        );
    }

    #[test]
    fn ends_beyond_the_stored_years_or_reversed_are_refused() {
        let now = at("2026-03-01T00:00:00Z");
        let back = |to: DateTime<Utc>| to - TimeDelta::days(30);
        for (from, to, said) in [
            (
                None,
                Some(at("-262143-01-15T00:00:00Z")),
                "outside the years",
            ),
            (
                Some(at("0000-06-01T00:00:00Z")),
                Some(now),
                "outside the years",
            ),
            (
                Some(now),
                Some(now - TimeDelta::seconds(1)),
                "is after `to`",
            ),
        ] {
            let problem = window(from, to, now, back).unwrap_err();
            let code = if said == "is after `to`" {
                "invalid"
            } else {
                "invalid_query"
            };
            assert_eq!(problem.code, code, "{from:?} {to:?}");
            assert!(problem.detail.contains(said), "{}", problem.detail);
        }
    }
}
