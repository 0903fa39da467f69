//! `datetime` values: an RFC 3339 timestamp with a UTC offset, kept exactly as written.

use std::fmt;
use std::hash::{Hash, Hasher};
use std::str::FromStr;

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};

use super::date::Date;
use super::error::{ValueError, excerpt};

#[cfg(any(feature = "time", feature = "chrono"))]
mod convert;
mod parse;
#[cfg(test)]
mod tests;

use parse::parse_parts;

/// A point in time with its UTC offset, the value of a `datetime` variable: an RFC 3339 string
/// such as `"2026-06-14T15:00:00+02:00"` or `"2026-11-24T10:02:11.204Z"` in JSON.
///
/// The value keeps the exact text it was parsed from — offset, precision, letter case — and
/// gives it back unchanged ([`as_str`](DateTime::as_str), `Display`, `Serialize`): a template
/// that prints the time prints what the caller sent, in the caller's offset.
///
/// What is accepted (RFC 3339 §5.6, `date-time`):
///
/// - `YYYY-MM-DD`, a real date with a year 0000-9999, then `T` (or `t`, which RFC 3339
///   allows), then `HH:MM:SS` with hours 00-23 and minutes 00-59;
/// - optionally `.` and 1 to 9 fractional-second digits (nanosecond precision; more digits
///   are rejected rather than silently truncated);
/// - then the offset, which is required: `Z`, `z`, or `+HH:MM`/`-HH:MM` with hours 00-23 and
///   minutes 00-59 (`-00:00` is accepted and means UTC).
///
/// Seconds are 00-59, or 60 for a leap second, which is accepted only where one can occur: at
/// 23:59:60 UTC on the last day of a month (the rule the `time` crate applies too).
///
/// # Equality
///
/// Two values are equal when their texts are equal, so two spellings of one instant are *not*
/// equal (`…T15:00:00+02:00`, `…T13:00:00Z` and `…T13:00:00.000Z`). To compare instants, compare
/// [`unix_timestamp`](DateTime::unix_timestamp) and then [`nanosecond`](DateTime::nanosecond).
///
/// ```
/// use craftkit_core::DateTime;
///
/// let local = DateTime::parse("2026-06-14T15:00:00+02:00")?;
/// let utc = DateTime::parse("2026-06-14T13:00:00Z")?;
/// assert_eq!(local.as_str(), "2026-06-14T15:00:00+02:00");
/// assert_ne!(local, utc);
/// assert_eq!(local.unix_timestamp(), utc.unix_timestamp());
/// assert_eq!(local.offset_seconds(), 7200);
/// assert!(DateTime::parse("2026-06-14T15:00:00").is_err()); // no offset
/// # Ok::<(), craftkit_core::ValueError>(())
/// ```
#[derive(Clone)]
pub struct DateTime {
    text: String,
    parts: Parts,
}

/// What the text says; always derived from `DateTime::text`.
#[derive(Debug, Clone, Copy)]
struct Parts {
    date: Date,
    hour: u8,
    minute: u8,
    second: u8,
    nanosecond: u32,
    offset_seconds: i32,
}

impl DateTime {
    /// Parses an RFC 3339 date-time with a UTC offset (see the [type's docs](DateTime) for
    /// exactly what is accepted).
    ///
    /// ```
    /// use craftkit_core::DateTime;
    ///
    /// let dt = DateTime::parse("2026-11-24T10:02:11.200Z")?;
    /// assert_eq!(dt.to_string(), "2026-11-24T10:02:11.200Z");
    /// assert_eq!(dt.nanosecond(), 200_000_000);
    /// # Ok::<(), craftkit_core::ValueError>(())
    /// ```
    pub fn parse(s: &str) -> Result<DateTime, ValueError> {
        let parts = parse_parts(s.as_bytes()).map_err(|reason| invalid(s, reason))?;
        Ok(DateTime {
            text: s.to_owned(),
            parts,
        })
    }

    /// Like [`parse`](DateTime::parse), keeping `s` itself as the text.
    fn parse_owned(s: String) -> Result<DateTime, ValueError> {
        match parse_parts(s.as_bytes()) {
            Ok(parts) => Ok(DateTime { text: s, parts }),
            Err(reason) => Err(invalid(&s, reason)),
        }
    }

