//! How a server is set up: keys, templates, webhooks, faults, timing and clock.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use craftkit_core::manifest::Manifest;

use crate::assets::AssetFetch;

/// The key a server accepts when none is configured: a test key of the documented shape.
pub const DEV_KEY: &str = "ck_test_devserver000000000000000000";

/// Everything a server is started with. `Config::default()` is a server on an ephemeral
/// loopback port that accepts [`DEV_KEY`] and publishes no template. Its `Debug` shows how
/// many keys there are, never the keys, nor the webhook secrets.
#[derive(Clone)]
pub struct Config {
    /// The port to listen on (0: any free one).
    pub port: u16,
    /// Each key is its own project. Empty: [`DEV_KEY`] alone.
    pub keys: Vec<String>,
    /// Manifests published in every project at start-up.
    pub templates: Vec<Manifest>,
    /// Webhook endpoints, each with its signing secret (`whsec_...`).
    pub webhooks: Vec<WebhookEndpoint>,
    /// Where state lives across restarts; `None` keeps it in memory.
    pub data_dir: Option<PathBuf>,
    /// How long a render takes once a worker has it.
    pub render_delay: Duration,
    /// How many renders run at once.
    pub workers: usize,
    /// Requests per second allowed per key (a fixed one-second window); more get
    /// `429 rate_limited` with the time left of the window as `Retry-After`, to the microsecond.
    pub rate_limit: Option<u32>,
    /// Faults to inject, for client tests.
    pub faults: Vec<Fault>,
    /// The seed of the fault dice, so a run can be repeated.
    pub fault_seed: u64,
    /// The clock for timestamps and idempotency expiry.
    pub clock: Clock,
    /// How long an idempotency key is remembered.
    pub idempotency_ttl: Duration,
    /// How many times a webhook delivery is tried before it is given up.
    pub webhook_attempts: u32,
    /// The first wait between webhook attempts (it doubles, up to 30 s).
    pub webhook_backoff: Duration,
    /// A file to append every API request to, as JSON lines (the key redacted); every
    /// request is also kept in memory for [`DevServer::requests`](crate::DevServer::requests).
    pub log_requests: Option<PathBuf>,
    /// Fetch linked (`https://`) images before rendering, so the PDF shows them; a render
    /// whose image cannot be fetched fails with `asset_unreachable`. `None` (the default):
    /// nothing is fetched and each linked image is a labelled box.
    pub fetch_assets: Option<AssetFetch>,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            port: 0,
            keys: Vec::new(),
            templates: Vec::new(),
            webhooks: Vec::new(),
            data_dir: None,
            render_delay: Duration::from_millis(50),
            workers: 4,
            rate_limit: None,
            faults: Vec::new(),
            fault_seed: 1,
            clock: Clock::system(),
            idempotency_ttl: Duration::from_secs(24 * 60 * 60),
            webhook_attempts: 8,
            webhook_backoff: Duration::from_millis(500),
            log_requests: None,
            fetch_assets: None,
        }
    }
}

/// A webhook endpoint. Its `Debug` shows the URL, never the secret.
#[derive(Clone, PartialEq, Eq)]
pub struct WebhookEndpoint {
    /// Where events are posted.
    pub url: String,
    /// The signing secret, `whsec_<base62>`.
    pub secret: String,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("port", &self.port)
            .field("keys", &Redacted(self.keys.len()))
            .field("templates", &self.templates.len())
            .field("webhooks", &self.webhooks)
            .field("data_dir", &self.data_dir)
            .field("render_delay", &self.render_delay)
            .field("workers", &self.workers)
            .field("rate_limit", &self.rate_limit)
            .field("faults", &self.faults)
            .field("fault_seed", &self.fault_seed)
            .field("clock", &self.clock)
            .field("idempotency_ttl", &self.idempotency_ttl)
            .field("webhook_attempts", &self.webhook_attempts)
            .field("webhook_backoff", &self.webhook_backoff)
            .field("log_requests", &self.log_requests)
            .field("fetch_assets", &self.fetch_assets)
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for WebhookEndpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookEndpoint")
            .field("url", &self.url)
            .field("secret", &Redacted(1))
            .finish_non_exhaustive()
    }
}

/// `n` secrets in a `Debug`: how many, never what they are.
pub(crate) struct Redacted(pub(crate) usize);

impl std::fmt::Debug for Redacted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            0 => f.write_str("[]"),
            1 => f.write_str("[redacted]"),
            n => write!(f, "[{n} redacted]"),
        }
    }
}

/// A fault to inject: what, and when.
#[derive(Debug, Clone, PartialEq)]
pub struct Fault {
    /// What happens.
    pub kind: FaultKind,
    /// Which requests it hits.
    pub when: FaultWhen,
}

/// What an injected fault does.
#[derive(Debug, Clone, PartialEq)]
pub enum FaultKind {
    /// Close the connection without an answer, before the request is handled.
    Drop,
    /// Handle the request, then close the connection without an answer: the work is done but
    /// the caller does not know (what idempotency keys are for).
    DropAfter,
    /// Answer this status (500, 502, 503, 504) with a `server_error` body, unhandled.
    Status(u16),
    /// Answer `429 rate_limited` with this `Retry-After`.
    RateLimited(Duration),
    /// Wait this long before handling the request.
    Delay(Duration),
    /// Accept the render, then fail it (`render_failed`).
    FailRender,
}

/// Which requests a fault hits. Request data never decides it.
#[derive(Debug, Clone, PartialEq)]
pub enum FaultWhen {
    /// Each API request with this probability (0.0 to 1.0), by the seeded dice.
    Rate(f64),
    /// The API requests with these 1-based numbers, counted from start-up.
    Requests(Vec<u64>),
}

/// The server's clock: the system's, or a manual one that tests move forward.
#[derive(Debug, Clone)]
pub struct Clock(Arc<ClockInner>);

#[derive(Debug)]
enum ClockInner {
    System,
    /// Seconds and nanoseconds since the epoch, packed as nanoseconds.
    Manual(AtomicU64),
}

impl Clock {
    /// The system clock.
    pub fn system() -> Clock {
        Clock(Arc::new(ClockInner::System))
    }

    /// A clock that stands at `start` until [`advance`](Clock::advance)d.
    pub fn manual(start: SystemTime) -> Clock {
        let nanos = start
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos();
        Clock(Arc::new(ClockInner::Manual(AtomicU64::new(
            u64::try_from(nanos).unwrap_or(u64::MAX),
        ))))
    }

    /// Moves a manual clock forward (the system clock ignores it).
    pub fn advance(&self, by: Duration) {
        if let ClockInner::Manual(nanos) = &*self.0 {
            nanos.fetch_add(
                u64::try_from(by.as_nanos()).unwrap_or(u64::MAX),
                Ordering::SeqCst,
            );
        }
    }

    /// Now.
    pub fn now(&self) -> SystemTime {
        match &*self.0 {
            ClockInner::System => SystemTime::now(),
            ClockInner::Manual(nanos) => {
                SystemTime::UNIX_EPOCH + Duration::from_nanos(nanos.load(Ordering::SeqCst))
            }
        }
    }
}

/// Whether `key` has the shape of a Craftkit key: `ck_live_` or `ck_test_` and at least 24
/// base62 characters.
pub fn is_key_shaped(key: &str) -> bool {
    let rest = key
        .strip_prefix("ck_live_")
        .or_else(|| key.strip_prefix("ck_test_"));
    rest.is_some_and(|r| r.len() >= 24 && r.bytes().all(|b| b.is_ascii_alphanumeric()))
}
