//! Webhook signature headers an attacker writes, through the public API only (the header
//! rules' unit tests are in `src/webhook/tests/`): replays outside the tolerance both ways,
//! any of several `v1` matching, another body, malformed `v1` values, and headers that are
//! huge, repeat `t`, carry NUL, CR/LF, non-ASCII white space or digits, or a `t` that
//! overflows; each is refused with the documented error and nothing panics.
//!
//! The comparison is constant-time: `Verifier::signature_matches` (src/webhook/verifier.rs)
//! compares every (secret, `v1`) pair with `hmac`'s `Mac::verify_slice` and `|=`, no early exit.

use std::time::{Duration, SystemTime};

use craftkit_runtime::webhook::{self, Verifier, WebhookError};

const SECRET: &str = "whsec_abuse";
const T: i64 = 1_764_151_200;

fn body() -> Vec<u8> {
    br#"{"id":"evt_1","object":"event","type":"render.succeeded","createdAt":"2025-11-26T10:00:00.000Z","data":{"id":"rnd_1","object":"render","template":"invoice","templateVersion":3,"status":"succeeded","visibility":"public","createdAt":"2025-11-26T09:59:58.000Z","filename":"invoice.pdf"}}"#.to_vec()
}

fn at(t: i64) -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(u64::try_from(t).unwrap())
}

fn v1() -> String {
    webhook::sign(SECRET, &body(), T)["t=1764151200,v1=".len()..].to_owned()
}

fn check(header: &str) -> Result<webhook::Event, WebhookError> {
    webhook::verify(SECRET, header, &body(), at(T))
}

#[test]
fn replays_outside_the_tolerance_are_refused_both_ways() {
    let header = webhook::sign(SECRET, &body(), T);
    for (now, skew) in [
        (T + 301, 301),
        (T - 301, -301),
        (T + 86_400 * 365, 86_400 * 365),
    ] {
        assert_eq!(
            webhook::verify(SECRET, &header, &body(), at(now)),
            Err(WebhookError::TimestampOutsideTolerance { skew_seconds: skew })
        );
    }
    assert!(webhook::verify(SECRET, &header, &body(), at(T + 300)).is_ok());
    assert!(webhook::verify(SECRET, &header, &body(), at(T - 300)).is_ok());
    // A signed timestamp far in the future, and at the end of i64: refused, no overflow.
    for t in [T + 10_000, i64::MAX, i64::MAX - 1] {
        let header = webhook::sign(SECRET, &body(), t);
        assert!(matches!(
            webhook::verify(SECRET, &header, &body(), at(T)),
            Err(WebhookError::TimestampOutsideTolerance { skew_seconds }) if skew_seconds < 0
        ));
    }
    // A clock far in the future against an old delivery, and a clock at the end of time.
    let far = SystemTime::UNIX_EPOCH + Duration::from_secs(u64::MAX / 2);
    assert!(matches!(
        webhook::verify(SECRET, &header, &body(), far),
        Err(WebhookError::TimestampOutsideTolerance { skew_seconds }) if skew_seconds > 0
    ));
}

#[test]
fn any_of_many_v1_may_match_and_none_of_another_body_does() {
    let valid = v1();
    let decoys: Vec<String> = (0..10_000)
        .map(|i| format!("v1={:064x}", i as u128 * 0x9e37_79b9))
        .collect();
    let header = format!("t={T},{},v1={valid}", decoys.join(","));
    assert!(check(&header).is_ok(), "the last of 10 001 entries matches");
    let header = format!("t={T},v1={valid},{}", decoys.join(","));
    assert!(
        check(&header).is_ok(),
        "the first of 10 001 entries matches"
    );
    let mut other = body();
    other.push(b' ');
    assert_eq!(
        webhook::verify(SECRET, &format!("t={T},v1={valid}"), &other, at(T)),
        Err(WebhookError::SignatureMismatch)
    );
    // Another secret's verifier, and a verifier with two secrets of which one signed.
    let two = Verifier::new("whsec_other").secret(SECRET);
    assert!(
        two.verify(&format!("t={T},v1={valid}"), &body(), at(T))
            .is_ok()
    );
    assert_eq!(
        Verifier::new("whsec_other").verify(&format!("t={T},v1={valid}"), &body(), at(T)),
        Err(WebhookError::SignatureMismatch)
    );
}

#[test]
fn malformed_v1_values_never_verify() {
    let valid = v1();
    for bad in [
        String::new(),
        "0".to_owned(),
        valid[..63].to_owned(),
        valid[..32].to_owned(),
        format!("{valid}0"),
        format!("{valid}{valid}"),
        format!("{}g", &valid[..63]),
        format!("{}\u{e9}", &valid[..62]),
        format!("0x{}", &valid[..62]),
        format!("{}\0", &valid[..63]),
        "zz".repeat(32),
    ] {
        assert_eq!(
            check(&format!("t={T},v1={bad}")),
            Err(WebhookError::SignatureMismatch),
            "v1={bad:?}"
        );
    }
}

#[test]
fn malformed_headers_are_refused_without_panic() {
    let valid = v1();
    let missing_t = [
        String::new(),
        ",,,".to_owned(),
        format!("v1={valid}"),
        format!("T={T},v1={valid}"),
        format!("t\u{a0}={T},v1={valid}"),
    ];
    for header in missing_t {
        assert_eq!(
            check(&header),
            Err(WebhookError::MissingTimestamp),
            "{header:?}"
        );
    }
    let invalid_t = [
        format!("t=,v1={valid}"),
        format!("t=17641 51200,v1={valid}"),
        format!("t=0x{T:x},v1={valid}"),
        format!("t=-{T},v1={valid}"),
        format!("t=+{T},v1={valid}"),
        format!("t={T}.5,v1={valid}"),
        format!("t={T}\0,v1={valid}"),
        format!("t=\u{a0}{T},v1={valid}"),
        format!("t=１７６４１５１２００,v1={valid}"),
        format!("t={},v1={valid}", u64::MAX),
        format!("t={},v1={valid}", i128::MAX),
        format!("t={},v1={valid}", "9".repeat(100_000)),
        // A separator that is not `,` leaves the rest in `t`.
        format!("t={T}\nv1={valid}"),
        format!("t={T};v1={valid}"),
    ];
    for header in invalid_t {
        assert_eq!(
            check(&header),
            Err(WebhookError::InvalidTimestamp),
            "{:.80?}",
            header
        );
    }
    let malformed = [
        format!("t={T},t={T},v1={valid}"),
        format!("t={T},v1={valid},t={T}"),
        format!("t={T},v1={valid},=x"),
        format!("t={T},{}", "x".repeat(1 << 20)),
    ];
    for header in malformed {
        match check(&header) {
            Err(WebhookError::MalformedHeader(message)) => {
                assert!(message.len() < 200, "the message is bounded: {message:.80}");
            }
            other => panic!("{:.80?}: {other:?}", header),
        }
    }
    // White space around separators is tolerated, as documented, and CR/LF are white space.
    assert!(check(&format!(" t = {T} ,\r\n v1 = {valid} ")).is_ok());
    // 1 MiB of empty entries and unknown schemes: no panic, no signature.
    let huge = format!("t={T},{}", "v0=1,".repeat(1 << 18));
    assert_eq!(check(&huge), Err(WebhookError::MissingSignature));
}
