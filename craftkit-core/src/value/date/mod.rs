//! `date` values: a calendar date written `YYYY-MM-DD`.

use std::fmt;
use std::str::FromStr;

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};

use super::error::{ValueError, excerpt};

/// What a `date` variable expects, for error messages.
const EXPECTED: &str = "expected YYYY-MM-DD";

const MONTH_NAMES: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// A calendar date, the value of a `date` variable: `"YYYY-MM-DD"` in JSON.
///
/// Always a real date of the proleptic Gregorian calendar (leap years included) with a year
/// from 0000 to 9999, since that is all that four digits can write. Dates order
/// chronologically.
///
/// ```
/// use craftkit_core::Date;
///
/// let date = Date::parse("2024-02-29")?;
/// assert_eq!((date.year(), date.month(), date.day()), (2024, 2, 29));
/// assert_eq!(date.to_string(), "2024-02-29");
/// assert!(Date::parse("2023-02-29").is_err()); // not a leap year
/// assert!(Date::new(2026, 6, 14)? > date);
/// # Ok::<(), craftkit_core::ValueError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Date {
    // Field order matters: the derived `Ord` compares year, then month, then day.
    year: u16,
    month: u8,
    day: u8,
}

/// Why some bytes are not a date; [`Date`] and [`DateTime`](super::DateTime) word the shape
/// error differently, so the parser leaves that to them.
pub(crate) enum DateFault {
    /// Not four digits, `-`, two digits, `-`, two digits.
    Shape,
    /// The right shape, but no such day (the message says why).
    Calendar(String),
}

impl Date {
    /// The date `year`-`month`-`day`, if it exists and its year is within 0..=9999.
    ///
    /// ```
    /// use craftkit_core::Date;
    ///
    /// assert_eq!(Date::new(2026, 6, 14)?.to_string(), "2026-06-14");
    /// assert!(Date::new(2026, 2, 29).is_err());
    /// assert!(Date::new(10_000, 1, 1).is_err());
    /// # Ok::<(), craftkit_core::ValueError>(())
    /// ```
    pub fn new(year: i32, month: u8, day: u8) -> Result<Date, ValueError> {
        let invalid = |reason: String| ValueError::InvalidDate {
            input: format!("{year:04}-{month:02}-{day:02}"),
            reason,
        };
        let year = u16::try_from(year)
            .ok()
            .filter(|year| *year <= 9999)
            .ok_or_else(|| invalid("year must be 0000-9999".to_owned()))?;
        Date::checked(year, month, day).map_err(|reason| invalid(format!("{reason} ({EXPECTED})")))
    }

    /// Parses exactly `YYYY-MM-DD`: no surrounding whitespace, no time, no other separator.
    ///
    /// ```
    /// use craftkit_core::Date;
    ///
    /// assert_eq!(Date::parse("0000-01-01")?.year(), 0);
    /// assert!(Date::parse("2026-6-14").is_err());
    /// assert!(Date::parse("2026-06-14T00:00:00Z").is_err());
    /// # Ok::<(), craftkit_core::ValueError>(())
    /// ```
    pub fn parse(s: &str) -> Result<Date, ValueError> {
        parse_bytes(s.as_bytes()).map_err(|fault| ValueError::InvalidDate {
            input: excerpt(s),
            reason: match fault {
                DateFault::Shape => EXPECTED.to_owned(),
                DateFault::Calendar(reason) => format!("{reason} ({EXPECTED})"),
            },
        })
    }

    /// The year, 0 to 9999.
    pub fn year(&self) -> i32 {
        i32::from(self.year)
    }

    /// The month, 1 to 12.
    pub fn month(&self) -> u8 {
        self.month
    }

    /// The day of the month, 1 to 31.
    pub fn day(&self) -> u8 {
        self.day
    }

    /// Checks that the day exists (the year is already known to be 0..=9999).
    fn checked(year: u16, month: u8, day: u8) -> Result<Date, String> {
        if !(1..=12).contains(&month) {
            return Err("month must be 01-12".to_owned());
        }
        let days = days_in_month(year, month);
        if day == 0 {
            return Err(format!("day must be 01-{days:02}"));
        }
        if day > days {
            let name = MONTH_NAMES[usize::from(month - 1)];
            return Err(format!("{name} {year:04} has {days} days"));
        }
        Ok(Date { year, month, day })
    }

    /// Days since 1970-01-01 (negative before it).
    pub(crate) fn days_since_epoch(self) -> i64 {
        days_from_civil(i64::from(self.year), self.month, self.day)
    }
}

