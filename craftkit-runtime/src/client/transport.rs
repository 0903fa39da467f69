//! One request, with its retries: the only place that talks HTTP. Every attempt runs in a
//! `craftkit.request` span carrying the method, path, attempt, status, request id, render id
//! and the idempotency key's hash. JSON calls and downloads share the attempt ([`Client::open`])
//! and the retry policy ([`Retries`]); they differ only in how the answer's body is read.

use std::borrow::Cow;
use std::time::Duration;

use bytes::Bytes;
use reqwest::Method;
use reqwest::header::HeaderMap;
use serde::de::DeserializeOwned;
use tracing::Instrument;

use super::error::{ApiFailure, Error};
use super::retry::{RetryPolicy, retry_after};
use super::{Client, MAX_ANSWER_BYTES};

/// A request to make.
pub(crate) struct Call {
    pub method: Method,
    /// Where it goes.
    pub target: Target,
    pub body: Option<Bytes>,
    pub headers: Vec<(&'static str, String)>,
    /// Whether retrying cannot duplicate work (a GET, or a POST with an idempotency key).
    pub retryable: bool,
    /// When the call must be over (a wait's deadline): a `Retry-After` reaching past it ends
    /// the call at once with [`Error::RetryAfterPastDeadline`] instead of sleeping.
    pub deadline: Option<std::time::Instant>,
}

/// Where a [`Call`] goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Target {
    /// A path and query from `/v1` (`/v1/renders?limit=10`) on the client's base URL, sent
    /// with the key.
    Api(String),
    /// A render's public `downloadUrl`, fetched as it is and without the key: it may be on
    /// another host. The URL holds a token, so messages and spans name the render instead.
    PublicDownload {
        /// The absolute URL.
        url: String,
        /// The render it is the PDF of.
        render_id: String,
    },
}

impl Call {
    /// A call of `method` on `path` (from `/v1`), retryable when `method` is a GET.
    pub fn new(method: Method, path: impl Into<String>) -> Call {
        Call {
            retryable: method == Method::GET,
            method,
            target: Target::Api(path.into()),
            body: None,
            headers: Vec::new(),
            deadline: None,
        }
    }

    /// The GET of render `render_id`'s PDF at its public `url`.
    pub fn public_download(url: impl Into<String>, render_id: impl Into<String>) -> Call {
        Call {
            target: Target::PublicDownload {
                url: url.into(),
                render_id: render_id.into(),
            },
            ..Call::get(String::new())
        }
    }

    pub fn get(path: impl Into<String>) -> Call {
        Call::new(Method::GET, path)
    }

    pub fn send_json(
        method: Method,
        path: impl Into<String>,
        body: &impl serde::Serialize,
    ) -> Result<Call, Error> {
        let body = serde_json::to_vec(body)
            .map_err(|e| Error::Serialize(format!("the request body does not serialize: {e}")))?;
        Ok(Call {
            body: Some(Bytes::from(body)),
            ..Call::new(method, path)
        })
    }

    pub fn header(mut self, name: &'static str, value: impl Into<String>) -> Call {
        self.headers.push((name, value.into()));
        self
    }

    /// The render a call is about: from its path (`/v1/renders/rnd_1/...`), or the render
    /// whose public download it is.
    fn render_id(&self) -> Option<&str> {
        match &self.target {
            Target::Api(path) => path
                .split('?')
                .next()
                .and_then(|route| route.strip_prefix("/v1/renders/"))
                .and_then(|rest| rest.split('/').next()),
            Target::PublicDownload { render_id, .. } => Some(render_id),
        }
    }

    /// The hash of the call's idempotency key, if it has one (never the key).
    fn key_hash(&self) -> Option<String> {
        self.headers
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case("idempotency-key"))
            .map(|(_, key)| super::idempotency::key_hash(key))
    }

    /// The path without its query, for messages and spans; for a public download,
    /// `<public downloadUrl of rnd_1>` (never the URL, which holds a token).
    pub fn route(&self) -> Cow<'_, str> {
        match &self.target {
            Target::Api(path) => Cow::Borrowed(path.split('?').next().unwrap_or(path)),
            Target::PublicDownload { render_id, .. } => {
                Cow::Owned(format!("<public downloadUrl of {render_id}>"))
            }
        }
    }

    /// The span of one attempt.
    fn span(&self, attempt: u32) -> tracing::Span {
        tracing::info_span!(
            "craftkit.request",
            method = %self.method,
            path = %self.route(),
            attempt,
            status = tracing::field::Empty,
            request_id = tracing::field::Empty,
            render_id = self.render_id(),
            idempotency_key_hash = self.key_hash().as_deref(),
        )
    }
}

