//! Processing each webhook event exactly once, across redeliveries, crashes and instances.
//!
//! Craftkit delivers each event at least once: a non-`2xx` answer, or none within 10 s, is
//! redelivered with backoff for 24 hours. An [`Inbox`] keeps one of three states per event id,
//! scoped by a namespace you name (one per endpoint or application):
//!
//! - *absent*: never claimed, or purged after the retention;
//! - *in progress*: a delivery [claimed](Inbox::claim) it and holds a [`Lease`] until a time;
//!   the lease carries a fencing token that grows with every claim of the id;
//! - *done*: [completed](Inbox::complete); kept for the retention ([`DEFAULT_RETENTION`], 72 h,
//!   beyond the 24 h redelivery window) and purged after, a bounded batch at a time.
//!
//! A delivery claims its event id and gets one of three answers ([`Claim`]): *claimed* (do the
//! work, then complete, or release on failure so the next delivery claims it at once), *in
//! progress* (another delivery holds a live lease: answer non-`2xx` with a `Retry-After`, the
//! sender comes back) or *done* (acknowledge with `2xx`, do nothing). A process that dies
//! while holding a lease loses nothing: the lease expires and a redelivery claims the id again.
//! A completion whose lease expired *and* was claimed again by another delivery does not count
//! ([`Completion::LeaseLost`]): its token is no longer the row's.
//!
//! The stores, each behind a cargo feature, implement the same object-safe trait (hold one as
//! `Arc<dyn Inbox>`):
//!
//! | store | feature | for |
//! |---|---|---|
//! | [`MemoryInbox`] | `webhook` | tests, one process that may forget on restart |
//! | `SqliteInbox` | `sqlite` | one instance: a file that survives restarts (the default) |
//! | `PgInbox` | `postgres` | many instances; your work commits in the transaction that marks the event done |
//! | `RedisInbox` | `redis` | many instances; your work's effects must be idempotent |
//!
//! `webhook::axum::Endpoint` (feature `axum`) does verify, claim, work, complete or release,
//! and answers the right status in each case.
//!
//! ```
//! use std::time::Duration;
//! use craftkit_runtime::webhook::inbox::{Claim, Completion, Inbox, MemoryInbox};
//!
//! # async fn run() -> Result<(), craftkit_runtime::webhook::inbox::InboxError> {
//! let inbox = MemoryInbox::new();
//! let Claim::Claimed(lease) = inbox.claim("evt_1", Duration::from_secs(60)).await? else {
//!     unreachable!("a first delivery claims the id");
//! };
//! // A redelivery while the work runs: another delivery holds the lease.
//! assert!(matches!(inbox.claim("evt_1", Duration::from_secs(60)).await?, Claim::InProgress { .. }));
//! // ... the work ...
//! assert_eq!(inbox.complete(&lease).await?, Completion::Completed);
//! assert_eq!(inbox.claim("evt_1", Duration::from_secs(60)).await?, Claim::Done);
//! # Ok(()) }
//! # let waker = std::task::Waker::noop();
//! # let mut cx = std::task::Context::from_waker(&waker);
//! # let mut f = std::pin::pin!(run());
//! # assert!(matches!(f.as_mut().poll(&mut cx), std::task::Poll::Ready(Ok(()))));
//! ```

mod memory;
#[cfg(feature = "postgres")]
mod postgres;
#[cfg(feature = "redis")]
mod redis;
#[cfg(feature = "sqlite")]
mod sqlite;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

pub use memory::MemoryInbox;
#[cfg(feature = "postgres")]
pub use postgres::PgInbox;
#[cfg(feature = "redis")]
pub use redis::RedisInbox;
#[cfg(feature = "sqlite")]
pub use sqlite::SqliteInbox;

/// The future an [`Inbox`] method returns: boxed, so that the trait is object-safe.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// How long a done event id is kept by default: 72 h, the 24 h redelivery window with a margin.
pub const DEFAULT_RETENTION: Duration = Duration::from_secs(72 * 3600);

/// The lease a claim takes by default: 60 s. Longer than your work takes, or a redelivery
/// claims the id while the work still runs (a fencing token keeps only one completion).
pub const DEFAULT_LEASE: Duration = Duration::from_secs(60);

/// The longest event id accepted, in bytes.
pub const MAX_EVENT_ID_LEN: usize = 255;

/// The longest namespace accepted, in bytes.
pub const MAX_NAMESPACE_LEN: usize = 64;

/// How many claims pass between two opportunistic purges by default.
pub const DEFAULT_PURGE_EVERY: u32 = 256;

/// How many rows an opportunistic purge deletes at most.
pub const PURGE_BATCH: u32 = 256;

