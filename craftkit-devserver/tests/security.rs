//! The local server against hostile input (`SECURITY.md`): no path traversal through ids,
//! share tokens, download tokens or file names, in URLs or in bodies, and with `--data-dir`
//! no file is written outside the data directory nor under a name a request chose; request
//! bodies are bounded even without `Content-Length` (a chunked body); and templates belong to
//! their project (the same slug in two projects is two templates).
//!
//! Share tokens are made by `ids::random_id` from `getrandom` (the OS's CSPRNG), 22 base62
//! characters by rejection sampling: 131 bits; `files.rs` checks their length and alphabet.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::time::Duration;

use common::*;
use serde_json::json;

/// File names a render request may try, each of which must be refused with `400` or kept as
/// a plain name: never a path.
const HOSTILE_FILENAMES: [&str; 10] = [
    "../../x",
    "..\\x",
    "..\\..\\x.pdf",
    "/etc/passwd",
    "a\0b.pdf",
    "%2e%2e%2fx.pdf",
    "..%2F..%2Fx.pdf",
    "C:\\x.pdf",
    "x.pdf\r\nSet-Cookie: a=b",
    "./x.pdf",
];

/// Paths that try to reach something through encoded dot segments and separators.
fn traversal_paths() -> Vec<String> {
    [
        "/v1/renders/..%2F..%2Fx/download",
        "/v1/renders/..%2F..%2Fx",
        "/v1/renders/%2e%2e%2f%2e%2e%2fetc%2fpasswd/download",
        "/v1/renders/..%5C..%5Cx/download",
        "/v1/renders/rnd_x%00/download",
        "/v1/renders/..%2F/shares",
        "/v1/templates/..%2F..%2Fx",
        "/v1/templates/..%2Fcharter-handover",
        "/v1/templates/..%2F..%2Fx/publish",
        "/v1/templates/..%2F..%2Fx/render",
    ]
    .into_iter()
    .map(str::to_owned)
    .collect()
}

