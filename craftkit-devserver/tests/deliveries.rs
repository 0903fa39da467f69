//! Webhook delivery as Craftkit does it (`spec/api.md`, "Webhooks"): an endpoint that does not
//! answer within the delivery timeout, or answers anything but `2xx`, gets the event again
//! after a growing, jittered wait, until it answers `2xx` or the redelivery window ends; every
//! endpoint signs with its own secret, a rotating secret signs twice; every attempt is in
//! `DevServer::deliveries()` and, when asked, in a JSON-lines file.
//!
//! The receivers are small axum servers on loopback, each on its own runtime, answering from a
//! script; signatures are checked with `craftkit_runtime::webhook`, as a receiver would.

mod common;

use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use common::{KEY, OTHER_KEY, Server, config_with, valid_body};
use craftkit_devserver::{
    DeliveryOutcome, DeliveryRecord, DevServer, Fault, FaultKind, FaultWhen, WebhookEndpoint,
};
use craftkit_runtime::webhook::{Verifier, WebhookError};
use serde_json::Value;

const SECRET: &str = "whsec_deliveriesSuiteSecret0123456789";
const OTHER_SECRET: &str = "whsec_deliveriesOtherSecret9876543210";
/// How long any wait for deliveries may take before the test fails.
const DEADLINE: Duration = Duration::from_secs(15);

/// What a receiver does with one request.
#[derive(Debug, Clone, Copy)]
enum Answer {
    /// Answer this status at once.
    Status(u16),
    /// Answer `200` after this long.
    After(Duration),
}

/// One request a receiver got.
#[derive(Debug, Clone)]
struct Hit {
    at: Instant,
    signature: String,
    body: Bytes,
}

impl Hit {
    fn event(&self) -> Value {
        serde_json::from_slice(&self.body).expect("the delivery is JSON")
    }
}

#[derive(Clone)]
struct Script {
    answers: Arc<Vec<Answer>>,
    hits: Arc<Mutex<Vec<Hit>>>,
}

/// An axum webhook endpoint on 127.0.0.1 that answers the n-th request with the n-th answer
/// of its script, and `200` once the script is over.
struct Receiver {
    url: String,
    hits: Arc<Mutex<Vec<Hit>>>,
    runtime: Option<tokio::runtime::Runtime>,
}

impl Receiver {
    fn start(answers: Vec<Answer>) -> Receiver {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("a runtime for the receiver");
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the receiver");
        listener.set_nonblocking(true).expect("nonblocking");
        let url = format!("http://{}/hooks", listener.local_addr().unwrap());
        let script = Script {
            answers: Arc::new(answers),
            hits: Arc::new(Mutex::new(Vec::new())),
        };
        let hits = script.hits.clone();
        runtime.spawn(async move {
            let listener = tokio::net::TcpListener::from_std(listener).expect("a tokio listener");
            let app = axum::Router::new()
                .route("/hooks", axum::routing::post(answer))
                .with_state(script);
            let _ = axum::serve(listener, app).await;
        });
        Receiver {
            url,
            hits,
            runtime: Some(runtime),
        }
    }

    fn endpoint(&self, secret: &str) -> WebhookEndpoint {
        WebhookEndpoint::new(&self.url, secret)
    }

