//! `trigger --set` and `resend` through the real binary: a receiver on loopback checks each
//! event's signature and keeps what it got; the local server (in this process) renders and
//! delivers to it.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use assert_cmd::Command;
use craftkit_devserver::{Config, WebhookEndpoint};
use predicates::prelude::*;
use serde_json::Value;

mod common;

use common::{Live, fixtures};

const SECRET: &str = "whsec_events_test";

/// What the receiver got: each event, with whether its signature was valid and its `t`.
#[derive(Clone, Default)]
struct Inbox(Arc<Mutex<Vec<(Value, bool, i64)>>>);

impl Inbox {
    fn events(&self) -> Vec<(Value, bool, i64)> {
        self.0.lock().unwrap().clone()
    }

    /// Waits (up to 10 s) until the receiver has `n` events, and returns them.
    fn wait_for(&self, n: usize) -> Vec<(Value, bool, i64)> {
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.events().len() < n {
            assert!(Instant::now() < deadline, "{:?}", self.events());
            std::thread::sleep(Duration::from_millis(20));
        }
        self.events()
    }
}

/// A webhook receiver on a loopback port, on its own thread: it answers `204` to each
/// request and checks its `Craftkit-Signature` against [`SECRET`]. Returns its URL.
fn receiver() -> (String, Inbox) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/hooks", listener.local_addr().unwrap());
    let inbox = Inbox::default();
    let kept = inbox.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let (mut length, mut signature) = (0usize, String::new());
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                let (name, value) = line.split_once(':').unwrap_or((&line, ""));
                match name.to_ascii_lowercase().as_str() {
                    "content-length" => length = value.trim().parse().unwrap(),
                    "craftkit-signature" => signature = value.trim().to_owned(),
                    _ => {}
                }
            }
            let mut body = vec![0; length];
            reader.read_exact(&mut body).unwrap();
            let t: i64 = signature
                .split(',')
                .find_map(|part| part.strip_prefix("t="))
                .and_then(|t| t.parse().ok())
                .unwrap_or(0);
            let expected = craftkit_core::webhook::v1_signature(SECRET.as_bytes(), t, &body);
            let valid = signature
                .split(',')
                .any(|part| part.strip_prefix("v1=") == Some(expected.as_str()));
            let event: Value = serde_json::from_slice(&body).unwrap();
            kept.0.lock().unwrap().push((event, valid, t));
            let _ = stream.write_all(
                b"HTTP/1.1 204 No Content\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
            );
        }
    });
    (url, inbox)
}

/// The local server, delivering to a fresh receiver.
fn start(name: &str) -> (Live, String, Inbox) {
    let (url, inbox) = receiver();
    let live = Live::start(
        name,
        Config {
            render_delay: Duration::from_millis(10),
            webhooks: vec![WebhookEndpoint::new(&url, SECRET)],
            ..Config::default()
        },
    );
    (live, url, inbox)
}

impl Live {
    fn cmd(&self, args: &[&str]) -> Command {
        let mut cmd = Command::cargo_bin("cargo-craftkit").unwrap();
        cmd.arg("craftkit")
            .args(args)
            .env("CRAFTKIT_API_URL", self.server().url())
            .env("CRAFTKIT_API_KEY", &self.server().keys()[0])
            .env_remove("CRAFTKIT_WEBHOOK_SECRET")
            .current_dir(&self.dir);
        cmd
    }

    /// Renders the fixture payload (`--no-wait`); the event follows.
    fn render(&self) {
        let data = fixtures().join("payloads/charter-handover.valid.json");
        self.cmd(&[
            "render",
            "charter-handover",
            data.to_str().unwrap(),
            "--no-wait",
        ])
        .assert()
        .success();
    }
}

#[test]
fn trigger_sends_the_shaped_event_signed_over_its_final_body() {
    let (live, url, inbox) = start("trigger-set");
    let trigger = ["trigger", "render.failed", "--to", &url, "--secret", SECRET];
    let sets = [
        "--set",
        "data.filename=shaped.pdf",
        "--set",
        "data.error.code=font_missing",
        "--set",
        "id=evt_twice",
        "--set",
        r#"data.warnings=["one", "two"]"#,
        "--set",
        "data.warnings.2=three",
    ];
    live.cmd(&[&trigger[..], &sets].concat())
        .assert()
        .success()
        .stdout("evt_twice render.failed -> 204\n");
    let events = inbox.wait_for(1);
    let (event, valid, _) = &events[0];
    assert!(valid, "the signature covers the shaped body: {event}");
    assert_eq!(event["id"], "evt_twice");
    assert_eq!(event["type"], "render.failed");
    assert_eq!(event["data"]["filename"], "shaped.pdf");
    assert_eq!(event["data"]["error"]["code"], "font_missing");
    assert_eq!(
        event["data"]["error"]["message"],
        "a test event: no render failed"
    );
    assert_eq!(
        event["data"]["warnings"],
        serde_json::json!(["one", "two", "three"])
    );
    // The event still reads as an event.
    serde_json::from_value::<craftkit_core::api::Event>(event.clone()).unwrap();
}

