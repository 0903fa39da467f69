//! Proves the client's errors and retries against the local server with injected faults: a
//! key of the wrong shape is an `Error::Config` at build; an unknown key is `401
//! unauthenticated`; an unknown render is `404 not_found`; a failed render is
//! `Error::RenderFailed` (`render_failed`); a wait past its deadline is `Error::Deadline`;
//! errors display method, path, status, type and request id; under dropped connections
//! (before and after handling), `503`s and `429`s, 200 concurrent renders with retries make
//! exactly 200 renders, each succeeded; a non-idempotent POST is never retried; and retries
//! that run out say how many attempts were made.

mod common;

use std::collections::HashSet;
use std::time::{Duration, Instant};

use common::*;
use craftkit_devserver::{Config, DevServer, Fault, FaultKind, FaultWhen};
use craftkit_runtime::client::TemplateDraft;
use craftkit_runtime::client::{Client, Error, RenderStatus, RetryPolicy, WaitOptions};
use futures_util::StreamExt;
use serde_json::json;

/// A server whose faults are `faults`, with a fixed seed.
async fn faulty(faults: Vec<Fault>) -> DevServer {
    start(Config {
        faults,
        fault_seed: 7,
        ..config()
    })
    .await
}

fn on_requests(kind: FaultKind, numbers: &[u64]) -> Fault {
    Fault {
        kind,
        when: FaultWhen::Requests(numbers.to_vec()),
    }
}

fn at_rate(kind: FaultKind, rate: f64) -> Fault {
    Fault {
        kind,
        when: FaultWhen::Rate(rate),
    }
}

