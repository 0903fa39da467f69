//! `Client::render_many` measured against the local server (`benches/batch.sh` runs it).
//!
//! ```text
//! cargo run --release -p craftkit-runtime --example batch_throughput -- throughput [RENDERS] [CONCURRENCY] [ROUNDS]
//! cargo run --release -p craftkit-runtime --example batch_throughput -- ratelimit [LIMIT] [RENDERS] [ROUNDS]
//! cargo run --release -p craftkit-runtime --example batch_throughput -- lines [N] > batch.jsonl
//! ```
//!
//! - `throughput` (defaults 10000, 64, 3): a `craftkit-devserver` in this process (render delay
//!   0, one worker per core) and, in alternating order each round, RENDERS renders through
//!   `render_many` (at most CONCURRENCY in flight, no download) and through the plain
//!   concurrent loop of `benches/client.sh` (`render(..).idempotency_key(..).send()` then
//!   `wait()`, CONCURRENCY at a time with `buffer_unordered`). Same client settings (default
//!   `WaitOptions`), same payload, fresh keys per run. Prints renders/s per run and the
//!   medians' ratio.
//! - `ratelimit` (defaults 100 requests/s, 1000 renders, 3 rounds): the server with
//!   `--rate-limit LIMIT`; the plain loop at fixed concurrencies 2, 4 and 8 once (their own
//!   latency bounds them far below the limit), then ROUNDS rounds of the plain loop at 16, 32
//!   and 64 and `render_many` at most 64 in flight, in an order rotated each round, all in
//!   this one run. Prints each one's median renders/s, the requests the server answered, how
//!   many of them were `429`, items that ended in an error, and the batch's median over the
//!   best fixed concurrency's. The server's own request lines are counted (a `tracing`
//!   layer), so both callers are counted alike.
//! - `lines`: N lines of `data` (the charter-handover fixture, each with its own booking
//!   code), for the command line's memory runs.

#[path = "../tests/fault_soak/tally.rs"]
mod tally;

use std::sync::Arc;
use std::time::{Duration, Instant};

use craftkit_devserver::{Config, DevServer};
use craftkit_runtime::client::{
    BatchItem, BatchOptions, Client, RenderStatus, derive_idempotency_key,
};
use futures_util::StreamExt;
use serde_json::Value;
use tracing_subscriber::layer::SubscriberExt;

const KEY: &str = "ck_test_batchbenchprojectalpha00001";
const SLUG: &str = "charter-handover";

fn fixture() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/fixtures/payloads/charter-handover.valid.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).expect("the fixture reads"))
        .expect("the fixture is JSON")
}

/// Item `i`'s data: the fixture with its own booking code.
fn data(template: &Value, i: usize) -> Value {
    let mut data = template.clone();
    data["booking"]["code"] = Value::String(format!("BB-{i:06}"));
    data
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let number = |i: usize, default: usize| {
        args.get(i)
            .map_or(default, |a| a.parse().expect("arguments are numbers"))
    };
    let mode = args.first().map_or("throughput", String::as_str);
    if mode == "lines" {
        let template = fixture();
        for i in 0..number(1, 10_000) {
            println!("{}", data(&template, i));
        }
        return;
    }
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(cores)
        .enable_all()
        .build()
        .expect("the runtime starts");
    match mode {
        "throughput" => runtime.block_on(throughput(
            number(1, 10_000),
            number(2, 64),
            number(3, 3),
            cores,
        )),
        "ratelimit" => runtime.block_on(ratelimit(
            number(1, 100) as u32,
            number(2, 1_000),
            number(3, 3),
            cores,
        )),
        other => panic!("unknown mode {other}: throughput, ratelimit or lines"),
    }
}

