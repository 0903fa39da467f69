//! What an answer said besides its body (issue 26, part 2, item 1): its status, request id,
//! `Idempotent-Replayed`, `Retry-After` and every other header, for logs and support tickets.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use reqwest::StatusCode;
use reqwest::header::HeaderMap;

/// One answer's metadata, success or error: what [`ClientBuilder::on_response`] and
/// [`Client::with_on_response`] see for every attempt of every call, and what a render's
/// [`RenderHandle::response`] keeps.
///
/// [`ClientBuilder::on_response`]: super::ClientBuilder::on_response
/// [`Client::with_on_response`]: super::Client::with_on_response
/// [`RenderHandle::response`]: super::RenderHandle::response
#[derive(Debug, Clone)]
pub struct ResponseMeta {
    pub(crate) method: reqwest::Method,
    pub(crate) route: String,
    pub(crate) attempt: u32,
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
}

impl ResponseMeta {
    /// The request's method.
    pub fn method(&self) -> &reqwest::Method {
        &self.method
    }

    /// The request's path without its query (`/v1/renders/rnd_1`); a public download shows
    /// `<public downloadUrl of rnd_1>`, never its URL (which holds a token).
    pub fn route(&self) -> &str {
        &self.route
    }

    /// Which attempt of its call this answer was (1 for the first).
    pub fn attempt(&self) -> u32 {
        self.attempt
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// Every header of the answer.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The `Request-Id` header: quote it to support.
    pub fn request_id(&self) -> Option<&str> {
        self.header("request-id")
    }

    /// Whether the answer replayed an earlier request's (`Idempotent-Replayed: true`).
    pub fn replayed(&self) -> bool {
        self.header("idempotent-replayed")
            .is_some_and(|v| v.eq_ignore_ascii_case("true"))
    }

    /// How long the answer asks to wait before the next request (`retry-after-ms`, or
    /// `Retry-After` in seconds or as an HTTP date).
    pub fn retry_after(&self) -> Option<Duration> {
        super::retry::retry_after(&self.headers, SystemTime::now())
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// A function called with every answer's [`ResponseMeta`].
#[derive(Clone)]
pub(crate) struct Observer(pub Arc<dyn Fn(&ResponseMeta) + Send + Sync>);

impl std::fmt::Debug for Observer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Observer(..)")
    }
}
