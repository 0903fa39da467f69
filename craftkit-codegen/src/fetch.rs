//! Live manifests (feature `fetch`): when the cache lacks a manifest and `CRAFTKIT_API_KEY` is
//! set, the macro and the Builder fetch `GET /v1/templates/:slug` and write it into the cache.
//!
//! The HTTP client is `ureq` (blocking, rustls on ring, no async runtime): a proc-macro runs
//! synchronously inside the compiler, and this keeps what the feature adds to every user's
//! build small. Without the feature, none of it is compiled.

use crate::source::Fetch;
pub use crate::source::{KEY_ENV, OFFLINE_ENV, URL_ENV};

/// Fetches published manifests from the API.
pub struct LiveFetcher {
    base_url: String,
    key: String,
}

impl std::fmt::Debug for LiveFetcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LiveFetcher")
            .field("base_url", &self.base_url)
            .field("key", &"[redacted]")
            .finish()
    }
}

impl LiveFetcher {
    /// A fetcher for `base_url` with `key`.
    pub fn new(base_url: impl Into<String>, key: impl Into<String>) -> LiveFetcher {
        LiveFetcher {
            base_url: base_url.into().trim_end_matches('/').to_owned(),
            key: key.into(),
        }
    }

    /// The fetcher the environment asks for: `None` when `CRAFTKIT_OFFLINE` is true or no key
    /// is set.
    pub fn from_env() -> Option<LiveFetcher> {
        if offline() {
            return None;
        }
        let key = std::env::var(KEY_ENV)
            .ok()
            .filter(|k| !k.trim().is_empty())?;
        let url = std::env::var(URL_ENV).unwrap_or_else(|_| "https://api.craftkit.io".to_owned());
        Some(LiveFetcher::new(url, key.trim()))
    }
}

/// Whether `CRAFTKIT_OFFLINE` is set to a true value (`1`, `true`, `yes`).
pub fn offline() -> bool {
    std::env::var(OFFLINE_ENV)
        .is_ok_and(|v| matches!(v.trim().to_ascii_lowercase().as_str(), "1" | "true" | "yes"))
}

impl Fetch for LiveFetcher {
    fn fetch(&self, slug: &str) -> Result<String, String> {
        let url = format!("{}/v1/templates/{slug}", self.base_url);
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(std::time::Duration::from_secs(30)))
            .build()
            .into();
        let mut response = agent
            .get(&url)
            .header("authorization", &format!("Bearer {}", self.key))
            .header(
                "user-agent",
                concat!("craftkit-codegen/", env!("CARGO_PKG_VERSION")),
            )
            .call()
            .map_err(|e| format!("GET {url}: {e}"))?;
        let status = response.status().as_u16();
        let body = response
            .body_mut()
            .read_to_string()
            .map_err(|e| format!("GET {url}: reading the answer: {e}"))?;
        if status == 200 {
            return Ok(body);
        }
        let kind = serde_json::from_str::<serde_json::Value>(&body)
            .ok()
            .and_then(|v| {
                Some(format!(
                    "{}: {}",
                    v["error"]["type"].as_str()?,
                    v["error"]["message"].as_str()?
                ))
            })
            .unwrap_or_else(|| "no error body".to_owned());
        Err(format!("GET {url} answered {status} ({kind})"))
    }
}
