//! A blocking client (feature `blocking`), for code that is not async: a CLI tool, a cron job,
//! a diesel-based service, a script.
//!
//! It is the async [`Client`](crate::Client) with the same calls, returning their results: the
//! same requests, retries, idempotency keys, `Retry-After` and deadline rules, because they are
//! the same code. As `reqwest::blocking` does, it runs its connections and timers on a thread
//! of its own (a current-thread tokio runtime started with the client and stopped when its last
//! clone is dropped), and the calling thread waits for each answer.
//!
//! Where it can be called:
//!
//! - any thread that is not in a tokio runtime;
//! - inside `tokio::task::spawn_blocking` on a multi-thread runtime (`#[tokio::main]`'s);
//! - inside an async task of a multi-thread runtime too, but that blocks one of its workers
//!   for the whole call: use the async client there.
//!
//! On any thread of a *current-thread* runtime (`#[tokio::test]`'s default, its
//! `spawn_blocking` threads included: tokio does not tell them apart) every call is refused
//! with [`Error::Config`], because blocking that runtime's only worker can stall the very
//! server the call waits for. A [`BatchIter`] moved there yields one
//! [`BatchOutcome::Error`](crate::client::BatchOutcome::Error) per item it has not started.
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
use std::ops::Deref;
use std::path::Path;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

use bytes::Bytes;
use futures_util::Stream;
use serde_json::Value;
use tokio::io::AsyncWrite;
use tokio::runtime::RuntimeFlavor;

use crate::Template;
use crate::client::{
    self, BatchItem, BatchOptions, BatchResult, BatchStats, Error, Render, RenderRef, Share,
    TemplateDraft, TemplateFetch, Visibility, WaitOptions,
};
use crate::manifest::{Compatibility, Manifest};

/// The blocking client: every call of the async [`client::Client`], returning its result.
/// Clones share one connection pool and one runtime thread.
#[derive(Clone, Debug)]
pub struct Client {
    inner: client::Client,
    driver: Arc<Driver>,
}

/// The thread that runs the client's connections and timers: a current-thread runtime blocked
/// on a stop signal, sent when the last clone of the client is dropped (which never blocks,
/// so a client may be dropped anywhere, inside an async task included).
#[derive(Debug)]
struct Driver {
    handle: tokio::runtime::Handle,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Driver {
    fn start() -> Result<Driver, Error> {
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let (ready, started) = std::sync::mpsc::channel();
        // The runtime is built, run and dropped on its own thread: dropping a runtime inside
        // an async context panics, and the caller may be in one.
        std::thread::Builder::new()
            .name("craftkit-blocking".into())
            .spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_io()
                    .enable_time()
                    .build();
                match runtime {
                    Ok(runtime) => {
                        let _ = ready.send(Ok(runtime.handle().clone()));
                        runtime.block_on(async {
                            let _ = stopped.await;
                        });
                    }
                    Err(e) => {
                        let _ = ready.send(Err(e.to_string()));
                    }
                }
            })
            .map_err(|e| {
                Error::Config(format!("cannot start the blocking client's thread: {e}"))
            })?;
        let handle = started
            .recv()
            .map_err(|_| Error::Config("the blocking client's thread ended at its start".into()))?
            .map_err(|e| {
                Error::Config(format!("cannot start the blocking client's runtime: {e}"))
            })?;
        Ok(Driver {
            handle,
            stop: Some(stop),
        })
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// Why a call cannot block this thread, if it cannot: the thread belongs to a current-thread
/// runtime.
fn refusal() -> Option<Error> {
    let handle = tokio::runtime::Handle::try_current().ok()?;
    (handle.runtime_flavor() == RuntimeFlavor::CurrentThread).then(|| {
        Error::Config(
            "the blocking client was called on a thread of a current-thread tokio runtime (a \
             #[tokio::test] is one; its spawn_blocking threads too), where blocking can stall \
             what the call waits for: use craftkit_runtime::Client there, or call the blocking \
             client from a std::thread or a multi-thread runtime's spawn_blocking"
                .into(),
        )
    })
}

/// Wakes the thread waiting in [`Client::block`].
struct ThreadWaker(std::thread::Thread);

impl Wake for ThreadWaker {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.0.unpark();
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
    /// a retry policy, wait options...). Starts the client's runtime thread.
    pub fn from_async(inner: client::Client) -> Result<Client, Error> {
        Ok(Client {
            inner,
            driver: Arc::new(Driver::start()?),
        })
    }

