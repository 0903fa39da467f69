//! Faults, rate limits and the answer envelope (`spec/api.md`, "Errors", "Rate limits and
//! retries", "What the local server adds"): injected `5xx`, `429`, dropped connections before
//! and after the work, slow answers, failed renders, `Config.rate_limit`; and the
//! `Request-Id` that every answer carries and every error body repeats.

mod common;

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use common::{KEY, Reply, SLUG, Server, config_with, render_path, valid_body};
use craftkit_devserver::{Fault, FaultKind, FaultWhen};
use serde_json::json;

fn faulty(faults: Vec<Fault>) -> Server {
    Server::with(config_with(|c| c.faults = faults))
}

fn on(kind: FaultKind, requests: &[u64]) -> Fault {
    Fault {
        kind,
        when: FaultWhen::Requests(requests.to_vec()),
    }
}

#[test]
fn an_injected_status_is_a_server_error_once() {
    let server = faulty(vec![on(FaultKind::Status(503), &[1])]);
    let reply = server.get("/v1/templates").send();
    reply.expect_error_kind(503, "server_error");
    reply.request_id();
    server.get("/v1/templates").send().expect(200);
}

#[test]
fn every_transient_status_is_server_error() {
    let server = faulty(vec![
        on(FaultKind::Status(500), &[1]),
        on(FaultKind::Status(502), &[2]),
        on(FaultKind::Status(503), &[3]),
        on(FaultKind::Status(504), &[4]),
    ]);
    for status in [500, 502, 503, 504] {
        server
            .get(&format!("/v1/templates/{SLUG}"))
            .send()
            .expect_error_kind(status, "server_error");
    }
    server
        .get(&format!("/v1/templates/{SLUG}"))
        .send()
        .expect(200);
}

#[test]
fn a_server_error_on_a_render_post_creates_nothing() {
    let server = faulty(vec![on(FaultKind::Status(502), &[1])]);
    let path = render_path(SLUG);
    server
        .post(&path)
        .idempotency_key("fault-1")
        .json(&valid_body())
        .send()
        .expect_error_kind(502, "server_error");
    assert_eq!(server.render_count(KEY), 0);
    // Safe to retry with the same key: the first attempt did not consume it.
    server
        .post(&path)
        .idempotency_key("fault-1")
        .json(&valid_body())
        .send()
        .expect(202);
    assert_eq!(server.render_count(KEY), 1);
}

#[test]
fn an_injected_rate_limit_is_429_with_retry_after() {
    let server = faulty(vec![on(
        FaultKind::RateLimited(Duration::from_millis(1500)),
        &[1],
    )]);
    let reply = server.get("/v1/templates").send();
    reply.expect_error_kind(429, "rate_limited");
    let wait = reply.retry_after().expect("a 429 carries Retry-After");
    assert!(
        (wait - 1.5).abs() < 0.05,
        "Retry-After {wait}, configured 1.5 s"
    );
    server.get("/v1/templates").send().expect(200);
}

#[test]
fn a_dropped_connection_is_no_answer() {
    let server = faulty(vec![on(FaultKind::Drop, &[1])]);
    let result = server.get("/v1/templates").try_send();
    assert!(result.is_err(), "a complete answer came: {result:?}");
    server.get("/v1/templates").send().expect(200);
}

#[test]
fn a_drop_before_a_render_post_does_no_work() {
    let server = faulty(vec![on(FaultKind::Drop, &[1])]);
    let path = render_path(SLUG);
    let result = server
        .post(&path)
        .idempotency_key("fault-2")
        .json(&valid_body())
        .try_send();
    assert!(result.is_err(), "a complete answer came: {result:?}");
    assert_eq!(server.render_count(KEY), 0);
    let retry = server
        .post(&path)
        .idempotency_key("fault-2")
        .json(&valid_body())
        .send();
    retry.expect(202);
    assert!(retry.header("idempotent-replayed").is_none());
    assert_eq!(server.render_count(KEY), 1);
}

