//! Proves the client's render calls against the local server: a typed render is accepted
//! (`202`, `queued`) and waits to `succeeded` with pages and bytes; `render_json`,
//! `render_and_wait`, the `filename` option and `get_render` work; a payload that breaks its
//! template's bounds fails with `Error::Validation` naming every data path before anything is
//! sent; and idempotency keys (explicit, or derived with `derive_idempotency_key` from two
//! separate clients, as an offline-first app replays its queue) render once.

mod common;

use common::*;
use craftkit_runtime::client::{Client, Error, RenderStatus, Visibility, derive_idempotency_key};
use serde_json::json;

#[tokio::test(flavor = "multi_thread")]
async fn a_typed_render_is_accepted_then_succeeds_with_pages_and_bytes() {
    let server = start_default().await;
    let client = client(&server);

    let handle = client
        .render(&valid_payload())
        .send()
        .await
        .expect("accepted");
    assert_eq!(
        handle.status,
        RenderStatus::Queued,
        "a render is accepted queued (202)"
    );
    assert!(handle.id.starts_with("rnd_"), "{}", handle.id);
    assert_eq!(handle.object, "render");
    assert_eq!(handle.template, SLUG);
    assert_eq!(handle.template_version, SLUG_VERSION);
    assert_eq!(
        handle.visibility,
        Visibility::Public,
        "public is the default"
    );
    assert!(handle.completed_at.is_none() && handle.download_url.is_none());
    let id = handle.id.clone();

    let render = handle.wait().await.expect("the render succeeds");
    assert_eq!(render.id, id);
    assert_eq!(render.status, RenderStatus::Succeeded);
    assert!(render.pages.is_some_and(|p| p >= 1), "{:?}", render.pages);
    assert!(render.bytes.is_some_and(|b| b > 0), "{:?}", render.bytes);
    assert!(render.completed_at.is_some());
    assert!(render.error.is_none());
    assert_eq!(server.render_count(KEY), 1);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn render_json_sends_untyped_data_and_lists_unknown_keys_as_warnings() {
    let server = start_default().await;
    let client = client(&server);

    let mut data = valid_data();
    data["not_in_the_manifest"] = json!(42);
    let handle = client
        .render_json(SLUG, data)
        .send()
        .await
        .expect("accepted");
    assert_eq!(handle.status, RenderStatus::Queued);
    assert!(
        handle
            .warnings
            .iter()
            .any(|w| w.contains("not_in_the_manifest")),
        "an unknown key is ignored and listed: {:?}",
        handle.warnings
    );
    let render = client.wait(&handle.id).await.expect("succeeds");
    assert_eq!(render.status, RenderStatus::Succeeded);
    assert!(render.pages.unwrap_or(0) >= 1 && render.bytes.unwrap_or(0) > 0);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn render_and_wait_returns_the_succeeded_render() {
    let server = start_default().await;
    let client = client(&server);

    let render = client
        .render_and_wait(&valid_payload())
        .await
        .expect("succeeds");
    assert_eq!(render.status, RenderStatus::Succeeded);
    assert_eq!(render.template, SLUG);
    assert!(render.pages.unwrap_or(0) >= 1 && render.bytes.unwrap_or(0) > 0);
    assert_eq!(server.render_count(KEY), 1);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_filename_option_names_the_render_and_its_public_url() {
    let server = start_default().await;
    let client = client(&server);

    let handle = client
        .render(&valid_payload())
        .filename("handover-BK-2931.pdf")
        .send()
        .await
        .expect("accepted");
    assert_eq!(handle.filename, "handover-BK-2931.pdf");
    let render = handle.wait().await.expect("succeeds");
    assert_eq!(render.filename, "handover-BK-2931.pdf");
    let url = render
        .download_url
        .as_deref()
        .expect("a public render has a URL");
    assert!(url.ends_with("/handover-BK-2931.pdf"), "{url}");

    let default = client
        .render_and_wait(&valid_payload())
        .await
        .expect("succeeds");
    assert_eq!(
        default.filename,
        format!("{SLUG}.pdf"),
        "the default file name"
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn get_render_fetches_a_render_again_by_id() {
    let server = start_default().await;
    let client = client(&server);

    let render = client
        .render_and_wait(&valid_payload())
        .await
        .expect("succeeds");
    let again = client.get_render(&render.id).await.expect("found");
    assert_eq!(again, render, "a terminal render never changes");

    // The id is all an offline app keeps: a new client (tomorrow) gets the same render.
    let tomorrow = common::client(&server);
    assert_eq!(
        tomorrow.get_render(&render.id).await.expect("found"),
        render
    );
    server.stop().await;
}

/// A payload that does not serialize (JSON has no NaN) is `Error::Serialize`, not a
/// configuration error, and nothing is sent; `validate()` still reports it as a `type`
/// violation, as it always has.
#[tokio::test(flavor = "multi_thread")]
async fn a_payload_that_does_not_serialize_is_its_own_error_and_nothing_is_sent() {
    use craftkit_runtime::{DataError, Template};

    let server = start_default().await;
    let client = client(&server);
    let mut payload = valid_payload();
    payload.fuel_level = f64::NAN;

    let error = client.render(&payload).send().await.expect_err("NaN");
    let Error::Serialize(message) = &error else {
        panic!("expected Error::Serialize, got {error:?}");
    };
    assert!(
        message.contains(SLUG) && message.contains("NaN"),
        "{message}"
    );
    assert!(matches!(
        payload.to_data(),
        Err(DataError::Serialize { template: SLUG, .. })
    ));
    let violations = payload.validate().expect_err("NaN").violations;
    assert_eq!(violations.len(), 1);
    assert_eq!(violations[0].code, craftkit_runtime::data::Code::Type);
    assert_eq!(
        server.render_count(KEY),
        0,
        "the server saw no render request"
    );
    server.stop().await;
}

/// The data a typed render sends is exactly what `to_data()` validated.
#[tokio::test(flavor = "multi_thread")]
async fn the_data_sent_is_the_data_validated() {
    use craftkit_runtime::Template;

    let server = start_default().await;
    let client = client(&server);
    let payload = valid_payload();
    let data = payload.to_data().expect("valid");
    let typed = client
        .render(&payload)
        .idempotency_key("same-data-typed-or-not")
        .send()
        .await
        .expect("accepted");
    // The same key with other data would be refused (409); with the same data it replays.
    let untyped = client
        .render_json(SLUG, data)
        .idempotency_key("same-data-typed-or-not")
        .send()
        .await
        .expect("the same data replays");
    assert_eq!(typed.id, untyped.id);
    assert_eq!(server.render_count(KEY), 1);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_payload_out_of_bounds_fails_validation_before_anything_is_sent() {
    let server = start_default().await;
    let client = client(&server);

    let mut data = valid_data();
    data["fuel_level"] = json!(140);
    data["booking"]["code"] = json!("BK");
    let payload = payload_from(data.clone());

    let error = client
        .render(&payload)
        .send()
        .await
        .expect_err("out of bounds");
    let Error::Validation(validation) = &error else {
        panic!("expected Error::Validation, got {error:?}");
    };
    let mut paths: Vec<&str> = validation
        .violations
        .iter()
        .map(|v| v.path.as_str())
        .collect();
    paths.sort_unstable();
    assert_eq!(paths, ["booking.code", "fuel_level"], "{error}");
    let message = error.to_string();
    assert!(
        message.contains("fuel_level") && message.contains("booking.code"),
        "{message}"
    );
    assert!(error.api().is_none() && error.status().is_none());
    assert!(matches!(
        client.render_and_wait(&payload).await,
        Err(Error::Validation(_))
    ));
    assert_eq!(
        server.render_count(KEY),
        0,
        "the server saw no render request"
    );

    // The same data sent untyped: the server finds the same two problems (422), renders nothing.
    let error = client
        .render_json(SLUG, data)
        .send()
        .await
        .expect_err("422");
    let api = error
        .api()
        .unwrap_or_else(|| panic!("expected Error::Api, got {error:?}"));
    assert_eq!((api.status, api.kind.as_str()), (422, "validation_failed"));
    let mut paths: Vec<&str> = api.details.iter().map(|d| d.path.as_str()).collect();
    paths.sort_unstable();
    assert_eq!(paths, ["booking.code", "fuel_level"]);
    assert_eq!(api.attempts, 1, "a 422 is not retried");
    assert_eq!(server.render_count(KEY), 0);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_same_explicit_idempotency_key_renders_once() {
    let server = start_default().await;
    let client = client(&server);
    let payload = valid_payload();

    let first = client
        .render(&payload)
        .idempotency_key("signoff-8841")
        .send()
        .await
        .expect("202");
    let second = client
        .render(&payload)
        .idempotency_key("signoff-8841")
        .send()
        .await
        .expect("200");
    assert_eq!(
        first.id, second.id,
        "the replay answers the original render"
    );
    let done = first.wait().await.expect("succeeds");
    let third = client
        .render(&payload)
        .idempotency_key("signoff-8841")
        .send()
        .await
        .expect("200");
    assert_eq!(third.id, done.id);
    assert_eq!(server.render_count(KEY), 1);

    // Without a key every call is its own render.
    client.render(&payload).send().await.expect("202");
    client.render(&payload).send().await.expect("202");
    assert_eq!(server.render_count(KEY), 3);

    // The same key with other data is a conflict, not a render (and not retried).
    let error = client
        .render(&payload)
        .idempotency_key("signoff-8841")
        .filename("other.pdf")
        .send()
        .await
        .expect_err("409");
    let api = error
        .api()
        .unwrap_or_else(|| panic!("expected Error::Api, got {error:?}"));
    assert_eq!(
        (api.status, api.kind.as_str(), api.attempts),
        (409, "idempotency_conflict", 1)
    );
    assert_eq!(server.render_count(KEY), 3);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_derived_key_makes_an_offline_replay_from_another_client_render_once() {
    let server = start_default().await;
    let payload = valid_payload();
    let submit = async |client: &Client| {
        // Derived anew on each run from what the app stored: the booking and the sign-off.
        let key = derive_idempotency_key(SLUG, &[&payload.booking.code, "signoff-7"]);
        client
            .render(&payload)
            .idempotency_key(key)
            .filename("handover-BK-2931.pdf")
            .send()
            .await
    };

    // The app submits the sign-off, loses its state, restarts and replays its queue.
    let first_run = common::client(&server);
    let accepted = submit(&first_run).await.expect("202");
    drop(first_run);
    let second_run = common::client(&server);
    let replayed = submit(&second_run).await.expect("200");
    assert_eq!(accepted.id, replayed.id);
    let render = replayed.wait().await.expect("succeeds");
    assert_eq!(render.id, accepted.id);
    assert_eq!(server.render_count(KEY), 1, "one sign-off, one render");

    // Another sign-off of the same booking is a new render.
    let key = derive_idempotency_key(SLUG, &[&payload.booking.code, "signoff-8"]);
    let other = second_run
        .render(&payload)
        .idempotency_key(key)
        .send()
        .await
        .expect("202");
    assert_ne!(other.id, render.id);
    assert_eq!(server.render_count(KEY), 2);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_pinned_render_names_the_version_the_type_was_generated_from() {
    let server = start_default().await;
    let client = client(&server);

    let render = client
        .render(&valid_payload())
        .pin_version(true)
        .send()
        .await
        .expect("the published version is the type's");
    assert_eq!(render.template_version, SLUG_VERSION);
    server.stop().await;
}
