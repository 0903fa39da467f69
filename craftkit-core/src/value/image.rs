//! `image` and `signature` values: an `https://` URL, or a `data:` URI of a PNG, JPEG or SVG.
//!
//! Both variable types accept exactly the same strings, so [`Image`] and [`Signature`] are two
//! newtypes over one private [`ImageValue`]: keeping them apart lets generated code say which
//! one a field is, and `From` converts between them.

use std::fmt;
use std::str::FromStr;

use base64::engine::general_purpose::{STANDARD, STANDARD_PAD_INDIFFERENT};
use base64::{DecodeError, DecodeSliceError, Engine as _};
use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};

use super::error::{ValueError, describe_prefix, excerpt};

/// The largest image content the service accepts: 10 MiB, counted on the decoded bytes of a
/// data URI (not on its text, which base64 makes a third longer).
pub const MAX_IMAGE_BYTES: usize = 10 * 1024 * 1024;

const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";
const JPEG_SIGNATURE: &[u8] = b"\xFF\xD8\xFF";
const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// Base64 payloads are checked this many characters (a multiple of 4) at a time, so that
/// validating a 10 MiB image needs a 3 KiB buffer rather than a 10 MiB one.
const BASE64_CHUNK: usize = 4096;

/// The media types a data URI may have.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum MediaType {
    Png,
    Jpeg,
    Svg,
}

impl MediaType {
    const ALL: [MediaType; 3] = [MediaType::Png, MediaType::Jpeg, MediaType::Svg];

    fn as_str(self) -> &'static str {
        match self {
            MediaType::Png => "image/png",
            MediaType::Jpeg => "image/jpeg",
            MediaType::Svg => "image/svg+xml",
        }
    }

    /// Media types compare case-insensitively (RFC 2045).
    fn from_name(name: &str) -> Option<MediaType> {
        MediaType::ALL
            .into_iter()
            .find(|media_type| media_type.as_str().eq_ignore_ascii_case(name))
    }
}

/// How a data URI's payload is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Encoding {
    Base64,
    /// Percent-encoded text: only for SVG.
    Percent,
}

/// What a valid value's text was found to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Source {
    Url,
    Data {
        media_type: MediaType,
        encoding: Encoding,
        /// Where the payload starts: just after the `,`.
        payload_start: usize,
    },
}

/// The value both [`Image`] and [`Signature`] wrap: the exact text, and what it is.
#[derive(Clone, PartialEq, Eq, Hash)]
struct ImageValue {
    text: String,
    source: Source,
}

impl ImageValue {
    /// Checks `text` with `check` before copying it.
    fn parse(
        text: &str,
        check: fn(&str) -> Result<Source, ValueError>,
    ) -> Result<Self, ValueError> {
        let source = check(text)?;
        Ok(ImageValue {
            text: text.to_owned(),
            source,
        })
    }

    /// Checks `text` and keeps it, with no copy.
    fn parse_owned(text: String) -> Result<Self, ValueError> {
        let source = check_any(&text)?;
        Ok(ImageValue { text, source })
    }

    /// A base64 data URI of `bytes`, which are known to be of `media_type`.
    fn encode(bytes: &[u8], media_type: MediaType) -> Result<Self, ValueError> {
        check_size(bytes.len())?;
        let mut text = format!("data:{};base64,", media_type.as_str());
        let payload_start = text.len();
        text.reserve(bytes.len().div_ceil(3) * 4);
        STANDARD.encode_string(bytes, &mut text);
        Ok(ImageValue {
            text,
            source: Source::Data {
                media_type,
                encoding: Encoding::Base64,
                payload_start,
            },
        })
    }

    fn from_bytes(bytes: &[u8]) -> Result<Self, ValueError> {
        let media_type = sniff(bytes).ok_or_else(|| ValueError::UnrecognizedImage {
            expected: "a PNG, JPEG or SVG image",
            found: describe_prefix(bytes),
        })?;
        ImageValue::encode(bytes, media_type)
    }

    fn from_signed(bytes: &[u8], media_type: MediaType) -> Result<Self, ValueError> {
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

    fn from_svg(bytes: &[u8]) -> Result<Self, ValueError> {
        if !looks_like_svg(bytes) {
            return Err(ValueError::UnrecognizedImage {
                expected: "an SVG document (<svg after an optional XML declaration and comments)",
                found: describe_prefix(bytes),
            });
        }
        ImageValue::encode(bytes, MediaType::Svg)
    }

    fn media_type(&self) -> Option<&'static str> {
        match self.source {
            Source::Url => None,
            Source::Data { media_type, .. } => Some(media_type.as_str()),
        }
    }

    fn decode(&self) -> Option<Vec<u8>> {
        let Source::Data {
            encoding,
            payload_start,
            ..
        } = self.source
        else {
            return None;
        };
        let payload = self.text.as_bytes().get(payload_start..)?;
        match encoding {
            Encoding::Base64 => STANDARD_PAD_INDIFFERENT.decode(payload).ok(),
            Encoding::Percent => {
                let mut bytes = Vec::with_capacity(payload.len());
                percent_decode(payload, |byte| bytes.push(byte)).ok()?;
                Some(bytes)
            }
        }
    }

    /// Debug output that shows a long data URI's start and length rather than all of it.
    fn fmt_debug(&self, name: &str, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        struct Text<'a>(&'a str);

