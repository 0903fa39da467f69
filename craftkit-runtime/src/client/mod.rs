//! The async client of the Craftkit API (feature `client`, on by default).
//!
//! ```no_run
//! # async fn demo<T: craftkit_runtime::Template>(payload: T) -> Result<(), craftkit_runtime::client::Error> {
//! use craftkit_runtime::client::Client;
//!
//! let client = Client::from_env()?;                  // CRAFTKIT_API_KEY, CRAFTKIT_API_URL
//! let render = client
//!     .render(&payload)
//!     .idempotency_key("signoff-8841")               // a replay of this sign-off renders once
//!     .send()
//!     .await?                                        // 202: queued
//!     .wait()
//!     .await?;                                       // polls, following Retry-After
//! let pdf = client.download(&render).await?;
//! let link = client.share(&render, Some("for the charterer")).await?;
//! # Ok(()) }
//! ```
//!
//! # Naming a render
//!
//! Every call about one render ([`wait`](Client::wait), [`get_render`](Client::get_render),
//! [`download`](Client::download), [`download_to`](Client::download_to),
//! [`download_to_file`](Client::download_to_file), [`share`](Client::share),
//! [`shares`](Client::shares), and the same calls of the blocking client) takes
//! `impl Into<`[`RenderRef`]`>`: the render's id (`"rnd_…"`, `&render.id`), the [`Render`], or
//! the [`RenderHandle`] of its POST. A call that needs the render itself (a download needs its
//! status and `downloadUrl`) fetches it when it is given only the id.
//!
//! Every GET and every render POST is retried on connection errors, timeouts, `429`
//! (after its `Retry-After`), `409 idempotency_in_progress` and `5xx`, with exponential
//! backoff and full jitter; a render POST always carries an `Idempotency-Key` (the caller's,
//! or one made per call and reused by all its retries), so retrying never renders twice. The
//! key never appears in `Debug`, `Display`, an error or a log line.

mod batch;
mod error;
#[cfg(feature = "axum")]
mod error_response;
mod error_type;
mod files;
mod idempotency;
mod render;
mod render_ref;
mod response_meta;
mod retry;
mod templates;
mod transport;
mod wait;

use std::sync::Arc;
use std::time::Duration;

pub use batch::{
    Batch, BatchItem, BatchOptions, BatchOutcome, BatchResult, BatchStats, pdf_file_name,
};
pub use error::{ApiFailure, Error};
pub use error_type::ApiErrorType;
pub use idempotency::derive_idempotency_key;
pub use render::{RenderHandle, RenderRequest};
pub use render_ref::RenderRef;
pub use response_meta::ResponseMeta;
pub use retry::RetryPolicy;
pub use templates::{TemplateDraft, TemplateFetch};
pub use wait::WaitOptions;

pub use craftkit_core::api::{ErrorDetail, Render, RenderStatus, Share, Visibility};

/// The `reqwest-middleware` this crate is built with (feature `middleware`): implement its
/// [`Middleware`](reqwest_middleware::Middleware) for [`ClientBuilder::middleware`].
#[cfg(feature = "middleware")]
pub use reqwest_middleware;

/// The live API.
pub const DEFAULT_BASE_URL: &str = "https://api.craftkit.io";

/// The most bytes a JSON answer may have, error answers included: 32 MiB. A larger
/// `Content-Length` is refused before the body is read, and a body without one is read only up
/// to this limit; either way the call fails with [`Error::AnswerTooLarge`], without a retry.
/// PDF downloads are not JSON answers: they stream with no such limit.
pub const MAX_ANSWER_BYTES: u64 = 32 << 20;

/// An API key: `ck_live_...` or `ck_test_...`. Its `Debug` shows only the prefix.
#[derive(Clone, PartialEq, Eq)]
struct ApiKey(Arc<str>);

impl ApiKey {
    fn parse(key: &str) -> Result<ApiKey, Error> {
        let key = key.trim();
        let rest = key
            .strip_prefix("ck_live_")
            .or_else(|| key.strip_prefix("ck_test_"));
        match rest {
            Some(rest) if rest.len() >= 24 && rest.bytes().all(|b| b.is_ascii_alphanumeric()) => {
                Ok(ApiKey(Arc::from(key)))
            }
            _ => Err(Error::Config(
                "the API key is not of the form ck_live_… or ck_test_… followed by at least 24 letters and digits"
                    .into(),
            )),
        }
    }

    fn header(&self) -> String {
        format!("Bearer {}", self.0)
    }
}

impl std::fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let prefix = if self.0.starts_with("ck_live_") {
            "ck_live_"
        } else {
            "ck_test_"
        };
        write!(f, "{prefix}[redacted]")
    }
}

/// A Craftkit API client. Cheap to clone: clones share one connection pool.
#[derive(Clone, Debug)]
pub struct Client {
    inner: Arc<Inner>,
}

