//! The fault soak (ignored by default; about 15 s in release):
//!
//! ```text
//! cargo test --release -p craftkit-runtime --test fault_soak -- --ignored --nocapture
//! CRAFTKIT_SOAK_SEED=7 cargo test --release -p craftkit-runtime --test fault_soak -- --ignored --nocapture
//! ```
//!
//! 1,000 logical renders (`CRAFTKIT_SOAK_RENDERS`), 32 at a time (`CRAFTKIT_SOAK_CONCURRENCY`),
//! go through the client to the local server while 30 % of the API requests are faulted by
//! seeded dice (`CRAFTKIT_SOAK_SEED`): connections dropped before and after the request is
//! handled, `500`/`502`/`503`/`504`, `429` with `Retry-After`, answers slowed (within and past
//! the client's per-attempt timeout), and renders failed. Each logical render has its own
//! payload (booking code and file name) and its own idempotency key; one in ten is sent twice
//! at once (a double submit); a render that fails is sent again by the caller with the same
//! key, which per the contract replays the original, failed render and makes no new one.
//!
//! It proves: every logical render ends in a terminal answer carrying its render's id (none
//! lost); the server holds exactly one render per logical render, and replaying every key
//! afterwards answers that same render (none duplicated); no logical render outlives its
//! deadline. It prints the figures: wall time, requests the server answered, faults by kind,
//! client retries, renders failed and replayed, logical latency percentiles.

mod common;
#[path = "fault_soak/tally.rs"]
mod tally;

use std::collections::{BTreeMap, HashSet};
use std::time::{Duration, Instant};

use common::*;
use craftkit_devserver::{Config, Fault, FaultKind, FaultWhen};
use craftkit_runtime::client::{
    Client, Error, Render, RenderStatus, RetryPolicy, derive_idempotency_key,
};
use futures_util::StreamExt;
use serde_json::json;
use tracing_subscriber::layer::SubscriberExt;

use tally::{Counting, Tally};

/// The share of API requests the dice fault.
const FAULT_SHARE: f64 = 0.30;
/// How long one logical render (send, wait, and for a failed render its replay) may take.
const DEADLINE: Duration = Duration::from_secs(20);
/// What the hang detector allows past [`DEADLINE`] before it calls the render hung.
const MARGIN: Duration = Duration::from_secs(2);
/// The client's per-attempt timeout; [`SLOW_PAST_TIMEOUT`] answers outlast it.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(1);
const SLOW_PAST_TIMEOUT: Duration = Duration::from_millis(1_500);
/// Every this many logical renders, the caller sends the render twice at once (same key).
const DOUBLE_SUBMIT_EVERY: usize = 10;
/// How often the caller tries again after the client itself gave up (retries exhausted).
const CALLER_TRIES: u32 = 3;

/// A soak setting from the environment, or its default.
fn setting<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The fault mix, as (kind, weight). The weights split [`FAULT_SHARE`] between the kinds.
fn fault_mix() -> Vec<(FaultKind, f64)> {
    vec![
        (FaultKind::Drop, 1.0),
        (FaultKind::DropAfter, 1.0),
        (FaultKind::Status(500), 0.5),
        (FaultKind::Status(502), 0.5),
        (FaultKind::Status(503), 0.5),
        (FaultKind::Status(504), 0.5),
        (FaultKind::RateLimited(Duration::from_millis(200)), 1.0),
        (FaultKind::Delay(Duration::from_millis(200)), 1.0),
        (FaultKind::Delay(SLOW_PAST_TIMEOUT), 0.5),
        (FaultKind::FailRender, 1.0),
    ]
}

