//! Idempotency keys from the caller's own identifiers.

use uuid::Uuid;

/// A stable `Idempotency-Key` from the caller's identifiers: a UUIDv5 over `namespace` and
/// `parts`, so the same sign-off submitted twice (an offline-first app replaying its queue)
/// carries the same key and renders once.
///
/// ```
/// use craftkit_runtime::client::derive_idempotency_key;
///
/// let a = derive_idempotency_key("charter-handover", &["BK-2931", "signoff-7"]);
/// assert_eq!(a, derive_idempotency_key("charter-handover", &["BK-2931", "signoff-7"]));
/// assert_ne!(a, derive_idempotency_key("charter-handover", &["BK-2931", "signoff-8"]));
/// // parts are length-prefixed: ["ab", "c"] and ["a", "bc"] differ
/// assert_ne!(derive_idempotency_key("n", &["ab", "c"]), derive_idempotency_key("n", &["a", "bc"]));
/// ```
pub fn derive_idempotency_key(namespace: &str, parts: &[&str]) -> String {
    let namespace = Uuid::new_v5(
        &Uuid::NAMESPACE_URL,
        format!("https://craftkit.io/idempotency/{namespace}").as_bytes(),
    );
    let mut name = Vec::new();
    for part in parts {
        name.extend_from_slice(&(part.len() as u64).to_be_bytes());
        name.extend_from_slice(part.as_bytes());
    }
    Uuid::new_v5(&namespace, &name).to_string()
}

/// A fresh key for a call that was given none: made once per call and reused by its retries.
pub(crate) fn fresh_key() -> String {
    Uuid::new_v4().to_string()
}

/// What spans record of an idempotency key: 12 hex digits of a name-based UUID (SHA-1) of it,
/// enough to find every attempt of one key in the logs, never the key itself.
pub(crate) fn key_hash(key: &str) -> String {
    let hash = Uuid::new_v5(&Uuid::NAMESPACE_OID, key.as_bytes())
        .simple()
        .to_string();
    hash[..12].to_owned()
}