/// Public paths (no key) with hostile tokens.
fn public_traversal_paths() -> [&'static str; 6] {
    [
        "/s/..%2F",
        "/s/..%2F..%2Fetc%2Fpasswd",
        "/s/%2e%2e",
        "/files/..%2F..%2Fx/x.pdf",
        "/files/..%2F/..%2F..%2Fetc%2Fpasswd",
        "/files/x/..%2F..%2Fetc%2Fpasswd",
    ]
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("craftkit-sec-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Every file under `dir`, relative to it.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    walkdir::WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .map(|entry| entry.unwrap())
        .filter(|entry| !entry.file_type().is_dir())
        .map(|entry| entry.path().strip_prefix(dir).unwrap().to_path_buf())
        .collect()
}

/// Whether `rel` is a file of the layout `src/persist/mod.rs` documents, with names the server
/// made.
fn is_layout_file(rel: &Path) -> bool {
    let parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    let id = |s: &str, prefix: &str| {
        s.strip_prefix(prefix)
            .is_some_and(|rest| rest.len() == 22 && rest.bytes().all(|b| b.is_ascii_alphanumeric()))
    };
    match parts.as_slice() {
        [database] => DATABASE_FILES.contains(&database.as_str()),
        [pdfs, file] => {
            pdfs == "pdfs"
                && file
                    .strip_suffix(".pdf")
                    .is_some_and(|stem| id(stem, "rnd_"))
        }
        _ => false,
    }
}

/// The SQLite database of a data directory, its write-ahead log and that log's index.
const DATABASE_FILES: [&str; 3] = [
    "craftkit-devserver.sqlite3",
    "craftkit-devserver.sqlite3-wal",
    "craftkit-devserver.sqlite3-shm",
];

#[test]
fn hostile_filenames_are_refused_or_kept_as_names() {
    let server = Server::start();
    for filename in HOSTILE_FILENAMES {
        let reply = server.render(&render_body(valid_data(), json!({"filename": filename})));
        if reply.status == 202 {
            // Accepted only as a plain name, never as a path.
            let id = reply.json()["id"].as_str().unwrap().to_owned();
            let render = server.wait_for_terminal(&id);
            let kept = render["filename"].as_str().unwrap();
            assert!(
                !kept.contains(['/', '\\', '\0', '\r', '\n']) && kept != "..",
                "{filename:?} was kept as {kept:?}"
            );
        } else {
            reply.expect_error(400, "invalid_request");
        }
    }
    for filename in ["../../x", "..\\x", "/etc/passwd", "a\0b.pdf"] {
        let reply = server.render(&render_body(valid_data(), json!({"filename": filename})));
        reply.expect_error(400, "invalid_request");
    }
}

#[test]
fn encoded_traversal_in_ids_and_tokens_finds_nothing() {
    let server = Server::start();
    let render = server.succeeded_render(json!({}));
    let id = render["id"].as_str().unwrap();
    server
        .post(&format!("/v1/renders/{id}/shares"))
        .json(&json!({}))
        .send()
        .expect(201);
    for path in traversal_paths() {
        let reply = if path.ends_with("/publish") {
            server.post(&path).send()
        } else if path.ends_with("/render") {
            server.post(&path).json(&valid_body()).send()
        } else {
            server.get(&path).send()
        };
        assert!(
            matches!(reply.status, 400 | 404),
            "{path}: {} {}",
            reply.status,
            reply.text()
        );
        assert!(!reply.text().contains("root:"), "{path} served a file");
    }
    for path in public_traversal_paths() {
        let reply = server.get_url(&format!("{}{path}", server.url())).send();
        assert!(
            matches!(reply.status, 400 | 404),
            "{path}: {} {}",
            reply.status,
            reply.text()
        );
        assert_ne!(
            reply.header("content-type"),
            Some("application/pdf"),
            "{path}"
        );
    }
    server
        .delete("/v1/shares/..%2F..%2Fx")
        .send()
        .expect_error(404, "not_found");
}

#[test]
fn with_a_data_dir_nothing_is_written_outside_it_nor_under_a_chosen_name() {
    let root = scratch("datadir");
    let data = root.join("data");
    let server = Server::with(config_with(|c| c.data_dir = Some(data.clone())));

    // Requests that carry names: file names, idempotency keys, slugs, ids, tokens.
    for filename in HOSTILE_FILENAMES {
        let _ = server.render(&render_body(valid_data(), json!({"filename": filename})));
    }
    let accepted = server
        .post(&render_path(SLUG))
        .idempotency_key("../../../escaped")
        .json(&valid_body())
        .send()
        .expect(202);
    let id = accepted["id"].as_str().unwrap().to_owned();
    server.wait_for_terminal(&id);
    server
        .post(&format!("/v1/renders/{id}/shares"))
        .json(&json!({"label": "../../label"}))
        .send()
        .expect(201);
    for slug in ["../../escaped", "..", "a/b", "..\\x", "x\0y"] {
        let reply = server
            .post("/v1/templates")
            .json(&json!({"slug": slug, "pipeline": "html", "variables": []}))
            .send();
        assert!(
            matches!(reply.status, 400 | 422),
            "{slug:?}: {}",
            reply.status
        );
    }
    server
        .post("/v1/templates")
        .json(&json!({"slug": "kept-here", "pipeline": "html",
            "variables": [{"path": "a/b\\c %2e%2e", "type": "string"}]}))
        .send()
        .expect(201);
    server
        .post("/v1/templates/kept-here/publish")
        .send()
        .expect(200);
    for path in traversal_paths() {
        let _ = if path.ends_with("/publish") || path.ends_with("/render") {
            server.post(&path).json(&valid_body()).send()
        } else {
            server.get(&path).send()
        };
    }
    drop(server);

    let outside = files_under(&root);
    assert!(
        outside.iter().all(|f| f.starts_with("data")),
        "files outside the data directory: {outside:?}"
    );
    let inside = files_under(&data);
    assert!(
        inside.iter().any(|f| f.as_os_str() == DATABASE_FILES[0]),
        "{inside:?}"
    );
    for file in &inside {
        assert!(
            is_layout_file(file),
            "an unexpected file: {}",
            file.display()
        );
    }
    std::fs::remove_dir_all(&root).unwrap();
}

/// Sends a chunked body of `size` bytes (no `Content-Length`) and returns the status line.
fn post_chunked(server: &Server, path: &str, size: usize) -> String {
    let address = server.url().trim_start_matches("http://").to_owned();
    let mut stream = TcpStream::connect(&address).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {KEY}\r\n\
         Content-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).unwrap();
    let chunk = vec![b' '; 1024 * 1024];
    let mut sent = 0;
    while sent < size {
        let n = chunk.len().min(size - sent);
        let frame = format!("{n:x}\r\n");
        // The server may answer and close before the whole body is sent: stop writing then.
        if stream.write_all(frame.as_bytes()).is_err()
            || stream.write_all(&chunk[..n]).is_err()
            || stream.write_all(b"\r\n").is_err()
        {
            break;
        }
        sent += n;
    }
    let _ = stream.write_all(b"0\r\n\r\n");
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    let text = String::from_utf8_lossy(&answer);
    text.lines().next().unwrap_or_default().to_owned()
}

