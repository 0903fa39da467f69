//! Conversions between [`DateTime`] and the `time` and `chrono` crates' date-times.

use super::{Date, DateTime, ValueError, invalid};

/// Writes RFC 3339 text from the parts of another crate's date-time and parses it, so that a
/// converted value obeys exactly the rules of a parsed one.
///
/// A zero offset is written `Z`; the fraction is written only when it is not zero, with its
/// trailing zeros dropped. `second` may be 60 (a leap second).
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
