//! What the server examples share: an in-process server with the fixture templates and no
//! render delay, a render loop over plain reqwest (POST, then poll every 2 ms), and the
//! charter hand-over payloads (the one-page fixture, and one with enough inspected areas for
//! a given page count).

// Each example uses a different part.
#![allow(dead_code)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use craftkit_devserver::{Config, DevServer};
use futures_util::StreamExt;
use serde_json::{Value, json};

/// The fixture template every example renders.
pub const SLUG: &str = "charter-handover";

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");

/// A server with the fixture templates, no render delay and one worker per core.
pub async fn start() -> DevServer {
    let config = Config {
        templates: craftkit_devserver::load_templates(format!("{FIXTURES}/manifests"))
            .expect("the fixture manifests load"),
        render_delay: Duration::ZERO,
        workers: cores(),
        ..Config::default()
    };
    DevServer::start(config).await.expect("the server starts")
}

/// The cores this process may use.
pub fn cores() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get())
}

/// `charter-handover.valid.json`: a one-page hand-over.
pub fn one_page_data() -> Value {
    let text = std::fs::read_to_string(format!("{FIXTURES}/payloads/charter-handover.valid.json"))
        .expect("the payload fixture reads");
    serde_json::from_str(&text).expect("the payload fixture is JSON")
}

/// The one-page hand-over with `rows` inspected areas instead of two.
pub fn data_with_areas(rows: usize) -> Value {
    const CONDITIONS: [&str; 4] = ["ok", "worn", "damaged", "missing"];
    let mut data = one_page_data();
    data["areas"] = (0..rows)
        .map(|i| {
            json!({
                "name": format!("Area {}", i + 1),
                "condition": CONDITIONS[i % CONDITIONS.len()],
                "notes": "Checked at hand-over; see the photo log.",
            })
        })
        .collect();
    data
}

/// A client of `server` that renders and waits over plain HTTP.
#[derive(Clone)]
pub struct Renderer {
    http: reqwest::Client,
    base: String,
    auth: String,
}

impl Renderer {
    /// A renderer talking to `server` with its first key.
    pub fn new(server: &DevServer) -> Renderer {
        Renderer {
            http: reqwest::Client::new(),
            base: server.url().to_owned(),
            auth: format!("Bearer {}", server.keys()[0]),
        }
    }

    /// POSTs a render of `body` (a whole `{"data": ...}` request) with `idempotency_key` and
    /// polls it every 2 ms until it succeeds; the succeeded render.
    pub async fn render(&self, body: Arc<Vec<u8>>, idempotency_key: String) -> Value {
        let created: Value = self
            .http
            .post(format!("{}/v1/templates/{SLUG}/render", self.base))
            .header("authorization", &self.auth)
            .header("content-type", "application/json")
            .header("idempotency-key", idempotency_key)
            .body(body.as_ref().clone())
            .send()
            .await
            .expect("the server answers")
            .json()
            .await
            .expect("the answer is JSON");
        let id = created["id"]
            .as_str()
            .unwrap_or_else(|| panic!("not accepted: {created}"))
            .to_owned();
        loop {
            let render: Value = self
                .http
                .get(format!("{}/v1/renders/{id}", self.base))
                .header("authorization", &self.auth)
                .send()
                .await
                .expect("the server answers")
                .json()
                .await
                .expect("the answer is JSON");
            match render["status"].as_str() {
                Some("succeeded") => return render,
                Some("failed") => panic!("render failed: {render}"),
                _ => tokio::time::sleep(Duration::from_millis(2)).await,
            }
        }
    }

    /// The PDF of a succeeded render.
    pub async fn download(&self, id: &str) -> Vec<u8> {
        self.http
            .get(format!("{}/v1/renders/{id}/download", self.base))
            .header("authorization", &self.auth)
            .send()
            .await
            .expect("the server answers")
            .bytes()
            .await
            .expect("the PDF arrives")
            .to_vec()
    }

    /// Renders `body` `count` times, `concurrency` at a time, keeping only a summary (so that
    /// the caller holds no answers while memory is measured).
    pub async fn batch(
        &self,
        body: &Arc<Vec<u8>>,
        count: usize,
        concurrency: usize,
        tag: &str,
    ) -> Batch {
        let started = Instant::now();
        let mut batch = Batch {
            renders: count,
            pages: 0,
            bytes: 0,
            last_id: String::new(),
            elapsed: Duration::ZERO,
        };
        let mut done = futures_util::stream::iter(0..count)
            .map(|i| async move {
                let render = self.render(body.clone(), format!("{tag}-{i}")).await;
                (
                    render["pages"].as_u64().unwrap_or(0),
                    render["bytes"].as_u64().unwrap_or(0),
                    render["id"].as_str().unwrap_or_default().to_owned(),
                )
            })
            .buffer_unordered(concurrency);
        while let Some((pages, bytes, id)) = done.next().await {
            batch.pages += pages;
            batch.bytes += bytes;
            batch.last_id = id;
        }
        batch.elapsed = started.elapsed();
        batch
    }
}

/// What a batch of renders came to.
pub struct Batch {
    /// How many renders succeeded.
    pub renders: usize,
    /// Their pages.
    pub pages: u64,
    /// Their PDFs' bytes.
    pub bytes: u64,
    /// The id of the last one.
    pub last_id: String,
    /// How long the batch took.
    pub elapsed: Duration,
}

/// `{"data": data}` as bytes.
pub fn body(data: Value) -> Arc<Vec<u8>> {
    Arc::new(serde_json::to_vec(&json!({ "data": data })).expect("JSON serializes"))
}