#[test]
fn a_chunked_body_over_20_mib_is_413_on_every_endpoint() {
    let server = Server::start();
    let render = server.succeeded_render(json!({}));
    let id = render["id"].as_str().unwrap();
    for path in [
        render_path(SLUG),
        "/v1/templates".to_owned(),
        format!("/v1/renders/{id}/shares"),
    ] {
        let status = post_chunked(&server, &path, 21 * 1024 * 1024);
        assert!(
            status.starts_with("HTTP/1.1 413"),
            "{path}: {status:?} for 21 MiB chunked"
        );
        // A small chunked body is read, not refused as too large.
        let status = post_chunked(&server, &path, 1024);
        assert!(
            status.starts_with("HTTP/1.1 ") && !status.starts_with("HTTP/1.1 413"),
            "{path}: {status:?}"
        );
    }
    assert_eq!(server.render_count(KEY), 1);
}

#[test]
fn the_same_slug_in_two_projects_is_two_templates() {
    let server = Server::start();
    let mine = json!({"slug": "same-slug", "name": "Alpha's", "pipeline": "html",
        "variables": [{"path": "alpha", "type": "string", "required": true}]});
    let theirs = json!({"slug": "same-slug", "name": "Bravo's", "pipeline": "html",
        "variables": [{"path": "bravo", "type": "integer", "required": true}]});
    server.post("/v1/templates").json(&mine).send().expect(201);
    // A draft of one project is not seen, nor publishable, by the other.
    server
        .post("/v1/templates/same-slug/publish")
        .key(OTHER_KEY)
        .send()
        .expect_error(404, "not_found");
    server
        .post("/v1/templates")
        .key(OTHER_KEY)
        .json(&theirs)
        .send()
        .expect(201);
    let mut again = mine.clone();
    again["replace"] = json!(true);
    for _ in 0..2 {
        server.post("/v1/templates").json(&again).send().expect(201);
        server
            .post("/v1/templates/same-slug/publish")
            .send()
            .expect(200);
    }
    let published = server
        .post("/v1/templates/same-slug/publish")
        .key(OTHER_KEY)
        .send()
        .expect(200);
    assert_eq!(published["version"], 1, "{published}");

    let alpha = server.get("/v1/templates/same-slug").send().expect(200);
    let bravo = server
        .get("/v1/templates/same-slug")
        .key(OTHER_KEY)
        .send()
        .expect(200);
    assert_eq!(alpha["name"], "Alpha's");
    assert_eq!(alpha["version"], 2);
    assert_eq!(bravo["name"], "Bravo's");
    assert_eq!(bravo["version"], 1);
    server
        .get("/v1/templates/same-slug?version=2")
        .key(OTHER_KEY)
        .send()
        .expect_error(404, "not_found");

    // Each renders against its own manifest.
    server
        .post(&render_path("same-slug"))
        .json(&json!({"data": {"alpha": "a"}}))
        .send()
        .expect(202);
    server
        .post(&render_path("same-slug"))
        .key(OTHER_KEY)
        .json(&json!({"data": {"alpha": "a"}}))
        .send()
        .expect_error(422, "validation_failed");
    let listed = server
        .get("/v1/templates?limit=100")
        .key(OTHER_KEY)
        .send()
        .expect(200);
    let names: Vec<&str> = listed["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["slug"] == "same-slug")
        .filter_map(|t| t["name"].as_str())
        .collect();
    assert_eq!(names, ["Bravo's"]);
}

/// `127.0.0.1:PORT` of `server`.
fn authority(server: &Server) -> String {
    server.url().trim_start_matches("http://").to_owned()
}

/// Sends `request` on a new connection and reads until the server closes it or `wait`
/// passes: `Err` when nothing came back within `wait` (the server is still waiting).
fn exchange(server: &Server, request: &[u8], wait: Duration) -> std::io::Result<String> {
    let mut stream = TcpStream::connect(authority(server))?;
    stream.set_read_timeout(Some(wait))?;
    stream.write_all(request)?;
    let mut answer = Vec::new();
    let mut buffer = [0u8; 8192];
    loop {
        match stream.read(&mut buffer) {
            Ok(0) => break,
            Ok(n) => answer.extend_from_slice(&buffer[..n]),
            // A reset after (part of) the answer ends it as well as a close.
            Err(_) if !answer.is_empty() => break,
            Err(error) => return Err(error),
        }
    }
    Ok(String::from_utf8_lossy(&answer).into_owned())
}

/// The head of a `POST` that declares `length` bytes of JSON and sends none of them.
fn head_only(server: &Server, path: &str, authorization: Option<&str>, length: u64) -> String {
    let authorization = authorization
        .map(|key| format!("Authorization: Bearer {key}\r\n"))
        .unwrap_or_default();
    format!(
        "POST {path} HTTP/1.1\r\nHost: {}\r\n{authorization}Content-Type: application/json\r\n\
         Content-Length: {length}\r\nConnection: close\r\n\r\n",
        authority(server)
    )
}

#[test]
fn a_declared_length_over_the_limit_is_413_before_the_body_is_sent() {
    let server = Server::start();
    let request = head_only(&server, &render_path(SLUG), Some(KEY), 300 * 1024 * 1024);
    let answer = exchange(&server, request.as_bytes(), Duration::from_secs(5))
        .expect("an answer without waiting for 300 MB");
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(answer.contains("payload_too_large"), "{answer}");
}

#[test]
fn without_a_known_key_the_body_is_not_read() {
    let server = Server::start();
    for (path, key, status) in [
        ("/v1/nowhere".to_owned(), None, "404"),
        (render_path(SLUG), None, "401"),
        (render_path(SLUG), Some(UNKNOWN_KEY), "401"),
        ("/v1/templates".to_owned(), Some("not-a-key"), "401"),
    ] {
        let request = head_only(&server, &path, key, 10 * 1024 * 1024);
        let answer = exchange(&server, request.as_bytes(), Duration::from_secs(5))
            .unwrap_or_else(|e| panic!("{path} {key:?}: no answer without the body: {e}"));
        assert!(
            answer.starts_with(&format!("HTTP/1.1 {status}")),
            "{path} {key:?}: {answer}"
        );
    }
}

#[test]
fn an_oversized_body_is_not_recorded() {
    let server = Server::start();
    let status = post_chunked(&server, &render_path(SLUG), 21 * 1024 * 1024);
    assert!(status.starts_with("HTTP/1.1 413"), "{status}");
    let requests = server.dev().requests();
    let last = requests.last().expect("the request is recorded");
    assert_eq!(last.path, render_path(SLUG));
    assert!(last.body.is_none(), "the refused body is not kept");
}

#[test]
fn the_recorder_keeps_the_newest_requests_within_its_budget() {
    let server = Server::with(config_with(|c| c.record_budget = 1024 * 1024));
    for n in 0..10 {
        let body = json!({"pad": "x".repeat(300_000), "n": n});
        server.post("/v1/templates").json(&body).send();
    }
    let requests = server.dev().requests();
    assert!(
        (2..=3).contains(&requests.len()),
        "{} requests of 300 KB kept in 1 MiB",
        requests.len()
    );
    let last = requests.last().and_then(|r| r.body.as_ref()).unwrap();
    assert_eq!(last["n"], 9);
    assert!(
        server.dev().responses().len() >= 10,
        "small answers all fit"
    );
}

/// The status line and body of a `GET path` sent with `Host: host`.
fn get_with_host(server: &Server, path: &str, host: &str) -> String {
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {KEY}\r\nConnection: close\r\n\r\n"
    );
    exchange(server, request.as_bytes(), Duration::from_secs(5))
        .unwrap_or_else(|e| panic!("Host {host}: no answer: {e}"))
}

