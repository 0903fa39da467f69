use proptest::prelude::*;

use super::*;

#[test]
fn parses_and_displays() {
    let date = Date::parse("2026-06-14").unwrap();
    assert_eq!((date.year(), date.month(), date.day()), (2026, 6, 14));
    assert_eq!(date.to_string(), "2026-06-14");
    assert_eq!("0000-01-01".parse::<Date>().unwrap().year(), 0);
    assert_eq!(Date::try_from("9999-12-31").unwrap().year(), 9999);
    assert_eq!(
        Date::try_from("2000-02-29".to_owned()).unwrap().to_string(),
        "2000-02-29"
    );
}

#[test]
fn leap_years() {
    for ok in [
        "2024-02-29",
        "2000-02-29",
        "1600-02-29",
        "0000-02-29",
        "0400-02-29",
    ] {
        assert!(Date::parse(ok).is_ok(), "{ok}");
    }
    for bad in [
        "2023-02-29",
        "1900-02-29",
        "2100-02-29",
        "0100-02-29",
        "2024-02-30",
    ] {
        assert!(Date::parse(bad).is_err(), "{bad}");
    }
}

#[test]
fn rejects_other_shapes() {
    for bad in [
        "",
        "2026-06-1",
        "2026-6-14",
        "26-06-14",
        "02026-06-14",
        "2026/06/14",
        "14/06/2026",
        " 2026-06-14",
        "2026-06-14 ",
        "2026-06-14T00:00:00Z",
        "+026-06-14",
        "2026-0a-14",
        "2026-13-01",
        "2026-00-10",
        "2026-06-00",
        "2026-06-31",
        "2026-04-31",
        "２０２６-06-14",
        "2026-٠٦-14",
        "2026-é-14",
    ] {
        assert!(Date::parse(bad).is_err(), "{bad:?}");
    }
}

#[test]
fn error_messages_say_what_and_why() {
    let message = |s: &str| Date::parse(s).unwrap_err().to_string();
    assert_eq!(
        message("14/06/2026"),
        r#"invalid date "14/06/2026": expected YYYY-MM-DD"#
    );
    assert_eq!(
        message("2026-02-29"),
        r#"invalid date "2026-02-29": February 2026 has 28 days (expected YYYY-MM-DD)"#
    );
    assert_eq!(
        message("2026-13-01"),
        r#"invalid date "2026-13-01": month must be 01-12 (expected YYYY-MM-DD)"#
    );
    assert_eq!(
        message("2026-04-00"),
        r#"invalid date "2026-04-00": day must be 01-30 (expected YYYY-MM-DD)"#
    );
    assert!(matches!(
        Date::parse("x"),
        Err(ValueError::InvalidDate { .. })
    ));
}

#[test]
fn new_checks_everything() {
    assert_eq!(
        Date::new(2026, 6, 14).unwrap(),
        Date::parse("2026-06-14").unwrap()
    );
    assert!(Date::new(-1, 1, 1).is_err());
    assert!(Date::new(10_000, 1, 1).is_err());
    assert!(Date::new(2026, 0, 1).is_err());
    assert!(Date::new(2026, 13, 1).is_err());
    assert!(Date::new(2026, 1, 0).is_err());
    assert!(Date::new(2026, 1, 32).is_err());
    assert_eq!(
        Date::new(10_000, 1, 1).unwrap_err().to_string(),
        r#"invalid date "10000-01-01": year must be 0000-9999"#
    );
}

#[test]
fn orders_chronologically() {
    let dates = [
        "0999-12-31",
        "1000-01-01",
        "2026-01-31",
        "2026-02-01",
        "2026-02-02",
    ];
    let parsed: Vec<Date> = dates.iter().map(|s| Date::parse(s).unwrap()).collect();
    assert!(parsed.windows(2).all(|pair| pair[0] < pair[1]));
}

