//! `webhook::axum::Endpoint`: verify, claim, work, complete or release, and the status of each
//! case, through a Router (no socket). The two losses of the old `first_delivery`/`forget`
//! receiver (a redelivery during processing answered `200`; a crash after the claim) are
//! replayed here against every store, and so is a late completion whose SQL work must roll
//! back.

mod inbox;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use craftkit_runtime::webhook::axum::Endpoint;
use craftkit_runtime::webhook::inbox::{
    BoxFuture, Inbox, InboxError, SqliteInbox, TransactionalInbox,
};
use craftkit_runtime::webhook::{self, Event, SIGNATURE_HEADER, Verifier, WebhookError};
use inbox::{Store, TempDb, unique};
use tokio::sync::Semaphore;
use tower::ServiceExt;

const SECRET: &str = "whsec_endpointTestSecret";

fn event_body(id: &str) -> Vec<u8> {
    serde_json::to_vec(&serde_json::json!({
        "id": id, "object": "event", "type": "render.succeeded",
        "createdAt": "2025-11-26T10:00:00.000Z",
        "data": {"id": "rnd_1", "object": "render", "template": "invoice", "templateVersion": 3,
                 "status": "succeeded", "visibility": "public",
                 "createdAt": "2025-11-26T09:59:58.000Z", "filename": "invoice.pdf"}
    }))
    .unwrap()
}

#[derive(Debug)]
struct Answer {
    status: StatusCode,
    retry_after: Option<String>,
    body: String,
}

/// Delivers event `id`, signed as Craftkit signs each attempt.
async fn deliver(app: &Router, id: &str) -> Answer {
    let body = event_body(id);
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let request = Request::post("/hooks")
        .header(SIGNATURE_HEADER, webhook::sign(SECRET, &body, now))
        .body(Body::from(body))
        .unwrap();
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let retry_after = response
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().to_owned());
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 16)
        .await
        .unwrap();
    let body = String::from_utf8(bytes.to_vec()).unwrap();
    assert!(!body.contains(SECRET), "the secret is never answered");
    Answer {
        status,
        retry_after,
        body,
    }
}

fn endpoint(inbox: Arc<dyn Inbox>) -> Endpoint<dyn Inbox> {
    Endpoint::new(Verifier::new(SECRET), inbox).unwrap()
}

/// A handler whose deliveries wait for a permit of `gate` when `hold` says so, fail when
/// `fail` says so, and count their successes.
#[derive(Clone)]
struct Work {
    gate: Arc<Semaphore>,
    started: Arc<AtomicUsize>,
    succeeded: Arc<AtomicUsize>,
    /// Calls (1-based) that wait for a permit, then fail.
    hold_and_fail: Arc<std::sync::Mutex<Vec<usize>>>,
}

impl Work {
    fn new() -> Work {
        Work {
            gate: Arc::new(Semaphore::new(0)),
            started: Arc::default(),
            succeeded: Arc::default(),
            hold_and_fail: Arc::default(),
        }
    }

    fn router(&self, endpoint: &Endpoint<dyn Inbox>) -> Router {
        let work = self.clone();
        Router::new().route(
            "/hooks",
            endpoint.post(move |_event: Event| {
                let work = work.clone();
                async move {
                    let call = work.started.fetch_add(1, Ordering::SeqCst) + 1;
                    if work.hold_and_fail.lock().unwrap().contains(&call) {
                        let _permit = work.gate.acquire().await.unwrap();
                        return Err("the PDF download failed");
                    }
                    work.succeeded.fetch_add(1, Ordering::SeqCst);
                    Ok(())
                }
            }),
        )
    }

