//! The `from`/`to` windows that several endpoints take in their query.

use chrono::{DateTime, Datelike, Utc};

use crate::Problem;

/// `t`, when it lies within the years 1 to 9999: what both stores hold,
/// and far enough inside chrono's range that a window's arithmetic cannot
/// overflow (which would panic).
pub(crate) fn within_years(name: &str, t: DateTime<Utc>) -> Result<DateTime<Utc>, Problem> {
    if (1..=9999).contains(&t.year()) {
        Ok(t)
    } else {
        Err(Problem::bad_query(format!(
            "`{name}` ({t}) is outside the years 1 to 9999"
        )))
    }
}

/// The window `[from, to)` a query asks for: `to` or else `default_to`,
/// `from` or else `default_from(to)`, both within the years 1 to 9999 and
/// `from` first.
pub(crate) fn window(
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
    default_to: DateTime<Utc>,
    default_from: impl FnOnce(DateTime<Utc>) -> DateTime<Utc>,
) -> Result<(DateTime<Utc>, DateTime<Utc>), Problem> {
    let to = within_years("to", to.unwrap_or(default_to))?;
    let from = within_years("from", from.unwrap_or_else(|| default_from(to)))?;
    if from >= to {
        return Err(Problem::bad_query(format!(
            "`from` ({from}) must be before `to` ({to})"
        )));
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
    fn ends_beyond_the_stored_years_or_reversed_are_refused() {
        let now = at("2026-03-01T00:00:00Z");
        let back = |to: DateTime<Utc>| to - TimeDelta::days(30);
        for (from, to) in [
            (None, Some(at("-262143-01-15T00:00:00Z"))),
            (Some(at("+20000-01-01T00:00:00Z")), None),
            (Some(now), Some(now)),
        ] {
            let problem = window(from, to, now, back).unwrap_err();
            assert_eq!(problem.code, "invalid_query", "{from:?} {to:?}");
        }
    }
}
