//! `cargo craftkit` never shows the API key: with a distinctive key (in `CRAFTKIT_API_KEY` and
//! in `--key`), no subcommand prints it on standard output or standard error, on success or on
//! any error path (`401`, `404`, `422`, an unreachable server, bad flags, a key of the wrong
//! shape with a new line or a non-ASCII letter, `--help`), and no file the CLI writes (cache,
//! generated code, docs pages, schemas, PDFs) holds it. The key in a key of the wrong shape
//! does not show either, and such a key is an error, not a panic.

use std::path::{Path, PathBuf};
use std::process::{Command as Std, Stdio};
use std::time::Duration;

use assert_cmd::Command;
use craftkit_devserver::Config;

/// The key the server knows.
const KEY: &str = "ck_test_LeakCanaryQ7x9Z2w4Y6v8T0r3P5n1M";
/// A well-formed key the server does not know (401).
const WRONG: &str = "ck_test_WrongCanaryK3j5H7g9F1d2S4a6Z8x0";

/// Every string that must never be printed or written.
fn secrets() -> Vec<&'static str> {
    vec![
        KEY,
        &KEY["ck_test_".len()..],
        WRONG,
        &WRONG["ck_test_".len()..],
        "LeakCanary",
        "WrongCanary",
    ]
}

mod common;

use common::{Live, fixtures};

/// The server for these tests: it knows [`KEY`]; renders of 10 ms.
fn start() -> Live {
    Live::start(
        "keys",
        Config {
            keys: vec![KEY.to_owned()],
            render_delay: Duration::from_millis(10),
            ..Config::default()
        },
    )
}

impl Live {
    fn url(&self) -> String {
        self.server().url().to_owned()
    }
}

/// An address on which nothing listens.
fn closed_port_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    url
}

/// Runs `cargo craftkit <args>` in `dir` with `key` in the environment against `url`; returns
/// the exit code and everything printed.
fn run(dir: &Path, url: &str, key: &str, args: &[&str]) -> (Option<i32>, String) {
    let output = Command::cargo_bin("cargo-craftkit")
        .unwrap()
        .arg("craftkit")
        .args(args)
        .env("CRAFTKIT_API_URL", url)
        .env("CRAFTKIT_API_KEY", key)
        .env_remove("RUST_BACKTRACE")
        .current_dir(dir)
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    let text = format!(
        "{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.code(), text)
}

#[track_caller]
fn assert_clean(what: &str, text: &str) {
    for secret in secrets() {
        assert!(!text.contains(secret), "{what} printed a key:\n{text}");
    }
    assert!(!text.contains("Bearer"), "{what} printed a header:\n{text}");
    assert!(!text.contains("panicked"), "{what} panicked:\n{text}");
}

/// Every file under `dir`.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .map(|entry| entry.unwrap())
        .filter(|entry| !entry.file_type().is_dir())
        .map(walkdir::DirEntry::into_path)
        .collect()
}

