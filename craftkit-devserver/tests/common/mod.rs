//! The harness shared by the black-box contract tests: a server started in-process on an
//! ephemeral loopback port, a plain blocking HTTP client (`ureq`) that checks answers against
//! `spec/api.md`, a poller for renders, and a webhook receiver on 127.0.0.1.
//!
//! The tests talk HTTP only (no Craftkit client): what they assert is the contract, so that
//! the server and the client are each checked against the spec on their own.

// Each test file uses a different part of the harness.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use craftkit_devserver::{Config, DevServer, WebhookEndpoint};
use serde_json::{Value, json};
use ureq::http;

/// The key of the project most tests use (`ck_test_` + 24 or more letters).
pub const KEY: &str = "ck_test_contractsuiteprojectalpha";
/// A second project, to check that one key never sees another project's objects.
pub const OTHER_KEY: &str = "ck_test_contractsuiteprojectbravo";
/// Well-formed, but not a key the server knows.
pub const UNKNOWN_KEY: &str = "ck_test_contractsuiteunknownkeyzz";
/// The fixture template the render tests use.
pub const SLUG: &str = "charter-handover";
/// Its published version in `fixtures/manifests`.
pub const SLUG_VERSION: u64 = 12;
/// The slugs of `fixtures/manifests`, sorted.
pub const FIXTURE_SLUGS: [&str; 4] = ["charter-handover", "invoice", "kitchen-sink", "lease-form"];
/// The render statuses of the contract: a closed enum.
pub const STATUSES: [&str; 4] = ["queued", "rendering", "succeeded", "failed"];

/// How long any poll may wait before the test fails.
const DEADLINE: Duration = Duration::from_secs(10);

/// `tests/fixtures/<rel>`.
pub fn fixture_path(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(rel)
}