    /// The async client underneath.
    pub fn as_async(&self) -> &client::Client {
        &self.inner
    }

    /// This client with the async one's settings changed for the calls of the returned handle
    /// (it shares the runtime thread and connections): `change` gets the async client and
    /// returns one of its per-call handles.
    ///
    /// ```no_run
    /// # use std::time::Duration;
    /// # fn f(client: &craftkit_runtime::blocking::Client) -> Result<(), craftkit_runtime::client::Error> {
    /// let quick = client.with(|c| c.with_timeout(Duration::from_secs(2)));
    /// let render = quick.get_render("rnd_1")?;
    /// # let _ = render; Ok(()) }
    /// ```
    pub fn with(&self, change: impl FnOnce(&client::Client) -> client::Client) -> Client {
        Client {
            inner: change(&self.inner),
            driver: Arc::clone(&self.driver),
        }
    }

    /// Runs `future` to its end on this thread, its I/O and timers driven by the client's
    /// runtime thread.
    fn block<T>(&self, future: impl Future<Output = Result<T, Error>>) -> Result<T, Error> {
        if let Some(refused) = refusal() {
            return Err(refused);
        }
        let _entered = self.driver.handle.enter();
        let waker = Waker::from(Arc::new(ThreadWaker(std::thread::current())));
        let mut cx = Context::from_waker(&waker);
        // Unconstrained: inside a task, tokio's budget would otherwise run out and never be
        // restored, since the task does not yield while this thread waits.
        let mut future = std::pin::pin!(tokio::task::unconstrained(future));
        loop {
            if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
                return output;
            }
            std::thread::park();
        }
    }