/// A successful answer (2xx or 304), read whole.
#[derive(Debug)]
pub(crate) struct Answer {
    /// Which attempt of its call answered (1 for the first).
    pub attempt: u32,
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Bytes,
}

/// Why an attempt failed.
pub(crate) enum Failed {
    /// An error answer.
    Answered {
        failure: Box<ApiFailure>,
        retry_after: Option<Duration>,
        /// `429`, `5xx` or `409 idempotency_in_progress`: worth another attempt.
        retryable: bool,
    },
    /// No answer, or one that broke off before its body was read.
    Unreachable(String),
    /// An answer over [`MAX_ANSWER_BYTES`], with the `Content-Length` it declared.
    TooLarge(Option<u64>),
    /// A middleware of the client failed the request with an error of its own.
    #[cfg_attr(not(feature = "middleware"), allow(dead_code))]
    Middleware(String),
}

/// One call's attempts under the client's [`RetryPolicy`]: the one place that decides whether
/// a failed attempt is tried again, after how long, and what error ends the call.
pub(crate) struct Retries<'a> {
    call: &'a Call,
    policy: RetryPolicy,
    /// Whether the client belongs to a batch, whose gate holds every attempt after a `429`.
    gated: bool,
    attempt: u32,
}

impl<'a> Retries<'a> {
    /// `call`'s attempts under `client`'s policy.
    pub fn new(call: &'a Call, client: &Client) -> Retries<'a> {
        Retries {
            call,
            policy: client.inner.retry,
            gated: client.inner.throttle.is_some(),
            attempt: 0,
        }
    }

    /// Starts the next attempt: its number (from 1) and its span.
    pub fn start(&mut self) -> (u32, tracing::Span) {
        self.attempt += 1;
        (self.attempt, self.call.span(self.attempt))
    }

    /// After a failed attempt: waits before the next one, or returns the error that ends the
    /// call (a failure that retrying could not fix or that could duplicate work, the retries
    /// used up, or a `Retry-After` beyond the policy's cap).
    pub async fn after(&self, failed: Failed) -> Result<(), Error> {
        let (error, retry_after, worth_retrying, throttled) = match failed {
            Failed::Answered {
                mut failure,
                retry_after,
                retryable,
            } => {
                failure.attempts = self.attempt;
                let throttled = failure.status == 429 && retry_after.is_some();
                (Error::Api(failure), retry_after, retryable, throttled)
            }
            Failed::Unreachable(message) => {
                let error = Error::Transport {
                    method: self.call.method.to_string(),
                    path: self.call.route().into_owned(),
                    message,
                    attempts: self.attempt,
                };
                (error, None, true, false)
            }
            Failed::Middleware(message) => {
                let error = Error::Middleware {
                    method: self.call.method.to_string(),
                    path: self.call.route().into_owned(),
                    message,
                    attempt: self.attempt,
                };
                (error, None, false, false)
            }
            // The same request would get the same answer: never worth another attempt.
            Failed::TooLarge(content_length) => {
                let error = Error::AnswerTooLarge {
                    method: self.call.method.to_string(),
                    path: self.call.route().into_owned(),
                    limit: MAX_ANSWER_BYTES,
                    content_length,
                };
                (error, None, false, false)
            }
        };
        if !(worth_retrying && self.call.retryable) || self.attempt > self.policy.max_retries() {
            return Err(error);
        }
        match self.policy.delay(self.attempt, retry_after) {
            // In a batch, the wait after a `429` is the batch's gate: the next attempt waits
            // there until at least this `Retry-After` has passed (the policy's cap is the
            // gate's too), and leaves in the gate's order, with no backoff of its own that
            // would bring it back after the server is free again.
            Some(_) if self.gated && throttled => Ok(()),
            Some(delay) => {
                if let (Some(wait), Some(at)) = (retry_after, self.call.deadline) {
                    let left = at.saturating_duration_since(std::time::Instant::now());
                    if wait > left {
                        return Err(Error::RetryAfterPastDeadline {
                            error: Box::new(error),
                            retry_after: wait,
                            left,
                        });
                    }
                }
                tokio::time::sleep(delay).await;
                Ok(())
            }
            None => Err(error),
        }
    }
}

impl Client {
    /// Makes `call`, retrying as the policy allows, and returns a 2xx or 304 answer.
    pub(crate) async fn execute(&self, call: Call) -> Result<Answer, Error> {
        let mut retries = Retries::new(&call, self);
        loop {
            let (attempt, span) = retries.start();
            match self.attempt(&call, attempt).instrument(span).await {
                Ok(answer) => return Ok(answer),
                Err(failed) => retries.after(failed).await?,
            }
        }
    }

