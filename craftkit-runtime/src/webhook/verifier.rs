//! [`Verifier`]: several secrets, a chosen tolerance.

use std::fmt;
use std::time::{Duration, SystemTime};

use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::header::SignatureHeader;
use super::{DEFAULT_TOLERANCE, Event, WebhookError, feed, keyed_mac};

const NANOS_PER_SEC: i128 = 1_000_000_000;

/// Verifies deliveries against one or more secrets, with a chosen tolerance.
///
/// Give it every secret that is currently valid while you rotate one on your side: a delivery
/// verifies if any `v1` entry matches any secret. Empty secrets are skipped; a verifier with
/// none refuses everything with [`WebhookError::EmptySecret`]. Build it once and share it: it
/// is `Clone + Send + Sync`, and its `Debug` output shows no secret.
///
/// ```
/// use std::time::{Duration, SystemTime};
/// use craftkit_runtime::webhook::{self, Verifier, WebhookError};
///
/// let verifier = Verifier::new("whsec_new")
///     .secret("whsec_old") // still accepted until every endpoint uses the new one
///     .tolerance(Duration::from_secs(60));
///
/// let body = br#"{"id":"evt_1","object":"event","type":"render.succeeded",
///   "createdAt":"2025-11-26T10:00:00.000Z","data":{"id":"rnd_1","object":"render",
///   "template":"invoice","templateVersion":3,"status":"succeeded","visibility":"public",
///   "createdAt":"2025-11-26T09:59:58.000Z","filename":"invoice.pdf"}}"#;
/// let t = 1_764_151_200;
/// let now = SystemTime::UNIX_EPOCH + Duration::from_secs(t as u64 + 30);
///
/// let event = verifier.verify(&webhook::sign("whsec_old", body, t), body, now)?;
/// assert_eq!(event.id, "evt_1");
///
/// // 90 s late is beyond this verifier's 60 s.
/// let late = now + Duration::from_secs(60);
/// assert_eq!(
///     verifier.verify(&webhook::sign("whsec_new", body, t), body, late),
///     Err(WebhookError::TimestampOutsideTolerance { skew_seconds: 90 })
/// );
/// # Ok::<(), WebhookError>(())
/// ```
#[derive(Clone)]
pub struct Verifier {
    /// One keyed HMAC state per non-empty secret.
    keys: Vec<Hmac<Sha256>>,
    tolerance: Duration,
}

impl Verifier {
    /// A verifier for `secret` (the whole `whsec_...` string, byte for byte) with the
    /// [`DEFAULT_TOLERANCE`].
    ///
    /// ```
    /// use craftkit_runtime::webhook::Verifier;
    ///
    /// let verifier = Verifier::new(std::env::var("CRAFTKIT_WEBHOOK_SECRET").unwrap_or_default());
    /// # let _ = verifier;
    /// ```
    #[must_use]
    pub fn new(secret: impl AsRef<[u8]>) -> Self {
        Verifier {
            keys: Vec::new(),
            tolerance: DEFAULT_TOLERANCE,
        }
        .secret(secret)
    }

    /// Also accepts deliveries signed with `secret`. An empty secret is ignored.
    ///
    /// ```
    /// use craftkit_runtime::webhook::{self, Verifier};
    ///
    /// let verifier = Verifier::new("whsec_a").secret("whsec_b");
    /// let header = webhook::sign("whsec_b", b"{}", 1_764_151_200);
    /// let now = std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_764_151_200);
    /// // `{}` is not an event, but the signature was accepted before the body was read.
    /// assert!(matches!(
    ///     verifier.verify(&header, b"{}", now),
    ///     Err(webhook::WebhookError::InvalidPayload(_))
    /// ));
    /// ```
    #[must_use]
    pub fn secret(mut self, secret: impl AsRef<[u8]>) -> Self {
        let secret = secret.as_ref();
        if !secret.is_empty() {
            self.keys.push(keyed_mac(secret));
        }
        self
    }

    /// Whether the verifier has a secret: one without refuses every delivery
    /// ([`WebhookError::EmptySecret`]), which a receiver should say at start-up.
    ///
    /// ```
    /// use craftkit_runtime::webhook::Verifier;
    ///
    /// assert!(Verifier::new("whsec_test").has_secret());
    /// assert!(!Verifier::new("").has_secret());
    /// ```
    pub fn has_secret(&self) -> bool {
        !self.keys.is_empty()
    }

