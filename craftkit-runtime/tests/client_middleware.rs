//! The caller's own `reqwest-middleware` under the client's retries, idempotency keys and
//! deadlines (issue 26, part 2, item 5), against the local server: each attempt passes through
//! the middleware once, a retried render POST shows it the same key every time, a header it
//! adds reaches the server, its own error ends the call without a retry, and the fetch of a
//! public `downloadUrl` (a URL holding a token) does not go through it.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::*;
use craftkit_devserver::{Config, Fault, FaultKind, FaultWhen};
use craftkit_runtime::client::reqwest_middleware::{self, Middleware, Next};
use craftkit_runtime::client::{Client, Error, Visibility};

/// What the counting middleware saw of one request.
#[derive(Debug, Clone, PartialEq)]
struct Seen {
    method: String,
    path: String,
    idempotency_key: Option<String>,
}

/// Records every request that passes through it.
#[derive(Clone, Default)]
struct Counter(Arc<Mutex<Vec<Seen>>>);

impl Counter {
    fn seen(&self) -> Vec<Seen> {
        self.0.lock().unwrap().clone()
    }
}

#[async_trait::async_trait]
impl Middleware for Counter {
    async fn handle(
        &self,
        request: reqwest::Request,
        extensions: &mut http::Extensions,
        next: Next<'_>,
    ) -> reqwest_middleware::Result<reqwest::Response> {
        self.0.lock().unwrap().push(Seen {
            method: request.method().to_string(),
            path: request.url().path().to_owned(),
            idempotency_key: request
                .headers()
                .get("idempotency-key")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned),
        });
        next.run(request, extensions).await
    }
}

/// Adds `x-team: billing` to every request.
struct Tag;

#[async_trait::async_trait]
impl Middleware for Tag {
    async fn handle(
        &self,
        mut request: reqwest::Request,
        extensions: &mut http::Extensions,
        next: Next<'_>,
    ) -> reqwest_middleware::Result<reqwest::Response> {
        request
            .headers_mut()
            .insert("x-team", http::HeaderValue::from_static("billing"));
        next.run(request, extensions).await
    }
}

/// Fails every request with an error of its own, sending nothing.
struct Refuse;

#[derive(Debug, thiserror::Error)]
#[error("the circuit breaker is open")]
struct CircuitOpen;

#[async_trait::async_trait]
impl Middleware for Refuse {
    async fn handle(
        &self,
        _: reqwest::Request,
        _: &mut http::Extensions,
        _: Next<'_>,
    ) -> reqwest_middleware::Result<reqwest::Response> {
        Err(reqwest_middleware::Error::middleware(CircuitOpen))
    }
}

/// A client of `server` with fast retries and polling and `middleware` added in order.
fn client_through(server: &craftkit_devserver::DevServer, counter: &Counter) -> Client {
    Client::builder()
        .key(KEY)
        .base_url(server.url())
        .retry_policy(fast_retry())
        .wait_options(fast_wait())
        .middleware(counter.clone())
        .middleware(Tag)
        .build()
        .expect("the client builds")
}