    /// The exact text the value was parsed from.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The calendar date as written, in the value's own offset (`2026-06-14` for
    /// `2026-06-14T23:30:00-05:00`, although it is already June 15 in UTC).
    pub fn date(&self) -> Date {
        self.parts.date
    }

    /// The hour as written, 0 to 23.
    pub fn hour(&self) -> u8 {
        self.parts.hour
    }

    /// The minute as written, 0 to 59.
    pub fn minute(&self) -> u8 {
        self.parts.minute
    }

    /// The second as written, 0 to 59, or 60 for a leap second.
    pub fn second(&self) -> u8 {
        self.parts.second
    }

    /// The fractional second in nanoseconds, 0 to 999 999 999 (`.204` is 204 000 000).
    pub fn nanosecond(&self) -> u32 {
        self.parts.nanosecond
    }

    /// The UTC offset in seconds east of UTC: `Z` and `-00:00` are 0, `+02:00` is 7200,
    /// `-05:30` is -19800.
    pub fn offset_seconds(&self) -> i32 {
        self.parts.offset_seconds
    }

    /// The instant as whole seconds since 1970-01-01T00:00:00Z (negative before it), ignoring
    /// the fractional second ([`nanosecond`](DateTime::nanosecond) adds it).
    ///
    /// A leap second (`23:59:60Z`) has no Unix timestamp of its own; like POSIX time and
    /// `chrono`, it gets the one of the second before it.
    ///
    /// ```
    /// use craftkit_core::DateTime;
    ///
    /// assert_eq!(DateTime::parse("1970-01-01T01:00:00+01:00")?.unix_timestamp(), 0);
    /// assert_eq!(DateTime::parse("2026-02-28T23:59:59Z")?.unix_timestamp(), 1_772_323_199);
    /// # Ok::<(), craftkit_core::ValueError>(())
    /// ```
    pub fn unix_timestamp(&self) -> i64 {
        self.parts.unix_timestamp()
    }
}

impl Parts {
    fn unix_timestamp(&self) -> i64 {
        let second = self.second.min(59);
        self.date.days_since_epoch() * 86_400
            + i64::from(self.hour) * 3_600
            + i64::from(self.minute) * 60
            + i64::from(second)
            - i64::from(self.offset_seconds)
    }
}

fn invalid(input: &str, reason: String) -> ValueError {
    ValueError::InvalidDateTime {
        input: excerpt(input),
        reason,
    }
}

impl PartialEq for DateTime {
    /// Compares the texts: two spellings of one instant are not equal.
    fn eq(&self, other: &DateTime) -> bool {
        self.text == other.text
    }
}

impl Eq for DateTime {}

impl Hash for DateTime {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.text.hash(state);
    }
}

impl fmt::Debug for DateTime {
    /// Shows the text, like `DateTime("2026-06-14T15:00:00+02:00")`: the parts follow from it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("DateTime").field(&self.text).finish()
    }
}

impl fmt::Display for DateTime {
    /// Writes the exact text the value was parsed from.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl AsRef<str> for DateTime {
    fn as_ref(&self) -> &str {
        &self.text
    }
}

impl FromStr for DateTime {
    type Err = ValueError;

    fn from_str(s: &str) -> Result<DateTime, ValueError> {
        DateTime::parse(s)
    }
}

impl TryFrom<&str> for DateTime {
    type Error = ValueError;

    fn try_from(s: &str) -> Result<DateTime, ValueError> {
        DateTime::parse(s)
    }
}

impl TryFrom<String> for DateTime {
    type Error = ValueError;

    fn try_from(s: String) -> Result<DateTime, ValueError> {
        DateTime::parse_owned(s)
    }
}

impl From<DateTime> for String {
    fn from(value: DateTime) -> String {
        value.text
    }
}

impl Serialize for DateTime {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.text)
    }
}

impl<'de> Deserialize<'de> for DateTime {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<DateTime, D::Error> {
        struct DateTimeVisitor;

        impl Visitor<'_> for DateTimeVisitor {
            type Value = DateTime;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an RFC 3339 date-time string with a UTC offset")
            }

            fn visit_str<E: de::Error>(self, s: &str) -> Result<DateTime, E> {
                DateTime::parse(s).map_err(E::custom)
            }

            fn visit_string<E: de::Error>(self, s: String) -> Result<DateTime, E> {
                DateTime::parse_owned(s).map_err(E::custom)
            }
        }

        deserializer.deserialize_string(DateTimeVisitor)
    }
}
