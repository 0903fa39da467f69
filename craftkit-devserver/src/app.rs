//! The state every handler shares.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::Semaphore;

use crate::api_error::Failure;
use crate::config::Config;
use crate::faults::Faults;
use crate::persist::{
    Persist, StoredIdempotency, StoredRender, StoredShare, StoredTemplate, unix_seconds,
};
use crate::store::{IdempotencyState, Store};

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
    fn saved(&self, what: &str, result: std::io::Result<()>) -> Result<(), Failure> {
        result.map_err(|error| {
            tracing::error!(%error, what, "cannot write to the data directory");
            Failure::server_error(axum::http::StatusCode::INTERNAL_SERVER_ERROR)
        })
    }

    pub fn persist_render(&self, key: &str, id: &str) -> Result<(), Failure> {
        let Some(persist) = &self.persist else {
            return Ok(());
        };
        let record = {
            let mut store = self.store.lock();
            let Some(entry) = store.project(key)?.renders.get(id) else {
                return Ok(());
            };
            StoredRender {
                render: entry.render.clone(),
                data: entry.data.clone(),
                download_token: entry.download_token.clone(),
                fail: entry.fail,
            }
        };
        self.saved("render", persist.save_render(key, &record))
    }

    pub fn persist_pdf(&self, key: &str, id: &str, pdf: &[u8]) -> Result<(), Failure> {
        let Some(persist) = &self.persist else {
            return Ok(());
        };
        self.saved("pdf", persist.save_pdf(key, id, pdf))
    }

    pub fn persist_template(&self, key: &str, slug: &str) -> Result<(), Failure> {
        let Some(persist) = &self.persist else {
            return Ok(());
        };
        let record = {
            let mut store = self.store.lock();
            let Some(entry) = store.project(key)?.templates.get(slug) else {
                return Ok(());
            };
            StoredTemplate {
                published: entry
                    .published
                    .values()
                    .map(|t| t.manifest().clone())
                    .collect(),
                draft: entry.draft.clone(),
            }
        };
        self.saved("template", persist.save_template(key, slug, &record))
    }

    pub fn persist_share(&self, key: &str, share_id: &str) -> Result<(), Failure> {
        let Some(persist) = &self.persist else {
            return Ok(());
        };
        let record = {
            let store = self.store.lock();
            let token = store
                .share_tokens
                .iter()
                .find(|(_, (_, id))| id == share_id)
                .map(|(t, _)| t.clone());
            let share = store
                .projects
                .get(key)
                .and_then(|p| p.shares.get(share_id))
                .map(|s| s.share.clone());
            match (share, token) {
                (Some(share), Some(token)) => StoredShare { share, token },
                _ => return Ok(()),
            }
        };
        self.saved("share", persist.save_share(key, &record))
    }

    pub fn persist_idempotency(&self, key: &str, idempotency_key: &str) -> Result<(), Failure> {
        let Some(persist) = &self.persist else {
            return Ok(());
        };
        let record = {
            let store = self.store.lock();
            let Some(entry) = store
                .projects
                .get(key)
                .and_then(|p| p.idempotency.get(idempotency_key))
            else {
                return Ok(());
            };
            let IdempotencyState::Done(render_id) = &entry.state else {
                return Ok(());
            };
            StoredIdempotency {
                key: idempotency_key.to_owned(),
                fingerprint: entry.fingerprint.clone(),
                render_id: render_id.clone(),
                created: unix_seconds(entry.created),
            }
        };
        self.saved("idempotency record", persist.save_idempotency(key, &record))
    }
}
