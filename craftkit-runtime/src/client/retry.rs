//! When and how long to wait before trying again: exponential backoff with full jitter, at
//! least the server's `Retry-After`.

use std::time::{Duration, SystemTime};

/// How the client retries a request that can be retried safely (every GET, and a render POST,
/// which always carries an `Idempotency-Key`): on connection errors, timeouts, `429`,
/// `409 idempotency_in_progress` and `5xx`, never on any other `4xx`.
///
/// The defaults follow Stripe's SDKs: 2 retries, a backoff growing from 0.5 s to at most 5 s,
/// and a `Retry-After` of up to 60 s honoured. Start from [`default`](RetryPolicy::default)
/// (or [`none`](RetryPolicy::none)) and change what differs; a setting added in a later
/// version gets its default, so this code keeps compiling:
///
/// ```
/// use std::time::Duration;
/// use craftkit_runtime::client::RetryPolicy;
///
/// let patient = RetryPolicy::default()
///     .with_max_retries(5)
///     .with_max_backoff(Duration::from_secs(20));
/// assert_eq!(patient.max_retries(), 5);
/// assert_eq!(patient.initial_backoff(), Duration::from_millis(500)); // the default
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub struct RetryPolicy {
    max_retries: u32,
    initial_backoff: Duration,
    max_backoff: Duration,
    max_retry_after: Duration,
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
    /// No retries at all: the other settings are the defaults.
    pub fn none() -> RetryPolicy {
        RetryPolicy::default().with_max_retries(0)
    }

    /// This policy with `retries` retries after the first attempt (default 2; 0 is
    /// [`none`](RetryPolicy::none)).
    #[must_use]
    pub fn with_max_retries(mut self, retries: u32) -> RetryPolicy {
        self.max_retries = retries;
        self
    }

    /// This policy with the backoff ceiling of the first retry at `backoff` (default 0.5 s);
    /// it doubles with each retry up to [`max_backoff`](RetryPolicy::max_backoff).
    #[must_use]
    pub fn with_initial_backoff(mut self, backoff: Duration) -> RetryPolicy {
        self.initial_backoff = backoff;
        self
    }

    /// This policy with the largest backoff at `backoff` (default 5 s).
    #[must_use]
    pub fn with_max_backoff(mut self, backoff: Duration) -> RetryPolicy {
        self.max_backoff = backoff;
        self
    }

    /// This policy honouring a `Retry-After` of at most `longest` (default 60 s): a server
    /// asking for more ends the call with its error instead of a wait that long.
    #[must_use]
    pub fn with_max_retry_after(mut self, longest: Duration) -> RetryPolicy {
        self.max_retry_after = longest;
        self
    }

    /// Retries after the first attempt.
    pub fn max_retries(&self) -> u32 {
        self.max_retries
    }

    /// The backoff ceiling of the first retry; it doubles with each retry.
    pub fn initial_backoff(&self) -> Duration {
        self.initial_backoff
    }

    /// The largest backoff.
    pub fn max_backoff(&self) -> Duration {
        self.max_backoff
    }

    /// The longest `Retry-After` honoured; a server asking for more gets an error instead.
    pub fn max_retry_after(&self) -> Duration {
        self.max_retry_after
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

/// The longest wait an answer may ask for; a longer one counts as this (the policy's
/// `max_retry_after` then refuses it).
const LONGEST_RETRY_AFTER: Duration = Duration::from_secs(86_400);

/// How long an error answer asks the client to wait, in every form the web uses:
/// `retry-after-ms` (milliseconds, fractional allowed; preferred when present, as OpenAI's
/// and Anthropic's APIs send it), then `Retry-After` as delta seconds (fractional allowed:
/// `0.5`) or as an HTTP date (the time until then, from `now`; a date in the past is no
/// wait). `None` when neither header says anything usable.
pub(crate) fn retry_after(
    headers: &reqwest::header::HeaderMap,
    now: SystemTime,
) -> Option<Duration> {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    if let Some(wait) = header("retry-after-ms").and_then(|v| seconds(v, 1_000.0)) {
        return Some(wait);
    }
    let value = header("retry-after")?;
    parse_retry_after(value).or_else(|| {
        let at = httpdate::parse_http_date(value.trim()).ok()?;
        Some(
            at.duration_since(now)
                .unwrap_or(Duration::ZERO)
                .min(LONGEST_RETRY_AFTER),
        )
    })
}

/// Parses `Retry-After` in delta seconds (fractional allowed: `0.5`).
pub(crate) fn parse_retry_after(value: &str) -> Option<Duration> {
    seconds(value, 1.0)
}

/// A non-negative number of `per_second` units as a duration, capped at a day.
fn seconds(value: &str, per_second: f64) -> Option<Duration> {
    let n: f64 = value.trim().parse().ok()?;
    (n.is_finite() && n >= 0.0)
        .then(|| Duration::from_secs_f64((n / per_second).min(LONGEST_RETRY_AFTER.as_secs_f64())))
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
    fn setters_change_one_setting_and_keep_the_defaults() {
        let default = RetryPolicy::default();
        assert_eq!(
            (
                default.max_retries(),
                default.initial_backoff(),
                default.max_backoff(),
                default.max_retry_after()
            ),
            (
                2,
                Duration::from_millis(500),
                Duration::from_secs(5),
                Duration::from_secs(60)
            )
        );
        let changed = default
            .with_max_retries(7)
            .with_initial_backoff(Duration::from_millis(5))
            .with_max_backoff(Duration::from_millis(50))
            .with_max_retry_after(Duration::from_secs(2));
        assert_eq!(changed.max_retries(), 7);
        assert_eq!(changed.initial_backoff(), Duration::from_millis(5));
        assert_eq!(changed.max_backoff(), Duration::from_millis(50));
        assert_eq!(changed.max_retry_after(), Duration::from_secs(2));
        assert_eq!(RetryPolicy::none(), default.with_max_retries(0));
        // The delay follows the settings, not the defaults.
        assert!(changed.delay(30, None).unwrap() <= Duration::from_millis(50));
        assert_eq!(changed.delay(1, Some(Duration::from_secs(3))), None);
    }

    #[test]
    fn retry_after_is_a_floor_and_has_a_cap() {
        let policy = RetryPolicy::default();
        assert!(policy.delay(1, Some(Duration::from_secs(3))).unwrap() >= Duration::from_secs(3));
        assert_eq!(policy.delay(1, Some(Duration::from_secs(61))), None);
    }

    #[test]
    fn retry_after_reads_every_form() {
        use reqwest::header::{HeaderMap, HeaderValue};
        let now = httpdate::parse_http_date("Wed, 21 Oct 2015 07:28:00 GMT").unwrap();
        let of = |pairs: &[(&'static str, &'static str)]| {
            let mut headers = HeaderMap::new();
            for (name, value) in pairs {
                headers.insert(*name, HeaderValue::from_static(value));
            }
            retry_after(&headers, now)
        };
        assert_eq!(of(&[("retry-after", "2")]), Some(Duration::from_secs(2)));
        assert_eq!(
            of(&[("retry-after", "1.5")]),
            Some(Duration::from_millis(1_500))
        );
        assert_eq!(
            of(&[("retry-after", "Wed, 21 Oct 2015 07:28:30 GMT")]),
            Some(Duration::from_secs(30))
        );
        // A date already past is no wait; a date a year on is capped at a day.
        assert_eq!(
            of(&[("retry-after", "Wed, 21 Oct 2015 07:00:00 GMT")]),
            Some(Duration::ZERO)
        );
        assert_eq!(
            of(&[("retry-after", "Fri, 21 Oct 2016 07:28:00 GMT")]),
            Some(Duration::from_secs(86_400))
        );
        // retry-after-ms wins, fractions included.
        assert_eq!(
            of(&[("retry-after-ms", "250.5"), ("retry-after", "9")]),
            Some(Duration::from_micros(250_500))
        );
        // A broken retry-after-ms falls back to Retry-After.
        assert_eq!(
            of(&[("retry-after-ms", "soon"), ("retry-after", "3")]),
            Some(Duration::from_secs(3))
        );
        assert_eq!(of(&[("retry-after", "tomorrow")]), None);
        assert_eq!(of(&[]), None);
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