    /// One attempt, its answer read whole.
    async fn attempt(&self, call: &Call, attempt: u32) -> Result<Answer, Failed> {
        let response = self.open(call, attempt).await?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = read_body(response).await?;
        Ok(Answer {
            attempt,
            status,
            headers,
            body,
        })
    }

    /// One attempt up to the answer's head: a 2xx or 304 answer whose body is still to be
    /// read, or why the attempt failed (an error answer is read whole, for its JSON body).
    /// In a batch ([`Client::render_many`]) every attempt, JSON call or download, first waits
    /// at the batch's shared gate and then tells it how the server answered (its AIMD limit
    /// and `Retry-After`, `client/batch/throttle.rs`); outside a batch both are no-ops.
    pub(crate) async fn open(
        &self,
        call: &Call,
        attempt: u32,
    ) -> Result<reqwest::Response, Failed> {
        let epoch = self.admit().await;
        let opened = self.open_unthrottled(call, attempt).await;
        let answered = match &opened {
            Ok(response) => Some((response.status().as_u16(), None)),
            Err(Failed::Answered {
                failure,
                retry_after,
                ..
            }) => Some((failure.status, *retry_after)),
            Err(Failed::Unreachable(_) | Failed::TooLarge(_) | Failed::Middleware(_)) => None,
        };
        self.observe(epoch, answered);
        opened
    }

    async fn open_unthrottled(
        &self,
        call: &Call,
        attempt: u32,
    ) -> Result<reqwest::Response, Failed> {
        let span = tracing::Span::current();
        let mut request = match &call.target {
            Target::PublicDownload { url, .. } => self.inner.http.request(call.method.clone(), url),
            Target::Api(path) => self
                .inner
                .http
                .request(
                    call.method.clone(),
                    format!("{}{}", self.inner.base_url, path),
                )
                .header("authorization", self.inner.key.header()),
        };
        // The caller's own headers go to the API only: a public download may be on another
        // host, which must not see a proxy's credentials.
        if matches!(call.target, Target::Api(_)) && !self.inner.headers.is_empty() {
            request = request.headers(self.inner.headers.clone());
        }
        if let Some(timeout) = self.inner.timeout {
            request = request.timeout(timeout);
        }
        for (name, value) in &call.headers {
            request = request.header(*name, value);
        }
        if let Some(body) = &call.body {
            request = request
                .header("content-type", "application/json")
                .body(body.clone());
        }
        let response = self.send(request, &call.target).await?;
        let status = response.status().as_u16();
        let request_id = response
            .headers()
            .get("request-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        if let Some(observer) = &self.inner.on_response {
            (observer.0)(&super::ResponseMeta {
                method: call.method.clone(),
                route: call.route().into_owned(),
                attempt,
                status: response.status(),
                headers: response.headers().clone(),
            });
        }
        span.record("status", status);
        if let Some(id) = &request_id {
            span.record("request_id", id.as_str());
        }
        tracing::debug!(status, "answered");
        if (200..300).contains(&status) || status == 304 {
            return Ok(response);
        }
        let retry_after = retry_after(response.headers(), std::time::SystemTime::now());
        let body = read_body(response).await?;
        let failure = ApiFailure::from_answer(
            call.method.as_ref(),
            &call.route(),
            status,
            &body,
            request_id,
            attempt,
        );
        let retryable = failure.is_retryable();
        Err(Failed::Answered {
            failure: Box::new(failure),
            retry_after,
            retryable,
        })
    }