#[test]
fn a_drop_after_a_render_post_keeps_the_render_and_the_retry_replays_it() {
    let server = faulty(vec![on(FaultKind::DropAfter, &[1])]);
    let path = render_path(SLUG);
    let result = server
        .post(&path)
        .idempotency_key("fault-3")
        .json(&valid_body())
        .try_send();
    assert!(result.is_err(), "a complete answer came: {result:?}");
    assert_eq!(server.render_count(KEY), 1, "the work was done");

    let retry = server
        .post(&path)
        .idempotency_key("fault-3")
        .json(&valid_body())
        .send();
    let render = retry.expect(200);
    assert_eq!(retry.header("idempotent-replayed"), Some("true"));
    assert_eq!(server.render_count(KEY), 1, "no duplicate");
    let id = render["id"].as_str().unwrap();
    let done = server.wait_for_terminal(id);
    assert_eq!(done["status"], "succeeded");
}

#[test]
fn a_delay_slows_the_answer_but_not_its_content() {
    let server = faulty(vec![on(FaultKind::Delay(Duration::from_millis(300)), &[1])]);
    let started = Instant::now();
    let slow = server
        .get(&format!("/v1/templates/{SLUG}"))
        .send()
        .expect(200);
    assert!(started.elapsed() >= Duration::from_millis(300));
    let fast = server
        .get(&format!("/v1/templates/{SLUG}"))
        .send()
        .expect(200);
    assert_eq!(slow, fast);
}

