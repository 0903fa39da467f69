//! The "Receiving webhooks" snippets of `docs/webhooks.md`, compiled and run: a receiver on
//! SQLite (one instance), on PostgreSQL and on Redis (many instances; run when
//! `CRAFTKIT_TEST_POSTGRES_URL` / `CRAFTKIT_TEST_REDIS_URL` are set).

use std::error::Error;
use std::path::Path;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use craftkit_runtime::webhook::axum::Endpoint;
use craftkit_runtime::webhook::inbox::{PgInbox, RedisInbox, SqliteInbox};
use craftkit_runtime::webhook::{self, EventType, SIGNATURE_HEADER, Verifier};
use tower::ServiceExt;

const SECRET: &str = "whsec_readme";

// One instance: the inbox and your tables in one SQLite file. Your writes commit in the
// transaction that marks the event done, or not at all.
async fn sqlite_receiver(secret: &str, path: &Path) -> Result<Router, Box<dyn Error>> {
    let inbox = SqliteInbox::open(path, "renders").await?;
    sqlx::raw_sql("CREATE TABLE IF NOT EXISTS ready (render_id TEXT NOT NULL)")
        .execute(inbox.pool())
        .await?;
    // Refuses an empty secret at start-up, instead of answering every delivery 401.
    let endpoint = Endpoint::new(Verifier::new(secret), Arc::new(inbox))?;
    let route = endpoint.post_in_transaction(|event, tx| {
        Box::pin(async move {
            if event.kind == EventType::RenderSucceeded {
                sqlx::query("INSERT INTO ready (render_id) VALUES ($1)")
                    .bind(&event.data.id)
                    .execute(&mut **tx)
                    .await?;
            }
            Ok::<(), sqlx::Error>(())
        })
    });
    Ok(Router::new().route("/webhooks/craftkit", route))
}

// Many instances: PostgreSQL, on your pool, with the same transaction.
async fn postgres_receiver(secret: &str, pool: sqlx::PgPool) -> Result<Router, Box<dyn Error>> {
    let inbox = PgInbox::new(pool, "renders")?;
    inbox.migrate().await?;
    sqlx::raw_sql("CREATE TABLE IF NOT EXISTS ready (render_id text NOT NULL)")
        .execute(inbox.pool())
        .await?;
    let endpoint = Endpoint::new(Verifier::new(secret), Arc::new(inbox))?;
    let route = endpoint.post_in_transaction(|event, tx| {
        Box::pin(async move {
            sqlx::query("INSERT INTO ready (render_id) VALUES ($1)")
                .bind(&event.data.id)
                .execute(&mut **tx)
                .await?;
            Ok::<(), sqlx::Error>(())
        })
    });
    Ok(Router::new().route("/webhooks/craftkit", route))
}

// Many instances: Redis. It cannot commit with your database, so make the effect idempotent
// (keyed by the event id): a run after a crash then writes the same thing again.
async fn redis_receiver(secret: &str, url: &str) -> Result<Router, Box<dyn Error>> {
    let inbox = RedisInbox::connect(url, "renders").await?;
    let redis = inbox.connection().clone();
    let endpoint = Endpoint::new(Verifier::new(secret), Arc::new(inbox))?;
    let route = endpoint.post(move |event| {
        let mut redis = redis.clone();
        async move {
            let key = format!("ready:{}", event.id);
            redis::cmd("SET")
                .arg(key)
                .arg(&event.data.id)
                .query_async::<()>(&mut redis)
                .await
        }
    });
    Ok(Router::new().route("/webhooks/craftkit", route))
}

/// Delivers one signed `render.succeeded` event of `rnd_1` with id `id`.
async fn deliver(app: &Router, id: &str) -> StatusCode {
    let body = serde_json::to_vec(&serde_json::json!({
        "id": id, "object": "event", "type": "render.succeeded",
        "createdAt": "2025-11-26T10:00:00.000Z",
        "data": {"id": "rnd_1", "object": "render", "template": "invoice", "templateVersion": 3,
                 "status": "succeeded", "visibility": "public",
                 "createdAt": "2025-11-26T09:59:58.000Z", "filename": "invoice.pdf"}
    }))
    .unwrap();
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let request = Request::post("/webhooks/craftkit")
        .header(SIGNATURE_HEADER, webhook::sign(SECRET, &body, now))
        .body(Body::from(body))
        .unwrap();
    app.clone().oneshot(request).await.unwrap().status()
}

fn unique(prefix: &str) -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!("{prefix}_{}_{nanos}", std::process::id())
}

#[tokio::test]
async fn the_sqlite_receiver_records_each_event_once() {
    let path = std::env::temp_dir().join(format!("{}.sqlite3", unique("readme")));
    let app = sqlite_receiver(SECRET, &path).await.unwrap();
    assert_eq!(deliver(&app, "evt_1").await, StatusCode::OK);
    assert_eq!(deliver(&app, "evt_1").await, StatusCode::OK); // a redelivery
    let pool = sqlx::SqlitePool::connect(&format!("sqlite:{}", path.display()))
        .await
        .unwrap();
    let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM ready")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(rows, 1);
    pool.close().await;
    assert!(
        sqlite_receiver("", &path).await.is_err(),
        "no secret, no start"
    );
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}

#[tokio::test]
async fn the_postgres_receiver_records_each_event_once() {
    let Ok(url) = std::env::var("CRAFTKIT_TEST_POSTGRES_URL") else {
        return;
    };
    let fail = |e: &dyn std::fmt::Display| -> ! {
        panic!(
            "CRAFTKIT_TEST_POSTGRES_URL is set but PostgreSQL cannot be reached ({e}); start it \
             with `pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start`"
        )
    };
    let schema = unique("readme");
    let admin = sqlx::PgPool::connect(&url)
        .await
        .unwrap_or_else(|e| fail(&e));
    sqlx::raw_sql(&format!("CREATE SCHEMA {schema}"))
        .execute(&admin)
        .await
        .unwrap();
    let sep = if url.contains('?') { '&' } else { '?' };
    let pool = sqlx::PgPool::connect(&format!("{url}{sep}options[search_path]={schema}"))
        .await
        .unwrap_or_else(|e| fail(&e));
    let app = postgres_receiver(SECRET, pool.clone()).await.unwrap();
    assert_eq!(deliver(&app, "evt_1").await, StatusCode::OK);
    assert_eq!(deliver(&app, "evt_1").await, StatusCode::OK);
    let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM ready")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(rows, 1);
}

#[tokio::test]
async fn the_redis_receiver_records_each_event_once() {
    let Ok(url) = std::env::var("CRAFTKIT_TEST_REDIS_URL") else {
        return;
    };
    let app = redis_receiver(SECRET, &url).await.unwrap_or_else(|e| {
        panic!(
            "CRAFTKIT_TEST_REDIS_URL is set but Redis cannot be reached ({e}); start it with \
             `redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save \"\" --appendonly no`"
        )
    });
    let id = unique("evt");
    assert_eq!(deliver(&app, &id).await, StatusCode::OK);
    assert_eq!(deliver(&app, &id).await, StatusCode::OK);
}