        impl fmt::Debug for Text<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                let cut = excerpt(self.0);
                if cut.len() < self.0.len() {
                    write!(f, "{cut:?} ({} bytes)", self.0.len())
                } else {
                    write!(f, "{cut:?}")
                }
            }
        }

        f.debug_tuple(name).field(&Text(&self.text)).finish()
    }
}

/// Any accepted value: a data URI if the scheme says so, else an `https://` URL.
fn check_any(s: &str) -> Result<Source, ValueError> {
    if strip_prefix_ignore_case(s, "data:").is_some() {
        check_data_uri(s)
    } else {
        check_url(s)
    }
}

/// `s` without `prefix` (an ASCII string), compared case-insensitively.
fn strip_prefix_ignore_case<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.as_bytes().get(..prefix.len())?;
    // An ASCII prefix matched, so `prefix.len()` is a char boundary of `s`.
    head.eq_ignore_ascii_case(prefix.as_bytes())
        .then(|| s.get(prefix.len()..))
        .flatten()
}

/// An `https://` URL with a host, and no whitespace or control characters.
fn check_url(s: &str) -> Result<Source, ValueError> {
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

/// `data:<media type>[;charset=<token>][;base64],<payload>` of a supported media type, whose
/// payload decodes to at most [`MAX_IMAGE_BYTES`].
fn check_data_uri(s: &str) -> Result<Source, ValueError> {
    let invalid = |reason: String| ValueError::InvalidDataUri {
        input: excerpt(s),
        reason,
    };
    let Some(rest) = strip_prefix_ignore_case(s, "data:") else {
        return Err(invalid(
            "expected a data: URI, like data:image/png;base64,...".to_owned(),
        ));
    };
    let Some((header, payload)) = rest.split_once(',') else {
        return Err(invalid(
            "it has no ',' between the media type and the data".to_owned(),
        ));
    };
    let mut parameters = header.split(';');
    let name = parameters.next().unwrap_or_default();
    let media_type =
        MediaType::from_name(name).ok_or_else(|| ValueError::UnsupportedMediaType {
            media_type: excerpt(name),
        })?;

    let (mut base64, mut charset) = (false, false);
    for parameter in parameters {
        if base64 {
            return Err(invalid(
                "`;base64` must be the last parameter, just before the ','".to_owned(),
            ));
        }
        if parameter.eq_ignore_ascii_case("base64") {
            base64 = true;
            continue;
        }
        match parameter.split_once('=') {
            Some((key, value)) if key.eq_ignore_ascii_case("charset") && !charset => {
                if !is_token(value) {
                    return Err(invalid(format!("invalid charset {:?}", excerpt(value))));
                }
                charset = true;
            }
            _ => {
                return Err(invalid(format!(
                    "unexpected parameter {:?}: expected at most ;charset=... then ;base64",
                    excerpt(parameter)
                )));
            }
        }
    }

    let encoding = match (base64, media_type) {
        (true, _) => {
            check_base64(payload.as_bytes(), BASE64_CHUNK)?;
            Encoding::Base64
        }
        (false, MediaType::Svg) => {
            let mut size = 0usize;
            percent_decode(payload.as_bytes(), |_| size += 1)?;
            check_size(size)?;
            Encoding::Percent
        }
        (false, _) => {
            return Err(ValueError::InvalidEncoding {
                encoding: "percent-encoded",
                reason: format!(
                    "{0} data must be base64-encoded (data:{0};base64,...)",
                    media_type.as_str()
                ),
            });
        }
    };
    Ok(Source::Data {
        media_type,
        encoding,
        payload_start: s.len() - payload.len(),
    })
}

/// A MIME token (RFC 2045): visible ASCII but for the `tspecials`.
fn is_token(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_graphic() && !b"()<>@,;:\\\"/[]?=".contains(&b))
}

fn check_size(size: usize) -> Result<(), ValueError> {
    if size > MAX_IMAGE_BYTES {
        return Err(ValueError::TooLarge {
            size,
            max: MAX_IMAGE_BYTES,
        });
    }
    Ok(())
}

/// Checks a base64 payload (standard alphabet, `=` padding optional) without keeping what it
/// decodes to: the size first, from the length alone, then the text `chunk` characters at a
/// time.
fn check_base64(payload: &[u8], chunk: usize) -> Result<(), ValueError> {
    let chunk = chunk.clamp(4, BASE64_CHUNK) / 4 * 4;
    let padding = payload
        .iter()
        .rev()
        .take(2)
        .take_while(|&&b| b == b'=')
        .count();
    let symbols = payload.len() - padding;
    // Every 4 symbols are 3 bytes; a last group of 2 or 3 symbols is 1 or 2 bytes.
    check_size(symbols / 4 * 3 + symbols % 4 * 3 / 4)?;

    let invalid = |reason: String| ValueError::InvalidEncoding {
        encoding: "base64",
        reason,
    };
    // Checking in chunks would accept padding at the end of a chunk in the middle of the data,
    // so padding anywhere but at the very end is rejected here.
    if let Some(at) = payload[..symbols].iter().position(|&b| b == b'=') {
        return Err(invalid(format!(
            "unexpected '=' at offset {at}: padding may only end the data"
        )));
    }
    let mut buffer = [0u8; BASE64_CHUNK / 4 * 3];
    let buffer = &mut buffer[..chunk / 4 * 3];
    for (index, text) in payload.chunks(chunk).enumerate() {
        let offset = index * chunk;
        STANDARD_PAD_INDIFFERENT
            .decode_slice(text, &mut *buffer)
            .map_err(|err| invalid(describe_base64_error(&err, offset)))?;
    }
    Ok(())
}

