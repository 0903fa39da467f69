//! A local Craftkit-compatible API server.
//!
//! It implements every call of the API contract with the same JSON, status codes and headers,
//! keeps state in memory, renders real PDFs and delivers signed webhooks, so that applications
//! (and this project's own client) can be tested without the network or a key. For client
//! tests it can inject faults: dropped connections, `5xx`, `429`, slow answers, failed renders.
//!
//! The contract is this crate's `openapi.yaml` (OpenAPI 3.1), served as JSON at
//! `GET /v1/openapi.json` with no key, and returned by [`openapi_json`]. A test checks that the
//! server's routes and the document's paths are the same set; [`DevServer::responses`] records
//! every answer so that tests can check them against the document.
//!
//! Webhooks are delivered as Craftkit delivers them: signed with each endpoint's secret (twice
//! while it rotates, [`WebhookEndpoint::with_previous_secret`]), and delivered again after no
//! answer within [`Config::webhook_timeout`] or a non-`2xx` answer, with a jittered exponential
//! backoff, until a `2xx` or the end of [`Config::webhook_window`]. Every attempt is in
//! [`DevServer::deliveries`] (and [`Config::delivery_log`]). A past event can be delivered
//! again, as the dashboard's "resend" does: [`DevServer::resend`] in-process, or
//! `POST /_dev/events/{id}/resend` with the project's key ([`request_resend`], `cargo craftkit
//! resend`), the server's one route outside the contract.
//!
//! ```no_run
//! # async fn demo() -> Result<(), craftkit_devserver::Error> {
//! use craftkit_devserver::{Config, DevServer};
//!
//! let config = Config { templates: craftkit_devserver::load_templates("tests/fixtures/manifests")?, ..Config::default() };
//! let server = DevServer::start(config).await?;
//! println!("listening on {} with key {}", server.url(), server.keys()[0]);
//! server.stop().await;
//! # Ok(()) }
//! ```
//!
//! # Cargo features
//!
//! | feature | default | what it adds |
//! |---|---|---|
//! | `cli` | yes | the `craftkit-devserver` binary and [`cli`], its command line (clap, and tracing-subscriber for its log); a test or example that starts the server in-process can turn it off (`default-features = false`) and compiles neither |
//! | `sqlite` | yes (and with `cli`) | [`Config::data_dir`]: state kept across restarts in one SQLite database (rusqlite, SQLite compiled from C); without it a server given a data directory refuses to start ([`Error::DataDir`]), and a build that keeps its state in memory compiles no SQLite |

mod api_error;
mod app;
mod assets;
#[cfg(feature = "cli")]
pub mod cli;
mod config;
mod delivery;
mod faults;
mod http;
mod ids;
mod pdf;
mod persist;
mod recorder;
mod store;
mod webhooks;
mod worker;

use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex};

use craftkit_core::manifest::Manifest;
use tokio::sync::{Semaphore, oneshot};
use tokio::task::JoinHandle;

pub use assets::AssetFetch;
pub use config::{
    Clock, Config, DEV_KEY, Fault, FaultKind, FaultWhen, WebhookEndpoint, is_key_shaped,
};
pub use delivery::{DELIVERY_LOG_CAPACITY, DeliveryOutcome, DeliveryRecord, RESENDABLE_EVENTS};
pub use recorder::{RecordedRequest, RecordedResponse};
pub use webhooks::{deliver_once, request_resend, sign, signature_header, test_event};

