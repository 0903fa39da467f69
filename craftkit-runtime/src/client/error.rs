//! The client's one error type. Its messages read well in a log and never hold the key.

use std::time::Duration;

use craftkit_core::api::{ErrorDetail, Render, RenderStatus};
use reqwest::StatusCode;

use super::error_type::ApiErrorType;
use crate::{DataError, ValidationError};

/// What went wrong with a call.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The call could not be made as set up, and no request was sent. The message says which
    /// of these it is:
    ///
    /// - the client's settings are wrong: no API key, a key of the wrong shape, a base URL
    ///   that is not http(s), an HTTP client that cannot be built
    ///   ([`ClientBuilder::build`](super::ClientBuilder::build), [`Client::from_env`](super::Client::from_env));
    /// - the blocking client (`craftkit_runtime::blocking`) cannot run here: it was called on a thread of a
    ///   current-thread tokio runtime, or its own thread or runtime did not start;
    /// - [`Client::verify`](super::Client::verify) could not compare the two manifests. Both
    ///   are validated (the compiled-in one is a `Template`'s folded tree, the live one is
    ///   checked as it is decoded), so this is a bug in craftkit, and the message says so.
    ///
    /// Retrying the same call gives the same error.
    #[error("craftkit client configuration: {0}")]
    Config(String),
    /// No answer: connection refused or dropped, timeout, TLS.
    #[error("{method} {path}: no answer from Craftkit after {attempts} attempt{}: {message}", plural(*attempts))]
    Transport {
        /// The request's method.
        method: String,
        /// The request's path.
        path: String,
        /// What failed, from the HTTP stack.
        message: String,
        /// How many attempts were made.
        attempts: u32,
    },
    /// A middleware of the client (`ClientBuilder::middleware`, feature `middleware`) failed
    /// the request with an error of its own (`reqwest_middleware::Error::Middleware`). Not
    /// retried: the middleware decided, and one that wants retries makes them itself.
    #[error(
        "{method} {path}: a middleware of the client failed the request (attempt {attempt}): {message}"
    )]
    Middleware {
        /// The request's method.
        method: String,
        /// The request's path.
        path: String,
        /// The middleware's error, with its causes.
        message: String,
        /// Which attempt of the call it failed (1 for the first).
        attempt: u32,
    },
    /// Craftkit answered with an error.
    #[error("{}", DisplayApi(.0))]
    Api(Box<ApiFailure>),
    /// An answer that does not decode into the expected type.
    #[error("{method} {path}: unexpected answer at `{json_path}`: {message}")]
    Decode {
        /// The request's method.
        method: String,
        /// The request's path.
        path: String,
        /// Where in the answer's JSON the problem is (`data[2].status`).
        json_path: String,
        /// What was expected.
        message: String,
    },
    /// An answer larger than [`MAX_ANSWER_BYTES`](super::MAX_ANSWER_BYTES) (by its
    /// `Content-Length`, or counted while reading): refused, not retried, nothing decoded.
    #[error("{method} {path}: the answer is over {} MiB, the most a JSON answer may have ({}); it was not read further", limit >> 20, TooLargeHow(*content_length))]
    AnswerTooLarge {
        /// The request's method.
        method: String,
        /// The request's path.
        path: String,
        /// The limit, in bytes.
        limit: u64,
        /// The `Content-Length` the answer declared, if it declared one.
        content_length: Option<u64>,
    },
    /// Craftkit asked to wait (`Retry-After`) longer than the call had left before its
    /// deadline (a wait's [`WaitOptions::deadline`](super::WaitOptions)), so the call ended at
    /// once instead of sleeping past it. [`Error::api`] gives the answer that asked.
    #[error("{error}; Craftkit asked to retry after {:.1} s, but the deadline is {:.1} s away: gave up at once", retry_after.as_secs_f64(), left.as_secs_f64())]
    RetryAfterPastDeadline {
        /// The error answer that carried the `Retry-After`.
        error: Box<Error>,
        /// How long it asked to wait.
        retry_after: Duration,
        /// How long was left before the deadline.
        left: Duration,
    },
    /// The payload breaks its template's bounds; nothing was sent.
    #[error(transparent)]
    Validation(#[from] ValidationError),
    /// The payload (or a request body) does not serialize to JSON, say a non-finite number;
    /// nothing was sent.
    #[error("{0}")]
    Serialize(String),
    /// The render reached `failed`.
    #[error("render {} failed ({code}): {message}", render.id)]
    RenderFailed {
        /// The failed render.
        render: Box<Render>,
        /// `render_failed`, `asset_unreachable` or `timeout`.
        code: String,
        /// What Craftkit said.
        message: String,
    },
    /// A wait ran out of time before the render finished.
    #[error("render {render_id} still {} after waiting {:.1} s", last_status.as_str(), waited.as_secs_f64())]
    Deadline {
        /// The render.
        render_id: String,
        /// Its last known status (`queued` when no poll was answered in time).
        last_status: RenderStatus,
        /// How long was waited.
        waited: Duration,
    },
    /// The render has no PDF yet: only a succeeded render can be downloaded (wait for it).
    #[error("render {render_id} is {}, not succeeded: wait for it before downloading", status.as_str())]
    NotReady {
        /// The render.
        render_id: String,
        /// Its status.
        status: RenderStatus,
    },
    /// Writing a download failed.
    #[error("writing the PDF failed: {0}")]
    Io(#[from] std::io::Error),
}

impl From<DataError> for Error {
    fn from(error: DataError) -> Error {
        match error {
            DataError::Invalid(error) => Error::Validation(error),
            other => Error::Serialize(other.to_string()),
        }
    }
}

/// An error answer of the API, with everything it said.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiFailure {
    /// The request's method.
    pub method: String,
    /// The request's path.
    pub path: String,
    /// The HTTP status.
    pub status: u16,
    /// The error's `type`: `validation_failed`, `not_found`, ...
    pub kind: String,
    /// The error's message.
    pub message: String,
    /// One entry per problem, each with a data path.
    pub details: Vec<ErrorDetail>,
    /// The request id, for support.
    pub request_id: Option<String>,
    /// How many attempts were made.
    pub attempts: u32,
}

