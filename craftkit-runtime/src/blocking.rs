//! A blocking client (feature `blocking`), for code that is not async: a CLI tool, a cron job,
//! a diesel-based service, a script.
//!
//! It is the async [`Client`](crate::Client) driven by a current-thread tokio runtime that it
//! owns, as `reqwest::blocking` is built on reqwest's async client: the same requests, the same
//! retries, idempotency keys, `Retry-After` and deadline rules, because they are the same code.
//! Calling it from inside an async runtime would deadlock a worker, so that is refused with
//! [`Error::Config`] instead of a panic: use the async client there.
//!
//! ```no_run
//! use craftkit_runtime::blocking::Client;
//! use craftkit_runtime::client::derive_idempotency_key;
//! # use craftkit_runtime::Template;
//!
//! fn send<T: Template>(payload: &T, job_id: &str) -> Result<(), craftkit_runtime::client::Error> {
//!     let client = Client::from_env()?; // CRAFTKIT_API_KEY, CRAFTKIT_API_URL
//!     let render = client
//!         .render(payload)
//!         .idempotency_key(derive_idempotency_key("nightly", &[job_id]))
//!         .send()?
//!         .wait()?;
//!     client.download_to_file(&render, "out.pdf")?;
//!     Ok(())
//! }
//! ```

use std::future::Future;
use std::io::Write;
use std::path::Path;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use tokio::io::AsyncWrite;

use crate::Template;
use crate::client::{
    self, BatchItem, BatchOptions, BatchResult, BatchStats, Error, Render, Share, TemplateFetch,
    Visibility, WaitOptions,
};
use crate::manifest::Compatibility;

/// The blocking client: every call of the async [`client::Client`], returning its result.
#[derive(Clone, Debug)]
pub struct Client {
    inner: client::Client,
    runtime: Arc<OwnedRuntime>,
}

/// The client's runtime, shut down without blocking when the last clone is dropped inside an
/// async context (tokio panics on a plain drop there).
#[derive(Debug)]
struct OwnedRuntime(Option<tokio::runtime::Runtime>);

impl Drop for OwnedRuntime {
    fn drop(&mut self) {
        if let Some(runtime) = self.0.take() {
            if tokio::runtime::Handle::try_current().is_ok() {
                runtime.shutdown_background();
            }
        }
    }
}

impl Client {
    /// A client for the production API with `key`.
    pub fn new(key: impl AsRef<str>) -> Result<Client, Error> {
        Client::from_async(client::Client::new(key)?)
    }

    /// A client configured from `CRAFTKIT_API_KEY` and `CRAFTKIT_API_URL`.
    pub fn from_env() -> Result<Client, Error> {
        Client::from_async(client::Client::from_env()?)
    }

    /// A blocking client over an async one built with [`client::Client::builder`] (a base URL,
    /// a retry policy, wait options...).
    pub fn from_async(inner: client::Client) -> Result<Client, Error> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_io()
            .enable_time()
            .build()
            .map_err(|e| {
                Error::Config(format!("cannot start the blocking client's runtime: {e}"))
            })?;
        Ok(Client {
            inner,
            runtime: Arc::new(OwnedRuntime(Some(runtime))),
        })
    }

    /// The async client underneath.
    pub fn as_async(&self) -> &client::Client {
        &self.inner
    }

    fn block<T>(&self, future: impl Future<Output = Result<T, Error>>) -> Result<T, Error> {
        if tokio::runtime::Handle::try_current().is_ok() {
            return Err(Error::Config(
                "the blocking client was called inside an async runtime: use craftkit_runtime::Client there (or call it in spawn_blocking)".into(),
            ));
        }
        match &self.runtime.0 {
            Some(runtime) => runtime.block_on(future),
            None => Err(Error::Config(
                "the blocking client's runtime is gone".into(),
            )),
        }
    }

    /// Starts a render of `payload`: set an idempotency key and options, then `.send()`.
    pub fn render<T: Template>(&self, payload: &T) -> RenderRequest<'_> {
        RenderRequest {
            client: self,
            inner: self.inner.render(payload),
        }
    }

    /// Renders `payload` and waits for it: [`client::Client::render_and_wait`].
    pub fn render_and_wait<T: Template>(&self, payload: &T) -> Result<Render, Error> {
        self.block(self.inner.render_and_wait(payload))
    }

    /// Polls the render `id` until it is terminal: [`client::Client::wait`].
    pub fn wait(&self, id: &str) -> Result<Render, Error> {
        self.block(self.inner.wait(id))
    }

    /// The render `id`: [`client::Client::get_render`].
    pub fn get_render(&self, id: &str) -> Result<Render, Error> {
        self.block(self.inner.get_render(id))
    }

    /// The PDF's bytes: [`client::Client::download`].
    pub fn download(&self, render: &Render) -> Result<Bytes, Error> {
        self.block(self.inner.download(render))
    }

    /// Streams the PDF into `out`, returning the bytes written: [`client::Client::download_to`].
    pub fn download_to(&self, render: &Render, out: &mut impl Write) -> Result<u64, Error> {
        let mut out = SyncWriter(out);
        self.block(self.inner.download_to(render, &mut out))
    }

    /// Streams the PDF into a file: [`client::Client::download_to_file`].
    pub fn download_to_file(&self, render: &Render, path: impl AsRef<Path>) -> Result<u64, Error> {
        self.block(self.inner.download_to_file(render, path))
    }

    /// Creates a share link: [`client::Client::share`].
    pub fn share(&self, render_id: &str, label: Option<&str>) -> Result<Share, Error> {
        self.block(self.inner.share(render_id, label))
    }

    /// The published manifest of `slug`: [`client::Client::template`].
    pub fn template(&self, slug: &str) -> Result<TemplateFetch, Error> {
        self.block(self.inner.template(slug))
    }

    /// Renders every item, an iterator of results: [`client::Client::render_many`] (at most
    /// `max_in_flight` at a time, the shared `Retry-After` gate, one result per item). The
    /// items in flight progress while [`Iterator::next`] blocks, so consume the results as
    /// they come. Refused with [`Error::Config`] inside an async runtime.
    ///
    /// ```no_run
    /// use craftkit_runtime::blocking::Client;
    /// use craftkit_runtime::client::{BatchItem, BatchOptions};
    /// # fn demo(rows: Vec<(String, serde_json::Value)>) -> Result<(), craftkit_runtime::client::Error> {
    ///
    /// let client = Client::from_env()?;
    /// let items = rows.into_iter().map(|(id, data)| BatchItem::json("invoice", data, id));
    /// for result in client.render_many(items, BatchOptions::new().download_dir("out"))? {
    ///     if !result.outcome.is_success() {
    ///         eprintln!("row {}: {:?}", result.index, result.outcome);
    ///     }
    /// }
    /// # Ok(()) }
    /// ```
    pub fn render_many<I>(
        &self,
        items: I,
        options: BatchOptions,
    ) -> Result<BatchIter<I::IntoIter>, Error>
    where
        I: IntoIterator<Item = BatchItem>,
    {
        self.block(async { Ok(()) })?;
        Ok(BatchIter {
            client: self.clone(),
            batch: self.inner.render_many(items, options),
        })
    }

    /// Compares the manifest `T` was generated from with the published one:
    /// [`client::Client::verify`].
    pub fn verify<T: Template>(&self) -> Result<Compatibility, Error> {
        self.block(self.inner.verify::<T>())
    }
}