#[test]
fn no_subcommand_prints_or_writes_the_key() {
    let live = start();
    let url = live.url();
    let dir = &live.dir;
    let cache = dir.join("cache");
    let cache = cache.to_str().unwrap();
    let valid = fixtures().join("payloads/charter-handover.valid.json");
    let invalid = fixtures().join("payloads/charter-handover.invalid.json");
    let (valid, invalid) = (valid.to_str().unwrap(), invalid.to_str().unwrap());
    let unreachable = closed_port_url();
    let newline_key = format!("{KEY}\nX-Injected: 1");
    let non_ascii_key = format!("{KEY}Ä");
    let short_key = &KEY[..20];
    let bad_serve_key = format!("{KEY}!");

    // (arguments, URL, key, expected exit code: Some(0) for success, None for any failure)
    let cases: Vec<(Vec<&str>, &str, &str, bool)> = vec![
        (
            vec!["pull", "charter-handover", "--manifest-dir", cache],
            &url,
            KEY,
            true,
        ),
        (
            vec!["pull", "--all", "--manifest-dir", cache],
            &url,
            KEY,
            true,
        ),
        (
            vec![
                "pull",
                "charter-handover",
                "--manifest-dir",
                cache,
                "--key",
                KEY,
            ],
            &url,
            "",
            true,
        ),
        (
            vec!["pull", "no-such-template", "--manifest-dir", cache],
            &url,
            KEY,
            false,
        ),
        (
            vec!["pull", "charter-handover", "--manifest-dir", cache],
            &url,
            WRONG,
            false,
        ),
        (
            vec!["pull", "invoice", "--manifest-dir", cache, "--key", WRONG],
            &url,
            KEY,
            false,
        ),
        (
            vec!["pull", "invoice", "--manifest-dir", cache],
            &unreachable,
            KEY,
            false,
        ),
        (
            vec!["pull", "invoice", "--manifest-dir", cache],
            "not a url",
            KEY,
            false,
        ),
        (
            vec!["pull", "invoice", "--manifest-dir", cache],
            &url,
            &newline_key,
            false,
        ),
        (
            vec!["pull", "invoice", "--manifest-dir", cache],
            &url,
            &non_ascii_key,
            false,
        ),
        (
            vec!["pull", "invoice", "--manifest-dir", cache],
            &url,
            short_key,
            false,
        ),
        (
            vec!["pull", "invoice", "--key", &newline_key],
            &url,
            "",
            false,
        ),
        (
            vec!["pull", "invoice", "--bogus-flag", KEY],
            &url,
            KEY,
            false,
        ),
        (vec!["pull", "--key", KEY, "--key", KEY], &url, KEY, false),
        (vec!["pull", "--key"], &url, KEY, false),
        (vec!["pull", "--help"], &url, KEY, true),
        (vec!["--help"], &url, KEY, true),
        (vec!["check", "--manifest-dir", cache], &url, KEY, true),
        (vec!["check", "--manifest-dir", cache], &url, WRONG, false),
        (
            vec!["check", "--manifest-dir", cache],
            &unreachable,
            KEY,
            false,
        ),
        (vec!["check", "--help"], &url, KEY, true),
        (
            vec![
                "generate",
                "charter-handover",
                "--manifest-dir",
                cache,
                "-o",
                "gen.rs",
            ],
            &url,
            KEY,
            true,
        ),
        (
            vec!["generate", "no-such-template", "--manifest-dir", cache],
            &url,
            KEY,
            false,
        ),
        (
            vec!["docs", "--manifest-dir", cache, "-o", "docs"],
            &url,
            KEY,
            true,
        ),
        (
            vec!["schema", "charter-handover", "--manifest-dir", cache],
            &url,
            KEY,
            true,
        ),
        (
            vec!["render", "charter-handover", valid, "-o", "out.pdf"],
            &url,
            KEY,
            true,
        ),
        (
            vec![
                "render",
                "charter-handover",
                valid,
                "--no-wait",
                "--private",
            ],
            &url,
            KEY,
            true,
        ),
        (
            vec!["render", "charter-handover", invalid, "-o", "bad.pdf"],
            &url,
            KEY,
            false,
        ),
        (vec!["render", "no-such-template", valid], &url, KEY, false),
        (
            vec!["render", "charter-handover", valid],
            &url,
            WRONG,
            false,
        ),
        (
            vec!["render", "charter-handover", valid],
            &unreachable,
            KEY,
            false,
        ),
        (
            vec!["render", "charter-handover", "missing.json"],
            &url,
            KEY,
            false,
        ),
        (vec!["render", "--help"], &url, KEY, true),
        (vec!["serve", "--help"], &url, KEY, true),
        (
            vec!["serve", "--port", "0", "--key", "ck_test_short"],
            &url,
            KEY,
            false,
        ),
        (
            vec![
                "serve",
                "--port",
                "0",
                "--key",
                KEY,
                "--key",
                &bad_serve_key,
            ],
            &url,
            KEY,
            false,
        ),
    ];
    for (args, url, key, succeeds) in cases {
        let what = format!("`cargo craftkit {}` (key {key:.12}...)", args.join(" "));
        let (code, text) = run(dir, url, key, &args);
        assert_clean(&what, &text);
        assert_eq!(code == Some(0), succeeds, "{what}: exit {code:?}:\n{text}");
    }

    // The files the runs wrote: the cache, the generated code, the docs, the PDF.
    let files = files_under(dir);
    for expected in ["charter-handover.json", "gen.rs", "out.pdf"] {
        assert!(
            files.iter().any(|f| f.ends_with(expected)),
            "no {expected} in {files:?}"
        );
    }
    for file in files {
        let bytes = std::fs::read(&file).unwrap();
        for secret in secrets() {
            assert!(
                !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
                "{} holds a key",
                file.display()
            );
        }
    }
}

#[test]
fn serve_never_prints_its_keys() {
    let mut child = Std::new(env!("CARGO_BIN_EXE_cargo-craftkit"))
        .args([
            "craftkit", "serve", "--port", "0", "--key", KEY, "--key", WRONG,
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    std::io::BufRead::read_line(&mut stdout, &mut first).unwrap();
    assert!(
        first.starts_with("listening on http://127.0.0.1:"),
        "{first}"
    );
    // A call with the key and one with a wrong key, so that the server logs requests.
    let url = first.trim().trim_start_matches("listening on ").to_owned();
    for key in [KEY, WRONG, "ck_test_NotAKnownKeyAtAll000000000"] {
        let _ = ureq_get(&format!("{url}/v1/templates"), key);
    }
    child.kill().unwrap();
    let output = child.wait_with_output().unwrap();
    let mut text = first;
    std::io::Read::read_to_string(&mut stdout, &mut text).unwrap();
    text.push_str(&String::from_utf8_lossy(&output.stderr));
    assert_clean("`cargo craftkit serve`", &text);
}

/// A GET with a bearer key, by hand: no HTTP client among this crate's dev-dependencies is
/// needed for one request.
fn ureq_get(url: &str, key: &str) -> std::io::Result<String> {
    use std::io::{Read, Write};
    let rest = url.trim_start_matches("http://");
    let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
    let mut stream = std::net::TcpStream::connect(host)?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    write!(
        stream,
        "GET /{path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {key}\r\nConnection: close\r\n\r\n"
    )?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer)?;
    Ok(answer)
}
