//! `image` and `signature` values: an `https://` URL, or a `data:` URI of a PNG, JPEG or SVG.
//!
//! Both variable types accept exactly the same strings, so [`Image`] and [`Signature`] are two
//! newtypes over one private [`ImageValue`]: keeping them apart lets generated code say which
//! one a field is, and `From` converts between them.

use std::fmt;
use std::str::FromStr;

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};

use super::error::{ValueError, excerpt};

mod data_uri;
mod sniff;
#[cfg(test)]
mod tests;
mod url;

use data_uri::check_data_uri;
use url::check_url;

/// The largest image content the service accepts: 10 MiB, counted on the decoded bytes of a
/// data URI (not on its text, which base64 makes a third longer).
pub const MAX_IMAGE_BYTES: usize = 10 * 1024 * 1024;

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

    fn media_type(&self) -> Option<&'static str> {
        match self.source {
            Source::Url => None,
            Source::Data { media_type, .. } => Some(media_type.as_str()),
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
