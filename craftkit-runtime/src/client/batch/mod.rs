//! Bulk rendering: [`Client::render_many`] renders a stream of items with a bounded, adaptive
//! number in flight, waits for each, optionally writes each PDF into a directory, and yields
//! one [`BatchResult`] per item, whatever happened to the others.
//!
//! Stages, one module each: [`throttle`] (the shared `Retry-After` gate and the AIMD limit),
//! [`driver`] (the stream that starts items while under the limit), [`item`] (one item's life:
//! the PDF on disk, the render, the wait, the download, its retries).

mod driver;
mod item;
pub(crate) mod throttle;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use futures_util::Stream;
use serde_json::Value;

pub use driver::Batch;

use super::{Client, Error, Render, Visibility, derive_idempotency_key};
use crate::Template;

/// One document of a batch: a template's `data` and the idempotency key that makes it render
/// once, however often the batch is run. Its `Debug` shows a hash of the key, never the key.
pub struct BatchItem {
    pub(crate) slug: String,
    pub(crate) data: Result<Value, Error>,
    pub(crate) key: String,
    pub(crate) index: Option<u64>,
}

impl BatchItem {
    /// A typed payload with its key. The payload is serialized and its bounds checked here
    /// ([`Template::to_data`]); a payload that breaks them becomes an item whose result is
    /// [`BatchOutcome::Error`] with [`Error::Validation`], and nothing is sent for it.
    pub fn new<T: Template>(payload: &T, key: impl Into<String>) -> BatchItem {
        BatchItem {
            slug: T::SLUG.to_owned(),
            data: payload.to_data().map_err(Error::from),
            key: key.into(),
            index: None,
        }
    }

    /// A typed payload whose key is [`derive_idempotency_key`]`(namespace, parts)`: the
    /// caller's own identifiers (an invoice number, a booking code and a sign-off id).
    pub fn derived<T: Template>(payload: &T, namespace: &str, parts: &[&str]) -> BatchItem {
        BatchItem::new(payload, derive_idempotency_key(namespace, parts))
    }

    /// Untyped `data` for the template `slug` (the server validates it).
    pub fn json(slug: impl Into<String>, data: Value, key: impl Into<String>) -> BatchItem {
        BatchItem {
            slug: slug.into(),
            data: Ok(data),
            key: key.into(),
            index: None,
        }
    }

    /// The number this item's result carries as [`BatchResult::index`] (a line number, a row
    /// id). Default: the item's position in the input, from 0.
    pub fn index(mut self, index: u64) -> BatchItem {
        self.index = Some(index);
        self
    }

    /// The item's idempotency key.
    pub fn key(&self) -> &str {
        &self.key
    }
}

impl std::fmt::Debug for BatchItem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BatchItem")
            .field("slug", &self.slug)
            .field("key_hash", &super::idempotency::key_hash(&self.key))
            .field("index", &self.index)
            .field("data", &self.data.as_ref().map(|_| "..."))
            .finish()
    }
}

/// How a batch runs. Setters never fail.
#[derive(Debug, Clone)]
pub struct BatchOptions {
    pub(crate) max_in_flight: usize,
    pub(crate) download_dir: Option<PathBuf>,
    pub(crate) wait: bool,
    pub(crate) item_attempts: u32,
    pub(crate) visibility: Option<Visibility>,
}

impl Default for BatchOptions {
    fn default() -> BatchOptions {
        BatchOptions {
            max_in_flight: 16,
            download_dir: None,
            wait: true,
            item_attempts: 3,
            visibility: None,
        }
    }
}

impl BatchOptions {
    /// The defaults: at most 16 in flight, wait for each render, no download, 3 attempts per
    /// item.
    pub fn new() -> BatchOptions {
        BatchOptions::default()
    }

    /// The most items in flight at once (at least 1). The batch starts at 4 (or this, if
    /// lower) and adds one per good answer until the first `429` or this maximum; a `429`
    /// lowers the number by half the share of answers refused since the last decrease (all
    /// refused: half; a few: one less), and from then on each window of good answers (as
    /// many as the current number) adds one back, never past this.
    pub fn max_in_flight(mut self, max: usize) -> BatchOptions {
        self.max_in_flight = max.max(1);
        self
    }