/// A fixture file as text.
pub fn fixture_text(rel: &str) -> String {
    let path = fixture_path(rel);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A fixture file as JSON.
pub fn fixture_json(rel: &str) -> Value {
    serde_json::from_str(&fixture_text(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// `fixtures/payloads/charter-handover.valid.json`.
pub fn valid_data() -> Value {
    fixture_json("payloads/charter-handover.valid.json")
}

/// `fixtures/payloads/charter-handover.invalid.json`.
pub fn invalid_data() -> Value {
    fixture_json("payloads/charter-handover.invalid.json")
}

/// A valid `data` object for the `invoice` fixture template (a second endpoint).
pub fn invoice_data() -> Value {
    json!({
        "number": "INV-2026-0042",
        "issued_on": "2026-10-01",
        "due_on": "2026-10-31",
        "currency": "EUR",
        "seller": {"name": "Seller", "address": {"street": "1 Quay", "city": "Split", "postcode": "21000", "country": "HR"}},
        "buyer": {"name": "Buyer", "address": {"street": "2 Pier", "city": "Zadar", "country": "HR"}},
        "lines": [{"description": "Charter week", "quantity": 1, "unit_price": 4200}],
        "totals": {"net": 4200, "tax": 1050, "gross": 5250}
    })
}

/// A render request body.
pub fn render_body(data: Value, options: Value) -> Value {
    json!({"data": data, "options": options})
}

/// The render request the tests send most: the valid fixture, no options.
pub fn valid_body() -> Value {
    json!({"data": valid_data()})
}

/// The path of a render call.
pub fn render_path(slug: &str) -> String {
    format!("/v1/templates/{slug}/render")
}

/// A test configuration: both projects, the fixture templates, short delays.
pub fn config() -> Config {
    Config {
        keys: vec![KEY.to_owned(), OTHER_KEY.to_owned()],
        templates: craftkit_devserver::load_templates(fixture_path("manifests"))
            .expect("the fixture manifests load"),
        render_delay: Duration::from_millis(20),
        webhook_backoff: Duration::from_millis(20),
        ..Config::default()
    }
}

/// [`config`], changed by `change`.
pub fn config_with(change: impl FnOnce(&mut Config)) -> Config {
    let mut config = config();
    change(&mut config);
    config
}

/// A server running in-process on its own multi-thread runtime, and a client for it.
pub struct Server {
    runtime: Option<tokio::runtime::Runtime>,
    server: Option<DevServer>,
    agent: ureq::Agent,
}

impl Server {
    /// A server with [`config`].
    pub fn start() -> Server {
        Server::with(config())
    }

    /// A server with `config`.
    pub fn with(config: Config) -> Server {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("a tokio runtime");
        let server = runtime
            .block_on(DevServer::start(config))
            .expect("the server starts");
        assert!(
            server.url().starts_with("http://127.0.0.1:"),
            "{}",
            server.url()
        );
        Server {
            runtime: Some(runtime),
            server: Some(server),
            agent: agent(),
        }
    }

    /// The running server.
    pub fn dev(&self) -> &DevServer {
        self.server.as_ref().expect("running")
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> &str {
        self.dev().url()
    }

    /// How many renders the project of `key` holds.
    pub fn render_count(&self, key: &str) -> usize {
        self.dev().render_count(key)
    }

    /// A call to `path` (relative to the server) with [`KEY`].
    pub fn call(&self, method: http::Method, path: &str) -> Call<'_> {
        Call {
            agent: &self.agent,
            method,
            url: format!("{}{path}", self.url()),
            authorization: Some(format!("Bearer {KEY}")),
            headers: Vec::new(),
            body: None,
        }
    }

    /// `GET path` with [`KEY`].
    pub fn get(&self, path: &str) -> Call<'_> {
        self.call(http::Method::GET, path)
    }

    /// `POST path` with [`KEY`].
    pub fn post(&self, path: &str) -> Call<'_> {
        self.call(http::Method::POST, path)
    }

    /// `DELETE path` with [`KEY`].
    pub fn delete(&self, path: &str) -> Call<'_> {
        self.call(http::Method::DELETE, path)
    }

    /// `GET` of an absolute URL (a `downloadUrl` or a share URL) without any key.
    pub fn get_url(&self, url: &str) -> Call<'_> {
        Call {
            agent: &self.agent,
            method: http::Method::GET,
            url: url.to_owned(),
            authorization: None,
            headers: Vec::new(),
            body: None,
        }
    }

    /// `POST /v1/templates/charter-handover/render` with `body` and [`KEY`].
    pub fn render(&self, body: &Value) -> Reply {
        self.post(&render_path(SLUG)).json(body).send()
    }

    /// Renders `body`, checks the `202`, and returns the render's id.
    pub fn render_accepted(&self, body: &Value) -> String {
        let render = self.render(body).expect(202);
        render["id"].as_str().expect("render id").to_owned()
    }

    /// `GET /v1/renders/:id` with [`KEY`], checked to be a `200`.
    pub fn get_render(&self, id: &str) -> Value {
        self.get(&format!("/v1/renders/{id}")).send().expect(200)
    }

    /// Polls `GET /v1/renders/:id` until the render is terminal and returns it. Every answer
    /// on the way must carry a status of the closed enum.
    pub fn wait_for_terminal(&self, id: &str) -> Value {
        let started = Instant::now();
        loop {
            let render = self.get_render(id);
            let status = render["status"].as_str().unwrap_or_default();
            assert!(
                STATUSES.contains(&status),
                "status outside the enum: {render}"
            );
            if status == "succeeded" || status == "failed" {
                return render;
            }
            assert!(
                started.elapsed() < DEADLINE,
                "render {id} not terminal after {DEADLINE:?}: {render}"
            );
            thread::sleep(Duration::from_millis(10));
        }
    }

    /// Renders the valid fixture with `options`, waits, and returns the succeeded render.
    pub fn succeeded_render(&self, options: Value) -> Value {
        let id = self.render_accepted(&render_body(valid_data(), options));
        let render = self.wait_for_terminal(&id);
        assert_eq!(render["status"], "succeeded", "{render}");
        render
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let Some(runtime) = self.runtime.take() else {
            return;
        };
        if let Some(server) = self.server.take() {
            let _ = runtime.block_on(async {
                tokio::time::timeout(Duration::from_secs(2), server.stop()).await
            });
        }
        runtime.shutdown_timeout(Duration::from_secs(1));
    }
}

