//! Every API request the server received, in order: what a user's test asserts on ("my app
//! rendered `invoice` with this data and this idempotency key"), through
//! [`DevServer::requests`](crate::DevServer::requests), and as JSON lines in a file with the
//! binary's `--log-requests FILE` ([`Config::log_requests`](crate::Config::log_requests)).
//!
//! The `Authorization` header is recorded as `Bearer [redacted]`: a recorded request never
//! holds the key.

use std::collections::VecDeque;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use axum::body::Bytes;
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

/// How many bytes of requests and answers a server keeps by default (bodies, headers and
/// paths, counted as received): past it the oldest are dropped.
pub(crate) const DEFAULT_RECORD_BUDGET: usize = 64 * 1024 * 1024;

/// Recorded entries, oldest first, within a byte budget: the oldest leave to make room.
#[derive(Debug)]
struct Ring<T> {
    entries: VecDeque<(T, usize)>,
    bytes: usize,
    budget: usize,
}

impl<T: Clone> Ring<T> {
    fn new(budget: usize) -> Ring<T> {
        Ring {
            entries: VecDeque::new(),
            bytes: 0,
            budget,
        }
    }

    /// Keeps `entry` of `size` bytes, dropping the oldest until it fits; an entry larger than
    /// the whole budget is not kept.
    fn push(&mut self, entry: T, size: usize) {
        if size > self.budget {
            return;
        }
        while self.bytes + size > self.budget {
            match self.entries.pop_front() {
                Some((_, old)) => self.bytes -= old,
                None => break,
            }
        }
        self.bytes += size;
        self.entries.push_back((entry, size));
    }

    fn iter(&self) -> impl Iterator<Item = &T> {
        self.entries.iter().map(|(entry, _)| entry)
    }
}

/// What one recorded entry costs against the budget: its body, headers and path, and a fixed
/// part for the rest.
fn entry_size(path: &str, headers: &[(String, String)], body: Option<&Bytes>) -> usize {
    let headers: usize = headers.iter().map(|(n, v)| n.len() + v.len() + 48).sum();
    128 + path.len() + headers + body.map_or(0, Bytes::len)
}

/// The log of one server: requests and answers with their bodies as raw bytes (parsed only
/// when read), each within [`Config::record_budget`](crate::Config::record_budget) bytes.
#[derive(Debug)]
pub(crate) struct Recorder {
    requests: Mutex<Ring<(RecordedRequest, Option<Bytes>)>>,
    /// Answers with their JSON bodies as sent: recording stays a copy of a reference-counted
    /// buffer on the request path.
    responses: Mutex<Ring<(RecordedResponse, Option<Bytes>)>>,
    file: Option<Mutex<std::fs::File>>,
}

impl Recorder {
    /// A recorder that keeps up to `budget` bytes of requests (and as many of answers), and
    /// also appends each request to `file` as a JSON line.
    pub(crate) fn new(file: Option<&PathBuf>, budget: usize) -> std::io::Result<Recorder> {
        let file = match file {
            Some(path) => Some(Mutex::new(open_private(path)?)),
            None => None,
        };
        Ok(Recorder {
            requests: Mutex::new(Ring::new(budget)),
            responses: Mutex::new(Ring::new(budget)),
            file,
        })
    }

    /// Records a request; `body` is `None` when it was not read (no body, or one that was
    /// refused before reading).
    pub(crate) fn record(
        &self,
        method: &str,
        uri: &axum::http::Uri,
        headers: &HeaderMap,
        body: Option<Bytes>,
    ) {
        let body = body.filter(|b| !b.is_empty());
        let request = RecordedRequest {
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
            body: None,
        };
        if let Some(file) = &self.file {
            let line = log_line(&request, body.as_deref());
            let mut file = file
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            // A log that cannot be written is not a reason to fail the API call.
            let _ = file.write_all(&line);
        }
        let size = entry_size(&request.path, &request.headers, body.as_ref());
        self.requests
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push((request, body), size);
    }

    pub(crate) fn record_response(
        &self,
        method: &str,
        path: &str,
        route: Option<String>,
        response: &axum::response::Response,
        json: Option<Bytes>,
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
        let size = entry_size(path, &recorded.headers, json.as_ref());
        self.responses
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push((recorded, json), size);
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
            .iter()
            .map(|(request, body)| RecordedRequest {
                body: body.as_deref().map(body_value),
                ..request.clone()
            })
            .collect()
    }
}

/// A request body as a test reads it: its JSON, or its text when it is not JSON.
fn body_value(body: &[u8]) -> Value {
    serde_json::from_slice(body)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(body).into_owned()))
}