    async fn wait_started(&self, n: usize) {
        while self.started.load(Ordering::SeqCst) < n {
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    }
}

/// Loss 1 of the issue, through the handler: the old receiver answered delivery 2 `200`
/// while delivery 1 still worked, and delivery 1 then failed: the event was never processed.
#[tokio::test(flavor = "multi_thread")]
async fn a_redelivery_during_processing_is_answered_non_2xx_and_processed_later() {
    for store in Store::all().await {
        let endpoint = endpoint(store.open(&unique("ns"), Duration::from_secs(60)).await);
        let work = Work::new();
        work.hold_and_fail.lock().unwrap().push(1);
        let app = work.router(&endpoint);
        let first = tokio::spawn({
            let app = app.clone();
            async move { deliver(&app, "evt_1").await }
        });
        work.wait_started(1).await;

        let second = deliver(&app, "evt_1").await;
        assert_eq!(
            second.status,
            StatusCode::CONFLICT,
            "{}: {}",
            store.name(),
            second.body
        );
        assert!(second.body.contains("in_progress"));
        let retry: u64 = second.retry_after.expect("Retry-After").parse().unwrap();
        assert!((1..=60).contains(&retry));

        work.gate.add_permits(1); // delivery 1 fails now
        let first = first.await.unwrap();
        assert_eq!(
            first.status,
            StatusCode::INTERNAL_SERVER_ERROR,
            "{}",
            store.name()
        );
        assert!(first.body.contains("processing_failed"));
        assert!(
            !first.body.contains("PDF download"),
            "the work's error is not answered"
        );

        let third = deliver(&app, "evt_1").await; // claimed at once: the failure released it
        assert_eq!(
            third.status,
            StatusCode::OK,
            "{}: {}",
            store.name(),
            third.body
        );
        assert_eq!(work.succeeded.load(Ordering::SeqCst), 1);
        let fourth = deliver(&app, "evt_1").await;
        assert_eq!(fourth.status, StatusCode::OK);
        assert!(fourth.body.contains("already_processed"));
        assert_eq!(work.succeeded.load(Ordering::SeqCst), 1, "processed once");
    }
}

/// Loss 2 of the issue, through the handler: the work dies mid-way (the task is aborted, as a
/// killed process would stop), and a later redelivery processes the event.
#[tokio::test(flavor = "multi_thread")]
async fn a_delivery_that_dies_mid_work_is_processed_after_its_lease() {
    for store in Store::all().await {
        let inbox = store.open(&unique("ns"), Duration::from_secs(60)).await;
        let endpoint = endpoint(inbox).lease(Duration::from_millis(300));
        let work = Work::new();
        work.hold_and_fail.lock().unwrap().push(1);
        let app = work.router(&endpoint);
        let dying = tokio::spawn({
            let app = app.clone();
            async move { deliver(&app, "evt_1").await }
        });
        work.wait_started(1).await;
        dying.abort(); // no completion, no release
        assert!(dying.await.unwrap_err().is_cancelled());

        assert_eq!(deliver(&app, "evt_1").await.status, StatusCode::CONFLICT);
        tokio::time::sleep(Duration::from_millis(400)).await;
        let later = deliver(&app, "evt_1").await;
        assert_eq!(
            later.status,
            StatusCode::OK,
            "{}: {}",
            store.name(),
            later.body
        );
        assert_eq!(work.succeeded.load(Ordering::SeqCst), 1);
    }
}

/// Delivery 1's work outlives its lease; delivery 2 claims, works and commits; delivery 1's
/// work, in its transaction, is rolled back and answered non-2xx: one effect. Then the same
/// when delivery 1 completes *before* delivery 2 (whose lease expired too, but which nobody
/// claimed after it): only the fencing token tells them apart, and delivery 2 wins.
/// The work (calls counted from 0) takes 600 ms in calls 0, 2 and 3.
async fn a_late_transaction_rolls_back<I, F, C>(inbox: Arc<I>, work: F, count: C)
where
    I: TransactionalInbox + 'static,
    F: for<'t> Fn(
            Event,
            &'t mut sqlx::Transaction<'static, I::Database>,
        ) -> BoxFuture<'t, Result<(), sqlx::Error>>
        + Clone
        + Send
        + Sync
        + 'static,
    C: AsyncFnOnce() -> i64,
{
    let endpoint = Endpoint::new(Verifier::new(SECRET), inbox)
        .unwrap()
        .lease(Duration::from_millis(200));
    let app: Router = Router::new().route("/hooks", endpoint.post_in_transaction(work));
    let slow = tokio::spawn({
        let app = app.clone();
        async move { deliver(&app, "evt_slow").await }
    });
    tokio::time::sleep(Duration::from_millis(300)).await; // delivery 1's lease expired
    let fast = deliver(&app, "evt_slow").await;
    assert_eq!(fast.status, StatusCode::OK, "{}", fast.body);
    let slow = slow.await.unwrap();
    assert_eq!(slow.status, StatusCode::CONFLICT, "{}", slow.body);
    assert!(slow.body.contains("lease_lost"));
    assert_eq!(slow.retry_after.as_deref(), Some("1"));
    assert_eq!(deliver(&app, "evt_slow").await.status, StatusCode::OK);

    let early = tokio::spawn({
        let app = app.clone();
        async move { deliver(&app, "evt_both").await }
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    let late = deliver(&app, "evt_both").await; // claims at 300 ms, completes at 900 ms
    let early = early.await.unwrap(); // completed at 600 ms, after the second claim
    assert_eq!(early.status, StatusCode::CONFLICT, "{}", early.body);
    assert!(early.body.contains("lease_lost"));
    assert_eq!(late.status, StatusCode::OK, "{}", late.body);
    assert_eq!(count().await, 2, "one effect per event committed");
}

/// Gives a closure the higher-ranked signature the transactional handler takes (a closure
/// passed straight to `post_in_transaction` gets it by inference).
fn transactional<DB, F>(work: F) -> F
where
    DB: sqlx::Database,
    F: for<'t> Fn(
        Event,
        &'t mut sqlx::Transaction<'static, DB>,
    ) -> BoxFuture<'t, Result<(), sqlx::Error>>,
{
    work
}

#[tokio::test(flavor = "multi_thread")]
async fn a_late_completion_rolls_its_sqlite_work_back() {
    let db = TempDb::new();
    let inbox = Arc::new(SqliteInbox::open(&db.0, "ns").await.unwrap());
    sqlx::raw_sql("CREATE TABLE effects (event_id TEXT NOT NULL)")
        .execute(inbox.pool())
        .await
        .unwrap();
    // Records the event in `effects`; calls 0, 2 and 3 take 600 ms.
    let calls = Arc::new(AtomicUsize::new(0));
    let work = transactional::<sqlx::Sqlite, _>(move |event, tx| {
        let slow = matches!(calls.fetch_add(1, Ordering::SeqCst), 0 | 2 | 3);
        Box::pin(async move {
            if slow {
                tokio::time::sleep(Duration::from_millis(600)).await;
            }
            sqlx::query("INSERT INTO effects (event_id) VALUES ($1)")
                .bind(event.id)
                .execute(&mut **tx)
                .await
                .map(drop)
        })
    });
    let pool = inbox.pool().clone();
    a_late_transaction_rolls_back(inbox, work, async || {
        sqlx::query_scalar("SELECT count(*) FROM effects")
            .fetch_one(&pool)
            .await
            .unwrap()
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_late_completion_rolls_its_postgres_work_back() {
    let Some(pool) = inbox::postgres().await else {
        return; // CRAFTKIT_TEST_POSTGRES_URL unset
    };
    let inbox = craftkit_runtime::webhook::inbox::PgInbox::new(pool.clone(), "ns").unwrap();
    inbox.migrate().await.unwrap();
    sqlx::raw_sql("CREATE TABLE effects (event_id text NOT NULL)")
        .execute(&pool)
        .await
        .unwrap();
    // Records the event in `effects`; calls 0, 2 and 3 take 600 ms.
    let calls = Arc::new(AtomicUsize::new(0));
    let work = transactional::<sqlx::Postgres, _>(move |event, tx| {
        let slow = matches!(calls.fetch_add(1, Ordering::SeqCst), 0 | 2 | 3);
        Box::pin(async move {
            if slow {
                tokio::time::sleep(Duration::from_millis(600)).await;
            }
            sqlx::query("INSERT INTO effects (event_id) VALUES ($1)")
                .bind(event.id)
                .execute(&mut **tx)
                .await
                .map(drop)
        })
    });
    a_late_transaction_rolls_back(Arc::new(inbox), work, async || {
        sqlx::query_scalar("SELECT count(*) FROM effects")
            .fetch_one(&pool)
            .await
            .unwrap()
    })
    .await;
}

#[tokio::test]
async fn event_ids_too_long_or_with_control_characters_are_refused_400() {
    let work = Work::new();
    let app = work.router(&endpoint(Arc::new(
        craftkit_runtime::webhook::inbox::MemoryInbox::new(),
    )));
    for id in ["e".repeat(256), "evt\u{7}1".to_owned(), "evt\n1".to_owned()] {
        let answer = deliver(&app, &id).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{id:?}");
        assert!(answer.body.contains("invalid_event_id"), "{}", answer.body);
    }
    assert_eq!(deliver(&app, &"e".repeat(255)).await.status, StatusCode::OK);
    assert_eq!(work.started.load(Ordering::SeqCst), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unreachable_store_is_answered_503_never_2xx() {
    // A closed SQLite pool.
    let db = TempDb::new();
    let sqlite = SqliteInbox::open(&db.0, "ns").await.unwrap();
    sqlite.pool().close().await;
    // A PostgreSQL pool on a port where nothing listens (no server needed).
    let postgres = sqlx::postgres::PgPoolOptions::new()
        .acquire_timeout(Duration::from_millis(500))
        .connect_lazy("postgres://nobody:hunter2@127.0.0.1:9/none")
        .unwrap();
    let postgres = craftkit_runtime::webhook::inbox::PgInbox::new(postgres, "ns").unwrap();
    let inboxes: [Arc<dyn Inbox>; 2] = [Arc::new(sqlite), Arc::new(postgres)];
    for inbox in inboxes {
        let work = Work::new();
        let app = work.router(&endpoint(inbox));
        let answer = deliver(&app, "evt_1").await;
        assert_eq!(
            answer.status,
            StatusCode::SERVICE_UNAVAILABLE,
            "{}",
            answer.body
        );
        assert_eq!(answer.retry_after.as_deref(), Some("5"));
        assert!(answer.body.contains("store_unavailable"));
        assert!(!answer.body.contains("hunter2"));
        assert_eq!(
            work.started.load(Ordering::SeqCst),
            0,
            "no work without a claim"
        );
    }
}

#[tokio::test]
async fn an_unreachable_redis_fails_at_connect_without_its_url() {
    let error = craftkit_runtime::webhook::inbox::RedisInbox::connect(
        "redis://:hunter2@127.0.0.1:9/0",
        "ns",
    )
    .await
    .unwrap_err();
    assert!(matches!(
        error,
        InboxError::Unavailable { store: "redis", .. }
    ));
    assert!(!error.to_string().contains("hunter2"), "{error}");
}

#[test]
fn an_endpoint_without_a_secret_is_refused_at_start_up() {
    let inbox: Arc<dyn Inbox> = Arc::new(craftkit_runtime::webhook::inbox::MemoryInbox::new());
    let error = Endpoint::new(Verifier::new(""), inbox).unwrap_err();
    assert_eq!(error, WebhookError::EmptySecret);
}

#[tokio::test]
async fn bad_signatures_are_still_refused_401_before_any_claim() {
    let work = Work::new();
    let inbox = Arc::new(craftkit_runtime::webhook::inbox::MemoryInbox::new());
    let app = work.router(&endpoint(inbox.clone()));
    let body = event_body("evt_1");
    let request = Request::post("/hooks")
        .header(SIGNATURE_HEADER, webhook::sign("whsec_other", &body, 1))
        .body(Body::from(body))
        .unwrap();
    let response = app.oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert!(inbox.is_empty(), "nothing was claimed");
}

#[tokio::test]
async fn a_panicking_work_releases_its_claim_at_once() {
    let calls = Arc::new(AtomicUsize::new(0));
    let inbox: Arc<dyn Inbox> = Arc::new(craftkit_runtime::webhook::inbox::MemoryInbox::new());
    let app = Router::new().route(
        "/hooks",
        endpoint(inbox).post({
            let calls = calls.clone();
            move |_event: Event| {
                let first = calls.fetch_add(1, Ordering::SeqCst) == 0;
                async move {
                    assert!(!first, "a bug in the handler");
                    Ok::<(), std::io::Error>(())
                }
            }
        }),
    );
    let answer = deliver(&app, "evt_1").await;
    assert_eq!(answer.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(
        !answer.body.contains("a bug"),
        "the panic is logged, not answered"
    );
    let again = deliver(&app, "evt_1").await; // not 409 until the lease expires
    assert_eq!(again.status, StatusCode::OK, "{}", again.body);
}
