//! A webhook receiver as a backend writes one: an axum route built by [`Endpoint`], which
//! verifies each delivery, claims its event id in an inbox, runs the work, and completes the
//! claim (or releases it on a failure). The work downloads the PDF of every succeeded render and records the event as an
//! *effect*:
//!
//! - SQLite (`--store sqlite:PATH`, the default) and PostgreSQL (`--store postgres://...`): a
//!   row of `webhook_effects`, inserted in the transaction that marks the event done, so each
//!   event's effect commits exactly once;
//! - Redis (`--store redis://...`): a field of a hash keyed by the event id (idempotent: a run
//!   after a crash writes the same field again), and a counter of runs;
//! - memory (`--store memory`): like Redis, an idempotent record per event id (the memory
//!   inbox cannot commit with it either), and a counter of runs, in the process.
//!
//! `--store lossy-sqlite:PATH` keeps the *old* pattern (`first_delivery` / `forget`: an id is
//! marked seen on its first delivery, forgotten when the work fails, and a delivery of a seen
//! id is acknowledged `200`), over SQLite, with the effects in their own transaction. It loses
//! events (a redelivery during the work, a crash after the mark), and exists only so the kill
//! test can show that it does. Never use it.
//!
//! `GET /effects` lists them, for tests.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use craftkit_runtime::Client;
use craftkit_runtime::webhook::axum::Endpoint;
use craftkit_runtime::webhook::inbox::{
    BoxFuture, Claim, Completion, Inbox, InboxError, Lease, MemoryInbox, PgInbox, RedisInbox,
    SqliteInbox, check_event_id,
};
use craftkit_runtime::webhook::{Event, EventType, Verifier};

/// Where the receiver keeps its inbox and its effects: `--store`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreSpec {
    /// `memory`: lost on a restart.
    Memory,
    /// `sqlite:PATH`: one file, one instance.
    Sqlite(PathBuf),
    /// `postgres://...` (or `postgresql://...`): many instances.
    Postgres(String),
    /// `redis://...`: many instances, idempotent effects.
    Redis(String),
    /// `lossy-sqlite:PATH`: the old `first_delivery` / `forget` pattern, which loses events;
    /// only for the test that shows it (see the crate's doc).
    LossySqlite(PathBuf),
}

impl std::str::FromStr for StoreSpec {
    type Err = String;

    fn from_str(spec: &str) -> Result<StoreSpec, String> {
        if spec == "memory" {
            Ok(StoreSpec::Memory)
        } else if let Some(path) = spec.strip_prefix("sqlite:") {
            if path.is_empty() {
                return Err("`--store sqlite:PATH` needs a path".into());
            }
            Ok(StoreSpec::Sqlite(PathBuf::from(path)))
        } else if let Some(path) = spec.strip_prefix("lossy-sqlite:") {
            if path.is_empty() {
                return Err("`--store lossy-sqlite:PATH` needs a path".into());
            }
            Ok(StoreSpec::LossySqlite(PathBuf::from(path)))
        } else if spec.starts_with("postgres://") || spec.starts_with("postgresql://") {
            Ok(StoreSpec::Postgres(spec.to_owned()))
        } else if spec.starts_with("redis://") {
            Ok(StoreSpec::Redis(spec.to_owned()))
        } else {
            Err(format!(
                "unknown store `{}`: use `memory`, `sqlite:PATH`, `postgres://...` or `redis://...`",
                spec.split("://").next().unwrap_or_default()
            ))
        }
    }
}

/// Faults injected into the work, for tests: a share of deliveries that sleep, a share that
/// fail, drawn from a seeded generator.
#[derive(Debug, Clone, Default)]
pub struct Faults {
    /// The share of deliveries that sleep `slow` before recording their effect (0 to 1).
    pub slow_rate: f64,
    /// How long a slow delivery sleeps.
    pub slow: Duration,
    /// The share of deliveries that fail after the download (0 to 1).
    pub fail_rate: f64,
    /// The generator's seed.
    pub seed: u64,
}