/// Rate rules whose first-to-fire shares are `FAULT_SHARE * weight / total`: the server tries
/// the rules in order, each with its own dice, and the first that fires wins, so rule k fires
/// on `share_k / (1 - shares before it)` of the requests that reach it. Together they fault
/// exactly `FAULT_SHARE` of the requests.
fn fault_rules() -> Vec<Fault> {
    let mix = fault_mix();
    let total: f64 = mix.iter().map(|(_, w)| w).sum();
    let mut before = 0.0;
    mix.into_iter()
        .map(|(kind, weight)| {
            let share = FAULT_SHARE * weight / total;
            let rate = share / (1.0 - before);
            before += share;
            Fault {
                kind,
                when: FaultWhen::Rate(rate),
            }
        })
        .collect()
}

/// One logical render: what the caller sends, always the same for the same index.
struct Job {
    index: usize,
    payload: CharterHandover,
    filename: String,
    idempotency_key: String,
}

impl Job {
    fn new(seed: u64, index: usize) -> Job {
        let mut data = valid_data();
        data["booking"]["code"] = json!(format!("SK-{index:05}"));
        Job {
            index,
            payload: payload_from(data),
            filename: format!("soak-{seed}-{index:05}.pdf"),
            idempotency_key: derive_idempotency_key(
                "fault-soak",
                &[&seed.to_string(), &index.to_string()],
            ),
        }
    }

    /// Sends the render with this job's key, trying again (same key) when the client's own
    /// retries ran out on transient faults.
    async fn send(&self, client: &Client, resends: &mut u32) -> Result<Render, Error> {
        let mut tries = 0;
        loop {
            tries += 1;
            let outcome = client
                .render(&self.payload)
                .filename(&self.filename)
                .idempotency_key(&self.idempotency_key)
                .send()
                .await;
            match outcome {
                Err(error) if transient(&error) && tries < CALLER_TRIES => *resends += 1,
                other => return other.map(|handle| handle.into_render()),
            }
        }
    }

    /// Waits for render `id` within what is left of the deadline, polling again when the
    /// client's own retries ran out on transient faults.
    async fn wait(
        &self,
        client: &Client,
        id: &str,
        started: Instant,
        rewaits: &mut u32,
    ) -> Result<Render, Error> {
        let mut tries = 0;
        loop {
            tries += 1;
            let options = fast_wait().with_deadline(DEADLINE.saturating_sub(started.elapsed()));
            match client.wait_with(id, options).await {
                Err(error) if transient(&error) && tries < CALLER_TRIES => *rewaits += 1,
                other => return other,
            }
        }
    }
}

/// A fault the client retries, once its retries ran out.
fn transient(error: &Error) -> bool {
    match error {
        Error::Transport { .. } => true,
        Error::Api(api) => {
            api.status == 429 || api.status >= 500 || api.kind == "idempotency_in_progress"
        }
        _ => false,
    }
}

/// How a logical render ended.
#[derive(Debug)]
struct Outcome {
    index: usize,
    id: String,
    status: RenderStatus,
    /// The render failed, and sending it again with its key answered the same failed render.
    failed_and_replayed: bool,
    /// Caller-level tries after the client's retries ran out.
    resends: u32,
    elapsed: Duration,
}

