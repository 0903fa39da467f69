//! The harness shared by the client's end-to-end tests: a `craftkit-devserver` started
//! in-process on an ephemeral loopback port with the workspace's manifest cache, clients with
//! fast polling (and, for fault tests, fast retries), the typed `charter-handover` payload
//! built from the workspace's valid fixture, and small helpers (temporary directories, PDF
//! checks).

// Each test file uses a different part of the harness.
#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use craftkit_devserver::{Config, DevServer};
use craftkit_runtime::client::{Client, RetryPolicy, WaitOptions};
use serde_json::Value;

/// The key of the project most tests use (`ck_test_` and 24 or more letters and digits).
pub const KEY: &str = "ck_test_clientsuiteprojectalpha0001";
/// A second project: it must never see the first one's objects.
pub const OTHER_KEY: &str = "ck_test_clientsuiteprojectbravo0002";
/// Well-formed, but not a key the server knows.
pub const UNKNOWN_KEY: &str = "ck_test_clientsuiteunknownkeyzz0003";
/// The template the render tests use.
pub const SLUG: &str = "charter-handover";
/// Its published version in `.craftkit/manifests`.
pub const SLUG_VERSION: u64 = 12;
/// The slugs of `.craftkit/manifests`, sorted.
pub const CACHED_SLUGS: [&str; 4] = ["charter-handover", "invoice", "kitchen-sink", "lease-form"];

/// The charter hand-over payload type, generated from `.craftkit/manifests/charter-handover.json`.
#[craftkit_runtime::craftkit_template("charter-handover")]
pub struct CharterHandover;

/// A path relative to the workspace root.
pub fn workspace_path(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(rel)
}

/// A JSON file of the workspace.
pub fn workspace_json(rel: &str) -> Value {
    let path = workspace_path(rel);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// `tests/fixtures/payloads/charter-handover.valid.json`: valid `data` for `charter-handover`.
pub fn valid_data() -> Value {
    workspace_json("tests/fixtures/payloads/charter-handover.valid.json")
}

/// The valid fixture as the typed payload.
pub fn valid_payload() -> CharterHandover {
    payload_from(valid_data())
}

/// A typed payload from JSON data (the type holds what its bounds reject: `validate` finds it).
pub fn payload_from(data: Value) -> CharterHandover {
    serde_json::from_value(data).expect("the data deserializes into CharterHandover")
}

/// The cached manifest of `slug` as JSON.
pub fn cached_manifest(slug: &str) -> Value {
    workspace_json(&format!(".craftkit/manifests/{slug}.json"))
}

/// A server config: the project of [`KEY`], the cached manifests published, 15 ms renders.
pub fn config() -> Config {
    let templates = craftkit_devserver::load_templates(workspace_path(".craftkit/manifests"))
        .expect("the workspace's manifest cache loads");
    Config {
        keys: vec![KEY.to_owned()],
        templates,
        render_delay: Duration::from_millis(15),
        ..Config::default()
    }
}

/// Starts a server in-process on an ephemeral port.
pub async fn start(config: Config) -> DevServer {
    DevServer::start(config)
        .await
        .expect("the devserver starts")
}

/// Starts a server with [`config`].
pub async fn start_default() -> DevServer {
    start(config()).await
}

/// Polling fit for 15 ms renders: every 10 to 50 ms, at most 10 s.
pub fn fast_wait() -> WaitOptions {
    WaitOptions::default()
        .with_deadline(Duration::from_secs(10))
        .with_initial_interval(Duration::from_millis(10))
        .with_max_interval(Duration::from_millis(50))
}

/// Retries fit for injected faults: 6 retries, backoff from 5 ms to at most 50 ms.
pub fn fast_retry() -> RetryPolicy {
    RetryPolicy::default()
        .with_max_retries(6)
        .with_initial_backoff(Duration::from_millis(5))
        .with_max_backoff(Duration::from_millis(50))
        .with_max_retry_after(Duration::from_secs(5))
}

/// A client of `server` with [`KEY`], fast polling and fast retries.
pub fn client(server: &DevServer) -> Client {
    client_with(server, KEY, fast_retry())
}

/// A client of `server` with `key` and `retry`, and fast polling.
pub fn client_with(server: &DevServer, key: &str, retry: RetryPolicy) -> Client {
    Client::builder()
        .key(key)
        .base_url(server.url())
        .retry_policy(retry)
        .wait_options(fast_wait())
        .build()
        .expect("the client builds")
}

/// A fresh empty directory under the system's temporary directory.
pub fn temp_dir(name: &str) -> PathBuf {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let dir = std::env::temp_dir().join(format!(
        "craftkit-client-tests-{}-{name}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::SeqCst)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("the temporary directory is created");
    dir
}

/// Whether `bytes` look like a whole PDF file.
pub fn is_pdf(bytes: &[u8]) -> bool {
    bytes.starts_with(b"%PDF-") && bytes.windows(5).rev().take(64).any(|w| w == b"%%EOF")
}

/// A loopback URL on which nothing listens (the port was free a moment ago).
pub fn closed_port_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind an ephemeral port");
    let port = listener.local_addr().expect("its address").port();
    drop(listener);
    format!("http://127.0.0.1:{port}")
}