/// How to build a [`Receiver`].
#[derive(Debug, Clone)]
pub struct Options {
    /// Where the inbox and the effects live.
    pub store: StoreSpec,
    /// The inbox namespace (one per endpoint).
    pub namespace: String,
    /// The endpoint's signing secrets (several while one rotates).
    pub secrets: Vec<String>,
    /// The lease a claim takes: longer than the slowest work.
    pub lease: Duration,
    /// The directory the PDFs are downloaded into.
    pub out_dir: PathBuf,
    /// Injected faults.
    pub faults: Faults,
    /// The most connections the PostgreSQL pool opens (each instance its own pool: keep the
    /// instances' sum under the server's `max_connections`).
    pub pool_size: u32,
}

/// The default [`Options::pool_size`].
pub const DEFAULT_POOL_SIZE: u32 = 64;

/// One effect: an event the receiver processed.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Effect {
    /// The event's id.
    pub event_id: String,
    /// The event's type.
    pub kind: String,
    /// The render's id.
    pub render_id: String,
    /// The size of the PDF downloaded, for a succeeded render.
    pub pdf_bytes: Option<i64>,
}

/// What `GET /effects` answers.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct Effects {
    /// Every effect recorded, in order (with SQL stores a duplicate would show twice).
    pub effects: Vec<Effect>,
    /// How many times the work ran to its end (Redis and memory; for SQL stores, the committed
    /// rows).
    pub runs: u64,
}

/// The inbox with its effects' storage.
#[derive(Clone)]
enum Backend {
    Memory(Arc<MemoryInbox>, Arc<Mutex<MemoryEffects>>),
    Sqlite(Arc<SqliteInbox>),
    Postgres(Arc<PgInbox>),
    Redis(Arc<RedisInbox>),
    Lossy(Arc<FirstDelivery>),
}

/// The effects of the memory store: one per event id, in the order first recorded, and the
/// runs.
#[derive(Default)]
struct MemoryEffects {
    effects: Vec<Effect>,
    ids: std::collections::HashSet<String>,
    runs: u64,
}

/// The receiver: its endpoint's backend, the client that downloads, and the faults.
#[derive(Clone)]
pub struct Receiver {
    backend: Backend,
    verifier: Verifier,
    lease: Duration,
    work: Work,
}

/// What the work needs, cloned into each delivery.
#[derive(Clone)]
struct Work {
    client: Client,
    out_dir: PathBuf,
    faults: Faults,
    rng: Arc<Mutex<fastrand::Rng>>,
    /// The inbox namespace, which also scopes the effects.
    namespace: String,
}

/// Why the receiver could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// No secret: every delivery would be refused.
    #[error("no webhook signing secret: set CRAFTKIT_WEBHOOK_SECRET or pass --secret")]
    NoSecret,
    /// The store could not be opened.
    #[error(transparent)]
    Store(#[from] InboxError),
    /// The effects table could not be created.
    #[error("creating the effects table: {0}")]
    Effects(String),
}

