//! "Delivery is at least once": remembering which event ids were processed.
//!
//! Craftkit redelivers an event until the endpoint answers `2xx`, so the same event can arrive
//! twice (a timeout after the handler ran, a retry in flight). [`SeenEvents::first_delivery`]
//! makes "process each event id once" one call; [`InMemorySeenEvents`] is a bounded
//! implementation for one process and for tests, and a production receiver implements the trait
//! over its database (an `INSERT ... ON CONFLICT DO NOTHING` on the event id, in the same
//! transaction as the work, is the usual way).
//!
//! ```
//! use craftkit_runtime::webhook::{InMemorySeenEvents, SeenEvents};
//!
//! # tokio_test(async {
//! let seen = InMemorySeenEvents::new(10_000);
//! assert!(seen.first_delivery("evt_1").await.unwrap());   // process it
//! assert!(!seen.first_delivery("evt_1").await.unwrap());  // a redelivery: acknowledge, skip
//! # });
//! # fn tokio_test(f: impl std::future::Future<Output = ()>) {
//! #     let waker = std::task::Waker::noop();
//! #     let mut cx = std::task::Context::from_waker(&waker);
//! #     let mut f = std::pin::pin!(f);
//! #     assert!(f.as_mut().poll(&mut cx).is_ready());
//! # }
//! ```

use std::collections::{HashSet, VecDeque};
use std::convert::Infallible;
use std::future::Future;
use std::sync::Mutex;

/// Which event ids were already delivered.
pub trait SeenEvents: Send + Sync {
    /// Why the store could not answer (a database error); [`Infallible`] in memory.
    type Error: std::error::Error + Send + Sync + 'static;

    /// Records `event_id`, and says whether this is its first delivery: `true` to process the
    /// event, `false` for a redelivery to acknowledge and skip. Must be atomic: two concurrent
    /// deliveries of one id get one `true`.
    fn first_delivery(
        &self,
        event_id: &str,
    ) -> impl Future<Output = Result<bool, Self::Error>> + Send;

    /// Forgets `event_id`, when processing it failed and the endpoint answers non-`2xx`: the
    /// redelivery that follows is then a first delivery again.
    fn forget(&self, event_id: &str) -> impl Future<Output = Result<(), Self::Error>> + Send;
}

/// The event ids seen by this process, at most `capacity` of them (the oldest are forgotten
/// first). Redeliveries come within hours, so a bound of some thousands is plenty; what a
/// restart forgets, a database-backed [`SeenEvents`] keeps.
#[derive(Debug)]
pub struct InMemorySeenEvents {
    capacity: usize,
    state: Mutex<Seen>,
}

#[derive(Debug, Default)]
struct Seen {
    ids: HashSet<String>,
    order: VecDeque<String>,
}

impl InMemorySeenEvents {
    /// Remembers up to `capacity` ids (at least one).
    pub fn new(capacity: usize) -> InMemorySeenEvents {
        InMemorySeenEvents {
            capacity: capacity.max(1),
            state: Mutex::new(Seen::default()),
        }
    }

    /// How many ids are remembered now.
    pub fn len(&self) -> usize {
        self.lock().ids.len()
    }

    /// Whether no id is remembered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Seen> {
        // A panic while holding the lock leaves a consistent set: keep using it.
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn record(&self, event_id: &str) -> bool {
        let mut seen = self.lock();
        if seen.ids.contains(event_id) {
            return false;
        }
        if seen.order.len() == self.capacity {
            if let Some(oldest) = seen.order.pop_front() {
                seen.ids.remove(&oldest);
            }
        }
        seen.ids.insert(event_id.to_owned());
        seen.order.push_back(event_id.to_owned());
        true
    }
}

impl SeenEvents for InMemorySeenEvents {
    type Error = Infallible;

    fn first_delivery(
        &self,
        event_id: &str,
    ) -> impl Future<Output = Result<bool, Infallible>> + Send {
        let first = self.record(event_id);
        std::future::ready(Ok(first))
    }

    fn forget(&self, event_id: &str) -> impl Future<Output = Result<(), Infallible>> + Send {
        let mut seen = self.lock();
        if seen.ids.remove(event_id) {
            seen.order.retain(|id| id != event_id);
        }
        std::future::ready(Ok(()))
    }
}

#[cfg(test)]
mod tests {
    use super::InMemorySeenEvents;

    #[test]
    fn an_id_is_new_once_and_the_oldest_are_forgotten_past_the_bound() {
        let seen = InMemorySeenEvents::new(2);
        assert!(seen.record("a"));
        assert!(!seen.record("a"));
        assert!(seen.record("b"));
        assert!(seen.record("c")); // forgets `a`
        assert_eq!(seen.len(), 2);
        assert!(!seen.record("c"));
        assert!(seen.record("a"));
    }

    #[test]
    fn a_forgotten_id_is_new_again() {
        use super::SeenEvents;
        let seen = InMemorySeenEvents::new(4);
        assert!(seen.record("a"));
        drop(seen.forget("a"));
        assert!(seen.is_empty());
        assert!(seen.record("a"));
    }

    #[test]
    fn concurrent_deliveries_of_one_id_get_one_first() {
        let seen = std::sync::Arc::new(InMemorySeenEvents::new(100));
        let firsts: usize = (0..8)
            .map(|_| {
                let seen = seen.clone();
                std::thread::spawn(move || usize::from(seen.record("evt_1")))
            })
            .map(|t| t.join().unwrap())
            .sum();
        assert_eq!(firsts, 1);
    }
}