#[tokio::test(flavor = "multi_thread")]
async fn each_attempt_passes_through_the_middleware_once_with_the_same_key() {
    // The first two requests (the render's POST and its first retry) are answered 503.
    let server = start(Config {
        faults: vec![Fault {
            kind: FaultKind::Status(503),
            when: FaultWhen::Requests(vec![1, 2]),
        }],
        ..config()
    })
    .await;
    let counter = Counter::default();
    let client = client_through(&server, &counter);

    let handle = client
        .render(&valid_payload())
        .idempotency_key("middleware-1")
        .send()
        .await
        .expect("accepted on the third attempt");
    assert_eq!(handle.response().attempt(), 3);

    let posts: Vec<Seen> = counter
        .seen()
        .into_iter()
        .filter(|s| s.method == "POST")
        .collect();
    assert_eq!(posts.len(), 3, "one pass per attempt: {posts:?}");
    assert!(
        posts
            .iter()
            .all(|s| s.idempotency_key.as_deref() == Some("middleware-1")
                && s.path == format!("/v1/templates/{SLUG}/render")),
        "every attempt carries the one key: {posts:?}"
    );
    assert_eq!(server.render_count(KEY), 1, "rendered once");

    // What the middleware saw is exactly what the server got: no request went around it.
    let render = handle.wait().await.expect("succeeds");
    let gets = counter.seen().iter().filter(|s| s.method == "GET").count();
    assert!(gets >= 1);
    assert_eq!(counter.seen().len(), server.requests().len());
    assert_eq!(
        render.status,
        craftkit_runtime::client::RenderStatus::Succeeded
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_header_the_middleware_adds_reaches_the_server() {
    let server = start_default().await;
    let counter = Counter::default();
    let client = client_through(&server, &counter);
    let render = client
        .render(&valid_payload())
        .visibility(Visibility::Private)
        .send()
        .await
        .expect("accepted")
        .wait()
        .await
        .expect("succeeds");
    // A private render downloads from the API: through the middleware too.
    let pdf = client.download(&render).await.expect("downloads");
    assert!(is_pdf(&pdf));

    let requests = server.requests();
    assert!(requests.len() >= 3, "{requests:?}");
    for request in &requests {
        assert_eq!(
            request.header("x-team"),
            Some("billing"),
            "{} {}",
            request.method,
            request.path
        );
        // The client's own headers are still there, under the middleware's.
        assert_eq!(request.header("authorization"), Some("Bearer [redacted]"));
    }
    assert!(
        requests
            .iter()
            .any(|r| r.path == format!("/v1/renders/{}/download", render.id))
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_public_download_url_does_not_go_through_the_middleware() {
    let server = start_default().await;
    let counter = Counter::default();
    let client = client_through(&server, &counter);
    let render = client
        .render_and_wait(&valid_payload())
        .await
        .expect("succeeds");
    let url = render
        .download_url
        .clone()
        .expect("a public render has a URL");
    let before = counter.seen().len();
    let pdf = client.download(&render).await.expect("downloads");
    assert!(is_pdf(&pdf));
    assert_eq!(
        counter.seen().len(),
        before,
        "the token-bearing URL {url} must not reach a middleware"
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_middlewares_own_error_ends_the_call_without_a_retry() {
    let server = start_default().await;
    let counter = Counter::default();
    let client = Client::builder()
        .key(KEY)
        .base_url(server.url())
        .retry_policy(fast_retry())
        .middleware(counter.clone())
        .middleware(Refuse)
        .build()
        .expect("the client builds");
    let error = client.get_render("rnd_any").await.expect_err("refused");
    let Error::Middleware {
        ref method,
        ref path,
        ref message,
        attempt,
    } = error
    else {
        panic!("not a middleware error: {error:?}");
    };
    assert_eq!(
        (method.as_str(), path.as_str(), attempt),
        ("GET", "/v1/renders/rnd_any", 1)
    );
    assert!(message.contains("circuit breaker is open"), "{message}");
    assert!(
        error.to_string().contains("a middleware of the client"),
        "{error}"
    );
    assert!(!error.is_retryable());
    assert_eq!(counter.seen().len(), 1, "not retried");
    assert!(server.requests().is_empty(), "nothing was sent");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wait_deadline_bounds_a_slow_middleware() {
    /// Holds every request for 2 s before passing it on.
    struct Slow;

    #[async_trait::async_trait]
    impl Middleware for Slow {
        async fn handle(
            &self,
            request: reqwest::Request,
            extensions: &mut http::Extensions,
            next: Next<'_>,
        ) -> reqwest_middleware::Result<reqwest::Response> {
            tokio::time::sleep(Duration::from_secs(2)).await;
            next.run(request, extensions).await
        }
    }

    let server = start_default().await;
    let client = Client::builder()
        .key(KEY)
        .base_url(server.url())
        .middleware(Slow)
        .build()
        .expect("the client builds");
    let started = std::time::Instant::now();
    let error = client
        .wait_with(
            "rnd_any",
            fast_wait().with_deadline(Duration::from_millis(300)),
        )
        .await
        .expect_err("past the deadline");
    assert!(matches!(error, Error::Deadline { .. }), "{error:?}");
    assert!(
        started.elapsed() < Duration::from_millis(1_500),
        "{:?}",
        started.elapsed()
    );
    server.stop().await;
}
