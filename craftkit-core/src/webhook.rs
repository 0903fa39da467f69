//! The signature of a webhook delivery, as Craftkit computes it: the one signer that the
//! local server (`craftkit-devserver`) and `craftkit_runtime::webhook::sign` both call.
//!
//! `Craftkit-Signature: t=<unix seconds>,v1=<hex>[,v1=<hex>]`, each `v1` being
//! `hex(HMAC-SHA256(secret, "<t>." + raw body))`, one per secret while a secret rotates.
//! Verifying (in constant time, with a timestamp tolerance) is `craftkit_runtime::webhook`'s.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// `hex(HMAC-SHA256(secret, "<t>." + body))`, in lowercase: one `v1` value.
///
/// ```
/// use craftkit_core::webhook::v1_signature;
///
/// assert_eq!(
///     v1_signature(b"whsec_test", 1_764_151_200, br#"{"a":1}"#),
///     "691ab9360fdee04337f35e2aa0e5507d84f4e713dc176ca64db60f89b36d62dd"
/// );
/// ```
pub fn v1_signature(secret: &[u8], t: i64, body: &[u8]) -> String {
    // HMAC hashes a key longer than a block and pads a shorter one: no length is refused.
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC accepts keys of any length");
    mac.update(t.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}

/// The `Craftkit-Signature` header's value for `body` sent at unix time `t`: `t=<t>`, then one
/// `v1=` entry per secret, in the order given (the secret being rotated out first, by
/// Craftkit's convention). No secret gives a header with no `v1`, which no receiver accepts.
///
/// ```
/// use craftkit_core::webhook::{signature_header, v1_signature};
///
/// let body = br#"{"a":1}"#;
/// assert_eq!(
///     signature_header(&["whsec_old", "whsec_new"], 1_764_151_200, body),
///     format!(
///         "t=1764151200,v1={},v1={}",
///         v1_signature(b"whsec_old", 1_764_151_200, body),
///         v1_signature(b"whsec_new", 1_764_151_200, body)
///     )
/// );
/// ```
pub fn signature_header<S: AsRef<[u8]>>(secrets: &[S], t: i64, body: &[u8]) -> String {
    let mut header = format!("t={t}");
    for secret in secrets {
        header.push_str(",v1=");
        header.push_str(&v1_signature(secret.as_ref(), t, body));
    }
    header
}