/// The answer to a [claim](Inbox::claim).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// This delivery holds the event: do the work, then [complete](Inbox::complete) the lease,
    /// or [release](Inbox::release) it if the work failed.
    Claimed(Lease),
    /// Another delivery holds a live lease: answer non-`2xx` so the sender comes back.
    InProgress {
        /// When the other lease expires, at the latest (at least one second): the
        /// `Retry-After` to answer.
        retry_after: Duration,
    },
    /// The event was processed: acknowledge it with `2xx` and do nothing.
    Done,
}

/// A claim on one event id: its fencing token proves, at completion, that no later claim
/// took the id over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    event_id: String,
    token: i64,
}

impl Lease {
    /// A lease on `event_id` with fencing `token` (for the stores and tests).
    pub fn new(event_id: impl Into<String>, token: i64) -> Lease {
        Lease {
            event_id: event_id.into(),
            token,
        }
    }

    /// The event id claimed.
    pub fn event_id(&self) -> &str {
        &self.event_id
    }

    /// The fencing token: each claim of an id gets a larger one.
    pub fn token(&self) -> i64 {
        self.token
    }
}

/// The answer to a [completion](Inbox::complete).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Completion {
    /// The event is done.
    Completed,
    /// The lease expired and another delivery claimed the id (or completed it): this
    /// completion did not count. With a SQL store, roll the work back and answer non-`2xx`.
    LeaseLost,
}

impl Completion {
    /// What a store's compare-and-set completion answers, from how many ids it marked done
    /// (rows updated, or the script's count): one is [`Completion::Completed`]; none means
    /// the token no longer held the lease, [`Completion::LeaseLost`]. Only the stores use it.
    #[cfg(any(feature = "sqlite", feature = "postgres", feature = "redis"))]
    pub(crate) fn from_marked(marked: u64) -> Completion {
        if marked == 1 {
            Completion::Completed
        } else {
            Completion::LeaseLost
        }
    }
}

/// Why an [`Inbox`] could not answer. It never carries a secret (no connection string, no
/// password): only the store's name and the driver's description of the problem.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InboxError {
    /// The event id is empty, longer than [`MAX_EVENT_ID_LEN`] bytes, or has a control
    /// character: refuse the delivery with `400`.
    #[error("invalid event id: {0}")]
    InvalidEventId(&'static str),
    /// The namespace is empty, longer than [`MAX_NAMESPACE_LEN`] bytes, or has a character
    /// other than ASCII letters, digits, `-`, `_` and `.`.
    #[error("invalid inbox namespace `{0}`: use 1 to 64 ASCII letters, digits, `-`, `_` or `.`")]
    InvalidNamespace(String),
    /// The store could not be reached or failed: answer `503`, the sender retries.
    #[error("the {store} inbox is unavailable: {message}")]
    Unavailable {
        /// `sqlite`, `postgres` or `redis`.
        store: &'static str,
        /// The driver's description of the failure.
        message: String,
    },
}

#[cfg(any(feature = "sqlite", feature = "postgres", feature = "redis"))]
impl InboxError {
    /// An [`InboxError::Unavailable`] of `store`, with the driver's message.
    pub(crate) fn unavailable(store: &'static str, error: impl std::fmt::Display) -> InboxError {
        InboxError::Unavailable {
            store,
            message: error.to_string(),
        }
    }
}

/// Where webhook event ids are claimed, completed and released. Object-safe: hold it as
/// `Arc<dyn Inbox>` in your app's state.
pub trait Inbox: Send + Sync {
    /// The namespace this inbox's ids live in.
    fn namespace(&self) -> &str;

    /// Claims `event_id` for `lease` (a lease that expired is claimed again, with a larger
    /// token). Atomic: of concurrent claims, one gets [`Claim::Claimed`]. Refuses an invalid id
    /// with [`InboxError::InvalidEventId`] (see [`check_event_id`]).
    fn claim<'a>(
        &'a self,
        event_id: &'a str,
        lease: Duration,
    ) -> BoxFuture<'a, Result<Claim, InboxError>>;

    /// Marks the leased event done, if `lease` still holds it (its token is the id's latest and
    /// the id is not done): [`Completion::Completed`]; otherwise [`Completion::LeaseLost`].
    fn complete<'a>(&'a self, lease: &'a Lease) -> BoxFuture<'a, Result<Completion, InboxError>>;

    /// Gives the lease up (the work failed): the next delivery claims the id at once. Does
    /// nothing if the lease no longer holds the id.
    fn release<'a>(&'a self, lease: &'a Lease) -> BoxFuture<'a, Result<(), InboxError>>;

    /// Deletes at most `limit` rows of this namespace whose retention has passed (done ids,
    /// and claims abandoned that long ago), and says how many. The stores also call it every
    /// [`DEFAULT_PURGE_EVERY`] claims with [`PURGE_BATCH`]; the work is bounded by an index.
    fn purge(&self, limit: u32) -> BoxFuture<'_, Result<u64, InboxError>>;
}

