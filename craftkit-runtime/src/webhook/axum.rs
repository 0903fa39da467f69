//! Receiving webhooks in axum (feature `axum`): the [`Endpoint`] handler, and the
//! [`VerifiedEvent`] extractor under it.
//!
//! [`Endpoint`] is the way to receive: it verifies each delivery, claims its event id in an
//! [`Inbox`](crate::webhook::inbox::Inbox), runs your async function with the typed [`Event`]
//! (and, with a SQL store, the transaction that marks the event done), completes the claim or
//! releases it when your function fails, and answers the status of each case (see its doc).
//! Each event's work then runs to completion once, across redeliveries, crashes and restarts.
//!
//! One instance, SQLite (feature `sqlite`): the effect and the mark commit together.
//!
//! ```no_run
//! use std::sync::Arc;
//!
//! use axum::Router;
//! use craftkit_runtime::webhook::axum::Endpoint;
//! use craftkit_runtime::webhook::inbox::SqliteInbox;
//! use craftkit_runtime::webhook::{EventType, Verifier};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let inbox = SqliteInbox::open("webhooks.sqlite3", "renders").await?;
//! sqlx::raw_sql("CREATE TABLE IF NOT EXISTS ready (render_id TEXT PRIMARY KEY)")
//!     .execute(inbox.pool())
//!     .await?;
//! let secret = std::env::var("CRAFTKIT_WEBHOOK_SECRET").unwrap_or_default();
//! // Refuses an empty secret at start-up instead of answering every delivery 401.
//! let endpoint = Endpoint::new(Verifier::new(secret), Arc::new(inbox))?;
//! let route = endpoint.post_in_transaction(|event, tx| {
//!     Box::pin(async move {
//!         if event.kind == EventType::RenderSucceeded {
//!             sqlx::query("INSERT INTO ready (render_id) VALUES ($1)")
//!                 .bind(&event.data.id)
//!                 .execute(&mut **tx)
//!                 .await?;
//!         }
//!         Ok::<(), sqlx::Error>(())
//!     })
//! });
//! let app: Router = Router::new().route("/webhooks/craftkit", route);
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
//! axum::serve(listener, app).await?;
//! # Ok(()) }
//! ```
//!
//! [`VerifiedEvent`] only verifies: it reads the raw body (at most [`MAX_BODY`] bytes),
//! verifies it against the [`Verifier`] in the app's state *before* parsing anything (verifying
//! JSON that a framework parsed and re-serialized is the classic bug: the bytes differ and the
//! signature never matches, or a lax receiver skips the check), and yields the typed [`Event`].
//! A bad or missing signature is answered `401`, a malformed header or body `400`, a body over
//! the limit `413`, each with a short JSON error
//! (`{"error":{"code":"signature_mismatch","message":"..."}}`); the secret is never logged or
//! echoed. Processing each event once is then yours: use an [`Endpoint`].

mod endpoint;

use std::time::SystemTime;

use axum::body::Body;
use axum::extract::{FromRef, FromRequest, Request};
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use super::{Event, SIGNATURE_HEADER, Verifier, WebhookError};

pub use endpoint::Endpoint;

/// The largest body the extractor reads: 1 MiB (an event is a few kilobytes).
pub const MAX_BODY: usize = 1024 * 1024;

/// A webhook delivery whose signature verified: the event it carries.
#[derive(Debug, Clone)]
pub struct VerifiedEvent(pub Event);

/// Why [`VerifiedEvent`] refused a delivery; its response is the status and a short JSON error.
#[derive(Debug)]
#[non_exhaustive]
pub enum WebhookRejection {
    /// The signature or the delivery failed verification.
    Invalid(WebhookError),
    /// The body is larger than [`MAX_BODY`].
    TooLarge,
    /// The body could not be read, or the signature header is not text.
    BadRequest(&'static str),
}

impl WebhookRejection {
    /// The status and `(code, message)` of the response.
    fn parts(&self) -> (StatusCode, &'static str, String) {
        match self {
            WebhookRejection::TooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "body_too_large",
                format!("a webhook body is at most {MAX_BODY} bytes"),
            ),
            WebhookRejection::BadRequest(message) => (
                StatusCode::BAD_REQUEST,
                "bad_request",
                (*message).to_owned(),
            ),
            WebhookRejection::Invalid(error) => {
                let (status, code) = match error {
                    WebhookError::SignatureMismatch => {
                        (StatusCode::UNAUTHORIZED, "signature_mismatch")
                    }
                    WebhookError::TimestampOutsideTolerance { .. } => {
                        (StatusCode::UNAUTHORIZED, "timestamp_outside_tolerance")
                    }
                    WebhookError::MissingSignature | WebhookError::MissingTimestamp => {
                        (StatusCode::UNAUTHORIZED, "missing_signature")
                    }
                    WebhookError::EmptySecret => (StatusCode::UNAUTHORIZED, "no_secret"),
                    WebhookError::InvalidTimestamp | WebhookError::MalformedHeader(_) => {
                        (StatusCode::BAD_REQUEST, "malformed_signature")
                    }
                    _ => (StatusCode::BAD_REQUEST, "invalid_payload"),
                };
                // The messages name the header and the problem, never the secret.
                (status, code, error.to_string())
            }
        }
    }
}

impl std::fmt::Display for WebhookRejection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (status, code, message) = self.parts();
        write!(f, "{} {code}: {message}", status.as_u16())
    }
}

impl std::error::Error for WebhookRejection {}

impl IntoResponse for WebhookRejection {
    fn into_response(self) -> Response {
        let (status, code, message) = self.parts();
        let body = serde_json::json!({"error": {"code": code, "message": message}}).to_string();
        let mut response = Response::new(Body::from(body));
        *response.status_mut() = status;
        response
            .headers_mut()
            .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        response
    }
}

impl<S> FromRequest<S> for VerifiedEvent
where
    Verifier: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = WebhookRejection;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        read_verified(&Verifier::from_ref(state), request)
            .await
            .map(VerifiedEvent)
    }
}

/// Reads the body of `request` (at most [`MAX_BODY`] bytes) and verifies it with `verifier`.
pub(crate) async fn read_verified(
    verifier: &Verifier,
    request: Request,
) -> Result<Event, WebhookRejection> {
    let (parts, body) = request.into_parts();
    let header = match parts.headers.get(SIGNATURE_HEADER) {
        None => String::new(), // verified as an empty header: `missing_signature`
        Some(value) => value
            .to_str()
            .map_err(|_| WebhookRejection::BadRequest("the Craftkit-Signature header is not text"))?
            .to_owned(),
    };
    let bytes = axum::body::to_bytes(body, MAX_BODY)
        .await
        .map_err(|error| {
            let inner = error.into_inner();
            if inner.is::<http_body_util::LengthLimitError>() {
                WebhookRejection::TooLarge
            } else {
                WebhookRejection::BadRequest("the body could not be read")
            }
        })?;
    verifier
        .verify(&header, &bytes, SystemTime::now())
        .map_err(WebhookRejection::Invalid)
}
