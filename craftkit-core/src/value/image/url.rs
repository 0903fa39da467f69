//! Checking an `https://` URL.

use super::{Source, ValueError, excerpt, strip_prefix_ignore_case};

/// An `https://` URL with a host, and no whitespace or control characters.
pub(super) fn check_url(s: &str) -> Result<Source, ValueError> {
    let invalid = |reason: &str| ValueError::InvalidUrl {
        input: excerpt(s),
        reason: reason.to_owned(),
    };
    let Some(rest) = strip_prefix_ignore_case(s, "https://") else {
        return Err(match scheme(s) {
            Some(scheme) if scheme.eq_ignore_ascii_case("https") => {
                invalid("expected https:// followed by a host")
            }
            Some(scheme) => ValueError::UnsupportedScheme {
                input: excerpt(s),
                scheme: excerpt(scheme),
            },
            None => ValueError::NotImageSource { input: excerpt(s) },
        });
    };
    if s.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(invalid(
            "it contains whitespace or a control character, which must be percent-encoded",
        ));
    }
    let authority = rest.find(['/', '?', '#']).map_or(rest, |end| &rest[..end]);
    let host_and_port = authority
        .rfind('@')
        .map_or(authority, |at| &authority[at + 1..]);
    let (host, port) = if host_and_port.starts_with('[') {
        // An IPv6 address, whose colons are not a port's.
        let Some(close) = host_and_port.find(']') else {
            return Err(invalid("the host has a '[' without its ']'"));
        };
        host_and_port.split_at(close + 1)
    } else {
        host_and_port.split_at(host_and_port.rfind(':').unwrap_or(host_and_port.len()))
    };
    if host.is_empty() || host == "[]" {
        return Err(invalid("it has no host (expected https://host/...)"));
    }
    let port_ok = port.is_empty()
        || port
            .strip_prefix(':')
            .is_some_and(|digits| digits.bytes().all(|b| b.is_ascii_digit()));
    if !port_ok {
        return Err(invalid("the port must be a number"));
    }
    Ok(Source::Url)
}

/// The scheme of an absolute URL (RFC 3986: a letter, then letters, digits, `+`, `-`, `.`).
fn scheme(s: &str) -> Option<&str> {
    let (scheme, _) = s.split_once(':')?;
    let mut bytes = scheme.bytes();
    let valid = bytes.next()?.is_ascii_alphabetic()
        && bytes.all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'));
    valid.then_some(scheme)
}
