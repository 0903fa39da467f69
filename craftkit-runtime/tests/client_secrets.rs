//! Proves that the API key never leaks: with a global `tracing` subscriber capturing every
//! event and span at TRACE (installed first, in this binary's only test), a representative
//! run of calls (successes, `4xx`, `5xx` after retries, a transport error against a closed
//! port, a validation error, a failed render, a deadline, a decode error, an I/O error, a
//! configuration error) leaves the key out of the captured log and out of the `Debug` and
//! `Display` of the client, its builder, requests, handles and every error; while the log
//! does carry the `craftkit.request` spans with their `attempt` and `status` fields.

mod common;

use std::io::{Read, Write};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::*;
use craftkit_devserver::{Config, Fault, FaultKind, FaultWhen};
use craftkit_runtime::client::TemplateDraft;
use craftkit_runtime::client::{Client, Error, Visibility};
use craftkit_runtime::manifest::{Pipeline, VarType, Variable};
use futures_util::StreamExt;
use serde_json::json;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::fmt::format::FmtSpan;

/// Everything the subscriber writes.
#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

/// One write into the capture.
struct CaptureWriter(Arc<Mutex<Vec<u8>>>);

impl Write for CaptureWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Capture {
    type Writer = CaptureWriter;

    fn make_writer(&'a self) -> CaptureWriter {
        CaptureWriter(self.0.clone())
    }
}

impl Capture {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap_or_else(|p| p.into_inner())).into_owned()
    }
}

/// Both renderings of a value.
fn both(strings: &mut Vec<String>, value: &(impl std::fmt::Debug + std::fmt::Display)) {
    strings.push(format!("{value}"));
    strings.push(format!("{value:?}"));
    strings.push(format!("{value:#?}"));
}

/// Both renderings of an error and of each of its sources.
fn error(strings: &mut Vec<String>, kinds: &mut Vec<&'static str>, error: Error) {
    kinds.push(match &error {
        Error::Config(_) => "Config",
        Error::Transport { .. } => "Transport",
        Error::Api(_) => "Api",
        Error::Decode { .. } => "Decode",
        Error::Validation(_) => "Validation",
        Error::RenderFailed { .. } => "RenderFailed",
        Error::Deadline { .. } => "Deadline",
        Error::Io(_) => "Io",
        _ => "other",
    });
    both(strings, &error);
    let mut source = std::error::Error::source(&error);
    while let Some(cause) = source {
        strings.push(format!("{cause}"));
        strings.push(format!("{cause:?}"));
        source = cause.source();
    }
}

/// A peer on 127.0.0.1 that answers every request `200 {}`: JSON of the wrong shape.
fn wrong_shape_peer() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let mut request = [0u8; 8192];
            let _ = stream.read(&mut request);
            let _ = stream.write_all(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}",
            );
        }
    });
    url
}

#[test]
fn the_api_key_appears_in_no_log_line_debug_or_display() {
    let capture = Capture::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_span_events(FmtSpan::NEW | FmtSpan::CLOSE)
        .with_ansi(false)
        .with_writer(capture.clone())
        .finish();
    tracing::subscriber::set_global_default(subscriber).expect("the first subscriber");

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    let (strings, kinds) = runtime.block_on(exercise());

    let log = capture.text();
    let secrets = [
        KEY,
        &KEY["ck_test_".len()..],
        UNKNOWN_KEY,
        &UNKNOWN_KEY["ck_test_".len()..],
        ALMOST_KEY_SECRET,
    ];
    for secret in secrets {
        let leak = log.lines().find(|line| line.contains(secret));
        assert!(leak.is_none(), "a log line holds a key: {leak:?}");
        for text in &strings {
            assert!(
                !text.contains(secret),
                "a Debug/Display string holds a key: {text}"
            );
        }
    }
    // Spans carry the idempotency key's hash, never the key.
    let leak = log.lines().find(|line| line.contains("secret-run-1"));
    assert!(
        leak.is_none(),
        "a log line holds an idempotency key: {leak:?}"
    );
    let leak = log.lines().find(|line| line.contains("Bearer"));
    assert!(
        leak.is_none(),
        "a log line holds an Authorization header: {leak:?}"
    );

    // The run did what it claims, and the log is not empty by accident.
    for kind in [
        "Config",
        "Transport",
        "Api",
        "Decode",
        "Validation",
        "RenderFailed",
        "Deadline",
        "Io",
    ] {
        assert!(kinds.contains(&kind), "no {kind} error was made: {kinds:?}");
    }
    for field in [
        "craftkit.request",
        "method=",
        "path=",
        "attempt=1",
        "attempt=2",
        "status=200",
        "status=404",
        "request_id=",
        "craftkit.render",
        "render_id=",
        "idempotency_key_hash=",
    ] {
        assert!(
            log.contains(field),
            "the log ({} lines) lacks `{field}`",
            log.lines().count()
        );
    }
}

/// The secret part of a key that is one character off the documented shape.
const ALMOST_KEY_SECRET: &str = "almostakeybutnotquite0009";

