//! `datetime` values: an RFC 3339 timestamp with a UTC offset, kept exactly as written.

use std::fmt;
use std::hash::{Hash, Hasher};
use std::str::FromStr;

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};

use super::date::{self, Date, DateFault};
use super::error::{ValueError, excerpt};

/// What a `datetime` variable expects, for error messages.
const EXPECTED: &str = concat!(
    "expected an RFC 3339 date-time with a UTC offset, ",
    "like 2026-06-14T15:00:00+02:00 or 2026-06-14T13:00:00Z"
);

/// The most fractional-second digits accepted: nanoseconds.
const MAX_FRACTION_DIGITS: usize = 9;

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

/// Parses the text from raw bytes, so that non-ASCII input can never split a character.
fn parse_parts(b: &[u8]) -> Result<Parts, String> {
    let shape = || EXPECTED.to_owned();
    let date = match b.get(..10).map(date::parse_bytes) {
        Some(Ok(date)) => date,
        Some(Err(DateFault::Calendar(reason))) => return Err(reason),
        Some(Err(DateFault::Shape)) | None => return Err(shape()),
    };
    match b.get(10) {
        Some(b'T' | b't') => {}
        None => return Err(format!("a date without a time ({EXPECTED})")),
        Some(b' ') => {
            return Err(format!(
                "the date and time must be separated by T ({EXPECTED})"
            ));
        }
        Some(_) => return Err(shape()),
    }
    let (hour, minute, second) = match (
        two_digits(b, 11),
        b.get(13),
        two_digits(b, 14),
        b.get(16),
        two_digits(b, 17),
    ) {
        (Some(hour), Some(b':'), Some(minute), Some(b':'), Some(second)) => (hour, minute, second),
        _ => return Err(shape()),
    };
    if hour > 23 {
        return Err("hour must be 00-23".to_owned());
    }
    if minute > 59 {
        return Err("minute must be 00-59".to_owned());
    }
    if second > 60 {
        return Err("second must be 00-59 (or 60 for a leap second)".to_owned());
    }

    let mut at = 19;
    let mut nanosecond = 0;
    if b.get(at) == Some(&b'.') {
        at += 1;
        let fraction = b.get(at..).unwrap_or_default();
        let len = fraction.iter().take_while(|c| c.is_ascii_digit()).count();
        if len == 0 {
            return Err("a '.' must be followed by fractional-second digits".to_owned());
        }
        if len > MAX_FRACTION_DIGITS {
            return Err(format!(
                "at most {MAX_FRACTION_DIGITS} fractional-second digits (nanoseconds) are supported"
            ));
        }
        // At most 9 digits: at most 999 999 999, which fits a u32.
        let value = date::digits(&fraction[..len]).unwrap_or(0);
        nanosecond = value * 10u32.pow((MAX_FRACTION_DIGITS - len) as u32);
        at += len;
    }

    let offset_seconds = match b.get(at) {
        Some(b'Z' | b'z') => {
            at += 1;
            0
        }
        Some(sign @ (b'+' | b'-')) => {
            let (Some(hours), Some(b':'), Some(minutes)) =
                (two_digits(b, at + 1), b.get(at + 3), two_digits(b, at + 4))
            else {
                return Err(format!("the UTC offset must be Z or ±HH:MM ({EXPECTED})"));
            };
            if hours > 23 {
                return Err("offset hours must be 00-23".to_owned());
            }
            if minutes > 59 {
                return Err("offset minutes must be 00-59".to_owned());
            }
            at += 6;
            let magnitude = i32::from(hours) * 3_600 + i32::from(minutes) * 60;
            if *sign == b'-' { -magnitude } else { magnitude }
        }
        None => {
            return Err(format!(
                "missing the UTC offset: add Z or ±HH:MM ({EXPECTED})"
            ));
        }
        Some(_) => return Err(shape()),
    };
    if at != b.len() {
        return Err(format!("unexpected text after the UTC offset ({EXPECTED})"));
    }

    let parts = Parts {
        date,
        hour,
        minute,
        second,
        nanosecond,
        offset_seconds,
    };
    if second == 60 && !is_leap_second_slot(&parts) {
        return Err(
            "second 60 (a leap second) can only be 23:59:60 UTC on the last day of a month"
                .to_owned(),
        );
    }
    Ok(parts)
}

