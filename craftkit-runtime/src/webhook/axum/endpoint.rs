//! [`Endpoint`]: verify, claim, work, complete or release, answer.

use std::fmt::Display;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::Request;
use axum::http::header::{CONTENT_TYPE, RETRY_AFTER};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, post};

use super::read_verified;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
use crate::webhook::inbox::{BoxFuture, TransactionalInbox};
use crate::webhook::inbox::{Claim, Completion, DEFAULT_LEASE, Inbox, InboxError, Lease};
use crate::webhook::{Event, Verifier, WebhookError};

/// How long a sender is asked to wait when the store is unavailable.
const UNAVAILABLE_RETRY_AFTER: Duration = Duration::from_secs(5);

/// One webhook endpoint: a [`Verifier`], an [`Inbox`] and a lease duration. Its handler
/// verifies a delivery, claims the event id, runs your async function with the typed
/// [`Event`], completes the claim (or releases it when your function fails), and answers:
///
/// | case | status |
/// |---|---|
/// | processed now, or done before (a redelivery) | `200` |
/// | bad or missing signature | `401` |
/// | malformed signature header or body; event id over 255 bytes or with a control character | `400` |
/// | body over [`MAX_BODY`](super::MAX_BODY) | `413` |
/// | another delivery holds a live lease on the id | `409`, `Retry-After` (the lease's end) |
/// | the lease expired and another delivery claimed the id before this one completed (its work is rolled back with a SQL store) | `409`, `Retry-After: 1` |
/// | your function failed or panicked (the claim is released: the next delivery claims it) | `500` |
/// | the store is unreachable or failed | `503`, `Retry-After: 5` |
///
/// Every answer but `200` makes Craftkit deliver again. Each body is a short JSON object;
/// none holds the secret, and nothing logged does (your function's error is logged with the
/// event id, through `tracing`, and not sent back).
///
/// Answer within Craftkit's delivery timeout (10 s): a delivery still running then is
/// delivered again, and the redelivery finds the id in progress (`409`) until the first one
/// completes. Take a lease longer than your slowest work ([`lease`](Endpoint::lease), default
/// 60 s): past it, a redelivery claims the id while the first still runs.
pub struct Endpoint<I: ?Sized> {
    verifier: Verifier,
    inbox: Arc<I>,
    lease: Duration,
}

impl<I: Inbox + ?Sized> std::fmt::Debug for Endpoint<I> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Endpoint")
            .field("verifier", &self.verifier)
            .field("namespace", &self.inbox.namespace())
            .field("lease", &self.lease)
            .finish()
    }
}

impl<I: ?Sized> Clone for Endpoint<I> {
    fn clone(&self) -> Self {
        Endpoint {
            verifier: self.verifier.clone(),
            inbox: self.inbox.clone(),
            lease: self.lease,
        }
    }
}

