//! Proves the client's download and share calls against the local server: a public render's
//! PDF is fetched through its permanent public `downloadUrl` (without the key: even another
//! project's client gets it) with the same bytes as the key-bound endpoint; a private render
//! has no URL and downloads through the key only; `download_to` streams into any writer and
//! `download_to_file` leaves the whole file and no `.part`; and share links are created,
//! listed and revoked, their URL answering `404` (to a plain HTTP client) once revoked; and a
//! private download is retried like any GET (`503`; a `429` after its `Retry-After`; an
//! answer that breaks off before its first byte).

mod common;

use common::*;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use craftkit_devserver::{DevServer, Fault, FaultKind, FaultWhen};
use craftkit_runtime::client::{Client, Error, Render, RenderStatus, RetryPolicy, Visibility};

/// A server with two projects: [`KEY`] and [`OTHER_KEY`].
async fn two_projects() -> DevServer {
    start(craftkit_devserver::Config {
        keys: vec![KEY.to_owned(), OTHER_KEY.to_owned()],
        ..config()
    })
    .await
}

/// A plain HTTP GET without any key: status, content type and body.
async fn plain_get(url: &str) -> (u16, String, Vec<u8>) {
    let response = reqwest::Client::new()
        .get(url)
        .send()
        .await
        .expect("an answer");
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let body = response.bytes().await.expect("a body").to_vec();
    (status, content_type, body)
}

/// The same render as seen without its public URL: `download` then takes the key-bound
/// `GET /v1/renders/:id/download`.
fn without_url(render: &Render) -> Render {
    Render {
        download_url: None,
        ..render.clone()
    }
}

async fn rendered(client: &Client, visibility: Visibility) -> Render {
    let render = client
        .render(&valid_payload())
        .visibility(visibility)
        .filename("handover-BK-2931.pdf")
        .send()
        .await
        .expect("accepted")
        .wait()
        .await
        .expect("succeeds");
    assert_eq!(render.visibility, visibility);
    render
}

