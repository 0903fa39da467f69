//! Webhooks (`spec/api.md`, "Webhooks"): a terminal render is posted to every configured
//! endpoint as an event (`evt_...`, `render.succeeded` / `render.failed`, the render as
//! `data`), signed `Craftkit-Signature: t=...,v1=...` with hex(HMAC-SHA256(secret,
//! "<t>.<body>")), and delivered again after a non-2xx answer.

mod common;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use common::{Delivery, Receiver, Server, config_with, is_prefixed_base62, valid_body};
use craftkit_devserver::{Fault, FaultKind, FaultWhen};
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

const SECRET: &str = "whsec_contractSuiteSecret0123456789";

/// `t` and the `v1` entries of a `Craftkit-Signature` header.
fn parse_signature(header: &str) -> (i64, Vec<String>) {
    let mut t = None;
    let mut v1 = Vec::new();
    for part in header.split(',') {
        let (name, value) = part
            .trim()
            .split_once('=')
            .unwrap_or_else(|| panic!("not name=value: {part:?} in {header:?}"));
        match name {
            "t" => t = Some(value.parse::<i64>().expect("t is unix seconds")),
            "v1" => v1.push(value.to_owned()),
            _ => {}
        }
    }
    (t.expect("a t= entry"), v1)
}

/// Checks a delivery's signature as a receiver must: some `v1` is the HMAC of `"<t>.<body>"`
/// (compared in constant time, computed here independently of the server's code), it agrees
/// with `craftkit_devserver::sign`, and `t` is within 300 s of this clock.
#[track_caller]
fn assert_signed(delivery: &Delivery, secret: &str) {
    let header = delivery
        .header("craftkit-signature")
        .unwrap_or_else(|| panic!("no Craftkit-Signature: {:?}", delivery.headers));
    let (t, v1) = parse_signature(header);
    assert!(!v1.is_empty(), "no v1 entry: {header}");

    let valid = v1.iter().any(|signature| {
        let Ok(bytes) = hex_decode(signature) else {
            return false;
        };
        let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
        mac.update(format!("{t}.").as_bytes());
        mac.update(&delivery.body);
        mac.verify_slice(&bytes).is_ok()
    });
    assert!(valid, "no v1 verifies with the endpoint's secret: {header}");

    let expected = craftkit_devserver::sign(secret, t, &delivery.body);
    assert!(
        v1.contains(&expected),
        "craftkit_devserver::sign disagrees: {expected} not in {header}"
    );
    assert!(
        v1.iter()
            .all(|s| s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit())),
        "v1 is hex of 32 bytes: {header}"
    );

    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    assert!((now - t).abs() <= 300, "t={t} is {}s from now", now - t);
}

fn hex_decode(text: &str) -> Result<Vec<u8>, ()> {
    if text.len() % 2 != 0 {
        return Err(());
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2).ok_or(())?, 16).map_err(|_| ()))
        .collect()
}

#[test]
fn the_signature_scheme_is_hmac_sha256_of_t_dot_body() {
    let body = br#"{"id":"evt_1","object":"event"}"#;
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(b"1764151200.");
    mac.update(body);
    let independent: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(
        craftkit_devserver::sign(SECRET, 1_764_151_200, body),
        independent
    );
}

#[test]
fn a_succeeded_render_delivers_a_signed_render_succeeded_event() {
    let receiver = Receiver::start(vec![]);
    let server = Server::with(config_with(|c| {
        c.webhooks = vec![receiver.endpoint(SECRET)];
    }));
    let id = server.render_accepted(&valid_body());
    let render = server.wait_for_terminal(&id);
    assert_eq!(render["status"], "succeeded");

    let deliveries = receiver.wait_for(1);
    let delivery = &deliveries[0];
    assert_eq!(delivery.method, "POST");
    assert_eq!(delivery.path, "/hooks/craftkit");
    assert!(
        delivery
            .header("content-type")
            .is_some_and(|c| c.starts_with("application/json")),
        "{:?}",
        delivery.headers
    );
    assert_signed(delivery, SECRET);

    let event = delivery.json();
    let event_id = event["id"].as_str().expect("event id");
    assert!(is_prefixed_base62(event_id, "evt_", 1), "{event}");
    assert_eq!(event["object"], "event");
    assert_eq!(event["type"], "render.succeeded");
    common::assert_timestamp(&event["createdAt"]);
    assert_eq!(event["data"], render, "the event carries the render");

    // Answered 2xx: delivered once.
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(receiver.deliveries().len(), 1);
}