#[test]
fn a_failed_render_has_render_failed_and_no_download() {
    let server = faulty(vec![on(FaultKind::FailRender, &[1])]);
    let id = server.render_accepted(&valid_body());
    let render = server.wait_for_terminal(&id);
    assert_eq!(render["status"], "failed", "{render}");
    assert_eq!(render["error"]["code"], "render_failed", "{render}");
    assert!(
        render["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "{render}"
    );
    assert!(render["downloadUrl"].is_null(), "{render}");
    assert!(render["completedAt"].is_string(), "{render}");

    // Terminal: it stays failed.
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(server.get_render(&id), render);

    server
        .get(&format!("/v1/renders/{id}/download"))
        .send()
        .expect_error(409, "render_not_ready");
    server
        .post(&format!("/v1/renders/{id}/shares"))
        .json(&json!({}))
        .send()
        .expect_error(409, "render_not_ready");

    // Only that render: the next one succeeds.
    let next = server.succeeded_render(json!({}));
    assert!(next["error"].is_null());
}

#[test]
fn a_rate_always_or_never_fires() {
    let always = faulty(vec![Fault {
        kind: FaultKind::Status(500),
        when: FaultWhen::Rate(1.0),
    }]);
    for _ in 0..3 {
        always
            .get("/v1/templates")
            .send()
            .expect_error_kind(500, "server_error");
    }
    let never = faulty(vec![Fault {
        kind: FaultKind::Status(500),
        when: FaultWhen::Rate(0.0),
    }]);
    for _ in 0..3 {
        never.get("/v1/templates").send().expect(200);
    }
}

#[test]
fn the_rate_limit_answers_429_with_retry_after() {
    let server = Server::with(config_with(|c| c.rate_limit = Some(2)));
    server.get("/v1/templates").send().expect(200);
    // The window opened before this instant, when the server took the first request.
    let window_opened_before = std::time::Instant::now();
    server
        .get(&format!("/v1/templates/{SLUG}"))
        .send()
        .expect(200);
    std::thread::sleep(Duration::from_millis(30));
    let sent = std::time::Instant::now();
    let limited = server.get("/v1/templates").send();
    limited.expect_error_kind(429, "rate_limited");
    let wait = limited.retry_after().expect("a 429 carries Retry-After");
    // To the microsecond: no more than what is left of the window, plus the rounding.
    let left = 1.0 - (sent - window_opened_before).as_secs_f64();
    assert!(
        wait > 0.0 && wait <= left + 0.000_001,
        "Retry-After {wait}, at most {left:.3} s were left of the window"
    );

    // Rounded up: coming back after exactly that long finds the next window open.
    std::thread::sleep(Duration::from_secs_f64(wait));
    server.get("/v1/templates").send().expect(200);
}

/// What a fault or the rate limiter answers is an error body like any other: its
/// `error.requestId` is the answer's `Request-Id`.
#[test]

fn fault_and_rate_limit_errors_carry_the_request_id() {
    let server = Server::with(config_with(|c| {
        c.faults = vec![
            on(FaultKind::Status(503), &[1]),
            on(FaultKind::RateLimited(Duration::from_secs(1)), &[2]),
        ];
        c.rate_limit = Some(4);
    }));
    server
        .get("/v1/templates")
        .send()
        .expect_error(503, "server_error");
    server
        .get("/v1/templates")
        .send()
        .expect_error(429, "rate_limited");
    server.get("/v1/templates").send().expect(200);
    server.get("/v1/templates").send().expect(200);
    server
        .get("/v1/templates")
        .send()
        .expect_error(429, "rate_limited");
}

/// Answers of every kind: their `Request-Id`, each distinct.
#[test]
fn every_answer_carries_a_request_id_and_errors_repeat_it() {
    let server = Server::start();
    let render = server.succeeded_render(json!({}));
    let id = render["id"].as_str().unwrap();
    let share = server
        .post(&format!("/v1/renders/{id}/shares"))
        .send()
        .expect(201);

    let manifest = server.get(&format!("/v1/templates/{SLUG}")).send();
    let etag = manifest.header("etag").unwrap().to_owned();
    let answers: Vec<(u16, Reply)> = vec![
        (200, server.get("/v1/templates").send()),
        (200, manifest),
        (
            304,
            server
                .get(&format!("/v1/templates/{SLUG}"))
                .header("If-None-Match", &etag)
                .send(),
        ),
        (202, server.render(&valid_body())),
        (200, server.get(&format!("/v1/renders/{id}")).send()),
        (
            200,
            server.get(&format!("/v1/renders/{id}/download")).send(),
        ),
        (
            200,
            server
                .get_url(render["downloadUrl"].as_str().unwrap())
                .send(),
        ),
        (200, server.get_url(share["url"].as_str().unwrap()).send()),
        (201, server.post(&format!("/v1/renders/{id}/shares")).send()),
    ];
    let mut ids = BTreeSet::new();
    for (status, reply) in &answers {
        assert_eq!(reply.status, *status, "{}", reply.text());
        assert!(
            ids.insert(reply.request_id().to_owned()),
            "a Request-Id came twice"
        );
    }

    let errors: Vec<(u16, &str, Reply)> = vec![
        (
            400,
            "invalid_request",
            server.get("/v1/templates?limit=0").send(),
        ),
        (
            401,
            "unauthenticated",
            server.get("/v1/templates").no_key().send(),
        ),
        (404, "not_found", server.get("/v1/renders/rnd_nope").send()),
        (
            404,
            "not_found",
            server.get_url(&format!("{}/s/nope", server.url())).send(),
        ),
        (
            409,
            "template_version_mismatch",
            server
                .render(&json!({"data": common::valid_data(), "options": {"templateVersion": 1}})),
        ),
        (
            422,
            "validation_failed",
            server.render(&json!({"data": common::invalid_data()})),
        ),
    ];
    for (status, kind, reply) in &errors {
        reply.expect_error(*status, kind);
        assert!(
            ids.insert(reply.request_id().to_owned()),
            "a Request-Id came twice"
        );
    }
}

/// "Every non-2xx response has this JSON body": also for a path or method the API does not
/// have.
#[test]
fn an_unknown_route_is_a_json_404() {
    let server = Server::start();
    server
        .get("/v1/no-such-thing")
        .send()
        .expect_error(404, "not_found");
}

#[test]

fn a_wrong_method_is_a_json_error() {
    let server = Server::start();
    let reply = server.delete("/v1/templates").send();
    assert!(
        (400..500).contains(&reply.status),
        "{} {}",
        reply.status,
        reply.text()
    );
    let kind = reply.json()["error"]["type"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    reply.expect_error(reply.status, &kind);
}
