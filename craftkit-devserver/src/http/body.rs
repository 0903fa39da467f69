//! Request bodies: JSON only, at most 20 MiB, malformed JSON is `400 invalid_request`.

use axum::body::Body;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
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
        let bytes = read_limited(request.into_body()).await?;
        serde_json::from_slice(&bytes)
            .map(JsonBody)
            .map_err(|e| Failure::invalid_request(format!("the body is not valid JSON: {e}")))
    }
}

/// How much of an oversized body is read (and dropped) before answering `413`, so that a
/// client still sending gets its answer instead of a reset connection. Beyond this the
/// connection is cut: the bound keeps a hostile client from holding the server.
const DRAIN_LIMIT: usize = 64 * 1024 * 1024;

/// Reads a body of at most [`MAX_BODY`] bytes.
pub(crate) async fn read_limited(body: Body) -> Result<axum::body::Bytes, Failure> {
    use futures_util::StreamExt;

    let too_large = || {
        Failure::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            "the request body is over 20 MiB",
        )
    };
    let mut stream = body.into_data_stream();
    let mut bytes = Vec::new();
    let mut seen = 0usize;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| {
            Failure::invalid_request(format!("the request body could not be read: {e}"))
        })?;
        seen += chunk.len();
        if seen > DRAIN_LIMIT {
            return Err(too_large());
        }
        if seen <= MAX_BODY {
            bytes.extend_from_slice(&chunk);
        }
    }
    if seen > MAX_BODY {
        Err(too_large())
    } else {
        Ok(axum::body::Bytes::from(bytes))
    }
}

/// `Content-Type: application/json` (parameters such as `charset` allowed), or `400`.
pub(crate) fn require_json(headers: &axum::http::HeaderMap) -> Result<(), Failure> {
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
