use std::time::{Duration, SystemTime};

use proptest::prelude::*;

use super::super::*;

const SECRET: &str = "whsec_test";

/// A clock anywhere from 1900 to 2300.
fn any_now() -> impl Strategy<Value = SystemTime> {
    (-2_208_988_800i64..10_413_792_000, 0u32..1_000_000_000).prop_map(|(secs, nanos)| {
        let base = if secs >= 0 {
            SystemTime::UNIX_EPOCH + Duration::from_secs(secs.unsigned_abs())
        } else {
            SystemTime::UNIX_EPOCH - Duration::from_secs(secs.unsigned_abs())
        };
        base + Duration::from_nanos(u64::from(nanos))
    })
}

/// Headers that look like signature headers: entries built from likely keys and values.
fn header_like() -> impl Strategy<Value = String> {
    let key = prop_oneof!["t", "v1", "v0", " t ", "v1 ", "", "[a-zA-Z0-9]{1,3}"];
    let value = prop_oneof![
        "[0-9]{0,25}",
        "-?[0-9]{1,20}",
        "[0-9a-fA-F]{0,70}",
        "[0-9a-f]{64}",
        ".{0,20}",
    ];
    let entry = prop_oneof![
        (key, value).prop_map(|(k, v)| format!("{k}={v}")),
        ".{0,10}",
    ];
    prop::collection::vec(entry, 0..6).prop_map(|entries| entries.join(","))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    /// No input panics, and none forges a signature.
    #[test]
    fn arbitrary_input_never_panics_nor_verifies(
        header in prop_oneof![any::<String>(), header_like()],
        body in prop::collection::vec(any::<u8>(), 0..256),
        now in any_now(),
        tolerance in any::<u64>(),
    ) {
        let verifier = Verifier::new(SECRET).tolerance(Duration::from_secs(tolerance));
        prop_assert!(verifier.verify(&header, &body, now).is_err());
        prop_assert!(verify(SECRET, &header, &body, now).is_err());
    }

    /// Whatever is signed verifies: the result depends only on whether the body is an event.
    #[test]
    fn signed_bodies_pass_the_signature_check(
        body in prop::collection::vec(any::<u8>(), 0..256),
        t in 0i64..=i64::MAX,
        offset in -300i64..=300,
    ) {
        let header = sign(SECRET, &body, t);
        let now_secs = t.saturating_add(offset).max(0);
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(now_secs.unsigned_abs());
        match verify(SECRET, &header, &body, now) {
            Ok(_) | Err(WebhookError::InvalidPayload(_)) => {}
            // Only where `t + offset` went past the ends of the range.
            Err(WebhookError::TimestampOutsideTolerance { .. })
                if t.checked_add(offset).is_none_or(|s| s < 0) => {}
            Err(other) => prop_assert!(false, "{other:?}"),
        }
    }

    /// Changing, dropping or adding any hex digit of a valid signature never verifies.
    #[test]
    fn edited_signatures_never_verify(
        body in prop::collection::vec(any::<u8>(), 0..64),
        index in 0usize..64,
        digit in "[0-9a-fA-F]",
        keep in 0usize..64,
    ) {
        let t = 1_764_151_200;
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_764_151_200);
        let header = sign(SECRET, &body, t);
        let tag = &header["t=1764151200,v1=".len()..];
        let mut changed = tag.to_owned();
        changed.replace_range(index..=index, &digit);
        let edits = [
            (!changed.eq_ignore_ascii_case(tag)).then_some(changed),
            Some(tag[..keep].to_owned()),
            Some(format!("{tag}{digit}")),
            Some(format!("{digit}{tag}")),
        ];
        for edit in edits.into_iter().flatten() {
            let result = verify(SECRET, &format!("t={t},v1={edit}"), &body, now);
            prop_assert_eq!(result, Err(WebhookError::SignatureMismatch));
        }
    }
}