    fn hits(&self) -> Vec<Hit> {
        self.hits.lock().unwrap().clone()
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

async fn answer(State(script): State<Script>, headers: HeaderMap, body: Bytes) -> Response {
    let n = {
        let mut hits = script.hits.lock().unwrap();
        hits.push(Hit {
            at: Instant::now(),
            signature: headers
                .get("craftkit-signature")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned(),
            body,
        });
        hits.len() - 1
    };
    match script.answers.get(n).copied() {
        Some(Answer::Status(status)) => {
            let status = StatusCode::from_u16(status).unwrap();
            // Hints a receiver might give: the sender honours none of them.
            let mut response = status.into_response();
            response
                .headers_mut()
                .insert("retry-after", "3600".parse().unwrap());
            response
                .headers_mut()
                .insert("location", "http://127.0.0.1:9/elsewhere".parse().unwrap());
            response
        }
        Some(Answer::After(wait)) => {
            tokio::time::sleep(wait).await;
            StatusCode::OK.into_response()
        }
        None => StatusCode::OK.into_response(),
    }
}

/// Waits until the server has no delivery in flight, then returns its log.
#[track_caller]
fn settled(server: &DevServer) -> Vec<DeliveryRecord> {
    let started = Instant::now();
    while server.pending_deliveries() > 0 {
        assert!(
            started.elapsed() < DEADLINE,
            "deliveries still pending after {DEADLINE:?}: {:#?}",
            server.deliveries()
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    server.deliveries()
}

/// Renders once and waits until the render is terminal; returns its id.
fn render(server: &Server) -> String {
    let id = server.render_accepted(&valid_body());
    server.wait_for_terminal(&id);
    id
}

fn outcomes(records: &[DeliveryRecord]) -> Vec<DeliveryOutcome> {
    records.iter().map(|r| r.outcome.clone()).collect()
}

#[test]
fn no_answer_within_the_timeout_is_a_failure_and_the_event_comes_again() {
    let receiver = Receiver::start(vec![Answer::After(Duration::from_millis(1500))]);
    let server = Server::with(config_with(|c| {
        c.webhooks = vec![receiver.endpoint(SECRET)];
        c.webhook_timeout = Duration::from_millis(150);
    }));
    render(&server);
    let records = settled(server.dev());

    assert_eq!(
        outcomes(&records),
        [DeliveryOutcome::Timeout, DeliveryOutcome::Status(200)]
    );
    let timeout = &records[0];
    assert!(
        timeout.latency >= Duration::from_millis(150)
            && timeout.latency < Duration::from_millis(1000),
        "the attempt ended at the timeout, not at the answer: {timeout:?}"
    );
    assert!(timeout.retry_in.is_some() && records[1].retry_in.is_none());
    assert_eq!(records[0].event_id, records[1].event_id);
    assert_eq!([records[0].attempt, records[1].attempt], [1, 2]);

    let hits = receiver.hits();
    assert_eq!(
        hits.len(),
        2,
        "the slow delivery arrived, then the redelivery"
    );
    assert_eq!(hits[0].body, hits[1].body, "a redelivery is the same event");
    assert_eq!(hits[1].event()["id"], records[1].event_id.as_str());
}

#[test]
fn every_non_2xx_answer_is_retried_after_a_growing_wait() {
    // 429 with Retry-After, 410 Gone and a redirect are retried like any other non-2xx.
    let statuses = [500, 429, 410, 302, 503];
    let receiver = Receiver::start(statuses.iter().map(|s| Answer::Status(*s)).collect());
    let server = Server::with(config_with(|c| {
        c.webhooks = vec![receiver.endpoint(SECRET)];
        c.webhook_backoff = Duration::from_millis(40);
    }));
    render(&server);
    let records = settled(server.dev());

    let mut expected: Vec<_> = statuses
        .iter()
        .map(|s| DeliveryOutcome::Status(*s))
        .collect();
    expected.push(DeliveryOutcome::Status(200));
    assert_eq!(outcomes(&records), expected);
    assert_eq!(
        records.iter().map(|r| r.attempt).collect::<Vec<_>>(),
        [1, 2, 3, 4, 5, 6]
    );
    let waits: Vec<Duration> = records.iter().filter_map(|r| r.retry_in).collect();
    assert_eq!(waits.len(), 5, "{records:#?}");
    for pair in waits.windows(2) {
        assert!(pair[1] >= pair[0], "the waits never shrink: {waits:?}");
    }
    assert!(waits[2] >= waits[0] * 2, "the waits double: {waits:?}");
    assert!(
        waits[0] >= Duration::from_millis(20) && waits[0] <= Duration::from_millis(40),
        "the first wait is the backoff, jittered into its upper half: {waits:?}"
    );

    // The receiver saw the waits.
    let hits = receiver.hits();
    assert_eq!(hits.len(), 6);
    let gaps: Vec<Duration> = hits.windows(2).map(|h| h[1].at - h[0].at).collect();
    for (gap, wait) in gaps.iter().zip(&waits) {
        assert!(
            gap >= wait,
            "redelivered after {gap:?}, before its wait {wait:?}"
        );
    }
    assert!(gaps[4] > gaps[0], "the gaps grow: {gaps:?}");
}

#[test]
fn a_2xx_ends_the_deliveries() {
    let receiver = Receiver::start(vec![Answer::Status(202)]);
    let server = Server::with(config_with(|c| {
        c.webhooks = vec![receiver.endpoint(SECRET)];
    }));
    render(&server);
    let records = settled(server.dev());
    std::thread::sleep(Duration::from_millis(200));

    assert_eq!(outcomes(&records), [DeliveryOutcome::Status(202)]);
    assert_eq!(records[0].retry_in, None);
    assert_eq!(receiver.hits().len(), 1);
    assert_eq!(server.dev().deliveries(), records);
}

#[test]
fn the_end_of_the_window_ends_the_deliveries() {
    let receiver = Receiver::start(vec![Answer::Status(500); 1000]);
    let window = Duration::from_millis(400);
    let server = Server::with(config_with(|c| {
        c.webhooks = vec![receiver.endpoint(SECRET)];
        c.webhook_window = window;
        c.webhook_backoff = Duration::from_millis(20);
    }));
    render(&server);
    let records = settled(server.dev());
    let settled_hits = receiver.hits().len();
    std::thread::sleep(Duration::from_millis(300));

    assert!(
        records.len() >= 3,
        "retried within the window: {records:#?}"
    );
    assert!(
        records
            .iter()
            .all(|r| r.outcome == DeliveryOutcome::Status(500)),
        "{records:#?}"
    );
    let last = records.last().unwrap();
    assert_eq!(last.retry_in, None, "the last attempt says none follows");
    assert!(
        records[..records.len() - 1]
            .iter()
            .all(|r| r.retry_in.is_some())
    );
    let hits = receiver.hits();
    assert_eq!(hits.len(), records.len());
    assert_eq!(hits.len(), settled_hits, "nothing after the window");
    // No attempt is scheduled past the window; the last one may start a little after it as
    // the timer fires late, and reach the receiver after its trip.
    let span = hits.last().unwrap().at - hits[0].at;
    assert!(
        span <= window + Duration::from_millis(150),
        "the last attempt started {span:?} after the first"
    );
}

#[test]
fn each_endpoint_signs_with_its_own_secret() {
    let first = Receiver::start(vec![]);
    let second = Receiver::start(vec![]);
    let server = Server::with(config_with(|c| {
        c.webhooks = vec![first.endpoint(SECRET), second.endpoint(OTHER_SECRET)];
    }));
    render(&server);
    settled(server.dev());

    let (a, b) = (&first.hits()[0], &second.hits()[0]);
    let now = SystemTime::now();
    let event = Verifier::new(SECRET)
        .verify(&a.signature, &a.body, now)
        .expect("the first endpoint's delivery verifies with its secret");
    Verifier::new(OTHER_SECRET)
        .verify(&b.signature, &b.body, now)
        .expect("the second endpoint's delivery verifies with its secret");
    assert!(matches!(
        Verifier::new(OTHER_SECRET).verify(&a.signature, &a.body, now),
        Err(WebhookError::SignatureMismatch)
    ));
    assert!(matches!(
        Verifier::new(SECRET).verify(&b.signature, &b.body, now),
        Err(WebhookError::SignatureMismatch)
    ));
    assert_eq!(a.signature.matches("v1=").count(), 1, "{}", a.signature);
    assert_eq!(
        event.id,
        b.event()["id"].as_str().unwrap(),
        "one event, two endpoints"
    );
}

#[test]
fn a_resend_delivers_the_same_body_to_every_endpoint_retried_and_logged_under_its_number() {
    // The first endpoint fails the resend's first attempt: it is retried as any delivery.
    let first = Receiver::start(vec![Answer::Status(200), Answer::Status(500)]);
    let second = Receiver::start(vec![]);
    let server = Server::with(config_with(|c| {
        c.webhooks = vec![first.endpoint(SECRET), second.endpoint(OTHER_SECRET)];
    }));
    render(&server);
    let id = settled(server.dev())[0].event_id.clone();

    let path = format!("/_dev/events/{id}/resend");
    let answer = server.post(&path).key(KEY).send().expect(202);
    assert_eq!(answer["object"], "resend");
    assert_eq!(answer["event"], id.as_str());
    assert_eq!(answer["resend"], 1);
    assert_eq!(
        answer["endpoints"],
        serde_json::json!([first.url, second.url])
    );
    let records = settled(server.dev());
    let mut log: Vec<_> = records
        .iter()
        .map(|r| (r.endpoint.clone(), r.resend, r.attempt, r.outcome.clone()))
        .collect();
    log.sort_by(|a, b| (&a.0, a.1, a.2).cmp(&(&b.0, b.1, b.2)));
    let ok = DeliveryOutcome::Status(200);
    let mut expected = vec![
        (first.url.clone(), 0, 1, ok.clone()),
        (first.url.clone(), 1, 1, DeliveryOutcome::Status(500)),
        (first.url.clone(), 1, 2, ok.clone()),
        (second.url.clone(), 0, 1, ok.clone()),
        (second.url.clone(), 1, 1, ok),
    ];
    expected.sort_by(|a, b| (&a.0, a.1, a.2).cmp(&(&b.0, b.1, b.2)));
    assert_eq!(log, expected);
    assert!(records.iter().all(|r| r.event_id == id));
    let now = SystemTime::now();
    for (receiver, secret) in [(&first, SECRET), (&second, OTHER_SECRET)] {
        let hits = receiver.hits();
        assert!(
            hits.iter().all(|hit| hit.body == hits[0].body),
            "the same body"
        );
        for hit in &hits {
            Verifier::new(secret)
                .verify(&hit.signature, &hit.body, now)
                .expect("each attempt is signed with the endpoint's secret");
        }
    }

    // Another project's event, an unknown one, no key.
    let error = server
        .post(&path)
        .key(OTHER_KEY)
        .send()
        .expect_error(404, "not_found");
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains(&format!("`{id}`")),
        "{error}"
    );
    let error = server
        .post("/_dev/events/evt_unknown/resend")
        .key(KEY)
        .send()
        .expect_error(404, "not_found");
    assert!(
        error["message"].as_str().unwrap().contains("`evt_unknown`"),
        "{error}"
    );
    server
        .post(&path)
        .no_key()
        .send()
        .expect_error(401, "unauthenticated");
    let error = server.dev().resend("evt_unknown").unwrap_err();
    assert!(error.contains("`evt_unknown`"), "{error}");
    assert_eq!(settled(server.dev()).len(), 5, "nothing more was delivered");
}

#[test]
fn a_rotating_secret_signs_twice_and_either_secret_verifies() {
    let old = "whsec_rotatingOutOld0000000000000000";
    let receiver = Receiver::start(vec![]);
    let server = Server::with(config_with(|c| {
        c.webhooks = vec![receiver.endpoint(SECRET).with_previous_secret(old)];
    }));
    render(&server);
    settled(server.dev());

    let hit = &receiver.hits()[0];
    let now = SystemTime::now();
    for secret in [old, SECRET] {
        Verifier::new(secret)
            .verify(&hit.signature, &hit.body, now)
            .unwrap_or_else(|e| panic!("{secret}: {e}: {}", hit.signature));
    }
    assert!(matches!(
        Verifier::new(OTHER_SECRET).verify(&hit.signature, &hit.body, now),
        Err(WebhookError::SignatureMismatch)
    ));
    // `t=..,v1=<old>,v1=<new>`.
    let parts: Vec<&str> = hit.signature.split(',').collect();
    let t: i64 = parts[0].strip_prefix("t=").unwrap().parse().unwrap();
    assert_eq!(
        parts[1..],
        [
            format!("v1={}", craftkit_devserver::sign(old, t, &hit.body)),
            format!("v1={}", craftkit_devserver::sign(SECRET, t, &hit.body)),
        ]
    );
}

#[test]
fn the_delivery_log_lists_every_attempt_in_memory_and_in_its_file() {
    // An endpoint where nothing listens: every attempt is a connection error.
    let closed = {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}/hooks", listener.local_addr().unwrap())
    };
    let receiver = Receiver::start(vec![Answer::Status(503)]);
    let log = std::env::temp_dir().join(format!(
        "craftkit-delivery-log-{}.jsonl",
        std::process::id()
    ));
    let _ = std::fs::remove_file(&log);
    let before = SystemTime::now() - Duration::from_secs(1);
    let server = Server::with(config_with(|c| {
        c.webhooks = vec![
            receiver.endpoint(SECRET),
            WebhookEndpoint::new(&closed, OTHER_SECRET),
        ];
        c.webhook_window = Duration::from_millis(300);
        c.delivery_log = Some(log.clone());
    }));
    let render_id = render(&server);
    let records = settled(server.dev());
    let event_id = receiver.hits()[0].event()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(receiver.hits()[0].event()["data"]["id"], render_id.as_str());

    let to = |url: &str| -> Vec<&DeliveryRecord> {
        records.iter().filter(|r| r.endpoint == url).collect()
    };
    let good = to(&receiver.url);
    assert_eq!(
        good.iter()
            .map(|r| (r.attempt, r.outcome.clone()))
            .collect::<Vec<_>>(),
        [
            (1, DeliveryOutcome::Status(503)),
            (2, DeliveryOutcome::Status(200))
        ]
    );
    let bad = to(&closed);
    assert!(bad.len() >= 2, "{records:#?}");
    for (n, record) in bad.iter().enumerate() {
        assert_eq!(record.attempt as usize, n + 1);
        match &record.outcome {
            DeliveryOutcome::ConnectionError(cause) => {
                assert!(cause.to_lowercase().contains("refused"), "{cause}")
            }
            other => panic!("not a connection error: {other:?}"),
        }
    }
    assert_eq!(good.len() + bad.len(), records.len());
    for record in &records {
        assert_eq!(record.event_id, event_id);
        assert!(
            record.at >= before && record.at <= SystemTime::now(),
            "{record:?}"
        );
        assert!(record.latency > Duration::ZERO && record.latency < Duration::from_secs(5));
    }

    let text = std::fs::read_to_string(&log).expect("the delivery log file");
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    assert_eq!(lines.len(), records.len());
    for (line, record) in lines.iter().zip(&records) {
        assert_eq!(line["event_id"], record.event_id.as_str());
        assert_eq!(line["endpoint"], record.endpoint.as_str());
        assert_eq!(line["attempt"], record.attempt);
        let (outcome, status) = match &record.outcome {
            DeliveryOutcome::Status(s) => ("status", Value::from(*s)),
            DeliveryOutcome::Timeout => ("timeout", Value::Null),
            DeliveryOutcome::ConnectionError(_) => ("connection_error", Value::Null),
            _ => unreachable!(),
        };
        assert_eq!(line["outcome"], outcome, "{line}");
        assert_eq!(line["status"], status, "{line}");
        assert!(line["latency_ms"].as_f64().unwrap() > 0.0, "{line}");
    }
    assert!(
        !text.contains(SECRET) && !text.contains(OTHER_SECRET),
        "no secret in the log"
    );
    drop(server);
    std::fs::remove_file(log).unwrap();
}

#[test]
fn a_slow_endpoint_does_not_hold_up_renders_and_stop_ends_its_deliveries() {
    let receiver = Receiver::start(vec![Answer::After(Duration::from_secs(30)); 10]);
    let server = Server::with(config_with(|c| {
        c.webhooks = vec![receiver.endpoint(SECRET)];
    }));
    let started = Instant::now();
    for _ in 0..3 {
        render(&server);
    }
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "three renders took {:?} behind a hanging endpoint",
        started.elapsed()
    );
    let wait = Instant::now();
    while receiver.hits().len() < 3 {
        assert!(
            wait.elapsed() < DEADLINE,
            "{} deliveries started",
            receiver.hits().len()
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    assert_eq!(
        server.dev().pending_deliveries(),
        3,
        "all three in flight at once"
    );

    let stopping = Instant::now();
    drop(server); // stops it: within the harness's 2 s, though each attempt has 10 s
    assert!(
        stopping.elapsed() < Duration::from_secs(2),
        "{:?}",
        stopping.elapsed()
    );
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(receiver.hits().len(), 3, "no redelivery after stop");
}

#[test]
fn injected_faults_do_not_lose_or_duplicate_an_event() {
    let receiver = Receiver::start(vec![Answer::Status(500)]);
    let at = |kind: FaultKind, n: u64| Fault {
        kind,
        when: FaultWhen::Requests(vec![n]),
    };
    // Requests 1-5 are renders: accepted then dropped, delayed, failed, refused (503), dropped
    // before handling (no render).
    let server = Server::with(config_with(|c| {
        c.webhooks = vec![receiver.endpoint(SECRET)];
        c.faults = vec![
            at(FaultKind::DropAfter, 1),
            at(FaultKind::Delay(Duration::from_millis(100)), 2),
            at(FaultKind::FailRender, 3),
            at(FaultKind::Status(503), 4),
            at(FaultKind::Drop, 5),
        ];
    }));
    for _ in 0..5 {
        let _ = server
            .post(&common::render_path(common::SLUG))
            .json(&valid_body())
            .try_send();
    }
    let renders = server.render_count(KEY);
    assert_eq!(
        renders, 3,
        "accepted: the dropped-after, the delayed and the failed one"
    );
    // Wait until each render's event arrived.
    let started = Instant::now();
    let delivered = loop {
        let records = settled(server.dev());
        let mut ok: Vec<String> = records
            .iter()
            .filter(|r| r.outcome.is_success())
            .map(|r| r.event_id.clone())
            .collect();
        if ok.len() >= renders {
            ok.sort();
            break ok;
        }
        assert!(started.elapsed() < DEADLINE, "{records:#?}");
        std::thread::sleep(Duration::from_millis(10));
    };
    let mut unique = delivered.clone();
    unique.dedup();
    assert_eq!(unique, delivered, "each event acknowledged once");

    let hits = receiver.hits();
    let mut rendered: Vec<String> = hits
        .iter()
        .map(|h| h.event()["data"]["id"].as_str().unwrap().to_owned())
        .collect();
    rendered.sort();
    rendered.dedup();
    assert_eq!(rendered.len(), renders, "one event per render");
    let failed = hits
        .iter()
        .filter(|h| h.event()["type"] == "render.failed")
        .map(|h| h.event()["id"].as_str().unwrap().to_owned())
        .collect::<std::collections::BTreeSet<_>>();
    assert_eq!(failed.len(), 1, "the failed render's event");
    assert_eq!(hits.len(), renders + 1, "the 500 was delivered again");
}

#[test]
fn stop_ends_the_redeliveries() {
    let receiver = Receiver::start(vec![Answer::Status(500); 10_000]);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let server = DevServer::start(config_with(|c| {
            c.webhooks = vec![receiver.endpoint(SECRET)];
            c.webhook_backoff = Duration::from_millis(5);
            c.webhook_backoff_max = Duration::from_millis(10);
        }))
        .await
        .unwrap();
        let rendered = reqwest::Client::new()
            .post(format!(
                "{}{}",
                server.url(),
                common::render_path(common::SLUG)
            ))
            .bearer_auth(KEY)
            .json(&valid_body())
            .send()
            .await
            .unwrap();
        assert_eq!(rendered.status(), 202);
        let started = Instant::now();
        while receiver.hits().len() < 3 {
            assert!(started.elapsed() < DEADLINE, "no redeliveries");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        assert_eq!(server.pending_deliveries(), 1);
        server.stop().await;
        let at_stop = receiver.hits().len();
        // The runtime still runs: a delivery task left behind would keep posting.
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(receiver.hits().len(), at_stop, "redelivered after stop");
    });
}

/// The program's flags: `--webhook URL` takes the `--webhook-secret`s after it (two while a
/// secret rotates), `--webhook-timeout`, `--webhook-window`, `--delivery-log FILE`.
#[test]
fn the_program_delivers_to_each_webhook_with_its_secrets_and_logs_each_attempt() {
    use std::io::{BufRead, BufReader, Read};
    use std::process::{Command, Stdio};

    let old = "whsec_programOldSecret000000000000";
    let rotating = Receiver::start(vec![]);
    let slow = Receiver::start(vec![Answer::After(Duration::from_millis(1500))]);
    let log = std::env::temp_dir().join(format!(
        "craftkit-program-deliveries-{}.jsonl",
        std::process::id()
    ));
    let _ = std::fs::remove_file(&log);
    let templates = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/manifests");
    let mut child = Command::new(env!("CARGO_BIN_EXE_craftkit-devserver"))
        .args(["--port", "0", "--templates", templates, "--key", KEY])
        .args(["--webhook", &rotating.url, "--webhook-secret", old])
        .args(["--webhook-secret", SECRET])
        .args(["--webhook", &slow.url, "--webhook-secret", OTHER_SECRET])
        .args(["--webhook-timeout", "150ms", "--webhook-window", "10s"])
        .arg("--delivery-log")
        .arg(&log)
        .env("RUST_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the program starts");
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    let base = first
        .trim()
        .strip_prefix("listening on ")
        .unwrap()
        .to_owned();
    let status = ureq::post(format!("{base}{}", common::render_path(common::SLUG)))
        .header("authorization", format!("Bearer {KEY}"))
        .send_json(valid_body())
        .unwrap()
        .status();
    assert_eq!(status.as_u16(), 202);

    let started = Instant::now();
    let lines: Vec<Value> = loop {
        let lines: Vec<Value> = std::fs::read_to_string(&log)
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).expect("a JSON line"))
            .collect();
        if lines.iter().filter(|l| l["status"] == 200).count() == 2 {
            break lines;
        }
        assert!(started.elapsed() < DEADLINE, "{lines:#?}");
        std::thread::sleep(Duration::from_millis(10));
    };
    child.kill().unwrap();
    let mut logs = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut logs)
        .unwrap();
    child.wait().unwrap();

    let of = |url: &str| -> Vec<(u64, String)> {
        lines
            .iter()
            .filter(|l| l["endpoint"] == url)
            .map(|l| {
                (
                    l["attempt"].as_u64().unwrap(),
                    l["outcome"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    };
    assert_eq!(of(&rotating.url), [(1, "status".to_owned())]);
    assert_eq!(
        of(&slow.url),
        [(1, "timeout".to_owned()), (2, "status".to_owned())]
    );

    let now = SystemTime::now();
    let hit = &rotating.hits()[0];
    assert_eq!(hit.signature.matches("v1=").count(), 2, "{}", hit.signature);
    for secret in [old, SECRET] {
        Verifier::new(secret)
            .verify(&hit.signature, &hit.body, now)
            .unwrap();
    }
    let hit = &slow.hits()[1];
    Verifier::new(OTHER_SECRET)
        .verify(&hit.signature, &hit.body, now)
        .unwrap();

    assert!(logs.contains("webhook delivered"), "{logs}");
    for secret in [old, SECRET, OTHER_SECRET, KEY] {
        assert!(!logs.contains(secret), "the log holds a secret:\n{logs}");
    }
    std::fs::remove_file(log).unwrap();
}

#[test]
fn an_endpoint_that_cannot_be_delivered_to_is_refused_at_start() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    for (endpoint, says) in [
        (
            WebhookEndpoint::new("127.0.0.1:4000/hooks", SECRET),
            "not a URL",
        ),
        (
            WebhookEndpoint::new("ftp://127.0.0.1/hooks", SECRET),
            "the scheme is ftp",
        ),
        (
            WebhookEndpoint::new("http://127.0.0.1:4000/hooks", ""),
            "a secret is empty",
        ),
        (
            WebhookEndpoint::new("http://127.0.0.1:4000/hooks", SECRET).with_previous_secret(""),
            "a secret is empty",
        ),
    ] {
        let url = endpoint.url.clone();
        let error = runtime
            .block_on(DevServer::start(config_with(|c| {
                c.webhooks = vec![endpoint]
            })))
            .expect_err(&url)
            .to_string();
        assert!(error.contains(says) && error.contains(&url), "{error}");
        assert!(!error.contains(SECRET), "{error}");
    }
}
