//! [`RedisInbox`]: the inbox in Redis (feature `redis`).

use std::time::Duration;

use redis::Script;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};

use super::{
    BoxFuture, Claim, Completion, DEFAULT_RETENTION, Inbox, InboxError, Lease, check_event_id,
    check_namespace, millis, retry_after_millis,
};

const STORE: &str = "redis";

/// Claims an absent id (`SET NX PX` semantics, with a fencing token from a counter of the
/// namespace), or says it is done or in progress. KEYS: the event key, the counter key; ARGV:
/// the lease in ms. One script, so one round trip and atomic.
const CLAIM: &str = r"
local v = redis.call('GET', KEYS[1])
if v == false then
  local token = redis.call('INCR', KEYS[2])
  redis.call('SET', KEYS[1], token, 'PX', ARGV[1])
  return {1, token}
end
if v == 'done' then
  return {2, 0}
end
return {3, redis.call('PTTL', KEYS[1])}
";

/// Marks the id done if the lease's token is still its value (compare-and-set), or if the
/// lease expired and nobody claimed the id since (the key is gone). ARGV: the token, the
/// retention in ms.
const COMPLETE: &str = r"
local v = redis.call('GET', KEYS[1])
if v == ARGV[1] or v == false then
  redis.call('SET', KEYS[1], 'done', 'PX', ARGV[2])
  return 1
end
return 0
";

/// Deletes the id if the lease's token is still its value. ARGV: the token.
const RELEASE: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
end
return 0
";

/// The inbox in Redis, for many instances: one key per event id, holding the lease's token
/// while in progress (expiring with the lease, `PX`) and `done` after (expiring after the
/// retention: Redis purges it, [`purge`](Inbox::purge) has nothing to do). Claims, completions
/// and releases are Lua scripts, each atomic: a completion sets `done` only if the key still
/// holds its lease's token.
///
/// **Your work's effects must be idempotent.** Redis and your database cannot commit
/// together: a process can die after the work committed and before the completion, and a
/// redelivery then runs the work again. Key each effect by the event id (an upsert, a
/// `SET` of a key named after `event.id`) so that running it twice leaves one.
///
/// The same holds when Redis forgets a key before its time: a restart without persistence, or
/// an eviction under `maxmemory` (use `noeviction`, or a Redis of its own). Redis's clock
/// times the leases, one clock for every instance.
///
/// Keys: `{prefix}:{namespace}:e:{event id}` per event, `{prefix}:{namespace}:fence` for the
/// counter of fencing tokens; the prefix is [`RedisInbox::DEFAULT_KEY_PREFIX`] unless
/// [`key_prefix`](RedisInbox::key_prefix) says otherwise. [`migrate`](RedisInbox::migrate)
/// does nothing (there is no schema).
///
/// ```no_run
/// use craftkit_runtime::webhook::inbox::RedisInbox;
///
/// # async fn run() -> Result<(), craftkit_runtime::webhook::inbox::InboxError> {
/// let inbox = RedisInbox::connect("redis://127.0.0.1:6379", "renders").await?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct RedisInbox {
    connection: ConnectionManager,
    namespace: String,
    prefix: String,
    retention: Duration,
}

impl std::fmt::Debug for RedisInbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisInbox")
            .field("namespace", &self.namespace)
            .field("prefix", &self.prefix)
            .field("retention", &self.retention)
            .finish_non_exhaustive()
    }
}

impl RedisInbox {
    /// The key prefix by default: `craftkit:webhook-inbox`.
    pub const DEFAULT_KEY_PREFIX: &str = "craftkit:webhook-inbox";

