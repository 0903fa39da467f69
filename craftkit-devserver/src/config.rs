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
    /// Where state lives across restarts: a SQLite database and a folder of PDFs (the `sqlite`
    /// feature; without it the server refuses to start). `None` keeps it in memory.
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
    /// How long a webhook endpoint has to answer a delivery (its status line and headers):
    /// no answer in time is a failed attempt, delivered again. 10 s, as Craftkit; tests set a
    /// few milliseconds.
    pub webhook_timeout: Duration,
    /// How long an event is delivered again to an endpoint that has not answered `2xx`,
    /// counted from its first attempt (real time, not [`Config::clock`]): no attempt starts
    /// after it. 24 h, as Craftkit; tests set a short one.
    pub webhook_window: Duration,
    /// The wait before the first redelivery. Each next wait doubles, up to
    /// [`webhook_backoff_max`](Config::webhook_backoff_max), and each is drawn at random
    /// between half and all of that (jitter), so the endpoints' retries spread out.
    pub webhook_backoff: Duration,
    /// The longest wait between two attempts (before jitter). 10 minutes.
    pub webhook_backoff_max: Duration,
    /// A file to append every delivery attempt to, as JSON lines (see
    /// [`DeliveryRecord`](crate::DeliveryRecord)); the attempts are also kept in memory for
    /// [`DevServer::deliveries`](crate::DevServer::deliveries).
    pub delivery_log: Option<PathBuf>,
    /// How many delivery attempts [`DevServer::deliveries`](crate::DevServer::deliveries) keeps:
    /// the newest ones, [`DELIVERY_LOG_CAPACITY`](crate::DELIVERY_LOG_CAPACITY) (100,000) by
    /// default, so a long run's memory stays bounded. The file of
    /// [`delivery_log`](Config::delivery_log) gets every one.
    pub delivery_log_capacity: usize,
    /// A file to append every API request to, as JSON lines (the key redacted), created `0600`
    /// (missing folders `0700`); requests are also kept in memory, within `record_budget`, for
    /// [`DevServer::requests`](crate::DevServer::requests).
    pub log_requests: Option<PathBuf>,
    /// Fetch linked (`https://`) images before rendering, so the PDF shows them; a render
    /// whose image cannot be fetched fails with `asset_unreachable`. `None` (the default):
    /// nothing is fetched and each linked image is a labelled box.
    pub fetch_assets: Option<AssetFetch>,
    /// Host names (`name`, any port, or `name:port`) accepted in the `Host` header besides
    /// `127.0.0.1`, `localhost` and `[::1]` (with the server's port or none): another name is
    /// `421 invalid_request`, so that a page whose domain was rebound to 127.0.0.1 cannot
    /// drive the API with the public development key.
    pub allowed_hosts: Vec<String>,
    /// How long a client may take to send a request's headers (also the longest a kept-alive
    /// connection waits idle for its next request) before the connection is closed; 10 s by
    /// default.
    pub header_read_timeout: Duration,
    /// How many bytes of requests (and as many of answers) the server keeps in memory for
    /// [`DevServer::requests`](crate::DevServer::requests) and
    /// [`DevServer::responses`](crate::DevServer::responses), bodies, headers and paths
    /// counted (64 MiB by default): past it the oldest are dropped. The `log_requests` file
    /// keeps every one.
    pub record_budget: usize,
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
            webhook_timeout: Duration::from_secs(10),
            webhook_window: Duration::from_secs(24 * 60 * 60),
            webhook_backoff: Duration::from_millis(500),
            webhook_backoff_max: Duration::from_secs(10 * 60),
            delivery_log: None,
            delivery_log_capacity: crate::delivery::DELIVERY_LOG_CAPACITY,
            log_requests: None,
            fetch_assets: None,
            allowed_hosts: Vec::new(),
            header_read_timeout: Duration::from_secs(10),
            record_budget: crate::recorder::DEFAULT_RECORD_BUDGET,
        }
    }
}

/// A webhook endpoint: where events are posted, and the secrets that sign them.
///
/// While a secret rotates, both sign: the header carries two `v1` entries, the previous
/// secret's first (`t=...,v1=<previous>,v1=<secret>`), so a receiver that knows either
/// accepts the delivery.
///
/// ```
/// use craftkit_devserver::WebhookEndpoint;
///
/// let endpoint = WebhookEndpoint::new("http://127.0.0.1:8080/hooks", "whsec_new")
///     .with_previous_secret("whsec_old");
/// assert_eq!(endpoint.secrets().collect::<Vec<_>>(), ["whsec_old", "whsec_new"]);
/// ```
/// Its `Debug` shows the URL, never the secrets.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct WebhookEndpoint {
    /// Where events are posted.
    pub url: String,
    /// The signing secret, `whsec_<base62>` (the new one while a secret rotates).
    pub secret: String,
    /// The secret being rotated out, which still signs every delivery until it is removed.
    pub previous_secret: Option<String>,
}

impl WebhookEndpoint {
    /// An endpoint at `url` whose deliveries `secret` signs.
    pub fn new(url: impl Into<String>, secret: impl Into<String>) -> WebhookEndpoint {
        WebhookEndpoint {
            url: url.into(),
            secret: secret.into(),
            previous_secret: None,
        }
    }

    /// Also signs with `previous`, the secret being rotated out: two `v1` entries.
    #[must_use]
    pub fn with_previous_secret(mut self, previous: impl Into<String>) -> WebhookEndpoint {
        self.previous_secret = Some(previous.into());
        self
    }

    /// The secrets that sign a delivery, in the header's order: the previous one, if any, then
    /// the current one.
    pub fn secrets(&self) -> impl Iterator<Item = &str> {
        self.previous_secret
            .as_deref()
            .into_iter()
            .chain(std::iter::once(self.secret.as_str()))
    }
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
            .field("webhook_timeout", &self.webhook_timeout)
            .field("webhook_window", &self.webhook_window)
            .field("webhook_backoff", &self.webhook_backoff)
            .field("webhook_backoff_max", &self.webhook_backoff_max)
            .field("delivery_log", &self.delivery_log)
            .field("delivery_log_capacity", &self.delivery_log_capacity)
            .field("log_requests", &self.log_requests)
            .field("fetch_assets", &self.fetch_assets)
            .field("allowed_hosts", &self.allowed_hosts)
            .field("header_read_timeout", &self.header_read_timeout)
            .field("record_budget", &self.record_budget)
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for WebhookEndpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookEndpoint")
            .field("url", &self.url)
            .field("secret", &Redacted(1))
            .field(
                "previous_secret",
                &self.previous_secret.as_ref().map(|_| Redacted(1)),
            )
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
