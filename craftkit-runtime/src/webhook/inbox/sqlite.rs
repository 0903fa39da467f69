//! [`SqliteInbox`]: the inbox in one SQLite file (feature `sqlite`).

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{Sqlite, Transaction};

use super::{
    BoxFuture, Claim, Completion, DEFAULT_PURGE_EVERY, DEFAULT_RETENTION, Inbox, InboxError, Lease,
    PURGE_BATCH, PurgeSchedule, TransactionalInbox, check_event_id, check_namespace, millis,
    retry_after_millis, unix_millis,
};

const STORE: &str = "sqlite";

/// The inbox in one SQLite file, for a single instance: it survives restarts and crashes
/// (WAL journal), and your work can commit in the transaction that marks the event done
/// ([`TransactionalInbox`]).
///
/// Several processes must not share one file over a network file system; for many instances
/// use `PgInbox` or `RedisInbox`. Times are this machine's clock, in unix milliseconds.
///
/// [`open`](SqliteInbox::open) makes a pool of 32 connections: a delivery holds one from the
/// start of its transaction to its commit, while your function runs. The transaction is
/// SQLite's default, deferred: it takes the write lock at its first write, so deliveries
/// working in parallel do not wait for each other until they write (SQLite has one writer at a
/// time; a writer waits up to 5 s for the lock). Write before you read in it: a deferred
/// transaction that read first and then finds that another one wrote meanwhile fails with
/// `SQLITE_BUSY`, answered `503` and delivered again.
///
/// The table, created by [`migrate`](SqliteInbox::migrate) ([`SqliteInbox::open`] runs it):
///
/// ```sql
#[doc = include_str!("sqlite.sql")]
/// ```
///
/// ```no_run
/// use craftkit_runtime::webhook::inbox::SqliteInbox;
///
/// # async fn run() -> Result<(), craftkit_runtime::webhook::inbox::InboxError> {
/// let inbox = SqliteInbox::open("webhooks.sqlite3", "renders").await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct SqliteInbox {
    pool: SqlitePool,
    namespace: String,
    retention: Duration,
    schedule: Arc<PurgeSchedule>,
}

/// The migration, as [`SqliteInbox::migrate`] runs it.
pub(crate) const MIGRATION: &str = include_str!("sqlite.sql");

impl SqliteInbox {
    /// Opens (creating it if missing) the SQLite file at `path` in WAL mode, runs the
    /// migration, and keeps event ids in `namespace`.
    pub async fn open(path: impl AsRef<Path>, namespace: &str) -> Result<SqliteInbox, InboxError> {
        check_namespace(namespace)?;
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // In WAL mode, NORMAL loses no committed transaction when the process dies (only
            // when the machine does), and saves an fsync per commit.
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(5));
        let pool = SqlitePoolOptions::new()
            .max_connections(32)
            .connect_with(options)
            .await
            .map_err(|e| InboxError::unavailable(STORE, e))?;
        let inbox = SqliteInbox::new(pool, namespace)?;
        inbox.migrate().await?;
        Ok(inbox)
    }

    /// An inbox over your pool, in `namespace` (run [`migrate`](SqliteInbox::migrate) once).
    pub fn new(pool: SqlitePool, namespace: &str) -> Result<SqliteInbox, InboxError> {
        check_namespace(namespace)?;
        Ok(SqliteInbox {
            pool,
            namespace: namespace.to_owned(),
            retention: DEFAULT_RETENTION,
            schedule: Arc::new(PurgeSchedule::new(DEFAULT_PURGE_EVERY)),
        })
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
        self.schedule = Arc::new(PurgeSchedule::new(claims));
        self
    }

    /// The pool: for your own tables, in the same file.
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// Creates the table and its index if they do not exist (see the type's doc for the SQL).
    pub async fn migrate(&self) -> Result<(), InboxError> {
        sqlx::raw_sql(MIGRATION)
            .execute(&self.pool)
            .await
            .map(drop)
            .map_err(|e| InboxError::unavailable(STORE, e))
    }

    async fn claim_now(&self, event_id: &str, lease: Duration) -> Result<Claim, InboxError> {
        check_event_id(event_id)?;
        if self.schedule.due() {
            // Best effort: a failed purge is retried at the next turn.
            let _ = self.purge_now(PURGE_BATCH).await;
        }
        let now = unix_millis(SystemTime::now());
        let until = now.saturating_add(millis(lease));
        let token: Option<i64> = sqlx::query_scalar(
            "INSERT INTO craftkit_webhook_inbox \
               (namespace, event_id, state, token, lease_until, purge_after) \
             VALUES (?1, ?2, 'in_progress', 1, ?3, ?4) \
             ON CONFLICT (namespace, event_id) DO UPDATE SET \
               token = craftkit_webhook_inbox.token + 1, \
               lease_until = excluded.lease_until, \
               purge_after = excluded.purge_after \
             WHERE craftkit_webhook_inbox.state = 'in_progress' \
               AND craftkit_webhook_inbox.lease_until <= ?5 \
             RETURNING token",
        )
        .bind(&self.namespace)
        .bind(event_id)
        .bind(until)
        .bind(until.saturating_add(millis(self.retention)))
        .bind(now)
        .fetch_optional(&self.pool)
        .await
        .map_err(|e| InboxError::unavailable(STORE, e))?;
        if let Some(token) = token {
            return Ok(Claim::Claimed(Lease::new(event_id, token)));
        }
        let row: Option<(String, i64)> = sqlx::query_as(
            "SELECT state, lease_until FROM craftkit_webhook_inbox \
             WHERE namespace = ?1 AND event_id = ?2",
        )
        .bind(&self.namespace)
        .bind(event_id)
        .fetch_optional(&self.pool)
        .await
        .map_err(|e| InboxError::unavailable(STORE, e))?;
        Ok(match row {
            Some((state, _)) if state == "done" => Claim::Done,
            Some((_, until)) => Claim::InProgress {
                retry_after: retry_after_millis(until - now),
            },
            // Purged between the two statements: come back.
            None => Claim::InProgress {
                retry_after: Duration::from_secs(1),
            },
        })
    }

    fn done_query(
        &self,
        lease: &Lease,
    ) -> sqlx::query::Query<'static, Sqlite, sqlx::sqlite::SqliteArguments<'static>> {
        let now = unix_millis(SystemTime::now());
        sqlx::query(
            "UPDATE craftkit_webhook_inbox SET state = 'done', lease_until = 0, purge_after = ?4 \
             WHERE namespace = ?1 AND event_id = ?2 AND token = ?3 AND state = 'in_progress'",
        )
        .bind(self.namespace.clone())
        .bind(lease.event_id().to_owned())
        .bind(lease.token())
        .bind(now.saturating_add(millis(self.retention)))
    }

    async fn purge_now(&self, limit: u32) -> Result<u64, InboxError> {
        let now = unix_millis(SystemTime::now());
        sqlx::query(
            "DELETE FROM craftkit_webhook_inbox WHERE namespace = ?1 AND event_id IN \
               (SELECT event_id FROM craftkit_webhook_inbox \
                WHERE namespace = ?1 AND purge_after <= ?2 LIMIT ?3)",
        )
        .bind(&self.namespace)
        .bind(now)
        .bind(i64::from(limit))
        .execute(&self.pool)
        .await
        .map(|done| done.rows_affected())
        .map_err(|e| InboxError::unavailable(STORE, e))
    }
}

