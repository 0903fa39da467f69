//! Every API request the server received, in order: what a user's test asserts on ("my app
//! rendered `invoice` with this data and this idempotency key"), through
//! [`DevServer::requests`](crate::DevServer::requests), and as JSON lines in a file with the
//! binary's `--log-requests FILE` ([`Config::log_requests`](crate::Config::log_requests)).
//!
//! The `Authorization` header is recorded as `Bearer [redacted]`: a recorded request never
//! holds the key.

use std::io::Write;
use std::path::PathBuf;
use std::sync::Mutex;

use axum::http::HeaderMap;
use serde::Serialize;
use serde_json::Value;

/// One API request, as received.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RecordedRequest {
    /// `GET`, `POST`, `DELETE`.
    pub method: String,
    /// The path, `/v1/templates/invoice/render`.
    pub path: String,
    /// The query string without `?`, if any.
    pub query: Option<String>,
    /// Every header, lowercase names in the order received; the key redacted.
    pub headers: Vec<(String, String)>,
    /// The body as JSON, when it is JSON (`None` for an empty body).
    pub body: Option<Value>,
}

impl RecordedRequest {
    /// The value of the header `name` (any case), if present.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// One answer, as sent: what a test checks against the contract (`openapi.yaml`), through
/// [`DevServer::responses`](crate::DevServer::responses). Answers are kept in memory only, never
/// written to the `log_requests` file.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RecordedResponse {
    /// The request's method.
    pub method: String,
    /// The request's path; the token of a public link is left out (`/s/<token>`).
    pub path: String,
    /// The route that answered, as the OpenAPI document writes its path
    /// (`/v1/renders/{id}`); `None` when no route matched.
    pub route: Option<String>,
    /// The status.
    pub status: u16,
    /// Every header, lowercase names.
    pub headers: Vec<(String, String)>,
    /// The body when it is JSON (a PDF is not kept).
    pub body: Option<Value>,
}

impl RecordedResponse {
    /// The value of the header `name` (any case), if present.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// The log of one server.
#[derive(Debug, Default)]
pub(crate) struct Recorder {
    requests: Mutex<Vec<RecordedRequest>>,
    /// Answers with their JSON bodies as sent, parsed only when read: recording stays a copy
    /// of a reference-counted buffer on the request path.
    responses: Mutex<Vec<(RecordedResponse, Option<axum::body::Bytes>)>>,
    file: Option<Mutex<std::fs::File>>,
}

impl Recorder {
    /// A recorder that also appends each request to `file` as a JSON line.
    pub(crate) fn new(file: Option<&PathBuf>) -> std::io::Result<Recorder> {
        let file = match file {
            Some(path) => Some(Mutex::new(
                std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(path)?,
            )),
            None => None,
        };
        Ok(Recorder {
            requests: Mutex::new(Vec::new()),
            responses: Mutex::new(Vec::new()),
            file,
        })
    }

    pub(crate) fn record(
        &self,
        method: &str,
        uri: &axum::http::Uri,
        headers: &HeaderMap,
        body: &[u8],
    ) {
        let request =
            RecordedRequest {
                method: method.to_owned(),
                path: uri.path().to_owned(),
                query: uri.query().map(str::to_owned),
                headers: headers
                    .iter()
                    .map(|(name, value)| {
                        let value = if name == axum::http::header::AUTHORIZATION {
                            "Bearer [redacted]".to_owned()
                        } else {
                            String::from_utf8_lossy(value.as_bytes()).into_owned()
                        };
                        (name.as_str().to_owned(), value)
                    })
                    .collect(),
                body: if body.is_empty() {
                    None
                } else {
                    Some(serde_json::from_slice(body).unwrap_or_else(|_| {
                        Value::String(String::from_utf8_lossy(body).into_owned())
                    }))
                },
            };
        if let Some(file) = &self.file {
            if let Ok(line) = serde_json::to_string(&request) {
                let mut file = file
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                // A log that cannot be written is not a reason to fail the API call.
                let _ = writeln!(file, "{line}");
            }
        }
        self.requests
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(request);
    }

    pub(crate) fn record_response(
        &self,
        method: &str,
        path: &str,
        route: Option<String>,
        response: &axum::response::Response,
        json: Option<axum::body::Bytes>,
    ) {
        let recorded = RecordedResponse {
            method: method.to_owned(),
            path: path.to_owned(),
            route,
            status: response.status().as_u16(),
            headers: response
                .headers()
                .iter()
                .map(|(name, value)| {
                    (
                        name.as_str().to_owned(),
                        String::from_utf8_lossy(value.as_bytes()).into_owned(),
                    )
                })
                .collect(),
            body: None,
        };
        self.responses
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push((recorded, json));
    }

    pub(crate) fn responses(&self) -> Vec<RecordedResponse> {
        self.responses
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .iter()
            .map(|(response, json)| RecordedResponse {
                body: json
                    .as_ref()
                    .and_then(|bytes| serde_json::from_slice(bytes).ok()),
                ..response.clone()
            })
            .collect()
    }

    pub(crate) fn requests(&self) -> Vec<RecordedRequest> {
        self.requests
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }
}

#[cfg(test)]
mod tests {
    use axum::http::{HeaderMap, HeaderValue, Uri};

    use super::Recorder;

    #[test]
    fn a_request_is_kept_and_written_as_a_json_line_with_the_key_redacted() {
        let path = std::env::temp_dir().join(format!("craftkit-log-{}.jsonl", std::process::id()));
        let _ = std::fs::remove_file(&path);
        let recorder = Recorder::new(Some(&path)).unwrap();
        let mut headers = HeaderMap::new();
        headers.insert(
            "authorization",
            HeaderValue::from_static("Bearer ck_test_secret000000000000000000"),
        );
        headers.insert("idempotency-key", HeaderValue::from_static("k1"));
        let uri: Uri = "/v1/templates/invoice/render?x=1".parse().unwrap();
        recorder.record("POST", &uri, &headers, br#"{"data":{"n":1}}"#);
        let requests = recorder.requests();
        assert_eq!(requests.len(), 1);
        assert_eq!(requests[0].query.as_deref(), Some("x=1"));
        assert_eq!(requests[0].header("Idempotency-Key"), Some("k1"));
        assert_eq!(requests[0].body.as_ref().unwrap()["data"]["n"], 1);
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text.lines().count(), 1);
        assert!(
            text.contains("Bearer [redacted]") && !text.contains("ck_test_secret"),
            "{text}"
        );
        std::fs::remove_file(path).unwrap();
    }
}
