//! The RFC 3339 `date-time` parser, byte by byte.

use super::Parts;
use crate::value::date::{self, DateFault};

/// What a `datetime` variable expects, for error messages.
const EXPECTED: &str = concat!(
    "expected an RFC 3339 date-time with a UTC offset, ",
    "like 2026-06-14T15:00:00+02:00 or 2026-06-14T13:00:00Z"
);

/// The most fractional-second digits accepted: nanoseconds.
const MAX_FRACTION_DIGITS: usize = 9;

/// Parses the text from raw bytes, so that non-ASCII input can never split a character.
pub(super) fn parse_parts(b: &[u8]) -> Result<Parts, String> {
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