fn describe_base64_error(err: &DecodeSliceError, offset: usize) -> String {
    match err {
        DecodeSliceError::DecodeError(DecodeError::InvalidByte(at, byte)) => format!(
            "unexpected {} at offset {} (the base64 alphabet is A-Z, a-z, 0-9, + and /)",
            describe_byte(*byte),
            offset + at
        ),
        DecodeSliceError::DecodeError(DecodeError::InvalidLastSymbol { offset: at, .. }) => {
            format!(
                "the last symbol, at offset {}, has bits that encode nothing: the data is cut or corrupted",
                offset + at
            )
        }
        DecodeSliceError::DecodeError(DecodeError::InvalidLength(_)) => {
            "its length is not that of base64 data: a symbol is missing or extra".to_owned()
        }
        DecodeSliceError::DecodeError(DecodeError::InvalidPadding) => {
            "its '=' padding is wrong".to_owned()
        }
        DecodeSliceError::OutputSliceTooSmall => "it could not be decoded".to_owned(),
    }
}

fn describe_byte(byte: u8) -> String {
    if byte.is_ascii_graphic() {
        format!("character '{}'", char::from(byte))
    } else {
        format!("byte 0x{byte:02X}")
    }
}

/// Walks a percent-encoded payload, handing each decoded byte to `emit`: `%XX` is one byte,
/// anything else is itself. `%` must start a two-hex-digit escape, and control characters must
/// be escaped.
fn percent_decode(payload: &[u8], mut emit: impl FnMut(u8)) -> Result<(), ValueError> {
    let invalid = |reason: String| ValueError::InvalidEncoding {
        encoding: "percent-encoded",
        reason,
    };
    let hex = |at: usize| {
        payload
            .get(at)
            .and_then(|&b| char::from(b).to_digit(16))
            .and_then(|digit| u8::try_from(digit).ok())
    };
    let mut at = 0;
    while let Some(&byte) = payload.get(at) {
        if byte == b'%' {
            let (Some(high), Some(low)) = (hex(at + 1), hex(at + 2)) else {
                return Err(invalid(format!(
                    "'%' at offset {at} is not followed by two hex digits"
                )));
            };
            emit(high << 4 | low);
            at += 3;
        } else if byte.is_ascii_control() {
            return Err(invalid(format!(
                "unescaped control character 0x{byte:02X} at offset {at}"
            )));
        } else {
            emit(byte);
            at += 1;
        }
    }
    Ok(())
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
fn looks_like_svg(bytes: &[u8]) -> bool {
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

impl<'de> Deserialize<'de> for ImageValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<ImageValue, D::Error> {
        struct ImageVisitor;

        impl Visitor<'_> for ImageVisitor {
            type Value = ImageValue;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an https:// URL or a data: URI of a PNG, JPEG or SVG image")
            }

            fn visit_str<E: de::Error>(self, s: &str) -> Result<ImageValue, E> {
                ImageValue::parse(s, check_any).map_err(E::custom)
            }

            fn visit_string<E: de::Error>(self, s: String) -> Result<ImageValue, E> {
                ImageValue::parse_owned(s).map_err(E::custom)
            }
        }

        deserializer.deserialize_string(ImageVisitor)
    }
}