/// A fresh connection for every call: a dropped connection (an injected fault) then cannot
/// leak into the next call.
fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(30)))
        .max_idle_connections(0)
        .max_idle_connections_per_host(0)
        .max_redirects(0)
        .build()
        .into()
}

/// One HTTP call being built.
pub struct Call<'a> {
    agent: &'a ureq::Agent,
    method: http::Method,
    url: String,
    /// The whole `Authorization` header value, if any.
    authorization: Option<String>,
    headers: Vec<(String, String)>,
    body: Option<Vec<u8>>,
}

impl Call<'_> {
    /// Authenticates with `key` instead of [`KEY`].
    pub fn key(mut self, key: &str) -> Self {
        self.authorization = Some(format!("Bearer {key}"));
        self
    }

    /// Sends no `Authorization` header.
    pub fn no_key(mut self) -> Self {
        self.authorization = None;
        self
    }

    /// Sends this exact `Authorization` header.
    pub fn authorization(mut self, value: &str) -> Self {
        self.authorization = Some(value.to_owned());
        self
    }

    /// Adds a header.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Adds `Idempotency-Key`.
    pub fn idempotency_key(self, key: &str) -> Self {
        self.header("Idempotency-Key", key)
    }

    /// A JSON body with `Content-Type: application/json`.
    pub fn json(self, body: &Value) -> Self {
        self.raw(
            Some("application/json"),
            serde_json::to_vec(body).expect("JSON"),
        )
    }

    /// A body of these bytes, with this `Content-Type` (or none).
    pub fn raw(mut self, content_type: Option<&str>, body: impl Into<Vec<u8>>) -> Self {
        if let Some(content_type) = content_type {
            self.headers
                .push(("Content-Type".to_owned(), content_type.to_owned()));
        }
        self.body = Some(body.into());
        self
    }

    /// Sends the call; a transport error (no complete answer) fails the test.
    pub fn send(self) -> Reply {
        let what = format!("{} {}", self.method, self.url);
        self.try_send()
            .unwrap_or_else(|e| panic!("{what}: no complete answer: {e}"))
    }

    /// Sends the call and reads the whole answer; `Err` when no complete answer arrived.
    pub fn try_send(self) -> Result<Reply, String> {
        let mut request = http::Request::builder().method(self.method).uri(&self.url);
        if let Some(authorization) = &self.authorization {
            request = request.header("Authorization", authorization);
        }
        for (name, value) in &self.headers {
            request = request.header(name, value);
        }
        let response = match self.body {
            Some(body) => self.agent.run(request.body(body).expect("a request")),
            None => self.agent.run(request.body(()).expect("a request")),
        };
        let mut response = response.map_err(|e| e.to_string())?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response
            .body_mut()
            .with_config()
            .limit(64 * 1024 * 1024)
            .read_to_vec()
            .map_err(|e| format!("{status} answered, then the body failed: {e}"))?;
        Ok(Reply {
            status,
            headers,
            body,
        })
    }
}

/// A complete answer.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: http::HeaderMap,
    pub body: Vec<u8>,
}