/// Why one delivery's work failed (answered `500`, the claim released).
#[derive(Debug, thiserror::Error)]
enum WorkError {
    #[error("downloading the PDF: {0}")]
    Download(#[from] craftkit_runtime::client::Error),
    #[error("saving the PDF: {0}")]
    Save(#[from] std::io::Error),
    #[error("recording the effect: {0}")]
    Sql(#[from] sqlx::Error),
    #[error("recording the effect: {0}")]
    Redis(#[from] redis::RedisError),
    #[error("an injected failure")]
    Injected,
}

const SQLITE_EFFECTS: &str = "CREATE TABLE IF NOT EXISTS webhook_effects (
    seq       INTEGER PRIMARY KEY AUTOINCREMENT,
    namespace TEXT    NOT NULL,
    event_id  TEXT    NOT NULL, -- no UNIQUE: a duplicate would show, not fail
    kind      TEXT    NOT NULL,
    render_id TEXT    NOT NULL,
    pdf_bytes INTEGER
)";

const POSTGRES_EFFECTS: &str = "CREATE TABLE IF NOT EXISTS webhook_effects (
    seq       bigserial PRIMARY KEY,
    namespace text      NOT NULL,
    event_id  text      NOT NULL, -- no UNIQUE: a duplicate would show, not fail
    kind      text      NOT NULL,
    render_id text      NOT NULL,
    pdf_bytes bigint
)";

impl Receiver {
    /// Opens the store (running its migration and creating the effects table) and builds the
    /// receiver; `client` downloads the PDFs.
    pub async fn open(options: Options, client: Client) -> Result<Receiver, StartError> {
        let verifier = options
            .secrets
            .iter()
            .fold(Verifier::new(""), |verifier, secret| {
                verifier.secret(secret)
            });
        if !verifier.has_secret() {
            return Err(StartError::NoSecret);
        }
        let ns = options.namespace.as_str();
        let effects_error = |e: sqlx::Error| StartError::Effects(e.to_string());
        let backend = match &options.store {
            StoreSpec::Memory => Backend::Memory(Arc::new(MemoryInbox::new()), Arc::default()),
            StoreSpec::Sqlite(path) => {
                let inbox = SqliteInbox::open(path, ns).await?;
                sqlx::raw_sql(SQLITE_EFFECTS)
                    .execute(inbox.pool())
                    .await
                    .map_err(effects_error)?;
                Backend::Sqlite(Arc::new(inbox))
            }
            StoreSpec::Postgres(url) => {
                let pool = sqlx::postgres::PgPoolOptions::new()
                    .max_connections(options.pool_size.max(1))
                    .acquire_timeout(Duration::from_secs(5))
                    .connect_lazy(url)
                    .map_err(|e| InboxError::Unavailable {
                        store: "postgres",
                        message: e.to_string().replace(url.as_str(), "[the URL]"),
                    })?;
                let inbox = PgInbox::new(pool, ns)?;
                inbox.migrate().await?;
                sqlx::raw_sql(POSTGRES_EFFECTS)
                    .execute(inbox.pool())
                    .await
                    .map_err(effects_error)?;
                Backend::Postgres(Arc::new(inbox))
            }
            StoreSpec::Redis(url) => Backend::Redis(Arc::new(RedisInbox::connect(url, ns).await?)),
            StoreSpec::LossySqlite(path) => {
                // The file and its pool as `sqlite:` opens them; the claims in a table of
                // their own.
                let pool = SqliteInbox::open(path, ns).await?.pool().clone();
                sqlx::raw_sql(&format!("{SQLITE_EFFECTS}; {LOSSY_SEEN}"))
                    .execute(&pool)
                    .await
                    .map_err(effects_error)?;
                Backend::Lossy(Arc::new(FirstDelivery {
                    pool,
                    namespace: ns.to_owned(),
                }))
            }
        };
        Ok(Receiver {
            backend,
            verifier,
            lease: options.lease,
            work: Work {
                client,
                out_dir: options.out_dir,
                rng: Arc::new(Mutex::new(fastrand::Rng::with_seed(options.faults.seed))),
                faults: options.faults,
                namespace: ns.to_owned(),
            },
        })
    }

    /// The app: `POST /webhooks/craftkit` and `GET /effects`.
    pub fn router(&self) -> Router {
        let work = self.work.clone();
        let webhook = match &self.backend {
            Backend::Memory(inbox, effects) => {
                let effects = effects.clone();
                self.endpoint(inbox.clone()).post(move |event: Event| {
                    let (work, effects) = (work.clone(), effects.clone());
                    async move {
                        let effect = work.run(&event).await?;
                        let mut effects = effects.lock().unwrap_or_else(PoisonError::into_inner);
                        effects.runs += 1;
                        if effects.ids.insert(effect.event_id.clone()) {
                            effects.effects.push(effect);
                        }
                        Ok::<(), WorkError>(())
                    }
                })
            }
            // The effect is inserted in the transaction that marks the event done.
            Backend::Sqlite(inbox) => self.endpoint(inbox.clone()).post_in_transaction(
                move |event, tx: &mut sqlx::Transaction<'static, sqlx::Sqlite>| {
                    let work = work.clone();
                    Box::pin(async move {
                        let effect = work.run(&event).await?;
                        sqlx::query(
                            "INSERT INTO webhook_effects \
                               (namespace, event_id, kind, render_id, pdf_bytes) \
                             VALUES ($1, $2, $3, $4, $5)",
                        )
                        .bind(work.namespace.clone())
                        .bind(effect.event_id)
                        .bind(effect.kind)
                        .bind(effect.render_id)
                        .bind(effect.pdf_bytes)
                        .execute(&mut **tx)
                        .await?;
                        Ok::<(), WorkError>(())
                    }) as BoxFuture<'_, Result<(), WorkError>>
                },
            ),
            Backend::Postgres(inbox) => self.endpoint(inbox.clone()).post_in_transaction(
                move |event, tx: &mut sqlx::Transaction<'static, sqlx::Postgres>| {
                    let work = work.clone();
                    Box::pin(async move {
                        let effect = work.run(&event).await?;
                        sqlx::query(
                            "INSERT INTO webhook_effects \
                               (namespace, event_id, kind, render_id, pdf_bytes) \
                             VALUES ($1, $2, $3, $4, $5)",
                        )
                        .bind(work.namespace.clone())
                        .bind(effect.event_id)
                        .bind(effect.kind)
                        .bind(effect.render_id)
                        .bind(effect.pdf_bytes)
                        .execute(&mut **tx)
                        .await?;
                        Ok::<(), WorkError>(())
                    }) as BoxFuture<'_, Result<(), WorkError>>
                },
            ),
            // Redis cannot commit with the inbox: the effect is idempotent (a hash field per
            // event id), and a run after a crash writes the same field again.
            Backend::Redis(inbox) => {
                let connection = inbox.connection().clone();
                self.endpoint(inbox.clone()).post(move |event: Event| {
                    let (work, mut connection) = (work.clone(), connection.clone());
                    async move {
                        let effect = work.run(&event).await?;
                        let record = serde_json::to_string(&effect).unwrap_or_default();
                        redis::pipe()
                            .atomic()
                            .hset(work.redis_key("effects"), &effect.event_id, record)
                            .incr(work.redis_key("runs"), 1)
                            .query_async::<()>(&mut connection)
                            .await?;
                        Ok::<(), WorkError>(())
                    }
                })
            }
            // The old pattern: the effect in its own transaction, after the id was marked seen.
            Backend::Lossy(inbox) => {
                let pool = inbox.pool.clone();
                self.endpoint(inbox.clone()).post(move |event: Event| {
                    let (work, pool) = (work.clone(), pool.clone());
                    async move {
                        let effect = work.run(&event).await?;
                        insert_effect(&work.namespace, effect, &pool).await?;
                        Ok::<(), WorkError>(())
                    }
                })
            }
        };
        Router::new()
            .route(
                "/webhooks/craftkit",
                webhook.layer(axum::middleware::from_fn(finish_after_hang_up)),
            )
            .route("/effects", get(effects))
            .with_state(self.clone())
    }