#[derive(Debug, Clone)]
pub(crate) struct Inner {
    http: reqwest::Client,
    base_url: String,
    key: ApiKey,
    retry: RetryPolicy,
    wait: WaitOptions,
    /// A per-attempt timeout replacing the HTTP client's ([`Client::with_timeout`]).
    timeout: Option<Duration>,
    /// Headers added to every request ([`Client::with_header`]).
    headers: reqwest::header::HeaderMap,
    /// Called with every answer's metadata ([`ClientBuilder::on_response`]).
    on_response: Option<response_meta::Observer>,
    /// The brake of the batch this client belongs to ([`Client::render_many`]), if any.
    throttle: Option<Arc<batch::throttle::Throttle>>,
    /// The caller's middleware over `http`, which every attempt to the API goes through
    /// ([`ClientBuilder::middleware`]).
    #[cfg(feature = "middleware")]
    middleware: Option<reqwest_middleware::ClientWithMiddleware>,
}

impl Client {
    /// A client for the live API with `key` and the default settings.
    pub fn new(key: impl AsRef<str>) -> Result<Client, Error> {
        Client::builder().key(key).build()
    }

    /// A client from `CRAFTKIT_API_KEY` and, when set, `CRAFTKIT_API_URL`.
    pub fn from_env() -> Result<Client, Error> {
        let key = std::env::var("CRAFTKIT_API_KEY")
            .map_err(|_| Error::Config("CRAFTKIT_API_KEY is not set".into()))?;
        let mut builder = Client::builder().key(key);
        if let Ok(url) = std::env::var("CRAFTKIT_API_URL") {
            builder = builder.base_url(url);
        }
        builder.build()
    }

    /// A builder for every setting.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// The base URL calls go to.
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    /// A handle of this client whose calls retry under `policy` instead. It shares this
    /// client's connections, key and every other setting; this client is unchanged. For a
    /// request handler that must answer fast beside a batch that may wait minutes:
    ///
    /// ```no_run
    /// # use std::time::Duration;
    /// # use craftkit_runtime::client::{Client, RetryPolicy, WaitOptions};
    /// # async fn f(client: &Client, id: &str) -> Result<(), craftkit_runtime::client::Error> {
    /// let quick = client
    ///     .with_retry_policy(RetryPolicy::none())
    ///     .with_timeout(Duration::from_secs(2))
    ///     .with_wait_options(WaitOptions::default().with_deadline(Duration::from_secs(5)));
    /// let render = quick.wait_with(id, WaitOptions::default()).await?;
    /// # let _ = render; Ok(()) }
    /// ```
    pub fn with_retry_policy(&self, policy: RetryPolicy) -> Client {
        self.with(|inner| inner.retry = policy)
    }

    /// A handle of this client whose [`RenderHandle::wait`] polls under `options` instead
    /// (see [`with_retry_policy`](Client::with_retry_policy)).
    pub fn with_wait_options(&self, options: WaitOptions) -> Client {
        self.with(|inner| inner.wait = options)
    }

    /// A handle of this client whose every attempt may take at most `timeout`, answer
    /// included, instead of the builder's [`timeout`](ClientBuilder::timeout) (see
    /// [`with_retry_policy`](Client::with_retry_policy)). A download streams under it too.
    pub fn with_timeout(&self, timeout: Duration) -> Client {
        self.with(|inner| inner.timeout = Some(timeout))
    }

    /// A handle of this client that adds a header to every request (a tracing id, a proxy's
    /// own header; see [`with_retry_policy`](Client::with_retry_policy)). The client's own
    /// headers (`Authorization`, `Idempotency-Key`, `Content-Type`) cannot be replaced: an
    /// [`Error::Config`] names the header, as it does a name or value HTTP does not allow.
    pub fn with_header(&self, name: &str, value: &str) -> Result<Client, Error> {
        use reqwest::header::{HeaderName, HeaderValue};
        let name = HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| Error::Config(format!("`{name}` is not a valid header name")))?;
        if ["authorization", "idempotency-key", "content-type"].contains(&name.as_str()) {
            return Err(Error::Config(format!(
                "`{name}` is the client's own header; it cannot be replaced"
            )));
        }
        let value = HeaderValue::from_str(value).map_err(|_| {
            Error::Config(format!("the value of `{name}` is not a valid header value"))
        })?;
        Ok(self.with(|inner| {
            inner.headers.append(name, value);
        }))
    }

    /// A handle of this client that calls `observe` with every answer's [`ResponseMeta`]
    /// (every attempt of every call, success or error), after any observer set on the
    /// builder ([`ClientBuilder::on_response`]) is replaced. A success's request id, for a
    /// log line:
    ///
    /// ```no_run
    /// # async fn f(client: &craftkit_runtime::Client) -> Result<(), craftkit_runtime::client::Error> {
    /// let logged = client.with_on_response(|answer| {
    ///     tracing::info!(request_id = answer.request_id(), status = %answer.status(), "craftkit");
    /// });
    /// let render = logged.get_render("rnd_1").await?;
    /// # let _ = render; Ok(()) }
    /// ```
    pub fn with_on_response(
        &self,
        observe: impl Fn(&ResponseMeta) + Send + Sync + 'static,
    ) -> Client {
        let observer = response_meta::Observer(Arc::new(observe));
        self.with(|inner| inner.on_response = Some(observer))
    }

    /// A new handle with this one's settings changed by `change`.
    pub(crate) fn with(&self, change: impl FnOnce(&mut Inner)) -> Client {
        let mut inner = Inner::clone(&self.inner);
        change(&mut inner);
        Client {
            inner: Arc::new(inner),
        }
    }
}