impl Reply {
    /// A header as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The body as (lossy) text, for messages.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body as JSON.
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "{}: the body is not JSON ({e}): {:?}",
                self.status,
                self.text()
            )
        })
    }

    /// Checks the status and returns the JSON body (`null` when the body is empty or not
    /// JSON, such as a PDF).
    #[track_caller]
    pub fn expect(&self, status: u16) -> Value {
        assert_eq!(
            self.status,
            status,
            "expected {status}, got {}: {}",
            self.status,
            self.text()
        );
        let is_json = self
            .header("content-type")
            .is_some_and(|c| c.starts_with("application/json"));
        if self.body.is_empty() || !is_json {
            Value::Null
        } else {
            self.json()
        }
    }

    /// The `Request-Id` header, which every answer carries.
    #[track_caller]
    pub fn request_id(&self) -> &str {
        let id = self
            .header("request-id")
            .unwrap_or_else(|| panic!("{}: no Request-Id header: {:?}", self.status, self.headers));
        assert!(!id.trim().is_empty(), "empty Request-Id");
        id
    }

    /// Checks a complete error answer of the contract: the status, the JSON envelope
    /// (`error.type`, `error.message`, optional `error.details`), and `error.requestId`
    /// equal to the `Request-Id` header. Returns the `error` object.
    #[track_caller]
    pub fn expect_error(&self, status: u16, kind: &str) -> Value {
        let error = self.expect_error_kind(status, kind);
        let header = self.request_id().to_owned();
        assert_eq!(
            error["requestId"].as_str(),
            Some(header.as_str()),
            "error.requestId must be the Request-Id header: {error}"
        );
        error
    }

    /// [`expect_error`](Reply::expect_error) without the `requestId` check.
    #[track_caller]
    pub fn expect_error_kind(&self, status: u16, kind: &str) -> Value {
        assert_eq!(
            self.status,
            status,
            "expected {status}, got {}: {}",
            self.status,
            self.text()
        );
        let content_type = self.header("content-type").unwrap_or_default();
        assert!(
            content_type.starts_with("application/json"),
            "an error body is JSON, got Content-Type {content_type:?}: {:?}",
            self.text()
        );
        let body = self.json();
        let error = body["error"].clone();
        assert!(error.is_object(), "no `error` object: {body}");
        assert_eq!(error["type"], kind, "{body}");
        assert!(
            error["message"].as_str().is_some_and(|m| !m.is_empty()),
            "error.message must be a non-empty string: {body}"
        );
        match &error["details"] {
            Value::Null => {}
            Value::Array(details) => {
                for detail in details {
                    for field in ["path", "code", "message"] {
                        assert!(detail[field].is_string(), "detail without {field}: {body}");
                    }
                }
            }
            other => panic!("error.details must be an array: {other}"),
        }
        error
    }

    /// `Retry-After` in seconds (may be fractional).
    pub fn retry_after(&self) -> Option<f64> {
        self.header("retry-after").map(|v| {
            v.trim()
                .parse::<f64>()
                .unwrap_or_else(|_| panic!("Retry-After is not seconds: {v:?}"))
        })
    }
}

/// The `(path, code)` pairs of an error's details.
pub fn detail_pairs(error: &Value) -> Vec<(String, String)> {
    let mut pairs: Vec<(String, String)> = error["details"]
        .as_array()
        .map(|details| {
            details
                .iter()
                .map(|d| {
                    (
                        d["path"].as_str().unwrap_or_default().to_owned(),
                        d["code"].as_str().unwrap_or_default().to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    pairs.sort();
    pairs
}

/// Checks that `value` is an RFC 3339 timestamp with an offset (`2026-11-24T10:02:11.204Z`).
#[track_caller]
pub fn assert_timestamp(value: &Value) {
    let text = value
        .as_str()
        .unwrap_or_else(|| panic!("a timestamp is a string: {value}"));
    let b = text.as_bytes();
    let digits = |range: std::ops::Range<usize>| {
        b.get(range)
            .is_some_and(|d| d.iter().all(u8::is_ascii_digit))
    };
    let mut ok = b.len() >= 20
        && digits(0..4)
        && b[4] == b'-'
        && digits(5..7)
        && b[7] == b'-'
        && digits(8..10)
        && (b[10] == b'T' || b[10] == b't')
        && digits(11..13)
        && b[13] == b':'
        && digits(14..16)
        && b[16] == b':'
        && digits(17..19);
    if ok {
        let mut rest = &text[19..];
        if let Some(fraction) = rest.strip_prefix('.') {
            let n = fraction.bytes().take_while(u8::is_ascii_digit).count();
            ok &= n > 0;
            rest = &fraction[n..];
        }
        let rb = rest.as_bytes();
        ok &= rest == "Z"
            || rest == "z"
            || (rb.len() == 6
                && (rb[0] == b'+' || rb[0] == b'-')
                && rb[1..3].iter().all(u8::is_ascii_digit)
                && rb[3] == b':'
                && rb[4..6].iter().all(u8::is_ascii_digit));
    }
    assert!(ok, "not an RFC 3339 timestamp: {text:?}");
}

/// Whether `text` is `prefix` followed by at least `min` base62 characters.
pub fn is_prefixed_base62(text: &str, prefix: &str, min: usize) -> bool {
    text.strip_prefix(prefix)
        .is_some_and(|rest| rest.len() >= min && rest.bytes().all(|b| b.is_ascii_alphanumeric()))
}

/// An HTTP request a [`Receiver`] got.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub method: String,
    pub path: String,
    /// Names in lower case, in the order received.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Delivery {
    /// A header (name in any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The body as JSON.
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "webhook body is not JSON ({e}): {}",
                String::from_utf8_lossy(&self.body)
            )
        })
    }
}

