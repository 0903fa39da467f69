//! The webhook inbox's stores measured side by side (`benches/webhook-stores.sh` runs it).
//!
//! ```text
//! cargo run --release -p craftkit-runtime --example webhook_stores -- [EVENTS] [CONCURRENCY] [ROUNDS] [SEQUENTIAL]
//! ```
//!
//! Defaults 20000, 64, 3, 2000. One tokio runtime (one worker per core) holds an axum server on
//! `127.0.0.1:0` per store, each the runtime's [`Endpoint`], and one keep-alive
//! `reqwest::Client` that delivers signed events ([`webhook::sign`]) to them:
//!
//! - `memory`: [`MemoryInbox`], a handler that does nothing. The baseline.
//! - `sqlite`: [`SqliteInbox::open`] on a fresh file (WAL, `synchronous = NORMAL`),
//!   `post_in_transaction` with one `INSERT` into an effects table in the transaction that
//!   marks the event done.
//! - `postgres`: [`PgInbox`] on a pool of 64 connections in a fresh schema, the same `INSERT`
//!   in the transaction (what a user pays for an effect exactly once).
//! - `postgres, synchronous_commit=off`: the same, its connections with
//!   `synchronous_commit = off` (a commit does not wait for the WAL flush): what the flush
//!   costs. Not a recommendation: a crash of the server then loses the last commits.
//! - `redis`: [`RedisInbox`] with a fresh key prefix, a handler that does nothing (Redis cannot
//!   commit with the user's database; the user's effect is theirs to make idempotent).
//!
//! PostgreSQL runs only when `CRAFTKIT_BENCH_POSTGRES_URL` is set, Redis only when
//! `CRAFTKIT_BENCH_REDIS_URL` is (a note says which were skipped). The schema and the Redis
//! keys are removed at the end.
//!
//! Each round delivers EVENTS distinct events (each signed before the clock starts) to every
//! store in turn, at most CONCURRENCY in flight, in an order rotated each round; each request's
//! latency is recorded (from sending to the whole answer read; every answer must be `200`).
//! The table gives the medians over the rounds of events/s, p50 and p99, the throughput as a
//! ratio to memory's, and p50 over memory's. Then SEQUENTIAL events one at a time per store
//! (no queueing: the store's own latency), and, for both, where each delivery's time went in
//! the store (the means of the claim, the `BEGIN`, the user's `INSERT` and the completion,
//! timed by a wrapper around the inbox; the commit is what remains of the added latency).

use std::convert::Infallible;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::Router;
use craftkit_runtime::webhook::axum::Endpoint;
use craftkit_runtime::webhook::inbox::{
    BoxFuture, Claim, Completion, Inbox, InboxError, Lease, MemoryInbox, PgInbox, RedisInbox,
    SqliteInbox, TransactionalInbox,
};
use craftkit_runtime::webhook::{self, Event, SIGNATURE_HEADER, Verifier};
use futures_util::StreamExt;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

/// How long a PostgreSQL connection stays idle before its pool closes it.
const IDLE: Duration = Duration::from_secs(2);

const SECRET: &str = "whsec_benchwebhookstores";
const PATH: &str = "/webhooks/craftkit";

const SQLITE_EFFECTS: &str = "CREATE TABLE IF NOT EXISTS bench_effects (
    event_id TEXT PRIMARY KEY,
    kind     TEXT NOT NULL
)";

const POSTGRES_EFFECTS: &str = "CREATE TABLE IF NOT EXISTS bench_effects (
    event_id text PRIMARY KEY,
    kind     text NOT NULL
)";

/// Sums of the time spent in each step of the store, in nanoseconds, and their counts.
#[derive(Debug, Default)]
struct Phases {
    claim: Step,
    begin: Step,
    work: Step,
    complete: Step,
}

#[derive(Debug, Default)]
struct Step {
    nanos: AtomicU64,
    count: AtomicU64,
}

impl Step {
    fn add(&self, since: Instant) {
        let nanos = u64::try_from(since.elapsed().as_nanos()).unwrap_or(u64::MAX);
        self.nanos.fetch_add(nanos, Ordering::Relaxed);
        self.count.fetch_add(1, Ordering::Relaxed);
    }