/// Makes the calls; returns every `Debug`/`Display` string made and the error kinds seen.
async fn exercise() -> (Vec<String>, Vec<&'static str>) {
    let mut strings = Vec::new();
    let mut kinds = Vec::new();
    let server = start(Config {
        keys: vec![KEY.to_owned()],
        faults: vec![Fault {
            kind: FaultKind::FailRender,
            when: FaultWhen::Requests(vec![1]),
        }],
        render_delay: Duration::from_millis(300),
        ..config()
    })
    .await;

    // The builder and the client.
    let builder = Client::builder()
        .key(KEY)
        .base_url(server.url())
        .retry_policy(fast_retry())
        .wait_options(fast_wait());
    strings.push(format!("{builder:?}"));
    strings.push(format!("{builder:#?}"));
    let client = builder.build().expect("builds");
    strings.push(format!("{client:?}"));
    strings.push(format!("{client:#?}"));

    // Request 1: a render the server fails.
    let handle = client
        .render(&valid_payload())
        .send()
        .await
        .expect("accepted");
    error(
        &mut strings,
        &mut kinds,
        handle.wait().await.expect_err("failed"),
    );

    // Successes: render (with the request and the handle shown), files, shares, templates.
    let request = client
        .render(&valid_payload())
        .idempotency_key("secret-run-1")
        .filename("h.pdf");
    strings.push(format!("{request:?}"));
    let handle = request.send().await.expect("accepted");
    strings.push(format!("{handle:?}"));
    error(
        &mut strings,
        &mut kinds,
        handle
            .clone()
            .wait_with(fast_wait().with_deadline(Duration::from_millis(30)))
            .await
            .expect_err("deadline"),
    );
    let render = handle.wait().await.expect("succeeds");
    strings.push(format!("{render:?}"));
    let private = client
        .render(&valid_payload())
        .visibility(Visibility::Private)
        .send()
        .await
        .expect("accepted")
        .wait()
        .await
        .expect("succeeds");
    client.download(&render).await.expect("public");
    client.download(&private).await.expect("private");
    let share = client
        .share(&private.id, Some("label"))
        .await
        .expect("shared");
    strings.push(format!("{share:?}"));
    strings.push(format!(
        "{:?}",
        client.shares(&private.id).await.expect("listed")
    ));
    client.revoke_share(&share.id).await.expect("revoked");
    let fetch = client.template(SLUG).await.expect("template");
    strings.push(format!("{:?}", fetch.etag));
    let listed: Vec<_> = client.list_templates().collect().await;
    strings.push(format!("{listed:?}"));

    // 4xx.
    error(
        &mut strings,
        &mut kinds,
        client
            .get_render("rnd_doesnotexist000000000")
            .await
            .expect_err("404"),
    );
    let mut data = valid_data();
    data["guests"] = json!(99);
    error(
        &mut strings,
        &mut kinds,
        client
            .render_json(SLUG, data)
            .send()
            .await
            .expect_err("422"),
    );
    // An enum without values: the builder sends it, the server answers 422.
    let invalid =
        TemplateDraft::new("bad", Pipeline::Html).variable(Variable::new("x", VarType::Enum));
    error(
        &mut strings,
        &mut kinds,
        client.create_template(&invalid).await.expect_err("422"),
    );
    let stranger = client_with(&server, UNKNOWN_KEY, fast_retry());
    strings.push(format!("{stranger:?}"));
    error(
        &mut strings,
        &mut kinds,
        stranger.template(SLUG).await.expect_err("401"),
    );

    // Validation, before sending.
    let mut data = valid_data();
    data["fuel_level"] = json!(140);
    error(
        &mut strings,
        &mut kinds,
        client
            .render(&payload_from(data))
            .send()
            .await
            .expect_err("bounds"),
    );

    // Configuration: a key one character off its shape.
    let almost = format!("ck_test_{ALMOST_KEY_SECRET}!");
    let builder = Client::builder().key(&almost);
    strings.push(format!("{builder:?}"));
    error(
        &mut strings,
        &mut kinds,
        builder.build().expect_err("bad shape"),
    );

    // Transport: nothing listens.
    let unreachable = Client::builder()
        .key(KEY)
        .base_url(closed_port_url())
        .retry_policy(fast_retry().with_max_retries(1))
        .build()
        .expect("builds");
    error(
        &mut strings,
        &mut kinds,
        unreachable
            .get_render(&render.id)
            .await
            .expect_err("no answer"),
    );

    // Decode: a peer that answers JSON of the wrong shape.
    let confused = Client::builder()
        .key(KEY)
        .base_url(wrong_shape_peer())
        .build()
        .expect("builds");
    error(
        &mut strings,
        &mut kinds,
        confused
            .get_render(&render.id)
            .await
            .expect_err("wrong shape"),
    );

    // I/O: a file in a directory that does not exist.
    let nowhere = temp_dir("secrets").join("missing").join("h.pdf");
    error(
        &mut strings,
        &mut kinds,
        client
            .download_to_file(&render, &nowhere)
            .await
            .expect_err("io"),
    );
    server.stop().await;

    // 5xx after retries (attempt 2 is in the log).
    let server = start(Config {
        keys: vec![KEY.to_owned()],
        faults: vec![Fault {
            kind: FaultKind::Status(503),
            when: FaultWhen::Rate(1.0),
        }],
        ..config()
    })
    .await;
    let client = client_with(&server, KEY, fast_retry().with_max_retries(1));
    error(
        &mut strings,
        &mut kinds,
        client.template(SLUG).await.expect_err("503"),
    );
    server.stop().await;

    (strings, kinds)
}