/// Runs one logical render; `Err` says what broke the contract.
async fn logical_render(client: &Client, job: &Job) -> Result<Outcome, String> {
    let started = Instant::now();
    let mut resends = 0;
    let what = |e: Error| format!("render {}: {e}", job.index);
    let accepted = if job.index % DOUBLE_SUBMIT_EVERY == 0 {
        // A double submit (a second tap, a replayed offline queue): the same key twice at
        // once. Both answers are the one render.
        let mut twin_resends = 0;
        let (first, second) = tokio::join!(
            job.send(client, &mut resends),
            job.send(client, &mut twin_resends)
        );
        resends += twin_resends;
        let (first, second) = (first.map_err(what)?, second.map_err(what)?);
        if first.id != second.id {
            return Err(format!(
                "render {}: a double submit made {} and {}",
                job.index, first.id, second.id
            ));
        }
        first
    } else {
        job.send(client, &mut resends).await.map_err(what)?
    };
    if accepted.filename != job.filename {
        return Err(format!(
            "render {}: answered {} for {}",
            job.index, accepted.filename, job.filename
        ));
    }
    let id = accepted.id;
    let outcome = |status, failed_and_replayed, resends| Outcome {
        index: job.index,
        id: id.clone(),
        status,
        failed_and_replayed,
        resends,
        elapsed: started.elapsed(),
    };
    match job.wait(client, &id, started, &mut resends).await {
        Ok(render) if render.id == id => Ok(outcome(render.status, false, resends)),
        Ok(render) => Err(format!(
            "render {}: waited for {id}, got {}",
            job.index, render.id
        )),
        Err(Error::RenderFailed { render, .. }) if render.id == id => {
            // The caller tries the failed render again with the same key: the contract
            // replays the original answer, so it sees the same failed render, and no new one.
            let again = job.send(client, &mut resends).await.map_err(what)?;
            if again.id != id || again.status != RenderStatus::Failed {
                return Err(format!(
                    "render {}: the failed render {id} sent again answered {} ({})",
                    job.index,
                    again.id,
                    again.status.as_str()
                ));
            }
            match job.wait(client, &id, started, &mut resends).await {
                Err(Error::RenderFailed { render, .. }) if render.id == id => {
                    Ok(outcome(RenderStatus::Failed, true, resends))
                }
                other => Err(format!(
                    "render {}: the replayed failed render {id} waited to {other:?}",
                    job.index
                )),
            }
        }
        Err(error) => Err(what(error)),
    }
}

/// Runs every job, `concurrency` at a time, each under its deadline plus [`MARGIN`].
async fn run_all(
    client: &Client,
    jobs: &std::sync::Arc<Vec<Job>>,
    concurrency: usize,
) -> Vec<Result<Outcome, String>> {
    futures_util::stream::iter(0..jobs.len())
        .map(|i| {
            let (client, jobs) = (client.clone(), jobs.clone());
            tokio::spawn(async move {
                let job = &jobs[i];
                let started = Instant::now();
                match tokio::time::timeout(DEADLINE + MARGIN, logical_render(&client, job)).await {
                    Ok(outcome) => outcome,
                    Err(_) => Err(format!(
                        "render {i}: hung past its deadline ({:.1} s)",
                        started.elapsed().as_secs_f64()
                    )),
                }
            })
        })
        .buffer_unordered(concurrency)
        .map(|joined| joined.unwrap_or_else(|e| Err(format!("a render task panicked: {e}"))))
        .collect()
        .await
}

/// Replays every job's key once: the answer must be the render its logical render ended in.
async fn replay_all(
    client: &Client,
    jobs: &std::sync::Arc<Vec<Job>>,
    outcomes: &[Outcome],
    concurrency: usize,
) -> Vec<String> {
    let expected: std::sync::Arc<BTreeMap<usize, (String, RenderStatus)>> = std::sync::Arc::new(
        outcomes
            .iter()
            .map(|o| (o.index, (o.id.clone(), o.status)))
            .collect(),
    );
    futures_util::stream::iter(0..jobs.len())
        .map(|i| {
            let (client, jobs, expected) = (client.clone(), jobs.clone(), expected.clone());
            tokio::spawn(async move {
                let job = &jobs[i];
                let mut resends = 0;
                let render = match job.send(&client, &mut resends).await {
                    Ok(render) => render,
                    Err(error) => return Some(format!("replay {i}: {error}")),
                };
                let (id, status) = expected.get(&i)?;
                let same =
                    render.id == *id && render.status == *status && render.filename == job.filename;
                (!same).then(|| {
                    format!(
                        "replay {i}: answered {} ({}, {}), expected {id} ({})",
                        render.id,
                        render.status.as_str(),
                        render.filename,
                        status.as_str()
                    )
                })
            })
        })
        .buffer_unordered(concurrency)
        .filter_map(|joined| async move {
            joined.unwrap_or_else(|e| Some(format!("a replay task panicked: {e}")))
        })
        .collect()
        .await
}