    /// Starts a render of `payload`: set an idempotency key and options, then `.send()`.
    /// [`client::Client::render`].
    pub fn render<T: Template>(&self, payload: &T) -> RenderRequest<'_> {
        RenderRequest {
            client: self,
            inner: self.inner.render(payload),
        }
    }

    /// Starts a render of untyped JSON `data` for the template `slug` (the server validates
    /// it): [`client::Client::render_json`].
    pub fn render_json(&self, slug: impl Into<String>, data: Value) -> RenderRequest<'_> {
        RenderRequest {
            client: self,
            inner: self.inner.render_json(slug, data),
        }
    }

    /// Renders `payload` and waits for it: [`client::Client::render_and_wait`].
    pub fn render_and_wait<T: Template>(&self, payload: &T) -> Result<Render, Error> {
        self.block(self.inner.render_and_wait(payload))
    }

    /// Polls a render (its id, or the render: [`RenderRef`]) until it is terminal:
    /// [`client::Client::wait`].
    pub fn wait<'r>(&self, render: impl Into<RenderRef<'r>>) -> Result<Render, Error> {
        self.block(self.inner.wait(render))
    }

    /// Polls a render until it is terminal, with `options`: [`client::Client::wait_with`].
    pub fn wait_with<'r>(
        &self,
        render: impl Into<RenderRef<'r>>,
        options: WaitOptions,
    ) -> Result<Render, Error> {
        self.block(self.inner.wait_with(render, options))
    }

    /// A render as it is now: [`client::Client::get_render`].
    pub fn get_render<'r>(&self, render: impl Into<RenderRef<'r>>) -> Result<Render, Error> {
        self.block(self.inner.get_render(render))
    }

    /// The PDF's bytes: [`client::Client::download`].
    pub fn download<'r>(&self, render: impl Into<RenderRef<'r>>) -> Result<Bytes, Error> {
        self.block(self.inner.download(render))
    }

    /// Streams the PDF into `out`, returning the bytes written: [`client::Client::download_to`].
    pub fn download_to<'r>(
        &self,
        render: impl Into<RenderRef<'r>>,
        out: &mut impl Write,
    ) -> Result<u64, Error> {
        let mut out = SyncWriter(out);
        self.block(self.inner.download_to(render, &mut out))
    }

    /// Streams the PDF into a file: [`client::Client::download_to_file`].
    pub fn download_to_file<'r>(
        &self,
        render: impl Into<RenderRef<'r>>,
        path: impl AsRef<Path>,
    ) -> Result<u64, Error> {
        self.block(self.inner.download_to_file(render, path))
    }

    /// Creates a share link: [`client::Client::share`].
    pub fn share<'r>(
        &self,
        render: impl Into<RenderRef<'r>>,
        label: Option<&str>,
    ) -> Result<Share, Error> {
        self.block(self.inner.share(render, label))
    }

    /// The share links of a render: [`client::Client::shares`].
    pub fn shares<'r>(&self, render: impl Into<RenderRef<'r>>) -> Result<Vec<Share>, Error> {
        self.block(self.inner.shares(render))
    }

    /// Revokes a share link: [`client::Client::revoke_share`].
    pub fn revoke_share(&self, share_id: &str) -> Result<Share, Error> {
        self.block(self.inner.revoke_share(share_id))
    }

    /// Every published template's summary, fetched a page at a time as the iterator is read:
    /// [`client::Client::list_templates`].
    pub fn list_templates(&self) -> Templates<'_> {
        Templates {
            client: self,
            pages: Box::pin(self.inner.list_templates()),
        }
    }

    /// The published manifest of `slug`: [`client::Client::template`].
    pub fn template(&self, slug: &str) -> Result<TemplateFetch, Error> {
        self.block(self.inner.template(slug))
    }

    /// The manifest of `slug` unless it still has the `ETag` given (`None` for `304`):
    /// [`client::Client::template_if_none_match`].
    pub fn template_if_none_match(
        &self,
        slug: &str,
        etag: &str,
    ) -> Result<Option<TemplateFetch>, Error> {
        self.block(self.inner.template_if_none_match(slug, etag))
    }

    /// An older published version of `slug`: [`client::Client::template_version`].
    pub fn template_version(&self, slug: &str, version: u64) -> Result<TemplateFetch, Error> {
        self.block(self.inner.template_version(slug, version))
    }

    /// Creates the draft of a template (or, with [`TemplateDraft::replace`], replaces that of a
    /// published one): [`client::Client::create_template`].
    pub fn create_template(&self, draft: &TemplateDraft) -> Result<Manifest, Error> {
        self.block(self.inner.create_template(draft))
    }

    /// Publishes the draft of `slug` as its next version: [`client::Client::publish_template`].
    pub fn publish_template(&self, slug: &str) -> Result<Manifest, Error> {
        self.block(self.inner.publish_template(slug))
    }

    /// Renders every item, an iterator of results: [`client::Client::render_many`] (at most
    /// `max_in_flight` at a time, the shared `Retry-After` gate, one result per item). The
    /// items in flight progress while [`Iterator::next`] blocks, so consume the results as
    /// they come. Refused with [`Error::Config`] where the client cannot block (see the
    /// [module](self)); an iterator moved there afterwards yields one
    /// [`BatchOutcome::Error`](client::BatchOutcome::Error) per item it has not started, so the
    /// batch never looks finished with nothing done.
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
        if let Some(refused) = refusal() {
            return Err(refused);
        }
        Ok(BatchIter {
            client: self.clone(),
            batch: self.inner.render_many(items, options),
        })
    }

    /// [`render_many`](Client::render_many) over a `Stream` of items:
    /// [`client::Client::render_stream`]. The stream is polled on the calling thread while it
    /// waits.
    pub fn render_stream<S>(
        &self,
        items: S,
        options: BatchOptions,
    ) -> Result<BatchStreamIter<S>, Error>
    where
        S: Stream<Item = BatchItem>,
    {
        if let Some(refused) = refusal() {
            return Err(refused);
        }
        Ok(BatchStreamIter {
            client: self.clone(),
            batch: self.inner.render_stream(items, options),
        })
    }

    /// Compares the manifest `T` was generated from with the published one:
    /// [`client::Client::verify`].
    pub fn verify<T: Template>(&self) -> Result<Compatibility, Error> {
        self.block(self.inner.verify::<T>())
    }

    /// The next result of `batch`, blocking; where this thread cannot block, the next item not
    /// yet started, with the refusal as its outcome.
    fn next_result<S: Stream<Item = BatchItem>>(
        &self,
        batch: &mut client::Batch<S>,
    ) -> Option<BatchResult> {
        use futures_util::StreamExt;
        match self.block(async { Ok(batch.next().await) }) {
            Ok(next) => next,
            Err(refused) => batch.refuse_next(refused),
        }
    }
}