#[test]
fn a_foreign_host_is_421_and_loopback_names_are_served() {
    let server = Server::with(config_with(|c| c.allowed_hosts = vec!["devbox.lan".into()]));
    let port = server.dev().addr().port();
    for host in [
        format!("rebound.example:{port}"),
        "rebound.example".to_owned(),
        format!("localhost.rebound.example:{port}"),
        format!("127.0.0.1.nip.io:{port}"),
    ] {
        for path in [
            "/v1/templates",
            "/v1/openapi.json",
            "/s/abc",
            "/files/a/b.pdf",
        ] {
            let answer = get_with_host(&server, path, &host);
            assert!(
                answer.starts_with("HTTP/1.1 421"),
                "{host} {path}: {answer}"
            );
            assert!(
                answer.contains("\"invalid_request\"") && answer.contains("--allowed-host"),
                "{answer}"
            );
        }
    }
    for host in [
        format!("127.0.0.1:{port}"),
        format!("localhost:{port}"),
        format!("[::1]:{port}"),
        "localhost".to_owned(),
        "devbox.lan:8080".to_owned(),
    ] {
        let answer = get_with_host(&server, "/v1/templates", &host);
        assert!(answer.starts_with("HTTP/1.1 200"), "{host}: {answer}");
    }
}

#[test]
fn unauthenticated_requests_do_not_use_up_or_open_rate_limit_windows() {
    let server = Server::with(config_with(|c| c.rate_limit = Some(2)));
    for n in 0..6 {
        server
            .get("/v1/templates")
            .key(UNKNOWN_KEY)
            .send()
            .expect_error(401, "unauthenticated");
        server
            .get("/v1/templates")
            .authorization(&format!("Bearer made-up-{n}"))
            .send()
            .expect_error(401, "unauthenticated");
    }
    server.get("/v1/templates").send().expect(200);
}