    /// How far `t` may be from the receiver's clock, in either direction (inclusive).
    ///
    /// ```
    /// use std::time::Duration;
    /// use craftkit_runtime::webhook::Verifier;
    ///
    /// let strict = Verifier::new("whsec_test").tolerance(Duration::from_secs(30));
    /// # let _ = strict;
    /// ```
    #[must_use]
    pub fn tolerance(mut self, tolerance: Duration) -> Self {
        self.tolerance = tolerance;
        self
    }

    /// Verifies and parses a delivery: the signature (constant-time, against every secret),
    /// then the timestamp against `now`, then the body as an [`Event`]. See
    /// [`verify`](super::verify) for the arguments.
    ///
    /// ```
    /// use std::time::{Duration, SystemTime};
    /// use craftkit_runtime::webhook::{self, Verifier, WebhookError};
    ///
    /// let verifier = Verifier::new("whsec_test");
    /// let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_764_151_200);
    /// let header = webhook::sign("whsec_test", b"{}", 1_764_151_200);
    /// assert!(matches!(
    ///     verifier.verify(&header, b"{ }", now), // not the bytes that were signed
    ///     Err(WebhookError::SignatureMismatch)
    /// ));
    /// ```
    pub fn verify(
        &self,
        signature_header: &str,
        raw_body: &[u8],
        now: SystemTime,
    ) -> Result<Event, WebhookError> {
        if self.keys.is_empty() {
            return Err(WebhookError::EmptySecret);
        }
        let header = SignatureHeader::parse(signature_header)?;
        if !self.signature_matches(&header, raw_body) {
            return Err(WebhookError::SignatureMismatch);
        }
        self.check_timestamp(header.t, now)?;
        parse_event(raw_body)
    }

    fn signature_matches(&self, header: &SignatureHeader<'_>, body: &[u8]) -> bool {
        let mut matched = false;
        for key in &self.keys {
            let mut mac = key.clone();
            feed(&mut mac, header.t_raw, body);
            for tag in &header.tags {
                // `verify_slice` compares in constant time and refuses any other length. Every
                // pair is compared (`|=`, no early exit), so timing says nothing of which.
                matched |= mac.clone().verify_slice(tag).is_ok();
            }
        }
        matched
    }

    fn check_timestamp(&self, t: i64, now: SystemTime) -> Result<(), WebhookError> {
        // In nanoseconds, in i128: neither an extreme `t` nor an extreme clock can overflow.
        let now_nanos = match now.duration_since(SystemTime::UNIX_EPOCH) {
            Ok(after) => nanos(after),
            Err(before) => -nanos(before.duration()),
        };
        let skew = now_nanos - i128::from(t) * NANOS_PER_SEC;
        if skew.unsigned_abs() <= self.tolerance.as_nanos() {
            return Ok(());
        }
        let seconds = skew / NANOS_PER_SEC + (skew % NANOS_PER_SEC).signum();
        let skew_seconds =
            i64::try_from(seconds).unwrap_or(if seconds < 0 { i64::MIN } else { i64::MAX });
        Err(WebhookError::TimestampOutsideTolerance { skew_seconds })
    }
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Verifier")
            .field("secrets", &self.keys.len())
            .field("tolerance", &self.tolerance)
            .finish()
    }
}

fn nanos(duration: Duration) -> i128 {
    // At most about 1.8e28, far below i128::MAX.
    i128::try_from(duration.as_nanos()).unwrap_or(i128::MAX)
}

/// The body as an event, with the JSON path of the first problem in the message.
fn parse_event(body: &[u8]) -> Result<Event, WebhookError> {
    let mut de = serde_json::Deserializer::from_slice(body);
    let event = serde_path_to_error::deserialize(&mut de).map_err(|error| {
        let path = error.path().to_string();
        let inner = error.into_inner();
        WebhookError::InvalidPayload(if path == "." {
            inner.to_string()
        } else {
            format!("at {path}: {inner}")
        })
    })?;
    // Trailing characters after the event.
    de.end()
        .map_err(|error| WebhookError::InvalidPayload(error.to_string()))?;
    Ok(event)
}