impl<I: Inbox + ?Sized> Inbox for Arc<I> {
    fn namespace(&self) -> &str {
        (**self).namespace()
    }
    fn claim<'a>(
        &'a self,
        event_id: &'a str,
        lease: Duration,
    ) -> BoxFuture<'a, Result<Claim, InboxError>> {
        (**self).claim(event_id, lease)
    }
    fn complete<'a>(&'a self, lease: &'a Lease) -> BoxFuture<'a, Result<Completion, InboxError>> {
        (**self).complete(lease)
    }
    fn release<'a>(&'a self, lease: &'a Lease) -> BoxFuture<'a, Result<(), InboxError>> {
        (**self).release(lease)
    }
    fn purge(&self, limit: u32) -> BoxFuture<'_, Result<u64, InboxError>> {
        (**self).purge(limit)
    }
}

/// An [`Inbox`] in a SQL database, whose completion can run in your transaction: the work and
/// the mark commit together or not at all.
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub trait TransactionalInbox: Inbox {
    /// The database (`sqlx::Sqlite`, `sqlx::Postgres`).
    type Database: sqlx::Database;

    /// Begins a transaction on the inbox's pool, for the work of one event.
    fn begin(
        &self,
    ) -> BoxFuture<'_, Result<sqlx::Transaction<'static, Self::Database>, InboxError>>;

    /// Marks the leased event done inside `tx`. On [`Completion::Completed`] commit `tx`; on
    /// [`Completion::LeaseLost`] roll it back (another delivery owns the event now).
    fn complete_in<'a>(
        &'a self,
        tx: &'a mut sqlx::Transaction<'static, Self::Database>,
        lease: &'a Lease,
    ) -> BoxFuture<'a, Result<Completion, InboxError>>;
}

/// Checks an event id: 1 to [`MAX_EVENT_ID_LEN`] bytes, no control character.
///
/// ```
/// use craftkit_runtime::webhook::inbox::check_event_id;
///
/// assert!(check_event_id("evt_01JD6ZQ").is_ok());
/// assert!(check_event_id("evt\n1").is_err());
/// assert!(check_event_id(&"e".repeat(256)).is_err());
/// ```
pub fn check_event_id(event_id: &str) -> Result<(), InboxError> {
    if event_id.is_empty() {
        return Err(InboxError::InvalidEventId("the event id is empty"));
    }
    if event_id.len() > MAX_EVENT_ID_LEN {
        return Err(InboxError::InvalidEventId(
            "the event id is longer than 255 bytes",
        ));
    }
    if event_id.chars().any(char::is_control) {
        return Err(InboxError::InvalidEventId(
            "the event id has a control character",
        ));
    }
    Ok(())
}

/// Checks a namespace: 1 to [`MAX_NAMESPACE_LEN`] ASCII letters, digits, `-`, `_` or `.`.
///
/// ```
/// use craftkit_runtime::webhook::inbox::check_namespace;
///
/// assert!(check_namespace("billing.renders").is_ok());
/// assert!(check_namespace("a:b").is_err());
/// ```
pub fn check_namespace(namespace: &str) -> Result<(), InboxError> {
    let valid = !namespace.is_empty()
        && namespace.len() <= MAX_NAMESPACE_LEN
        && namespace
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    if valid {
        Ok(())
    } else {
        Err(InboxError::InvalidNamespace(
            namespace.chars().take(MAX_NAMESPACE_LEN).collect(),
        ))
    }
}

/// When the opportunistic purge runs: every `every` claims.
#[derive(Debug)]
pub(crate) struct PurgeSchedule {
    every: u32,
    claims: AtomicU32,
}

impl PurgeSchedule {
    pub(crate) fn new(every: u32) -> PurgeSchedule {
        PurgeSchedule {
            every,
            claims: AtomicU32::new(0),
        }
    }

    /// Counts a claim; `true` once every `every` claims (never when `every` is 0).
    pub(crate) fn due(&self) -> bool {
        if self.every == 0 {
            return false;
        }
        let n = self.claims.fetch_add(1, Ordering::Relaxed).wrapping_add(1);
        n % self.every == 0
    }
}

/// Milliseconds since the unix epoch on this machine's clock (0 before the epoch).
#[cfg(feature = "sqlite")]
pub(crate) fn unix_millis(at: std::time::SystemTime) -> i64 {
    at.duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// A duration in whole milliseconds, saturating at `i64::MAX`.
#[cfg(any(feature = "sqlite", feature = "postgres", feature = "redis"))]
pub(crate) fn millis(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}

/// The `Retry-After` for a lease that expires in `ms` milliseconds: at least one second.
#[cfg(any(feature = "sqlite", feature = "postgres", feature = "redis"))]
pub(crate) fn retry_after_millis(ms: i64) -> Duration {
    let ms = u64::try_from(ms).unwrap_or(0);
    Duration::from_millis(ms).max(Duration::from_secs(1))
}

#[cfg(test)]
mod tests;
