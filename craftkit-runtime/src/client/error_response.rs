//! [`Error`] as an axum answer (feature `axum`): what a handler that called Craftkit may tell
//! its own caller, and nothing more.

use axum::http::StatusCode;
use axum::http::header::{CONTENT_TYPE, RETRY_AFTER};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::Error;

/// The answer for a handler that returns `Result<_, craftkit_runtime::client::Error>`:
///
/// | the error | status | body |
/// |---|---|---|
/// | the data broke the template's rules (found by the client, or a `422 validation_failed`) | `422` | `{"error": {"type": "validation_failed", "message", "details": [{"path", "code", "message"}]}}` |
/// | worth retrying later ([`Error::is_retryable`]: no answer, `429`, `5xx`) | `503`, `Retry-After: 5` | `{"error": {"type": "unavailable", "message"}}` |
/// | anything else | `502` | `{"error": {"type": "upstream_error", "message"}}` |
///
/// The details of a `422` describe the caller's own data, so they are passed on. Nothing
/// else is: not Craftkit's message, the request id, the route, the render or the key (log
/// the error itself for those; its `Display` holds them and never the key).
///
/// ```no_run
/// use axum::{Router, extract::State, routing::post};
/// use craftkit_runtime::client::{Client, Error};
///
/// async fn render(State(client): State<Client>, body: String) -> Result<String, Error> {
///     let data = serde_json::from_str(&body).unwrap_or_default();
///     // A 422 from Craftkit reaches the caller with its details; any other failure is a
///     // plain 502 or 503.
///     let render = client.render_json("invoice", data).send().await?;
///     Ok(render.id.clone())
/// }
///
/// # fn app(client: Client) -> Router {
/// Router::new().route("/invoices", post(render)).with_state(client)
/// # }
/// ```
impl IntoResponse for Error {
    fn into_response(self) -> Response {
        if let Some(details) = self.validation_details() {
            let n = details.len();
            let message = format!("The data has {n} problem{}.", if n == 1 { "" } else { "s" });
            let body = json!({
                "error": {"type": "validation_failed", "message": message, "details": details}
            });
            return json_answer(StatusCode::UNPROCESSABLE_ENTITY, &body);
        }
        if self.is_retryable() {
            let body = json!({
                "error": {
                    "type": "unavailable",
                    "message": "The document service is unavailable; try again later."
                }
            });
            let mut answer = json_answer(StatusCode::SERVICE_UNAVAILABLE, &body);
            answer
                .headers_mut()
                .insert(RETRY_AFTER, axum::http::HeaderValue::from_static("5"));
            return answer;
        }
        let body = json!({
            "error": {"type": "upstream_error", "message": "The document service failed."}
        });
        json_answer(StatusCode::BAD_GATEWAY, &body)
    }
}

/// `body` as a JSON answer with `status`.
fn json_answer(status: StatusCode, body: &serde_json::Value) -> Response {
    let bytes = serde_json::to_vec(body).unwrap_or_default();
    (status, [(CONTENT_TYPE, "application/json")], bytes).into_response()
}