    /// Connects to the Redis at `url` (`redis://host:port/db`), with a connection manager that
    /// reconnects (two retries, at most 500 ms apart), 5 s timeouts, and keeps event ids in `namespace`. The error never holds the
    /// URL (it may carry a password).
    pub async fn connect(url: &str, namespace: &str) -> Result<RedisInbox, InboxError> {
        check_namespace(namespace)?;
        let redact = |error: redis::RedisError| InboxError::Unavailable {
            store: STORE,
            message: error.to_string().replace(url, "[the Redis URL]"),
        };
        let client = redis::Client::open(url).map_err(redact)?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Duration::from_secs(5))
            .set_response_timeout(Duration::from_secs(5))
            // Reconnections wait at most 500 ms each: a delivery waiting longer would be
            // answered after the sender's 10 s timeout anyway.
            .set_max_delay(500)
            .set_number_of_retries(2);
        let connection = ConnectionManager::new_with_config(client, config)
            .await
            .map_err(redact)?;
        RedisInbox::new(connection, namespace)
    }

    /// An inbox over your connection manager, in `namespace`.
    pub fn new(connection: ConnectionManager, namespace: &str) -> Result<RedisInbox, InboxError> {
        check_namespace(namespace)?;
        Ok(RedisInbox {
            connection,
            namespace: namespace.to_owned(),
            prefix: RedisInbox::DEFAULT_KEY_PREFIX.to_owned(),
            retention: DEFAULT_RETENTION,
        })
    }

    /// Names the keys `{prefix}:...` instead of [`RedisInbox::DEFAULT_KEY_PREFIX`].
    #[must_use]
    pub fn key_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// Keeps done ids for `retention` (default [`DEFAULT_RETENTION`]).
    #[must_use]
    pub fn retention(mut self, retention: Duration) -> Self {
        self.retention = retention;
        self
    }

    /// The connection manager: for your own idempotent effects, on the same server.
    pub fn connection(&self) -> &ConnectionManager {
        &self.connection
    }

    /// Does nothing: Redis has no schema. For symmetry with the SQL stores.
    pub async fn migrate(&self) -> Result<(), InboxError> {
        Ok(())
    }

    fn key(&self, event_id: &str) -> String {
        format!("{}:{}:e:{event_id}", self.prefix, self.namespace)
    }

    async fn run<T: redis::FromRedisValue>(
        &self,
        script: &str,
        keys: &[String],
        args: &[i64],
    ) -> Result<T, InboxError> {
        let script = Script::new(script);
        let mut invocation = script.prepare_invoke();
        for key in keys {
            invocation.key(key);
        }
        for arg in args {
            invocation.arg(*arg);
        }
        let mut connection = self.connection.clone();
        invocation
            .invoke_async(&mut connection)
            .await
            .map_err(|e| InboxError::unavailable(STORE, e))
    }
}

/// A `PX` in milliseconds: at least 1 (Redis refuses 0).
fn px(duration: Duration) -> i64 {
    millis(duration).max(1)
}

impl Inbox for RedisInbox {
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
            let keys = [
                self.key(event_id),
                format!("{}:{}:fence", self.prefix, self.namespace),
            ];
            let answer: (i64, i64) = self.run(CLAIM, &keys, &[px(lease)]).await?;
            Ok(match answer {
                (1, token) => Claim::Claimed(Lease::new(event_id, token)),
                (2, _) => Claim::Done,
                (_, remaining) => Claim::InProgress {
                    retry_after: retry_after_millis(remaining),
                },
            })
        })
    }

    fn complete<'a>(&'a self, lease: &'a Lease) -> BoxFuture<'a, Result<Completion, InboxError>> {
        Box::pin(async move {
            let keys = [self.key(lease.event_id())];
            let done: i64 = self
                .run(COMPLETE, &keys, &[lease.token(), px(self.retention)])
                .await?;
            // The script answers 1 or 0; anything else is no completion.
            Ok(Completion::from_marked(u64::try_from(done).unwrap_or(0)))
        })
    }

    fn release<'a>(&'a self, lease: &'a Lease) -> BoxFuture<'a, Result<(), InboxError>> {
        Box::pin(async move {
            let keys = [self.key(lease.event_id())];
            self.run::<i64>(RELEASE, &keys, &[lease.token()])
                .await
                .map(drop)
        })
    }

    fn purge(&self, _limit: u32) -> BoxFuture<'_, Result<u64, InboxError>> {
        // Every key expires on its own (PX).
        Box::pin(std::future::ready(Ok(0)))
    }
}
