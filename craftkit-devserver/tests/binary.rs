//! The `craftkit-devserver` program: its first line on stdout is the address it listens on,
//! it serves the contract there, and its log lines never carry a key or a link token.

use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};
use std::time::Duration;

const KEY: &str = "ck_test_binarybinarybinary000000";

#[test]
fn the_program_prints_its_address_first_and_logs_no_secret() {
    let templates = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/manifests");
    let mut child = Command::new(env!("CARGO_BIN_EXE_craftkit-devserver"))
        .args([
            "--port",
            "0",
            "--templates",
            templates,
            "--key",
            KEY,
            "--render-ms",
            "10",
        ])
        .env("RUST_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the program starts");
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    stdout.read_line(&mut first).unwrap();
    let base = first
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("first line: {first:?}"))
        .to_owned();
    assert!(base.starts_with("http://127.0.0.1:"), "{base}");

    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let auth = format!("Bearer {KEY}");
    let data: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/payloads/charter-handover.valid.json"
        ))
        .unwrap(),
    )
    .unwrap();
    let mut created = agent
        .post(format!("{base}/v1/templates/charter-handover/render"))
        .header("authorization", &auth)
        .send_json(serde_json::json!({ "data": data }))
        .unwrap();
    assert_eq!(created.status().as_u16(), 202);
    let render: serde_json::Value = created.body_mut().read_json().unwrap();
    let id = render["id"].as_str().unwrap().to_owned();
    let mut done = serde_json::Value::Null;
    for _ in 0..200 {
        done = agent
            .get(format!("{base}/v1/renders/{id}"))
            .header("authorization", &auth)
            .call()
            .unwrap()
            .body_mut()
            .read_json()
            .unwrap();
        if done["status"] == "succeeded" {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(done["status"], "succeeded", "{done}");
    let download_url = done["downloadUrl"].as_str().unwrap().to_owned();
    assert_eq!(
        agent.get(&download_url).call().unwrap().status().as_u16(),
        200
    );
    let mut share = agent
        .post(format!("{base}/v1/renders/{id}/shares"))
        .header("authorization", &auth)
        .send_empty()
        .unwrap();
    let share: serde_json::Value = share.body_mut().read_json().unwrap();
    let share_url = share["url"].as_str().unwrap().to_owned();
    assert_eq!(agent.get(&share_url).call().unwrap().status().as_u16(), 200);
    // a wrong key, logged as a 401, must not be echoed either
    let wrong = "ck_test_wrongwrongwrongwrong0000";
    assert_eq!(
        agent
            .get(format!("{base}/v1/templates"))
            .header("authorization", format!("Bearer {wrong}"))
            .call()
            .unwrap()
            .status()
            .as_u16(),
        401
    );

    child.kill().unwrap();
    let mut logs = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut logs)
        .unwrap();
    child.wait().unwrap();
    assert!(
        logs.contains("request") && logs.contains("status=202"),
        "one line per request:\n{logs}"
    );
    assert!(logs.matches("request_id=req_").count() >= 5, "{logs}");
    for secret in [
        KEY,
        wrong,
        download_url.rsplit('/').nth(1).unwrap(),
        share_url.rsplit('/').next().unwrap(),
    ] {
        assert!(
            !logs.contains(secret),
            "the log holds a secret ({secret}):\n{logs}"
        );
    }
}