    fn endpoint<I: craftkit_runtime::webhook::inbox::Inbox + 'static>(
        &self,
        inbox: Arc<I>,
    ) -> Endpoint<I> {
        Endpoint::new(self.verifier.clone(), inbox)
            .expect("the secret was checked in `open`")
            .lease(self.lease)
    }

    /// Every effect recorded so far.
    pub async fn effects(&self) -> Result<Effects, String> {
        let rows = |rows: Vec<(String, String, String, Option<i64>)>| -> Vec<Effect> {
            rows.into_iter()
                .map(|(event_id, kind, render_id, pdf_bytes)| Effect {
                    event_id,
                    kind,
                    render_id,
                    pdf_bytes,
                })
                .collect()
        };
        const SELECT: &str = "SELECT event_id, kind, render_id, pdf_bytes FROM webhook_effects \
                              WHERE namespace = $1 ORDER BY seq";
        let ns = self.work.namespace.clone();
        match &self.backend {
            Backend::Memory(_, effects) => {
                let effects = effects.lock().unwrap_or_else(PoisonError::into_inner);
                Ok(Effects {
                    effects: effects.effects.clone(),
                    runs: effects.runs,
                })
            }
            Backend::Sqlite(_) | Backend::Lossy(_) => {
                let pool = match &self.backend {
                    Backend::Lossy(inbox) => &inbox.pool,
                    Backend::Sqlite(inbox) => inbox.pool(),
                    Backend::Memory(..) | Backend::Postgres(_) | Backend::Redis(_) => {
                        return Err("not a SQLite store".into());
                    }
                };
                let effects = rows(
                    sqlx::query_as(SELECT)
                        .bind(ns)
                        .fetch_all(pool)
                        .await
                        .map_err(|e| e.to_string())?,
                );
                let runs = effects.len() as u64;
                Ok(Effects { effects, runs })
            }
            Backend::Postgres(inbox) => {
                let effects = rows(
                    sqlx::query_as(SELECT)
                        .bind(ns)
                        .fetch_all(inbox.pool())
                        .await
                        .map_err(|e| e.to_string())?,
                );
                let runs = effects.len() as u64;
                Ok(Effects { effects, runs })
            }
            Backend::Redis(inbox) => {
                let mut connection = inbox.connection().clone();
                let (records, runs): (Vec<(String, String)>, Option<u64>) = redis::pipe()
                    .hgetall(self.work.redis_key("effects"))
                    .get(self.work.redis_key("runs"))
                    .query_async(&mut connection)
                    .await
                    .map_err(|e| e.to_string())?;
                let effects = records
                    .into_iter()
                    .filter_map(|(_, record)| serde_json::from_str(&record).ok())
                    .collect();
                Ok(Effects {
                    effects,
                    runs: runs.unwrap_or(0),
                })
            }
        }
    }
}

