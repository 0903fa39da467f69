//! Reading `t=<unix seconds>,v1=<hex>,v1=<hex>,...`.

use super::WebhookError;

/// The length of an HMAC-SHA256 tag in bytes.
pub(super) const TAG_LEN: usize = 32;

/// A parsed signature header.
#[derive(Debug)]
pub(super) struct SignatureHeader<'a> {
    /// `t` exactly as written (digits only): the signed message uses these bytes.
    pub(super) t_raw: &'a str,
    /// `t` as a number.
    pub(super) t: i64,
    /// The `v1` values that decode to exactly [`TAG_LEN`] bytes. Others are dropped: they can
    /// never match, whatever they are a prefix of.
    pub(super) tags: Vec<[u8; TAG_LEN]>,
}

impl<'a> SignatureHeader<'a> {
    /// Parses a header value. A header with `v1` entries none of which decodes parses fine,
    /// with no tags: it then fails as a mismatch, like any wrong signature.
    pub(super) fn parse(header: &'a str) -> Result<Self, WebhookError> {
        let mut t_raw = None;
        let mut v1_seen = false;
        let mut tags = Vec::new();
        for entry in header.split(',') {
            let entry = entry.trim_ascii();
            if entry.is_empty() {
                continue;
            }
            let Some((key, value)) = entry.split_once('=') else {
                return Err(malformed(format!("entry {:?} has no `=`", clip(entry))));
            };
            let value = value.trim_ascii();
            match key.trim_ascii() {
                "" => return Err(malformed(format!("entry {:?} has no key", clip(entry)))),
                "t" if t_raw.is_some() => {
                    return Err(malformed("`t=` appears more than once".to_owned()));
                }
                "t" => t_raw = Some(value),
                "v1" => {
                    v1_seen = true;
                    tags.extend(decode_tag(value));
                }
                // Other schemes (`v0`, a future `v2`) are not ours to judge.
                _ => {}
            }
        }
        let t_raw = t_raw.ok_or(WebhookError::MissingTimestamp)?;
        let t = parse_timestamp(t_raw)?;
        if !v1_seen {
            return Err(WebhookError::MissingSignature);
        }
        Ok(SignatureHeader { t_raw, t, tags })
    }
}

/// Unix seconds: ASCII digits only (no sign, no fraction, no exponent), within `i64`.
fn parse_timestamp(raw: &str) -> Result<i64, WebhookError> {
    if raw.is_empty() || !raw.bytes().all(|b| b.is_ascii_digit()) {
        return Err(WebhookError::InvalidTimestamp);
    }
    raw.parse().map_err(|_| WebhookError::InvalidTimestamp)
}

/// Exactly 64 hex digits (either case) to 32 bytes; anything else (empty, odd length, a
/// non-hex character, too short or too long) to `None`.
fn decode_tag(value: &str) -> Option<[u8; TAG_LEN]> {
    let mut tag = [0; TAG_LEN];
    // `decode_to_slice` refuses any input whose decoded length is not exactly `TAG_LEN`.
    hex::decode_to_slice(value, &mut tag).ok()?;
    Some(tag)
}

fn malformed(message: String) -> WebhookError {
    WebhookError::MalformedHeader(message)
}

/// At most 40 characters of an attacker-controlled entry, for an error message.
fn clip(entry: &str) -> String {
    let mut chars = entry.chars();
    let clipped: String = chars.by_ref().take(40).collect();
    if chars.next().is_some() {
        clipped + "..."
    } else {
        clipped
    }
}
