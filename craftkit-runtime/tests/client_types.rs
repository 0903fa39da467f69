//! Types for what the API sends (issue 26, part 2, item 6): timestamps are `DateTime`s and a
//! malformed one is a decode error naming its field, never a panic; every call about one render
//! takes the same forms (an id, a `Render`, a handle: `RenderRef`); retry and wait settings
//! are built from their defaults.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::time::Duration;

use common::*;
use craftkit_runtime::DateTime;
use craftkit_runtime::client::{Client, Error, RenderRef, RenderStatus, RetryPolicy, Visibility};

/// A server on loopback that answers every request `200` with `body`.
fn answering(body: &'static str) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line.trim().is_empty() {
                    break;
                }
            }
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    url
}

#[tokio::test(flavor = "multi_thread")]
async fn a_malformed_timestamp_from_the_server_is_a_decode_error_naming_it() {
    let url = answering(
        r#"{"id":"rnd_1","object":"render","template":"invoice","templateVersion":1,
            "status":"succeeded","visibility":"private","createdAt":"2026-01-01T00:00:00.000Z",
            "completedAt":"yesterday at noon","downloadUrl":null,"filename":"invoice.pdf",
            "pages":1,"bytes":10,"error":null}"#,
    );
    let client = Client::builder()
        .key(KEY)
        .base_url(url)
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let error = client.get_render("rnd_1").await.expect_err("not RFC 3339");
    let Error::Decode {
        ref path,
        ref json_path,
        ref message,
        ..
    } = error
    else {
        panic!("not a decode error: {error:?}");
    };
    assert_eq!(path, "/v1/renders/rnd_1");
    assert_eq!(json_path, "completedAt");
    assert!(message.contains("yesterday at noon"), "{message}");
}

#[tokio::test(flavor = "multi_thread")]
async fn timestamps_are_datetimes_the_caller_can_compute_with() {
    let server = start_default().await;
    let client = client(&server);
    let render = client
        .render_and_wait(&valid_payload())
        .await
        .expect("succeeds");
    let created: &DateTime = &render.created_at;
    let completed: &DateTime = render.completed_at.as_ref().expect("terminal");
    assert_eq!(created.offset_seconds(), 0, "UTC: {created}");
    assert!(
        (completed.unix_timestamp(), completed.nanosecond())
            >= (created.unix_timestamp(), created.nanosecond()),
        "{created} then {completed}"
    );
    let share = client.share(&render, None).await.expect("shared");
    assert!(share.created_at.unix_timestamp() >= created.unix_timestamp());
    let revoked = client.revoke_share(&share.id).await.expect("revoked");
    let revoked_at: Option<&DateTime> = revoked.revoked_at.as_ref();
    assert!(revoked_at.is_some());
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn every_call_about_a_render_takes_its_id_the_render_or_its_handle() {
    let server = start_default().await;
    let client = client(&server);
    let handle = client
        .render(&valid_payload())
        .visibility(Visibility::Private)
        .send()
        .await
        .expect("accepted");
    let id: String = handle.id.clone();

    // wait: the handle, the id as &String and as &str.
    let render = client.wait(&handle).await.expect("by handle");
    assert_eq!(render.status, RenderStatus::Succeeded);
    assert_eq!(client.wait(&id).await.expect("by &String").id, id);
    assert_eq!(client.wait(id.as_str()).await.expect("by &str").id, id);
    // A terminal render is its own answer: no request.
    let before = server.requests().len();
    assert_eq!(client.wait(&render).await.expect("by render"), render);
    assert_eq!(server.requests().len(), before);

    assert_eq!(client.get_render(&render).await.expect("by render").id, id);
    assert_eq!(client.get_render(&handle).await.expect("by handle").id, id);

    // download: the render as it is, or the id, which fetches the render first.
    let by_render = client.download(&render).await.expect("by render");
    let by_id = client.download(id.as_str()).await.expect("by id");
    assert!(is_pdf(&by_render));
    assert_eq!(by_render, by_id);
    let dir = temp_dir("render-ref");
    let written = client
        .download_to_file(&id, dir.join("by-id.pdf"))
        .await
        .expect("to a file by id");
    assert_eq!(written, by_id.len() as u64);

    let share = client
        .share(&handle, Some("by handle"))
        .await
        .expect("share");
    client.share(&id, None).await.expect("share by id");
    let shares = client.shares(&render).await.expect("shares by render");
    assert_eq!(shares.len(), 2);
    assert!(shares.iter().any(|s| s.id == share.id));

    // The forms agree on the id.
    assert_eq!(RenderRef::from(&handle).id(), id);
    assert_eq!(RenderRef::from(&render).render(), Some(&render));
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_download_by_the_id_of_an_unfinished_render_says_so() {
    let server = start(craftkit_devserver::Config {
        render_delay: Duration::from_secs(30),
        ..config()
    })
    .await;
    let client = client(&server);
    let handle = client
        .render(&valid_payload())
        .send()
        .await
        .expect("accepted");
    let error = client
        .download(handle.id.as_str())
        .await
        .expect_err("queued");
    assert!(
        matches!(error, Error::NotReady { ref render_id, .. } if *render_id == handle.id),
        "{error:?}"
    );
    server.stop().await;
}