impl<I: Inbox + ?Sized + 'static> Endpoint<I> {
    /// An endpoint verifying with `verifier` and claiming in `inbox`.
    ///
    /// Refuses a verifier without a secret ([`WebhookError::EmptySecret`], also logged as an
    /// error): it would answer every delivery `401`. Stop at start-up when this fails.
    pub fn new(verifier: Verifier, inbox: Arc<I>) -> Result<Endpoint<I>, WebhookError> {
        if !verifier.has_secret() {
            tracing::error!(
                "the Craftkit webhook endpoint has no signing secret: every delivery would be \
                 refused with 401 (set the endpoint's `whsec_...` secret)"
            );
            return Err(WebhookError::EmptySecret);
        }
        Ok(Endpoint {
            verifier,
            inbox,
            lease: DEFAULT_LEASE,
        })
    }

    /// How long a claim holds an event id (default 60 s): longer than your slowest work.
    #[must_use]
    pub fn lease(mut self, lease: Duration) -> Self {
        self.lease = lease;
        self
    }

    /// The inbox.
    pub fn inbox(&self) -> &Arc<I> {
        &self.inbox
    }

    /// The `POST` route that [receives](Endpoint::receive) each delivery with `work`.
    ///
    /// ```no_run
    /// use std::sync::Arc;
    ///
    /// use axum::Router;
    /// use craftkit_runtime::webhook::Verifier;
    /// use craftkit_runtime::webhook::axum::Endpoint;
    /// use craftkit_runtime::webhook::inbox::{Inbox, MemoryInbox};
    ///
    /// # fn run() -> Result<(), craftkit_runtime::webhook::WebhookError> {
    /// let inbox: Arc<dyn Inbox> = Arc::new(MemoryInbox::new());
    /// let endpoint = Endpoint::new(Verifier::new("whsec_..."), inbox)?;
    /// let app: Router = Router::new().route(
    ///     "/webhooks/craftkit",
    ///     endpoint.post(|event| async move {
    ///         println!("{} {}", event.kind, event.data.id);
    ///         Ok::<(), std::io::Error>(())
    ///     }),
    /// );
    /// # let _ = app; Ok(()) }
    /// ```
    pub fn post<S, F, Fut, E>(&self, work: F) -> MethodRouter<S>
    where
        S: Clone + Send + Sync + 'static,
        F: Fn(Event) -> Fut + Clone + Send + Sync + 'static,
        Fut: Future<Output = Result<(), E>> + Send,
        E: Display + Send,
    {
        let endpoint = self.clone();
        post(move |request: Request| async move { endpoint.receive(request, work).await })
    }

    /// Receives one delivery with `work`: for your own axum handler (see the type's doc).
    pub async fn receive<F, Fut, E>(&self, request: Request, work: F) -> Response
    where
        F: FnOnce(Event) -> Fut,
        Fut: Future<Output = Result<(), E>>,
        E: Display,
    {
        let (event, lease) = match self.verify_and_claim(request).await {
            Ok(claimed) => claimed,
            Err(answer) => return answer,
        };
        match CatchPanic(std::pin::pin!(work(event))).await {
            Ok(Ok(())) => {}
            Ok(Err(error)) => return self.failed(&lease, error.to_string()).await,
            Err(panic) => return self.failed(&lease, panic).await,
        }
        match self.inbox.complete(&lease).await {
            Ok(Completion::Completed) => processed(),
            Ok(Completion::LeaseLost) => lease_lost(&lease),
            Err(error) => unavailable(&error),
        }
    }

    async fn verify_and_claim(&self, request: Request) -> Result<(Event, Lease), Response> {
        let event = read_verified(&self.verifier, request)
            .await
            .map_err(IntoResponse::into_response)?;
        match self.inbox.claim(&event.id, self.lease).await {
            Ok(Claim::Claimed(lease)) => Ok((event, lease)),
            Ok(Claim::Done) => Err(answer(
                StatusCode::OK,
                serde_json::json!({"status": "already_processed"}),
                None,
            )),
            Ok(Claim::InProgress { retry_after }) => Err(answer(
                StatusCode::CONFLICT,
                error_body(
                    "in_progress",
                    "another delivery of this event is being processed",
                ),
                Some(retry_after),
            )),
            Err(InboxError::InvalidEventId(why)) => Err(answer(
                StatusCode::BAD_REQUEST,
                error_body("invalid_event_id", why),
                None,
            )),
            Err(error) => Err(unavailable(&error)),
        }
    }

    /// Releases the lease after `error`, and answers `500`.
    async fn failed(&self, lease: &Lease, error: String) -> Response {
        tracing::warn!(event_id = lease.event_id(), "webhook work failed: {error}");
        if let Err(release) = self.inbox.release(lease).await {
            // The lease then expires on its own.
            tracing::warn!(event_id = lease.event_id(), "{release}");
        }
        answer(
            StatusCode::INTERNAL_SERVER_ERROR,
            error_body(
                "processing_failed",
                "the receiver could not process the event; it will be retried",
            ),
            None,
        )
    }
}

