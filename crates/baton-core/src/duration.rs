//! Durations as teams write them in guides: `48h`, `2w`, `1d12h`.
//!
//! A dedicated type rather than `std::time::Duration` because the guide needs a
//! stable textual form (it is echoed in explanations and lints) and a JSON
//! Schema that editors can complete.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A non-negative span of time with a resolution of one second.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Span {
    seconds: i64,
}

/// Why a duration string was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SpanError {
    #[error("empty duration: expected something like `48h`, `2w` or `1d12h`")]
    Empty,
    #[error(
        "`{0}` is not a duration: expected an integer followed by s, m, h, d or w, e.g. `48h` or `1d12h`"
    )]
    Malformed(String),
    #[error("`{0}` is too long a duration")]
    Overflow(String),
}

const UNITS: [(char, i64); 5] = [
    ('w', 7 * 86_400),
    ('d', 86_400),
    ('h', 3_600),
    ('m', 60),
    ('s', 1),
];

/// The longest span we accept: a thousand years keeps every `at + span`
/// computation far from chrono's limits.
const MAX_SECONDS: i64 = 1_000 * 366 * 86_400;

impl Span {
    pub const fn from_seconds(seconds: i64) -> Self {
        Self { seconds }
    }

    pub const fn seconds(self) -> i64 {
        self.seconds
    }

    pub fn as_chrono(self) -> chrono::TimeDelta {
        chrono::TimeDelta::seconds(self.seconds)
    }

    /// Parses `48h`, `2w`, `1d12h`. Units may repeat in any order; each part
    /// needs its own integer.
    pub fn parse(text: &str) -> Result<Self, SpanError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(SpanError::Empty);
        }
        let malformed = || SpanError::Malformed(text.to_owned());
        let mut total: i64 = 0;
        let mut digits = String::new();
        for ch in text.chars() {
            if ch.is_ascii_digit() {
                digits.push(ch);
                continue;
            }
            let unit = UNITS
                .iter()
                .find(|(u, _)| *u == ch)
                .map(|(_, secs)| *secs)
                .ok_or_else(malformed)?;
            if digits.is_empty() {
                return Err(malformed());
            }
            let n: i64 = digits
                .parse()
                .map_err(|_| SpanError::Overflow(text.to_owned()))?;
            total = n
                .checked_mul(unit)
                .and_then(|part| total.checked_add(part))
                .filter(|t| *t <= MAX_SECONDS)
                .ok_or_else(|| SpanError::Overflow(text.to_owned()))?;
            digits.clear();
        }
        if !digits.is_empty() {
            return Err(malformed());
        }
        Ok(Self { seconds: total })
    }
}

impl fmt::Display for Span {
    /// The canonical form: largest units first, so `36h` prints as `1d12h`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.seconds == 0 {
            return f.write_str("0s");
        }
        let mut rest = self.seconds;
        for (unit, secs) in UNITS {
            let n = rest / secs;
            if n > 0 {
                write!(f, "{n}{unit}")?;
                rest -= n * secs;
            }
        }
        Ok(())
    }
}

impl std::str::FromStr for Span {
    type Err = SpanError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl Serialize for Span {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Span {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Span::parse(&text).map_err(serde::de::Error::custom)
    }
}

impl schemars::JsonSchema for Span {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Duration".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "pattern": "^([0-9]+[smhdw])+$",
            "description": "an integer followed by s, m, h, d or w, or several of them: `48h`, `2w`, `1d12h`",
            "examples": ["48h", "2w", "1d12h"]
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check(text: &str, seconds: i64) {
        assert_eq!(Span::parse(text), Ok(Span::from_seconds(seconds)), "{text}");
    }

    #[test]
    fn single_units_parse() {
        check("30s", 30);
        check("5m", 300);
        check("48h", 48 * 3600);
        check("30d", 30 * 86_400);
        check("2w", 14 * 86_400);
    }

    #[test]
    fn compound_durations_add_up() {
        check("1d12h", 36 * 3600);
        check("1h30m", 5400);
    }

    #[test]
    fn display_is_canonical_and_round_trips() {
        assert_eq!(Span::from_seconds(36 * 3600).to_string(), "1d12h");
        assert_eq!(Span::from_seconds(14 * 86_400).to_string(), "2w");
        assert_eq!(Span::from_seconds(0).to_string(), "0s");
        let s = Span::parse("1w2d3h4m5s").unwrap();
        assert_eq!(Span::parse(&s.to_string()), Ok(s));
    }

    #[test]
    fn malformed_durations_are_refused_with_the_text() {
        for bad in ["", "h", "48", "48x", "1.5h", "-3h", "h48", "4 8h"] {
            assert!(Span::parse(bad).is_err(), "{bad:?} should be refused");
        }
        let err = Span::parse("48x").unwrap_err().to_string();
        assert!(err.contains("`48x`"), "{err}");
    }

    #[test]
    fn absurdly_long_durations_are_refused_not_overflowed() {
        assert!(matches!(
            Span::parse("99999999999999999999w"),
            Err(SpanError::Overflow(_))
        ));
        assert!(matches!(
            Span::parse("2000000w"),
            Err(SpanError::Overflow(_))
        ));
    }
}