    /// Writes each succeeded render's PDF into `dir` (created with its parents if missing), as
    /// [`pdf_file_name`]`(key)`: streamed into a `.part` file, synced, then renamed, so a file
    /// with the final name is always whole. An item whose PDF is already there is not sent
    /// at all ([`BatchOutcome::OnDisk`]): a batch run again after a crash picks up where it
    /// stopped.
    pub fn download_dir(mut self, dir: impl Into<PathBuf>) -> BatchOptions {
        self.download_dir = Some(dir.into());
        self
    }

    /// Whether to wait for each render (default `true`). Without waiting, an item is done when
    /// the server has accepted it ([`BatchOutcome::Accepted`]), and nothing is downloaded.
    pub fn wait(mut self, wait: bool) -> BatchOptions {
        self.wait = wait;
        self
    }

    /// How often an item is tried (at least 1, default 3) when the client's own retries ran
    /// out on a transient failure (no answer, `429`, `5xx`, `409 idempotency_in_progress`).
    /// Each try sends the same key, so it never renders twice.
    pub fn item_attempts(mut self, attempts: u32) -> BatchOptions {
        self.item_attempts = attempts.max(1);
        self
    }

    /// `Public` (the server's default) or `Private` renders.
    pub fn visibility(mut self, visibility: Visibility) -> BatchOptions {
        self.visibility = Some(visibility);
        self
    }
}

/// What became of one item.
#[derive(Debug)]
#[non_exhaustive]
pub enum BatchOutcome {
    /// The render succeeded (and its PDF, when a download directory was given, is in `pdf`).
    Rendered {
        /// The succeeded render.
        render: Box<Render>,
        /// Whether the server already had it (an idempotent replay: no new render was made).
        replayed: bool,
        /// Where its PDF was written.
        pdf: Option<PathBuf>,
    },
    /// The render was accepted and not waited for ([`BatchOptions::wait`]`(false)`).
    Accepted {
        /// The render as accepted.
        render: Box<Render>,
        /// Whether the server already had it.
        replayed: bool,
    },
    /// The PDF was already complete in the download directory: nothing was sent.
    OnDisk {
        /// The file.
        pdf: PathBuf,
    },
    /// The render reached `failed`: the document's own failure, not the batch's.
    RenderFailed {
        /// The failed render.
        render: Box<Render>,
        /// `render_failed`, `asset_unreachable` or `timeout`.
        code: String,
        /// What Craftkit said.
        message: String,
    },
    /// The item could not be rendered: invalid data (`422`, or bounds checked before
    /// sending), transient failures past every attempt, a wait past its deadline, a download
    /// that could not be written.
    Error(Error),
}

impl BatchOutcome {
    /// Whether the item's document exists: rendered, accepted, or already on disk.
    pub fn is_success(&self) -> bool {
        matches!(
            self,
            BatchOutcome::Rendered { .. }
                | BatchOutcome::Accepted { .. }
                | BatchOutcome::OnDisk { .. }
        )
    }
}

/// One item's result. Its `Debug` shows a hash of the key, never the key.
#[non_exhaustive]
pub struct BatchResult {
    /// The item's [`index`](BatchItem::index), by default its position in the input (from 0).
    pub index: u64,
    /// The item's idempotency key.
    pub key: String,
    /// What became of it.
    pub outcome: BatchOutcome,
    /// From the item's start (once in flight) to its result, retries and waits included.
    pub elapsed: Duration,
    /// How many times the item was sent (0 when nothing was sent).
    pub attempts: u32,
}

impl std::fmt::Debug for BatchResult {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BatchResult")
            .field("index", &self.index)
            .field("key_hash", &super::idempotency::key_hash(&self.key))
            .field("outcome", &self.outcome)
            .field("elapsed", &self.elapsed)
            .field("attempts", &self.attempts)
            .finish()
    }
}

/// A batch's counters so far ([`Batch::stats`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct BatchStats {
    /// Items in flight now.
    pub in_flight: usize,
    /// How many may be in flight now (the adaptive limit).
    pub limit: usize,
    /// API requests answered or dropped so far, retries included.
    pub requests: u64,
    /// Of which answered `429`.
    pub throttled: u64,
    /// How often a `429` lowered the limit (once per congestion event).
    pub decreases: u64,
}