impl ApiFailure {
    /// The HTTP status as a [`StatusCode`] (`500` for a number outside `100..=999`, which no
    /// answer can carry: only an `ApiFailure` built by hand has one).
    pub fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    /// The error's `type` as an [`ApiErrorType`] (the raw string is [`kind`](Self::kind)).
    pub fn error_type(&self) -> ApiErrorType {
        ApiErrorType::parse(&self.kind)
    }

    /// Whether the same request may succeed later: `429`, `5xx` and
    /// `409 idempotency_in_progress`. The client already retried these as its
    /// [`RetryPolicy`](super::RetryPolicy) allows; this says whether trying again later (a
    /// queue's redelivery, a job's next run) is worth it. Every other `4xx` is not.
    pub fn is_retryable(&self) -> bool {
        self.status == 429
            || self.status >= 500
            || (self.status == 409 && self.error_type() == ApiErrorType::IdempotencyInProgress)
    }

    /// The failure an error answer describes: its JSON error body when it has one (the
    /// body's `requestId` first, else the `Request-Id` header).
    pub(crate) fn from_answer(
        method: &str,
        path: &str,
        status: u16,
        body: &[u8],
        header_request_id: Option<String>,
        attempts: u32,
    ) -> ApiFailure {
        let error = serde_json::from_slice::<craftkit_core::api::ErrorBody>(body)
            .ok()
            .map(|b| b.error);
        match error {
            Some(error) => ApiFailure {
                method: method.to_owned(),
                path: path.to_owned(),
                status,
                kind: error.kind,
                message: error.message,
                details: error.details,
                request_id: error.request_id.or(header_request_id),
                attempts,
            },
            None => ApiFailure {
                method: method.to_owned(),
                path: path.to_owned(),
                status,
                kind: "unknown".to_owned(),
                message: format!("HTTP {status} without an error body"),
                details: Vec::new(),
                request_id: header_request_id,
                attempts,
            },
        }
    }
}

struct DisplayApi<'a>(&'a ApiFailure);