    /// Sends one attempt's request: through the caller's middleware when it goes to the API
    /// and there is one ([`ClientBuilder::middleware`](super::ClientBuilder::middleware)), else
    /// straight. A public download never goes through it: its URL holds a token.
    async fn send(
        &self,
        request: reqwest::RequestBuilder,
        target: &Target,
    ) -> Result<reqwest::Response, Failed> {
        let unreachable = |error: reqwest::Error| {
            tracing::debug!(error = %describe(&error), "no answer");
            Failed::Unreachable(describe(&error))
        };
        #[cfg(feature = "middleware")]
        if let (Some(stack), Target::Api(_)) = (&self.inner.middleware, target) {
            let request = request.build().map_err(unreachable)?;
            return match stack.execute(request).await {
                Ok(response) => Ok(response),
                Err(reqwest_middleware::Error::Reqwest(error)) => Err(unreachable(error)),
                Err(reqwest_middleware::Error::Middleware(error)) => {
                    tracing::debug!(error = %format!("{error:#}"), "a middleware failed the request");
                    Err(Failed::Middleware(format!("{error:#}")))
                }
            };
        }
        let _ = target;
        request.send().await.map_err(unreachable)
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
        let (method, path) = (call.method.clone(), call.route().into_owned());
        let answer = self.execute(call).await?;
        self.decode((&method, &path), &answer.body)
    }
}

/// An answer's whole body, at most [`MAX_ANSWER_BYTES`]: a larger `Content-Length` is refused
/// before reading, and a body without one is read chunk by chunk only up to the limit. One that
/// breaks off is an attempt that got no answer.
async fn read_body(mut response: reqwest::Response) -> Result<Bytes, Failed> {
    let declared = response.content_length();
    if declared.is_some_and(|length| length > MAX_ANSWER_BYTES) {
        tracing::debug!(content_length = declared, "the answer is too large");
        return Err(Failed::TooLarge(declared));
    }
    // What the answer declared (at most the limit), or a small start.
    let mut body = Vec::with_capacity(declared.unwrap_or(0).min(1 << 20) as usize);
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                if (body.len() + chunk.len()) as u64 > MAX_ANSWER_BYTES {
                    tracing::debug!("the answer is too large");
                    return Err(Failed::TooLarge(declared));
                }
                body.extend_from_slice(&chunk);
            }
            Ok(None) => return Ok(Bytes::from(body)),
            Err(error) => {
                tracing::debug!(error = %describe(&error), "the answer broke off");
                return Err(Failed::Unreachable(format!(
                    "the answer broke off: {}",
                    describe(&error)
                )));
            }
        }
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

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::Duration;

    use tokio::time::Instant;

    use super::*;
    use crate::client::batch::throttle::Throttle;

    #[test]
    fn an_api_call_is_named_by_its_route_and_a_public_download_by_its_render() {
        let call = Call::get("/v1/renders/rnd_1/download?inline=1");
        assert_eq!(call.route(), "/v1/renders/rnd_1/download");
        assert_eq!(call.render_id(), Some("rnd_1"));
        assert_eq!(Call::get("/v1/renders?limit=2").render_id(), None);
        assert_eq!(Call::get("/v1/templates/rnd_1").render_id(), None);

        let url = "https://cdn.example/pdf/rnd_2.pdf?token=SecretToken";
        let call = Call::public_download(url, "rnd_2");
        assert_eq!(call.method, Method::GET);
        assert!(call.retryable);
        assert_eq!(call.route(), "<public downloadUrl of rnd_2>");
        assert_eq!(call.render_id(), Some("rnd_2"));
        // A render id that looks like a path stays the render's id, not a route.
        let odd = Call::public_download(url, "rnd_3/x>y");
        assert_eq!(odd.render_id(), Some("rnd_3/x>y"));
        assert!(!odd.route().contains("SecretToken"));
    }

    fn client() -> Client {
        Client::builder()
            .key("ck_test_transportunittests0000001")
            .base_url("http://127.0.0.1:9")
            .build()
            .expect("the client builds")
    }

    fn throttled(after: Duration) -> Failed {
        Failed::Answered {
            failure: Box::new(ApiFailure::from_answer(
                "GET",
                "/v1/renders",
                429,
                b"",
                None,
                1,
            )),
            retry_after: Some(after),
            retryable: true,
        }
    }

    /// How long `after` waits following a `429` with `Retry-After: 2`.
    async fn wait_after_429(client: &Client) -> Duration {
        let call = Call::get("/v1/renders");
        let mut retries = Retries::new(&call, client);
        retries.start();
        let start = Instant::now();
        retries
            .after(throttled(Duration::from_secs(2)))
            .await
            .expect("a retry is left");
        Instant::now() - start
    }

    #[tokio::test(start_paused = true)]
    async fn a_429_waits_its_retry_after_alone_and_at_the_gate_in_a_batch() {
        let alone = client();
        assert!(wait_after_429(&alone).await >= Duration::from_secs(2));
        // In a batch the next attempt waits at the gate instead, which every request of the
        // batch passes: a backoff of its own would bring it back after the others.
        let throttle = Arc::new(Throttle::new(8, Duration::from_secs(60)));
        let batch = alone.throttled(throttle);
        assert_eq!(wait_after_429(&batch).await, Duration::ZERO);
    }

    #[tokio::test(start_paused = true)]
    async fn a_retry_after_past_the_cap_ends_the_call_in_a_batch_too() {
        let throttle = Arc::new(Throttle::new(8, Duration::from_secs(60)));
        let batch = client().throttled(throttle);
        let call = Call::get("/v1/renders");
        let mut retries = Retries::new(&call, &batch);
        retries.start();
        let error = retries
            .after(throttled(Duration::from_secs(3_600)))
            .await
            .expect_err("beyond max_retry_after");
        assert!(matches!(error, Error::Api(ref failure) if failure.status == 429));
    }
}