#[test]
fn half_sent_requests_are_closed_after_the_header_read_timeout() {
    let server = Server::with(config_with(|c| {
        c.header_read_timeout = Duration::from_millis(300);
    }));
    let started = std::time::Instant::now();
    let half = format!(
        "GET /v1/templates HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer",
        authority(&server)
    );
    let streams: Vec<TcpStream> = (0..20)
        .map(|_| {
            let mut stream = TcpStream::connect(authority(&server)).unwrap();
            stream.write_all(half.as_bytes()).unwrap();
            stream
                .set_read_timeout(Some(Duration::from_secs(5)))
                .unwrap();
            stream
        })
        .collect();
    for mut stream in streams {
        let mut answer = Vec::new();
        match stream.read_to_end(&mut answer) {
            Ok(_) => {
                let answer = String::from_utf8_lossy(&answer);
                assert!(
                    answer.is_empty() || answer.starts_with("HTTP/1.1 408"),
                    "{answer}"
                );
            }
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => {}
            Err(e) => panic!("the half-sent request is still open: {e}"),
        }
    }
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "{:?}",
        started.elapsed()
    );
    // A kept-alive connection left idle past the timeout is closed as well.
    let request = format!(
        "GET /v1/templates HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {KEY}\r\n\r\n",
        authority(&server)
    );
    let started = std::time::Instant::now();
    let answer = exchange(&server, request.as_bytes(), Duration::from_secs(5))
        .expect("the idle connection is closed");
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(started.elapsed() < Duration::from_secs(4));
    server.get("/v1/templates").send().expect(200);
}