#[test]
fn serde_round_trip_and_messages() {
    let date: Date = serde_json::from_str(r#""2026-06-14""#).unwrap();
    assert_eq!(serde_json::to_string(&date).unwrap(), r#""2026-06-14""#);

    let err = serde_json::from_str::<Date>(r#""14/06/2026""#).unwrap_err();
    assert!(
        err.to_string()
            .starts_with(r#"invalid date "14/06/2026": expected YYYY-MM-DD"#),
        "{err}"
    );
    let err = serde_json::from_str::<Date>("20260614").unwrap_err();
    assert!(err.to_string().contains("YYYY-MM-DD"), "{err}");
}

#[test]
fn epoch_days() {
    let days = |s: &str| Date::parse(s).unwrap().days_since_epoch();
    assert_eq!(days("1970-01-01"), 0);
    assert_eq!(days("1970-01-02"), 1);
    assert_eq!(days("1969-12-31"), -1);
    assert_eq!(days("2000-03-01"), 11_017);
    assert_eq!(days("0000-01-01"), -719_528);
    assert_eq!(days("9999-12-31"), 2_932_896);
}

#[test]
fn day_of_month_inverts_days_from_civil() {
    let mut days = days_from_civil(0, 1, 1);
    for year in 0..=2400u16 {
        for month in 1..=12 {
            for day in 1..=days_in_month(year, month) {
                assert_eq!(days_from_civil(year.into(), month, day), days);
                assert_eq!(day_of_month_from_days(days), day);
                days += 1;
            }
        }
    }
}

proptest! {
    #[test]
    fn never_panics_and_round_trips(s in any::<String>()) {
        if let Ok(date) = Date::parse(&s) {
            prop_assert_eq!(date.to_string(), s);
        }
    }

    #[test]
    fn near_dates_never_panic_and_round_trip(s in "[0-9٠-٩é-]{0,3}[0-9]{4}-[0-9]{2}-[0-9]{2}[0-9é]{0,2}") {
        if let Ok(date) = Date::parse(&s) {
            prop_assert_eq!(date.to_string(), s);
        }
    }

    #[test]
    fn every_valid_date_round_trips(year in 0..=9999i32, month in 1..=12u8, day in 1..=31u8) {
        match Date::new(year, month, day) {
            Ok(date) => {
                let text = date.to_string();
                prop_assert_eq!(Date::parse(&text), Ok(date));
                prop_assert_eq!((date.year(), date.month(), date.day()), (year, month, day));
            }
            Err(_) => prop_assert!(day > 28),
        }
    }
}

#[cfg(feature = "time")]
#[test]
fn time_conversions() {
    let date = Date::parse("2024-02-29").unwrap();
    let converted = time::Date::from(date);
    assert_eq!(converted, time::macros::date!(2024 - 02 - 29));
    assert_eq!(Date::try_from(converted).unwrap(), date);
    assert!(Date::try_from(time::macros::date!(-0001 - 01 - 01)).is_err());
    assert_eq!(
        time::Date::from(Date::parse("0000-01-01").unwrap()),
        time::macros::date!(0000 - 01 - 01)
    );
    assert_eq!(
        time::Date::from(Date::parse("9999-12-31").unwrap()),
        time::macros::date!(9999 - 12 - 31)
    );
}

#[cfg(feature = "chrono")]
#[test]
fn chrono_conversions() {
    let date = Date::parse("2024-02-29").unwrap();
    let converted = chrono::NaiveDate::from(date);
    assert_eq!(
        converted,
        chrono::NaiveDate::from_ymd_opt(2024, 2, 29).unwrap()
    );
    assert_eq!(Date::try_from(converted).unwrap(), date);
    assert!(Date::try_from(chrono::NaiveDate::from_ymd_opt(10_000, 1, 1).unwrap()).is_err());
    assert!(Date::try_from(chrono::NaiveDate::from_ymd_opt(-1, 1, 1).unwrap()).is_err());
}