/// Settings of a [`Client`]; setters never fail, [`build`](ClientBuilder::build) checks them.
#[derive(Clone)]
pub struct ClientBuilder {
    key: Option<String>,
    base_url: String,
    connect_timeout: Duration,
    timeout: Duration,
    retry: RetryPolicy,
    wait: WaitOptions,
    user_agent: String,
    http: Option<reqwest::Client>,
    on_response: Option<response_meta::Observer>,
    #[cfg(feature = "middleware")]
    middleware: Vec<Arc<dyn reqwest_middleware::Middleware>>,
}

impl Default for ClientBuilder {
    fn default() -> ClientBuilder {
        ClientBuilder {
            key: None,
            base_url: DEFAULT_BASE_URL.to_owned(),
            connect_timeout: Duration::from_secs(10),
            timeout: Duration::from_secs(30),
            retry: RetryPolicy::default(),
            wait: WaitOptions::default(),
            user_agent: format!("craftkit-rust/{}", env!("CARGO_PKG_VERSION")),
            http: None,
            on_response: None,
            #[cfg(feature = "middleware")]
            middleware: Vec::new(),
        }
    }
}

impl std::fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("key", &self.key.as_ref().map(|_| "[redacted]"))
            .field("base_url", &self.base_url)
            .field("connect_timeout", &self.connect_timeout)
            .field("timeout", &self.timeout)
            .field("retry", &self.retry)
            .field("wait", &self.wait)
            .field("user_agent", &self.user_agent)
            .field("middleware", &self.middleware_count())
            .finish_non_exhaustive()
    }
}

impl ClientBuilder {
    /// How many middleware were added ([`middleware`](ClientBuilder::middleware)).
    fn middleware_count(&self) -> usize {
        #[cfg(feature = "middleware")]
        return self.middleware.len();
        #[cfg(not(feature = "middleware"))]
        0
    }

    /// The API key.
    pub fn key(mut self, key: impl AsRef<str>) -> ClientBuilder {
        self.key = Some(key.as_ref().to_owned());
        self
    }

    /// The API's base URL (`CRAFTKIT_API_URL`), e.g. a local server's `http://127.0.0.1:PORT`.
    pub fn base_url(mut self, url: impl Into<String>) -> ClientBuilder {
        self.base_url = url.into();
        self
    }

    /// How long to wait for a connection.
    pub fn connect_timeout(mut self, timeout: Duration) -> ClientBuilder {
        self.connect_timeout = timeout;
        self
    }

    /// How long one attempt of a request may take, answer included.
    pub fn timeout(mut self, timeout: Duration) -> ClientBuilder {
        self.timeout = timeout;
        self
    }

    /// When and how often to retry.
    pub fn retry_policy(mut self, policy: RetryPolicy) -> ClientBuilder {
        self.retry = policy;
        self
    }

    /// How [`RenderHandle::wait`] polls by default.
    pub fn wait_options(mut self, options: WaitOptions) -> ClientBuilder {
        self.wait = options;
        self
    }

    /// The `User-Agent` header.
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> ClientBuilder {
        self.user_agent = user_agent.into();
        self
    }

    /// Calls `observe` with every answer's [`ResponseMeta`]: every attempt of every call,
    /// success or error (its status, request id, `Idempotent-Replayed`, `Retry-After` and
    /// headers), for metrics and logs. It runs on the call's task: keep it quick.
    /// [`Client::with_on_response`] sets one for the calls of one handle.
    pub fn on_response(
        mut self,
        observe: impl Fn(&ResponseMeta) + Send + Sync + 'static,
    ) -> ClientBuilder {
        self.on_response = Some(response_meta::Observer(Arc::new(observe)));
        self
    }

    /// Uses an existing `reqwest::Client` (its own timeouts and TLS settings apply).
    pub fn http_client(mut self, client: reqwest::Client) -> ClientBuilder {
        self.http = Some(client);
        self
    }

