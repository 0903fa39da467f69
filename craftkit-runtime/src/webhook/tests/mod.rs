//! Unit tests of the webhook module; `header` covers the header rules, `proptests` the
//! no-panic and no-forgery properties.

use std::time::{Duration, SystemTime};

use craftkit_core::api::{Render, RenderStatus, Visibility};

use super::*;

mod header;
mod proptests;

const SECRET: &str = "whsec_test";
const T: i64 = 1_764_151_200;

fn at(t: i64) -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(u64::try_from(t).unwrap())
}

fn event() -> Event {
    Event {
        id: "evt_4fJ9aQ2".into(),
        object: "event".into(),
        kind: "render.succeeded".into(),
        created_at: "2025-11-26T10:00:00.000Z".parse().unwrap(),
        data: Render {
            id: "rnd_8kW1zP".into(),
            object: "render".into(),
            template: "charter-handover".into(),
            template_version: 7,
            status: RenderStatus::Succeeded,
            visibility: Visibility::Public,
            created_at: "2025-11-26T09:59:58.123Z".parse().unwrap(),
            completed_at: Some("2025-11-26T09:59:59.870Z".parse().unwrap()),
            download_url: Some("https://cdn.craftkit.dev/r/rnd_8kW1zP.pdf".into()),
            filename: "handover.pdf".into(),
            pages: Some(3),
            bytes: Some(48_213),
            error: None,
            warnings: vec![],
        },
    }
}

fn body() -> Vec<u8> {
    serde_json::to_vec(&event()).unwrap()
}

/// The hex of a valid `v1` for `body()` at `T`.
fn valid_v1() -> String {
    sign(SECRET, &body(), T)["t=1764151200,v1=".len()..].to_owned()
}

fn check(header: &str) -> Result<Event, WebhookError> {
    verify(SECRET, header, &body(), at(T))
}

