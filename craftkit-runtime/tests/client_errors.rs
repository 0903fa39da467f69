//! Typed errors (issue 26, part 2, items 2 and 4) against the local server: an API error's
//! `StatusCode` and `ApiErrorType`, `is_retryable`, `is_rate_limited`, `validation_details`
//! (the same shape whether the client or the server found the problem), the axum answer a
//! handler returns for each (a 422's details and nothing else), and a `Retry-After` past a
//! wait's deadline ending the wait at once, saying so.

mod common;

use std::time::{Duration, Instant};

use axum::response::IntoResponse;
use common::*;
use craftkit_devserver::{Config, Fault, FaultKind, FaultWhen};
use craftkit_runtime::client::{ApiErrorType, Error, RetryPolicy};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// Out-of-bounds data: two problems, `booking.code` and `fuel_level`.
fn out_of_bounds() -> Value {
    let mut data = valid_data();
    data["fuel_level"] = json!(140);
    data["booking"]["code"] = json!("BK");
    data
}

/// An error's axum answer: status, headers and JSON body.
async fn answer_of(error: Error) -> (StatusCode, axum::http::HeaderMap, Value) {
    let response = error.into_response();
    let status = response.status();
    let headers = response.headers().clone();
    let body = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap();
    (status, headers, serde_json::from_slice(&body).unwrap())
}

/// The problems' paths, sorted.
fn paths(details: &[craftkit_runtime::client::ErrorDetail]) -> Vec<&str> {
    let mut paths: Vec<&str> = details.iter().map(|d| d.path.as_str()).collect();
    paths.sort_unstable();
    paths
}

#[tokio::test(flavor = "multi_thread")]
async fn a_422_is_typed_and_its_details_are_the_clients_own_in_the_same_shape() {
    let server = start_default().await;
    let client = client(&server);

    let from_server = client
        .render_json(SLUG, out_of_bounds())
        .send()
        .await
        .expect_err("422");
    assert_eq!(
        from_server.status_code(),
        Some(StatusCode::UNPROCESSABLE_ENTITY)
    );
    assert_eq!(
        from_server.error_type(),
        Some(ApiErrorType::ValidationFailed)
    );
    assert!(from_server.request_id().is_some_and(|id| !id.is_empty()));
    assert!(!from_server.is_retryable() && !from_server.is_rate_limited());
    let server_details = from_server.validation_details().expect("details");
    assert_eq!(paths(&server_details), ["booking.code", "fuel_level"]);

    let from_client = client
        .render(&payload_from(out_of_bounds()))
        .send()
        .await
        .expect_err("invalid");
    assert!(matches!(from_client, Error::Validation(_)));
    assert_eq!(from_client.status_code(), None);
    let client_details = from_client.validation_details().expect("details");
    assert_eq!(paths(&client_details), paths(&server_details));
    // The codes are the API's words in both.
    let mut codes: Vec<_> = client_details.iter().map(|d| d.code.clone()).collect();
    let mut server_codes: Vec<_> = server_details.iter().map(|d| d.code.clone()).collect();
    codes.sort();
    server_codes.sort();
    assert_eq!(codes, server_codes);

    // Through axum: 422 with the details, nothing else of the answer.
    let (status, _, body) = answer_of(from_server).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"]["type"], "validation_failed");
    assert_eq!(body["error"]["details"].as_array().unwrap().len(), 2);
    let text = body.to_string();
    for leak in ["/v1/", "req_", "ck_test", "charter-handover"] {
        assert!(!text.contains(leak), "{leak} leaked into {text}");
    }
    let (status, _, body) = answer_of(from_client).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"]["details"].as_array().unwrap().len(), 2);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_404_is_typed_not_retryable_and_answers_502_without_details() {
    let server = start_default().await;
    let error = client(&server)
        .get_render("rnd_nope")
        .await
        .expect_err("404");
    assert_eq!(error.status_code(), Some(StatusCode::NOT_FOUND));
    assert_eq!(error.error_type(), Some(ApiErrorType::NotFound));
    assert!(error.error_type().unwrap() == "not_found");
    assert!(!error.is_retryable() && error.validation_details().is_none());
    let (status, _, body) = answer_of(error).await;
    assert_eq!(status, StatusCode::BAD_GATEWAY);
    assert_eq!(
        body,
        json!({"error": {"type": "upstream_error", "message": "The document service failed."}})
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_429_after_the_retries_is_rate_limited_retryable_and_answers_503() {
    let server = start(Config {
        faults: vec![Fault {
            kind: FaultKind::RateLimited(Duration::from_millis(1)),
            when: FaultWhen::Rate(1.0),
        }],
        ..config()
    })
    .await;
    let client = client_with(&server, KEY, RetryPolicy::none());
    let error = client.get_render("rnd_any").await.expect_err("429");
    assert_eq!(error.status_code(), Some(StatusCode::TOO_MANY_REQUESTS));
    assert_eq!(error.error_type(), Some(ApiErrorType::RateLimited));
    assert!(error.is_rate_limited() && error.is_retryable());
    let (status, headers, body) = answer_of(error).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(headers.contains_key("retry-after"));
    assert_eq!(body["error"]["type"], "unavailable");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_retry_after_past_the_waits_deadline_ends_the_wait_at_once_saying_so() {
    // Every request is answered 429 with `Retry-After: 30`, which the policy would honour
    // (up to 60 s): the wait's deadline is 3 s away, so sleeping could only end in a deadline.
    let server = start(Config {
        faults: vec![Fault {
            kind: FaultKind::RateLimited(Duration::from_secs(30)),
            when: FaultWhen::Rate(1.0),
        }],
        ..config()
    })
    .await;
    let client = client_with(&server, KEY, RetryPolicy::default());
    let started = Instant::now();
    let options = fast_wait().with_deadline(Duration::from_secs(3));
    let error = client
        .wait_with("rnd_any", options)
        .await
        .expect_err("gave up");
    let Error::RetryAfterPastDeadline {
        retry_after, left, ..
    } = &error
    else {
        panic!("expected RetryAfterPastDeadline, got {error:?}");
    };
    assert_eq!(*retry_after, Duration::from_secs(30));
    assert!(*left <= Duration::from_secs(3));
    // It did not sleep to the deadline (a 3 s wait: well under it, whatever the machine).
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    let message = error.to_string();
    assert!(message.contains("retry after 30.0 s"), "{message}");
    assert!(
        error.is_rate_limited(),
        "the answer is still there: {error:?}"
    );
    server.stop().await;
}
