//! `data:` URIs: parsing and checking one (base64 or percent-encoded payload, size limit),
//! writing one for some bytes, and decoding one's payload.

use base64::engine::general_purpose::{STANDARD, STANDARD_PAD_INDIFFERENT};
use base64::{DecodeError, DecodeSliceError, Engine as _};

use super::{
    Encoding, ImageValue, MAX_IMAGE_BYTES, MediaType, Source, ValueError, excerpt,
    strip_prefix_ignore_case,
};

/// Base64 payloads are checked this many characters (a multiple of 4) at a time, so that
/// validating a 10 MiB image needs a 3 KiB buffer rather than a 10 MiB one.
pub(super) const BASE64_CHUNK: usize = 4096;

impl ImageValue {
    /// A base64 data URI of `bytes`, which are known to be of `media_type`.
    pub(super) fn encode(bytes: &[u8], media_type: MediaType) -> Result<Self, ValueError> {
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

    pub(super) fn decode(&self) -> Option<Vec<u8>> {
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
}

/// `data:<media type>[;charset=<token>][;base64],<payload>` of a supported media type, whose
/// payload decodes to at most [`MAX_IMAGE_BYTES`].
pub(super) fn check_data_uri(s: &str) -> Result<Source, ValueError> {
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
pub(super) fn check_base64(payload: &[u8], chunk: usize) -> Result<(), ValueError> {
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
