//! The server's keys and webhook secret: never in a `Debug` of its configuration or arguments,
//! and accepted from the environment (CRAFTKIT_API_KEY, CRAFTKIT_WEBHOOK_SECRET), where `ps`
//! does not show them.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use clap::Parser;
use craftkit_devserver::cli::Args;
use craftkit_devserver::{Config, DEV_KEY, WebhookEndpoint, signature_header};

const KEY_A: &str = "ck_test_configsecretsalpha00000001";
const KEY_B: &str = "ck_test_configsecretsbravo00000002";
const SECRET: &str = "whsec_configsecretstestsecret0001";

#[test]
fn the_debug_of_the_config_and_the_arguments_shows_no_key_or_secret() {
    let config = Config {
        keys: vec![KEY_A.to_owned(), KEY_B.to_owned()],
        webhooks: vec![
            WebhookEndpoint::new("http://127.0.0.1:9/hook", SECRET)
                .with_previous_secret("whsec_previous_one_kept_secret"),
        ],
        ..Config::default()
    };
    let args = Args::try_parse_from([
        "craftkit-devserver",
        "--key",
        KEY_A,
        "--key",
        KEY_B,
        "--webhook",
        "http://127.0.0.1:9/hook",
        "--webhook-secret",
        SECRET,
    ])
    .unwrap();
    for text in [
        format!("{config:?}"),
        format!("{config:#?}"),
        format!("{:?}", config.webhooks[0]),
        format!("{args:?}"),
        format!("{args:#?}"),
    ] {
        for secret in [KEY_A, KEY_B, SECRET, "configsecrets", "previous_one"] {
            assert!(!text.contains(secret), "{secret} in {text}");
        }
        assert!(text.contains("redacted"), "{text}");
    }
    assert!(format!("{config:?}").contains("http://127.0.0.1:9/hook"));
    assert!(format!("{config:?}").contains("[2 redacted]"));
}

/// Reads one HTTP request from `listener` and answers 204: its headers and body.
fn one_delivery(listener: &TcpListener) -> (Vec<String>, Vec<u8>) {
    let (stream, _) = listener.accept().unwrap();
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut headers = Vec::new();
    let mut length = 0;
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        let line = line.trim_end().to_owned();
        if line.is_empty() {
            break;
        }
        if let Some(value) = line.to_ascii_lowercase().strip_prefix("content-length:") {
            length = value.trim().parse().unwrap();
        }
        headers.push(line);
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).unwrap();
    let mut stream = stream;
    stream
        .write_all(b"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n")
        .unwrap();
    (headers, body)
}

#[test]
fn keys_and_the_webhook_secret_come_from_the_environment() {
    let hook = TcpListener::bind("127.0.0.1:0").unwrap();
    let hook_url = format!("http://{}/hook", hook.local_addr().unwrap());
    let (deliveries, delivered) = mpsc::channel();
    std::thread::spawn(move || deliveries.send(one_delivery(&hook)));

    let templates = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/manifests");
    let mut child = Command::new(env!("CARGO_BIN_EXE_craftkit-devserver"))
        .args(["--port", "0", "--templates", templates, "--render-ms", "10"])
        .args(["--webhook", &hook_url])
        .env("CRAFTKIT_API_KEY", format!("{KEY_A},{KEY_B}"))
        .env("CRAFTKIT_WEBHOOK_SECRET", SECRET)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the program starts");
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    let base = first
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("first line: {first:?}"))
        .to_owned();

    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let status = |key: &str| {
        agent
            .get(format!("{base}/v1/templates"))
            .header("authorization", format!("Bearer {key}"))
            .call()
            .unwrap()
            .status()
            .as_u16()
    };
    let (a, b, dev) = (status(KEY_A), status(KEY_B), status(DEV_KEY));

    // A render in the project of the first key: its delivery is signed with the secret.
    let data: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/payloads/charter-handover.valid.json"
        ))
        .unwrap(),
    )
    .unwrap();
    let created = agent
        .post(format!("{base}/v1/templates/charter-handover/render"))
        .header("authorization", format!("Bearer {KEY_A}"))
        .send_json(serde_json::json!({ "data": data }))
        .unwrap()
        .status()
        .as_u16();
    let delivery = delivered.recv_timeout(Duration::from_secs(30));
    let _ = child.kill();
    let _ = child.wait();

    assert_eq!((a, b, dev), (200, 200, 401), "the keys of CRAFTKIT_API_KEY");
    assert_eq!(created, 202);
    let (headers, body) = delivery.expect("a webhook delivery");
    let signature = headers
        .iter()
        .find_map(|h| h.strip_prefix("craftkit-signature: "))
        .unwrap_or_else(|| panic!("no signature in {headers:?}"));
    let t: i64 = signature
        .strip_prefix("t=")
        .and_then(|rest| rest.split(',').next())
        .and_then(|t| t.parse().ok())
        .unwrap_or_else(|| panic!("{signature}"));
    assert_eq!(
        signature,
        signature_header(SECRET, t, &body),
        "signed with CRAFTKIT_WEBHOOK_SECRET"
    );
}