fn expect_api(error: &Error) -> &craftkit_runtime::client::ApiFailure {
    error
        .api()
        .unwrap_or_else(|| panic!("expected Error::Api, got {error:?}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn a_key_of_the_wrong_shape_or_a_bad_base_url_is_a_config_error_at_build() {
    let bad_keys = [
        "",
        "ck_live_short",
        "sk_live_abcdefghijklmnopqrstuvwxyz",
        "ck_prod_abcdefghijklmnopqrstuvwxyz",
        "ck_test_abcdefgh-ijklmnop-qrstuvwxyz",
        "Bearer ck_test_abcdefghijklmnopqrstuvwxyz",
    ];
    for key in bad_keys {
        let error = Client::builder().key(key).build().expect_err(key);
        assert!(matches!(error, Error::Config(_)), "{key:?}: {error:?}");
        if !key.is_empty() {
            assert!(
                !error.to_string().contains(key),
                "the key is not echoed: {error}"
            );
        }
    }
    let error = Client::builder().build().expect_err("no key");
    assert!(matches!(error, Error::Config(_)), "{error:?}");
    for url in ["ftp://127.0.0.1:1", "127.0.0.1:8080", ""] {
        let error = Client::builder()
            .key(KEY)
            .base_url(url)
            .build()
            .expect_err(url);
        assert!(matches!(error, Error::Config(_)), "{url:?}: {error:?}");
    }
    assert!(
        Client::builder()
            .key("ck_live_abcdefghijklmnopqrstuvwx")
            .build()
            .is_ok()
    );
    let client = Client::builder()
        .key(KEY)
        .base_url("http://127.0.0.1:9/")
        .build()
        .expect("ok");
    assert_eq!(
        client.base_url(),
        "http://127.0.0.1:9",
        "a trailing slash is dropped"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unknown_well_formed_key_is_a_401_unauthenticated_and_not_retried() {
    let server = start_default().await;
    let stranger = client_with(&server, UNKNOWN_KEY, fast_retry());

    let errors = [
        stranger.template(SLUG).await.expect_err("401"),
        stranger
            .get_render("rnd_doesnotexist000000000")
            .await
            .expect_err("401"),
        stranger
            .render(&valid_payload())
            .send()
            .await
            .expect_err("401"),
        stranger
            .create_template(
                &TemplateDraft::from_value(&cached_manifest("invoice"))
                    .unwrap()
                    .replace(true),
            )
            .await
            .expect_err("401"),
    ];
    for error in &errors {
        let api = expect_api(error);
        assert_eq!(
            (api.status, api.kind.as_str(), api.attempts),
            (401, "unauthenticated", 1)
        );
        assert_eq!(error.status(), Some(401));
    }
    assert_eq!(server.render_count(KEY), 0);
    assert_eq!(server.render_count(UNKNOWN_KEY), 0);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unknown_render_id_is_a_404_not_found() {
    let server = start_default().await;
    let client = client(&server);

    let id = "rnd_doesnotexist000000000";
    for error in [
        client.get_render(id).await.expect_err("404"),
        client.wait(id).await.expect_err("404"),
    ] {
        let api = expect_api(&error);
        assert_eq!(
            (api.status, api.kind.as_str(), api.attempts),
            (404, "not_found", 1)
        );
        assert_eq!(api.method, "GET");
        assert_eq!(api.path, format!("/v1/renders/{id}"));
    }
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failed_render_makes_wait_return_render_failed() {
    let server = faulty(vec![on_requests(FaultKind::FailRender, &[1])]).await;
    let client = client(&server);

    let handle = client
        .render(&valid_payload())
        .send()
        .await
        .expect("accepted (request 1)");
    let id = handle.id.clone();
    let error = handle.wait().await.expect_err("the render fails");
    let Error::RenderFailed {
        render,
        code,
        message,
    } = &error
    else {
        panic!("expected Error::RenderFailed, got {error:?}");
    };
    assert_eq!(code, "render_failed");
    assert!(!message.is_empty());
    assert_eq!(render.id, id);
    assert_eq!(render.status, RenderStatus::Failed);
    assert_eq!(render.download_url, None);
    assert_eq!(
        render.error.as_ref().map(|e| e.code.as_str()),
        Some("render_failed")
    );
    let text = error.to_string();
    assert!(
        text.contains(&id) && text.contains("render_failed"),
        "{text}"
    );

    // Terminal: it stays failed, and it has nothing to share.
    assert_eq!(
        client.get_render(&id).await.expect("found").status,
        RenderStatus::Failed
    );
    let error = client.share(&id, None).await.expect_err("409");
    assert_eq!(expect_api(&error).kind, "render_not_ready");
    // Only request 1 was hit: the next render succeeds.
    let next = client
        .render_and_wait(&valid_payload())
        .await
        .expect("succeeds");
    assert_eq!(next.status, RenderStatus::Succeeded);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wait_past_its_deadline_is_a_deadline_error() {
    let server = start(Config {
        render_delay: Duration::from_secs(2),
        ..config()
    })
    .await;
    let client = client(&server);

    let handle = client
        .render(&valid_payload())
        .send()
        .await
        .expect("accepted");
    let id = handle.id.clone();
    // The server hints a 1 s poll; the last pause is cut to end at the deadline.
    let options = WaitOptions::default()
        .with_deadline(Duration::from_millis(200))
        .with_initial_interval(Duration::from_millis(250))
        .with_max_interval(Duration::from_secs(2));
    let started = Instant::now();
    let error = handle.wait_with(options).await.expect_err("too slow");
    let elapsed = started.elapsed();
    let Error::Deadline {
        render_id,
        last_status,
        waited,
    } = &error
    else {
        panic!("expected Error::Deadline, got {error:?}");
    };
    assert_eq!(render_id, &id);
    assert!(matches!(
        last_status,
        RenderStatus::Queued | RenderStatus::Rendering
    ));
    assert!(*waited >= Duration::from_millis(200), "{waited:?}");
    assert!(
        elapsed < Duration::from_millis(1_000),
        "gave up at the deadline: {elapsed:?}"
    );
    let text = error.to_string();
    assert!(
        text.contains(&id) && text.contains(last_status.as_str()),
        "{text}"
    );

    // The client's default wait options apply to `wait`.
    let impatient = Client::builder()
        .key(KEY)
        .base_url(server.url())
        .wait_options(options)
        .build()
        .expect("builds");
    assert!(matches!(
        impatient.wait(&id).await,
        Err(Error::Deadline { .. })
    ));
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn errors_display_method_path_status_type_and_request_id() {
    let server = start_default().await;
    let client = client(&server);

    let error = client
        .get_render("rnd_doesnotexist000000000")
        .await
        .expect_err("404");
    let api = expect_api(&error);
    let request_id = api.request_id.clone().expect("the server's request id");
    assert!(request_id.starts_with("req_"), "{request_id}");
    assert_eq!(
        error.to_string(),
        format!(
            "GET /v1/renders/rnd_doesnotexist000000000: 404 not_found: no such render [request {request_id}]"
        )
    );

    let mut data = valid_data();
    data["guests"] = json!(40);
    let error = client
        .render_json(SLUG, data)
        .send()
        .await
        .expect_err("422");
    let text = error.to_string();
    for part in [
        "POST",
        "/v1/templates/charter-handover/render",
        "422",
        "validation_failed",
        "guests",
        "[request req_",
    ] {
        assert!(text.contains(part), "{part:?} in {text}");
    }

    let unreachable = Client::builder()
        .key(KEY)
        .base_url(closed_port_url())
        .retry_policy(fast_retry().with_max_retries(1))
        .build()
        .expect("builds");
    let error = unreachable
        .template(SLUG)
        .await
        .expect_err("nothing listens");
    assert!(
        matches!(error, Error::Transport { attempts: 2, .. }),
        "{error:?}"
    );
    let text = error.to_string();
    for part in [
        "GET",
        "/v1/templates/charter-handover",
        "no answer",
        "after 2 attempts",
    ] {
        assert!(text.contains(part), "{part:?} in {text}");
    }
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn two_hundred_renders_under_faults_render_exactly_once_each_and_all_succeed() {
    // Each rule rolls its own seeded dice and the first that fires wins: four rules at
    // 8.5 % fault 1 - 0.915^4 = 30 % of requests (see `each_rate_rule_hits_its_share_of_requests`).
    let server = faulty(vec![
        at_rate(FaultKind::Drop, 0.085),
        at_rate(FaultKind::DropAfter, 0.085),
        at_rate(FaultKind::Status(503), 0.085),
        at_rate(FaultKind::RateLimited(Duration::from_millis(10)), 0.085),
    ])
    .await;

    // The faults are on: a client that does not retry sees them.
    let fragile = client_with(&server, KEY, RetryPolicy::none());
    let mut transport = 0;
    let mut api_faults = 0;
    for _ in 0..60 {
        match fragile.template(SLUG).await {
            Err(Error::Transport { .. }) => transport += 1,
            Err(Error::Api(api)) if matches!(api.status, 429 | 503) => api_faults += 1,
            Err(other) => panic!("unexpected error: {other:?}"),
            Ok(_) => {}
        }
    }
    assert!(
        transport > 0 && api_faults > 0,
        "transport {transport}, 429/503 {api_faults}"
    );

    // 10 retries: with 30 % faults, one call failing 11 times in a row is a 2e-6 event.
    let client = client_with(&server, KEY, fast_retry().with_max_retries(10));
    let payload = valid_payload();
    let started = Instant::now();
    let outcomes: Vec<Result<_, Error>> = futures_util::stream::iter(0..200)
        .map(|i| {
            let (client, payload) = (&client, &payload);
            async move {
                let handle = client
                    .render(payload)
                    .idempotency_key(format!("bulk-{i:03}"))
                    .send()
                    .await?;
                handle.wait().await
            }
        })
        .buffer_unordered(16)
        .collect()
        .await;
    let mut ids = HashSet::new();
    for outcome in outcomes {
        let render = outcome.unwrap_or_else(|e| panic!("a logical render was lost: {e}"));
        assert_eq!(render.status, RenderStatus::Succeeded);
        assert!(
            ids.insert(render.id.clone()),
            "{} answered twice",
            render.id
        );
    }
    assert_eq!(ids.len(), 200);
    assert_eq!(server.render_count(KEY), 200, "none lost, none duplicated");
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "{:?}",
        started.elapsed()
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_render_without_an_explicit_key_reuses_its_own_key_on_retry() {
    // Request 1 is handled (the render is made) but its answer is lost.
    let server = faulty(vec![on_requests(FaultKind::DropAfter, &[1])]).await;
    let client = client(&server);

    let render = client
        .render_and_wait(&valid_payload())
        .await
        .expect("retried, then succeeds");
    assert_eq!(render.status, RenderStatus::Succeeded);
    assert_eq!(
        server.render_count(KEY),
        1,
        "the retry replayed the first render"
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_non_idempotent_post_is_not_retried_on_503_but_a_get_is() {
    let server = faulty(vec![on_requests(FaultKind::Status(503), &[1, 3, 5])]).await;
    let client = client(&server);
    let draft = TemplateDraft::from_value(&json!({
        "slug": "retry-probe",
        "name": "Retry probe",
        "pipeline": "html",
        "variables": [{"path": "title", "type": "string", "required": true}]
    }))
    .unwrap();

    let error = client
        .create_template(&draft)
        .await
        .expect_err("request 1: 503");
    let api = expect_api(&error);
    assert_eq!(
        (api.status, api.kind.as_str(), api.attempts),
        (503, "server_error", 1)
    );
    assert_eq!(
        (api.method.as_str(), api.path.as_str()),
        ("POST", "/v1/templates")
    );
    assert!(
        !error.to_string().contains("attempts"),
        "one attempt: {error}"
    );
    client
        .create_template(&draft)
        .await
        .expect("request 2: created");

    let error = client
        .publish_template("retry-probe")
        .await
        .expect_err("request 3: 503");
    assert_eq!(
        (expect_api(&error).status, expect_api(&error).attempts),
        (503, 1)
    );
    assert_eq!(
        client
            .publish_template("retry-probe")
            .await
            .expect("request 4")
            .version,
        1
    );

    // Request 5 is a GET: retried (request 6) and answered.
    let fetch = client.template("retry-probe").await.expect("retried");
    assert_eq!(fetch.manifest.version, 1);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn retries_that_run_out_say_how_many_attempts_were_made() {
    let policy = fast_retry();
    let attempts = policy.max_retries() + 1;

    let server = faulty(vec![at_rate(FaultKind::Status(503), 1.0)]).await;
    let client = client(&server);
    for error in [
        client
            .get_render("rnd_doesnotexist000000000")
            .await
            .expect_err("always 503"),
        client
            .render(&valid_payload())
            .idempotency_key("exhausted")
            .send()
            .await
            .expect_err("503"),
    ] {
        let api = expect_api(&error);
        assert_eq!((api.status, api.attempts), (503, attempts), "{error}");
        assert!(
            error
                .to_string()
                .ends_with(&format!("after {attempts} attempts")),
            "{error}"
        );
    }
    assert_eq!(server.render_count(KEY), 0);
    server.stop().await;

    let server = faulty(vec![at_rate(FaultKind::Drop, 1.0)]).await;
    let client = common::client(&server);
    let error = client.template(SLUG).await.expect_err("always dropped");
    assert!(
        matches!(error, Error::Transport { attempts: a, .. } if a == attempts),
        "{error:?}"
    );
    assert!(
        error
            .to_string()
            .contains(&format!("after {attempts} attempts")),
        "{error}"
    );
    server.stop().await;

    let unreachable = Client::builder()
        .key(KEY)
        .base_url(closed_port_url())
        .retry_policy(policy.with_max_retries(2))
        .build()
        .expect("builds");
    let error = unreachable
        .get_render("rnd_x")
        .await
        .expect_err("nothing listens");
    assert!(
        matches!(error, Error::Transport { attempts: 3, .. }),
        "{error:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_429_is_retried_no_sooner_than_its_retry_after() {
    let server = faulty(vec![on_requests(
        FaultKind::RateLimited(Duration::from_millis(300)),
        &[1],
    )])
    .await;
    let client = client(&server);
    let started = Instant::now();
    client.template(SLUG).await.expect("retried after 0.3 s");
    assert!(
        started.elapsed() >= Duration::from_millis(300),
        "{:?}",
        started.elapsed()
    );
    server.stop().await;

    // A Retry-After beyond the policy's ceiling is an error at once, not a long sleep.
    let server = faulty(vec![on_requests(
        FaultKind::RateLimited(Duration::from_secs(30)),
        &[1],
    )])
    .await;
    let client = common::client(&server);
    let started = Instant::now();
    let error = client.template(SLUG).await.expect_err("429");
    let api = expect_api(&error);
    assert_eq!(
        (api.status, api.kind.as_str(), api.attempts),
        (429, "rate_limited", 1)
    );
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_attempt_that_times_out_is_retried() {
    let server = faulty(vec![on_requests(
        FaultKind::Delay(Duration::from_secs(2)),
        &[1],
    )])
    .await;
    let client = Client::builder()
        .key(KEY)
        .base_url(server.url())
        .timeout(Duration::from_millis(300))
        .retry_policy(fast_retry())
        .build()
        .expect("builds");
    let started = Instant::now();
    let fetch = client
        .template(SLUG)
        .await
        .expect("the second attempt answers");
    assert_eq!(fetch.manifest.slug, SLUG);
    assert!(
        started.elapsed() < Duration::from_millis(1_500),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn each_rate_rule_hits_its_share_of_requests() {
    // Two rules, each documented as hitting "each API request with this probability".
    let server = faulty(vec![
        at_rate(FaultKind::Status(503), 0.3),
        at_rate(FaultKind::RateLimited(Duration::ZERO), 0.3),
    ])
    .await;
    let client = client_with(&server, KEY, RetryPolicy::none());
    let (mut unavailable, mut limited) = (0, 0);
    for _ in 0..300 {
        match client.template(SLUG).await {
            Err(error) if error.status() == Some(503) => unavailable += 1,
            Err(error) if error.status() == Some(429) => limited += 1,
            Err(error) => panic!("unexpected error: {error:?}"),
            Ok(_) => {}
        }
    }
    // Independent dice: ~90 (30 %) and ~63 (70 % x 30 %). One shared roll: ~90 and 0.
    assert!(unavailable > 40, "503s: {unavailable}");
    assert!(limited > 25, "429s: {limited}");
    server.stop().await;
}

/// Found by the soak's deadline reasoning: a poll that meets a `429` (its `Retry-After`) or a
/// slow answer near the end of a wait used to run past the wait's deadline by that long. A
/// slow answer now ends at the deadline (`Error::Deadline`); a `Retry-After` reaching past it
/// ends the wait at once (`Error::RetryAfterPastDeadline`, issue 26).
#[tokio::test(flavor = "multi_thread")]
async fn a_wait_gives_up_at_its_deadline_even_while_a_poll_is_retrying_or_slow() {
    let faults = [
        FaultKind::RateLimited(Duration::from_millis(1_500)),
        FaultKind::Delay(Duration::from_millis(1_500)),
    ];
    for fault in faults {
        // Request 1 is the render POST; request 2, the wait's first poll, is faulted.
        let server = start(Config {
            faults: vec![Fault {
                kind: fault.clone(),
                when: FaultWhen::Requests(vec![2]),
            }],
            render_delay: Duration::from_secs(3),
            ..config()
        })
        .await;
        let client = common::client(&server);
        let handle = client
            .render(&valid_payload())
            .send()
            .await
            .expect("accepted");
        let id = handle.id.clone();
        let options = fast_wait().with_deadline(Duration::from_millis(300));
        let started = Instant::now();
        let error = handle.wait_with(options).await.expect_err("too slow");
        let elapsed = started.elapsed();
        if let FaultKind::RateLimited(_) = fault {
            // A `Retry-After` reaching past the deadline ends the wait at once, saying so.
            let Error::RetryAfterPastDeadline { retry_after, .. } = &error else {
                panic!("{fault:?}: expected Error::RetryAfterPastDeadline, got {error:?}");
            };
            assert_eq!(*retry_after, Duration::from_millis(1_500));
            assert!(elapsed < Duration::from_millis(1_000), "{elapsed:?}");
            server.stop().await;
            continue;
        }
        let Error::Deadline {
            render_id,
            last_status,
            waited,
        } = &error
        else {
            panic!("{fault:?}: expected Error::Deadline, got {error:?}");
        };
        assert!(
            elapsed < Duration::from_millis(1_000),
            "{fault:?}: gave up at the deadline, not after the poll: {elapsed:?}"
        );
        assert_eq!(render_id, &id);
        // No poll was answered in time: the last status known is the accepted one.
        assert_eq!(*last_status, RenderStatus::Queued, "{fault:?}");
        assert!(
            *waited >= Duration::from_millis(300),
            "{fault:?}: {waited:?}"
        );
        server.stop().await;
    }
}