/// A webhook endpoint on 127.0.0.1: a thread that answers HTTP/1.1 and records every
/// request. The n-th request is answered with the n-th status of its script, later ones
/// with `200`.
pub struct Receiver {
    pub url: String,
    addr: SocketAddr,
    deliveries: Arc<Mutex<Vec<Delivery>>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Receiver {
    /// Starts a receiver; `script` are the statuses of its first answers.
    pub fn start(script: Vec<u16>) -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the receiver");
        let addr = listener.local_addr().expect("receiver address");
        let deliveries = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let deliveries = deliveries.clone();
            let stop = stop.clone();
            thread::spawn(move || {
                for stream in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        return;
                    }
                    let Ok(stream) = stream else { continue };
                    let Some(delivery) = read_request(&stream) else {
                        continue;
                    };
                    let status = {
                        let mut deliveries = deliveries.lock().unwrap();
                        deliveries.push(delivery);
                        script.get(deliveries.len() - 1).copied().unwrap_or(200)
                    };
                    let mut stream = stream;
                    let _ = write!(
                        stream,
                        "HTTP/1.1 {status} Scripted\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                    );
                    let _ = stream.flush();
                }
            })
        };
        Receiver {
            url: format!("http://{addr}/hooks/craftkit"),
            addr,
            deliveries,
            stop,
            thread: Some(thread),
        }
    }

    /// What it received so far.
    pub fn deliveries(&self) -> Vec<Delivery> {
        self.deliveries.lock().unwrap().clone()
    }

    /// Waits until at least `n` requests arrived (fails the test after a deadline).
    pub fn wait_for(&self, n: usize) -> Vec<Delivery> {
        let started = Instant::now();
        loop {
            let got = self.deliveries();
            if got.len() >= n {
                return got;
            }
            assert!(
                started.elapsed() < DEADLINE,
                "the receiver got {} of {n} deliveries in {DEADLINE:?}",
                got.len()
            );
            thread::sleep(Duration::from_millis(10));
        }
    }

    /// This receiver as a webhook endpoint with `secret`.
    pub fn endpoint(&self, secret: &str) -> WebhookEndpoint {
        WebhookEndpoint {
            url: self.url.clone(),
            secret: secret.to_owned(),
            previous_secret: None,
        }
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so that it sees the flag.
        let _ = TcpStream::connect(self.addr);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Reads one HTTP/1.1 request with a `Content-Length` body.
fn read_request(stream: &TcpStream) -> Option<Delivery> {
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_owned();
    let path = parts.next()?.to_owned();
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).ok()?;
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        let (name, value) = line.split_once(':')?;
        headers.push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
    }
    let length = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .and_then(|(_, v)| v.parse::<usize>().ok())
        .unwrap_or(0);
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    Some(Delivery {
        method,
        path,
        headers,
        body,
    })
}