/// Parses `YYYY-MM-DD` from raw bytes, so that non-ASCII input can never split a character.
pub(crate) fn parse_bytes(b: &[u8]) -> Result<Date, DateFault> {
    let [y1, y2, y3, y4, b'-', m1, m2, b'-', d1, d2] = *b else {
        return Err(DateFault::Shape);
    };
    let (Some(year), Some(month), Some(day)) = (
        digits(&[y1, y2, y3, y4]),
        digits(&[m1, m2]),
        digits(&[d1, d2]),
    ) else {
        return Err(DateFault::Shape);
    };
    // Four digits are at most 9999 and two at most 99, so these conversions cannot fail.
    let (Ok(year), Ok(month), Ok(day)) =
        (u16::try_from(year), u8::try_from(month), u8::try_from(day))
    else {
        return Err(DateFault::Shape);
    };
    Date::checked(year, month, day).map_err(DateFault::Calendar)
}

/// The number an all-ASCII-digit slice writes; `None` if any byte is not a digit.
pub(crate) fn digits(b: &[u8]) -> Option<u32> {
    b.iter().try_fold(0u32, |acc, &c| {
        c.is_ascii_digit()
            .then(|| acc.saturating_mul(10).saturating_add(u32::from(c - b'0')))
    })
}

fn is_leap_year(year: u16) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        2 if is_leap_year(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days from 1970-01-01 to `year`-`month`-`day` in the proleptic Gregorian calendar.
///
/// Howard Hinnant's `days_from_civil`: shift the year to start in March, so that the leap day
/// is the last day of its year, then count whole 400-year eras.
pub(crate) fn days_from_civil(year: i64, month: u8, day: u8) -> i64 {
    let (month, day) = (i64::from(month), i64::from(day));
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year.rem_euclid(400);
    let day_of_year = (153 * ((month + 9) % 12) + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The day of the month of the date `days` days after 1970-01-01 (Hinnant's
/// `civil_from_days`, reduced to the day: used to find the last day of a month).
pub(crate) fn day_of_month_from_days(days: i64) -> u8 {
    let days = days + 719_468;
    let day_of_era = days.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    // 1..=31 by construction.
    u8::try_from(day).unwrap_or(0)
}

impl fmt::Display for Date {
    /// Writes `YYYY-MM-DD`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl FromStr for Date {
    type Err = ValueError;

    fn from_str(s: &str) -> Result<Date, ValueError> {
        Date::parse(s)
    }
}

impl TryFrom<&str> for Date {
    type Error = ValueError;

    fn try_from(s: &str) -> Result<Date, ValueError> {
        Date::parse(s)
    }
}

impl TryFrom<String> for Date {
    type Error = ValueError;

    fn try_from(s: String) -> Result<Date, ValueError> {
        Date::parse(&s)
    }
}

impl Serialize for Date {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Date, D::Error> {
        struct DateVisitor;

        impl Visitor<'_> for DateVisitor {
            type Value = Date;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a date string in the format YYYY-MM-DD")
            }

            fn visit_str<E: de::Error>(self, s: &str) -> Result<Date, E> {
                Date::parse(s).map_err(E::custom)
            }
        }

        deserializer.deserialize_str(DateVisitor)
    }
}

#[cfg(feature = "time")]
mod time_conversions {
    use super::{Date, ValueError};

    impl TryFrom<time::Date> for Date {
        type Error = ValueError;

        /// Fails for years outside 0..=9999, which `YYYY-MM-DD` cannot write.
        fn try_from(date: time::Date) -> Result<Date, ValueError> {
            Date::new(date.year(), u8::from(date.month()), date.day())
        }
    }

    impl From<Date> for time::Date {
        fn from(date: Date) -> time::Date {
            let month = time::Month::try_from(date.month);
            month
                .and_then(|month| time::Date::from_calendar_date(date.year(), month, date.day))
                // `time` covers years -9999..=9999 and every day our type can hold.
                .expect("every craftkit_core::Date is a valid time::Date")
        }
    }
}

#[cfg(feature = "chrono")]
mod chrono_conversions {
    use chrono::Datelike as _;

    use super::{Date, ValueError};

    impl TryFrom<chrono::NaiveDate> for Date {
        type Error = ValueError;

        /// Fails for years outside 0..=9999, which `YYYY-MM-DD` cannot write.
        fn try_from(date: chrono::NaiveDate) -> Result<Date, ValueError> {
            // Month and day are 1..=12 and 1..=31, so they fit in a u8.
            let (month, day) = (date.month() as u8, date.day() as u8);
            Date::new(date.year(), month, day)
        }
    }

    impl From<Date> for chrono::NaiveDate {
        fn from(date: Date) -> chrono::NaiveDate {
            chrono::NaiveDate::from_ymd_opt(date.year(), date.month.into(), date.day.into())
                // chrono covers years -262143..=262142 and every day our type can hold.
                .expect("every craftkit_core::Date is a valid chrono::NaiveDate")
        }
    }
}

#[cfg(test)]
mod tests;
