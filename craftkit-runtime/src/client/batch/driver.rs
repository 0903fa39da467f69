//! The batch as a stream: pulls an item from the input only while fewer than the adaptive
//! limit are in flight, and yields results as items finish.
//!
//! `futures_util::StreamExt::buffer_unordered` does this for a fixed limit; its limit cannot
//! change. The set of running items is futures-util's `FuturesUnordered` (what
//! `buffer_unordered` is built on); the limit is a number compared with its length before
//! each pull. A semaphore with adjustable permits (tokio's `add_permits`/`forget_permits`)
//! would also work, but `forget_permits` cannot take back permits that items hold, so
//! shrinking would need a debt of permits to forget as they come back; comparing a length
//! needs nothing of the kind, and a smaller limit simply stops the pulls until enough items
//! have finished.

use std::collections::HashSet;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use futures_util::future::BoxFuture;
use futures_util::stream::FuturesUnordered;
use futures_util::{FutureExt, Stream, StreamExt};
use tokio::sync::Notify;

use super::throttle::Throttle;
use super::{BatchItem, BatchOptions, BatchResult, BatchStats, item};
use crate::client::Client;

/// A running batch: a `Stream` of one [`BatchResult`] per item, from
/// [`Client::render_many`] or [`Client::render_stream`]. Dropping it cancels the items in
/// flight (their renders, once accepted, still complete on the server).
#[must_use = "a batch does nothing unless its results are polled"]
pub struct Batch<S> {
    /// The input, until it ends.
    items: Option<Pin<Box<S>>>,
    running: FuturesUnordered<BoxFuture<'static, BatchResult>>,
    /// The position of the next item in the input.
    position: u64,
    shared: Arc<Shared>,
}

/// What every item of a batch uses.
pub(crate) struct Shared {
    /// The caller's client, with every request going through the batch's throttle.
    pub client: Client,
    pub throttle: Arc<Throttle>,
    pub options: BatchOptions,
    /// The keys of the items in flight: a second item with the same key (a duplicate line)
    /// waits for the first, so that two never write the same PDF at once.
    pub keys: Mutex<HashSet<String>>,
    pub key_released: Notify,
}

impl<S> std::fmt::Debug for Batch<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Batch")
            .field("stats", &self.stats())
            .field("options", &self.shared.options)
            .finish_non_exhaustive()
    }
}

impl<S> Batch<S> {
    pub(crate) fn new(client: &Client, items: S, options: BatchOptions) -> Batch<S> {
        let throttle = Arc::new(Throttle::new(
            options.max_in_flight,
            client.inner.retry.max_retry_after(),
        ));
        Batch {
            items: Some(Box::pin(items)),
            running: FuturesUnordered::new(),
            position: 0,
            shared: Arc::new(Shared {
                client: client.throttled(throttle.clone()),
                throttle,
                options,
                keys: Mutex::new(HashSet::new()),
                key_released: Notify::new(),
            }),
        }
    }

    /// The batch's counters so far: items in flight, the current limit, requests and `429`s.
    pub fn stats(&self) -> BatchStats {
        let throttle = self.shared.throttle.stats();
        BatchStats {
            in_flight: self.running.len(),
            limit: self.shared.throttle.limit(),
            requests: throttle.requests,
            throttled: throttle.throttled,
            decreases: throttle.decreases,
        }
    }
}

impl<S: Stream<Item = BatchItem>> Batch<S> {
    /// The result of the next item not yet started, with `error` as its outcome, without
    /// waiting: what the blocking client yields where it cannot block, so that no item of the
    /// batch goes without a result. `None` once the input is exhausted or not ready; the items
    /// in flight are then dropped (their keys make a rerun render each once).
    #[cfg(feature = "blocking")]
    pub(crate) fn refuse_next(&mut self, error: super::Error) -> Option<BatchResult> {
        let mut cx = Context::from_waker(std::task::Waker::noop());
        let next = match self
            .items
            .as_mut()
            .map(|items| items.as_mut().poll_next(&mut cx))
        {
            Some(Poll::Ready(Some(next))) => next,
            _ => {
                self.items = None;
                self.running = FuturesUnordered::new();
                return None;
            }
        };
        let position = self.position;
        self.position += 1;
        Some(BatchResult {
            index: next.index.unwrap_or(position),
            key: next.key,
            outcome: super::BatchOutcome::Error(error),
            elapsed: std::time::Duration::ZERO,
            attempts: 0,
        })
    }
}

impl<S: Stream<Item = BatchItem>> Stream for Batch<S> {
    type Item = BatchResult;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<BatchResult>> {
        let this = self.get_mut();
        this.shared.throttle.grew.register(cx.waker());
        while let Some(items) = &mut this.items {
            if this.running.len() >= this.shared.throttle.limit() {
                break;
            }
            match items.as_mut().poll_next(cx) {
                Poll::Ready(Some(next)) => {
                    let position = this.position;
                    this.position += 1;
                    this.running
                        .push(item::run(this.shared.clone(), position, next).boxed());
                }
                Poll::Ready(None) => this.items = None,
                Poll::Pending => break,
            }
        }
        match this.running.poll_next_unpin(cx) {
            Poll::Ready(Some(result)) => Poll::Ready(Some(result)),
            Poll::Ready(None) if this.items.is_none() => Poll::Ready(None),
            // Empty but the input is pending: its waker is registered.
            _ => Poll::Pending,
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let (low, high) = self
            .items
            .as_ref()
            .map_or((0, Some(0)), |items| items.size_hint());
        let running = self.running.len();
        (
            low.saturating_add(running),
            high.and_then(|h| h.checked_add(running)),
        )
    }
}