/// The two-digit number at `b[at..at + 2]`, if both bytes are ASCII digits.
fn two_digits(b: &[u8], at: usize) -> Option<u8> {
    let pair = b.get(at..at.checked_add(2)?)?;
    // Two digits are at most 99.
    date::digits(pair).and_then(|n| u8::try_from(n).ok())
}

/// Whether a `:60` second falls on 23:59:60 UTC of a month's last day: the only place leap
/// seconds are inserted.
fn is_leap_second_slot(parts: &Parts) -> bool {
    // `unix_timestamp` counts :60 as :59, so the slot is the last second of a UTC day...
    let utc = parts.unix_timestamp();
    let day = utc.div_euclid(86_400);
    utc.rem_euclid(86_400) == 86_399
        // ...whose next day is the first of a month.
        && date::day_of_month_from_days(day + 1) == 1
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

/// Writes RFC 3339 text from the parts of another crate's date-time and parses it, so that a
/// converted value obeys exactly the rules of a parsed one.
///
/// A zero offset is written `Z`; the fraction is written only when it is not zero, with its
/// trailing zeros dropped. `second` may be 60 (a leap second).
#[cfg(any(feature = "time", feature = "chrono"))]
fn from_components(
    date: Result<Date, ValueError>,
    (hour, minute, second): (u8, u8, u8),
    nanosecond: u32,
    offset_seconds: i32,
) -> Result<DateTime, ValueError> {
    use std::fmt::Write as _;

    let date = date.map_err(|err| match err {
        ValueError::InvalidDate { input, reason } => invalid(&input, reason),
        other => other,
    })?;
    let mut text = format!("{date}T{hour:02}:{minute:02}:{second:02}");
    if nanosecond != 0 {
        let fraction = format!("{nanosecond:09}");
        let _ = write!(text, ".{}", fraction.trim_end_matches('0'));
    }
    if offset_seconds % 60 != 0 {
        return Err(invalid(
            &text,
            format!(
                "the UTC offset of {offset_seconds} s has seconds, which RFC 3339 cannot write"
            ),
        ));
    }
    if offset_seconds == 0 {
        text.push('Z');
    } else {
        let sign = if offset_seconds < 0 { '-' } else { '+' };
        let minutes = offset_seconds.unsigned_abs() / 60;
        let _ = write!(text, "{sign}{:02}:{:02}", minutes / 60, minutes % 60);
    }
    DateTime::parse_owned(text)
}

#[cfg(feature = "time")]
mod time_conversions {
    use super::{Date, DateTime, ValueError, from_components};

    impl TryFrom<time::OffsetDateTime> for DateTime {
        type Error = ValueError;

        /// Writes the instant in its own offset (`Z` for UTC), with the fraction's trailing
        /// zeros dropped.
        ///
        /// Fails for years outside 0..=9999 and for offsets with seconds, which RFC 3339
        /// cannot write.
        fn try_from(value: time::OffsetDateTime) -> Result<DateTime, ValueError> {
            from_components(
                Date::try_from(value.date()),
                (value.hour(), value.minute(), value.second()),
                value.nanosecond(),
                value.offset().whole_seconds(),
            )
        }
    }

    impl From<&DateTime> for time::OffsetDateTime {
        /// The same instant in the same offset.
        ///
        /// `time` has no leap seconds: like its own RFC 3339 parser, this turns `23:59:60` into
        /// `23:59:59.999999999`.
        fn from(value: &DateTime) -> time::OffsetDateTime {
            let parts = value.parts;
            let (second, nanosecond) = if parts.second == 60 {
                (59, 999_999_999)
            } else {
                (parts.second, parts.nanosecond)
            };
            // Every part is in range by construction, and `time` covers years -9999..=9999 and
            // offsets up to ±25:59:59.
            let time = time::Time::from_hms_nano(parts.hour, parts.minute, second, nanosecond)
                .expect("a DateTime's time of day is a valid time::Time");
            let offset = time::UtcOffset::from_whole_seconds(parts.offset_seconds)
                .expect("a DateTime's offset is a valid time::UtcOffset");
            time::PrimitiveDateTime::new(parts.date.into(), time).assume_offset(offset)
        }
    }

    impl From<DateTime> for time::OffsetDateTime {
        /// See the conversion from `&DateTime`.
        fn from(value: DateTime) -> time::OffsetDateTime {
            time::OffsetDateTime::from(&value)
        }
    }
}

#[cfg(feature = "chrono")]
mod chrono_conversions {
    use chrono::{Datelike as _, Timelike as _};

    use super::{Date, DateTime, ValueError, from_components};

    impl TryFrom<chrono::DateTime<chrono::FixedOffset>> for DateTime {
        type Error = ValueError;

        /// Writes the instant in its own offset (`Z` for a zero offset), with the fraction's
        /// trailing zeros dropped; a chrono leap second becomes `:60`.
        ///
        /// Fails for years outside 0..=9999, offsets with seconds, and leap seconds anywhere
        /// but 23:59:60 UTC on the last day of a month.
        fn try_from(value: chrono::DateTime<chrono::FixedOffset>) -> Result<DateTime, ValueError> {
            let local = value.naive_local();
            let offset = value.offset().local_minus_utc();
            let (mut second, mut nanosecond) = (local.second(), local.nanosecond());
            if nanosecond >= 1_000_000_000 {
                // chrono writes a leap second as :59 with an extra second of nanoseconds.
                second += 1;
                nanosecond -= 1_000_000_000;
            }
            // Month, day, hour, minute and second are all small, so they fit in a u8.
            from_components(
                Date::new(local.year(), local.month() as u8, local.day() as u8),
                (local.hour() as u8, local.minute() as u8, second as u8),
                nanosecond,
                offset,
            )
        }
    }

    impl TryFrom<chrono::DateTime<chrono::Utc>> for DateTime {
        type Error = ValueError;

        /// Writes the instant in UTC (`Z`); see the conversion from
        /// `chrono::DateTime<FixedOffset>`.
        fn try_from(value: chrono::DateTime<chrono::Utc>) -> Result<DateTime, ValueError> {
            DateTime::try_from(value.fixed_offset())
        }
    }

    impl From<&DateTime> for chrono::DateTime<chrono::FixedOffset> {
        /// The same instant in the same offset; a leap second becomes chrono's leap second.
        fn from(value: &DateTime) -> chrono::DateTime<chrono::FixedOffset> {
            let parts = value.parts;
            let (second, nanosecond) = if parts.second == 60 {
                (59, parts.nanosecond + 1_000_000_000)
            } else {
                (parts.second, parts.nanosecond)
            };
            // Every part is in range by construction, chrono covers years -262143..=262142,
            // offsets under 24 hours, and leap seconds at :59 of any minute.
            let time = chrono::NaiveTime::from_hms_nano_opt(
                parts.hour.into(),
                parts.minute.into(),
                second.into(),
                nanosecond,
            )
            .expect("a DateTime's time of day is a valid chrono::NaiveTime");
            let offset = chrono::FixedOffset::east_opt(parts.offset_seconds)
                .expect("a DateTime's offset is a valid chrono::FixedOffset");
            chrono::NaiveDateTime::new(parts.date.into(), time)
                .and_local_timezone(offset)
                .single()
                .expect("a fixed offset maps every local time to one instant")
        }
    }

    impl From<DateTime> for chrono::DateTime<chrono::FixedOffset> {
        /// See the conversion from `&DateTime`.
        fn from(value: DateTime) -> chrono::DateTime<chrono::FixedOffset> {
            chrono::DateTime::from(&value)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn dt(s: &str) -> DateTime {
        DateTime::parse(s).unwrap_or_else(|err| panic!("{s:?}: {err}"))
    }

    #[test]
    fn keeps_the_exact_text() {
        for s in [
            "2026-06-14T15:00:00+02:00",
            "2026-02-28T23:59:59Z",
            "2026-11-24T10:02:11.204Z",
            "2026-11-24T10:02:11.200Z",
            "2026-11-24T10:02:11.000000000-00:00",
            "2026-11-24t10:02:11.2z",
            "0000-01-01T00:00:00+23:59",
            "9999-12-31T23:59:59.999999999-23:59",
        ] {
            let value = dt(s);
            assert_eq!(value.as_str(), s);
            assert_eq!(value.to_string(), s);
            assert_eq!(String::from(value.clone()), s);
            assert_eq!(serde_json::to_value(&value).unwrap(), s);
            assert_eq!(s.parse::<DateTime>().unwrap(), value);
            assert_eq!(DateTime::try_from(s).unwrap(), value);
            assert_eq!(DateTime::try_from(s.to_owned()).unwrap(), value);
        }
    }

    #[test]
    fn exposes_the_parts() {
        let value = dt("2026-11-24T10:02:11.204-05:30");
        assert_eq!(value.date(), Date::parse("2026-11-24").unwrap());
        assert_eq!((value.hour(), value.minute(), value.second()), (10, 2, 11));
        assert_eq!(value.nanosecond(), 204_000_000);
        assert_eq!(value.offset_seconds(), -(5 * 3600 + 30 * 60));
        assert_eq!(dt("2026-01-01T00:00:00.000000001Z").nanosecond(), 1);
        assert_eq!(dt("2026-01-01T00:00:00.5Z").nanosecond(), 500_000_000);
        assert_eq!(dt("2026-01-01T00:00:00-00:00").offset_seconds(), 0);
    }

    #[test]
    fn equality_is_by_text_and_timestamps_compare_instants() {
        let spellings = [
            "2026-06-14T15:00:00+02:00",
            "2026-06-14T13:00:00Z",
            "2026-06-14T13:00:00z",
            "2026-06-14T13:00:00.000Z",
            "2026-06-14T08:00:00-05:00",
        ];
        let values: Vec<DateTime> = spellings.iter().map(|s| dt(s)).collect();
        for (i, a) in values.iter().enumerate() {
            for (j, b) in values.iter().enumerate() {
                assert_eq!(a == b, i == j);
                assert_eq!(a.unix_timestamp(), b.unix_timestamp());
                assert_eq!(a.nanosecond(), b.nanosecond());
            }
        }
    }

    #[test]
    fn unix_timestamps() {
        assert_eq!(dt("1970-01-01T00:00:00Z").unix_timestamp(), 0);
        assert_eq!(dt("1970-01-01T00:00:00+00:01").unix_timestamp(), -60);
        assert_eq!(dt("1969-12-31T23:59:59Z").unix_timestamp(), -1);
        assert_eq!(dt("2000-01-01T00:00:00Z").unix_timestamp(), 946_684_800);
        assert_eq!(
            dt("2026-06-14T15:00:00+02:00").unix_timestamp(),
            1_781_442_000
        );
        assert_eq!(dt("0000-01-01T00:00:00Z").unix_timestamp(), -62_167_219_200);
        assert_eq!(dt("9999-12-31T23:59:59Z").unix_timestamp(), 253_402_300_799);
    }

    #[test]
    fn leap_seconds_only_at_the_end_of_a_utc_month() {
        for ok in [
            "2016-12-31T23:59:60Z",
            "2016-12-31T23:59:60.5Z",
            "2015-06-30T23:59:60Z",
            "2017-01-01T00:59:60+01:00",
            "2016-12-31T18:59:60-05:00",
            "2024-02-29T23:59:60Z",
        ] {
            let value = dt(ok);
            assert_eq!(value.second(), 60);
            assert_eq!(
                value.unix_timestamp(),
                DateTime::parse(&ok.replacen(":60", ":59", 1))
                    .unwrap()
                    .unix_timestamp()
            );
        }
        for bad in [
            "2016-12-30T23:59:60Z",
            "2016-12-31T23:58:60Z",
            "2016-12-31T23:59:60+01:00",
            "2024-02-28T23:59:60Z",
            "2016-12-31T23:59:61Z",
        ] {
            assert!(DateTime::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn rejects_what_rfc_3339_does_not_allow() {
        for bad in [
            "",
            "2026-06-14",
            "2026-06-14T15:00:00",
            "2026-06-14T15:00:00.123",
            "2026-06-14 15:00:00Z",
            "2026-06-14_15:00:00Z",
            "2026-06-14T15:00Z",
            "2026-06-14T15:00:00+0200",
            "2026-06-14T15:00:00+02",
            "2026-06-14T15:00:00+2:00",
            "2026-06-14T15:00:00+24:00",
            "2026-06-14T15:00:00+02:60",
            "2026-06-14T15:00:00UTC",
            "2026-06-14T15:00:00Z ",
            " 2026-06-14T15:00:00Z",
            "2026-06-14T15:00:00ZZ",
            "2026-06-14T24:00:00Z",
            "2026-06-14T23:60:00Z",
            "2026-06-14T23:00:61Z",
            "2026-06-14T15:00:00.Z",
            "2026-06-14T15:00:00.1234567890Z",
            "2026-06-14T15:00:00,5Z",
            "2026-02-30T15:00:00Z",
            "2026-06-14T1５:00:00Z",
            "2026-06-14T15:00:00+02:0é",
            "2026-06-14T15:00:00+é",
            "+2026-06-14T15:00:00Z",
        ] {
            assert!(DateTime::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn error_messages_say_what_and_why() {
        let message = |s: &str| DateTime::parse(s).unwrap_err().to_string();
        assert!(message("2026-06-14T15:00:00").contains("missing the UTC offset"));
        assert!(
            message("2026-06-14T15:00:00")
                .starts_with(r#"invalid datetime "2026-06-14T15:00:00": "#)
        );
        assert!(message("2026-06-14").contains("a date without a time"));
        assert!(message("2026-06-14T25:00:00Z").contains("hour must be 00-23"));
        assert!(message("2026-02-30T15:00:00Z").contains("February 2026 has 28 days"));
        assert!(message("14/06/2026 15:00").contains("2026-06-14T15:00:00+02:00"));
        let huge = format!("2026-06-14T15:00:00Z{}", "x".repeat(1_000_000));
        assert!(message(&huge).len() < 300);
    }

    #[test]
    fn serde_validates() {
        let value: DateTime = serde_json::from_str(r#""2026-11-24T10:02:11.204Z""#).unwrap();
        assert_eq!(value.as_str(), "2026-11-24T10:02:11.204Z");
        let err = serde_json::from_str::<DateTime>(r#""2026-06-14T15:00:00""#).unwrap_err();
        assert!(err.to_string().contains("missing the UTC offset"), "{err}");
        let err = serde_json::from_str::<DateTime>("12").unwrap_err();
        assert!(err.to_string().contains("RFC 3339"), "{err}");
        // Owned strings (escapes force serde_json to build one) keep their text too.
        let value: DateTime = serde_json::from_str(r#""2026-11-24\u005410:02:11Z""#).unwrap();
        assert_eq!(value.as_str(), "2026-11-24T10:02:11Z");
    }

    #[test]
    fn debug_shows_the_text() {
        assert_eq!(
            format!("{:?}", dt("2026-06-14T15:00:00+02:00")),
            r#"DateTime("2026-06-14T15:00:00+02:00")"#
        );
    }

    #[test]
    fn hash_agrees_with_eq() {
        use std::collections::HashSet;
        let set: HashSet<DateTime> = [
            "2026-06-14T13:00:00Z",
            "2026-06-14T13:00:00Z",
            "2026-06-14T15:00:00+02:00",
        ]
        .iter()
        .map(|s| dt(s))
        .collect();
        assert_eq!(set.len(), 2);
    }

    proptest! {
        #[test]
        fn never_panics_and_round_trips(s in any::<String>()) {
            if let Ok(value) = DateTime::parse(&s) {
                prop_assert_eq!(value.as_str(), s.as_str());
                prop_assert_eq!(value.to_string(), s);
            }
        }

        #[test]
        fn near_datetimes_never_panic_and_round_trip(
            s in r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9é٣]{2}(\.[0-9]{0,11})?([Zz]|[+-][0-9]{2}:[0-9é]{2}|[+-][0-9]{1,4}|é)?.{0,2}"
        ) {
            if let Ok(value) = DateTime::parse(&s) {
                prop_assert_eq!(value.as_str(), s.as_str());
            }
        }

        #[test]
        fn valid_datetimes_parse_with_the_right_instant(
            (year, month, day) in (0..=9999i32, 1..=12u8, 1..=28u8),
            seconds_of_day in 0i64..86_400,
            fraction in proptest::option::of((1usize..=9, 0u32..1_000_000_000)),
            offset_minutes in -(23 * 60 + 59)..=(23 * 60 + 59i32),
            lower in any::<bool>(),
        ) {
            let date = Date::new(year, month, day).unwrap();
            let days = date.days_since_epoch();
            let (hour, minute, second) = (seconds_of_day / 3600, seconds_of_day / 60 % 60, seconds_of_day % 60);
            let mut text = format!("{date}{}{hour:02}:{minute:02}:{second:02}", if lower { 't' } else { 'T' });
            let mut nanosecond = 0;
            if let Some((digits, value)) = fraction {
                let written = format!("{value:09}");
                text.push('.');
                text.push_str(&written[..digits]);
                nanosecond = written[..digits].parse::<u32>().unwrap() * 10u32.pow(9 - digits as u32);
            }
            let sign = if offset_minutes < 0 { '-' } else { '+' };
            let abs = offset_minutes.unsigned_abs();
            text.push_str(&format!("{sign}{:02}:{:02}", abs / 60, abs % 60));

            let value = DateTime::parse(&text).unwrap();
            prop_assert_eq!(value.as_str(), text.as_str());
            prop_assert_eq!(value.date(), date);
            prop_assert_eq!(value.nanosecond(), nanosecond);
            prop_assert_eq!(value.offset_seconds(), offset_minutes * 60);
            prop_assert_eq!(
                value.unix_timestamp(),
                days * 86_400 + seconds_of_day - i64::from(offset_minutes) * 60
            );
        }
    }

    #[cfg(feature = "time")]
    mod time_tests {
        use super::*;
        use time::format_description::well_known::Rfc3339;

        #[test]
        fn into_time_keeps_instant_and_offset() {
            for s in [
                "2026-06-14T15:00:00+02:00",
                "2026-11-24T10:02:11.204Z",
                "0000-01-01T00:00:00+23:59",
                "9999-12-31T23:59:59.999999999-23:59",
                "2016-12-31T23:59:60Z",
            ] {
                let value = dt(s);
                let converted = time::OffsetDateTime::from(&value);
                assert_eq!(
                    converted,
                    time::OffsetDateTime::parse(s, &Rfc3339).unwrap(),
                    "{s}"
                );
                assert_eq!(converted.offset().whole_seconds(), value.offset_seconds());
                assert_eq!(converted.unix_timestamp(), value.unix_timestamp());
                assert_eq!(time::OffsetDateTime::from(value), converted);
            }
        }

        #[test]
        fn from_time_writes_rfc_3339() {
            use time::macros::datetime;
            let cases = [
                (
                    datetime!(2026-06-14 15:00:00 +02:00),
                    "2026-06-14T15:00:00+02:00",
                ),
                (
                    datetime!(2026-11-24 10:02:11.204 UTC),
                    "2026-11-24T10:02:11.204Z",
                ),
                (
                    datetime!(2026-11-24 10:02:11.000_000_001 -05:30),
                    "2026-11-24T10:02:11.000000001-05:30",
                ),
            ];
            for (input, expected) in cases {
                let value = DateTime::try_from(input).unwrap();
                assert_eq!(value.as_str(), expected);
                assert_eq!(time::OffsetDateTime::from(&value), input);
            }
            assert!(DateTime::try_from(datetime!(-0001-01-01 00:00 UTC)).is_err());
            assert!(DateTime::try_from(datetime!(2026-01-01 00:00 +01:00:30)).is_err());
        }

        proptest! {
            #[test]
            fn timestamps_agree_with_time(s in r"[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{1,9})?(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])") {
                let value = dt(&s);
                let reference = time::OffsetDateTime::parse(&s, &Rfc3339).unwrap();
                prop_assert_eq!(value.unix_timestamp(), reference.unix_timestamp());
                prop_assert_eq!(value.nanosecond(), reference.nanosecond());
                prop_assert_eq!(time::OffsetDateTime::from(&value), reference);
                let back = DateTime::try_from(reference).unwrap();
                prop_assert_eq!(back.unix_timestamp(), value.unix_timestamp());
                prop_assert_eq!(back.nanosecond(), value.nanosecond());
            }
        }
    }

    #[cfg(feature = "chrono")]
    mod chrono_tests {
        use super::*;

        #[test]
        fn into_chrono_keeps_instant_and_offset() {
            for s in [
                "2026-06-14T15:00:00+02:00",
                "2026-11-24T10:02:11.204Z",
                "0000-01-01T00:00:00+23:59",
                "9999-12-31T23:59:59.999999999-23:59",
                "2016-12-31T23:59:60.25Z",
                "2017-01-01T00:59:60+01:00",
            ] {
                let value = dt(s);
                let converted = chrono::DateTime::<chrono::FixedOffset>::from(&value);
                assert_eq!(
                    converted,
                    chrono::DateTime::parse_from_rfc3339(s).unwrap(),
                    "{s}"
                );
                assert_eq!(converted.offset().local_minus_utc(), value.offset_seconds());
                assert_eq!(converted.timestamp(), value.unix_timestamp());
                // And back: the same text, but for a zero offset, which is written `Z`.
                assert_eq!(DateTime::try_from(converted).unwrap(), value, "{s}");
                assert_eq!(
                    chrono::DateTime::<chrono::FixedOffset>::from(value),
                    converted
                );
            }
        }

        #[test]
        fn from_chrono_writes_rfc_3339() {
            let utc = chrono::DateTime::parse_from_rfc3339("2026-06-14T13:00:00.120+00:00")
                .unwrap()
                .with_timezone(&chrono::Utc);
            assert_eq!(
                DateTime::try_from(utc).unwrap().as_str(),
                "2026-06-14T13:00:00.12Z"
            );
            let fixed = chrono::DateTime::parse_from_rfc3339("2026-06-14T15:00:00-02:30").unwrap();
            assert_eq!(
                DateTime::try_from(fixed).unwrap().as_str(),
                "2026-06-14T15:00:00-02:30"
            );

            let odd_offset = chrono::FixedOffset::east_opt(3_601).unwrap();
            assert!(DateTime::try_from(utc.with_timezone(&odd_offset)).is_err());
            let far = chrono::NaiveDate::from_ymd_opt(10_000, 1, 1)
                .unwrap()
                .and_hms_opt(0, 0, 0)
                .unwrap()
                .and_utc();
            assert!(DateTime::try_from(far).is_err());
            // chrono allows a leap second at the end of any minute; RFC 3339 does not.
            let leap = chrono::NaiveDate::from_ymd_opt(2026, 6, 14)
                .unwrap()
                .and_hms_milli_opt(12, 0, 59, 1_500)
                .unwrap()
                .and_utc();
            assert!(DateTime::try_from(leap).is_err());
        }

        proptest! {
            #[test]
            fn timestamps_agree_with_chrono(s in r"[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])[Tt]([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{1,9})?([Zz]|[+-]([01][0-9]|2[0-3]):[0-5][0-9])") {
                let value = dt(&s);
                let reference = chrono::DateTime::parse_from_rfc3339(&s).unwrap();
                prop_assert_eq!(value.unix_timestamp(), reference.timestamp());
                prop_assert_eq!(value.nanosecond(), reference.timestamp_subsec_nanos());
                prop_assert_eq!(chrono::DateTime::<chrono::FixedOffset>::from(&value), reference);
            }
        }
    }
}