/// One line of the `log_requests` file: the request with its body, as JSON. A JSON body is
/// copied with its whitespace left out, never parsed into a tree: a 20 MiB array costs
/// 20 MiB here, not the tens of times that as `serde_json::Value`.
fn log_line(request: &RecordedRequest, body: Option<&[u8]>) -> Vec<u8> {
    #[derive(Serialize)]
    struct Head<'a> {
        method: &'a str,
        path: &'a str,
        query: Option<&'a str>,
        headers: &'a [(String, String)],
    }
    let head = Head {
        method: &request.method,
        path: &request.path,
        query: request.query.as_deref(),
        headers: &request.headers,
    };
    // Strings and string pairs always serialize.
    let mut line = serde_json::to_vec(&head).unwrap_or_default();
    line.pop();
    line.extend_from_slice(b",\"body\":");
    match body {
        None => line.extend_from_slice(b"null"),
        Some(body) if is_json(body) => compact_json(body, &mut line),
        Some(body) => {
            let text = serde_json::to_vec(&String::from_utf8_lossy(body)).unwrap_or_default();
            line.extend_from_slice(&text);
        }
    }
    line.extend_from_slice(b"}\n");
    line
}

/// Whether `bytes` is one JSON value (within serde_json's nesting limit), checked without
/// building it.
fn is_json(bytes: &[u8]) -> bool {
    serde_json::from_slice::<serde::de::IgnoredAny>(bytes).is_ok()
}

/// Appends valid JSON `raw` to `out` without the whitespace between tokens: one line, since
/// JSON strings hold no raw line breaks.
fn compact_json(raw: &[u8], out: &mut Vec<u8>) {
    let (mut in_string, mut escaped) = (false, false);
    for &byte in raw {
        if in_string {
            out.push(byte);
            if escaped {
                escaped = false;
            } else if byte == b'\\' {
                escaped = true;
            } else if byte == b'"' {
                in_string = false;
            }
        } else if !matches!(byte, b' ' | b'\n' | b'\r' | b'\t') {
            in_string = byte == b'"';
            out.push(byte);
        }
    }
}

/// Opens `path` for appending, created readable by its owner only (`0600`), in folders
/// created `0700` when missing: recorded requests hold customer data.
fn open_private(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.create(true).append(true);
    let mut folders = std::fs::DirBuilder::new();
    folders.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
        options.mode(0o600);
        folders.mode(0o700);
    }
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        if !parent.exists() {
            folders.create(parent)?;
        }
    }
    options.open(path)
}

#[cfg(test)]
mod tests {
    use axum::body::Bytes;
    use axum::http::{HeaderMap, HeaderValue, Uri};

    use super::Recorder;

    #[test]
    fn a_request_is_kept_and_written_as_a_json_line_with_the_key_redacted() {
        let path = std::env::temp_dir().join(format!("craftkit-log-{}.jsonl", std::process::id()));
        let _ = std::fs::remove_file(&path);
        let recorder = Recorder::new(Some(&path), super::DEFAULT_RECORD_BUDGET).unwrap();
        let mut headers = HeaderMap::new();
        headers.insert(
            "authorization",
            HeaderValue::from_static("Bearer ck_test_secret000000000000000000"),
        );
        headers.insert("idempotency-key", HeaderValue::from_static("k1"));
        let uri: Uri = "/v1/templates/invoice/render?x=1".parse().unwrap();
        recorder.record(
            "POST",
            &uri,
            &headers,
            Some(Bytes::from_static(
                b"{\n  \"data\": {\"n\": 1, \"s\": \"a \\\" b\\\\\"}\n}",
            )),
        );
        let requests = recorder.requests();
        assert_eq!(requests.len(), 1);
        assert_eq!(requests[0].query.as_deref(), Some("x=1"));
        assert_eq!(requests[0].header("Idempotency-Key"), Some("k1"));
        assert_eq!(requests[0].body.as_ref().unwrap()["data"]["n"], 1);
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text.lines().count(), 1);
        let line: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(line["body"]["data"]["s"], "a \" b\\", "{text}");
        assert!(
            text.contains("Bearer [redacted]") && !text.contains("ck_test_secret"),
            "{text}"
        );
        std::fs::remove_file(path).unwrap();
    }

    #[test]
    fn past_the_budget_the_oldest_requests_leave_and_an_oversized_one_is_not_kept() {
        let recorder = Recorder::new(None, 10_000).unwrap();
        let uri: Uri = "/v1/templates".parse().unwrap();
        for n in 0..10u8 {
            let body = vec![b'0' + n; 3_000];
            recorder.record("POST", &uri, &HeaderMap::new(), Some(Bytes::from(body)));
        }
        let kept: Vec<_> = recorder.requests().into_iter().map(|r| r.body).collect();
        assert_eq!(kept.len(), 3, "three of 3,000 bytes fit in 10,000");
        assert_eq!(kept[2], Some(serde_json::json!("9".repeat(3_000))));
        recorder.record(
            "POST",
            &uri,
            &HeaderMap::new(),
            Some(Bytes::from(vec![b'x'; 20_000])),
        );
        assert_eq!(recorder.requests().len(), 3);
    }

    #[cfg(unix)]
    #[test]
    fn the_request_log_is_private_to_its_owner() {
        use std::os::unix::fs::PermissionsExt;

        let root = std::env::temp_dir().join(format!("craftkit-log-mode-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        let path = root.join("logs/requests.jsonl");
        let recorder = Recorder::new(Some(&path), 1024).unwrap();
        drop(recorder);
        let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(&root.join("logs")), 0o700);
        std::fs::remove_dir_all(root).unwrap();
    }
}