/// Why a server could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The port could not be bound.
    #[error("cannot listen on 127.0.0.1:{port}: {source}")]
    Bind {
        /// The port asked for.
        port: u16,
        /// What the OS said.
        source: std::io::Error,
    },
    /// A template file could not be read or is not a valid manifest.
    #[error("{path}: {message}")]
    Template {
        /// The file.
        path: String,
        /// What is wrong.
        message: String,
    },
    /// A key does not have the shape `ck_live_...` / `ck_test_...` with 24+ base62 characters.
    /// The text says which key (its position and length), never the key itself.
    #[error(
        "{0} is not an API key: keys look like ck_test_ followed by at least 24 letters and digits"
    )]
    BadKey(String),
    /// The `log_requests` file could not be opened for appending.
    #[error("cannot open the request log {path}: {source}")]
    RequestLog {
        /// The file.
        path: String,
        /// What the OS said.
        source: std::io::Error,
    },
    /// The data directory of [`Config::data_dir`] cannot be used: it cannot be created, its
    /// database cannot be opened (or was written by a newer version), its files of the
    /// JSON-file format cannot be imported, or this build has no `sqlite` feature. The text
    /// says which, and what to do.
    #[error("cannot keep state in the data directory {path}: {message}")]
    DataDir {
        /// The directory.
        path: String,
        /// What is wrong.
        message: String,
    },
    /// The `delivery_log` file could not be opened for appending.
    #[error("cannot open the delivery log {path}: {source}")]
    DeliveryLog {
        /// The file.
        path: String,
        /// What the OS said.
        source: std::io::Error,
    },
    /// The asset fetcher of [`Config::fetch_assets`] could not be set up (a root certificate
    /// that is not DER, or no TLS configuration).
    #[error("{0}")]
    Assets(String),
    /// A webhook endpoint's URL is not an absolute `http://` or `https://` URL, or its secret
    /// is empty.
    #[error("webhook endpoint {url:?}: {message}")]
    WebhookEndpoint {
        /// The endpoint's URL, as configured.
        url: String,
        /// What is wrong.
        message: String,
    },
    /// The HTTP client that delivers webhooks could not be set up (no TLS configuration).
    #[error("cannot set up the webhook client: {0}")]
    WebhookClient(String),
}

/// A running server. Dropping it leaves it running until the runtime ends; call
/// [`stop`](DevServer::stop) to end it.
pub struct DevServer {
    addr: SocketAddr,
    url: String,
    keys: Vec<String>,
    app: app::App,
    shutdown: Option<oneshot::Sender<()>>,
    task: JoinHandle<()>,
}

impl std::fmt::Debug for DevServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DevServer")
            .field("url", &self.url)
            .field("projects", &self.keys.len())
            .finish()
    }
}

impl DevServer {
    /// Starts a server on `127.0.0.1:config.port` (0: a free port) and returns once it
    /// accepts connections.
    pub async fn start(config: Config) -> Result<DevServer, Error> {
        let keys = checked_keys(&config)?;
        check_webhooks(&config)?;
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", config.port))
            .await
            .map_err(|source| Error::Bind {
                port: config.port,
                source,
            })?;
        let addr = listener.local_addr().map_err(|source| Error::Bind {
            port: config.port,
            source,
        })?;
        let url = format!("http://{addr}");
        let header_read_timeout = config.header_read_timeout;
        let (app, unfinished) = build_app(config, &keys, addr.port())?;
        for render_id in unfinished {
            worker::spawn(app.clone(), render_id);
        }
        let (shutdown, stopped) = oneshot::channel::<()>();
        let router = http::router(app.clone());
        let task = tokio::spawn(serve(listener, router, header_read_timeout, stopped));
        Ok(DevServer {
            addr,
            url,
            keys,
            app,
            shutdown: Some(shutdown),
            task,
        })
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`: what `CRAFTKIT_API_URL` should be.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The keys it accepts, one project each.
    pub fn keys(&self) -> &[String] {
        &self.keys
    }

    /// The server's clock (move a manual one forward to expire idempotency keys).
    pub fn clock(&self) -> &Clock {
        &self.app.config.clock
    }

    /// How many renders the project of `key` holds: what tests count to prove that retries
    /// neither lose nor duplicate work.
    pub fn render_count(&self, key: &str) -> usize {
        self.app
            .store
            .lock()
            .projects
            .get(key)
            .map_or(0, |p| p.renders.len())
    }

    /// Every API request received so far (`/v1/...`), in order, with the key redacted: what a
    /// test of the user's code asserts on.
    ///
    /// ```
    /// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
    /// use craftkit_devserver::{Config, DevServer};
    ///
    /// let server = DevServer::start(Config::default()).await?;
    /// // ... run the code under test against server.url() ...
    /// let renders: Vec<_> = server
    ///     .requests()
    ///     .into_iter()
    ///     .filter(|r| r.method == "POST" && r.path.ends_with("/render"))
    ///     .collect();
    /// for render in &renders {
    ///     assert!(render.header("idempotency-key").is_some());
    ///     assert_eq!(render.header("authorization"), Some("Bearer [redacted]"));
    /// }
    /// server.stop().await;
    /// # Ok(()) }
    /// ```
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.app.recorder.requests()
    }

    /// Every answer sent so far, in the order they were finished, with the route that answered
    /// and the JSON body: what a test checks against the contract's document (served at
    /// `GET /v1/openapi.json`, see [`openapi_json`]). A dropped connection (an injected fault)
    /// sent no answer and is not listed.
    pub fn responses(&self) -> Vec<RecordedResponse> {
        self.app.recorder.responses()
    }

