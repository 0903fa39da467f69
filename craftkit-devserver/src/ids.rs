//! Identifiers and unguessable tokens.

/// `prefix` + 22 base62 characters of fresh randomness (131 bits): ids (`rnd_`, `shr_`,
/// `evt_`, `req_`) and tokens (share and download links) alike, so no id can be guessed from
/// another.
pub(crate) fn random_id(prefix: &str) -> String {
    const ALPHABET: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let mut bytes = [0u8; 32];
    // The OS's generator does not fail on any supported platform; if it ever did, refusing
    // to continue beats handing out predictable tokens.
    getrandom::fill(&mut bytes).expect("the operating system's random generator failed");
    let mut id = String::with_capacity(prefix.len() + 22);
    id.push_str(prefix);
    // Rejection sampling keeps every character uniform: 248 = 4 * 62.
    for byte in bytes.iter().filter(|b| **b < 248).take(22) {
        id.push(ALPHABET[usize::from(*byte % 62)] as char);
    }
    while id.len() < prefix.len() + 22 {
        id.push_str(&random_id("")[..1]);
    }
    id
}

/// `text` percent-encoded byte by byte, keeping only RFC 3986's unreserved characters: safe as
/// one URL path segment and as an RFC 5987 `filename*` value.
pub(crate) fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// RFC 3339 in UTC with milliseconds, as the API writes timestamps. RFC 3339 writes the years
/// 0000 to 9999: a clock outside them (a broken one, or one set so in a test) is written as
/// the nearest end of that range rather than panic the server.
pub(crate) fn timestamp(at: std::time::SystemTime) -> craftkit_core::DateTime {
    use std::time::{Duration, UNIX_EPOCH};
    // 0000-01-01T00:00:00.000Z and 9999-12-31T23:59:59.999Z, from the Unix epoch.
    let first = UNIX_EPOCH.checked_sub(Duration::from_secs(62_167_219_200));
    let last = UNIX_EPOCH.checked_add(Duration::from_millis(253_402_300_799_999));
    // Clamped before converting: `OffsetDateTime::from(SystemTime)` panics outside the years
    // it holds.
    let at = match (first, last) {
        (Some(first), _) if at < first => first,
        (_, Some(last)) if at > last => last,
        _ => at,
    };
    let t = time::OffsetDateTime::from(at);
    let text = format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.millisecond()
    );
    // Within the years 0000-9999 after the clamp above, so always RFC 3339.
    craftkit_core::DateTime::try_from(text)
        .unwrap_or_else(|_| unreachable!("a timestamp of the years 0000-9999 is RFC 3339"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_prefixed_base62_and_distinct() {
        let a = random_id("rnd_");
        let b = random_id("rnd_");
        assert_ne!(a, b);
        assert_eq!(a.len(), 26);
        assert!(a[4..].bytes().all(|c| c.is_ascii_alphanumeric()));
    }

    #[test]
    fn timestamps_are_rfc3339_with_milliseconds() {
        let at = std::time::UNIX_EPOCH + std::time::Duration::from_millis(1_764_151_200_204);
        assert_eq!(timestamp(at).as_str(), "2025-11-26T10:00:00.204Z");
    }

    #[test]
    fn a_clock_outside_the_years_rfc3339_writes_gets_the_nearest_end() {
        let year = std::time::Duration::from_secs(366 * 24 * 3600);
        let late = std::time::UNIX_EPOCH + year * 10_000;
        assert_eq!(timestamp(late).as_str(), "9999-12-31T23:59:59.999Z");
        let early = std::time::UNIX_EPOCH - year * 3_000;
        assert_eq!(timestamp(early).as_str(), "0000-01-01T00:00:00.000Z");
        let first = std::time::UNIX_EPOCH - std::time::Duration::from_secs(62_167_219_200);
        assert_eq!(timestamp(first).as_str(), "0000-01-01T00:00:00.000Z");
    }
}
