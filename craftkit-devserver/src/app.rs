//! The state every handler shares.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::Semaphore;

use crate::api_error::Failure;
use crate::config::Config;
use crate::faults::Faults;
use crate::persist::{Change, Persist};
use crate::store::Store;

#[derive(Clone)]
pub(crate) struct App {
    pub config: Arc<Config>,
    pub store: Arc<Store>,
    pub faults: Arc<Faults>,
    pub workers: Arc<Semaphore>,
    /// `http://127.0.0.1:PORT`: the base of public download and share URLs.
    pub base_url: String,
    /// For webhook deliveries.
    pub http: reqwest::Client,
    /// Per project key: the start of the current one-second window and the requests in it.
    pub rate_windows: Arc<Mutex<HashMap<String, (Instant, u32)>>>,
    /// The data directory, when state outlives the process.
    pub persist: Option<Arc<Persist>>,
    /// Every API request, for tests.
    pub recorder: Arc<crate::recorder::Recorder>,
    /// The `Host` values accepted, lowercase (see `http::host`).
    pub allowed_hosts: Arc<crate::http::AllowedHosts>,
    /// Fetches linked images before a render, with `--fetch-assets`.
    pub assets: Option<crate::assets::Fetcher>,
    /// Webhook deliveries in flight, and the log of their attempts.
    pub deliveries: Arc<crate::delivery::Deliveries>,
}

impl App {
    /// When the project of `key` (an authenticated key: there are as many windows as
    /// projects) has used its requests of the current second: the seconds until the next
    /// second's window opens, to the microsecond (`429 rate_limited` with that `Retry-After`).
    pub fn rate_limit(&self, key: &str) -> Option<f64> {
        let limit = self.config.rate_limit?;
        let mut windows = self.rate_windows.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        let window = windows.entry(key.to_owned()).or_insert((now, 0));
        if now.duration_since(window.0).as_secs_f64() >= 1.0 {
            *window = (now, 0);
        }
        window.1 += 1;
        if window.1 <= limit {
            return None;
        }
        // To the microsecond, rounded up: a client that comes back after exactly this long
        // finds the new window open, and loses none of it.
        let left = Duration::from_secs(1).saturating_sub(now.duration_since(window.0));
        Some(left.as_nanos().div_ceil(1_000).max(1) as f64 / 1_000_000.0)
    }
}

/// Writing acknowledged state to `--data-dir` (nothing without one).
impl App {
    /// Writes `changes` of the project of `key` as one transaction. Called with the store's
    /// lock held and before the change is made in memory, so that memory and the database
    /// change in the same order and a change that cannot be stored is a `500` that changed
    /// nothing.
    pub fn commit(&self, key: &str, changes: &[Change<'_>]) -> Result<(), Failure> {
        let Some(persist) = &self.persist else {
            return Ok(());
        };
        persist.commit(key, changes).map_err(|error| {
            tracing::error!(%error, "cannot write to the data directory");
            Failure::server_error(axum::http::StatusCode::INTERNAL_SERVER_ERROR)
        })
    }

    /// Stores the PDF of `render_id`, before its render says `succeeded`.
    pub fn save_pdf(&self, render_id: &str, pdf: &[u8]) -> std::io::Result<()> {
        match &self.persist {
            Some(persist) => persist.save_pdf(render_id, pdf),
            None => Ok(()),
        }
    }
}
