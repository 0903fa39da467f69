//! `cargo craftkit` against a hostile server: a fake API on loopback that answers render file
//! names with a path in them, and manifests of another template than the one asked for.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::time::Duration;

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::json;

const KEY: &str = "ck_test_hostileserverclitests00001";
const PDF: &[u8] = b"%PDF-1.7 the fake server's PDF";

/// A fake API on an ephemeral loopback port, answering each request with `answer(method,
/// path)`: status, content type and body. It runs until the test process ends.
fn fake_api(
    answer: impl Fn(&str, &str, &str) -> (u16, &'static str, Vec<u8>) + Send + 'static,
) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let base = url.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { return };
            let _ = serve_one(stream, &base, &answer);
        }
    });
    url
}

/// Reads one request (its head, then as many body bytes as its `Content-Length` says) and
/// writes the answer, closing the connection.
fn serve_one(
    stream: TcpStream,
    base: &str,
    answer: &impl Fn(&str, &str, &str) -> (u16, &'static str, Vec<u8>),
) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    let mut length = 0usize;
    loop {
        let mut line = String::new();
        reader.read_line(&mut line)?;
        if line.trim().is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            if name.eq_ignore_ascii_case("content-length") {
                length = value.trim().parse().unwrap_or(0);
            }
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body)?;
    let mut parts = request_line.split_whitespace();
    let (method, path) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let (status, content_type, body) = answer(method, path, base);
    let mut stream = stream;
    write!(
        stream,
        "HTTP/1.1 {status} X\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )?;
    stream.write_all(&body)?;
    stream.flush()
}

/// A fake API whose one render, `id`, succeeded with the PDF named `filename`.
fn render_server(id: &'static str, filename: String) -> String {
    fake_api(move |method, path, base| {
        let render = json!({
            "id": id,
            "object": "render",
            "template": "charter-handover",
            "templateVersion": 12,
            "status": "succeeded",
            "visibility": "public",
            "createdAt": "2026-12-05T00:00:00.000Z",
            "completedAt": "2026-12-05T00:00:01.000Z",
            "downloadUrl": format!("{base}/files/{id}"),
            "filename": filename,
            "pages": 1,
            "bytes": PDF.len(),
            "error": null,
            "warnings": [],
        });
        match (method, path) {
            ("POST", "/v1/templates/charter-handover/render") => {
                (202, "application/json", render.to_string().into_bytes())
            }
            ("GET", p) if p == format!("/v1/renders/{id}") => {
                (200, "application/json", render.to_string().into_bytes())
            }
            ("GET", p) if p == format!("/files/{id}") => (200, "application/pdf", PDF.to_vec()),
            _ => not_found(),
        }
    })
}

fn not_found() -> (u16, &'static str, Vec<u8>) {
    let body = json!({"error": {"type": "not_found", "message": "no such thing"}});
    (404, "application/json", body.to_string().into_bytes())
}

/// A fresh scratch directory with a `work` directory in it, where the commands run.
fn scratch(name: &str) -> (PathBuf, PathBuf) {
    let dir = std::env::temp_dir().join(format!(
        "craftkit-cli-hostile-{name}-{}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    let work = dir.join("work");
    std::fs::create_dir_all(&work).unwrap();
    std::fs::write(work.join("data.json"), "{}").unwrap();
    (dir, work)
}

fn cmd(url: &str, dir: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::cargo_bin("cargo-craftkit").unwrap();
    cmd.arg("craftkit")
        .args(args)
        .env("CRAFTKIT_API_URL", url)
        .env("CRAFTKIT_API_KEY", KEY)
        .current_dir(dir)
        .timeout(Duration::from_secs(60));
    cmd
}

/// Every file under `dir`, relative to it, sorted.
fn files(dir: &Path) -> Vec<String> {
    let mut files: Vec<String> = walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            e.path()
                .strip_prefix(dir)
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    files.sort();
    files
}

#[test]
fn render_never_writes_outside_the_current_directory_under_a_servers_name() {
    let (dir, work) = scratch("paths");
    let absolute = dir.join("absolute.sh");
    for (id, filename) in [
        ("rnd_dotdot", "../escaped.sh".to_owned()),
        ("rnd_absolute", absolute.to_string_lossy().into_owned()),
        ("rnd_nested", "sub/dir.pdf".to_owned()),
        ("rnd_backslash", "..\\escaped.sh".to_owned()),
        ("rnd_dot", "..".to_owned()),
    ] {
        let url = render_server(id, filename.clone());
        cmd(&url, &work, &["render", "charter-handover", "data.json"])
            .assert()
            .success()
            .stdout(predicate::str::contains(format!("{id}.pdf")))
            .stderr(predicate::str::contains("not a plain file name"));
        assert_eq!(
            std::fs::read(work.join(format!("{id}.pdf"))).unwrap(),
            PDF,
            "{filename:?}"
        );
    }
    assert_eq!(
        files(&dir),
        [
            "work/data.json",
            "work/rnd_absolute.pdf",
            "work/rnd_backslash.pdf",
            "work/rnd_dot.pdf",
            "work/rnd_dotdot.pdf",
            "work/rnd_nested.pdf",
        ]
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn render_keeps_a_plain_name_and_never_overwrites_a_file_without_o() {
    let (dir, work) = scratch("overwrite");
    let url = render_server("rnd_plain", "handover.pdf".to_owned());
    cmd(&url, &work, &["render", "charter-handover", "data.json"])
        .assert()
        .success()
        .stdout(predicate::str::contains("handover.pdf"));
    assert_eq!(std::fs::read(work.join("handover.pdf")).unwrap(), PDF);

    std::fs::write(work.join("handover.pdf"), "mine").unwrap();
    cmd(&url, &work, &["render", "charter-handover", "data.json"])
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("handover.pdf already exists")
                .and(predicate::str::contains("-o FILE")),
        );
    assert_eq!(std::fs::read(work.join("handover.pdf")).unwrap(), b"mine");

    // A server's fallback name is not overwritten either.
    let hostile = render_server("rnd_taken", "../x.pdf".to_owned());
    std::fs::write(work.join("rnd_taken.pdf"), "mine too").unwrap();
    cmd(
        &hostile,
        &work,
        &["render", "charter-handover", "data.json"],
    )
    .assert()
    .code(2)
    .stderr(predicate::str::contains("rnd_taken.pdf already exists"));
    assert_eq!(
        std::fs::read(work.join("rnd_taken.pdf")).unwrap(),
        b"mine too"
    );

    // Named by the user, the file is replaced.
    cmd(
        &url,
        &work,
        &[
            "render",
            "charter-handover",
            "data.json",
            "-o",
            "handover.pdf",
        ],
    )
    .assert()
    .success();
    assert_eq!(std::fs::read(work.join("handover.pdf")).unwrap(), PDF);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn pull_refuses_the_manifest_of_another_template() {
    let (dir, work) = scratch("pull");
    let invoice = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/manifests/invoice.json"),
    )
    .unwrap();
    let url = fake_api(move |method, path, _| match (method, path) {
        ("GET", "/v1/templates/charter-handover") => (200, "application/json", invoice.clone()),
        _ => not_found(),
    });
    cmd(
        &url,
        &work,
        &["pull", "charter-handover", "--manifest-dir", "cache"],
    )
    .assert()
    .code(2)
    .stderr(
        predicate::str::contains("asked for `charter-handover`")
            .and(predicate::str::contains("\"invoice\""))
            .and(predicate::str::contains("nothing was stored")),
    );
    assert_eq!(files(&work), ["data.json"]);
    let _ = std::fs::remove_dir_all(&dir);
}
