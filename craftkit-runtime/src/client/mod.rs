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
//! let link = client.share(&render.id, Some("for the charterer")).await?;
//! # Ok(()) }
//! ```
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
pub use retry::RetryPolicy;
pub use templates::TemplateFetch;
pub use wait::WaitOptions;

pub use craftkit_core::api::{ErrorDetail, Render, RenderStatus, Share, Visibility};

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

#[derive(Debug)]
struct Inner {
    http: reqwest::Client,
    base_url: String,
    key: ApiKey,
    retry: RetryPolicy,
    wait: WaitOptions,
    /// The brake of the batch this client belongs to ([`Client::render_many`]), if any.
    throttle: Option<Arc<batch::throttle::Throttle>>,
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
            .finish_non_exhaustive()
    }
}

impl ClientBuilder {
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

    /// Uses an existing `reqwest::Client` (its own timeouts and TLS settings apply).
    pub fn http_client(mut self, client: reqwest::Client) -> ClientBuilder {
        self.http = Some(client);
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
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                base_url,
                key,
                retry: self.retry,
                wait: self.wait,
                throttle: None,
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