#[test]
fn a_non_2xx_answer_gets_the_event_again() {
    let receiver = Receiver::start(vec![500, 503]);
    let server = Server::with(config_with(|c| {
        c.webhooks = vec![receiver.endpoint(SECRET)];
        c.webhook_backoff = Duration::from_millis(20);
    }));
    let id = server.render_accepted(&valid_body());
    server.wait_for_terminal(&id);

    let deliveries = receiver.wait_for(3);
    let events: Vec<_> = deliveries.iter().map(Delivery::json).collect();
    for (delivery, event) in deliveries.iter().zip(&events) {
        assert_signed(delivery, SECRET);
        assert_eq!(event["type"], "render.succeeded");
        assert_eq!(event["data"]["id"], id.as_str());
    }
    assert_eq!(
        events[0]["id"], events[1]["id"],
        "a retry is the same event"
    );
    assert_eq!(events[1]["id"], events[2]["id"]);

    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(receiver.deliveries().len(), 3, "the 2xx ended the retries");
}

#[test]
fn a_failed_render_delivers_render_failed() {
    let receiver = Receiver::start(vec![]);
    let server = Server::with(config_with(|c| {
        c.webhooks = vec![receiver.endpoint(SECRET)];
        c.faults = vec![Fault {
            kind: FaultKind::FailRender,
            when: FaultWhen::Requests(vec![1]),
        }];
    }));
    let id = server.render_accepted(&valid_body());
    let render = server.wait_for_terminal(&id);
    assert_eq!(render["status"], "failed");

    let deliveries = receiver.wait_for(1);
    assert_signed(&deliveries[0], SECRET);
    let event = deliveries[0].json();
    assert_eq!(event["type"], "render.failed");
    assert_eq!(event["data"]["id"], id.as_str());
    assert_eq!(event["data"]["status"], "failed");
    assert_eq!(event["data"]["error"]["code"], "render_failed");
    assert!(event["data"]["downloadUrl"].is_null());
}

#[test]
fn every_endpoint_gets_the_event_signed_with_its_own_secret() {
    let first = Receiver::start(vec![]);
    let second = Receiver::start(vec![]);
    let other_secret = "whsec_secondEndpointSecret987654321";
    let server = Server::with(config_with(|c| {
        c.webhooks = vec![first.endpoint(SECRET), second.endpoint(other_secret)];
    }));
    let id = server.render_accepted(&valid_body());
    server.wait_for_terminal(&id);

    let a = &first.wait_for(1)[0];
    let b = &second.wait_for(1)[0];
    assert_signed(a, SECRET);
    assert_signed(b, other_secret);
    assert_eq!(a.json()["id"], b.json()["id"], "one event, two endpoints");
}

#[test]
fn each_render_is_its_own_event() {
    let receiver = Receiver::start(vec![]);
    let server = Server::with(config_with(|c| {
        c.webhooks = vec![receiver.endpoint(SECRET)];
    }));
    let a = server.render_accepted(&valid_body());
    let b = server.render_accepted(&valid_body());
    server.wait_for_terminal(&a);
    server.wait_for_terminal(&b);
    let deliveries = receiver.wait_for(2);
    let events: Vec<_> = deliveries.iter().map(Delivery::json).collect();
    assert_ne!(events[0]["id"], events[1]["id"]);
    let mut renders: Vec<&str> = events
        .iter()
        .map(|e| e["data"]["id"].as_str().unwrap())
        .collect();
    renders.sort();
    let mut wanted = vec![a.as_str(), b.as_str()];
    wanted.sort();
    assert_eq!(renders, wanted);
}
