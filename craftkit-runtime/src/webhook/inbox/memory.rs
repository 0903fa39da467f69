//! [`MemoryInbox`]: the inbox in this process's memory.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use super::{
    BoxFuture, Claim, Completion, DEFAULT_PURGE_EVERY, DEFAULT_RETENTION, Inbox, InboxError, Lease,
    PURGE_BATCH, PurgeSchedule, check_event_id,
};

/// The inbox in this process's memory: for tests, and for one process that may forget on a
/// restart (a restart forgets every id; use `SqliteInbox` for one instance that must not).
///
/// Done ids are forgotten after the retention ([`DEFAULT_RETENTION`]); the purge takes the
/// first entries of a set ordered by expiry, never a scan of every id.
#[derive(Debug)]
pub struct MemoryInbox {
    namespace: String,
    retention: Duration,
    schedule: PurgeSchedule,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    ids: HashMap<String, Entry>,
    /// `(purge after, id)` of every entry, in the order they expire.
    expiry: BTreeSet<(Instant, String)>,
    last_token: i64,
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    token: i64,
    /// `None` when done.
    lease_until: Option<Instant>,
    purge_after: Instant,
}

impl Default for MemoryInbox {
    fn default() -> Self {
        MemoryInbox::new()
    }
}

impl MemoryInbox {
    /// An empty inbox (namespace `default`) with the [`DEFAULT_RETENTION`].
    pub fn new() -> MemoryInbox {
        MemoryInbox {
            namespace: "default".to_owned(),
            retention: DEFAULT_RETENTION,
            schedule: PurgeSchedule::new(DEFAULT_PURGE_EVERY),
            state: Mutex::new(State::default()),
        }
    }

    /// Keeps done ids for `retention` (default [`DEFAULT_RETENTION`]).
    #[must_use]
    pub fn retention(mut self, retention: Duration) -> Self {
        self.retention = retention;
        self
    }

    /// Purges opportunistically every `claims` claims (0: never; default
    /// [`DEFAULT_PURGE_EVERY`]).
    #[must_use]
    pub fn purge_every(mut self, claims: u32) -> Self {
        self.schedule = PurgeSchedule::new(claims);
        self
    }

    /// How many ids are kept now (in progress or done).
    pub fn len(&self) -> usize {
        self.lock().ids.len()
    }

    /// Whether no id is kept.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // Every change below is a single assignment: a panic elsewhere leaves a consistent map.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn claim_now(&self, event_id: &str, lease: Duration) -> Claim {
        let now = Instant::now();
        let mut state = self.lock();
        let token = match state.ids.get(event_id) {
            Some(Entry {
                lease_until: None, ..
            }) => return Claim::Done,
            Some(Entry {
                lease_until: Some(until),
                ..
            }) if *until > now => {
                return Claim::InProgress {
                    retry_after: (*until - now).max(Duration::from_secs(1)),
                };
            }
            _ => state.last_token + 1,
        };
        state.last_token = token;
        let until = now + lease;
        let purge_after = until + self.retention;
        let entry = Entry {
            token,
            lease_until: Some(until),
            purge_after,
        };
        if let Some(old) = state.ids.insert(event_id.to_owned(), entry) {
            state.expiry.remove(&(old.purge_after, event_id.to_owned()));
        }
        state.expiry.insert((purge_after, event_id.to_owned()));
        Claim::Claimed(Lease::new(event_id, token))
    }

    fn complete_now(&self, lease: &Lease) -> Completion {
        let now = Instant::now();
        let purge_after = now + self.retention;
        let mut state = self.lock();
        match state.ids.get_mut(lease.event_id()) {
            Some(entry) if entry.token == lease.token() && entry.lease_until.is_some() => {
                let old = std::mem::replace(&mut entry.purge_after, purge_after);
                entry.lease_until = None;
                let id = lease.event_id().to_owned();
                state.expiry.remove(&(old, id.clone()));
                state.expiry.insert((purge_after, id));
                Completion::Completed
            }
            _ => Completion::LeaseLost,
        }
    }

    fn release_now(&self, lease: &Lease) {
        let now = Instant::now();
        let mut state = self.lock();
        if let Some(entry) = state.ids.get_mut(lease.event_id()) {
            if entry.token == lease.token() && entry.lease_until.is_some() {
                entry.lease_until = Some(now);
            }
        }
    }

    fn purge_now(&self, limit: u32) -> u64 {
        let now = Instant::now();
        let mut state = self.lock();
        let mut purged = 0;
        while purged < u64::from(limit) {
            match state.expiry.first() {
                Some((after, _)) if *after <= now => {}
                _ => break,
            }
            if let Some((_, id)) = state.expiry.pop_first() {
                state.ids.remove(&id);
                purged += 1;
            }
        }
        purged
    }
}

impl Inbox for MemoryInbox {
    fn namespace(&self) -> &str {
        &self.namespace
    }

    fn claim<'a>(
        &'a self,
        event_id: &'a str,
        lease: Duration,
    ) -> BoxFuture<'a, Result<Claim, InboxError>> {
        Box::pin(async move {
            check_event_id(event_id)?;
            if self.schedule.due() {
                self.purge_now(PURGE_BATCH);
            }
            Ok(self.claim_now(event_id, lease))
        })
    }

    fn complete<'a>(&'a self, lease: &'a Lease) -> BoxFuture<'a, Result<Completion, InboxError>> {
        Box::pin(async move { Ok(self.complete_now(lease)) })
    }

    fn release<'a>(&'a self, lease: &'a Lease) -> BoxFuture<'a, Result<(), InboxError>> {
        Box::pin(async move {
            self.release_now(lease);
            Ok(())
        })
    }

    fn purge(&self, limit: u32) -> BoxFuture<'_, Result<u64, InboxError>> {
        Box::pin(async move { Ok(self.purge_now(limit)) })
    }
}