#[cfg(any(feature = "sqlite", feature = "postgres"))]
impl<I: TransactionalInbox + ?Sized + 'static> Endpoint<I> {
    /// The `POST` route that [receives](Endpoint::receive_in_transaction) each delivery with
    /// `work`, run in the transaction that marks the event done.
    ///
    /// `work` gets the event and the transaction, and returns a boxed future
    /// (`|event, tx| Box::pin(async move { ... })`): its writes commit with the mark, or not
    /// at all.
    pub fn post_in_transaction<S, F, E>(&self, work: F) -> MethodRouter<S>
    where
        S: Clone + Send + Sync + 'static,
        F: for<'t> Fn(
                Event,
                &'t mut sqlx::Transaction<'static, I::Database>,
            ) -> BoxFuture<'t, Result<(), E>>
            + Clone
            + Send
            + Sync
            + 'static,
        E: Display + Send,
    {
        let endpoint = self.clone();
        post(
            move |request: Request| async move { endpoint.receive_in_transaction(request, work).await },
        )
    }

    /// Receives one delivery: claims it, begins a transaction, runs `work` in it, marks the
    /// event done in it and commits; on a failure of `work`, rolls back and releases the claim;
    /// when the lease was lost meanwhile, rolls back (another delivery owns the event).
    pub async fn receive_in_transaction<F, E>(&self, request: Request, work: F) -> Response
    where
        F: for<'t> FnOnce(
            Event,
            &'t mut sqlx::Transaction<'static, I::Database>,
        ) -> BoxFuture<'t, Result<(), E>>,
        E: Display,
    {
        let (event, lease) = match self.verify_and_claim(request).await {
            Ok(claimed) => claimed,
            Err(answer) => return answer,
        };
        let mut tx = match self.inbox.begin().await {
            Ok(tx) => tx,
            Err(error) => return self.unavailable_after_claim(&lease, &error).await,
        };
        if let Err(error) = work(event, &mut tx).await {
            // Dropping `tx` would roll back too; this says so at once, before the release.
            let error = error.to_string();
            let _ = tx.rollback().await;
            return self.failed(&lease, error).await;
        }
        match self.inbox.complete_in(&mut tx, &lease).await {
            Ok(Completion::Completed) => match tx.commit().await {
                Ok(()) => processed(),
                Err(error) => {
                    let error = InboxError::Unavailable {
                        store: "sql",
                        message: format!("the commit failed: {error}"),
                    };
                    self.unavailable_after_claim(&lease, &error).await
                }
            },
            Ok(Completion::LeaseLost) => {
                let _ = tx.rollback().await;
                lease_lost(&lease)
            }
            Err(error) => {
                let _ = tx.rollback().await;
                self.unavailable_after_claim(&lease, &error).await
            }
        }
    }

    async fn unavailable_after_claim(&self, lease: &Lease, error: &InboxError) -> Response {
        // A commit that failed may have committed after all: the release only matches an id
        // still in progress under this lease, so it never undoes a completion.
        let _ = self.inbox.release(lease).await;
        unavailable(error)
    }
}

/// Polls a work future, turning a panic into an error: the claim is then released at once,
/// instead of holding the id until its lease expires.
struct CatchPanic<F>(F);

impl<F: Future + Unpin> Future for CatchPanic<F> {
    type Output = Result<F::Output, String>;

    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Self::Output> {
        let inner = &mut self.0;
        // The future is dropped after a panic, never polled again: no broken state is observed.
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            std::pin::Pin::new(inner).poll(cx)
        })) {
            Ok(poll) => poll.map(Ok),
            Err(panic) => std::task::Poll::Ready(Err(format!(
                "the work panicked: {}",
                panic
                    .downcast_ref::<&str>()
                    .copied()
                    .or_else(|| panic.downcast_ref::<String>().map(String::as_str))
                    .unwrap_or("(no message)")
            ))),
        }
    }
}

fn processed() -> Response {
    answer(
        StatusCode::OK,
        serde_json::json!({"status": "processed"}),
        None,
    )
}

fn lease_lost(lease: &Lease) -> Response {
    tracing::warn!(
        event_id = lease.event_id(),
        "the lease expired and another delivery claimed the event before this one completed; \
         its completion did not count"
    );
    answer(
        StatusCode::CONFLICT,
        error_body(
            "lease_lost",
            "the claim on this event expired before the work completed",
        ),
        Some(Duration::from_secs(1)),
    )
}

fn unavailable(error: &InboxError) -> Response {
    tracing::error!("{error}");
    answer(
        StatusCode::SERVICE_UNAVAILABLE,
        error_body(
            "store_unavailable",
            "the receiver's event store is unavailable",
        ),
        Some(UNAVAILABLE_RETRY_AFTER),
    )
}

fn error_body(code: &str, message: &str) -> serde_json::Value {
    serde_json::json!({"error": {"code": code, "message": message}})
}

fn answer(status: StatusCode, body: serde_json::Value, retry_after: Option<Duration>) -> Response {
    let mut response = Response::new(Body::from(body.to_string()));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    if let Some(after) = retry_after {
        // Whole seconds, rounded up: `Retry-After` has no fractions.
        let seconds = after.as_secs() + u64::from(after.subsec_nanos() > 0);
        headers.insert(RETRY_AFTER, HeaderValue::from(seconds.max(1)));
    }
    response
}
