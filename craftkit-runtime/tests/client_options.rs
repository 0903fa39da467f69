//! Per-call options and every answer's metadata (issue 26, part 2, items 1 and 3), against
//! the local server: a handle of the client with its own retry policy, timeout, wait options
//! and headers leaves the client unchanged; the observer sees every attempt of every call
//! (success or error, its request id and status); a render's handle keeps its answer.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::*;
use craftkit_devserver::{Config, Fault, FaultKind, FaultWhen};
use craftkit_runtime::client::{Client, Error, ResponseMeta, RetryPolicy};

/// An observer that keeps every answer it sees.
fn recorder() -> (
    Arc<Mutex<Vec<ResponseMeta>>>,
    impl Fn(&ResponseMeta) + Send + Sync + 'static,
) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let keep = Arc::clone(&seen);
    (seen, move |answer: &ResponseMeta| {
        keep.lock().unwrap().push(answer.clone())
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn a_handles_retry_policy_is_its_own_and_the_client_keeps_its() {
    // Requests 1 and 2 are answered 503: a client with retries gets through, a handle without
    // retries does not, and the client still retries afterwards.
    let server = start(Config {
        faults: vec![Fault {
            kind: FaultKind::Status(503),
            when: FaultWhen::Requests(vec![1, 3]),
        }],
        ..config()
    })
    .await;
    let client = client(&server);
    let (seen, observe) = recorder();
    let observed = client.with_on_response(observe);

    let error = observed
        .with_retry_policy(RetryPolicy::none())
        .get_render("rnd_nope")
        .await
        .expect_err("503, not retried");
    assert_eq!(error.status(), Some(503));
    assert_eq!(error.api().unwrap().attempts, 1);
    // Request 2: 404 at once. Request 3: 503, retried (the client's policy), then 404.
    let error = observed.get_render("rnd_nope").await.expect_err("404");
    assert_eq!(error.status(), Some(404));
    let error = observed.get_render("rnd_nope").await.expect_err("404");
    assert_eq!(
        (error.status(), error.api().unwrap().attempts),
        (Some(404), 2)
    );

    let seen = seen.lock().unwrap().clone();
    let statuses: Vec<(u16, u32)> = seen
        .iter()
        .map(|a| (a.status().as_u16(), a.attempt()))
        .collect();
    assert_eq!(statuses, [(503, 1), (404, 1), (503, 1), (404, 2)]);
    assert!(seen.iter().all(|a| a.route() == "/v1/renders/rnd_nope"));
    assert!(
        seen.iter()
            .all(|a| a.request_id().is_some_and(|id| !id.is_empty()))
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_handles_timeout_applies_to_its_calls_only() {
    // Every request is delayed 400 ms: a handle with a 100 ms timeout and no retries gives
    // up; the client (30 s) gets its answer.
    let server = start(Config {
        faults: vec![Fault {
            kind: FaultKind::Delay(Duration::from_millis(400)),
            when: FaultWhen::Rate(1.0),
        }],
        ..config()
    })
    .await;
    let client = client(&server);
    let quick = client
        .with_timeout(Duration::from_millis(100))
        .with_retry_policy(RetryPolicy::none());
    let error = quick.get_render("rnd_nope").await.expect_err("timed out");
    assert!(matches!(error, Error::Transport { .. }), "{error:?}");
    let error = client.get_render("rnd_nope").await.expect_err("404");
    assert_eq!(error.status(), Some(404));
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_handles_headers_reach_the_api_and_the_clients_own_cannot_be_replaced() {
    let server = start_default().await;
    let client = client(&server);
    let traced = client.with_header("x-trace-id", "trace-42").unwrap();
    traced.get_render("rnd_nope").await.expect_err("404");
    client.get_render("rnd_plain").await.expect_err("404");
    let requests = server.requests();
    let header_of = |path: &str| {
        requests.iter().find(|r| r.path == path).and_then(|r| {
            r.headers
                .iter()
                .find(|(name, _)| name == "x-trace-id")
                .map(|(_, value)| value.clone())
        })
    };
    assert_eq!(
        header_of("/v1/renders/rnd_nope").as_deref(),
        Some("trace-42")
    );
    assert_eq!(
        header_of("/v1/renders/rnd_plain"),
        None,
        "the client is unchanged"
    );

    for own in ["Authorization", "idempotency-key", "Content-Type"] {
        let error = client.with_header(own, "x").expect_err("refused");
        assert!(
            matches!(&error, Error::Config(m) if m.contains("client's own")),
            "{error}"
        );
    }
    assert!(matches!(
        client.with_header("bad name", "x"),
        Err(Error::Config(_))
    ));
    assert!(matches!(
        client.with_header("x-ok", "line\nbreak"),
        Err(Error::Config(_))
    ));
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_renders_handle_keeps_its_answer_and_a_replay_says_so() {
    let server = start_default().await;
    let (seen, observe) = recorder();
    let client = Client::builder()
        .key(KEY)
        .base_url(server.url())
        .wait_options(fast_wait())
        .on_response(observe)
        .build()
        .unwrap();
    let first = client
        .render(&valid_payload())
        .idempotency_key("options-replay-1")
        .send()
        .await
        .unwrap();
    assert_eq!(first.response().status().as_u16(), 202);
    assert!(!first.response().replayed() && !first.replayed());
    assert!(first.response().request_id().is_some());
    assert_eq!(
        first.response().route(),
        "/v1/templates/charter-handover/render"
    );
    let again = client
        .render(&valid_payload())
        .idempotency_key("options-replay-1")
        .send()
        .await
        .unwrap();
    assert!(again.response().replayed() && again.replayed());
    assert_ne!(again.response().request_id(), first.response().request_id());
    // The builder's observer saw both answers.
    assert_eq!(seen.lock().unwrap().len(), 2);

    // A handle's wait options: a deadline too short for a render that takes 3 s.
    let slow = start(Config {
        render_delay: Duration::from_secs(3),
        ..config()
    })
    .await;
    let slow_client = common::client(&slow);
    let handle = slow_client
        .with_wait_options(fast_wait().with_deadline(Duration::from_millis(200)))
        .render(&valid_payload())
        .send()
        .await
        .unwrap();
    assert!(matches!(handle.wait().await, Err(Error::Deadline { .. })));
    server.stop().await;
    slow.stop().await;
}
