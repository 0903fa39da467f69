//! Webhooks end to end: deliveries the local server really sends verify with
//! `craftkit_runtime::webhook`, and forged, stale, future, truncated and empty signatures of
//! those same deliveries are rejected.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::mpsc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use craftkit_devserver::{Config, DevServer, WebhookEndpoint};
use craftkit_runtime::client::Client;
use craftkit_runtime::webhook::{self, WebhookError};
use serde_json::Value;

const SECRET: &str = "whsec_e2eTestSecret0123456789";

/// A one-thread HTTP receiver: answers 200 to every POST and hands over (signature, body).
fn receiver() -> (String, mpsc::Receiver<(String, Vec<u8>)>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/hooks", listener.local_addr().unwrap());
    let (sender, received) = mpsc::channel();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let (mut signature, mut length) = (String::new(), 0usize);
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                let (name, value) = line.split_once(':').unwrap_or((&line, ""));
                match name.to_ascii_lowercase().as_str() {
                    "craftkit-signature" => signature = value.trim().to_owned(),
                    "content-length" => length = value.trim().parse().unwrap_or(0),
                    _ => {}
                }
            }
            let mut body = vec![0; length];
            reader.read_exact(&mut body).unwrap();
            let _ = stream
                .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
            let _ = sender.send((signature, body));
        }
    });
    (url, received)
}

#[tokio::test(flavor = "multi_thread")]
async fn real_deliveries_verify_and_tampered_ones_do_not() {
    let (url, received) = receiver();
    let cache = concat!(env!("CARGO_MANIFEST_DIR"), "/../.craftkit/manifests");
    let server = DevServer::start(Config {
        templates: craftkit_devserver::load_templates(cache).unwrap(),
        webhooks: vec![WebhookEndpoint {
            url,
            secret: SECRET.into(),
            previous_secret: None,
        }],
        render_delay: Duration::from_millis(10),
        ..Config::default()
    })
    .await
    .unwrap();
    let client = Client::builder()
        .key(&server.keys()[0])
        .base_url(server.url())
        .build()
        .unwrap();
    let data: Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../tests/fixtures/payloads/charter-handover.valid.json"
        ))
        .unwrap(),
    )
    .unwrap();
    let render = client
        .render_json("charter-handover", data)
        .send()
        .await
        .unwrap()
        .wait()
        .await
        .unwrap();
    let (header, body) = tokio::task::spawn_blocking(move || {
        received.recv_timeout(Duration::from_secs(10)).unwrap()
    })
    .await
    .unwrap();
    let now = SystemTime::now();

    let event = webhook::verify(SECRET, &header, &body, now).expect("a real delivery verifies");
    assert_eq!(event.kind, "render.succeeded");
    assert_eq!(event.data.id, render.id);
    assert!(event.id.starts_with("evt_"));

    let t: i64 = header
        .split(',')
        .find_map(|p| p.strip_prefix("t="))
        .unwrap()
        .parse()
        .unwrap();
    let v1 = header
        .split(',')
        .find_map(|p| p.strip_prefix("v1="))
        .unwrap();
    let at = |seconds: i64| UNIX_EPOCH + Duration::from_secs(u64::try_from(seconds).unwrap());
    let rejected = |header: &str, body: &[u8], now: SystemTime| {
        webhook::verify(SECRET, header, body, now).unwrap_err()
    };

    // forged: another body, another secret
    let mut other_body = body.clone();
    other_body[10] ^= 1;
    assert!(matches!(
        rejected(&header, &other_body, now),
        WebhookError::SignatureMismatch
    ));
    assert!(webhook::verify("whsec_someoneElse000000000000", &header, &body, now).is_err());
    // stale and future: outside ±300 s of the receiver's clock
    assert!(matches!(
        rejected(&header, &body, at(t + 301)),
        WebhookError::TimestampOutsideTolerance { .. }
    ));
    assert!(matches!(
        rejected(&header, &body, at(t - 301)),
        WebhookError::TimestampOutsideTolerance { .. }
    ));
    assert!(
        webhook::verify(SECRET, &header, &body, at(t + 300)).is_ok(),
        "the boundary is inside"
    );
    // truncated, empty, partial signatures (the svix-webhooks#1190 class of bug)
    for bad in [&v1[..10], "", &v1[..63], &v1[..62]] {
        let header = format!("t={t},v1={bad}");
        assert!(
            webhook::verify(SECRET, &header, &body, now).is_err(),
            "v1={bad:?} must not verify"
        );
    }
    // a re-signed replay at another time does not carry over the old signature
    assert!(webhook::verify(SECRET, &format!("t={},v1={v1}", t + 1), &body, at(t + 1)).is_err());
    // rotation: the real signature among others still verifies
    let rotated = format!("t={t},v1={},v1={v1}", "0".repeat(64));
    assert!(webhook::verify(SECRET, &rotated, &body, now).is_ok());
    server.stop().await;
}
