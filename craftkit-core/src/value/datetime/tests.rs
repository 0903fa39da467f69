use proptest::prelude::*;

use super::*;

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
        message("2026-06-14T15:00:00").starts_with(r#"invalid datetime "2026-06-14T15:00:00": "#)
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