#[test]
fn known_answer_pinned_to_openssl() {
    // printf '%s' '1764151200.{"a":1}' | openssl dgst -sha256 -hmac whsec_test
    // craftkit_devserver::sign("whsec_test", 1764151200, br#"{"a":1}"#) must give the same hex.
    let expected = "691ab9360fdee04337f35e2aa0e5507d84f4e713dc176ca64db60f89b36d62dd";
    assert_eq!(
        sign(SECRET, br#"{"a":1}"#, T),
        format!("t=1764151200,v1={expected}")
    );
    // ...and the known answer verifies (signature first, then the body is not an event).
    let header = format!("t=1764151200,v1={expected}");
    let err = verify(SECRET, &header, br#"{"a":1}"#, at(T)).unwrap_err();
    assert!(matches!(err, WebhookError::InvalidPayload(_)), "{err:?}");
}

#[test]
fn round_trip_gives_the_event() {
    assert_eq!(check(&sign(SECRET, &body(), T)).unwrap(), event());
    let failed = Event {
        kind: "render.failed".into(),
        data: Render {
            status: RenderStatus::Failed,
            download_url: None,
            error: Some(craftkit_core::api::RenderError {
                code: "asset_unreachable".into(),
                message: "https://example.com/logo.png answered 404".into(),
            }),
            ..event().data
        },
        ..event()
    };
    let raw = serde_json::to_vec_pretty(&failed).unwrap();
    assert_eq!(
        verify(SECRET, &sign(SECRET, &raw, T), &raw, at(T)).unwrap(),
        failed
    );
}

#[test]
fn timestamp_tolerance_in_both_directions() {
    let header = sign(SECRET, &body(), T);
    let outside = |skew_seconds| Err(WebhookError::TimestampOutsideTolerance { skew_seconds });
    let verify_at = |now| verify(SECRET, &header, &body(), now);
    assert!(verify_at(at(T + 300)).is_ok());
    assert!(verify_at(at(T - 300)).is_ok());
    assert_eq!(verify_at(at(T + 301)), outside(301));
    assert_eq!(verify_at(at(T - 301)), outside(-301));
    assert_eq!(
        verify_at(at(T + 300) + Duration::from_nanos(1)),
        outside(301)
    );
    assert_eq!(
        verify_at(at(T - 300) - Duration::from_nanos(1)),
        outside(-301)
    );
    assert_eq!(verify_at(at(T + 86_400)), outside(86_400));
    // A clock before 1970 and a timestamp at the end of time do not overflow.
    assert_eq!(
        verify_at(SystemTime::UNIX_EPOCH - Duration::from_secs(10)),
        outside(-T - 10)
    );
    let far = sign(SECRET, &body(), i64::MAX);
    assert_eq!(verify(SECRET, &far, &body(), at(T)), outside(T - i64::MAX));
}

#[test]
fn tolerance_is_configurable() {
    let header = sign(SECRET, &body(), T);
    let strict = Verifier::new(SECRET).tolerance(Duration::from_secs(10));
    assert!(strict.verify(&header, &body(), at(T + 10)).is_ok());
    assert!(strict.verify(&header, &body(), at(T - 10)).is_ok());
    assert_eq!(
        strict.verify(&header, &body(), at(T + 11)),
        Err(WebhookError::TimestampOutsideTolerance { skew_seconds: 11 })
    );
    let exact = Verifier::new(SECRET).tolerance(Duration::ZERO);
    assert!(exact.verify(&header, &body(), at(T)).is_ok());
    assert!(
        exact
            .verify(&header, &body(), at(T) + Duration::from_millis(1))
            .is_err()
    );
    let lax = Verifier::new(SECRET).tolerance(Duration::MAX);
    assert!(lax.verify(&header, &body(), SystemTime::UNIX_EPOCH).is_ok());
}

#[test]
fn other_body_secret_or_timestamp_mismatch() {
    let header = sign(SECRET, &body(), T);
    let mut other_body = body();
    other_body[10] ^= 0x01;
    assert_eq!(
        verify(SECRET, &header, &other_body, at(T)),
        Err(WebhookError::SignatureMismatch)
    );
    assert_eq!(
        verify("whsec_tesu", &header, &body(), at(T)),
        Err(WebhookError::SignatureMismatch)
    );
    let moved = header.replace("t=1764151200", "t=1764151201");
    assert_eq!(check(&moved), Err(WebhookError::SignatureMismatch));
    // Same number, other bytes: the signed message is `t` as written.
    let padded = header.replace("t=1764151200", "t=01764151200");
    assert_eq!(check(&padded), Err(WebhookError::SignatureMismatch));
}

#[test]
fn signature_is_checked_before_the_body_is_parsed() {
    for raw in [&b"not json"[..], b"{}", b"[1,2]", b"", b"\xff\xfe"] {
        let forged = format!("t={T},v1={}", "ab".repeat(32));
        assert_eq!(
            verify(SECRET, &forged, raw, at(T)),
            Err(WebhookError::SignatureMismatch)
        );
        let signed = verify(SECRET, &sign(SECRET, raw, T), raw, at(T));
        assert!(
            matches!(signed, Err(WebhookError::InvalidPayload(_))),
            "{signed:?}"
        );
    }
    // Stale and forged: the forgery is what is reported.
    let forged = format!("t={},v1={}", T - 1000, "ab".repeat(32));
    assert_eq!(check(&forged), Err(WebhookError::SignatureMismatch));
}

#[test]
fn invalid_payload_names_the_json_path() {
    let mut value = serde_json::to_value(event()).unwrap();
    value["data"]["status"] = "exploded".into();
    let raw = serde_json::to_vec(&value).unwrap();
    let Err(WebhookError::InvalidPayload(message)) =
        verify(SECRET, &sign(SECRET, &raw, T), &raw, at(T))
    else {
        panic!("expected InvalidPayload");
    };
    assert!(
        message.starts_with("at data.status: unknown variant `exploded`"),
        "{message}"
    );

    let mut trailing = body();
    trailing.extend_from_slice(b" {}");
    let err = verify(SECRET, &sign(SECRET, &trailing, T), &trailing, at(T)).unwrap_err();
    assert!(err.to_string().contains("trailing characters"), "{err}");
}

#[test]
fn verifier_accepts_any_of_its_secrets() {
    let verifier = Verifier::new("whsec_new").secret("whsec_old");
    for secret in ["whsec_new", "whsec_old"] {
        assert!(
            verifier
                .verify(&sign(secret, &body(), T), &body(), at(T))
                .is_ok()
        );
    }
    assert_eq!(
        verifier.verify(&sign("whsec_other", &body(), T), &body(), at(T)),
        Err(WebhookError::SignatureMismatch)
    );
    let debug = format!("{verifier:?}");
    assert!(
        !debug.contains("whsec") && debug.contains("secrets: 2"),
        "{debug}"
    );
}

#[test]
fn an_empty_secret_verifies_nothing() {
    let signed_with_empty = sign("", &body(), T);
    assert_eq!(
        verify("", &signed_with_empty, &body(), at(T)),
        Err(WebhookError::EmptySecret)
    );
    let verifier = Verifier::new("").secret(SECRET);
    assert_eq!(
        verifier.verify(&signed_with_empty, &body(), at(T)),
        Err(WebhookError::SignatureMismatch)
    );
    assert!(
        verifier
            .verify(&sign(SECRET, &body(), T), &body(), at(T))
            .is_ok()
    );
}

#[test]
fn the_secret_is_used_byte_for_byte() {
    let header = sign("whsec_test\n", &body(), T);
    assert_eq!(check(&header), Err(WebhookError::SignatureMismatch));
    assert!(
        Verifier::new(b"whsec_test\n")
            .verify(&header, &body(), at(T))
            .is_ok()
    );
}

#[test]
fn error_messages() {
    let skew = |skew_seconds| WebhookError::TimestampOutsideTolerance { skew_seconds }.to_string();
    assert_eq!(
        skew(400),
        "the delivery's timestamp is 400 s old, beyond the tolerance"
    );
    assert_eq!(
        skew(-400),
        "the delivery's timestamp is 400 s in the future, beyond the tolerance"
    );
    let long = format!("t={T},{}", "x".repeat(100));
    let Err(WebhookError::MalformedHeader(message)) = check(&long) else {
        panic!()
    };
    assert_eq!(
        message,
        format!("entry \"{}...\" has no `=`", "x".repeat(40))
    );
    // Control characters of the header are escaped, not copied into logs.
    let Err(WebhookError::MalformedHeader(message)) = check("t=1,INFO\nfake") else {
        panic!()
    };
    assert!(!message.contains('\n'), "{message}");
}