    /// Adds a [`reqwest_middleware::Middleware`] (feature `middleware`): metrics, custom
    /// tracing, a proxy's auth. Middleware run in the order they are added, the first one
    /// outermost, as in `reqwest_middleware::ClientBuilder::with`.
    ///
    /// The client's own work stays on top of the stack: each *attempt* of a call goes through
    /// the middleware once, so a call retried twice passes through it three times, every
    /// attempt of a render POST carries the same `Idempotency-Key`, and the per-attempt
    /// timeout and a wait's deadline bound the middleware's time too. A middleware sees every
    /// request to the API (`Authorization` header included: do not log headers); it does not
    /// see the fetch of a render's public `downloadUrl`, whose URL holds a token and may be on
    /// another host (the same rule as [`Client::with_header`]). A middleware's own error
    /// (`reqwest_middleware::Error::Middleware`) ends the call with [`Error::Middleware`],
    /// without a retry; an HTTP error it passes on is retried as any other.
    ///
    /// A middleware that counts attempts and tags each request:
    ///
    /// ```no_run
    /// use std::sync::Arc;
    /// use std::sync::atomic::{AtomicU64, Ordering};
    /// use craftkit_runtime::client::{Client, reqwest_middleware};
    /// use reqwest_middleware::{Middleware, Next};
    ///
    /// struct Metrics(Arc<AtomicU64>);
    ///
    /// #[async_trait::async_trait]
    /// impl Middleware for Metrics {
    ///     async fn handle(
    ///         &self,
    ///         mut request: reqwest::Request,
    ///         extensions: &mut http::Extensions,
    ///         next: Next<'_>,
    ///     ) -> reqwest_middleware::Result<reqwest::Response> {
    ///         self.0.fetch_add(1, Ordering::Relaxed);
    ///         request.headers_mut().insert("x-team", "billing".parse().unwrap());
    ///         next.run(request, extensions).await
    ///     }
    /// }
    ///
    /// # fn f() -> Result<(), craftkit_runtime::client::Error> {
    /// let attempts = Arc::new(AtomicU64::new(0));
    /// let client = Client::builder()
    ///     .key(std::env::var("CRAFTKIT_API_KEY").unwrap_or_default())
    ///     .middleware(Metrics(Arc::clone(&attempts)))
    ///     .build()?;
    /// # let _ = client; Ok(()) }
    /// ```
    #[cfg(feature = "middleware")]
    pub fn middleware(mut self, middleware: impl reqwest_middleware::Middleware) -> ClientBuilder {
        self.middleware.push(Arc::new(middleware));
        self
    }

    /// Checks the settings and makes the client.
    pub fn build(self) -> Result<Client, Error> {
        let key = ApiKey::parse(
            self.key
                .as_deref()
                .ok_or_else(|| Error::Config("no API key was given".into()))?,
        )?;
        let base_url = self.base_url.trim_end_matches('/').to_owned();
        if !(base_url.starts_with("https://") || base_url.starts_with("http://")) {
            return Err(Error::Config(format!(
                "the base URL `{base_url}` is not an http(s) URL"
            )));
        }
        let http = match self.http {
            Some(http) => http,
            None => {
                install_crypto_provider();
                reqwest::Client::builder()
                    .connect_timeout(self.connect_timeout)
                    .timeout(self.timeout)
                    .user_agent(self.user_agent)
                    .build()
                    .map_err(|e| Error::Config(format!("cannot build the HTTP client: {e}")))?
            }
        };
        #[cfg(feature = "middleware")]
        let middleware = (!self.middleware.is_empty())
            .then(|| reqwest_middleware::ClientWithMiddleware::new(http.clone(), self.middleware));
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                base_url,
                key,
                retry: self.retry,
                wait: self.wait,
                timeout: None,
                headers: reqwest::header::HeaderMap::new(),
                on_response: self.on_response,
                throttle: None,
                #[cfg(feature = "middleware")]
                middleware,
            }),
        })
    }
}

/// Makes rustls's `ring` provider the process's default, unless one is installed already:
/// reqwest (built without a provider of its own) takes the process default.
///
/// rustls 0.23.48 deprecated `ring::default_provider` because *ring* has no post-quantum key
/// exchange; the only first-party provider that has one is aws-lc-rs, which needs a C and CMake
/// build that this project refuses (`deny.toml` bans `aws-lc-sys`). So *ring* stays, on purpose,
/// and the deprecation is allowed here, at its one call, rather than shown in every user's
/// build. An application that wants post-quantum key exchange installs aws-lc-rs's provider
/// before making a client, and this installs nothing.
fn install_crypto_provider() {
    if rustls::crypto::CryptoProvider::get_default().is_none() {
        #[allow(deprecated)]
        let provider = rustls::crypto::ring::default_provider();
        let _ = provider.install_default();
    }
}
