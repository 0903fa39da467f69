//! Idempotency (`spec/api.md`, "Renders", "Idempotency"): a replay of the same key and body
//! (key order and white space aside) is `200` with `Idempotent-Replayed: true` and the same
//! render; another body or endpoint is `409 idempotency_conflict`; a rejected request does
//! not consume the key; a key is remembered for 24 hours; and no replay ever adds a render.

mod common;

use std::time::{Duration, SystemTime};

use common::{
    KEY, OTHER_KEY, SLUG, Server, config_with, invalid_data, invoice_data, render_body,
    render_path, valid_body, valid_data,
};
use craftkit_devserver::Clock;
use serde_json::{Value, json};

/// `value` as JSON text with every object's keys in reverse order and generous white space:
/// the same JSON, other bytes.
fn reordered(value: &Value) -> String {
    match value {
        Value::Object(map) => {
            let fields: Vec<String> = map
                .iter()
                .rev()
                .map(|(k, v)| format!("\n  {} :  {}", Value::from(k.as_str()), reordered(v)))
                .collect();
            format!("{{ {}\n}}", fields.join(" ,"))
        }
        Value::Array(items) => {
            let items: Vec<String> = items.iter().map(reordered).collect();
            format!("[ {} ]", items.join(" ,\t"))
        }
        scalar => scalar.to_string(),
    }
}

#[test]
fn the_same_key_and_body_replays_the_render() {
    let server = Server::start();
    let path = render_path(SLUG);
    let first = server
        .post(&path)
        .idempotency_key("order-1")
        .json(&valid_body())
        .send();
    let original = first.expect(202);
    assert!(first.header("idempotent-replayed").is_none());
    let id = original["id"].as_str().unwrap();

    for _ in 0..3 {
        let replay = server
            .post(&path)
            .idempotency_key("order-1")
            .json(&valid_body())
            .send();
        let render = replay.expect(200);
        assert_eq!(replay.header("idempotent-replayed"), Some("true"));
        assert_eq!(render["id"], id, "the original render");
        assert_eq!(render["object"], "render");
    }
    assert_eq!(server.render_count(KEY), 1, "a replay creates nothing");

    // Still the same render once it is done.
    server.wait_for_terminal(id);
    let replay = server
        .post(&path)
        .idempotency_key("order-1")
        .json(&valid_body())
        .send();
    assert_eq!(replay.expect(200)["id"], id);
    assert_eq!(server.render_count(KEY), 1);
}

#[test]
fn key_order_and_white_space_do_not_matter() {
    let server = Server::start();
    let body = render_body(
        valid_data(),
        json!({"filename": "a.pdf", "visibility": "private"}),
    );
    let original = server
        .post(&render_path(SLUG))
        .idempotency_key("order-2")
        .json(&body)
        .send()
        .expect(202);
    let text = reordered(&body);
    assert_ne!(
        text.as_bytes(),
        serde_json::to_vec(&body).unwrap().as_slice()
    );
    assert_eq!(serde_json::from_str::<Value>(&text).unwrap(), body);

    let replay = server
        .post(&render_path(SLUG))
        .idempotency_key("order-2")
        .raw(Some("application/json"), text)
        .send();
    assert_eq!(
        replay.expect(200)["id"],
        original["id"],
        "{}",
        replay.text()
    );
    assert_eq!(replay.header("idempotent-replayed"), Some("true"));
    assert_eq!(server.render_count(KEY), 1);
}

#[test]
fn the_same_key_with_another_body_is_409() {
    let server = Server::start();
    let path = render_path(SLUG);
    server
        .post(&path)
        .idempotency_key("order-3")
        .json(&valid_body())
        .send()
        .expect(202);
    let mut changed = valid_data();
    changed["guests"] = json!(7);
    server
        .post(&path)
        .idempotency_key("order-3")
        .json(&json!({"data": changed}))
        .send()
        .expect_error(409, "idempotency_conflict");
    // Options are part of the body too.
    server
        .post(&path)
        .idempotency_key("order-3")
        .json(&render_body(valid_data(), json!({"visibility": "private"})))
        .send()
        .expect_error(409, "idempotency_conflict");
    assert_eq!(server.render_count(KEY), 1);
    // The conflict did not disturb the original.
    server
        .post(&path)
        .idempotency_key("order-3")
        .json(&valid_body())
        .send()
        .expect(200);
}

#[test]
fn the_same_key_on_another_endpoint_is_409() {
    let server = Server::start();
    server
        .post(&render_path(SLUG))
        .idempotency_key("order-4")
        .json(&valid_body())
        .send()
        .expect(202);
    server
        .post(&render_path("invoice"))
        .idempotency_key("order-4")
        .json(&json!({"data": invoice_data()}))
        .send()
        .expect_error(409, "idempotency_conflict");
    assert_eq!(server.render_count(KEY), 1);
    // With its own key the invoice is fine (its data is valid).
    server
        .post(&render_path("invoice"))
        .idempotency_key("order-5")
        .json(&json!({"data": invoice_data()}))
        .send()
        .expect(202);
}

