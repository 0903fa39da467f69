//! The check of the `webhook` fuzz target, shared with its stable regression test
//! (`craftkit-runtime/tests/fuzz_webhook.rs`), which includes this file with `#[path]`.
//!
//! The input is split into a timestamp, a secret, a signature header and a body (see
//! [`Input::split`]). The signature header parser and verifier never panic on any of them,
//! with any clock; and structurally, the header [`sign`] makes for (secret, body, t) verifies,
//! while the same header with another body, or with one hex digit of its tag changed, does not.

use std::time::{Duration, SystemTime};

use craftkit_runtime::webhook::{self, DEFAULT_TOLERANCE, Verifier, WebhookError, sign};

/// One fuzz input, split.
#[derive(Debug)]
pub struct Input {
    /// Unix seconds, any `i64`.
    pub t: i64,
    /// A second clock reading, seconds from `t` (the receiver's skew).
    pub skew: i16,
    /// The secret (lossy UTF-8).
    pub secret: String,
    /// The signature header as received (lossy UTF-8).
    pub header: String,
    /// The raw body.
    pub body: Vec<u8>,
}

impl Input {
    /// `t` (8 bytes, little-endian), `skew` (2 bytes), the secret's length (1 byte) and the
    /// secret, the header's length (2 bytes, little-endian) and the header, then the body.
    /// Missing bytes read as zero, lengths are cut to what is left.
    pub fn split(bytes: &[u8]) -> Input {
        let mut reader = Reader(bytes);
        let t = i64::from_le_bytes(reader.fixed());
        let skew = i16::from_le_bytes(reader.fixed());
        let [secret_len] = reader.fixed();
        let secret = String::from_utf8_lossy(reader.take(secret_len.into())).into_owned();
        let header_len = u16::from_le_bytes(reader.fixed());
        let header = String::from_utf8_lossy(reader.take(header_len.into())).into_owned();
        let body = reader.0.to_vec();
        Input {
            t,
            skew,
            secret,
            header,
            body,
        }
    }
}

/// The unread rest of an input.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    /// The next `n` bytes, or all that is left.
    fn take(&mut self, n: usize) -> &'a [u8] {
        let (head, tail) = self.0.split_at(n.min(self.0.len()));
        self.0 = tail;
        head
    }

    /// The next `N` bytes, padded with zeros.
    fn fixed<const N: usize>(&mut self) -> [u8; N] {
        let mut bytes = [0; N];
        let head = self.take(N);
        bytes[..head.len()].copy_from_slice(head);
        bytes
    }
}

/// `t` seconds after the epoch (before it when negative), if a `SystemTime` can hold it.
fn at(t: i64) -> Option<SystemTime> {
    let offset = Duration::from_secs(t.unsigned_abs());
    if t >= 0 {
        SystemTime::UNIX_EPOCH.checked_add(offset)
    } else {
        SystemTime::UNIX_EPOCH.checked_sub(offset)
    }
}

/// Runs the check on one input; panics (with the reason) when a property does not hold.
pub fn check(bytes: &[u8]) {
    let input = Input::split(bytes);
    let Input {
        t,
        skew,
        secret,
        header,
        body,
    } = &input;
    let (t, skew) = (*t, *skew);

    // Arbitrary headers, secrets and clocks: an answer, never a panic.
    let clocks = [
        at(t),
        t.checked_add(i64::from(skew)).and_then(at),
        Some(SystemTime::UNIX_EPOCH),
        at(i64::MAX),
        at(i64::MIN),
    ];
    for now in clocks.into_iter().flatten() {
        let _ = webhook::verify(secret, header, body, now);
        let _ = Verifier::new(secret.as_bytes())
            .secret(header.as_bytes())
            .tolerance(Duration::from_secs(skew.unsigned_abs().into()))
            .verify(header, body, now);
        let _ = Verifier::new("")
            .tolerance(Duration::MAX)
            .verify(header, body, now);
    }

    // A header made by `sign` verifies, and nothing else does.
    let signed = sign(secret, body, t);
    let Some(now) = t.checked_add(i64::from(skew)).and_then(at) else {
        return;
    };
    let within = i64::from(skew).unsigned_abs() <= DEFAULT_TOLERANCE.as_secs();
    let verdict = webhook::verify(secret, &signed, body, now);
    match &verdict {
        _ if secret.is_empty() => assert_eq!(verdict, Err(WebhookError::EmptySecret)),
        _ if t < 0 => assert_eq!(verdict, Err(WebhookError::InvalidTimestamp)),
        // The signature and the timestamp were accepted; the body may not be an event.
        Ok(_) | Err(WebhookError::InvalidPayload(_)) => {
            assert!(within, "accepted a delivery {skew} s away: {verdict:?}")
        }
        Err(WebhookError::TimestampOutsideTolerance { skew_seconds }) => {
            assert!(!within, "refused a delivery {skew} s away: {verdict:?}");
            assert_eq!(*skew_seconds, i64::from(skew), "the skew is misreported");
        }
        Err(other) => panic!("a header made by `sign` was refused: {other:?} ({signed:?})"),
    }
    // Verified at its own time, by a verifier that also knows another secret.
    if !secret.is_empty() && t >= 0 {
        let verdict = Verifier::new("whsec_other")
            .secret(secret.as_bytes())
            .verify(&signed, body, at(t).expect("t is representable"));
        assert!(
            matches!(verdict, Ok(_) | Err(WebhookError::InvalidPayload(_))),
            "a header made by `sign` was refused at its own time: {verdict:?}"
        );
    }
    if secret.is_empty() || t < 0 {
        return;
    }

    // Another body: a mismatch.
    let mut other_body = body.clone();
    match other_body.first_mut() {
        Some(first) => *first ^= 1,
        None => other_body.push(b' '),
    }
    assert_eq!(
        webhook::verify(secret, &signed, &other_body, now),
        Err(WebhookError::SignatureMismatch),
        "a changed body verified"
    );

    // One hex digit of the tag changed (to another value, not just another case): a mismatch.
    let tag_start = signed.find("v1=").expect("`sign` writes v1=") + 3;
    let position = tag_start + usize::from(skew.unsigned_abs()) % 64;
    let mut flipped = signed.clone().into_bytes();
    flipped[position] = match flipped[position] {
        b'0' => b'1',
        _ => b'0',
    };
    let flipped = String::from_utf8(flipped).expect("hex is ASCII");
    assert_eq!(
        webhook::verify(secret, &flipped, body, now),
        Err(WebhookError::SignatureMismatch),
        "a changed tag verified: {flipped}"
    );
}
