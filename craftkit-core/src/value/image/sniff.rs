//! Telling PNG, JPEG and SVG files apart by their first bytes, and wrapping such bytes in a
//! data URI.

use super::{ImageValue, MediaType, ValueError};
use crate::value::error::describe_prefix;

pub(super) const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";
pub(super) const JPEG_SIGNATURE: &[u8] = b"\xFF\xD8\xFF";
const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

impl ImageValue {
    pub(super) fn from_bytes(bytes: &[u8]) -> Result<Self, ValueError> {
        let media_type = sniff(bytes).ok_or_else(|| ValueError::UnrecognizedImage {
            expected: "a PNG, JPEG or SVG image",
            found: describe_prefix(bytes),
        })?;
        ImageValue::encode(bytes, media_type)
    }

    pub(super) fn from_signed(bytes: &[u8], media_type: MediaType) -> Result<Self, ValueError> {
        let (signature, expected) = match media_type {
            MediaType::Png => (
                PNG_SIGNATURE,
                "a PNG image (starting with 89 50 4E 47 0D 0A 1A 0A)",
            ),
            MediaType::Jpeg => (JPEG_SIGNATURE, "a JPEG image (starting with FF D8 FF)"),
            MediaType::Svg => return ImageValue::from_svg(bytes),
        };
        if !bytes.starts_with(signature) {
            return Err(ValueError::UnrecognizedImage {
                expected,
                found: describe_prefix(bytes),
            });
        }
        ImageValue::encode(bytes, media_type)
    }

    pub(super) fn from_svg(bytes: &[u8]) -> Result<Self, ValueError> {
        if !looks_like_svg(bytes) {
            return Err(ValueError::UnrecognizedImage {
                expected: "an SVG document (<svg after an optional XML declaration and comments)",
                found: describe_prefix(bytes),
            });
        }
        ImageValue::encode(bytes, MediaType::Svg)
    }
}

/// The media type that `bytes` start like, if any.
fn sniff(bytes: &[u8]) -> Option<MediaType> {
    if bytes.starts_with(PNG_SIGNATURE) {
        Some(MediaType::Png)
    } else if bytes.starts_with(JPEG_SIGNATURE) {
        Some(MediaType::Jpeg)
    } else if looks_like_svg(bytes) {
        Some(MediaType::Svg)
    } else {
        None
    }
}

/// Whether `bytes` are an SVG document's start: an optional UTF-8 BOM, then any whitespace,
/// XML declaration or processing instructions, comments and doctype, then the `<svg` element.
pub(super) fn looks_like_svg(bytes: &[u8]) -> bool {
    let mut rest = bytes.strip_prefix(UTF8_BOM).unwrap_or(bytes);
    loop {
        rest = rest.trim_ascii_start();
        let after = if let Some(after) = rest.strip_prefix(b"<?") {
            skip_past(after, b"?>")
        } else if let Some(after) = rest.strip_prefix(b"<!--") {
            skip_past(after, b"-->")
        } else if rest.len() >= 9 && rest[..9].eq_ignore_ascii_case(b"<!DOCTYPE") {
            skip_doctype(&rest[9..])
        } else {
            break;
        };
        match after {
            Some(after) => rest = after,
            None => return false,
        }
    }
    rest.strip_prefix(b"<svg").is_some_and(|after| {
        after
            .first()
            .is_some_and(|&b| b == b'>' || b == b'/' || b.is_ascii_whitespace())
    })
}

/// What follows the first `needle` in `haystack`.
fn skip_past<'a>(haystack: &'a [u8], needle: &[u8]) -> Option<&'a [u8]> {
    let at = haystack
        .windows(needle.len())
        .position(|window| window == needle)?;
    haystack.get(at + needle.len()..)
}

/// What follows a doctype's closing `>`, skipping an internal subset `[...]` (which may hold
/// `>` characters of its own).
fn skip_doctype(after_keyword: &[u8]) -> Option<&[u8]> {
    let end = after_keyword.iter().position(|&b| b == b'>' || b == b'[')?;
    let (_, rest) = after_keyword.split_at(end);
    match rest.strip_prefix(b"[") {
        Some(subset) => skip_past(skip_past(subset, b"]")?, b">"),
        None => rest.get(1..),
    }
}
