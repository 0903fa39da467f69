//! Request bodies: JSON only, at most 20 MiB, malformed JSON is `400 invalid_request`.

use axum::body::{Body, to_bytes};
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use serde_json::Value;

use crate::app::App;
use crate::failure::Failure;

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

/// Reads a body of at most [`MAX_BODY`] bytes.
pub(crate) async fn read_limited(body: Body) -> Result<axum::body::Bytes, Failure> {
    to_bytes(body, MAX_BODY).await.map_err(|_| {
        Failure::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            "the request body is over 20 MiB",
        )
    })
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