    /// The mean in milliseconds since the last call, and resets.
    fn take_mean_ms(&self) -> f64 {
        let nanos = self.nanos.swap(0, Ordering::Relaxed);
        let count = self.count.swap(0, Ordering::Relaxed);
        if count == 0 {
            0.0
        } else {
            nanos as f64 / count as f64 / 1e6
        }
    }
}

impl Phases {
    fn take(&self) -> [f64; 4] {
        [
            self.claim.take_mean_ms(),
            self.begin.take_mean_ms(),
            self.work.take_mean_ms(),
            self.complete.take_mean_ms(),
        ]
    }
}

/// An inbox that times each call to the one it wraps.
struct Timed<I> {
    inner: I,
    phases: Arc<Phases>,
}

fn timed<'a, T: 'a>(
    step: &'a Step,
    future: impl Future<Output = T> + Send + 'a,
) -> BoxFuture<'a, T> {
    Box::pin(async move {
        let start = Instant::now();
        let out = future.await;
        step.add(start);
        out
    })
}

impl<I: Inbox> Inbox for Timed<I> {
    fn namespace(&self) -> &str {
        self.inner.namespace()
    }
    fn claim<'a>(
        &'a self,
        event_id: &'a str,
        lease: Duration,
    ) -> BoxFuture<'a, Result<Claim, InboxError>> {
        timed(&self.phases.claim, self.inner.claim(event_id, lease))
    }
    fn complete<'a>(&'a self, lease: &'a Lease) -> BoxFuture<'a, Result<Completion, InboxError>> {
        timed(&self.phases.complete, self.inner.complete(lease))
    }
    fn release<'a>(&'a self, lease: &'a Lease) -> BoxFuture<'a, Result<(), InboxError>> {
        self.inner.release(lease)
    }
    fn purge(&self, limit: u32) -> BoxFuture<'_, Result<u64, InboxError>> {
        self.inner.purge(limit)
    }
}

impl<I: TransactionalInbox> TransactionalInbox for Timed<I> {
    type Database = I::Database;

    fn begin(
        &self,
    ) -> BoxFuture<'_, Result<sqlx::Transaction<'static, Self::Database>, InboxError>> {
        timed(&self.phases.begin, self.inner.begin())
    }
    fn complete_in<'a>(
        &'a self,
        tx: &'a mut sqlx::Transaction<'static, Self::Database>,
        lease: &'a Lease,
    ) -> BoxFuture<'a, Result<Completion, InboxError>> {
        timed(&self.phases.complete, self.inner.complete_in(tx, lease))
    }
}

/// One store under test: its name, its server's URL and its step timings.
struct Store {
    name: &'static str,
    url: String,
    phases: Arc<Phases>,
}

/// What a run measured.
#[derive(Debug, Clone, Copy)]
struct Run {
    per_second: f64,
    p50_ms: f64,
    p99_ms: f64,
    phases: [f64; 4],
}

fn unique(prefix: &str) -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!("{prefix}_{}_{nanos}", std::process::id())
}

/// Serves `router` on `127.0.0.1:0` and returns the webhook URL.
async fn serve(router: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a loopback port is free");
    let address = listener.local_addr().expect("the listener has an address");
    tokio::spawn(async move {
        axum::serve(listener, router)
            .await
            .expect("the server runs");
    });
    format!("http://{address}{PATH}")
}

fn endpoint<I: Inbox + ?Sized + 'static>(inbox: Arc<I>) -> Endpoint<I> {
    Endpoint::new(Verifier::new(SECRET), inbox).expect("the secret is set")
}

async fn memory() -> Store {
    let phases = Arc::new(Phases::default());
    let inbox = Arc::new(Timed {
        inner: MemoryInbox::new(),
        phases: phases.clone(),
    });
    let router = Router::new().route(
        PATH,
        endpoint(inbox).post(|_event: Event| async { Ok::<(), Infallible>(()) }),
    );
    Store {
        name: "memory",
        url: serve(router).await,
        phases,
    }
}