impl Work {
    /// The Redis key of the effects' hash (`effects`) or the runs' counter (`runs`).
    fn redis_key(&self, what: &str) -> String {
        format!("craftkit-example:{}:{what}", self.namespace)
    }

    /// Downloads a succeeded render's PDF (to a name of its own, renamed into place, so two
    /// runs of one event never write one file), with the injected faults.
    async fn run(&self, event: &Event) -> Result<Effect, WorkError> {
        let (slow, fail, nonce) = {
            let mut rng = self.rng.lock().unwrap_or_else(PoisonError::into_inner);
            (
                rng.f64() < self.faults.slow_rate,
                rng.f64() < self.faults.fail_rate,
                rng.u64(..),
            )
        };
        let pdf_bytes = match event.kind {
            EventType::RenderSucceeded => {
                let path = self.out_dir.join(format!("{}.pdf", event.data.id));
                let attempt = self
                    .out_dir
                    .join(format!("{}.{nonce:016x}.pdf", event.data.id));
                let written = self.client.download_to_file(&event.data, &attempt).await?;
                tokio::fs::rename(&attempt, &path).await?;
                Some(i64::try_from(written).unwrap_or(i64::MAX))
            }
            EventType::RenderFailed | EventType::Unknown(_) => None,
        };
        if slow {
            tokio::time::sleep(self.faults.slow).await;
        }
        if fail {
            return Err(WorkError::Injected);
        }
        Ok(Effect {
            event_id: event.id.clone(),
            kind: event.kind.as_str().to_owned(),
            render_id: event.data.id.clone(),
            pdf_bytes,
        })
    }
}

