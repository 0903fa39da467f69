//! The client against hand-written reqwest code doing the same HTTP requests.
//!
//! `cargo run --release -p craftkit-runtime --example client_throughput -- [RENDERS] [CONCURRENCY] [ROUNDS]`
//! (defaults 1000, 64, 5; `benches/client.sh` runs it).
//!
//! One tokio runtime holds a `craftkit-devserver` (render delay 0, one worker per core) and
//! both callers. Each round runs RENDERS typed `charter-handover` renders, CONCURRENCY at a
//! time, once through [`Client`] (`render(..).idempotency_key(..).send()` then `wait()`) and
//! once through plain reqwest (POST `/v1/templates/charter-handover/render` with the JSON
//! body and an `Idempotency-Key`, then GET `/v1/renders/:id` until terminal, honouring
//! `Retry-After`), in alternating order. Two polling policies are measured:
//!
//! - `hinted`: the client's default [`WaitOptions`] (the server's `Retry-After`, 0.1 s here,
//!   capped at 2 s); throughput is then mostly the polling pause, as for a user.
//! - `tight`: at most 1 ms between polls, so that the per-request cost of each caller shows.
//!
//! Both callers use a `reqwest::Client` built with the same settings (the client's defaults:
//! 10 s connect timeout, 30 s timeout, default pool), serialize the same typed payload per
//! request, decode every answer into the same [`Render`] type and follow the same pause
//! schedule. What only the client does: `Template::validate` before sending, the payload
//! through `serde_json::Value`, `serde_path_to_error` decoding, a tracing span per attempt,
//! and the retry wrapper (never taken here: no faults).

use std::sync::Arc;
use std::time::{Duration, Instant};

use craftkit_devserver::{Config, DevServer};
use craftkit_runtime::client::{Client, Render, RenderStatus, WaitOptions};
use futures_util::StreamExt;

/// The charter hand-over payload type, generated from `.craftkit/manifests`.
#[craftkit_runtime::craftkit_template("charter-handover")]
struct CharterHandover;

const KEY: &str = "ck_test_clientbenchprojectalpha00001";
const SLUG: &str = "charter-handover";

/// The same settings the client gives its own `reqwest::Client`.
fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(10))
        .timeout(Duration::from_secs(30))
        .user_agent("craftkit-bench/plain")
        .build()
        .expect("the HTTP client builds")
}

#[derive(Clone, Copy, Debug)]
enum Caller {
    Client,
    Plain,
}

struct Setup {
    client: Client,
    http: reqwest::Client,
    base: String,
    auth: String,
    payload: Arc<CharterHandover>,
    wait: WaitOptions,
}

fn main() {
    let mut args = std::env::args()
        .skip(1)
        .map(|a| a.parse::<usize>().expect("arguments are numbers"));
    let renders = args.next().unwrap_or(1000);
    let concurrency = args.next().unwrap_or(64);
    let rounds = args.next().unwrap_or(5);
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(cores)
        .enable_all()
        .build()
        .expect("the runtime starts");
    runtime.block_on(run(renders, concurrency, rounds, cores));
}

async fn run(renders: usize, concurrency: usize, rounds: usize, cores: usize) {
    let manifests = concat!(env!("CARGO_MANIFEST_DIR"), "/../.craftkit/manifests");
    let data = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/fixtures/payloads/charter-handover.valid.json"
    );
    let server = DevServer::start(Config {
        keys: vec![KEY.to_owned()],
        templates: craftkit_devserver::load_templates(manifests).expect("the manifests load"),
        render_delay: Duration::ZERO,
        workers: cores,
        ..Config::default()
    })
    .await
    .expect("the server starts");
    let payload: CharterHandover =
        serde_json::from_str(&std::fs::read_to_string(data).expect("the payload fixture reads"))
            .expect("the fixture is a CharterHandover");
    let payload = Arc::new(payload);
    println!(
        "{renders} renders per run, concurrency {concurrency}, {rounds} rounds, {cores} cores, render delay 0"
    );
    for (policy, wait) in [
        ("hinted", WaitOptions::default()),
        (
            "tight",
            WaitOptions::default()
                .with_initial_interval(Duration::from_millis(1))
                .with_max_interval(Duration::from_millis(1)),
        ),
    ] {
        let client = Client::builder()
            .key(KEY)
            .base_url(server.url())
            .wait_options(wait)
            .build()
            .expect("the client builds");
        let setup = Arc::new(Setup {
            client,
            http: http_client(),
            base: server.url().to_owned(),
            auth: format!("Bearer {KEY}"),
            payload: payload.clone(),
            wait,
        });
        // Warm-up: connections, allocator, the server's maps.
        for caller in [Caller::Client, Caller::Plain] {
            batch(&setup, caller, renders / 10, concurrency, "warm").await;
        }
        let (mut client_rates, mut plain_rates) = (Vec::new(), Vec::new());
        let (mut client_cpu, mut plain_cpu) = (Vec::new(), Vec::new());
        for round in 0..rounds {
            let order = if round % 2 == 0 {
                [Caller::Client, Caller::Plain]
            } else {
                [Caller::Plain, Caller::Client]
            };
            for caller in order {
                let tag = format!("{policy}-{round}");
                let (rate, cpu) = batch(&setup, caller, renders, concurrency, &tag).await;
                println!(
                    "  {policy:6} round {round} {caller:6?}: {rate:7.1} renders/s, {cpu:5.2} CPU ms per render"
                );
                match caller {
                    Caller::Client => (client_rates.push(rate), client_cpu.push(cpu)),
                    Caller::Plain => (plain_rates.push(rate), plain_cpu.push(cpu)),
                };
            }
        }
        let (client_rate, plain_rate) = (median(&mut client_rates), median(&mut plain_rates));
        println!(
            "{policy}: client {client_rate:.1} renders/s, plain reqwest {plain_rate:.1} renders/s (medians), client/plain = {:.3}",
            client_rate / plain_rate
        );
        let (client_cpu, plain_cpu) = (median(&mut client_cpu), median(&mut plain_cpu));
        println!(
            "{policy}: CPU per render (server included) client {client_cpu:.2} ms, plain reqwest {plain_cpu:.2} ms (medians), plain/client = {:.3}",
            plain_cpu / client_cpu
        );
    }
    server.stop().await;
}