async fn sqlite(path: &std::path::Path) -> Store {
    let inner = SqliteInbox::open(path, "bench")
        .await
        .expect("the SQLite file opens");
    sqlx::raw_sql(SQLITE_EFFECTS)
        .execute(inner.pool())
        .await
        .expect("the effects table is created");
    let phases = Arc::new(Phases::default());
    let inbox = Arc::new(Timed {
        inner,
        phases: phases.clone(),
    });
    let work_phases = phases.clone();
    let router = Router::new().route(
        PATH,
        endpoint(inbox).post_in_transaction(
            move |event: Event, tx: &mut sqlx::Transaction<'static, sqlx::Sqlite>| {
                let phases = work_phases.clone();
                Box::pin(async move {
                    let start = Instant::now();
                    sqlx::query("INSERT INTO bench_effects (event_id, kind) VALUES (?1, ?2)")
                        .bind(event.id)
                        .bind(event.kind.as_str().to_owned())
                        .execute(&mut **tx)
                        .await?;
                    phases.work.add(start);
                    Ok::<(), sqlx::Error>(())
                }) as BoxFuture<'_, Result<(), sqlx::Error>>
            },
        ),
    );
    Store {
        name: "sqlite",
        url: serve(router).await,
        phases,
    }
}

async fn postgres(
    name: &'static str,
    options: PgConnectOptions,
    schema: &str,
    synchronous_commit: &str,
) -> Store {
    // Idle connections close after 2 s (and runs are 3 s apart), so that the two pools' 128
    // connections are never open together: PostgreSQL allows 100 by default.
    let pool = PgPoolOptions::new()
        .max_connections(64)
        .min_connections(0)
        .idle_timeout(IDLE)
        .acquire_timeout(Duration::from_secs(10))
        .connect_with(options.options([
            ("search_path", schema),
            ("synchronous_commit", synchronous_commit),
        ]))
        .await
        .expect("PostgreSQL accepts the pool's connections");
    let inner = PgInbox::new(pool, "bench").expect("the namespace is valid");
    inner.migrate().await.expect("the migration runs");
    sqlx::raw_sql(POSTGRES_EFFECTS)
        .execute(inner.pool())
        .await
        .expect("the effects table is created");
    let phases = Arc::new(Phases::default());
    let inbox = Arc::new(Timed {
        inner,
        phases: phases.clone(),
    });
    let work_phases = phases.clone();
    let router = Router::new().route(
        PATH,
        endpoint(inbox).post_in_transaction(
            move |event: Event, tx: &mut sqlx::Transaction<'static, sqlx::Postgres>| {
                let phases = work_phases.clone();
                Box::pin(async move {
                    let start = Instant::now();
                    sqlx::query("INSERT INTO bench_effects (event_id, kind) VALUES ($1, $2)")
                        .bind(event.id)
                        .bind(event.kind.as_str().to_owned())
                        .execute(&mut **tx)
                        .await?;
                    phases.work.add(start);
                    Ok::<(), sqlx::Error>(())
                }) as BoxFuture<'_, Result<(), sqlx::Error>>
            },
        ),
    );
    Store {
        name,
        url: serve(router).await,
        phases,
    }
}

async fn redis(url: &str, prefix: &str) -> Store {
    let inner = RedisInbox::connect(url, "bench")
        .await
        .expect("Redis accepts a connection")
        .key_prefix(prefix);
    let phases = Arc::new(Phases::default());
    let inbox = Arc::new(Timed {
        inner,
        phases: phases.clone(),
    });
    let router = Router::new().route(
        PATH,
        endpoint(inbox).post(|_event: Event| async { Ok::<(), Infallible>(()) }),
    );
    Store {
        name: "redis",
        url: serve(router).await,
        phases,
    }
}

/// A `render.succeeded` event with id `id`, as Craftkit sends it.
fn body(id: &str) -> Vec<u8> {
    format!(
        r#"{{"id":"{id}","object":"event","type":"render.succeeded","createdAt":"2025-11-26T10:00:00.000Z","data":{{"id":"rnd_{id}","object":"render","template":"invoice","templateVersion":3,"status":"succeeded","visibility":"private","createdAt":"2025-11-26T09:59:58.000Z","filename":"invoice.pdf"}}}}"#
    )
    .into_bytes()
}

