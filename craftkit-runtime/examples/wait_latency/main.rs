//! How soon `wait()` notices a finished render, and how many GETs it takes.
//!
//! `cargo run --release -p craftkit-runtime --example wait_latency -- [RENDERS]` (default 5;
//! `benches/client.sh` runs it).
//!
//! A `craftkit-devserver` runs in-process with a render delay of 1 s, then 5 s; the client
//! (default [`WaitOptions`]) talks to it through a loopback proxy that records every
//! `GET /v1/renders/:id` on the wire, and that in a second pass renames the server's
//! `Retry-After` header, as a server that gives no hint would answer. For each render,
//! `render(..).send()` then `wait()`:
//!
//! - latency: when `wait()` returned minus the render's `completedAt` (the server's clock,
//!   milliseconds, same machine);
//! - GETs: render GETs the proxy saw for it;
//! - last pause: the gap between the last two GETs (or the POST and the only GET), the poll
//!   interval in force when the render was noticed.

mod proxy;

use std::time::{Duration, SystemTime};

use craftkit_devserver::{Config, DevServer};
use craftkit_runtime::client::{Client, Render, WaitOptions};
use proxy::Proxy;

/// The charter hand-over payload type, generated from `.craftkit/manifests`.
#[craftkit_runtime::craftkit_template("charter-handover")]
struct CharterHandover;

const KEY: &str = "ck_test_clientbenchprojectalpha00001";

/// One render's figures.
struct Sample {
    gets: usize,
    latency: Duration,
    last_pause: Duration,
    server_time: Duration,
}

#[tokio::main]
async fn main() {
    let renders = std::env::args()
        .nth(1)
        .map_or(5, |a| a.parse().expect("RENDERS is a number"));
    let manifests = concat!(env!("CARGO_MANIFEST_DIR"), "/../.craftkit/manifests");
    let data = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/fixtures/payloads/charter-handover.valid.json"
    );
    let payload: CharterHandover =
        serde_json::from_str(&std::fs::read_to_string(data).expect("the payload fixture reads"))
            .expect("the fixture is a CharterHandover");
    let wait = WaitOptions::default();
    println!(
        "{renders} renders per line, client WaitOptions {{ initial {:?}, max {:?} }}",
        wait.initial_interval(),
        wait.max_interval()
    );
    for delay in [Duration::from_secs(1), Duration::from_secs(5)] {
        let server = DevServer::start(Config {
            keys: vec![KEY.to_owned()],
            templates: craftkit_devserver::load_templates(manifests).expect("the manifests load"),
            render_delay: delay,
            workers: renders.max(1),
            ..Config::default()
        })
        .await
        .expect("the server starts");
        for strip_hint in [false, true] {
            let proxy = Proxy::start(server.addr().to_string(), strip_hint)
                .await
                .expect("the proxy listens");
            let client = Client::builder()
                .key(KEY)
                .base_url(&proxy.url)
                .wait_options(wait)
                .build()
                .expect("the client builds");
            let runs = (0..renders).map(|_| measure(&client, &proxy, &payload));
            let samples: Vec<Sample> = futures_util::future::join_all(runs)
                .await
                .into_iter()
                .collect::<Result<_, _>>()
                .unwrap_or_else(|e| panic!("a render failed: {e}"));
            report(delay, strip_hint, &samples);
        }
        server.stop().await;
    }
}

async fn measure(
    client: &Client,
    proxy: &Proxy,
    payload: &CharterHandover,
) -> Result<Sample, String> {
    let posted = SystemTime::now();
    let handle = client
        .render(payload)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let render = handle.wait().await.map_err(|e| e.to_string())?;
    let returned = SystemTime::now();
    let completed = completed_at(&render)?;
    let created = system_time(&render.created_at)?;
    let gets = proxy.gets_of(&render.id);
    let last_pause = match gets.as_slice() {
        [] => Duration::ZERO,
        [only] => only.duration_since(posted).unwrap_or_default(),
        [.., before, last] => last.duration_since(*before).unwrap_or_default(),
    };
    Ok(Sample {
        gets: gets.len(),
        latency: returned.duration_since(completed).unwrap_or_default(),
        last_pause,
        server_time: completed.duration_since(created).unwrap_or_default(),
    })
}

fn report(delay: Duration, strip_hint: bool, samples: &[Sample]) {
    let hint = if strip_hint {
        "no Retry-After"
    } else {
        "server Retry-After"
    };
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let mut latencies: Vec<f64> = samples.iter().map(|s| ms(s.latency)).collect();
    latencies.sort_by(f64::total_cmp);
    let gets_min = samples.iter().map(|s| s.gets).min().unwrap_or(0);
    let gets_max = samples.iter().map(|s| s.gets).max().unwrap_or(0);
    let within = samples.iter().all(|s| s.latency <= s.last_pause);
    let pauses: Vec<String> = samples
        .iter()
        .map(|s| format!("{:.0}", ms(s.last_pause)))
        .collect();
    let server: Vec<String> = samples
        .iter()
        .map(|s| format!("{:.0}", ms(s.server_time)))
        .collect();
    println!(
        "render delay {:.0} s, {hint:18}: GETs {gets_min}..{gets_max}, latency after completedAt median {:.0} ms, max {:.0} ms; last pause ms [{}]; within one poll interval: {}; server time ms [{}]",
        delay.as_secs_f64(),
        latencies
            .get(latencies.len() / 2)
            .copied()
            .unwrap_or(f64::NAN),
        latencies.last().copied().unwrap_or(f64::NAN),
        pauses.join(", "),
        if within { "yes" } else { "NO" },
        server.join(", "),
    );
}

fn completed_at(render: &Render) -> Result<SystemTime, String> {
    let at = render
        .completed_at
        .as_ref()
        .ok_or_else(|| format!("render {} has no completedAt", render.id))?;
    system_time(at)
}

/// A timestamp of the API (after 1970, as every render's is) as a `SystemTime`.
fn system_time(at: &craftkit_runtime::DateTime) -> Result<SystemTime, String> {
    let seconds = u64::try_from(at.unix_timestamp())
        .map_err(|_| format!("`{at}` is before 1970: not a timestamp of the API"))?;
    Ok(SystemTime::UNIX_EPOCH
        + Duration::from_secs(seconds)
        + Duration::from_nanos(u64::from(at.nanosecond())))
}
