//! A loopback TCP proxy that sees the HTTP/1.1 traffic between the client and the server:
//! it records every `GET /v1/renders/:id` (when, which render) and can rename the server's
//! `Retry-After` header to an unknown one of the same length, as if the server sent none.

use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const GET: &[u8] = b"GET /v1/renders/";
const HINT: &[u8] = b"\r\nretry-after:";
const NO_HINT: &[u8] = b"\r\nx-no-hint-x:";

/// One `GET /v1/renders/:id` seen on the wire.
#[derive(Debug, Clone)]
pub struct Get {
    /// When its request line went through.
    pub at: SystemTime,
    /// The path after `/v1/renders/`.
    pub render_id: String,
}

/// A running proxy.
pub struct Proxy {
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    gets: Arc<Mutex<Vec<Get>>>,
}

impl Proxy {
    /// Listens on a free loopback port and forwards every connection to `upstream`
    /// (`host:port`); `strip_hint` hides the server's `Retry-After`.
    pub async fn start(upstream: String, strip_hint: bool) -> std::io::Result<Proxy> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}", listener.local_addr()?);
        let gets = Arc::new(Mutex::new(Vec::new()));
        let seen = gets.clone();
        tokio::spawn(async move {
            while let Ok((downstream, _)) = listener.accept().await {
                let Ok(upstream) = TcpStream::connect(&upstream).await else {
                    continue;
                };
                let _ = downstream.set_nodelay(true);
                let _ = upstream.set_nodelay(true);
                let (down_read, down_write) = downstream.into_split();
                let (up_read, up_write) = upstream.into_split();
                tokio::spawn(requests(down_read, up_write, seen.clone()));
                tokio::spawn(answers(up_read, down_write, strip_hint));
            }
        });
        Ok(Proxy { url, gets })
    }

    /// The GETs of `render_id` so far, in order.
    pub fn gets_of(&self, render_id: &str) -> Vec<SystemTime> {
        self.gets
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .filter(|g| g.render_id == render_id)
            .map(|g| g.at)
            .collect()
    }
}

/// Client to server, unchanged; request lines are scanned for render GETs.
async fn requests(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    gets: Arc<Mutex<Vec<Get>>>,
) {
    let mut buf = vec![0u8; 64 * 1024];
    let mut line = Vec::new();
    loop {
        let n = match from.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        let at = SystemTime::now();
        line.extend_from_slice(&buf[..n]);
        // Whole lines only; a body without a line end stays in front of the next request line.
        while let Some(end) = line.windows(2).position(|w| w == b"\r\n") {
            if let Some(start) = find(&line[..end], GET) {
                let rest = &line[start + GET.len()..end];
                let id = rest.split(|b| *b == b' ').next().unwrap_or_default();
                gets.lock().unwrap_or_else(|p| p.into_inner()).push(Get {
                    at,
                    render_id: String::from_utf8_lossy(id).into_owned(),
                });
            }
            line.drain(..end + 2);
        }
        if to.write_all(&buf[..n]).await.is_err() {
            break;
        }
    }
    let _ = to.shutdown().await;
}

/// Server to client; with `strip_hint`, `Retry-After` is renamed. Only a tail that could be
/// the start of the header is held back until the next read.
async fn answers(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    strip_hint: bool,
) {
    let mut buf = vec![0u8; 64 * 1024];
    let mut pending = Vec::new();
    loop {
        let n = match from.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        if !strip_hint {
            if to.write_all(&buf[..n]).await.is_err() {
                break;
            }
            continue;
        }
        pending.extend_from_slice(&buf[..n]);
        let mut from_index = 0;
        while let Some(at) = find(&pending[from_index..], HINT) {
            let at = from_index + at;
            pending[at..at + HINT.len()].copy_from_slice(NO_HINT);
            from_index = at + HINT.len();
        }
        let hold = (1..HINT.len())
            .rev()
            .find(|k| pending.len() >= *k && pending[pending.len() - k..] == HINT[..*k])
            .unwrap_or(0);
        let send = pending.len() - hold;
        if to.write_all(&pending[..send]).await.is_err() {
            break;
        }
        pending.drain(..send);
    }
    let _ = to.write_all(&pending).await;
    let _ = to.shutdown().await;
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}