/// Delivers `events` events named `{tag}_{i}` to `store`, `concurrency` in flight.
async fn deliver(
    client: &reqwest::Client,
    store: &Store,
    tag: &str,
    events: usize,
    concurrency: usize,
) -> Run {
    let t = i64::try_from(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs()),
    )
    .unwrap_or(0);
    let signed: Vec<(Vec<u8>, String)> = (0..events)
        .map(|i| {
            let body = body(&format!("evt_{tag}_{i}"));
            let header = webhook::sign(SECRET, &body, t);
            (body, header)
        })
        .collect();
    // Let the other pools' idle connections close.
    tokio::time::sleep(IDLE + Duration::from_secs(1)).await;
    store.phases.take();
    let start = Instant::now();
    let mut latencies: Vec<Duration> = futures_util::stream::iter(signed)
        .map(|(body, header)| async move {
            let sent = Instant::now();
            let response = client
                .post(&store.url)
                .header(SIGNATURE_HEADER, header)
                .header("content-type", "application/json")
                .body(body)
                .send()
                .await
                .expect("the receiver answers");
            let status = response.status();
            let answer = response.bytes().await.expect("the answer reads");
            assert!(
                status == reqwest::StatusCode::OK,
                "{} answered {status}: {}",
                store.name,
                String::from_utf8_lossy(&answer)
            );
            sent.elapsed()
        })
        .buffer_unordered(concurrency)
        .collect()
        .await;
    let wall = start.elapsed();
    latencies.sort_unstable();
    let at = |q: f64| {
        let index = ((latencies.len() as f64 * q).ceil() as usize).clamp(1, latencies.len()) - 1;
        latencies[index].as_secs_f64() * 1e3
    };
    Run {
        per_second: events as f64 / wall.as_secs_f64(),
        p50_ms: at(0.50),
        p99_ms: at(0.99),
        phases: store.phases.take(),
    }
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    }
}

/// Prints the table of the medians of `runs[store][round]`.
fn table(stores: &[Store], runs: &[Vec<Run>]) {
    let medians: Vec<Run> = runs
        .iter()
        .map(|rounds| {
            let of = |f: fn(&Run) -> f64| median(rounds.iter().map(f).collect());
            Run {
                per_second: of(|r| r.per_second),
                p50_ms: of(|r| r.p50_ms),
                p99_ms: of(|r| r.p99_ms),
                phases: [
                    of(|r| r.phases[0]),
                    of(|r| r.phases[1]),
                    of(|r| r.phases[2]),
                    of(|r| r.phases[3]),
                ],
            }
        })
        .collect();
    let base = medians[0];
    println!(
        "| store | events/s | ratio to memory | p50 ms | p99 ms | p50 added ms | claim ms | BEGIN ms | INSERT ms | complete ms |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|");
    for (store, m) in stores.iter().zip(&medians) {
        println!(
            "| {} | {:.0} | {:.2}x | {:.2} | {:.2} | {:+.2} | {:.2} | {:.2} | {:.2} | {:.2} |",
            store.name,
            m.per_second,
            m.per_second / base.per_second,
            m.p50_ms,
            m.p99_ms,
            m.p50_ms - base.p50_ms,
            m.phases[0],
            m.phases[1],
            m.phases[2],
            m.phases[3],
        );
    }
}

fn main() {
    // The endpoint's own errors (a `503`'s cause), on stderr.
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::WARN)
        .with_writer(std::io::stderr)
        .init();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let number = |i: usize, default: usize| {
        args.get(i)
            .map_or(default, |a| a.parse().expect("arguments are numbers"))
    };
    let (events, concurrency, rounds, sequential) = (
        number(0, 20_000),
        number(1, 64),
        number(2, 3),
        number(3, 2_000),
    );
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(cores)
        .enable_all()
        .build()
        .expect("the runtime starts");
    runtime.block_on(run(events, concurrency, rounds, sequential));
}

