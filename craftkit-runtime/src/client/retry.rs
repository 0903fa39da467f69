//! When and how long to wait before trying again: exponential backoff with full jitter, at
//! least the server's `Retry-After`.

use std::time::Duration;

/// How the client retries a request that can be retried safely (every GET, and a render POST,
/// which always carries an `Idempotency-Key`): on connection errors, timeouts, `429`,
/// `409 idempotency_in_progress` and `5xx`, never on any other `4xx`.
///
/// The defaults follow Stripe's SDKs: 2 retries, a backoff growing from 0.5 s to at most 5 s.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetryPolicy {
    /// Retries after the first attempt.
    pub max_retries: u32,
    /// The backoff ceiling of the first retry; it doubles with each retry.
    pub initial_backoff: Duration,
    /// The largest backoff.
    pub max_backoff: Duration,
    /// The longest `Retry-After` honoured; a server asking for more gets an error instead.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> RetryPolicy {
        RetryPolicy {
            max_retries: 2,
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(5),
            max_retry_after: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// No retries at all.
    pub fn none() -> RetryPolicy {
        RetryPolicy {
            max_retries: 0,
            ..RetryPolicy::default()
        }
    }

    /// The wait before retry number `retry` (1-based): a uniformly random duration up to
    /// `min(max_backoff, initial_backoff * 2^(retry-1))` ("full jitter"), and at least
    /// `retry_after`. `None` when the server's `Retry-After` exceeds `max_retry_after`.
    pub fn delay(&self, retry: u32, retry_after: Option<Duration>) -> Option<Duration> {
        let exponent = retry.saturating_sub(1).min(20);
        let ceiling = self
            .initial_backoff
            .saturating_mul(1 << exponent)
            .min(self.max_backoff);
        let jitter = ceiling.mul_f64(fastrand::f64());
        match retry_after {
            Some(wait) if wait > self.max_retry_after => None,
            Some(wait) => Some(jitter.max(wait)),
            None => Some(jitter),
        }
    }
}

/// Parses `Retry-After` in seconds (fractional allowed: `0.5`). HTTP dates are not used by
/// this API and are ignored.
pub(crate) fn parse_retry_after(value: &str) -> Option<Duration> {
    let seconds: f64 = value.trim().parse().ok()?;
    (seconds.is_finite() && seconds >= 0.0).then(|| Duration::from_secs_f64(seconds.min(86_400.0)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_to_its_ceiling_with_full_jitter() {
        let policy = RetryPolicy::default();
        for _ in 0..200 {
            assert!(policy.delay(1, None).unwrap() <= Duration::from_millis(500));
            assert!(policy.delay(2, None).unwrap() <= Duration::from_secs(1));
            assert!(policy.delay(30, None).unwrap() <= Duration::from_secs(5));
        }
        let spread: std::collections::HashSet<_> =
            (0..50).map(|_| policy.delay(3, None).unwrap()).collect();
        assert!(spread.len() > 10, "jittered");
    }

    #[test]
    fn retry_after_is_a_floor_and_has_a_cap() {
        let policy = RetryPolicy::default();
        assert!(policy.delay(1, Some(Duration::from_secs(3))).unwrap() >= Duration::from_secs(3));
        assert_eq!(policy.delay(1, Some(Duration::from_secs(61))), None);
    }

    #[test]
    fn retry_after_parses_seconds() {
        assert_eq!(parse_retry_after("2"), Some(Duration::from_secs(2)));
        assert_eq!(parse_retry_after(" 0.5 "), Some(Duration::from_millis(500)));
        assert_eq!(parse_retry_after("-1"), None);
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), None);
        assert_eq!(parse_retry_after("NaN"), None);
    }
}
