//! `--data-dir`: what the server acknowledged before a restart is still there after it:
//! templates (drafts and published versions), renders with their PDFs, share links,
//! idempotency keys.

use std::path::Path;
use std::time::{Duration, Instant};

use craftkit_devserver::{Config, DevServer};
use serde_json::{Value, json};

const KEY: &str = "ck_test_restartrestartrestart000";

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into()
}

fn call(
    method: &str,
    url: &str,
    body: Option<&Value>,
    idempotency_key: Option<&str>,
) -> (u16, Value) {
    let agent = agent();
    let auth = format!("Bearer {KEY}");
    let mut response = match (method, body) {
        ("GET", _) => agent.get(url).header("authorization", &auth).call(),
        (_, Some(body)) => {
            let mut request = agent.post(url).header("authorization", &auth);
            if let Some(key) = idempotency_key {
                request = request.header("idempotency-key", key);
            }
            request.send_json(body)
        }
        (_, None) => agent.post(url).header("authorization", &auth).send_empty(),
    }
    .expect("the server answers");
    let status = response.status().as_u16();
    let text = response.body_mut().read_to_string().unwrap_or_default();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

fn fixture(path: &str) -> Value {
    let path = format!("{}/tests/fixtures/{path}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn config(dir: &Path) -> Config {
    Config {
        keys: vec![KEY.to_owned()],
        templates: craftkit_devserver::load_templates(format!(
            "{}/tests/fixtures/manifests",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap(),
        data_dir: Some(dir.to_path_buf()),
        render_delay: Duration::from_millis(10),
        ..Config::default()
    }
}

fn wait_succeeded(base: &str, id: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (_, render) = call("GET", &format!("{base}/v1/renders/{id}"), None, None);
        if render["status"] == "succeeded" {
            return render;
        }
        assert!(
            Instant::now() < deadline,
            "the render did not finish: {render}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Renders the charter-handover fixture (with `idempotency_key`, if any) and waits until it has
/// succeeded: its id and its final state.
fn render_fixture(base: &str, idempotency_key: Option<&str>) -> (String, Value) {
    let body = json!({"data": fixture("payloads/charter-handover.valid.json")});
    let (status, render) = call(
        "POST",
        &format!("{base}/v1/templates/charter-handover/render"),
        Some(&body),
        idempotency_key,
    );
    assert_eq!(status, 202, "{render}");
    let id = render["id"].as_str().unwrap().to_owned();
    let done = wait_succeeded(base, &id);
    (id, done)
}

/// An empty directory of this test process named after `what`.
fn fresh_dir(what: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("craftkit-{what}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

#[test]
fn state_survives_a_restart() {
    let dir = fresh_dir("restart");
    let runtime = tokio::runtime::Runtime::new().unwrap();

    let server = runtime.block_on(DevServer::start(config(&dir))).unwrap();
    let base = server.url().to_owned();
    let (id, before) = render_fixture(&base, Some("signoff-1"));
    let (status, share) = call(
        "POST",
        &format!("{base}/v1/renders/{id}/shares"),
        Some(&json!({"label": "kept"})),
        None,
    );
    assert_eq!(status, 201, "{share}");
    let draft = json!({"slug": "note", "name": "Note", "pipeline": "html",
        "variables": [{"path": "text", "type": "text", "required": true}]});
    assert_eq!(
        call("POST", &format!("{base}/v1/templates"), Some(&draft), None).0,
        201
    );
    assert_eq!(
        call(
            "POST",
            &format!("{base}/v1/templates/note/publish"),
            None,
            None
        )
        .0,
        200
    );
    let pdf_before = agent()
        .get(before["downloadUrl"].as_str().unwrap())
        .call()
        .unwrap()
        .body_mut()
        .read_to_vec()
        .unwrap();
    runtime.block_on(server.stop());

    // Everything below is answered by a new process-equivalent that only has the directory.
    let server = runtime
        .block_on(DevServer::start(Config {
            port: 0,
            ..config(&dir)
        }))
        .unwrap();
    assert_eq!(server.render_count(KEY), 1);
    let base = server.url().to_owned();
    let (status, after) = call("GET", &format!("{base}/v1/renders/{id}"), None, None);
    assert_eq!(status, 200);
    assert_eq!(after["status"], "succeeded");
    assert_eq!(after["bytes"], before["bytes"]);
    let download = format!("{base}/v1/renders/{id}/download");
    let pdf_after = agent()
        .get(&download)
        .header("authorization", format!("Bearer {KEY}"))
        .call()
        .unwrap()
        .body_mut()
        .read_to_vec()
        .unwrap();
    assert_eq!(pdf_after, pdf_before, "the same PDF, byte for byte");
    // The public URL and the share token still work (the base URL's port changed, the token did not).
    let token_path = |url: &str| url.splitn(4, '/').nth(3).unwrap().to_owned();
    let public = format!(
        "{base}/{}",
        token_path(before["downloadUrl"].as_str().unwrap())
    );
    assert_eq!(agent().get(&public).call().unwrap().status().as_u16(), 200);
    let shared = format!("{base}/{}", token_path(share["url"].as_str().unwrap()));
    assert_eq!(agent().get(&shared).call().unwrap().status().as_u16(), 200);
    // The idempotency key is still consumed: a replay gives the same render, no new one.
    let body = json!({"data": fixture("payloads/charter-handover.valid.json")});
    let (status, replay) = call(
        "POST",
        &format!("{base}/v1/templates/charter-handover/render"),
        Some(&body),
        Some("signoff-1"),
    );
    assert_eq!((status, replay["id"].as_str()), (200, Some(id.as_str())));
    assert_eq!(server.render_count(KEY), 1);
    // The template published through the API is still published.
    let (status, manifest) = call("GET", &format!("{base}/v1/templates/note"), None, None);
    assert_eq!((status, manifest["version"].as_u64()), (200, Some(1)));
    runtime.block_on(server.stop());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn the_key_is_never_written_to_the_data_directory() {
    let dir = fresh_dir("nokey");
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let server = runtime.block_on(DevServer::start(config(&dir))).unwrap();
    render_fixture(server.url(), Some("k"));
    runtime.block_on(server.stop());
    for entry in walkdir::WalkDir::new(&dir) {
        let path = entry.unwrap().into_path();
        assert!(!path.to_string_lossy().contains(KEY));
        if path.is_file() {
            let bytes = std::fs::read(&path).unwrap();
            assert!(
                !bytes.windows(KEY.len()).any(|w| w == KEY.as_bytes()),
                "{} holds the key",
                path.display()
            );
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_succeeded_render_whose_pdf_is_gone_renders_again_from_its_stored_data() {
    let dir = fresh_dir("rerender");
    let runtime = tokio::runtime::Runtime::new().unwrap();

    let server = runtime.block_on(DevServer::start(config(&dir))).unwrap();
    let base = server.url().to_owned();
    let (id, before) = render_fixture(&base, None);
    runtime.block_on(server.stop());

    // The server keeps no copy of the data once a render is done; the record on disk does.
    std::fs::remove_file(dir.join(format!("pdfs/{id}.pdf"))).expect("one stored PDF");

    let server = runtime.block_on(DevServer::start(config(&dir))).unwrap();
    let base = server.url().to_owned();
    let after = wait_succeeded(&base, &id);
    assert_eq!(
        (&after["pages"], &after["bytes"]),
        (&before["pages"], &before["bytes"]),
        "the same document again"
    );
    let (status, _) = call(
        "GET",
        &format!("{base}/v1/renders/{id}/download"),
        None,
        None,
    );
    assert_eq!(status, 200);
    runtime.block_on(server.stop());
    std::fs::remove_dir_all(&dir).unwrap();
}