/// The results of a [`Client::render_many`] batch, one per item, as they finish.
#[must_use = "a batch does nothing unless its results are iterated"]
pub struct BatchIter<I: Iterator<Item = BatchItem>> {
    client: Client,
    batch: client::Batch<futures_util::stream::Iter<I>>,
}

impl<I: Iterator<Item = BatchItem>> BatchIter<I> {
    /// The batch's counters so far: [`client::Batch::stats`].
    pub fn stats(&self) -> BatchStats {
        self.batch.stats()
    }
}

impl<I: Iterator<Item = BatchItem>> Iterator for BatchIter<I> {
    type Item = BatchResult;

    /// The next result; `None` when every item has one (or, should the iterator have been
    /// moved into an async runtime, where it cannot block).
    fn next(&mut self) -> Option<BatchResult> {
        use futures_util::StreamExt;
        let batch = &mut self.batch;
        self.client
            .block(async { Ok(batch.next().await) })
            .ok()
            .flatten()
    }
}

impl<I: Iterator<Item = BatchItem>> std::fmt::Debug for BatchIter<I> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BatchIter")
            .field("batch", &self.batch)
            .finish()
    }
}

/// A render about to be sent: [`client::RenderRequest`], blocking.
#[must_use = "a render request does nothing until `.send()`"]
pub struct RenderRequest<'c> {
    client: &'c Client,
    inner: client::RenderRequest<'c>,
}

impl RenderRequest<'_> {
    /// The `Idempotency-Key` (default: a fresh one per request, reused by its retries).
    pub fn idempotency_key(mut self, key: impl Into<String>) -> Self {
        self.inner = self.inner.idempotency_key(key);
        self
    }

    /// The PDF's file name.
    pub fn filename(mut self, filename: impl Into<String>) -> Self {
        self.inner = self.inner.filename(filename);
        self
    }

    /// Public or private.
    pub fn visibility(mut self, visibility: Visibility) -> Self {
        self.inner = self.inner.visibility(visibility);
        self
    }

    /// Renders the template version the payload was generated from.
    pub fn pin_version(mut self, pin: bool) -> Self {
        self.inner = self.inner.pin_version(pin);
        self
    }

    /// Validates and sends it: the accepted render, to wait for.
    pub fn send(self) -> Result<RenderHandle, Error> {
        let client = self.client.clone();
        let inner = self.client.block(self.inner.send())?;
        Ok(RenderHandle { client, inner })
    }
}

/// An accepted render: [`client::RenderHandle`], blocking.
pub struct RenderHandle {
    client: Client,
    inner: client::RenderHandle,
}

impl RenderHandle {
    /// Polls until the render is terminal, with the client's [`WaitOptions`].
    pub fn wait(self) -> Result<Render, Error> {
        let RenderHandle { client, inner } = self;
        client.block(inner.wait())
    }

    /// As [`wait`](RenderHandle::wait) with other options.
    pub fn wait_with(self, options: WaitOptions) -> Result<Render, Error> {
        let RenderHandle { client, inner } = self;
        client.block(inner.wait_with(options))
    }

    /// The render as it was accepted.
    pub fn render(&self) -> &Render {
        &self.inner
    }
}

/// A `std::io::Write` as tokio's `AsyncWrite`, for the client's streaming download: each
/// write completes at once (the runtime is this thread's, blocking is the point).
struct SyncWriter<W>(W);

impl<W: Write + Unpin> AsyncWrite for SyncWriter<W> {
    fn poll_write(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Poll::Ready(self.get_mut().0.write(buf))
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(self.get_mut().0.flush())
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        self.poll_flush(cx)
    }
}