/// The file name of the PDF of the item with `key` in a download directory: `<key>.pdf` when
/// the key is a plain name (ASCII letters, digits, `-`, `_` and `.`, at most 128 characters,
/// not starting with `.`), such as the UUIDs of [`derive_idempotency_key`]; otherwise 32 hex
/// digits of a hash of the key, `.pdf`.
///
/// ```
/// use craftkit_runtime::client::pdf_file_name;
///
/// assert_eq!(pdf_file_name("invoice-2026-11-0042"), "invoice-2026-11-0042.pdf");
/// assert_eq!(pdf_file_name("../etc/passwd").len(), 36);
/// ```
pub fn pdf_file_name(key: &str) -> String {
    let plain = !key.is_empty()
        && key.len() <= 128
        && !key.starts_with('.')
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    if plain {
        format!("{key}.pdf")
    } else {
        let hash = uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_OID, key.as_bytes());
        format!("{}.pdf", hash.simple())
    }
}

impl Client {
    /// Renders every item of `items`, at most [`BatchOptions::max_in_flight`] at a time, and
    /// yields one [`BatchResult`] per item, in the order they finish. A failed render, an
    /// invalid payload or a server that gave up on one item is that item's result; the batch
    /// goes on. Items are pulled from `items` only as room frees up, so memory does not grow
    /// with their number.
    ///
    /// On a `429` every request of the batch waits for its `Retry-After` (not just the one
    /// that got it; the first to wait goes out when it has passed, the others over the next
    /// 50 ms) and the number in flight is lowered, as far as the share of answers refused
    /// says; it grows back by one per window of good answers, up to the maximum. Run the batch
    /// again with the same keys and nothing renders twice: the server answers an item it already has with the original render
    /// ([`BatchOutcome::Rendered`] with `replayed`), and a PDF already in the download
    /// directory skips its item altogether.
    ///
    /// Items progress while the returned stream is polled: consume it promptly.
    ///
    /// ```no_run
    /// # async fn demo<T: craftkit_runtime::Template>(invoices: Vec<(String, T)>) -> Result<(), craftkit_runtime::client::Error> {
    /// use craftkit_runtime::client::{BatchItem, BatchOptions, BatchOutcome, Client};
    /// use futures_util::StreamExt;
    ///
    /// let client = Client::from_env()?;
    /// let items = invoices
    ///     .iter()
    ///     .map(|(number, invoice)| BatchItem::derived(invoice, "month-end", &["2026-11", number]));
    /// let options = BatchOptions::new().max_in_flight(32).download_dir("out/invoices");
    /// let mut results = client.render_many(items, options);
    /// while let Some(result) = results.next().await {
    ///     match result.outcome {
    ///         BatchOutcome::Rendered { pdf, .. } => println!("{}: {pdf:?}", result.index),
    ///         BatchOutcome::OnDisk { .. } => {} // done by an earlier run
    ///         BatchOutcome::RenderFailed { code, .. } => eprintln!("{}: failed ({code})", result.index),
    ///         other => eprintln!("{}: {other:?}", result.index),
    ///     }
    /// }
    /// # Ok(()) }
    /// ```
    pub fn render_many<I>(
        &self,
        items: I,
        options: BatchOptions,
    ) -> Batch<futures_util::stream::Iter<I::IntoIter>>
    where
        I: IntoIterator<Item = BatchItem>,
    {
        self.render_stream(futures_util::stream::iter(items), options)
    }

    /// [`render_many`](Client::render_many) over a `Stream` of items (rows from a database
    /// cursor, lines of a file read asynchronously).
    pub fn render_stream<S>(&self, items: S, options: BatchOptions) -> Batch<S>
    where
        S: Stream<Item = BatchItem>,
    {
        Batch::new(self, items, options)
    }

    /// A client sharing this one's connections and settings whose every request goes through
    /// `throttle`.
    pub(crate) fn throttled(&self, throttle: Arc<throttle::Throttle>) -> Client {
        self.with(|inner| inner.throttle = Some(throttle))
    }

    /// Waits at the batch's gate, if this client belongs to a batch: the epoch the request
    /// goes out in.
    pub(crate) async fn admit(&self) -> u64 {
        match &self.inner.throttle {
            Some(throttle) => throttle.admit().await,
            None => 0,
        }
    }

    /// Tells the batch's brake, if any, how a request was answered.
    pub(crate) fn observe(&self, epoch: u64, answer: Option<(u16, Option<Duration>)>) {
        if let Some(throttle) = &self.inner.throttle {
            throttle.observe(epoch, answer);
        }
    }
}

/// Whether `dir/name` is a complete PDF left by an earlier run: the final name exists only
/// after a whole download was synced and renamed into place.
pub(crate) async fn on_disk(path: &Path) -> bool {
    tokio::fs::metadata(path)
        .await
        .is_ok_and(|m| m.is_file() && m.len() > 0)
}