#[test]
fn a_rejected_request_does_not_consume_the_key() {
    let server = Server::start();
    let path = render_path(SLUG);
    // 422: invalid data.
    server
        .post(&path)
        .idempotency_key("order-6")
        .json(&json!({"data": invalid_data()}))
        .send()
        .expect_error(422, "validation_failed");
    // 409: a wrong template version.
    server
        .post(&path)
        .idempotency_key("order-6")
        .json(&render_body(valid_data(), json!({"templateVersion": 1})))
        .send()
        .expect_error(409, "template_version_mismatch");
    // 400: a bad file name.
    server
        .post(&path)
        .idempotency_key("order-6")
        .json(&render_body(valid_data(), json!({"filename": "../../x"})))
        .send()
        .expect_error(400, "invalid_request");
    assert_eq!(server.render_count(KEY), 0);

    // The corrected request gets a fresh 202, and then replays.
    let accepted = server
        .post(&path)
        .idempotency_key("order-6")
        .json(&valid_body())
        .send();
    let render = accepted.expect(202);
    assert!(accepted.header("idempotent-replayed").is_none());
    let replay = server
        .post(&path)
        .idempotency_key("order-6")
        .json(&valid_body())
        .send();
    assert_eq!(replay.expect(200)["id"], render["id"]);
    assert_eq!(server.render_count(KEY), 1);
}

#[test]
fn a_key_is_remembered_for_24_hours_then_fresh() {
    let clock = Clock::manual(SystemTime::UNIX_EPOCH + Duration::from_secs(1_790_000_000));
    let server = Server::with(config_with(|c| c.clock = clock.clone()));
    let path = render_path(SLUG);
    let first = server
        .post(&path)
        .idempotency_key("order-7")
        .json(&valid_body())
        .send()
        .expect(202);

    server
        .dev()
        .clock()
        .advance(Duration::from_secs(23 * 3600 + 59 * 60));
    let replay = server
        .post(&path)
        .idempotency_key("order-7")
        .json(&valid_body())
        .send();
    assert_eq!(replay.expect(200)["id"], first["id"], "within 24 hours");
    assert_eq!(replay.header("idempotent-replayed"), Some("true"));
    assert_eq!(server.render_count(KEY), 1);

    server.dev().clock().advance(Duration::from_secs(2 * 60));
    let fresh = server
        .post(&path)
        .idempotency_key("order-7")
        .json(&valid_body())
        .send();
    let second = fresh.expect(202);
    assert!(fresh.header("idempotent-replayed").is_none());
    assert_ne!(second["id"], first["id"], "after 24 hours the key is fresh");
    assert_eq!(server.render_count(KEY), 2);

    // The fresh use is remembered in turn.
    let replay = server
        .post(&path)
        .idempotency_key("order-7")
        .json(&valid_body())
        .send();
    assert_eq!(replay.expect(200)["id"], second["id"]);
    assert_eq!(server.render_count(KEY), 2);
}

#[test]
fn a_configured_ttl_expires_the_key() {
    let clock = Clock::manual(SystemTime::UNIX_EPOCH + Duration::from_secs(1_790_000_000));
    let server = Server::with(config_with(|c| {
        c.clock = clock.clone();
        c.idempotency_ttl = Duration::from_secs(60);
    }));
    let path = render_path(SLUG);
    let first = server
        .post(&path)
        .idempotency_key("order-8")
        .json(&valid_body())
        .send()
        .expect(202);
    clock.advance(Duration::from_secs(30));
    let replay = server
        .post(&path)
        .idempotency_key("order-8")
        .json(&valid_body())
        .send();
    assert_eq!(replay.expect(200)["id"], first["id"]);
    clock.advance(Duration::from_secs(31));
    let fresh = server
        .post(&path)
        .idempotency_key("order-8")
        .json(&valid_body())
        .send()
        .expect(202);
    assert_ne!(fresh["id"], first["id"]);
    assert_eq!(server.render_count(KEY), 2);
}

#[test]
fn keys_belong_to_their_project() {
    let server = Server::start();
    let path = render_path(SLUG);
    let mine = server
        .post(&path)
        .idempotency_key("shared-key")
        .json(&valid_body())
        .send()
        .expect(202);
    let theirs = server
        .post(&path)
        .key(OTHER_KEY)
        .idempotency_key("shared-key")
        .json(&valid_body())
        .send();
    let theirs_render = theirs.expect(202);
    assert!(theirs.header("idempotent-replayed").is_none());
    assert_ne!(theirs_render["id"], mine["id"]);
    assert_eq!(server.render_count(KEY), 1);
    assert_eq!(server.render_count(OTHER_KEY), 1);
}

#[test]
fn without_a_key_every_post_is_a_new_render() {
    let server = Server::start();
    let a = server.render_accepted(&valid_body());
    let b = server.render_accepted(&valid_body());
    assert_ne!(a, b);
    assert_eq!(server.render_count(KEY), 2);
}