/// Runs a delivery in a task of its own. hyper drops a request's handler when its client
/// hangs up, and Craftkit hangs up at its delivery timeout (10 s): work slower than that would
/// be cancelled on every attempt (holding its claim until the lease expires, then starting
/// over, and never completing). In its own task the work completes (or releases its claim),
/// and the next redelivery finds the event done.
async fn finish_after_hang_up(request: Request, next: Next) -> Response {
    match tokio::spawn(next.run(request)).await {
        Ok(response) => response,
        // The handler panicked: answered non-2xx, so the event is delivered again.
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

async fn effects(State(receiver): State<Receiver>) -> Result<axum::Json<Effects>, StatusCode> {
    receiver
        .effects()
        .await
        .map(axum::Json)
        .map_err(|_| StatusCode::SERVICE_UNAVAILABLE)
}

const LOSSY_SEEN: &str = "CREATE TABLE IF NOT EXISTS webhook_seen (
    namespace TEXT NOT NULL,
    event_id  TEXT NOT NULL,
    PRIMARY KEY (namespace, event_id)
)";

/// Inserts `effect` in its own transaction (the old pattern's work, apart from its mark).
async fn insert_effect(
    namespace: &str,
    effect: Effect,
    pool: &sqlx::SqlitePool,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO webhook_effects (namespace, event_id, kind, render_id, pdf_bytes) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(namespace)
    .bind(effect.event_id)
    .bind(effect.kind)
    .bind(effect.render_id)
    .bind(effect.pdf_bytes)
    .execute(pool)
    .await
    .map(drop)
}

/// The old `first_delivery` / `forget` pattern as an [`Inbox`], for `--store lossy-sqlite:`:
/// a claim marks the id seen (a seen id is *done*, never *in progress*), a completion does
/// nothing, a release forgets the id. No lease, no fencing: it loses events.
struct FirstDelivery {
    pool: sqlx::SqlitePool,
    namespace: String,
}

impl Inbox for FirstDelivery {
    fn namespace(&self) -> &str {
        &self.namespace
    }

    fn claim<'a>(
        &'a self,
        event_id: &'a str,
        _lease: Duration,
    ) -> BoxFuture<'a, Result<Claim, InboxError>> {
        Box::pin(async move {
            check_event_id(event_id)?;
            let first = sqlx::query(
                "INSERT INTO webhook_seen (namespace, event_id) VALUES ($1, $2) \
                 ON CONFLICT DO NOTHING",
            )
            .bind(&self.namespace)
            .bind(event_id)
            .execute(&self.pool)
            .await
            .map_err(lossy_unavailable)?
            .rows_affected()
                == 1;
            Ok(if first {
                Claim::Claimed(Lease::new(event_id, 0))
            } else {
                Claim::Done
            })
        })
    }

    fn complete<'a>(&'a self, _lease: &'a Lease) -> BoxFuture<'a, Result<Completion, InboxError>> {
        Box::pin(async { Ok(Completion::Completed) })
    }

    fn release<'a>(&'a self, lease: &'a Lease) -> BoxFuture<'a, Result<(), InboxError>> {
        Box::pin(async move {
            sqlx::query("DELETE FROM webhook_seen WHERE namespace = $1 AND event_id = $2")
                .bind(&self.namespace)
                .bind(lease.event_id())
                .execute(&self.pool)
                .await
                .map(drop)
                .map_err(lossy_unavailable)
        })
    }

    fn purge(&self, _limit: u32) -> BoxFuture<'_, Result<u64, InboxError>> {
        Box::pin(async { Ok(0) })
    }
}

fn lossy_unavailable(error: sqlx::Error) -> InboxError {
    InboxError::Unavailable {
        store: "sqlite",
        message: error.to_string(),
    }
}
