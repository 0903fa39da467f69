//! A hostile server's huge answers: a JSON answer over `MAX_ANSWER_BYTES` is refused (by its
//! `Content-Length` before reading, or counted while reading), while a PDF download of the same
//! size still streams.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use craftkit_runtime::client::{Client, Error, MAX_ANSWER_BYTES, Render, RenderStatus, Visibility};

const KEY: &str = "ck_test_answerlimitsclienttests0001";

/// How the fake server answers every request.
#[derive(Clone, Copy)]
enum Answer {
    /// A `Content-Length` of 1 TiB and a few bytes, then nothing (the connection stays open).
    DeclaredHuge,
    /// A chunked JSON array of zeros, `bytes` long, with no `Content-Length`.
    Chunked { bytes: usize },
    /// A `Content-Length` body of `bytes` bytes.
    Sized { bytes: usize },
}

/// A fake server on loopback answering every request with `answer`; returns its URL and how
/// many requests it took.
fn fake_server(answer: Answer) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let requests = Arc::new(AtomicUsize::new(0));
    let counter = requests.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { return };
            counter.fetch_add(1, Ordering::SeqCst);
            std::thread::spawn(move || {
                let _ = serve(stream, answer);
            });
        }
    });
    (url, requests)
}

fn serve(mut stream: TcpStream, answer: Answer) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 || line.trim().is_empty() {
            break;
        }
    }
    match answer {
        Answer::DeclaredHuge => {
            stream.write_all(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1099511627776\r\n\r\n[0,",
            )?;
            stream.flush()?;
            std::thread::sleep(Duration::from_secs(30));
        }
        Answer::Chunked { bytes } => {
            stream.write_all(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n",
            )?;
            let chunk = "0,".repeat(32 * 1024);
            let mut sent = 0;
            write!(stream, "1\r\n[\r\n")?;
            while sent + chunk.len() < bytes {
                write!(stream, "{:x}\r\n{chunk}\r\n", chunk.len())?;
                sent += chunk.len();
            }
            write!(stream, "2\r\n0]\r\n0\r\n\r\n")?;
        }
        Answer::Sized { bytes } => {
            write!(
                stream,
                "HTTP/1.1 200 OK\r\nContent-Type: application/pdf\r\nContent-Length: {bytes}\r\nConnection: close\r\n\r\n"
            )?;
            let block = vec![b'%'; 64 * 1024];
            let mut sent = 0;
            while sent < bytes {
                let n = block.len().min(bytes - sent);
                stream.write_all(&block[..n])?;
                sent += n;
            }
        }
    }
    stream.flush()
}

fn client(url: &str) -> Client {
    Client::builder()
        .key(KEY)
        .base_url(url)
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_declared_content_length_over_the_limit_is_refused_before_reading() {
    let (url, requests) = fake_server(Answer::DeclaredHuge);
    let started = Instant::now();
    let error = client(&url)
        .template("charter-handover")
        .await
        .expect_err("over the limit");
    assert!(
        matches!(
            error,
            Error::AnswerTooLarge {
                limit: MAX_ANSWER_BYTES,
                content_length: Some(1_099_511_627_776),
                ..
            }
        ),
        "{error:?}"
    );
    let message = error.to_string();
    assert!(
        message.contains("GET /v1/templates/charter-handover")
            && message.contains("over 32 MiB")
            && message.contains("Content-Length: 1099511627776"),
        "{message}"
    );
    // Refused at the head, not at the timeout, and not asked again.
    assert!(started.elapsed() < Duration::from_secs(10));
    assert_eq!(requests.load(Ordering::SeqCst), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_chunked_answer_is_read_only_up_to_the_limit() {
    let (url, requests) = fake_server(Answer::Chunked {
        bytes: (MAX_ANSWER_BYTES + (8 << 20)) as usize,
    });
    let error = client(&url)
        .template("charter-handover")
        .await
        .expect_err("over the limit");
    assert!(
        matches!(
            error,
            Error::AnswerTooLarge {
                content_length: None,
                ..
            }
        ),
        "{error:?}"
    );
    assert!(
        error.to_string().contains("counted while reading"),
        "{error}"
    );
    assert_eq!(requests.load(Ordering::SeqCst), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_download_over_the_json_limit_still_streams() {
    let bytes = (MAX_ANSWER_BYTES + (8 << 20)) as usize;
    let (url, _) = fake_server(Answer::Sized { bytes });
    let render = Render {
        id: "rnd_big".into(),
        object: "render".into(),
        template: "charter-handover".into(),
        template_version: 12,
        status: RenderStatus::Succeeded,
        visibility: Visibility::Public,
        created_at: "2026-12-05T00:00:00.000Z".parse().unwrap(),
        completed_at: Some("2026-12-05T00:00:01.000Z".parse().unwrap()),
        download_url: Some(format!("{url}/files/big.pdf")),
        filename: "big.pdf".into(),
        pages: Some(1),
        bytes: Some(bytes as u64),
        error: None,
        warnings: Vec::new(),
    };
    let written = client(&url)
        .download_to(&render, &mut tokio::io::sink())
        .await
        .expect("downloads stream with no JSON limit");
    assert_eq!(written, bytes as u64);
}
