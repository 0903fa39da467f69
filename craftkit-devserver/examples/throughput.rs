//! Render throughput of the local server: PDFs per second, end to end (POST, render, poll).
//!
//! `cargo run --release -p craftkit-devserver --example throughput -- [RENDERS] [CONCURRENCY]`
//!
//! Starts the server in-process with no render delay and one worker per core, posts RENDERS
//! renders of a one-page document (the charter-handover fixture) CONCURRENCY at a time, waits
//! until every one has succeeded, and prints the rate.

use std::sync::Arc;
use std::time::{Duration, Instant};

use craftkit_devserver::{Config, DevServer};
use serde_json::Value;

#[tokio::main]
async fn main() {
    let mut args = std::env::args()
        .skip(1)
        .map(|a| a.parse::<usize>().expect("numbers"));
    let renders = args.next().unwrap_or(1000);
    let concurrency = args.next().unwrap_or(32);
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let config = Config {
        templates: craftkit_devserver::load_templates(format!("{dir}/manifests"))
            .expect("fixtures"),
        render_delay: Duration::ZERO,
        workers: cores,
        ..Config::default()
    };
    let server = DevServer::start(config).await.expect("server starts");
    let data: Value = serde_json::from_str(
        &std::fs::read_to_string(format!("{dir}/payloads/charter-handover.valid.json")).unwrap(),
    )
    .unwrap();
    let body = Arc::new(serde_json::to_vec(&serde_json::json!({ "data": data })).unwrap());
    let client = reqwest::Client::new();
    let base = server.url().to_owned();
    let auth = format!("Bearer {}", server.keys()[0]);

    let started = Instant::now();
    let semaphore = Arc::new(tokio::sync::Semaphore::new(concurrency));
    let mut tasks = Vec::with_capacity(renders);
    for _ in 0..renders {
        let permit = semaphore.clone().acquire_owned().await.unwrap();
        let (client, base, auth, body) = (client.clone(), base.clone(), auth.clone(), body.clone());
        tasks.push(tokio::spawn(async move {
            let _permit = permit;
            let created: Value = client
                .post(format!("{base}/v1/templates/charter-handover/render"))
                .header("authorization", &auth)
                .header("content-type", "application/json")
                .body(body.as_ref().clone())
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            let id = created["id"].as_str().unwrap().to_owned();
            loop {
                let render: Value = client
                    .get(format!("{base}/v1/renders/{id}"))
                    .header("authorization", &auth)
                    .send()
                    .await
                    .unwrap()
                    .json()
                    .await
                    .unwrap();
                match render["status"].as_str() {
                    Some("succeeded") => return render["pages"].as_u64().unwrap_or(0),
                    Some("failed") => panic!("render failed: {render}"),
                    _ => tokio::time::sleep(Duration::from_millis(2)).await,
                }
            }
        }));
    }
    let mut pages = 0;
    for task in tasks {
        pages += task.await.unwrap();
    }
    let elapsed = started.elapsed();
    println!(
        "{renders} renders ({pages} pages) in {:.2} s at concurrency {concurrency} on {cores} cores: {:.0} PDFs/s",
        elapsed.as_secs_f64(),
        renders as f64 / elapsed.as_secs_f64()
    );
    server.stop().await;
}
