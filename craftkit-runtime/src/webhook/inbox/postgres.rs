//! [`PgInbox`]: the inbox in PostgreSQL (feature `postgres`).

use std::sync::Arc;
use std::time::Duration;

use sqlx::postgres::{PgArguments, PgPool};
use sqlx::{Postgres, Transaction};

use super::{
    BoxFuture, Claim, Completion, DEFAULT_PURGE_EVERY, DEFAULT_RETENTION, Inbox, InboxError, Lease,
    PURGE_BATCH, PurgeSchedule, TransactionalInbox, check_event_id, check_namespace, millis,
    retry_after_millis,
};

const STORE: &str = "postgres";

/// An arbitrary constant: the advisory lock that serializes concurrent migrations.
const MIGRATION_LOCK: i64 = 0x6372_6166_746b_6974; // "craftkit"

/// The inbox in PostgreSQL, on your own pool, for many instances: the claim is one atomic
/// `INSERT ... ON CONFLICT DO UPDATE`, times are the server's clock (instances' clocks may
/// differ), and your work commits in the transaction that marks the event done
/// ([`TransactionalInbox`]; `webhook::axum::Endpoint::post_in_transaction`): the effect and the
/// mark commit together or not at all, so each event's effect commits exactly once.
///
/// A completion is `UPDATE ... SET state = 'done' WHERE namespace = $1 AND event_id = $2 AND
/// token = $3 AND state = 'in_progress'` in your transaction: if a later claim took the id
/// (the lease expired), no row matches, the completion is [`Completion::LeaseLost`], and the
/// transaction is rolled back.
///
/// The table, created by [`migrate`](PgInbox::migrate) (under an advisory lock, so instances
/// starting together do not race), in the pool's `search_path`:
///
/// ```sql
#[doc = include_str!("postgres.sql")]
/// ```
///
/// ```no_run
/// use craftkit_runtime::webhook::inbox::PgInbox;
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let pool = sqlx::PgPool::connect(&std::env::var("DATABASE_URL")?).await?;
/// let inbox = PgInbox::new(pool, "renders")?;
/// inbox.migrate().await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct PgInbox {
    pool: PgPool,
    namespace: String,
    retention: Duration,
    schedule: Arc<PurgeSchedule>,
}

/// The migration, as [`PgInbox::migrate`] runs it.
const MIGRATION: &str = include_str!("postgres.sql");

impl PgInbox {
    /// An inbox over your pool, in `namespace` (run [`migrate`](PgInbox::migrate) once).
    pub fn new(pool: PgPool, namespace: &str) -> Result<PgInbox, InboxError> {
        check_namespace(namespace)?;
        Ok(PgInbox {
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

    /// The pool.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// Creates the table and its index if they do not exist (see the type's doc for the SQL).
    pub async fn migrate(&self) -> Result<(), InboxError> {
        let fail = |e: sqlx::Error| InboxError::unavailable(STORE, e);
        let mut tx = self.pool.begin().await.map_err(fail)?;
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(MIGRATION_LOCK)
            .execute(&mut *tx)
            .await
            .map_err(fail)?;
        sqlx::raw_sql(MIGRATION)
            .execute(&mut *tx)
            .await
            .map_err(fail)?;
        tx.commit().await.map_err(fail)
    }

    async fn claim_now(&self, event_id: &str, lease: Duration) -> Result<Claim, InboxError> {
        check_event_id(event_id)?;
        if self.schedule.due() {
            // Best effort: a failed purge is retried at the next turn.
            let _ = self.purge_now(PURGE_BATCH).await;
        }
        let token: Option<i64> = sqlx::query_scalar(
            "INSERT INTO craftkit_webhook_inbox AS t \
               (namespace, event_id, state, token, lease_until, purge_after) \
             VALUES ($1, $2, 'in_progress', 1, \
               clock_timestamp() + $3::float8 * interval '1 millisecond', \
               clock_timestamp() + ($3::float8 + $4::float8) * interval '1 millisecond') \
             ON CONFLICT (namespace, event_id) DO UPDATE SET \
               token = t.token + 1, \
               lease_until = excluded.lease_until, \
               purge_after = excluded.purge_after \
             WHERE t.state = 'in_progress' AND t.lease_until <= clock_timestamp() \
             RETURNING token",
        )
        .bind(&self.namespace)
        .bind(event_id)
        .bind(millis(lease))
        .bind(millis(self.retention))
        .fetch_optional(&self.pool)
        .await
        .map_err(|e| InboxError::unavailable(STORE, e))?;
        if let Some(token) = token {
            return Ok(Claim::Claimed(Lease::new(event_id, token)));
        }
        let row: Option<(String, i64)> = sqlx::query_as(
            "SELECT state, \
               ceil(greatest(0, extract(epoch FROM lease_until - clock_timestamp()) * 1000))::bigint \
             FROM craftkit_webhook_inbox WHERE namespace = $1 AND event_id = $2",
        )
        .bind(&self.namespace)
        .bind(event_id)
        .fetch_optional(&self.pool)
        .await
        .map_err(|e| InboxError::unavailable(STORE, e))?;
        Ok(match row {
            Some((state, _)) if state == "done" => Claim::Done,
            Some((_, remaining)) => Claim::InProgress {
                retry_after: retry_after_millis(remaining),
            },
            // Purged between the two statements: come back.
            None => Claim::InProgress {
                retry_after: Duration::from_secs(1),
            },
        })
    }

    fn done_query(&self, lease: &Lease) -> sqlx::query::Query<'static, Postgres, PgArguments> {
        sqlx::query(
            "UPDATE craftkit_webhook_inbox SET state = 'done', \
               purge_after = clock_timestamp() + $4::float8 * interval '1 millisecond' \
             WHERE namespace = $1 AND event_id = $2 AND token = $3 AND state = 'in_progress'",
        )
        .bind(self.namespace.clone())
        .bind(lease.event_id().to_owned())
        .bind(lease.token())
        .bind(millis(self.retention))
    }

    async fn purge_now(&self, limit: u32) -> Result<u64, InboxError> {
        sqlx::query(
            "DELETE FROM craftkit_webhook_inbox WHERE namespace = $1 AND event_id IN \
               (SELECT event_id FROM craftkit_webhook_inbox \
                WHERE namespace = $1 AND purge_after <= clock_timestamp() LIMIT $2)",
        )
        .bind(&self.namespace)
        .bind(i64::from(limit))
        .execute(&self.pool)
        .await
        .map(|done| done.rows_affected())
        .map_err(|e| InboxError::unavailable(STORE, e))
    }
}

impl Inbox for PgInbox {
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
                "UPDATE craftkit_webhook_inbox SET lease_until = clock_timestamp() \
                 WHERE namespace = $1 AND event_id = $2 AND token = $3 AND state = 'in_progress'",
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

impl TransactionalInbox for PgInbox {
    type Database = Postgres;

    fn begin(&self) -> BoxFuture<'_, Result<Transaction<'static, Postgres>, InboxError>> {
        Box::pin(async move {
            self.pool
                .begin()
                .await
                .map_err(|e| InboxError::unavailable(STORE, e))
        })
    }

    fn complete_in<'a>(
        &'a self,
        tx: &'a mut Transaction<'static, Postgres>,
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
