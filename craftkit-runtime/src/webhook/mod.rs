//! Verifying Craftkit's signed webhook deliveries.
//!
//! Craftkit `POST`s a JSON [`Event`] (`render.succeeded`, `render.failed`) to each endpoint of
//! a project, with a [`SIGNATURE_HEADER`] like
//!
//! ```text
//! Craftkit-Signature: t=1764151200,v1=5f1c...e9,v1=9ab0...12
//! ```
//!
//! where each `v1` is `hex(HMAC-SHA256(secret, "<t>." + raw request body))`. Several `v1`
//! entries appear while a secret is being rotated: the delivery is authentic if any matches.
//! [`verify`] checks the signature (in constant time) against the *raw* body, exactly as
//! received, then that `t` is within [`DEFAULT_TOLERANCE`] of the receiver's clock (replays
//! and deliveries from the future are refused), and only then parses the event.
//!
//! ```
//! use std::time::SystemTime;
//! use craftkit_runtime::webhook::{self, SIGNATURE_HEADER, WebhookError};
//!
//! fn handle(secret: &str, header: Option<&str>, body: &[u8]) -> Result<(), WebhookError> {
//!     let header = header.unwrap_or_default(); // a missing header fails as MissingTimestamp
//!     let event = webhook::verify(secret, header, body, SystemTime::now())?;
//!     // Delivery is at least once: claim `event.id` in a `webhook::inbox` before acting on it.
//!     println!("{} {} -> {}", event.id, event.kind, event.data.status.as_str());
//!     Ok(())
//! }
//! # let body = br#"{"id":"evt_1","object":"event","type":"render.succeeded",
//! #   "createdAt":"2025-11-26T10:00:00.000Z","data":{"id":"rnd_1","object":"render",
//! #   "template":"invoice","templateVersion":3,"status":"succeeded","visibility":"public",
//! #   "createdAt":"2025-11-26T09:59:58.000Z","filename":"invoice.pdf"}}"#;
//! # let now = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).unwrap().as_secs();
//! # let header = webhook::sign("whsec_test", body, now as i64);
//! # handle("whsec_test", Some(&header), body).unwrap();
//! # assert!(matches!(handle("whsec_test", None, body), Err(WebhookError::MissingTimestamp)));
//! # let _ = SIGNATURE_HEADER;
//! ```
//!
//! Rules of the header, beyond the contract: entries are separated by `,` and whitespace around
//! `,` and `=` is ignored; schemes other than `v1` (`v0=...`) are ignored; `t` must appear
//! once, as a non-negative integer; a `v1` value verifies only if it is exactly 64 hex digits
//! (32 bytes; digits of either case are accepted) equal to the expected HMAC, so an empty,
//! truncated, over-long or non-hex value never verifies.

#[cfg(feature = "axum")]
pub mod axum;
mod error;
mod header;
pub mod inbox;
mod verifier;

#[cfg(test)]
mod tests;

use std::time::{Duration, SystemTime};

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// The webhook event type [`verify`] returns, re-exported from `craftkit_core::api`.
pub use craftkit_core::api::{Event, EventType};
pub use error::WebhookError;
pub use verifier::Verifier;

/// The HTTP header that carries a delivery's signature.
///
/// Header names are case-insensitive: look it up however your framework does.
///
/// ```
/// use craftkit_runtime::webhook::SIGNATURE_HEADER;
///
/// assert!(SIGNATURE_HEADER.eq_ignore_ascii_case("craftkit-signature"));
/// ```
pub const SIGNATURE_HEADER: &str = "Craftkit-Signature";

/// How far a delivery's `t` may be from the receiver's clock, in either direction: 300 s.
///
/// A timestamp exactly 300 s away is accepted; one a nanosecond further is refused.
///
/// ```
/// use std::time::Duration;
/// use craftkit_runtime::webhook::DEFAULT_TOLERANCE;
///
/// assert_eq!(DEFAULT_TOLERANCE, Duration::from_secs(300));
/// ```
pub const DEFAULT_TOLERANCE: Duration = Duration::from_secs(300);

/// Verifies and parses a delivery signed with `secret`, with the [`DEFAULT_TOLERANCE`].
///
/// `signature_header` is the value of the [`SIGNATURE_HEADER`] header, `raw_body` the request
/// body exactly as received (not re-serialized), and `now` the receiver's clock: pass
/// [`SystemTime::now()`]. The whole secret, `whsec_` prefix included, is the HMAC key, byte for
/// byte (no trimming). For several secrets or another tolerance, use a [`Verifier`].
///
/// The signature is checked before the timestamp, and both before the body is parsed: a
/// [`WebhookError::TimestampOutsideTolerance`] or [`WebhookError::InvalidPayload`] only ever
/// concerns an authentically signed delivery.
///
/// ```
/// use std::time::{Duration, SystemTime};
/// use craftkit_runtime::webhook::{self, WebhookError};
///
/// let body = br#"{"id":"evt_1","object":"event","type":"render.failed",
///   "createdAt":"2025-11-26T10:00:00.000Z","data":{"id":"rnd_1","object":"render",
///   "template":"invoice","templateVersion":3,"status":"failed","visibility":"private",
///   "createdAt":"2025-11-26T09:59:58.000Z","filename":"invoice.pdf",
///   "error":{"code":"timeout","message":"the render took too long"}}}"#;
/// let header = webhook::sign("whsec_test", body, 1_764_151_200);
/// let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_764_151_260); // one minute later
///
/// let event = webhook::verify("whsec_test", &header, body, now)?;
/// assert_eq!(event.kind, "render.failed");
/// assert_eq!(event.data.error.unwrap().code, "timeout");
///
/// // Another secret, or a body changed on the way, does not verify.
/// assert!(matches!(
///     webhook::verify("whsec_other", &header, body, now),
///     Err(WebhookError::SignatureMismatch)
/// ));
/// # Ok::<(), WebhookError>(())
/// ```
pub fn verify(
    secret: &str,
    signature_header: &str,
    raw_body: &[u8],
    now: SystemTime,
) -> Result<Event, WebhookError> {
    Verifier::new(secret).verify(signature_header, raw_body, now)
}

/// The [`SIGNATURE_HEADER`] value Craftkit would send for `body` at unix time `t` (seconds):
/// `t=<t>,v1=<lowercase hex HMAC-SHA256>`. For tests of your own webhook handlers.
///
/// A negative `t` yields a header that [`verify`] refuses as
/// [`WebhookError::InvalidTimestamp`].
///
/// ```
/// use craftkit_runtime::webhook;
///
/// let header = webhook::sign("whsec_test", br#"{"a":1}"#, 1_764_151_200);
/// assert_eq!(
///     header,
///     "t=1764151200,v1=691ab9360fdee04337f35e2aa0e5507d84f4e713dc176ca64db60f89b36d62dd"
/// );
/// ```
pub fn sign(secret: &str, body: &[u8], t: i64) -> String {
    // The signer the local server uses too: what it sends and what this returns cannot differ.
    craftkit_core::webhook::signature_header(&[secret], t, body)
}

/// An HMAC-SHA256 state keyed with `secret`.
fn keyed_mac(secret: &[u8]) -> Hmac<Sha256> {
    // HMAC hashes a key longer than a block and pads a shorter one: no length is refused.
    Hmac::<Sha256>::new_from_slice(secret).expect("HMAC accepts keys of any length")
}

/// Feeds the signed message, `"<t>." + body`, with `t` as written in the header.
fn feed(mac: &mut Hmac<Sha256>, t: &str, body: &[u8]) {
    mac.update(t.as_bytes());
    mac.update(b".");
    mac.update(body);
}
