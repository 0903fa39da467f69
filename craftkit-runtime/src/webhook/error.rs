//! Why a delivery was refused.

/// Why a delivery was refused. Answer `400` (or `401`) to every one of them: Craftkit retries a
/// non-2xx answer, and a real delivery refused for clock skew succeeds once the clock is fixed.
///
/// ```
/// use std::time::{Duration, SystemTime};
/// use craftkit_runtime::webhook::{self, WebhookError};
///
/// let t = 1_764_151_200;
/// let header = webhook::sign("whsec_test", b"{}", t);
/// let ten_minutes_later = SystemTime::UNIX_EPOCH + Duration::from_secs(t as u64 + 600);
///
/// match webhook::verify("whsec_test", &header, b"{}", ten_minutes_later) {
///     Err(WebhookError::TimestampOutsideTolerance { skew_seconds }) => assert_eq!(skew_seconds, 600),
///     other => panic!("{other:?}"),
/// }
/// let err = webhook::verify("whsec_test", "t=1764151200", b"{}", ten_minutes_later).unwrap_err();
/// assert_eq!(err, WebhookError::MissingSignature);
/// assert_eq!(err.to_string(), "the Craftkit-Signature header has no `v1=` signature");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WebhookError {
    /// The header has no `t=` entry (an empty or absent header is reported this way).
    #[error("the Craftkit-Signature header has no `t=` timestamp")]
    MissingTimestamp,
    /// `t=` is not a non-negative integer of unix seconds that fits an `i64`.
    #[error("the Craftkit-Signature header's `t=` is not a unix time in seconds")]
    InvalidTimestamp,
    /// The header has no `v1=` entry (only other schemes, or none at all).
    #[error("the Craftkit-Signature header has no `v1=` signature")]
    MissingSignature,
    /// The header cannot be read: an entry without `=`, an empty key, or `t=` twice.
    #[error("malformed Craftkit-Signature header: {0}")]
    MalformedHeader(String),
    /// The signature is valid but `t` is further from the receiver's clock than the tolerance:
    /// a replayed delivery, or a clock that is off.
    #[error("{}", describe_skew(*skew_seconds))]
    TimestampOutsideTolerance {
        /// The receiver's clock minus `t`, in seconds rounded away from zero: positive for a
        /// timestamp in the past (stale), negative for one in the future.
        skew_seconds: i64,
    },
    /// No `v1` entry is the HMAC of this body, timestamp and secret (a `v1` value that is not
    /// exactly 64 hex digits never matches).
    #[error("no `v1=` signature of the Craftkit-Signature header matches the body and secret")]
    SignatureMismatch,
    /// The body is authentically signed but is not an event: serde_json's message, prefixed
    /// with the JSON path of the offending value when there is one (`at data.status: ...`).
    #[error("the signed body is not a Craftkit event: {0}")]
    InvalidPayload(String),
    /// The verifier has no non-empty secret: an empty key would let anyone forge a delivery,
    /// so a missing secret (an unset environment variable, say) refuses everything instead.
    #[error("no webhook signing secret is configured (the secret is empty)")]
    EmptySecret,
}

fn describe_skew(skew_seconds: i64) -> String {
    if skew_seconds >= 0 {
        format!("the delivery's timestamp is {skew_seconds} s old, beyond the tolerance")
    } else {
        format!(
            "the delivery's timestamp is {} s in the future, beyond the tolerance",
            skew_seconds.unsigned_abs()
        )
    }
}