/// Runs `count` renders `concurrency` at a time: renders per second of wall time, and CPU
/// milliseconds of the whole process (server included) per render.
async fn batch(
    setup: &Arc<Setup>,
    caller: Caller,
    count: usize,
    concurrency: usize,
    tag: &str,
) -> (f64, f64) {
    let started = Instant::now();
    let cpu_started = cpu_seconds();
    let done = futures_util::stream::iter(0..count)
        .map(|i| {
            let setup = setup.clone();
            let key = format!("bench-{tag}-{caller:?}-{i}");
            async move {
                let render = match caller {
                    Caller::Client => setup
                        .client
                        .render(setup.payload.as_ref())
                        .idempotency_key(key)
                        .send()
                        .await
                        .map_err(|e| e.to_string())?
                        .wait()
                        .await
                        .map_err(|e| e.to_string())?,
                    Caller::Plain => plain_render(&setup, key).await?,
                };
                if render.status == RenderStatus::Succeeded {
                    Ok(())
                } else {
                    Err(format!("render {} ended {:?}", render.id, render.status))
                }
            }
        })
        .buffer_unordered(concurrency)
        .collect::<Vec<Result<(), String>>>()
        .await;
    let elapsed = started.elapsed().as_secs_f64();
    let cpu = cpu_seconds() - cpu_started;
    if let Some(Err(error)) = done.iter().find(|r| r.is_err()) {
        panic!("a {caller:?} render failed: {error}");
    }
    (count as f64 / elapsed, cpu * 1000.0 / count as f64)
}

/// User and system CPU time of this process so far, from `/proc/self/stat` (clock ticks of
/// 10 ms); 0 where there is no such file.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // The fields after the command name, which is in parentheses and may hold spaces.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map_or("", |(_, rest)| rest)
        .split_whitespace()
        .collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // utime and stime: fields 14 and 15 of the line, indexes 11 and 12 after the name.
    (ticks(11) + ticks(12)) / 100.0
}

/// What a user writes without the client: POST the render, then poll it until terminal,
/// starting from the POST's answer (so the first GET comes after a pause), honouring
/// `Retry-After` (capped at `max_interval`), else backing off from `initial_interval` by 1.5x
/// (the client's own schedule, mirrored).
async fn plain_render(setup: &Setup, key: String) -> Result<Render, String> {
    let body = serde_json::to_vec(&serde_json::json!({ "data": setup.payload.as_ref() }))
        .map_err(|e| e.to_string())?;
    let response = setup
        .http
        .post(format!("{}/v1/templates/{SLUG}/render", setup.base))
        .header("authorization", &setup.auth)
        .header("content-type", "application/json")
        .header("idempotency-key", key)
        .body(body)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    if !response.status().is_success() {
        return Err(format!("POST answered {}", response.status()));
    }
    let bytes = response.bytes().await.map_err(|e| e.to_string())?;
    let mut render: Render = serde_json::from_slice(&bytes).map_err(|e| e.to_string())?;
    let mut interval = setup.wait.initial_interval();
    let mut hint = None;
    while !matches!(
        render.status,
        RenderStatus::Succeeded | RenderStatus::Failed
    ) {
        let pause = match hint {
            Some(hint) => std::cmp::min(hint, setup.wait.max_interval()),
            None => {
                let pause = interval;
                interval = interval.mul_f64(1.5).min(setup.wait.max_interval());
                pause
            }
        };
        tokio::time::sleep(pause).await;
        let response = setup
            .http
            .get(format!("{}/v1/renders/{}", setup.base, render.id))
            .header("authorization", &setup.auth)
            .send()
            .await
            .map_err(|e| e.to_string())?;
        if !response.status().is_success() {
            return Err(format!("GET answered {}", response.status()));
        }
        hint = response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<f64>().ok())
            .filter(|s| s.is_finite() && *s >= 0.0)
            .map(Duration::from_secs_f64);
        let bytes = response.bytes().await.map_err(|e| e.to_string())?;
        render = serde_json::from_slice(&bytes).map_err(|e| e.to_string())?;
    }
    Ok(render)
}

fn median(rates: &mut [f64]) -> f64 {
    rates.sort_by(f64::total_cmp);
    rates.get(rates.len() / 2).copied().unwrap_or(f64::NAN)
}