async fn server(cores: usize, rate_limit: Option<u32>) -> DevServer {
    let manifests = concat!(env!("CARGO_MANIFEST_DIR"), "/../.craftkit/manifests");
    DevServer::start(Config {
        keys: vec![KEY.to_owned()],
        templates: craftkit_devserver::load_templates(manifests).expect("the manifests load"),
        render_delay: Duration::ZERO,
        workers: cores,
        rate_limit,
        ..Config::default()
    })
    .await
    .expect("the server starts")
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Caller {
    Batch,
    Loop,
}

/// What one run did.
struct Run {
    rate: f64,
    errors: usize,
}

/// `count` renders through `caller`, at most `concurrency` in flight.
async fn run(
    client: &Client,
    template: &Arc<Value>,
    caller: Caller,
    count: usize,
    concurrency: usize,
    tag: &str,
) -> Run {
    let key = |i: usize| derive_idempotency_key("batch-bench", &[tag, &i.to_string()]);
    let started = Instant::now();
    let errors = match caller {
        Caller::Batch => {
            let items = (0..count).map(|i| BatchItem::json(SLUG, data(template, i), key(i)));
            client
                .render_many(items, BatchOptions::new().max_in_flight(concurrency))
                .filter(|result| std::future::ready(!result.outcome.is_success()))
                .count()
                .await
        }
        Caller::Loop => {
            futures_util::stream::iter(0..count)
                .map(|i| {
                    let (client, template) = (client.clone(), template.clone());
                    let key = key(i);
                    async move {
                        let render = client
                            .render_json(SLUG, data(&template, i))
                            .idempotency_key(key)
                            .send()
                            .await?
                            .wait()
                            .await?;
                        Ok::<_, craftkit_runtime::client::Error>(render.status)
                    }
                })
                .buffer_unordered(concurrency)
                .filter(|r| std::future::ready(!matches!(r, Ok(RenderStatus::Succeeded))))
                .count()
                .await
        }
    };
    // Renders that succeeded, per second.
    Run {
        rate: (count - errors) as f64 / started.elapsed().as_secs_f64(),
        errors,
    }
}

fn client(server: &DevServer) -> Client {
    Client::builder()
        .key(KEY)
        .base_url(server.url())
        .build()
        .expect("the client builds")
}

async fn throughput(renders: usize, concurrency: usize, rounds: usize, cores: usize) {
    let server = server(cores, None).await;
    let client = client(&server);
    let template = Arc::new(fixture());
    println!(
        "throughput: {renders} renders per run, concurrency {concurrency}, {rounds} rounds, {cores} cores, render delay 0, default WaitOptions"
    );
    for caller in [Caller::Batch, Caller::Loop] {
        run(
            &client,
            &template,
            caller,
            renders / 10,
            concurrency,
            &format!("warm-{caller:?}"),
        )
        .await;
    }
    let (mut batch, mut plain) = (Vec::new(), Vec::new());
    for round in 0..rounds {
        let order = if round % 2 == 0 {
            [Caller::Batch, Caller::Loop]
        } else {
            [Caller::Loop, Caller::Batch]
        };
        for caller in order {
            let result = run(
                &client,
                &template,
                caller,
                renders,
                concurrency,
                &format!("{caller:?}-{round}"),
            )
            .await;
            assert_eq!(result.errors, 0, "{caller:?}: renders failed");
            println!("  round {round} {caller:?}: {:7.1} renders/s", result.rate);
            match caller {
                Caller::Batch => batch.push(result.rate),
                Caller::Loop => plain.push(result.rate),
            }
        }
    }
    let (batch, plain) = (median(&mut batch), median(&mut plain));
    println!(
        "throughput: render_many {batch:.1} renders/s, plain loop {plain:.1} renders/s (medians), render_many/plain = {:.3}",
        batch / plain
    );
    server.stop().await;
}

async fn ratelimit(limit: u32, renders: usize, rounds: usize, cores: usize) {
    let tally = tally::Tally::default();
    tracing::subscriber::set_global_default(
        tracing_subscriber::registry().with(tally::Counting(tally.clone())),
    )
    .expect("the only subscriber");
    let server = server(cores, Some(limit)).await;
    let client = client(&server);
    let template = Arc::new(fixture());
    println!(
        "ratelimit: server --rate-limit {limit} (requests/s), {renders} renders per run, {rounds} rounds, render delay 0, default RetryPolicy and WaitOptions"
    );
    // The low fixed concurrencies are bounded by their own latency, far below the limit: one
    // run each, before the rounds. The others, and the batch, run once a round, in an order
    // rotated each round.
    let contenders = [
        (Caller::Loop, 16),
        (Caller::Loop, 32),
        (Caller::Loop, 64),
        (Caller::Batch, 64),
    ];
    let mut schedule: Vec<(Caller, usize)> = [2, 4, 8].map(|c| (Caller::Loop, c)).to_vec();
    for round in 0..rounds.max(1) {
        let mut order = contenders.to_vec();
        order.rotate_left(round % contenders.len());
        schedule.extend(order);
    }
    let mut seen: Vec<((Caller, usize), Vec<Limited>)> = Vec::new();
    for (n, (caller, concurrency)) in schedule.into_iter().enumerate() {
        // A fresh rate window for each run.
        tokio::time::sleep(Duration::from_millis(1_100)).await;
        tally.clear();
        let result = run(
            &client,
            &template,
            caller,
            renders,
            concurrency,
            &format!("limited-{caller:?}-{concurrency}-{n}"),
        )
        .await;
        let counts = tally.under("server.");
        let limited = Limited {
            run: result,
            requests: counts.get("requests").copied().unwrap_or(0),
            throttled: counts
                .iter()
                .filter(|(name, _)| name.ends_with(" 429"))
                .map(|(_, n)| n)
                .sum(),
        };
        eprintln!(
            "  run {n}: {} {:.2} renders/s",
            name(caller, concurrency),
            limited.run.rate
        );
        match seen.iter_mut().find(|(k, _)| *k == (caller, concurrency)) {
            Some((_, runs)) => runs.push(limited),
            None => seen.push(((caller, concurrency), vec![limited])),
        }
    }
    println!(
        "| caller | runs | renders/s (succeeded, median) | requests | 429 | 429 share | items in error |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|");
    let (mut best_fixed, mut batch) = (0.0_f64, 0.0_f64);
    for ((caller, concurrency), runs) in &seen {
        let rate = median(&mut runs.iter().map(|r| r.run.rate).collect::<Vec<_>>());
        let requests: u64 = runs.iter().map(|r| r.requests).sum();
        let throttled: u64 = runs.iter().map(|r| r.throttled).sum();
        let errors: usize = runs.iter().map(|r| r.run.errors).sum();
        match caller {
            Caller::Loop => best_fixed = best_fixed.max(rate),
            Caller::Batch => batch = rate,
        }
        println!(
            "| {} | {} | {rate:.2} | {requests} | {throttled} | {:.1}% | {errors} |",
            name(*caller, *concurrency),
            runs.len(),
            throttled as f64 * 100.0 / requests.max(1) as f64,
        );
    }
    println!(
        "ratelimit: render_many {batch:.2} renders/s, best fixed concurrency {best_fixed:.2} renders/s (medians), render_many/best = {:.3}",
        batch / best_fixed
    );
    server.stop().await;
}

/// One run against the rate-limited server, with what the server answered.
struct Limited {
    run: Run,
    requests: u64,
    throttled: u64,
}

fn name(caller: Caller, concurrency: usize) -> String {
    match caller {
        Caller::Loop => format!("plain loop, {concurrency} at a time"),
        Caller::Batch => format!("render_many, at most {concurrency}"),
    }
}

fn median(rates: &mut [f64]) -> f64 {
    rates.sort_by(f64::total_cmp);
    rates.get(rates.len() / 2).copied().unwrap_or(f64::NAN)
}