#[test]
fn trigger_refuses_bad_paths_and_invalid_events_with_exit_2_naming_the_path() {
    let (live, url, inbox) = start("trigger-bad");
    let trigger = [
        "trigger",
        "render.succeeded",
        "--to",
        &url,
        "--secret",
        SECRET,
    ];
    for (set, says) in [
        (
            "data.filename.x=1",
            "--set data.filename.x: `data.filename` is the string",
        ),
        (
            "data.warnings.4=w",
            "--set data.warnings.4: `data.warnings` is an array of 0",
        ),
        ("=1", "the path is empty"),
        ("data..pages=1", "`data..pages`"),
        ("no-value", "`no-value` is not PATH=VALUE"),
        ("type=render.failed", "--set type"),
        ("id=42", "--set id"),
        ("data.status=failed", "--set data.status"),
        ("data.pages=many", "not an event"),
    ] {
        live.cmd(&[&trigger[..], &["--set", set]].concat())
            .assert()
            .code(2)
            .stderr(predicate::str::contains(says));
    }
    assert!(
        inbox.events().is_empty(),
        "nothing is sent: {:?}",
        inbox.events()
    );
}

#[test]
fn resend_delivers_the_same_event_again_freshly_signed_and_the_log_marks_it() {
    let (live, url, inbox) = start("resend");
    live.render();
    let first = inbox.wait_for(1)[0].clone();
    let id = first.0["id"].as_str().unwrap().to_owned();
    assert!(first.1 && id.starts_with("evt_"), "{first:?}");
    // The signature's `t` is in seconds: a fresh one must differ.
    std::thread::sleep(Duration::from_millis(1100));

    live.cmd(&["resend", &id])
        .assert()
        .success()
        .stdout(format!("{id} resent (resend 1)\n"));
    let events = inbox.wait_for(2);
    let (again, valid, t) = &events[1];
    assert!(valid, "{again}");
    assert_eq!(again, &first.0, "the same id and body");
    assert!(*t > first.2, "a fresh timestamp: {t} after {}", first.2);

    // In-process, the same; the log tells the three deliveries apart.
    assert_eq!(live.server().resend(&id), Ok(2));
    let events = inbox.wait_for(3);
    assert_eq!(events[2].0, first.0);
    let deadline = Instant::now() + Duration::from_secs(10);
    while live.server().pending_deliveries() > 0 {
        assert!(Instant::now() < deadline);
        std::thread::sleep(Duration::from_millis(20));
    }
    let log: Vec<(String, String, u32, u32)> = live
        .server()
        .deliveries()
        .into_iter()
        .map(|d| (d.event_id, d.endpoint, d.resend, d.attempt))
        .collect();
    assert_eq!(
        log,
        [0, 1, 2].map(|resend| (id.clone(), url.clone(), resend, 1))
    );
}

#[test]
fn resend_of_an_unknown_event_or_another_projects_is_an_error_naming_the_id() {
    let (url, inbox) = receiver();
    let other = "ck_test_OtherProject00000000000000";
    let live = Live::start(
        "resend-unknown",
        Config {
            keys: vec!["ck_test_FirstProject00000000000000".into(), other.into()],
            webhooks: vec![WebhookEndpoint::new(&url, SECRET)],
            ..Config::default()
        },
    );
    live.render();
    let id = inbox.wait_for(1)[0].0["id"].as_str().unwrap().to_owned();
    live.cmd(&["resend", &id, "--key", other])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(format!(
            "no event `{id}` on this server"
        )));
    live.cmd(&["resend", "evt_nope", "--api-url", "https://api.craftkit.io"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("set --api-url"));
    live.cmd(&["resend", "evt_nope"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "no event `evt_nope` on this server",
        ));
    let error = live.server().resend("evt_nope").unwrap_err();
    assert!(error.contains("`evt_nope`"), "{error}");
    live.cmd(&[
        "resend",
        "evt_nope",
        "--key",
        "ck_test_000000000000000000000000",
    ])
    .assert()
    .code(2)
    .stderr(predicate::str::contains("401").and(predicate::str::contains("ck_test_0").not()));
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(inbox.events().len(), 1, "nothing resent");
}