#[tokio::test(flavor = "multi_thread")]
async fn a_public_render_downloads_through_its_public_url() {
    let server = two_projects().await;
    let client = client(&server);
    let render = rendered(&client, Visibility::Public).await;

    let url = render
        .download_url
        .clone()
        .expect("a public render has a downloadUrl");
    assert!(
        url.starts_with("http://") && url.ends_with("/handover-BK-2931.pdf"),
        "{url}"
    );
    let public = client.download(&render).await.expect("downloaded");
    assert!(is_pdf(&public), "a whole PDF");
    assert_eq!(Some(public.len() as u64), render.bytes);

    // The key-bound endpoint serves the same bytes.
    let private = client
        .download(&without_url(&render))
        .await
        .expect("downloaded with the key");
    assert_eq!(public, private);

    // The URL is public: no key needed.
    let (status, content_type, body) = plain_get(&url).await;
    assert_eq!((status, content_type.as_str()), (200, "application/pdf"));
    assert_eq!(body, public);

    // Proof that `download` took the public URL: another project's client gets the PDF
    // through it, while the key-bound endpoint does not reveal the render to that key.
    let other = client_with(&server, OTHER_KEY, fast_retry());
    assert_eq!(other.download(&render).await.expect("public"), public);
    let error = other
        .download(&without_url(&render))
        .await
        .expect_err("another project");
    let api = error
        .api()
        .unwrap_or_else(|| panic!("expected Error::Api, got {error:?}"));
    assert_eq!((api.status, api.kind.as_str()), (404, "not_found"));
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_private_render_has_no_url_and_downloads_with_the_key_only() {
    let server = two_projects().await;
    let client = client(&server);
    let render = rendered(&client, Visibility::Private).await;

    assert_eq!(
        render.download_url, None,
        "no public URL for a private render"
    );
    let pdf = client
        .download(&render)
        .await
        .expect("downloaded with the key");
    assert!(is_pdf(&pdf));
    assert_eq!(Some(pdf.len() as u64), render.bytes);

    let endpoint = format!("{}/v1/renders/{}/download", server.url(), render.id);
    let (status, _, _) = plain_get(&endpoint).await;
    assert_eq!(status, 401, "the endpoint needs the key");

    let other = client_with(&server, OTHER_KEY, fast_retry());
    for error in [
        other.download(&render).await.expect_err("another project"),
        other
            .get_render(&render.id)
            .await
            .expect_err("another project"),
    ] {
        let api = error
            .api()
            .unwrap_or_else(|| panic!("expected Error::Api, got {error:?}"));
        assert_eq!(
            (api.status, api.kind.as_str()),
            (404, "not_found"),
            "never reveals it"
        );
    }
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn download_to_streams_into_a_vec_and_download_to_file_leaves_no_part_file() {
    let server = start_default().await;
    let client = client(&server);

    for visibility in [Visibility::Public, Visibility::Private] {
        let render = rendered(&client, visibility).await;
        let whole = client.download(&render).await.expect("downloaded");

        let mut buffer: Vec<u8> = Vec::new();
        let written = client
            .download_to(&render, &mut buffer)
            .await
            .expect("streamed");
        assert_eq!(written, buffer.len() as u64);
        assert_eq!(Some(written), render.bytes);
        assert_eq!(buffer, whole, "{visibility:?}");

        let dir = temp_dir("download");
        let path = dir.join("handover.pdf");
        let written = client
            .download_to_file(&render, &path)
            .await
            .expect("written");
        assert_eq!(Some(written), render.bytes);
        assert_eq!(
            std::fs::read(&path).expect("the file exists"),
            whole,
            "{visibility:?}"
        );
        let names: Vec<String> = std::fs::read_dir(&dir)
            .expect("listed")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["handover.pdf"], "no `.part` is left");

        // A second download replaces the file in place.
        client
            .download_to_file(&render, &path)
            .await
            .expect("written again");
        assert_eq!(std::fs::read(&path).expect("the file exists"), whole);
        std::fs::remove_dir_all(&dir).expect("cleaned up");
    }
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_render_that_has_not_succeeded_is_not_downloaded_and_leaves_no_file() {
    let server = start(craftkit_devserver::Config {
        render_delay: Duration::from_secs(2),
        ..config()
    })
    .await;
    let client = client(&server);
    let queued = client
        .render(&valid_payload())
        .send()
        .await
        .expect("accepted")
        .into_render();
    assert_ne!(queued.status, RenderStatus::Succeeded);

    let mut buffer = Vec::new();
    assert!(client.download_to(&queued, &mut buffer).await.is_err());
    assert!(buffer.is_empty());
    let dir = temp_dir("not-ready");
    let error = client
        .download_to_file(&queued, dir.join("early.pdf"))
        .await
        .expect_err("queued");
    assert!(error.to_string().contains(&queued.id), "{error}");
    assert_eq!(
        std::fs::read_dir(&dir).expect("listed").count(),
        0,
        "no file, no `.part`"
    );
    std::fs::remove_dir_all(&dir).expect("cleaned up");

    // Nor can it be shared yet.
    let error = client.share(&queued.id, None).await.expect_err("409");
    let api = error
        .api()
        .unwrap_or_else(|| panic!("expected Error::Api, got {error:?}"));
    assert_eq!((api.status, api.kind.as_str()), (409, "render_not_ready"));
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn shares_are_created_listed_and_revoked_and_a_revoked_url_is_a_404() {
    let server = start_default().await;
    let client = client(&server);
    let render = rendered(&client, Visibility::Private).await;
    let pdf = client.download(&render).await.expect("downloaded");

    let labelled = client
        .share(&render.id, Some("for the charterer"))
        .await
        .expect("created");
    assert!(labelled.id.starts_with("shr_"), "{}", labelled.id);
    assert_eq!(labelled.object, "share");
    assert_eq!(labelled.render_id, render.id);
    assert_eq!(labelled.label.as_deref(), Some("for the charterer"));
    assert_eq!(labelled.revoked_at, None);
    let plain = client.share(&render.id, None).await.expect("created");
    assert_eq!(plain.label, None);
    assert_ne!(plain.url, labelled.url);

    let listed = client.shares(&render.id).await.expect("listed");
    let ids: Vec<&str> = listed.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids.len(), 2);
    assert!(ids.contains(&labelled.id.as_str()) && ids.contains(&plain.id.as_str()));
    assert_eq!(listed.iter().find(|s| s.id == labelled.id), Some(&labelled));

    // A share URL works without the key, even for a private render.
    let (status, content_type, body) = plain_get(&labelled.url).await;
    assert_eq!((status, content_type.as_str()), (200, "application/pdf"));
    assert_eq!(body, pdf);

    let revoked = client.revoke_share(&labelled.id).await.expect("revoked");
    assert_eq!(revoked.id, labelled.id);
    assert!(revoked.revoked_at.is_some());
    let (status, _, _) = plain_get(&labelled.url).await;
    assert_eq!(status, 404, "a revoked link answers 404");
    let (status, _, body) = plain_get(&plain.url).await;
    assert_eq!(
        (status, body),
        (200, pdf.to_vec()),
        "the other link still works"
    );

    let again = client
        .revoke_share(&labelled.id)
        .await
        .expect("revoking twice is revoking once");
    assert_eq!(again.revoked_at, revoked.revoked_at);
    let listed = client.shares(&render.id).await.expect("listed");
    let entry = listed
        .iter()
        .find(|s| s.id == labelled.id)
        .expect("still listed");
    assert_eq!(entry.revoked_at, revoked.revoked_at);

    for error in [
        client
            .share("rnd_doesnotexist000000000", None)
            .await
            .expect_err("404"),
        client
            .shares("rnd_doesnotexist000000000")
            .await
            .expect_err("404"),
        client
            .revoke_share("shr_doesnotexist000000000")
            .await
            .expect_err("404"),
    ] {
        let Error::Api(api) = &error else {
            panic!("expected Error::Api, got {error:?}");
        };
        assert_eq!(
            (api.status, api.kind.as_str()),
            (404, "not_found"),
            "{error}"
        );
    }
    server.stop().await;
}

/// A server whose API request number 2 meets `fault`, a private render accepted by request 1
/// and given time to finish, and that render as succeeded (without asking the server, so that
/// the next API request, number 2, is the download).
async fn private_render_then(fault: FaultKind) -> (DevServer, Client, Render) {
    private_render_with(vec![2], fault, fast_retry()).await
}

/// Like [`private_render_then`], with `fault` on each of `requests` and the client's `retry`.
async fn private_render_with(
    requests: Vec<u64>,
    fault: FaultKind,
    retry: RetryPolicy,
) -> (DevServer, Client, Render) {
    let server = start(craftkit_devserver::Config {
        faults: vec![Fault {
            kind: fault,
            when: FaultWhen::Requests(requests),
        }],
        ..config()
    })
    .await;
    let client = client_with(&server, KEY, retry);
    let accepted = client
        .render(&valid_payload())
        .visibility(Visibility::Private)
        .send()
        .await
        .expect("request 1: accepted")
        .into_render();
    // A render takes 15 ms here; the PDF a few tens more.
    tokio::time::sleep(Duration::from_millis(600)).await;
    let render = Render {
        status: RenderStatus::Succeeded,
        ..accepted
    };
    (server, client, render)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_private_download_is_retried_on_a_503() {
    let (server, client, render) = private_render_then(FaultKind::Status(503)).await;
    let pdf = client
        .download(&render)
        .await
        .expect("request 2: 503, then retried");
    assert!(is_pdf(&pdf));
    assert_eq!(client.download(&render).await.expect("again"), pdf);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_private_download_dropped_without_an_answer_is_retried() {
    let (server, client, render) = private_render_then(FaultKind::Drop).await;
    let mut buffer = Vec::new();
    let written = client
        .download_to(&render, &mut buffer)
        .await
        .expect("request 2 dropped");
    assert_eq!(written, buffer.len() as u64);
    assert!(is_pdf(&buffer));
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_download_that_keeps_failing_ends_as_any_get_does() {
    // Requests 2 to 4 (the download's three attempts) answer 503: the same retry policy as a
    // JSON GET, and the same error at its end, the API's answer with its request id.
    let retry = fast_retry().with_max_retries(2);
    let (server, client, render) =
        private_render_with(vec![2, 3, 4], FaultKind::Status(503), retry).await;
    let error = client.download(&render).await.expect_err("three 503s");
    let Error::Api(failure) = &error else {
        panic!("expected the API's answer, got {error:?}");
    };
    assert_eq!(failure.status, 503);
    assert_eq!(failure.attempts, 3, "{error}");
    assert_eq!(failure.method, "GET");
    assert_eq!(failure.path, format!("/v1/renders/{}/download", render.id));
    assert!(failure.request_id.is_some(), "{failure:?}");
    assert!(error.to_string().contains("3 attempts"), "{error}");
    // Request 5 is answered: the next download succeeds.
    assert!(is_pdf(&client.download(&render).await.expect("request 5")));
    server.stop().await;
}

/// A file host on 127.0.0.1 that answers its first connection with a head and then closes
/// it before any byte of the body, and every later one with `body`. Returns its URL and how
/// many connections it took.
fn flaky_file_host(body: Vec<u8>) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!(
        "http://{}/r/flaky/handover.pdf",
        listener.local_addr().expect("addr")
    );
    let connections = Arc::new(AtomicUsize::new(0));
    let counter = connections.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let n = counter.fetch_add(1, Ordering::SeqCst);
            let mut request = [0u8; 4096];
            let _ = stream.read(&mut request);
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/pdf\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(head.as_bytes());
            if n > 0 {
                let _ = stream.write_all(&body);
            }
            let _ = stream.flush();
        }
    });
    (url, connections)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_download_broken_off_before_its_first_byte_is_retried() {
    let server = start_default().await;
    let client = client(&server);
    let render = client
        .render_and_wait(&valid_payload())
        .await
        .expect("succeeds");
    let pdf = client.download(&render).await.expect("downloaded");

    // The public URL may be on another host; this one breaks its first answer off.
    let (url, connections) = flaky_file_host(pdf.to_vec());
    let render = Render {
        download_url: Some(url),
        ..render
    };
    let mut buffer = Vec::new();
    let result = client.download_to(&render, &mut buffer).await;
    assert!(connections.load(Ordering::SeqCst) >= 1);
    let written = result.expect("no byte was written: the failure is retried, as documented");
    assert_eq!(written, pdf.len() as u64);
    assert_eq!(buffer, pdf);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_private_download_answered_429_waits_for_its_retry_after() {
    let (server, client, render) =
        private_render_then(FaultKind::RateLimited(Duration::from_millis(400))).await;
    let started = Instant::now();
    let pdf = client
        .download(&render)
        .await
        .expect("request 2: 429, then retried");
    assert!(is_pdf(&pdf));
    assert!(
        started.elapsed() >= Duration::from_millis(400),
        "the client waits at least Retry-After (0.4 s), waited {:?}",
        started.elapsed()
    );
    server.stop().await;
}