async fn run(events: usize, concurrency: usize, rounds: usize, sequential: usize) {
    let dir = std::env::temp_dir().join(unique("craftkit-bench-webhook"));
    std::fs::create_dir_all(&dir).expect("the temporary directory is created");
    let mut stores = vec![memory().await, sqlite(&dir.join("inbox.sqlite3")).await];

    let schemas = [unique("craftkit_bench"), unique("craftkit_bench_async")];
    let postgres_url = std::env::var("CRAFTKIT_BENCH_POSTGRES_URL").ok();
    let mut admin = None;
    match &postgres_url {
        Some(url) => {
            let options: PgConnectOptions =
                url.parse().expect("CRAFTKIT_BENCH_POSTGRES_URL parses");
            let pool = PgPoolOptions::new()
                .max_connections(1)
                .connect_with(options.clone())
                .await
                .expect("CRAFTKIT_BENCH_POSTGRES_URL is set but PostgreSQL cannot be reached");
            for schema in &schemas {
                sqlx::raw_sql(&format!("CREATE SCHEMA {schema}"))
                    .execute(&pool)
                    .await
                    .expect("the schema is created");
            }
            stores.push(postgres("postgres", options.clone(), &schemas[0], "on").await);
            stores.push(
                postgres(
                    "postgres, synchronous_commit=off",
                    options,
                    &schemas[1],
                    "off",
                )
                .await,
            );
            admin = Some(pool);
        }
        None => println!("note: CRAFTKIT_BENCH_POSTGRES_URL is unset: PostgreSQL skipped"),
    }
    let prefix = unique("craftkit-bench");
    let redis_url = std::env::var("CRAFTKIT_BENCH_REDIS_URL").ok();
    match &redis_url {
        Some(url) => stores.push(redis(url, &prefix).await),
        None => println!("note: CRAFTKIT_BENCH_REDIS_URL is unset: Redis skipped"),
    }

    // reqwest is built without a TLS provider of its own: the process default (as the client
    // installs it), though every URL here is plain HTTP.
    #[allow(deprecated)]
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(usize::MAX)
        .build()
        .expect("the HTTP client builds");
    // Warm-up: connections (HTTP and the stores' pools), prepared statements.
    for store in &stores {
        deliver(&client, store, "warmup", 2_000, concurrency).await;
    }

    println!(
        "{events} events per run, {concurrency} in flight, {rounds} rounds, {} stores",
        stores.len()
    );
    let mut runs: Vec<Vec<Run>> = vec![Vec::new(); stores.len()];
    for round in 0..rounds {
        for k in 0..stores.len() {
            let index = (k + round) % stores.len();
            let store = &stores[index];
            let run = deliver(&client, store, &format!("r{round}"), events, concurrency).await;
            println!(
                "round {round} {:<34} {:>8.0} events/s  p50 {:>7.2} ms  p99 {:>7.2} ms",
                store.name, run.per_second, run.p50_ms, run.p99_ms
            );
            runs[index].push(run);
        }
    }
    println!("\n{events} events, {concurrency} in flight, medians of {rounds} rounds:\n");
    table(&stores, &runs);

    if sequential > 0 {
        let mut runs: Vec<Vec<Run>> = vec![Vec::new(); stores.len()];
        for round in 0..rounds {
            for k in 0..stores.len() {
                let index = (k + round) % stores.len();
                let store = &stores[index];
                let tag = format!("s{round}");
                runs[index].push(deliver(&client, store, &tag, sequential, 1).await);
            }
        }
        println!("\n{sequential} events, one at a time, medians of {rounds} rounds:\n");
        table(&stores, &runs);
    }

    if let Some(pool) = admin {
        for schema in &schemas {
            let _ = sqlx::raw_sql(&format!("DROP SCHEMA {schema} CASCADE"))
                .execute(&pool)
                .await;
        }
    }
    if let Some(url) = redis_url {
        let _ = remove_keys(&url, &prefix).await;
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// Deletes the keys under `prefix`.
async fn remove_keys(url: &str, prefix: &str) -> redis::RedisResult<()> {
    let client = redis::Client::open(url)?;
    let mut connection = client.get_multiplexed_async_connection().await?;
    let mut cursor = 0u64;
    loop {
        let (next, keys): (u64, Vec<String>) = redis::cmd("SCAN")
            .arg(cursor)
            .arg("MATCH")
            .arg(format!("{prefix}:*"))
            .arg("COUNT")
            .arg(1000)
            .query_async(&mut connection)
            .await?;
        if !keys.is_empty() {
            redis::cmd("DEL")
                .arg(&keys)
                .query_async::<()>(&mut connection)
                .await?;
        }
        if next == 0 {
            return Ok(());
        }
        cursor = next;
    }
}
