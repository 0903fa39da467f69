//! `--data-dir` under stress: concurrent writes of one record, a server killed with SIGKILL in
//! the middle of writes, a data directory of the JSON-file format (before SQLite), and the
//! permissions of what the server writes (issue 25, findings 5 and 11).

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use craftkit_devserver::{Config, DevServer};
use serde_json::{Value, json};

const KEY: &str = "ck_test_durabilitydurability0000";
/// The key the fixture `legacy-data-dir` was written with (by the JSON-file version).
const LEGACY_KEY: &str = "ck_test_legacylegacylegacy000000";
/// The database's file name in the data directory.
const DATABASE: &str = "craftkit-devserver.sqlite3";

/// An HTTP answer: the status and the JSON body (`Null` when there is none), or the transport
/// error of a request that got no answer.
type Answer = Result<(u16, Value), String>;

fn send(key: &str, method: &str, url: &str, body: Option<&Value>, idem: Option<&str>) -> Answer {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into();
    let auth = format!("Bearer {key}");
    let result = match (method, body) {
        ("GET", _) => agent.get(url).header("authorization", &auth).call(),
        ("DELETE", _) => agent.delete(url).header("authorization", &auth).call(),
        (_, Some(body)) => {
            let mut request = agent.post(url).header("authorization", &auth);
            if let Some(idem) = idem {
                request = request.header("idempotency-key", idem);
            }
            request.send_json(body)
        }
        (_, None) => agent.post(url).header("authorization", &auth).send_empty(),
    };
    let mut response = result.map_err(|e| e.to_string())?;
    let status = response.status().as_u16();
    let bytes = response
        .body_mut()
        .with_config()
        .limit(64 << 20)
        .read_to_vec()
        .map_err(|e| e.to_string())?;
    Ok((
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    ))
}

fn call(method: &str, url: &str, body: Option<&Value>) -> (u16, Value) {
    send(KEY, method, url, body, None).expect("the server answers")
}

/// A manifest of one text variable, named `name`.
fn note(slug: &str, name: &str) -> Value {
    json!({"replace": true, "slug": slug, "name": name, "pipeline": "html",
        "variables": [{"path": "text", "type": "text", "required": true}]})
}

