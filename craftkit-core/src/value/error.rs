//! The one error type of the value parsers.

use std::fmt::Write as _;

/// How many characters of a rejected input an error message quotes.
///
/// Inputs can be 10 MiB data URIs; an error message ends up in logs and HTTP responses, so it
/// quotes only the start of what was given.
const EXCERPT_CHARS: usize = 64;

/// Why a string (or a byte buffer) is not a valid `date`, `datetime`, `image` or `signature`
/// value.
///
/// Every message says what was given (cut to its first 64 characters, so that a huge data URI
/// never ends up in a log) and what was expected:
///
/// ```
/// let err = craftkit_core::Date::parse("14/06/2026").unwrap_err();
/// assert_eq!(err.to_string(), r#"invalid date "14/06/2026": expected YYYY-MM-DD"#);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ValueError {
    /// Not a `YYYY-MM-DD` string, or not a real calendar date (`2026-02-30`).
    #[error("invalid date {input:?}: {reason}")]
    InvalidDate {
        /// The rejected input (its first 64 characters).
        input: String,
        /// What is wrong with it, including the expected format.
        reason: String,
    },

    /// Not an RFC 3339 date-time with a UTC offset.
    #[error("invalid datetime {input:?}: {reason}")]
    InvalidDateTime {
        /// The rejected input (its first 64 characters).
        input: String,
        /// What is wrong with it, including the expected format.
        reason: String,
    },

    /// Neither an `https://` URL nor a `data:` URI (no scheme at all, or an empty string).
    #[error("invalid image {input:?}: expected an https:// URL or a data: URI")]
    NotImageSource {
        /// The rejected input (its first 64 characters).
        input: String,
    },

    /// A URL whose scheme is not `https` (`http`, `ftp`, `file`, ...).
    #[error(
        "unsupported URL scheme {scheme:?} in {input:?}: expected an https:// URL or a data: URI"
    )]
    UnsupportedScheme {
        /// The rejected input (its first 64 characters).
        input: String,
        /// The scheme it has (its first 64 characters).
        scheme: String,
    },

    /// An `https:` URL that is malformed: no host, whitespace or a control character.
    #[error("invalid URL {input:?}: {reason}")]
    InvalidUrl {
        /// The rejected input (its first 64 characters).
        input: String,
        /// What is wrong with it.
        reason: String,
    },

    /// A `data:` URI whose header is malformed: no `,`, or a parameter other than
    /// `;charset=...` and a final `;base64`.
    #[error("invalid data URI {input:?}: {reason}")]
    InvalidDataUri {
        /// The rejected input (its first 64 characters).
        input: String,
        /// What is wrong with it.
        reason: String,
    },

    /// A `data:` URI of a media type other than `image/png`, `image/jpeg` and `image/svg+xml`.
    #[error(
        "unsupported media type {media_type:?}: expected image/png, image/jpeg or image/svg+xml"
    )]
    UnsupportedMediaType {
        /// The media type the URI declares (its first 64 characters; empty when it declares
        /// none).
        media_type: String,
    },

    /// A `data:` URI whose payload is not valid base64 (or, for SVG, valid percent-encoding),
    /// or a PNG/JPEG payload that is not base64 at all.
    #[error("invalid {encoding} data in data URI: {reason}")]
    InvalidEncoding {
        /// `"base64"` or `"percent-encoded"`.
        encoding: &'static str,
        /// What is wrong with it.
        reason: String,
    },

    /// The image's content is larger than [`MAX_IMAGE_BYTES`](crate::value::MAX_IMAGE_BYTES).
    #[error("image is {size} bytes, over the limit of {max} bytes (10 MiB)")]
    TooLarge {
        /// The size of the (decoded) content, in bytes.
        size: usize,
        /// The limit, [`MAX_IMAGE_BYTES`](crate::value::MAX_IMAGE_BYTES).
        max: usize,
    },

    /// Bytes given to `from_bytes`, `from_png`, `from_jpeg` or `from_svg` that are not of the
    /// expected image format.
    #[error("unrecognised image bytes: expected {expected}, but {found}")]
    UnrecognizedImage {
        /// What was expected, e.g. `"a PNG, JPEG or SVG image"`.
        expected: &'static str,
        /// What was found, e.g. `"the bytes start with 47 49 46 38 39 61"`.
        found: String,
    },
}

/// The first [`EXCERPT_CHARS`] characters of `s`, with `…` when it was cut.
pub(crate) fn excerpt(s: &str) -> String {
    match s.char_indices().nth(EXCERPT_CHARS) {
        Some((cut, _)) => format!("{}…", &s[..cut]),
        None => s.to_owned(),
    }
}

/// Describes the start of a byte buffer for [`ValueError::UnrecognizedImage`].
pub(crate) fn describe_prefix(bytes: &[u8]) -> String {
    if bytes.is_empty() {
        return "there are no bytes".to_owned();
    }
    let mut found = "the bytes start with".to_owned();
    for byte in bytes.iter().take(8) {
        // Writing to a String cannot fail.
        let _ = write!(found, " {byte:02X}");
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpt_keeps_short_inputs_whole() {
        assert_eq!(excerpt("2026-06-14"), "2026-06-14");
        assert_eq!(excerpt(""), "");
    }

    #[test]
    fn excerpt_cuts_at_a_char_boundary() {
        let long = "é".repeat(1000);
        let cut = excerpt(&long);
        assert_eq!(cut.chars().count(), EXCERPT_CHARS + 1);
        assert!(cut.ends_with('…'));
    }

    #[test]
    fn messages_never_quote_a_huge_input() {
        let huge = format!("data:image/gif;base64,{}", "A".repeat(10_000_000));
        let err = ValueError::InvalidDataUri {
            input: excerpt(&huge),
            reason: "x".into(),
        };
        assert!(err.to_string().len() < 200);
    }

    #[test]
    fn prefix_is_hex() {
        assert_eq!(describe_prefix(b""), "there are no bytes");
        assert_eq!(
            describe_prefix(b"GIF89a"),
            "the bytes start with 47 49 46 38 39 61"
        );
        assert_eq!(
            describe_prefix(&[0; 20]),
            "the bytes start with 00 00 00 00 00 00 00 00"
        );
    }
}
