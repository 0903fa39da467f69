//! The client's one error type. Its messages read well in a log and never hold the key.

use std::time::Duration;

use craftkit_core::api::{ErrorDetail, Render, RenderStatus};

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
            _ => None,
        }
    }

    /// The HTTP status of an API error.
    pub fn status(&self) -> Option<u16> {
        self.api().map(|a| a.status)
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
