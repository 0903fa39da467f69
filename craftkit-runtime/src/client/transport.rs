//! One request, with its retries: the only place that talks HTTP. Every attempt runs in a
//! `craftkit.request` span carrying the method, path, attempt, status and request id.

use std::time::Duration;

use bytes::Bytes;
use reqwest::Method;
use reqwest::header::HeaderMap;
use serde::de::DeserializeOwned;
use tracing::Instrument;

use super::Client;
use super::error::{ApiFailure, Error};
use super::retry::parse_retry_after;

/// A request to make.
pub(crate) struct Call {
    pub method: Method,
    /// Path and query, from `/v1`.
    pub path: String,
    pub body: Option<Bytes>,
    pub headers: Vec<(&'static str, String)>,
    /// Whether retrying cannot duplicate work (a GET, or a POST with an idempotency key).
    pub retryable: bool,
}

impl Call {
    pub fn get(path: impl Into<String>) -> Call {
        Call {
            method: Method::GET,
            path: path.into(),
            body: None,
            headers: Vec::new(),
            retryable: true,
        }
    }

    pub fn send_json(
        method: Method,
        path: impl Into<String>,
        body: &impl serde::Serialize,
    ) -> Result<Call, Error> {
        let body = serde_json::to_vec(body)
            .map_err(|e| Error::Serialize(format!("the request body does not serialize: {e}")))?;
        Ok(Call {
            method,
            path: path.into(),
            body: Some(Bytes::from(body)),
            headers: Vec::new(),
            retryable: false,
        })
    }

    pub fn header(mut self, name: &'static str, value: impl Into<String>) -> Call {
        self.headers.push((name, value.into()));
        self
    }

    /// The path without its query, for messages and spans.
    /// The render a call is about, from its path (`/v1/renders/rnd_1/...`).
    fn render_id(&self) -> Option<&str> {
        self.route()
            .strip_prefix("/v1/renders/")
            .map(|rest| rest.split('/').next().unwrap_or(rest))
    }

    /// The hash of the call's idempotency key, if it has one (never the key).
    fn key_hash(&self) -> Option<String> {
        self.headers
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case("idempotency-key"))
            .map(|(_, key)| super::idempotency::key_hash(key))
    }

    fn route(&self) -> &str {
        self.path.split('?').next().unwrap_or(&self.path)
    }
}

/// A successful answer (2xx or 304), read whole.
#[derive(Debug)]
pub(crate) struct Answer {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Bytes,
}

enum Attempt {
    Done(Answer),
    Failed {
        failure: Box<ApiFailure>,
        retry_after: Option<Duration>,
        retryable: bool,
    },
    Unreachable(String),
}

impl Attempt {
    /// The status and `Retry-After` of the answer, when one came.
    fn answered(&self) -> Option<(u16, Option<Duration>)> {
        match self {
            Attempt::Done(answer) => Some((answer.status, None)),
            Attempt::Failed {
                failure,
                retry_after,
                ..
            } => Some((failure.status, *retry_after)),
            Attempt::Unreachable(_) => None,
        }
    }
}

