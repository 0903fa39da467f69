//! The main job: builds a typed charter hand-over payload, renders it to a PDF through a
//! Craftkit server, and prints the file's path.
//!
//! Run: `cargo run -p craftkit-example-render`
//!
//! With `CRAFTKIT_API_URL` and `CRAFTKIT_API_KEY` set it talks to that server; without them it
//! starts the local server (`craftkit-devserver`) in-process with the workspace's manifest
//! cache, so it needs no network and no key. It speaks plain HTTP here; the typed client of
//! `craftkit-runtime` will replace these calls.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use craftkit_devserver::{Config, DevServer};
use craftkit_example_macro::{CharterHandover, sample_handover};
use craftkit_runtime::Template;
use serde_json::{Value, json};

type Error = Box<dyn std::error::Error>;

#[tokio::main]
async fn main() -> Result<(), Error> {
    let payload = sample_handover()?;
    payload.validate()?; // bounds the type system cannot express, checked before sending

    let env = (
        std::env::var("CRAFTKIT_API_URL").ok(),
        std::env::var("CRAFTKIT_API_KEY").ok(),
    );
    let (server, base, key) = match env {
        (Some(url), Some(key)) => (None, url.trim_end_matches('/').to_owned(), key),
        _ => {
            let cache = concat!(env!("CARGO_MANIFEST_DIR"), "/../../.craftkit/manifests");
            let config = Config {
                templates: craftkit_devserver::load_templates(cache)?,
                ..Config::default()
            };
            let server = DevServer::start(config).await?;
            let (url, key) = (server.url().to_owned(), server.keys()[0].clone());
            eprintln!("started the local Craftkit server at {url}");
            (Some(server), url, key)
        }
    };

    let http = reqwest::Client::new();
    let auth = format!("Bearer {key}");
    // One key per sign-off: a retry of this request can never render twice.
    let body = json!({ "data": payload, "options": { "filename": "handover-BK-2931.pdf" } });
    let response = http
        .post(format!(
            "{base}/v1/templates/{}/render",
            CharterHandover::SLUG
        ))
        .header("authorization", &auth)
        .header("content-type", "application/json")
        .header("idempotency-key", "signoff-BK-2931-2026-06-14")
        .body(serde_json::to_vec(&body)?)
        .send()
        .await?;
    let status = response.status();
    let render: Value = serde_json::from_slice(&response.bytes().await?)?;
    if !status.is_success() {
        return Err(format!("the render was refused ({status}): {render}").into());
    }
    let id = render["id"]
        .as_str()
        .ok_or("the answer has no render id")?
        .to_owned();
    eprintln!("render {id} accepted");

    let deadline = Instant::now() + Duration::from_secs(60);
    let render = loop {
        let render: Value = serde_json::from_slice(
            &http
                .get(format!("{base}/v1/renders/{id}"))
                .header("authorization", &auth)
                .send()
                .await?
                .bytes()
                .await?,
        )?;
        match render["status"].as_str() {
            Some("succeeded") => break render,
            Some("failed") => return Err(format!("the render failed: {}", render["error"]).into()),
            _ if Instant::now() > deadline => {
                return Err("the render did not finish within 60 s".into());
            }
            _ => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    };

    let pdf = http
        .get(format!("{base}/v1/renders/{id}/download"))
        .header("authorization", &auth)
        .send()
        .await?;
    if !pdf.status().is_success() {
        return Err(format!("the download failed: {}", pdf.status()).into());
    }
    let path = PathBuf::from("out").join(render["filename"].as_str().unwrap_or("handover.pdf"));
    tokio::fs::create_dir_all("out").await?;
    tokio::fs::write(&path, pdf.bytes().await?).await?;
    eprintln!("{} pages, {} bytes", render["pages"], render["bytes"]);
    println!("{}", std::fs::canonicalize(&path)?.display());
    if let Some(server) = server {
        server.stop().await;
    }
    Ok(())
}