    /// Sends a signed test event of type `kind` to `url` now, once, and returns it with the
    /// status the endpoint answered: about the render `render_id` of any project when given
    /// (an error if there is none), else about a made-up render. The server's clock signs it.
    pub async fn trigger(
        &self,
        kind: craftkit_core::api::EventType,
        url: &str,
        secret: &str,
        render_id: Option<&str>,
    ) -> Result<(craftkit_core::api::Event, u16), String> {
        let render = match render_id {
            Some(id) => Some(
                self.app
                    .store
                    .lock()
                    .render_mut(id)
                    .map(|entry| entry.render.clone())
                    .ok_or_else(|| format!("no render `{id}` on this server"))?,
            ),
            None => None,
        };
        let now = self.app.config.clock.now();
        let event = webhooks::test_event(kind, render, now);
        let status = webhooks::deliver_once(url, secret, &event, now).await?;
        Ok((event, status))
    }

    /// Delivers the past event `event_id` again to every endpoint, as the dashboard's
    /// "resend" does: the same id and body, signed anew at each attempt, retried as any
    /// delivery. Returns the resend's number (1 for the event's first), which its attempts
    /// carry in [`DeliveryRecord::resend`]; the deliveries go on after it returns (wait for
    /// [`pending_deliveries`](DevServer::pending_deliveries) to be 0).
    ///
    /// The server keeps the events of its own renders (of any project), the newest
    /// [`RESENDABLE_EVENTS`], while it runs: any other id is an error that names it.
    ///
    /// ```no_run
    /// # async fn run(server: craftkit_devserver::DevServer) -> Result<(), String> {
    /// let event_id = server.deliveries()[0].event_id.clone();
    /// let resend = server.resend(&event_id)?;
    /// // ... wait for server.pending_deliveries() == 0 ...
    /// assert!(server.deliveries().iter().any(|d| d.event_id == event_id && d.resend == resend));
    /// # Ok(()) }
    /// ```
    pub fn resend(&self, event_id: &str) -> Result<u32, String> {
        webhooks::resend(&self.app, event_id, None).ok_or_else(|| webhooks::unknown_event(event_id))
    }

    /// Every webhook delivery attempt so far, oldest first: the event, the endpoint, the
    /// attempt's number, what the endpoint answered (a status, a timeout, a connection
    /// error), how long it took, and the wait before the next attempt. The newest
    /// [`Config::delivery_log_capacity`] attempts are kept ([`DELIVERY_LOG_CAPACITY`], 100,000,
    /// by default); [`Config::delivery_log`] writes every one to a file.
    ///
    /// ```
    /// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
    /// use std::time::Duration;
    /// use craftkit_devserver::{Config, DevServer, WebhookEndpoint};
    ///
    /// let server = DevServer::start(Config {
    ///     webhooks: vec![WebhookEndpoint::new("http://127.0.0.1:9/hooks", "whsec_test")],
    ///     webhook_timeout: Duration::from_millis(200),
    ///     webhook_window: Duration::from_secs(5),
    ///     ..Config::default()
    /// })
    /// .await?;
    /// // ... render, wait for server.pending_deliveries() == 0 ...
    /// for attempt in server.deliveries() {
    ///     println!(
    ///         "{} -> {} #{}: {:?} in {:?}",
    ///         attempt.event_id, attempt.endpoint, attempt.attempt, attempt.outcome, attempt.latency
    ///     );
    /// }
    /// server.stop().await;
    /// # Ok(()) }
    /// ```
    pub fn deliveries(&self) -> Vec<DeliveryRecord> {
        self.app.deliveries.records()
    }

    /// How many (event, endpoint) pairs are still being delivered: neither acknowledged with
    /// a `2xx` nor past the redelivery window. 0 once every event is settled.
    pub fn pending_deliveries(&self) -> usize {
        self.app.deliveries.pending()
    }

    /// Stops accepting connections, finishes the requests in flight, ends the webhook
    /// deliveries in flight (an attempt being sent is abandoned, no redelivery follows), and
    /// returns.
    pub async fn stop(mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        let _ = (&mut self.task).await;
        self.app.deliveries.stop().await;
    }
}