impl Client {
    /// Makes `call`, retrying as the policy allows, and returns a 2xx or 304 answer.
    pub(crate) async fn execute(&self, call: Call) -> Result<Answer, Error> {
        let policy = self.inner.retry;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let span = tracing::info_span!(
                "craftkit.request",
                method = %call.method,
                path = %call.route(),
                attempt,
                status = tracing::field::Empty,
                request_id = tracing::field::Empty,
                render_id = call.render_id(),
                idempotency_key_hash = call.key_hash().as_deref(),
            );
            // A batch's shared gate and AIMD limit (client/batch/throttle.rs); no-ops otherwise.
            let epoch = self.admit().await;
            let outcome = self.attempt(&call, attempt).instrument(span).await;
            self.observe(epoch, outcome.answered());
            let (retry_after, error) = match outcome {
                Attempt::Done(answer) => return Ok(answer),
                Attempt::Failed {
                    failure,
                    retry_after,
                    retryable,
                } => {
                    if !(retryable && call.retryable) {
                        return Err(Error::Api(failure));
                    }
                    (retry_after, Error::Api(failure))
                }
                Attempt::Unreachable(message) => {
                    let error = Error::Transport {
                        method: call.method.to_string(),
                        path: call.route().to_owned(),
                        message,
                        attempts: attempt,
                    };
                    if !call.retryable {
                        return Err(error);
                    }
                    (None, error)
                }
            };
            if attempt > policy.max_retries {
                return Err(error);
            }
            match policy.delay(attempt, retry_after) {
                Some(delay) => tokio::time::sleep(delay).await,
                None => return Err(error),
            }
        }
    }

    async fn attempt(&self, call: &Call, attempt: u32) -> Attempt {
        let span = tracing::Span::current();
        let url = format!("{}{}", self.inner.base_url, call.path);
        let mut request = self
            .inner
            .http
            .request(call.method.clone(), &url)
            .header("authorization", self.inner.key.header());
        for (name, value) in &call.headers {
            request = request.header(*name, value);
        }
        if let Some(body) = &call.body {
            request = request
                .header("content-type", "application/json")
                .body(body.clone());
        }
        let response = match request.send().await {
            Ok(response) => response,
            Err(error) => {
                tracing::debug!(error = %describe(&error), "no answer");
                return Attempt::Unreachable(describe(&error));
            }
        };
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let request_id = headers
            .get("request-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        span.record("status", status);
        if let Some(id) = &request_id {
            span.record("request_id", id.as_str());
        }
        let body = match response.bytes().await {
            Ok(body) => body,
            Err(error) => {
                tracing::debug!(error = %describe(&error), "the answer broke off");
                return Attempt::Unreachable(format!("the answer broke off: {}", describe(&error)));
            }
        };
        tracing::debug!(status, "answered");
        if (200..300).contains(&status) || status == 304 {
            return Attempt::Done(Answer {
                status,
                headers,
                body,
            });
        }
        let failure = ApiFailure::from_answer(
            call.method.as_ref(),
            call.route(),
            status,
            &body,
            request_id,
            attempt,
        );
        let retryable = status == 429
            || status >= 500
            || (status == 409 && failure.kind == "idempotency_in_progress");
        let retry_after = headers
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(parse_retry_after);
        Attempt::Failed {
            failure: Box::new(failure),
            retry_after,
            retryable,
        }
    }

    /// Decodes a JSON answer, naming the JSON path of any mismatch.
    pub(crate) fn decode<T: DeserializeOwned>(
        &self,
        call: (&Method, &str),
        body: &[u8],
    ) -> Result<T, Error> {
        let mut deserializer = serde_json::Deserializer::from_slice(body);
        serde_path_to_error::deserialize(&mut deserializer).map_err(|error| Error::Decode {
            method: call.0.to_string(),
            path: call.1.split('?').next().unwrap_or(call.1).to_owned(),
            json_path: error.path().to_string(),
            message: error.inner().to_string(),
        })
    }

    /// Makes a JSON call and decodes its answer.
    pub(crate) async fn json<T: DeserializeOwned>(&self, call: Call) -> Result<T, Error> {
        let (method, path) = (call.method.clone(), call.path.clone());
        let answer = self.execute(call).await?;
        self.decode((&method, &path), &answer.body)
    }
}

/// A transport error in a sentence, with its causes (reqwest's own message is terse). Never
/// holds the key: it is only ever in a header, and headers are not part of these errors.
pub(crate) fn describe(error: &reqwest::Error) -> String {
    let mut message = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    // Without the URL: a public download link holds a token, a secret like the key.
    match error.url() {
        Some(url) => message.replace(url.as_str(), "<url>"),
        None => message,
    }
}