/// The templates of [`Client::list_templates`], one `Result` per template.
#[must_use = "templates are fetched as the iterator is read"]
pub struct Templates<'c> {
    client: &'c Client,
    pages: Pin<Box<dyn Stream<Item = Result<Value, Error>> + 'c>>,
}

impl Iterator for Templates<'_> {
    type Item = Result<Value, Error>;

    /// The next template's summary, fetching the next page when needed.
    fn next(&mut self) -> Option<Result<Value, Error>> {
        use futures_util::StreamExt;
        let pages = &mut self.pages;
        match self.client.block(async { Ok(pages.next().await) }) {
            Ok(next) => next,
            Err(refused) => Some(Err(refused)),
        }
    }
}

impl std::fmt::Debug for Templates<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Templates").finish_non_exhaustive()
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

    /// The next result; `None` when every item has one. On a thread where the client cannot
    /// block (the iterator was moved into a current-thread runtime), each item not yet started
    /// is a [`BatchOutcome::Error`](client::BatchOutcome::Error) with [`Error::Config`]; items
    /// already in flight there are abandoned (their keys make a rerun render them once).
    fn next(&mut self) -> Option<BatchResult> {
        self.client.next_result(&mut self.batch)
    }
}

impl<I: Iterator<Item = BatchItem>> std::fmt::Debug for BatchIter<I> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BatchIter")
            .field("batch", &self.batch)
            .finish()
    }
}

/// The results of a [`Client::render_stream`] batch, one per item, as they finish: as
/// [`BatchIter`].
#[must_use = "a batch does nothing unless its results are iterated"]
pub struct BatchStreamIter<S: Stream<Item = BatchItem>> {
    client: Client,
    batch: client::Batch<S>,
}

impl<S: Stream<Item = BatchItem>> BatchStreamIter<S> {
    /// The batch's counters so far: [`client::Batch::stats`].
    pub fn stats(&self) -> BatchStats {
        self.batch.stats()
    }
}

impl<S: Stream<Item = BatchItem>> Iterator for BatchStreamIter<S> {
    type Item = BatchResult;

    /// The next result; `None` when every item has one. Where the client cannot block, as
    /// [`BatchIter::next`] (items the stream has not yet produced end the batch there).
    fn next(&mut self) -> Option<BatchResult> {
        self.client.next_result(&mut self.batch)
    }
}

impl<S: Stream<Item = BatchItem>> std::fmt::Debug for BatchStreamIter<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BatchStreamIter")
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

impl std::fmt::Debug for RenderRequest<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RenderRequest")
            .field("inner", &self.inner)
            .finish()
    }
}

impl RenderRequest<'_> {
    /// The `Idempotency-Key`: the same key with the same data renders once. Without one, a
    /// fresh random key is made for this call and reused by its retries (never one derived
    /// from the payload); see [`client::RenderRequest::idempotency_key`].
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

/// An accepted render: [`client::RenderHandle`], blocking, with the same shape: it derefs to
/// the accepted [`Render`] (`handle.id`, `handle.status`) and says whether it was
/// [`replayed`](RenderHandle::replayed).
#[derive(Debug, Clone)]
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

    /// Whether the server answered with a render it already had for this idempotency key
    /// (`Idempotent-Replayed: true`): nothing new was rendered.
    pub fn replayed(&self) -> bool {
        self.inner.replayed()
    }

    /// The answer to the render's `POST` ([`client::RenderHandle::response`]).
    pub fn response(&self) -> &client::ResponseMeta {
        self.inner.response()
    }

    /// The render as it was accepted (the handle also derefs to it).
    pub fn render(&self) -> &Render {
        &self.inner
    }

    /// The render as it was accepted.
    pub fn into_render(self) -> Render {
        self.inner.into_render()
    }
}

impl Deref for RenderHandle {
    type Target = Render;

    fn deref(&self) -> &Render {
        &self.inner
    }
}

impl<'a> From<&'a RenderHandle> for RenderRef<'a> {
    /// The render as it was accepted.
    fn from(handle: &'a RenderHandle) -> RenderRef<'a> {
        RenderRef::Render(handle)
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