/// Defines [`Image`] and [`Signature`]: the same API over [`ImageValue`].
macro_rules! image_type {
    ($(#[$meta:meta])* $name:ident, $what:literal) => {
        $(#[$meta])*
        #[derive(Clone, PartialEq, Eq, Hash)]
        pub struct $name(ImageValue);

        impl $name {
            #[doc = concat!("Parses ", $what, " value: an `https://` URL or a `data:` URI.")]
            ///
            /// See the [type's docs](Self) for exactly what is accepted.
            ///
            /// ```
            #[doc = concat!("use craftkit_core::", stringify!($name), ";")]
            ///
            #[doc = concat!("let url = ", stringify!($name), "::parse(\"https://cdn.example.com/a.png\")?;")]
            /// assert!(url.is_url());
            #[doc = concat!("let svg = ", stringify!($name), "::parse(\"data:image/svg+xml,%3Csvg%2F%3E\")?;")]
            /// assert_eq!(svg.decode().as_deref(), Some(&b"<svg/>"[..]));
            #[doc = concat!("assert!(", stringify!($name), "::parse(\"http://cdn.example.com/a.png\").is_err());")]
            /// # Ok::<(), craftkit_core::ValueError>(())
            /// ```
            pub fn parse(s: &str) -> Result<Self, ValueError> {
                ImageValue::parse(s, check_any).map(Self)
            }

            #[doc = concat!("Checks that `s` is ", $what, " value, without copying it: what a")]
            /// payload validator needs. Accepts exactly what [`parse`](Self::parse) accepts.
            pub fn validate(s: &str) -> Result<(), ValueError> {
                check_any(s).map(|_| ())
            }

            /// Takes an `https://` URL (the scheme in any case), which must have a host and no
            /// whitespace or control characters.
            pub fn from_url(url: &str) -> Result<Self, ValueError> {
                if strip_prefix_ignore_case(url, "data:").is_some() {
                    return Err(ValueError::InvalidUrl {
                        input: excerpt(url),
                        reason: "expected an https:// URL, not a data: URI".to_owned(),
                    });
                }
                ImageValue::parse(url, check_url).map(Self)
            }

            /// Takes a `data:` URI of an `image/png`, `image/jpeg` or `image/svg+xml` whose
            /// content is at most [`MAX_IMAGE_BYTES`](crate::value::MAX_IMAGE_BYTES).
            pub fn from_data_uri(uri: &str) -> Result<Self, ValueError> {
                ImageValue::parse(uri, check_data_uri).map(Self)
            }

            /// Wraps a PNG, JPEG or SVG file's bytes (told apart by their first bytes) in a
            /// base64 data URI.
            ///
            /// ```
            #[doc = concat!("use craftkit_core::", stringify!($name), ";")]
            ///
            #[doc = concat!("let png = ", stringify!($name), "::from_bytes(b\"\\x89PNG\\r\\n\\x1a\\n\")?;")]
            /// assert_eq!(png.as_str(), "data:image/png;base64,iVBORw0KGgo=");
            #[doc = concat!("assert!(", stringify!($name), "::from_bytes(b\"GIF89a\").is_err());")]
            /// # Ok::<(), craftkit_core::ValueError>(())
            /// ```
            pub fn from_bytes(bytes: &[u8]) -> Result<Self, ValueError> {
                ImageValue::from_bytes(bytes).map(Self)
            }

            /// Wraps a PNG file's bytes in a base64 data URI, after checking the PNG signature.
            pub fn from_png(bytes: &[u8]) -> Result<Self, ValueError> {
                ImageValue::from_signed(bytes, MediaType::Png).map(Self)
            }

            /// Wraps a JPEG file's bytes in a base64 data URI, after checking that they start
            /// like a JPEG (`FF D8 FF`).
            pub fn from_jpeg(bytes: &[u8]) -> Result<Self, ValueError> {
                ImageValue::from_signed(bytes, MediaType::Jpeg).map(Self)
            }

            /// Wraps an SVG document in a base64 data URI, after checking that it starts like
            /// one (`<svg`, after an optional XML declaration, comments and doctype).
            pub fn from_svg(svg: &str) -> Result<Self, ValueError> {
                ImageValue::from_svg(svg.as_bytes()).map(Self)
            }

            /// The exact text of the value.
            pub fn as_str(&self) -> &str {
                &self.0.text
            }

            /// Whether the value is an `https://` URL (rather than a data URI).
            pub fn is_url(&self) -> bool {
                self.0.source == Source::Url
            }

            /// A data URI's media type, lowercased: `"image/png"`, `"image/jpeg"` or
            /// `"image/svg+xml"`. `None` for a URL.
            pub fn media_type(&self) -> Option<&str> {
                self.0.media_type()
            }

            /// A data URI's content, decoded. `None` for a URL (this crate does no I/O).
            pub fn decode(&self) -> Option<Vec<u8>> {
                self.0.decode()
            }
        }

        impl fmt::Debug for $name {
            /// Shows only the start of a long data URI, and its length.
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt_debug(stringify!($name), f)
            }
        }

        impl fmt::Display for $name {
            /// Writes the exact text of the value.
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0.text)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0.text
            }
        }

        impl FromStr for $name {
            type Err = ValueError;

            fn from_str(s: &str) -> Result<Self, ValueError> {
                Self::parse(s)
            }
        }

        impl TryFrom<&str> for $name {
            type Error = ValueError;

            fn try_from(s: &str) -> Result<Self, ValueError> {
                Self::parse(s)
            }
        }

        impl TryFrom<String> for $name {
            type Error = ValueError;

            /// Validates `s` and keeps it, with no copy.
            fn try_from(s: String) -> Result<Self, ValueError> {
                ImageValue::parse_owned(s).map(Self)
            }
        }

        impl From<$name> for String {
            fn from(value: $name) -> String {
                value.0.text
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(&self.0.text)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                ImageValue::deserialize(deserializer).map(Self)
            }
        }
    };
}

image_type! {
    /// The value of an `image` variable: an `https://` URL, or a `data:` URI of a PNG, JPEG or
    /// SVG image of at most [`MAX_IMAGE_BYTES`] (10 MiB, decoded).
    ///
    /// What is accepted:
    ///
    /// - `https://host...`: the scheme in any case, a non-empty host, an optional numeric
    ///   port, and no whitespace or control characters anywhere. `http://` and every other
    ///   scheme are rejected.
    /// - `data:<media type>[;charset=<token>][;base64],<payload>`, the media type (compared
    ///   case-insensitively) `image/png`, `image/jpeg` or `image/svg+xml`. A `;base64`
    ///   payload uses the standard alphabet strictly, with `=` padding optional; an SVG may
    ///   instead be percent-encoded text (every `%` starting a two-hex-digit escape, control
    ///   characters escaped). The declared type is trusted: the content is not sniffed.
    ///
    /// The value keeps the exact text it was given and gives it back unchanged.
    ///
    /// ```
    /// use craftkit_core::{Image, Signature};
    ///
    /// let logo = Image::parse("data:IMAGE/PNG;base64,iVBORw0KGgo")?;
    /// assert_eq!(logo.media_type(), Some("image/png"));
    /// assert_eq!(logo.as_str(), "data:IMAGE/PNG;base64,iVBORw0KGgo");
    /// assert!(Image::parse("data:image/gif;base64,R0lGODlh").is_err());
    /// let signature = Signature::from(logo);
    /// assert!(!signature.is_url());
    /// # Ok::<(), craftkit_core::ValueError>(())
    /// ```
    Image, "an `image`"
}