impl std::fmt::Display for DisplayApi<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let e = self.0;
        write!(
            f,
            "{} {}: {} {}: {}",
            e.method, e.path, e.status, e.kind, e.message
        )?;
        for detail in &e.details {
            write!(f, "; {}: {} ({})", detail.path, detail.message, detail.code)?;
        }
        if let Some(id) = &e.request_id {
            write!(f, " [request {id}]")?;
        }
        if e.attempts > 1 {
            write!(f, " after {} attempts", e.attempts)?;
        }
        Ok(())
    }
}

fn plural(n: u32) -> &'static str {
    if n == 1 { "" } else { "s" }
}

impl Error {
    /// The API error, when Craftkit answered with one.
    pub fn api(&self) -> Option<&ApiFailure> {
        match self {
            Error::Api(failure) => Some(failure),
            Error::RetryAfterPastDeadline { error, .. } => error.api(),
            _ => None,
        }
    }

    /// The HTTP status of an API error.
    pub fn status(&self) -> Option<u16> {
        self.api().map(|a| a.status)
    }

    /// The HTTP status of an API error, as a [`StatusCode`].
    pub fn status_code(&self) -> Option<StatusCode> {
        self.api().map(ApiFailure::status_code)
    }

    /// The `type` of an API error, as an [`ApiErrorType`].
    pub fn error_type(&self) -> Option<ApiErrorType> {
        self.api().map(ApiFailure::error_type)
    }

    /// The request id of an API error, for a support ticket or a log line.
    pub fn request_id(&self) -> Option<&str> {
        self.api().and_then(|a| a.request_id.as_deref())
    }

    /// Whether the call may succeed if made again later: no answer at all
    /// ([`Error::Transport`]), or an API error that [is retryable](ApiFailure::is_retryable)
    /// (`429`, `5xx`, `409 idempotency_in_progress`). The client has already retried these
    /// as its [`RetryPolicy`](super::RetryPolicy) allows; with the same idempotency key a
    /// later call cannot render twice.
    ///
    /// ```
    /// # use craftkit_runtime::client::Error;
    /// fn redeliver_later(error: &Error) -> bool {
    ///     error.is_retryable()
    /// }
    /// # let _ = redeliver_later;
    /// ```
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Transport { .. } => true,
            Error::Api(failure) => failure.is_retryable(),
            Error::RetryAfterPastDeadline { error, .. } => error.is_retryable(),
            _ => false,
        }
    }

    /// Whether Craftkit refused the call for its rate limit (`429 rate_limited`), after the
    /// client's own retries.
    pub fn is_rate_limited(&self) -> bool {
        self.api()
            .is_some_and(|a| a.status == 429 || a.error_type() == ApiErrorType::RateLimited)
    }

    /// What is wrong with the data, one entry per problem with its data path: the details of
    /// a `422 validation_failed` answer, or the violations the client found before sending
    /// ([`Error::Validation`]), in the same shape. `None` for every other error.
    ///
    /// ```no_run
    /// # async fn f(client: craftkit_runtime::Client) {
    /// let answer = client
    ///     .render_json("invoice", serde_json::json!({ "total": "12" }))
    ///     .send()
    ///     .await;
    /// if let Err(error) = answer {
    ///     for problem in error.validation_details().unwrap_or_default() {
    ///         eprintln!("{}: {} ({})", problem.path, problem.message, problem.code);
    ///     }
    /// }
    /// # }
    /// ```
    pub fn validation_details(&self) -> Option<Vec<ErrorDetail>> {
        match self {
            Error::Validation(error) => Some(
                error
                    .violations
                    .iter()
                    .map(|v| ErrorDetail {
                        path: v.path.clone(),
                        code: v.code.as_str().to_owned(),
                        message: v.message.clone(),
                    })
                    .collect(),
            ),
            Error::Api(failure)
                if failure.status == 422
                    || failure.error_type() == ApiErrorType::ValidationFailed =>
            {
                Some(failure.details.clone())
            }
            _ => None,
        }
    }
}

/// How an answer was found to be too large, for [`Error::AnswerTooLarge`]'s message.
struct TooLargeHow(Option<u64>);

impl std::fmt::Display for TooLargeHow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            Some(length) => write!(f, "Content-Length: {length}"),
            None => f.write_str("counted while reading"),
        }
    }
}
