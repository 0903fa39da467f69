//! API errors: a status, a `type`, a message and details, answered as the contract's JSON body.

use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use craftkit_core::api::{ApiError, ErrorBody, ErrorDetail};

/// An error answer.
#[derive(Debug, Clone)]
pub(crate) struct Failure {
    pub status: StatusCode,
    pub kind: &'static str,
    pub message: String,
    pub details: Vec<ErrorDetail>,
    /// `Retry-After` in seconds.
    pub retry_after: Option<f64>,
    /// Filled in by the request layer.
    pub request_id: Option<String>,
}

impl Failure {
    pub fn new(status: StatusCode, kind: &'static str, message: impl Into<String>) -> Failure {
        Failure {
            status,
            kind,
            message: message.into(),
            details: Vec::new(),
            retry_after: None,
            request_id: None,
        }
    }

    pub fn with_details(mut self, details: Vec<ErrorDetail>) -> Failure {
        self.details = details;
        self
    }

    pub fn invalid_request(message: impl Into<String>) -> Failure {
        Failure::new(StatusCode::BAD_REQUEST, "invalid_request", message)
    }

    pub fn unauthenticated(message: impl Into<String>) -> Failure {
        Failure::new(StatusCode::UNAUTHORIZED, "unauthenticated", message)
    }

    pub fn not_found(what: &str) -> Failure {
        Failure::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("no such {what}"),
        )
    }

    pub fn conflict(kind: &'static str, message: impl Into<String>) -> Failure {
        Failure::new(StatusCode::CONFLICT, kind, message)
    }

    pub fn server_error(status: StatusCode) -> Failure {
        Failure::new(
            status,
            "server_error",
            "the server had a transient problem; retry the request",
        )
    }

    pub fn rate_limited(retry_after: f64) -> Failure {
        let mut failure = Failure::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            "too many requests",
        );
        failure.retry_after = Some(retry_after);
        failure
    }
}

tokio::task_local! {
    /// The id of the request being handled, set by the request layer around each handler.
    pub(crate) static REQUEST_ID: String;
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        let request_id = self
            .request_id
            .or_else(|| REQUEST_ID.try_with(Clone::clone).ok());
        let body = ErrorBody {
            error: ApiError {
                kind: self.kind.to_owned(),
                message: self.message,
                details: self.details,
                request_id,
            },
        };
        let mut response = (self.status, axum::Json(body)).into_response();
        if let Some(seconds) = self.retry_after {
            if let Ok(value) = HeaderValue::from_str(&format_seconds(seconds)) {
                response.headers_mut().insert("retry-after", value);
            }
        }
        response
    }
}

/// Seconds for `Retry-After`: whole when whole (`2`), else to the microsecond without trailing
/// zeros (`0.5`, `0.437512`).
pub(crate) fn format_seconds(seconds: f64) -> String {
    let text = format!("{seconds:.6}");
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

#[cfg(test)]
mod tests {
    use super::format_seconds;

    #[test]
    fn seconds_are_whole_when_whole_else_to_the_microsecond() {
        for (seconds, text) in [
            (2.0, "2"),
            (10.0, "10"),
            (0.5, "0.5"),
            (0.437, "0.437"),
            (0.437512, "0.437512"),
            (0.000001, "0.000001"),
            (1.25, "1.25"),
        ] {
            assert_eq!(format_seconds(seconds), text);
        }
    }
}