image_type! {
    /// The value of a `signature` variable: exactly like an [`Image`] (an `https://` URL or a
    /// PNG, JPEG or SVG data URI of at most [`MAX_IMAGE_BYTES`]), as its own type so that
    /// generated code says which one a field holds.
    ///
    /// ```
    /// use craftkit_core::{Image, Signature};
    ///
    /// let signature = Signature::from_svg("<svg xmlns=\"http://www.w3.org/2000/svg\"/>")?;
    /// assert_eq!(signature.media_type(), Some("image/svg+xml"));
    /// let image: Image = signature.clone().into();
    /// assert_eq!(image.as_str(), signature.as_str());
    /// # Ok::<(), craftkit_core::ValueError>(())
    /// ```
    Signature, "a `signature`"
}

impl From<Image> for Signature {
    fn from(image: Image) -> Signature {
        Signature(image.0)
    }
}

impl From<Signature> for Image {
    fn from(signature: Signature) -> Image {
        Image(signature.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
    const JPEG: &[u8] = b"\xFF\xD8\xFF\xE0\0\x10JFIF";
    const SVG: &str = r#"<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>"#;

    /// Whether an error is the one a case expects.
    type Expect = fn(&ValueError) -> bool;

    fn image(s: &str) -> Image {
        Image::parse(s).unwrap_or_else(|err| panic!("{s:?}: {err}"))
    }

    #[test]
    fn accepts_https_urls() {
        for url in [
            "https://cdn.example.com/logo.png",
            "HTTPS://cdn.example.com",
            "https://cdn.example.com:8443/a.png?size=2#x",
            "https://user:pass@cdn.example.com/a.png",
            "https://[::1]:443/a.png",
            "https://bücher.example/logo.png",
            "https://example.com:/a",
        ] {
            let value = image(url);
            assert!(value.is_url());
            assert_eq!(value.as_str(), url);
            assert_eq!(value.media_type(), None);
            assert_eq!(value.decode(), None);
            assert_eq!(Image::from_url(url).unwrap(), value);
        }
    }

    #[test]
    fn rejects_other_urls() {
        let cases: [(&str, Expect); 14] = [
            (
                "http://cdn.example.com/a.png",
                |e| matches!(e, ValueError::UnsupportedScheme { scheme, .. } if scheme == "http"),
            ),
            ("ftp://cdn.example.com/a.png", |e| {
                matches!(e, ValueError::UnsupportedScheme { .. })
            }),
            ("file:///etc/passwd", |e| {
                matches!(e, ValueError::UnsupportedScheme { .. })
            }),
            ("https:cdn.example.com", |e| {
                matches!(e, ValueError::InvalidUrl { .. })
            }),
            ("https://", |e| matches!(e, ValueError::InvalidUrl { .. })),
            ("https:///a.png", |e| {
                matches!(e, ValueError::InvalidUrl { .. })
            }),
            ("https://user@/a.png", |e| {
                matches!(e, ValueError::InvalidUrl { .. })
            }),
            ("https://:443/a.png", |e| {
                matches!(e, ValueError::InvalidUrl { .. })
            }),
            ("https://[::1/a.png", |e| {
                matches!(e, ValueError::InvalidUrl { .. })
            }),
            ("https://example.com:44x/a.png", |e| {
                matches!(e, ValueError::InvalidUrl { .. })
            }),
            ("https://example.com/a b.png", |e| {
                matches!(e, ValueError::InvalidUrl { .. })
            }),
            ("https://example.com/a\u{7}.png", |e| {
                matches!(e, ValueError::InvalidUrl { .. })
            }),
            ("cdn.example.com/a.png", |e| {
                matches!(e, ValueError::NotImageSource { .. })
            }),
            ("", |e| matches!(e, ValueError::NotImageSource { .. })),
        ];
        for (input, expected) in cases {
            let err = Image::parse(input).unwrap_err();
            assert!(expected(&err), "{input:?}: {err:?}");
            assert_eq!(Image::validate(input), Err(err));
        }
        for url in [
            " https://example.com/a.png",
            "https://example.com/a.png\n",
            "https://example.com/\u{a0}",
        ] {
            assert!(Image::parse(url).is_err(), "{url:?}");
        }
        assert!(matches!(
            Image::from_url("data:image/png;base64,iVBORw0KGgo="),
            Err(ValueError::InvalidUrl { .. })
        ));
    }

    #[test]
    fn accepts_data_uris() {
        let cases = [
            (
                "data:image/png;base64,iVBORw0KGgo=",
                "image/png",
                PNG_SIGNATURE.to_vec(),
            ),
            (
                "data:image/png;base64,iVBORw0KGgo",
                "image/png",
                PNG_SIGNATURE.to_vec(),
            ),
            (
                "DATA:Image/PNG;BASE64,iVBORw0KGgo=",
                "image/png",
                PNG_SIGNATURE.to_vec(),
            ),
            (
                "data:image/jpeg;base64,/9j/",
                "image/jpeg",
                JPEG_SIGNATURE.to_vec(),
            ),
            ("data:image/jpeg;base64,", "image/jpeg", Vec::new()),
            (
                "data:image/svg+xml;base64,PHN2Zy8+",
                "image/svg+xml",
                b"<svg/>".to_vec(),
            ),
            (
                "data:image/svg+xml;charset=utf-8;base64,PHN2Zy8+",
                "image/svg+xml",
                b"<svg/>".to_vec(),
            ),
            (
                "data:image/svg+xml,%3Csvg%2F%3E",
                "image/svg+xml",
                b"<svg/>".to_vec(),
            ),
            (
                "data:image/svg+xml;charset=UTF-8,<svg width='1'/>",
                "image/svg+xml",
                b"<svg width='1'/>".to_vec(),
            ),
            (
                "data:image/svg+xml,%3csvg%3E%C3%A9é",
                "image/svg+xml",
                "<svg>éé".as_bytes().to_vec(),
            ),
        ];
        for (uri, media_type, content) in cases {
            let value = image(uri);
            assert!(!value.is_url());
            assert_eq!(value.as_str(), uri);
            assert_eq!(value.media_type(), Some(media_type));
            assert_eq!(value.decode(), Some(content), "{uri}");
            assert_eq!(Image::from_data_uri(uri).unwrap(), value);
        }
    }

    #[test]
    fn rejects_bad_data_uris() {
        let cases: [(&str, Expect); 18] = [
            (
                "data:image/gif;base64,R0lGODlh",
                |e| matches!(e, ValueError::UnsupportedMediaType { media_type } if media_type == "image/gif"),
            ),
            ("data:;base64,iVBORw0KGgo=", |e| {
                matches!(e, ValueError::UnsupportedMediaType { .. })
            }),
            ("data:,hello", |e| {
                matches!(e, ValueError::UnsupportedMediaType { .. })
            }),
            ("data:image/png ;base64,iVBORw0KGgo=", |e| {
                matches!(e, ValueError::UnsupportedMediaType { .. })
            }),
            ("data:image/png;base64", |e| {
                matches!(e, ValueError::InvalidDataUri { .. })
            }),
            ("data:image/png;base64;charset=utf-8,iVBORw0KGgo=", |e| {
                matches!(e, ValueError::InvalidDataUri { .. })
            }),
            ("data:image/svg+xml;utf8,<svg/>", |e| {
                matches!(e, ValueError::InvalidDataUri { .. })
            }),
            ("data:image/svg+xml;charset=,<svg/>", |e| {
                matches!(e, ValueError::InvalidDataUri { .. })
            }),
            ("data:image/svg+xml;charset=a;charset=b,<svg/>", |e| {
                matches!(e, ValueError::InvalidDataUri { .. })
            }),
            ("data:image/png;name=a.png;base64,iVBORw0KGgo=", |e| {
                matches!(e, ValueError::InvalidDataUri { .. })
            }),
            ("data:image/png,%89PNG", |e| {
                matches!(e, ValueError::InvalidEncoding { .. })
            }),
            ("data:image/png;base64,iVBORw0KGgo!", |e| {
                matches!(e, ValueError::InvalidEncoding { .. })
            }),
            ("data:image/png;base64,iVBO Rw0KGgo=", |e| {
                matches!(e, ValueError::InvalidEncoding { .. })
            }),
            ("data:image/png;base64,iVBORw0KGg-_", |e| {
                matches!(e, ValueError::InvalidEncoding { .. })
            }),
            ("data:image/png;base64,iVBORw0KGgp=", |e| {
                matches!(e, ValueError::InvalidEncoding { .. })
            }),
            ("data:image/png;base64,iVBORw0KG", |e| {
                matches!(e, ValueError::InvalidEncoding { .. })
            }),
            ("data:image/png;base64,iV==Rw0KGgo=", |e| {
                matches!(e, ValueError::InvalidEncoding { .. })
            }),
            ("data:image/svg+xml,%3Csvg%2", |e| {
                matches!(e, ValueError::InvalidEncoding { .. })
            }),
        ];
        for (input, expected) in cases {
            let err = Image::parse(input).unwrap_err();
            assert!(expected(&err), "{input:?}: {err:?}");
            assert_eq!(Image::from_data_uri(input), Err(err));
        }
        for bad in [
            "data:image/svg+xml,%zzsvg",
            "data:image/svg+xml,%",
            "data:image/svg+xml,%é1",
            "data:image/svg+xml,<svg>\n</svg>",
            "data:image/svg+xml,<svg>\u{7f}</svg>",
            "data:image/png;base64,iVBORw0KGgo===",
            "data:image/png;base64,=iVBORw0KGgo",
        ] {
            assert!(Image::parse(bad).is_err(), "{bad:?}");
        }
        assert!(matches!(
            Image::from_data_uri("https://example.com/a.png"),
            Err(ValueError::InvalidDataUri { .. })
        ));
    }

    #[test]
    fn enforces_the_size_limit_on_decoded_bytes() {
        let exactly = |bytes: usize| {
            format!(
                "data:image/png;base64,{}",
                STANDARD.encode(vec![0u8; bytes])
            )
        };
        assert!(Image::parse(&exactly(MAX_IMAGE_BYTES)).is_ok());
        assert_eq!(
            Image::parse(&exactly(MAX_IMAGE_BYTES + 1)),
            Err(ValueError::TooLarge {
                size: MAX_IMAGE_BYTES + 1,
                max: MAX_IMAGE_BYTES
            })
        );
        let unpadded = exactly(MAX_IMAGE_BYTES + 1)
            .trim_end_matches('=')
            .to_owned();
        assert!(
            matches!(Image::parse(&unpadded), Err(ValueError::TooLarge { size, .. }) if size == MAX_IMAGE_BYTES + 1)
        );

        let svg = |bytes: usize| format!("data:image/svg+xml,%3Csvg%3E{}", "a".repeat(bytes - 5));
        assert!(Image::parse(&svg(MAX_IMAGE_BYTES)).is_ok());
        assert!(matches!(
            Image::parse(&svg(MAX_IMAGE_BYTES + 1)),
            Err(ValueError::TooLarge { .. })
        ));

        let big = [PNG, &vec![0; MAX_IMAGE_BYTES]].concat();
        assert!(matches!(
            Image::from_bytes(&big),
            Err(ValueError::TooLarge { .. })
        ));
        assert!(matches!(
            Image::from_png(&big),
            Err(ValueError::TooLarge { .. })
        ));
        let message = Image::parse(&exactly(MAX_IMAGE_BYTES + 1))
            .unwrap_err()
            .to_string();
        assert_eq!(
            message,
            "image is 10485761 bytes, over the limit of 10485760 bytes (10 MiB)"
        );
    }

    #[test]
    fn error_messages_quote_only_the_start() {
        let huge = format!("data:image/gif;base64,{}", "A".repeat(MAX_IMAGE_BYTES));
        let err = Image::parse(&huge).unwrap_err().to_string();
        assert!(err.contains("image/gif"), "{err}");
        let huge = format!("data:image/png;base64,{}!", "A".repeat(1000));
        let err = Image::parse(&huge).unwrap_err().to_string();
        assert!(err.len() < 300, "{err}");
        assert!(err.contains("character '!' at offset 1000"), "{err}");
        let huge = format!("ftp://{}", "a".repeat(1_000_000));
        assert!(Image::parse(&huge).unwrap_err().to_string().len() < 300);
        let debug = format!(
            "{:?}",
            image(&format!("data:image/jpeg;base64,{}", "A".repeat(1000)))
        );
        assert!(
            debug.starts_with("Image(\"data:image/jpeg;base64,AAAA")
                && debug.ends_with("(1023 bytes))"),
            "{debug}"
        );
        assert_eq!(
            format!("{:?}", image("https://a.example/x.png")),
            r#"Image("https://a.example/x.png")"#
        );
    }

    #[test]
    fn from_bytes_sniffs_the_format() {
        let png = Image::from_bytes(PNG).unwrap();
        assert_eq!(png.media_type(), Some("image/png"));
        assert!(
            png.as_str()
                .starts_with("data:image/png;base64,iVBORw0KGgo")
        );
        assert_eq!(png.decode().as_deref(), Some(PNG));
        assert_eq!(Image::parse(png.as_str()).unwrap(), png);
        assert_eq!(Image::from_png(PNG).unwrap(), png);

        let jpeg = Image::from_bytes(JPEG).unwrap();
        assert_eq!(jpeg.media_type(), Some("image/jpeg"));
        assert_eq!(jpeg.decode().as_deref(), Some(JPEG));
        assert_eq!(Image::from_jpeg(JPEG).unwrap(), jpeg);

        let svg = Image::from_bytes(SVG.as_bytes()).unwrap();
        assert_eq!(svg.media_type(), Some("image/svg+xml"));
        assert_eq!(svg.decode().as_deref(), Some(SVG.as_bytes()));
        assert_eq!(Image::from_svg(SVG).unwrap(), svg);

        for not_an_image in [
            &b""[..],
            b"GIF89a",
            b"\x89PNG",
            b"\xFF\xD8",
            b"<html>",
            b"<svgfoo>",
            b"<?xml version=\"1.0\"?>",
        ] {
            assert!(matches!(
                Image::from_bytes(not_an_image),
                Err(ValueError::UnrecognizedImage { .. })
            ));
        }
        assert!(Image::from_png(JPEG).is_err());
        assert!(Image::from_jpeg(PNG).is_err());
        assert!(Image::from_svg("<html/>").is_err());
        assert_eq!(
            Image::from_png(b"GIF89a").unwrap_err().to_string(),
            "unrecognised image bytes: expected a PNG image (starting with 89 50 4E 47 0D 0A 1A 0A), but the bytes start with 47 49 46 38 39 61"
        );
    }

    #[test]
    fn recognises_svg_preambles() {
        for svg in [
            "<svg/>",
            "<svg>",
            "<SVG>",
            "\u{feff}  \n<svg\n xmlns='http://www.w3.org/2000/svg'/>",
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg>",
            "<?xml version=\"1.0\"?><!-- made by hand --><!-- twice --><svg/>",
            "<!DOCTYPE svg PUBLIC \"-//W3C//DTD SVG 1.1//EN\" \"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd\">\n<svg>",
            "<!doctype svg [ <!ENTITY a \"<b>\"> ]><svg>",
        ] {
            assert_eq!(
                looks_like_svg(svg.as_bytes()),
                !svg.starts_with("<SVG"),
                "{svg:?}"
            );
        }
        for not_svg in [
            "",
            "svg",
            "<svg",
            "<!-- <svg/>",
            "<?xml <svg/>",
            "<html><svg/></html>",
            "<!DOCTYPE svg [ <svg>",
        ] {
            assert!(!looks_like_svg(not_svg.as_bytes()), "{not_svg:?}");
        }
    }

    #[test]
    fn image_and_signature_convert_and_serialize() {
        let uri = "data:image/svg+xml,%3Csvg%2F%3E";
        let signature: Signature = serde_json::from_str(&format!("{uri:?}")).unwrap();
        assert_eq!(
            serde_json::to_string(&signature).unwrap(),
            format!("{uri:?}")
        );
        assert_eq!(signature.to_string(), uri);
        let image = Image::from(signature.clone());
        assert_eq!(image.as_str(), uri);
        assert_eq!(Signature::from(image), signature);
        assert_eq!(Signature::try_from(uri).unwrap(), signature);
        assert_eq!(Signature::try_from(uri.to_owned()).unwrap(), signature);
        assert_eq!(uri.parse::<Signature>().unwrap(), signature);
        assert_eq!(String::from(signature), uri);

        let err = serde_json::from_str::<Image>(r#""http://example.com/a.png""#).unwrap_err();
        assert!(
            err.to_string().contains(r#"unsupported URL scheme "http""#),
            "{err}"
        );
        let err = serde_json::from_str::<Image>("42").unwrap_err();
        assert!(
            err.to_string().contains("an https:// URL or a data: URI"),
            "{err}"
        );
        // An escaped string reaches `visit_string` (serde_json builds an owned String).
        let image: Image = serde_json::from_str(r#""https://example.com/a\u00e9.png""#).unwrap();
        assert_eq!(image.as_str(), "https://example.com/aé.png");
        let image: Image = serde_json::from_str(r#""https:\/\/example.com\/a.png""#).unwrap();
        assert_eq!(image.as_str(), "https://example.com/a.png");
    }

    #[test]
    fn padding_at_a_chunk_boundary_is_still_rejected() {
        assert!(check_base64(b"AA==AAAA", 4).is_err());
        let mut payload = "A".repeat(BASE64_CHUNK - 4);
        payload.push_str("AA==AAAA");
        assert!(check_base64(payload.as_bytes(), BASE64_CHUNK).is_err());
        assert!(Image::parse(&format!("data:image/png;base64,{payload}")).is_err());
        let bad_symbol_in_a_later_chunk = format!("{}!AAA", "A".repeat(BASE64_CHUNK * 2));
        let err = check_base64(bad_symbol_in_a_later_chunk.as_bytes(), BASE64_CHUNK).unwrap_err();
        assert!(
            err.to_string().contains("character '!' at offset 8192"),
            "{err}"
        );
    }

    /// The reference for `check_base64`: decoding the whole payload at once.
    fn whole_decode_accepts(payload: &str) -> bool {
        STANDARD_PAD_INDIFFERENT.decode(payload).is_ok()
    }

    proptest! {
        #[test]
        fn parsers_never_panic_and_round_trip(s in any::<String>()) {
            for prefixed in [s.clone(), format!("data:image/svg+xml,{s}"), format!("https://{s}"), format!("data:{s}")] {
                if let Ok(value) = Image::parse(&prefixed) {
                    prop_assert_eq!(value.as_str(), prefixed.as_str());
                    prop_assert_eq!(value.to_string(), prefixed.clone());
                    prop_assert_eq!(value.is_url(), value.decode().is_none());
                    prop_assert_eq!(Image::validate(&prefixed), Ok(()));
                } else {
                    prop_assert!(Image::validate(&prefixed).is_err());
                }
            }
        }

        #[test]
        fn near_data_uris_never_panic(s in r"(?i:data):(image/(png|jpeg|svg\+xml|gif)|é)?(;charset=[a-z0-9é-]{0,6})?(;base64)?(,)?[A-Za-z0-9+/=%é ]{0,40}") {
            if let Ok(value) = Image::parse(&s) {
                prop_assert_eq!(value.as_str(), s.as_str());
                prop_assert!(value.decode().is_some());
            }
        }

        #[test]
        fn chunked_base64_check_matches_a_whole_decode(
            s in r"[A-Za-z0-9+/]{0,40}={0,3}[A-Za-z0-9+/=!]{0,6}",
            chunk in 1usize..=5,
        ) {
            let expected = whole_decode_accepts(&s);
            prop_assert_eq!(check_base64(s.as_bytes(), chunk * 4).is_ok(), expected);
            prop_assert_eq!(check_base64(s.as_bytes(), BASE64_CHUNK).is_ok(), expected);
        }

        #[test]
        fn any_bytes_round_trip_through_a_data_uri(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
            let png = [PNG_SIGNATURE, &bytes].concat();
            let value = Image::from_bytes(&png).unwrap();
            prop_assert_eq!(value.decode(), Some(png.clone()));
            prop_assert_eq!(Image::parse(value.as_str()), Ok(value.clone()));
            let unpadded = value.as_str().trim_end_matches('=');
            prop_assert_eq!(Image::parse(unpadded).unwrap().decode(), Some(png));
        }

        #[test]
        fn sniffing_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            if let Ok(value) = Image::from_bytes(&bytes) {
                prop_assert_eq!(value.decode(), Some(bytes));
            }
        }
    }
}