/// Checks that each webhook endpoint can be delivered to: an absolute `http(s)` URL and a
/// secret, so that a typo fails at start-up instead of every delivery for a day.
fn check_webhooks(config: &Config) -> Result<(), Error> {
    for endpoint in &config.webhooks {
        let error = |message: String| Error::WebhookEndpoint {
            url: endpoint.url.clone(),
            message,
        };
        match reqwest::Url::parse(&endpoint.url) {
            Ok(url) if matches!(url.scheme(), "http" | "https") => {}
            Ok(url) => {
                return Err(error(format!(
                    "the scheme is {}: deliveries go to http:// or https:// URLs",
                    url.scheme()
                )));
            }
            Err(e) => return Err(error(format!("not a URL ({e})"))),
        }
        if endpoint.secrets().any(str::is_empty) {
            return Err(error(
                "a secret is empty: give the endpoint's signing secret, whsec_...".to_owned(),
            ));
        }
    }
    Ok(())
}

/// How many connections are served at once; more wait in the listen queue until one closes.
const MAX_CONNECTIONS: usize = 1024;

/// Serves HTTP/1 on `listener` until `stopped`, then finishes the requests in flight. A client
/// that takes over `header_read_timeout` to send a request's headers is disconnected.
async fn serve(
    listener: tokio::net::TcpListener,
    router: axum::Router,
    header_read_timeout: std::time::Duration,
    mut stopped: oneshot::Receiver<()>,
) {
    let connections = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    let (closing, closing_watch) = tokio::sync::watch::channel(false);
    loop {
        let permit = tokio::select! {
            permit = connections.clone().acquire_owned() => permit,
            _ = &mut stopped => break,
        };
        let Ok(permit) = permit else { break };
        let stream = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = &mut stopped => break,
        };
        let stream = match stream {
            Ok((stream, _)) => stream,
            Err(error) => {
                // Out of file descriptors, or a connection reset before it was accepted: wait
                // a little rather than spin.
                tracing::warn!(%error, "cannot accept a connection");
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                continue;
            }
        };
        let service = hyper_util::service::TowerToHyperService::new(router.clone());
        let mut closing_watch = closing_watch.clone();
        tokio::spawn(async move {
            let _permit = permit;
            let mut builder = hyper::server::conn::http1::Builder::new();
            builder
                .timer(hyper_util::rt::TokioTimer::new())
                .header_read_timeout(header_read_timeout);
            let connection =
                builder.serve_connection(hyper_util::rt::TokioIo::new(stream), service);
            let mut connection = std::pin::pin!(connection);
            tokio::select! {
                result = connection.as_mut() => {
                    if let Err(error) = result {
                        tracing::debug!(%error, "connection ended");
                    }
                }
                _ = async { closing_watch.wait_for(|closing| *closing).await.is_ok() } => {
                    connection.as_mut().graceful_shutdown();
                    let _ = connection.await;
                }
            }
        });
    }
    let _ = closing.send(true);
    // Every connection holds a permit until it ends.
    let _ = connections.acquire_many(MAX_CONNECTIONS as u32).await;
}

/// The configured keys, deduplicated ([`DEV_KEY`] when there are none), each checked for shape.
fn checked_keys(config: &Config) -> Result<Vec<String>, Error> {
    let mut keys = if config.keys.is_empty() {
        vec![DEV_KEY.to_owned()]
    } else {
        config.keys.clone()
    };
    keys.dedup();
    if let Some((index, bad)) = keys.iter().enumerate().find(|(_, k)| !is_key_shaped(k)) {
        // A malformed key may still be a real key with a typo: never echo it.
        return Err(Error::BadKey(format!(
            "key {} of {} ({} characters)",
            index + 1,
            keys.len(),
            bad.chars().count()
        )));
    }
    Ok(keys)
}