/// The `q` quantile (0 to 1) of sorted durations, nearest rank.
fn quantile(sorted: &[Duration], q: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((sorted.len() as f64) * q).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn ms(d: Duration) -> String {
    format!("{:.0} ms", d.as_secs_f64() * 1000.0)
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "a fault soak of about 15 s: cargo test --release -p craftkit-runtime --test fault_soak -- --ignored --nocapture"]
async fn a_thousand_renders_under_thirty_percent_faults_render_exactly_once_each() {
    let tally = Tally::default();
    tracing::subscriber::set_global_default(
        tracing_subscriber::registry().with(Counting(tally.clone())),
    )
    .expect("the first subscriber");

    let seed: u64 = setting("CRAFTKIT_SOAK_SEED", 20_260);
    let renders: usize = setting("CRAFTKIT_SOAK_RENDERS", 1_000);
    let concurrency: usize = setting("CRAFTKIT_SOAK_CONCURRENCY", 32);
    let rules = fault_rules();
    let server = start(Config {
        faults: rules.clone(),
        fault_seed: seed,
        render_delay: Duration::from_millis(20),
        workers: 8,
        ..config()
    })
    .await;
    let retry = RetryPolicy::default()
        .with_max_retries(10)
        .with_initial_backoff(Duration::from_millis(10))
        .with_max_backoff(Duration::from_millis(200))
        .with_max_retry_after(Duration::from_secs(2));
    let client = Client::builder()
        .key(KEY)
        .base_url(server.url())
        .timeout(ATTEMPT_TIMEOUT)
        .connect_timeout(ATTEMPT_TIMEOUT)
        .retry_policy(retry)
        .wait_options(fast_wait())
        .build()
        .expect("the client builds");
    let jobs = std::sync::Arc::new((0..renders).map(|i| Job::new(seed, i)).collect::<Vec<_>>());
    println!(
        "fault soak: seed {seed}, {renders} logical renders, {concurrency} at a time, {:.0} % of requests faulted, deadline {} + {} margin",
        FAULT_SHARE * 100.0,
        ms(DEADLINE),
        ms(MARGIN)
    );
    for rule in &rules {
        if let FaultWhen::Rate(rate) = rule.when {
            println!("  rule {:<24} rate {:.4}", format!("{:?}", rule.kind), rate);
        }
    }

    let started = Instant::now();
    let results = run_all(&client, &jobs, concurrency).await;
    let wall = started.elapsed();
    let soak_counts = tally.snapshot();
    let soak_faults = tally.under("server.fault.");
    let server_renders = server.render_count(KEY);

    let mut errors = Vec::new();
    let mut outcomes = Vec::new();
    for result in results {
        match result {
            Ok(outcome) => outcomes.push(outcome),
            Err(error) => errors.push(error),
        }
    }
    outcomes.sort_by_key(|o| o.index);
    let ids: HashSet<&str> = outcomes.iter().map(|o| o.id.as_str()).collect();
    let succeeded = outcomes
        .iter()
        .filter(|o| o.status == RenderStatus::Succeeded)
        .count();
    let failed_and_replayed = outcomes.iter().filter(|o| o.failed_and_replayed).count();
    let resends: u32 = outcomes.iter().map(|o| o.resends).sum();
    let mut latencies: Vec<Duration> = outcomes.iter().map(|o| o.elapsed).collect();
    latencies.sort();

    // Every key once more, still under faults: the same render answers, none is made.
    tally.clear();
    let replay_started = Instant::now();
    let replay_errors = replay_all(&client, &jobs, &outcomes, concurrency).await;
    let replay_wall = replay_started.elapsed();
    let renders_after_replay = server.render_count(KEY);
    let replay_counts = tally.snapshot();

    let requests = soak_counts.get("server.requests").copied().unwrap_or(0);
    let attempts = soak_counts.get("client.attempts").copied().unwrap_or(0);
    // Attempts the server never answered: those it slowed past the client's timeout.
    let unanswered = attempts.saturating_sub(requests);
    let faulted: u64 = soak_faults
        .iter()
        .filter(|(kind, _)| kind.as_str() != "none")
        .map(|(_, n)| n)
        .sum();
    println!("wall time: {:.2} s", wall.as_secs_f64());
    println!(
        "logical renders: {} ended, {succeeded} succeeded, {failed_and_replayed} failed and replayed as failed, {} errors",
        outcomes.len(),
        errors.len()
    );
    println!(
        "server: {server_renders} renders held; {} API requests seen ({requests} answered, {unanswered} slowed past the client's timeout), {} faulted ({:.1} %)",
        requests + unanswered,
        faulted + unanswered,
        100.0 * (faulted + unanswered) as f64 / (requests + unanswered).max(1) as f64
    );
    for (kind, n) in soak_faults.iter().filter(|(k, _)| k.as_str() != "none") {
        println!("  fault {kind:<24} {n:>6}");
    }
    println!(
        "  fault {:<24} {unanswered:>6} (client attempts - answers)",
        format!("{:?}", FaultKind::Delay(SLOW_PAST_TIMEOUT))
    );
    for (line, n) in &soak_counts {
        if let Some(line) = line.strip_prefix("server.")
            && line.starts_with(['G', 'P'])
        {
            println!("  answered {line:<44} {n:>6}");
        }
    }
    println!(
        "client: {attempts} attempts, {} retries; caller re-sends/re-waits after retries ran out: {resends}",
        soak_counts.get("client.retries").copied().unwrap_or(0)
    );
    for (line, n) in &soak_counts {
        if let Some(line) = line.strip_prefix("client.retries.") {
            println!("  retried {line:<40} {n:>6}");
        }
    }
    println!(
        "logical latency: p50 {}, p99 {}, max {} (deadline {})",
        ms(quantile(&latencies, 0.50)),
        ms(quantile(&latencies, 0.99)),
        ms(latencies.last().copied().unwrap_or_default()),
        ms(DEADLINE)
    );
    println!(
        "replay of every key: {:.2} s, {} API requests answered, {} mismatches, renders held {renders_after_replay}",
        replay_wall.as_secs_f64(),
        replay_counts.get("server.requests").copied().unwrap_or(0),
        replay_errors.len()
    );
    server.stop().await;

    // None lost: every logical render ended in a terminal answer with its render's id.
    assert!(
        errors.is_empty(),
        "{} logical renders broke the contract, the first: {:?}",
        errors.len(),
        &errors[..errors.len().min(5)]
    );
    assert_eq!(outcomes.len(), renders);
    assert!(outcomes.iter().all(|o| o.status.is_terminal()));
    assert_eq!(ids.len(), renders, "each logical render has its own render");
    // None duplicated: the server holds one render per logical render, and each key answers
    // the render its logical render ended in (the ids are distinct, so the map is 1:1).
    assert_eq!(server_renders, renders, "the server holds one render each");
    assert!(
        replay_errors.is_empty(),
        "{} keys answered another render, the first: {:?}",
        replay_errors.len(),
        &replay_errors[..replay_errors.len().min(5)]
    );
    assert_eq!(renders_after_replay, renders, "replaying made no render");
    // Every failed render was seen failed again when sent again: no new render.
    assert_eq!(
        failed_and_replayed,
        renders - succeeded,
        "every failed render was replayed as failed"
    );
    // The faults were really there, of every kind. An answer slowed past the client's
    // timeout is never logged: the client hangs up and the server drops the handler.
    for (kind, _) in fault_mix() {
        let name = format!("{kind:?}");
        let fired = if kind == FaultKind::Delay(SLOW_PAST_TIMEOUT) {
            unanswered
        } else {
            soak_faults.get(&name).copied().unwrap_or(0)
        };
        assert!(fired > 0, "{name} never fired: {soak_faults:?}");
    }
    // Nobody hung: each ended within its deadline (the detector allows the margin past it).
    assert!(
        latencies.iter().all(|l| *l <= DEADLINE + MARGIN),
        "max {:?}",
        latencies.last()
    );
}
