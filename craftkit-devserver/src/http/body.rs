//! Request bodies: JSON only, at most 20 MiB, malformed JSON is `400 invalid_request`.

use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{FromRequest, Request};
use axum::http::{HeaderMap, StatusCode, header};
use serde_json::Value;

use crate::api_error::Failure;
use crate::app::App;

/// The largest request body the API accepts.
pub(crate) const MAX_BODY: usize = 20 * 1024 * 1024;

/// A JSON request body, parsed.
pub(crate) struct JsonBody(pub Value);

impl FromRequest<App> for JsonBody {
    type Rejection = Failure;

    async fn from_request(request: Request, _app: &App) -> Result<JsonBody, Failure> {
        require_json(request.headers())?;
        let declared = declared_length(request.headers());
        let bytes = read_limited(request.into_body(), declared).await?;
        parse_json(&bytes).map(JsonBody)
    }
}

/// The most JSON values (numbers, strings, arrays, objects...) a body may hold: parsed, each
/// costs tens of bytes, so that a 20 MiB `[0,0,...]` would take over 300 MB.
pub(crate) const MAX_JSON_VALUES: usize = 1_000_000;

/// Parses a JSON body: `413 payload_too_large` when it holds more than [`MAX_JSON_VALUES`]
/// values (counted before parsing), `400 invalid_request` when it is not JSON; nesting deeper
/// than serde_json's 128 levels is not JSON here.
pub(crate) fn parse_json(bytes: &[u8]) -> Result<Value, Failure> {
    if json_values_at_most(bytes) > MAX_JSON_VALUES {
        return Err(Failure::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!("the request body holds more than {MAX_JSON_VALUES} JSON values"),
        ));
    }
    serde_json::from_slice(bytes)
        .map_err(|e| Failure::invalid_request(format!("the body is not valid JSON: {e}")))
}

/// An upper bound of the values in JSON text, without parsing it: one, plus one per `,`, `[`,
/// `{` and `:` outside strings (an object member counts its key as a value).
fn json_values_at_most(bytes: &[u8]) -> usize {
    let (mut in_string, mut escaped) = (false, false);
    let mut values = 1usize;
    for &byte in bytes {
        if in_string {
            if escaped {
                escaped = false;
            } else if byte == b'\\' {
                escaped = true;
            } else if byte == b'"' {
                in_string = false;
            }
        } else {
            match byte {
                b'"' => in_string = true,
                b',' | b'[' | b'{' | b':' => values += 1,
                _ => {}
            }
        }
    }
    values
}

/// How much of an oversized body sent without a larger `Content-Length` is read (and
/// dropped, never kept) before answering `413`, so that a client still sending gets its answer
/// instead of a reset connection. Beyond this the connection is cut: the bound keeps a hostile
/// client from holding the server.
const DRAIN_LIMIT: u64 = 64 * 1024 * 1024;

/// How long a client may take to send a body: a body that trickles in slower is `408`.
const BODY_TIMEOUT: Duration = Duration::from_secs(60);

/// The `Content-Length` a request declares, if any (one that is not a number is left to
/// the HTTP layer, which refuses it).
pub(crate) fn declared_length(headers: &HeaderMap) -> Option<u64> {
    headers
        .get(header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .parse()
        .ok()
}

/// Reads a body of at most [`MAX_BODY`] bytes: `413 payload_too_large` past it, at once when
/// the `declared` length is over [`DRAIN_LIMIT`], else once the body is read and dropped;
/// at most `MAX_BODY` plus one chunk is ever held.
pub(crate) async fn read_limited(body: Body, declared: Option<u64>) -> Result<Bytes, Failure> {
    if declared.is_some_and(|n| n > DRAIN_LIMIT) {
        return Err(too_large());
    }
    match tokio::time::timeout(BODY_TIMEOUT, read_at_most(body, declared)).await {
        Ok(read) => read,
        Err(_) => Err(Failure::new(
            StatusCode::REQUEST_TIMEOUT,
            "invalid_request",
            format!(
                "the request body took over {} s to arrive",
                BODY_TIMEOUT.as_secs()
            ),
        )),
    }
}

fn too_large() -> Failure {
    Failure::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
        "the request body is over 20 MiB",
    )
}

async fn read_at_most(body: Body, declared: Option<u64>) -> Result<Bytes, Failure> {
    use futures_util::StreamExt;

    let limit = MAX_BODY as u64;
    let mut stream = body.into_data_stream();
    let mut bytes = Vec::new();
    let mut keep = declared.is_none_or(|n| n <= limit);
    let mut seen = 0u64;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| {
            Failure::invalid_request(format!("the request body could not be read: {e}"))
        })?;
        seen += chunk.len() as u64;
        if seen > DRAIN_LIMIT {
            return Err(too_large());
        }
        if seen > limit {
            keep = false;
            bytes = Vec::new();
        }
        if keep {
            bytes.extend_from_slice(&chunk);
        }
    }
    if seen > limit || !keep {
        Err(too_large())
    } else {
        Ok(Bytes::from(bytes))
    }
}

/// `Content-Type: application/json` (parameters such as `charset` allowed), or `400`.
pub(crate) fn require_json(headers: &HeaderMap) -> Result<(), Failure> {
    let content_type = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let essence = content_type.split(';').next().unwrap_or("").trim();
    if essence.eq_ignore_ascii_case("application/json") {
        Ok(())
    } else {
        Err(Failure::invalid_request(
            "send the body as JSON with `Content-Type: application/json`",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::{MAX_JSON_VALUES, parse_json};

    #[test]
    fn a_body_of_too_many_values_is_413_before_parsing_and_strings_do_not_count() {
        let mut many = b"[0".to_vec();
        many.extend(b",0".repeat(MAX_JSON_VALUES));
        many.push(b']');
        let failure = parse_json(&many).unwrap_err();
        assert_eq!(failure.status.as_u16(), 413, "{}", failure.message);
        let text = format!(
            "{{\"s\": \"{}\\\" ,[{{\"}}",
            ",".repeat(MAX_JSON_VALUES + 1)
        );
        assert_eq!(
            parse_json(text.as_bytes()).unwrap()["s"]
                .as_str()
                .unwrap()
                .len(),
            MAX_JSON_VALUES + 6
        );
        let deep = "[".repeat(100_000);
        assert_eq!(
            parse_json(deep.as_bytes()).unwrap_err().status.as_u16(),
            400
        );
    }
}