/// The shared state of a server answering at `http://127.0.0.1:{port}`: each key's project with the configured
/// templates published (and, with a data directory, its state restored), and the ids of the
/// restored renders that still have to run.
fn build_app(config: Config, keys: &[String], port: u16) -> Result<(app::App, Vec<String>), Error> {
    let url = format!("http://127.0.0.1:{port}");
    let store = store::Store::default();
    let data_dir_error = |message: String| Error::DataDir {
        path: config
            .data_dir
            .as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_default(),
        message,
    };
    let persist = match &config.data_dir {
        Some(dir) => Some(Arc::new(
            persist::Persist::open(dir).map_err(data_dir_error)?,
        )),
        None => None,
    };
    let mut unfinished = Vec::new();
    {
        let mut inner = store.lock();
        for key in keys {
            let project = inner.projects.entry(key.clone()).or_default();
            for manifest in &config.templates {
                let tree = manifest.tree().map_err(|e| Error::Template {
                    path: manifest.slug.clone(),
                    message: e.to_string(),
                })?;
                let entry = project.templates.entry(manifest.slug.clone()).or_default();
                entry
                    .published
                    .insert(manifest.version.max(1), Arc::new(tree));
            }
            if let Some(persist) = &persist {
                unfinished.extend(persist.restore(&mut inner, key).map_err(data_dir_error)?);
            }
        }
    }
    let recorder = recorder::Recorder::new(config.log_requests.as_ref(), config.record_budget)
        .map_err(|source| Error::RequestLog {
            path: config
                .log_requests
                .as_ref()
                .map(|p| p.display().to_string())
                .unwrap_or_default(),
            source,
        })?;
    let deliveries =
        delivery::Deliveries::new(config.delivery_log_capacity, config.delivery_log.as_deref())
            .map_err(|source| Error::DeliveryLog {
                path: config
                    .delivery_log
                    .as_ref()
                    .map(|p| p.display().to_string())
                    .unwrap_or_default(),
                source,
            })?;
    let app = app::App {
        deliveries: Arc::new(deliveries),
        recorder: Arc::new(recorder),
        faults: Arc::new(faults::Faults::new(
            config.faults.clone(),
            config.fault_seed,
        )),
        workers: Arc::new(Semaphore::new(config.workers.max(1))),
        base_url: url,
        http: {
            install_crypto_provider();
            // A redirect is an answer that is not 2xx, retried as any other: never followed.
            reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .map_err(|e| Error::WebhookClient(e.to_string()))?
        },
        rate_windows: Arc::new(Mutex::new(Default::default())),
        allowed_hosts: Arc::new(http::AllowedHosts::new(port, &config.allowed_hosts)),
        assets: match &config.fetch_assets {
            Some(settings) => Some(assets::Fetcher::new(settings.clone()).map_err(Error::Assets)?),
            None => None,
        },
        persist,
        store: Arc::new(store),
        config: Arc::new(config),
    };
    Ok((app, unfinished))
}

/// The server's router, in-process and without a listener, for the fuzz targets and their
/// regression tests (`fuzz/`): send it requests with `tower::ServiceExt::oneshot` inside a
/// Tokio runtime. Accepted renders are queued on that runtime's workers as in a running
/// server. Not part of the supported API.
#[doc(hidden)]
pub fn router_for_fuzzing(config: Config) -> Result<axum::Router, Error> {
    let keys = checked_keys(&config)?;
    let port = config.port;
    let (app, _unfinished) = build_app(config, &keys, port)?;
    Ok(http::router(app))
}

/// The API contract as an OpenAPI 3.1 document, in JSON: what `GET /v1/openapi.json` serves
/// (no key needed). It is `openapi.yaml` of this crate, converted at build time; generate a
/// client for another language from it, or check a server against it.
///
/// ```
/// let document: serde_json::Value = serde_json::from_str(craftkit_devserver::openapi_json())?;
/// assert_eq!(document["openapi"], "3.1.0");
/// # Ok::<(), serde_json::Error>(())
/// ```
pub fn openapi_json() -> &'static str {
    http::OPENAPI_JSON
}

/// Reads every `*.json` file of `dir` as a manifest, in file-name order.
pub fn load_templates(dir: impl AsRef<Path>) -> Result<Vec<Manifest>, Error> {
    let dir = dir.as_ref();
    let error = |path: &Path, message: String| Error::Template {
        path: path.display().to_string(),
        message,
    };
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .map_err(|e| error(dir, e.to_string()))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    paths.sort();
    paths
        .iter()
        .map(|path| {
            let text = std::fs::read_to_string(path).map_err(|e| error(path, e.to_string()))?;
            Manifest::from_json(&text).map_err(|e| error(path, e.to_string()))
        })
        .collect()
}

/// Makes rustls's `ring` provider the process's default, unless one is installed already:
/// reqwest (built without a provider of its own) panics without one.
///
/// rustls 0.23.48 deprecated `ring::default_provider` because *ring* has no post-quantum key
/// exchange; the first-party provider that has one, aws-lc-rs, needs a C and CMake build that
/// this project refuses (`deny.toml` bans `aws-lc-sys`). *ring* stays on purpose, and the
/// deprecation is allowed at this one call.
pub(crate) fn install_crypto_provider() {
    if rustls::crypto::CryptoProvider::get_default().is_none() {
        #[allow(deprecated)]
        let provider = rustls::crypto::ring::default_provider();
        let _ = provider.install_default();
    }
}
