//! The receiver's binary, as a kill test drives it: it binds `--listen 127.0.0.1:0` and prints
//! the address; a done event survives a SIGKILL and a restart on the same SQLite file; a
//! receiver without a secret refuses to start, saying why.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{SystemTime, UNIX_EPOCH};

use craftkit_runtime::webhook::{self, SIGNATURE_HEADER};

const SECRET: &str = "whsec_binary";
const KEY: &str = "ck_test_abcdefghijklmnopqrstuvwxyz12";

fn start(store: &str) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_craftkit-example-webhook-receiver"))
        .args([
            "--listen",
            "127.0.0.1:0",
            "--store",
            store,
            "--secret",
            SECRET,
        ])
        .args(["--api-key", KEY, "--api-url", "http://127.0.0.1:9"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = line
        .trim()
        .strip_prefix("listening on http://")
        .unwrap_or_else(|| panic!("the first line: {line:?}"))
        .to_owned();
    (child, addr)
}

/// One HTTP/1.1 request; the status and the body.
fn request(
    addr: &str,
    method: &str,
    path: &str,
    headers: &[(&str, String)],
    body: &[u8],
) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).unwrap();
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nhost: {addr}\r\nconnection: close\r\ncontent-length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(body).unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    let status = answer[9..12].parse().unwrap();
    let body = answer
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
}

fn deliver(addr: &str, id: &str) -> (u16, String) {
    let body = serde_json::to_vec(&serde_json::json!({
        "id": id, "object": "event", "type": "render.failed",
        "createdAt": "2025-11-26T10:00:00.000Z",
        "data": {"id": "rnd_1", "object": "render", "template": "invoice", "templateVersion": 3,
                 "status": "failed", "visibility": "private",
                 "createdAt": "2025-11-26T09:59:58.000Z", "filename": "invoice.pdf",
                 "error": {"code": "timeout", "message": "the render took too long"}}
    }))
    .unwrap();
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let signature = webhook::sign(SECRET, &body, now);
    request(
        addr,
        "POST",
        "/webhooks/craftkit",
        &[(SIGNATURE_HEADER, signature)],
        &body,
    )
}

#[test]
fn a_done_event_survives_a_sigkill_and_a_restart() {
    let path = std::env::temp_dir().join(format!("binary-{}.sqlite3", std::process::id()));
    let store = format!("sqlite:{}", path.display());
    let (mut first, addr) = start(&store);
    assert_eq!(deliver(&addr, "evt_1").0, 200);
    first.kill().unwrap(); // SIGKILL
    first.wait().unwrap();

    let (mut second, addr) = start(&store);
    let (status, body) = deliver(&addr, "evt_1");
    assert_eq!(
        (status, body.contains("already_processed")),
        (200, true),
        "{body}"
    );
    let (status, effects) = request(&addr, "GET", "/effects", &[], b"");
    assert_eq!(status, 200);
    let effects: serde_json::Value = serde_json::from_str(&effects).unwrap();
    assert_eq!(effects["effects"].as_array().unwrap().len(), 1, "{effects}");
    second.kill().unwrap();
    second.wait().unwrap();
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}

#[test]
fn without_a_secret_it_refuses_to_start_and_says_why() {
    let output = Command::new(env!("CARGO_BIN_EXE_craftkit-example-webhook-receiver"))
        .args([
            "--listen",
            "127.0.0.1:0",
            "--store",
            "memory",
            "--api-key",
            KEY,
        ])
        .env_remove("CRAFTKIT_WEBHOOK_SECRET")
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("no webhook signing secret"), "{stderr}");
    assert!(output.stdout.is_empty(), "it never listened");
}
