//! The stores the inbox tests run against: memory and SQLite always; PostgreSQL and Redis when
//! `CRAFTKIT_TEST_POSTGRES_URL` / `CRAFTKIT_TEST_REDIS_URL` are set (set and unreachable fails,
//! naming the variable). Each test gets its own SQLite file, PostgreSQL schema or Redis key
//! prefix, so runs never see each other's rows.

#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use craftkit_runtime::webhook::inbox::{Inbox, MemoryInbox, SqliteInbox};

/// A fresh name for this test run: process id, clock and a counter.
pub fn unique(prefix: &str) -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!(
        "{prefix}_{}_{nanos}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

/// A SQLite file path in the temp directory, removed with its WAL files on drop.
pub struct TempDb(pub PathBuf);

impl TempDb {
    pub fn new() -> TempDb {
        TempDb(std::env::temp_dir().join(format!("{}.sqlite3", unique("craftkit_inbox"))))
    }
}

impl Drop for TempDb {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm"] {
            let mut path = self.0.clone().into_os_string();
            path.push(suffix);
            let _ = std::fs::remove_file(path);
        }
    }
}

/// One kind of store, able to open inboxes in any namespace over one shared database.
pub enum Store {
    Memory,
    Sqlite(TempDb),
    #[cfg(feature = "postgres")]
    Postgres(sqlx::PgPool),
    #[cfg(feature = "redis")]
    Redis {
        url: String,
        prefix: String,
    },
}

impl Store {
    pub fn name(&self) -> &'static str {
        match self {
            Store::Memory => "memory",
            Store::Sqlite(_) => "sqlite",
            #[cfg(feature = "postgres")]
            Store::Postgres(_) => "postgres",
            #[cfg(feature = "redis")]
            Store::Redis { .. } => "redis",
        }
    }

    /// Memory and SQLite, and the opt-in servers whose variables are set.
    pub async fn all() -> Vec<Store> {
        let mut stores = vec![Store::Memory, Store::Sqlite(TempDb::new())];
        #[cfg(feature = "postgres")]
        if let Some(pool) = postgres().await {
            stores.push(Store::Postgres(pool));
        }
        #[cfg(feature = "redis")]
        if let Some(url) = redis_url().await {
            stores.push(Store::Redis {
                url,
                prefix: unique("craftkit-test"),
            });
        }
        stores
    }

    /// An inbox of namespace `ns`, keeping done ids for `retention`, never purging on its own.
    pub async fn open(&self, ns: &str, retention: Duration) -> Arc<dyn Inbox> {
        match self {
            Store::Memory => Arc::new(MemoryInbox::new().retention(retention).purge_every(0)),
            Store::Sqlite(db) => Arc::new(
                SqliteInbox::open(&db.0, ns)
                    .await
                    .unwrap()
                    .retention(retention)
                    .purge_every(0),
            ),
            #[cfg(feature = "postgres")]
            Store::Postgres(pool) => {
                let inbox = craftkit_runtime::webhook::inbox::PgInbox::new(pool.clone(), ns)
                    .unwrap()
                    .retention(retention)
                    .purge_every(0);
                inbox.migrate().await.unwrap();
                Arc::new(inbox)
            }
            #[cfg(feature = "redis")]
            Store::Redis { url, prefix } => Arc::new(
                craftkit_runtime::webhook::inbox::RedisInbox::connect(url, ns)
                    .await
                    .unwrap()
                    .key_prefix(prefix)
                    .retention(retention),
            ),
        }
    }

    /// Whether two inboxes opened on this store share their ids' storage (everything but
    /// memory, whose inboxes are each their own map).
    pub fn shared(&self) -> bool {
        !matches!(self, Store::Memory)
    }
}

/// A pool on `CRAFTKIT_TEST_POSTGRES_URL` whose connections use a schema of their own, or
/// `None` when the variable is unset. Panics when it is set and the server cannot be reached.
#[cfg(feature = "postgres")]
pub async fn postgres() -> Option<sqlx::PgPool> {
    use std::str::FromStr;

    use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

    let url = std::env::var("CRAFTKIT_TEST_POSTGRES_URL").ok()?;
    let unreachable = |error: &dyn std::fmt::Display| -> ! {
        panic!(
            "CRAFTKIT_TEST_POSTGRES_URL is set but PostgreSQL cannot be used ({error}); start it \
             with `pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start`, \
             or unset the variable"
        )
    };
    let options = PgConnectOptions::from_str(&url).unwrap_or_else(|e| unreachable(&e));
    let admin = PgPoolOptions::new()
        .max_connections(1)
        .acquire_timeout(Duration::from_secs(5))
        .connect_with(options.clone())
        .await
        .unwrap_or_else(|e| unreachable(&e));
    let schema = unique("craftkit_test");
    sqlx::raw_sql(&format!("CREATE SCHEMA {schema}"))
        .execute(&admin)
        .await
        .unwrap_or_else(|e| unreachable(&e));
    admin.close().await;
    let pool = PgPoolOptions::new()
        .max_connections(8)
        .acquire_timeout(Duration::from_secs(5))
        .connect_with(options.options([("search_path", schema.as_str())]))
        .await
        .unwrap_or_else(|e| unreachable(&e));
    Some(pool)
}

/// `CRAFTKIT_TEST_REDIS_URL`, checked reachable, or `None` when unset. Panics when it is set
/// and the server cannot be reached.
#[cfg(feature = "redis")]
pub async fn redis_url() -> Option<String> {
    let url = std::env::var("CRAFTKIT_TEST_REDIS_URL").ok()?;
    let unreachable = |error: &dyn std::fmt::Display| -> ! {
        panic!(
            "CRAFTKIT_TEST_REDIS_URL is set but Redis cannot be used ({error}); start it with \
             `redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save \"\" \
             --appendonly no`, or unset the variable"
        )
    };
    let inbox = craftkit_runtime::webhook::inbox::RedisInbox::connect(&url, "probe")
        .await
        .unwrap_or_else(|e| unreachable(&e));
    drop(inbox);
    Some(url)
}