/// An empty directory of this test process named after `what`.
fn fresh_dir(what: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("craftkit-durability-{what}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn config(dir: &Path, key: &str) -> Config {
    Config {
        keys: vec![key.to_owned()],
        data_dir: Some(dir.to_path_buf()),
        render_delay: Duration::from_millis(5),
        ..Config::default()
    }
}

/// Every published version of `slug` answers, from 1 to the latest, which is returned.
fn published_versions(base: &str, key: &str, slug: &str) -> u64 {
    let (status, latest) = send(
        key,
        "GET",
        &format!("{base}/v1/templates/{slug}"),
        None,
        None,
    )
    .expect("the server answers");
    assert_eq!(status, 200, "{latest}");
    let latest = latest["version"].as_u64().expect("a version");
    for version in 1..=latest {
        let (status, manifest) = send(
            key,
            "GET",
            &format!("{base}/v1/templates/{slug}?version={version}"),
            None,
            None,
        )
        .expect("the server answers");
        assert_eq!(
            (status, manifest["version"].as_u64()),
            (200, Some(version)),
            "version {version} of {latest} of `{slug}`: {manifest}"
        );
    }
    latest
}

/// The review's race: 800 concurrent creates (`replace: true`) and publishes of one slug. Each
/// answer is a 2xx or a 4xx that says why (a publish that found no draft), never a 5xx, and
/// the template has exactly as many versions as publishes were answered 200, before and after
/// a restart.
#[test]
fn concurrent_creates_and_publishes_of_one_slug_keep_every_version() {
    let dir = fresh_dir("race");
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let server = runtime
        .block_on(DevServer::start(config(&dir, KEY)))
        .unwrap();
    let base = server.url().to_owned();
    assert_eq!(
        call(
            "POST",
            &format!("{base}/v1/templates"),
            Some(&note("race", "v0"))
        )
        .0,
        201
    );
    let published = Arc::new(AtomicUsize::new(0));
    let failures = Arc::new(Mutex::new(Vec::new()));
    let threads: Vec<_> = (0..16)
        .map(|thread| {
            let (base, published, failures) = (base.clone(), published.clone(), failures.clone());
            std::thread::spawn(move || {
                for i in 0..50 {
                    let (status, body) = if (thread + i) % 2 == 0 {
                        let name = format!("t{thread}-{i}");
                        call(
                            "POST",
                            &format!("{base}/v1/templates"),
                            Some(&note("race", &name)),
                        )
                    } else {
                        call("POST", &format!("{base}/v1/templates/race/publish"), None)
                    };
                    match status {
                        200 => {
                            published.fetch_add(1, Ordering::SeqCst);
                        }
                        201 => {}
                        404 if body["error"]["type"] == "not_found" => {}
                        _ => failures.lock().unwrap().push((status, body)),
                    }
                }
            })
        })
        .collect();
    for thread in threads {
        thread.join().unwrap();
    }
    let failures = failures.lock().unwrap();
    assert!(
        failures.is_empty(),
        "{} answers were neither 2xx nor 404 not_found, the first: {:?}",
        failures.len(),
        failures.first()
    );
    let published = published.load(Ordering::SeqCst) as u64;
    assert!(published > 0);
    assert_eq!(published_versions(&base, KEY, "race"), published);
    runtime.block_on(server.stop());

    let server = runtime
        .block_on(DevServer::start(config(&dir, KEY)))
        .unwrap();
    assert_eq!(
        published_versions(server.url(), KEY, "race"),
        published,
        "after a restart"
    );
    runtime.block_on(server.stop());
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The `craftkit-devserver` program on `dir`: the child and the URL it printed first.
fn spawn_program(dir: &Path) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_craftkit-devserver"))
        .args([
            "--port",
            "0",
            "--key",
            KEY,
            "--render-ms",
            "1",
            "--workers",
            "2",
        ])
        .arg("--data-dir")
        .arg(dir)
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
    (child, base)
}

fn wait_succeeded(base: &str, id: &str, within: Duration) -> Value {
    let deadline = Instant::now() + within;
    loop {
        let (status, render) = call("GET", &format!("{base}/v1/renders/{id}"), None);
        assert_eq!(status, 200, "render {id}: {render}");
        if render["status"] == "succeeded" {
            return render;
        }
        assert!(Instant::now() < deadline, "not finished: {render}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A write the server answered with a 2xx before it was killed.
#[derive(Debug, Clone)]
enum Answered {
    Published {
        slug: String,
        version: u64,
        name: String,
    },
    Render {
        id: String,
        idempotency_key: Option<String>,
        body: Value,
    },
    Share {
        id: String,
        render_id: String,
        path: String,
    },
    Revoked {
        share_id: String,
        render_id: String,
        path: String,
    },
}

/// What one write of the storm asks for.
enum Write {
    Draft,
    Publish {
        slug: String,
    },
    Render {
        idempotency_key: Option<String>,
        body: Value,
    },
    Share,
    Revoke {
        share_id: String,
        render_id: String,
        path: String,
    },
}

/// The write number `i` of the storm, by `thread`: drafts and publishes of three slugs,
/// renders with and without an idempotency key, shares of `done` renders and revocations of
/// this thread's `shares`. `None` when the server did not answer (it was killed); else the
/// write to find after the restart, if any, or the answer that is neither a 2xx nor expected.
fn storm_write(
    base: &str,
    thread: usize,
    i: usize,
    done: &[String],
    shares: &mut Vec<(String, String, String)>,
) -> Option<Result<Option<Answered>, (u16, Value)>> {
    let slug = format!("storm-{}", i % 3);
    let (method, path, body, write) = match i % 6 {
        0 => {
            let manifest = note(&slug, &format!("n{thread}-{i}"));
            (
                "POST",
                "/v1/templates".to_owned(),
                Some(manifest),
                Write::Draft,
            )
        }
        1 => {
            let path = format!("/v1/templates/{slug}/publish");
            ("POST", path, None, Write::Publish { slug })
        }
        2 | 3 => {
            let body = json!({"data": {"text": format!("write {thread}-{i}")}});
            let idempotency_key = (i % 6 == 2).then(|| format!("storm-{thread}-{i}"));
            let write = Write::Render {
                idempotency_key,
                body: body.clone(),
            };
            (
                "POST",
                "/v1/templates/note/render".to_owned(),
                Some(body),
                write,
            )
        }
        4 => {
            let path = format!("/v1/renders/{}/shares", done[i % done.len()]);
            let label = json!({"label": format!("s{thread}-{i}")});
            ("POST", path, Some(label), Write::Share)
        }
        _ => {
            let Some((share_id, render_id, path)) = shares.pop() else {
                return Some(Ok(None));
            };
            let url = format!("/v1/shares/{share_id}");
            (
                "DELETE",
                url,
                None,
                Write::Revoke {
                    share_id,
                    render_id,
                    path,
                },
            )
        }
    };
    let idempotency_key = match &write {
        Write::Render {
            idempotency_key, ..
        } => idempotency_key.clone(),
        _ => None,
    };
    let answer = send(
        KEY,
        method,
        &format!("{base}{path}"),
        body.as_ref(),
        idempotency_key.as_deref(),
    );
    let (status, reply) = answer.ok()?;
    let text = |field: &str| reply[field].as_str().unwrap_or_default().to_owned();
    Some(match (write, status) {
        (Write::Draft, 201) => Ok(None),
        (Write::Publish { .. }, 404) if reply["error"]["type"] == "not_found" => Ok(None),
        (Write::Publish { slug }, 200) => Ok(Some(Answered::Published {
            slug,
            version: reply["version"].as_u64().unwrap_or(0),
            name: text("name"),
        })),
        (
            Write::Render {
                idempotency_key,
                body,
            },
            202,
        ) => Ok(Some(Answered::Render {
            id: text("id"),
            idempotency_key,
            body,
        })),
        (Write::Share, 201) => {
            let (id, render_id) = (text("id"), text("renderId"));
            let url = text("url");
            let path = url.splitn(4, '/').nth(3).unwrap_or_default().to_owned();
            shares.push((id.clone(), render_id.clone(), path.clone()));
            Ok(Some(Answered::Share {
                id,
                render_id,
                path,
            }))
        }
        (
            Write::Revoke {
                share_id,
                render_id,
                path,
            },
            200,
        ) => Ok(Some(Answered::Revoked {
            share_id,
            render_id,
            path,
        })),
        _ => Err((status, reply)),
    })
}

/// A server killed with SIGKILL in the middle of 1,000 mixed writes (from 8 clients at once)
/// and started again on the same directory has every write it answered with a 2xx, and
/// nothing torn: every version of every template answers, every render finishes, the
/// database passes SQLite's integrity check.
#[cfg(unix)]
#[test]
fn a_server_killed_in_the_middle_of_writes_keeps_every_answered_one() {
    let dir = fresh_dir("sigkill");
    let (mut child, base) = spawn_program(&dir);
    assert_eq!(
        call(
            "POST",
            &format!("{base}/v1/templates"),
            Some(&note("note", "Note"))
        )
        .0,
        201
    );
    assert_eq!(
        call("POST", &format!("{base}/v1/templates/note/publish"), None).0,
        200
    );
    let done: Vec<String> = (0..4)
        .map(|n| {
            let body = json!({"data": {"text": format!("setup {n}")}});
            let (status, render) = call(
                "POST",
                &format!("{base}/v1/templates/note/render"),
                Some(&body),
            );
            assert_eq!(status, 202, "{render}");
            let id = render["id"].as_str().unwrap().to_owned();
            wait_succeeded(&base, &id, Duration::from_secs(20));
            id
        })
        .collect();

    const WRITES: usize = 1_000;
    const KILL_AFTER: usize = 400;
    let next = Arc::new(AtomicUsize::new(0));
    let answered_count = Arc::new(AtomicUsize::new(0));
    let answered = Arc::new(Mutex::new(Vec::new()));
    let refused = Arc::new(Mutex::new(Vec::new()));
    let clients: Vec<_> = (0..8)
        .map(|thread| {
            let (base, done, next) = (base.clone(), done.clone(), next.clone());
            let (answered_count, answered, refused) =
                (answered_count.clone(), answered.clone(), refused.clone());
            std::thread::spawn(move || {
                let mut shares = Vec::new();
                loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    if i >= WRITES {
                        return;
                    }
                    match storm_write(&base, thread, i, &done, &mut shares) {
                        None => return,
                        Some(Ok(write)) => {
                            answered.lock().unwrap().extend(write);
                            answered_count.fetch_add(1, Ordering::SeqCst);
                        }
                        Some(Err(answer)) => refused.lock().unwrap().push(answer),
                    }
                }
            })
        })
        .collect();
    let deadline = Instant::now() + Duration::from_secs(120);
    while answered_count.load(Ordering::SeqCst) < KILL_AFTER {
        assert!(Instant::now() < deadline, "the storm is too slow");
        std::thread::sleep(Duration::from_millis(1));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    for client in clients {
        client.join().unwrap();
    }
    let refused = refused.lock().unwrap().clone();
    assert!(
        refused.is_empty(),
        "{} writes were refused, the first: {:?}",
        refused.len(),
        refused.first()
    );
    let answered = answered.lock().unwrap().clone();
    let started = next.load(Ordering::SeqCst).min(WRITES);
    assert!(
        started < WRITES,
        "the kill came after the last write ({started})"
    );

    let (mut child, base) = spawn_program(&dir);
    let mut revoked = std::collections::HashSet::new();
    for write in &answered {
        if let Answered::Revoked { share_id, .. } = write {
            revoked.insert(share_id.clone());
        }
    }
    let mut latest = std::collections::HashMap::new();
    let mut in_flight_revocations = 0;
    for write in &answered {
        match write {
            Answered::Published {
                slug,
                version,
                name,
            } => {
                let url = format!("{base}/v1/templates/{slug}?version={version}");
                let (status, manifest) = call("GET", &url, None);
                assert_eq!(
                    (status, &manifest["name"]),
                    (200, &json!(name)),
                    "{write:?}"
                );
                let max = latest.entry(slug.clone()).or_insert(0);
                *max = (*max).max(*version);
            }
            Answered::Render {
                id,
                idempotency_key,
                body,
            } => {
                let render = wait_succeeded(&base, id, Duration::from_secs(120));
                assert_eq!(render["id"], json!(id));
                if let Some(idem) = idempotency_key {
                    let url = format!("{base}/v1/templates/note/render");
                    let (status, replay) = send(KEY, "POST", &url, Some(body), Some(idem)).unwrap();
                    assert_eq!((status, &replay["id"]), (200, &json!(id)), "{write:?}");
                }
            }
            Answered::Share {
                id,
                render_id,
                path,
            }
            | Answered::Revoked {
                share_id: id,
                render_id,
                path,
            } => {
                let (status, list) = call(
                    "GET",
                    &format!("{base}/v1/renders/{render_id}/shares"),
                    None,
                );
                assert_eq!(status, 200);
                let share = list["data"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|s| s["id"] == json!(id))
                    .unwrap_or_else(|| panic!("{write:?} is gone: {list}"))
                    .clone();
                let link = send(KEY, "GET", &format!("{base}/{path}"), None, None)
                    .unwrap()
                    .0;
                if revoked.contains(id) {
                    assert!(share["revokedAt"].is_string(), "{write:?}: {share}");
                    assert_eq!(link, 404, "{write:?}");
                } else if share["revokedAt"].is_string() {
                    // A revocation sent but not answered before the kill: applied whole, or
                    // not at all. One client has at most one write in flight.
                    assert_eq!(link, 404, "{write:?}: {share}");
                    in_flight_revocations += 1;
                } else {
                    assert_eq!(link, 200, "{write:?}");
                }
            }
        }
    }
    assert!(
        in_flight_revocations <= 8,
        "{in_flight_revocations} shares revoked without an answer, more than the 8 writes in flight"
    );
    for (slug, answered_latest) in &latest {
        assert!(published_versions(&base, KEY, slug) >= *answered_latest);
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let database = rusqlite::Connection::open(dir.join(DATABASE)).unwrap();
    let check: String = database
        .query_row("PRAGMA integrity_check", [], |row| row.get(0))
        .unwrap();
    assert_eq!(check, "ok");
    eprintln!(
        "{} answered writes to look for (of {started} started before the kill): all present",
        answered.len()
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Copies `from` into `to`, recursively.
fn copy_dir(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.unwrap();
        let target = to.join(entry.path().strip_prefix(from).unwrap());
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// A data directory written by the JSON-file version (`fixtures/legacy-data-dir`: two
/// published versions and a draft of `note`, a public render with its PDF and idempotency
/// key, a share and a revoked one) is imported on the first start: everything answers as
/// before and the JSON files are moved aside; a second start imports nothing twice.
#[test]
fn a_data_directory_of_json_files_is_imported() {
    let dir = fresh_dir("legacy");
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/legacy-data-dir");
    copy_dir(&fixture, &dir);
    let project = "efd5c2361cd0447a8f960b69";
    let render_id = "rnd_JlmgQSJhajFBn50iryn5oR";
    let pdf = std::fs::read(
        fixture
            .join(project)
            .join(format!("renders/{render_id}.pdf")),
    )
    .unwrap();
    let check = |server: &DevServer, versions: u64| {
        let base = server.url();
        let get =
            |path: &str| send(LEGACY_KEY, "GET", &format!("{base}{path}"), None, None).unwrap();
        assert_eq!(published_versions(base, LEGACY_KEY, "note"), versions);
        assert_eq!(get("/v1/templates/note?version=1").1["name"], "Note one");
        assert_eq!(get("/v1/templates/note?version=2").1["name"], "Note two");
        let (status, render) = get(&format!("/v1/renders/{render_id}"));
        assert_eq!(
            (status, &render["status"]),
            (200, &json!("succeeded")),
            "{render}"
        );
        assert_eq!(server.render_count(LEGACY_KEY), 1);
        let download = ureq::get(format!("{base}/v1/renders/{render_id}/download"))
            .header("authorization", format!("Bearer {LEGACY_KEY}"))
            .call()
            .unwrap()
            .body_mut()
            .read_to_vec()
            .unwrap();
        assert_eq!(download, pdf, "the same PDF");
        assert_eq!(get("/files/k4OEr0NF0qgBYJcaR74QrL/kept.pdf").0, 200);
        assert_eq!(get("/s/DukbiahpyCZ1upTkqJU01X").0, 200, "the share");
        assert_eq!(get("/s/Zuvp8WfXgqu3WTWggRWm6h").0, 404, "the revoked share");
        let (_, shares) = get(&format!("/v1/renders/{render_id}/shares"));
        assert_eq!(shares["data"].as_array().map(Vec::len), Some(2), "{shares}");
        let body = json!({"data": {"text": "Kept across the upgrade"},
            "options": {"visibility": "public", "filename": "kept.pdf"}});
        let url = format!("{base}/v1/templates/note/render");
        let (status, replay) =
            send(LEGACY_KEY, "POST", &url, Some(&body), Some("legacy-key-1")).unwrap();
        assert_eq!(
            (status, &replay["id"]),
            (200, &json!(render_id)),
            "the idempotency key"
        );
        assert!(
            !dir.join(project).exists(),
            "the JSON files are moved aside"
        );
    };
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let server = runtime
        .block_on(DevServer::start(config(&dir, LEGACY_KEY)))
        .unwrap();
    check(&server, 2);
    // The imported draft publishes as the third version.
    let url = format!("{}/v1/templates/note/publish", server.url());
    let (status, manifest) = send(LEGACY_KEY, "POST", &url, None, None).unwrap();
    assert_eq!((status, &manifest["name"]), (200, &json!("Note draft")));
    runtime.block_on(server.stop());

    let server = runtime
        .block_on(DevServer::start(config(&dir, LEGACY_KEY)))
        .unwrap();
    check(&server, 3);
    runtime.block_on(server.stop());
    std::fs::remove_dir_all(&dir).unwrap();
}

/// What the server writes in the data directory is for its user alone: the directory and
/// its folders `0700`, the database, its WAL and the PDFs `0600` (finding 11: download and
/// share tokens were readable by every local user).
#[cfg(unix)]
#[test]
fn the_data_directory_is_private_to_its_user() {
    use std::os::unix::fs::PermissionsExt;

    let dir = fresh_dir("modes");
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let server = runtime
        .block_on(DevServer::start(config(&dir, KEY)))
        .unwrap();
    let base = server.url().to_owned();
    call(
        "POST",
        &format!("{base}/v1/templates"),
        Some(&note("note", "Note")),
    );
    call("POST", &format!("{base}/v1/templates/note/publish"), None);
    let body = json!({"data": {"text": "private"}, "options": {"visibility": "public"}});
    let (status, render) = call(
        "POST",
        &format!("{base}/v1/templates/note/render"),
        Some(&body),
    );
    assert_eq!(status, 202, "{render}");
    wait_succeeded(
        &base,
        render["id"].as_str().unwrap(),
        Duration::from_secs(20),
    );
    let mut seen = (0, 0);
    for entry in walkdir::WalkDir::new(&dir) {
        let entry = entry.unwrap();
        let mode = entry.metadata().unwrap().permissions().mode() & 0o777;
        if entry.file_type().is_dir() {
            assert_eq!(mode, 0o700, "{}", entry.path().display());
            seen.0 += 1;
        } else {
            assert_eq!(mode, 0o600, "{}", entry.path().display());
            seen.1 += 1;
        }
    }
    assert!(
        seen.0 >= 2 && seen.1 >= 3,
        "directories and files: {seen:?}"
    );
    runtime.block_on(server.stop());
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A database written by a newer version (a higher `user_version`) is not opened: the server
/// refuses to start and says what to do.
#[test]
fn a_database_of_a_newer_version_is_refused_with_what_to_do() {
    let dir = fresh_dir("newer");
    std::fs::create_dir_all(&dir).unwrap();
    rusqlite::Connection::open(dir.join(DATABASE))
        .unwrap()
        .pragma_update(None, "user_version", 99)
        .unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let error = runtime
        .block_on(DevServer::start(config(&dir, KEY)))
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("newer craftkit-devserver") && error.contains("another --data-dir"),
        "{error}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