impl Inbox for SqliteInbox {
    fn namespace(&self) -> &str {
        &self.namespace
    }

    fn claim<'a>(
        &'a self,
        event_id: &'a str,
        lease: Duration,
    ) -> BoxFuture<'a, Result<Claim, InboxError>> {
        Box::pin(self.claim_now(event_id, lease))
    }

    fn complete<'a>(&'a self, lease: &'a Lease) -> BoxFuture<'a, Result<Completion, InboxError>> {
        Box::pin(async move {
            self.done_query(lease)
                .execute(&self.pool)
                .await
                .map(|done| Completion::from_marked(done.rows_affected()))
                .map_err(|e| InboxError::unavailable(STORE, e))
        })
    }

    fn release<'a>(&'a self, lease: &'a Lease) -> BoxFuture<'a, Result<(), InboxError>> {
        Box::pin(async move {
            sqlx::query(
                "UPDATE craftkit_webhook_inbox SET lease_until = 0 \
                 WHERE namespace = ?1 AND event_id = ?2 AND token = ?3 AND state = 'in_progress'",
            )
            .bind(&self.namespace)
            .bind(lease.event_id())
            .bind(lease.token())
            .execute(&self.pool)
            .await
            .map(drop)
            .map_err(|e| InboxError::unavailable(STORE, e))
        })
    }

    fn purge(&self, limit: u32) -> BoxFuture<'_, Result<u64, InboxError>> {
        Box::pin(self.purge_now(limit))
    }
}

impl TransactionalInbox for SqliteInbox {
    type Database = Sqlite;

    fn begin(&self) -> BoxFuture<'_, Result<Transaction<'static, Sqlite>, InboxError>> {
        Box::pin(async move {
            self.pool
                .begin()
                .await
                .map_err(|e| InboxError::unavailable(STORE, e))
        })
    }

    fn complete_in<'a>(
        &'a self,
        tx: &'a mut Transaction<'static, Sqlite>,
        lease: &'a Lease,
    ) -> BoxFuture<'a, Result<Completion, InboxError>> {
        Box::pin(async move {
            self.done_query(lease)
                .execute(&mut **tx)
                .await
                .map(|done| Completion::from_marked(done.rows_affected()))
                .map_err(|e| InboxError::unavailable(STORE, e))
        })
    }
}
