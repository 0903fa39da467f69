//! Memory of the local server per stored render.
//!
//! `cargo run --release -p craftkit-devserver --example memory -- [STORED] [CONCURRENCY]`
//! (defaults 10000, 32; `benches/server.sh` runs it).
//!
//! Starts the server in-process (no render delay, one worker per core), warms it up with 100
//! renders, then stores STORED more one-page renders (each POST with its own
//! `Idempotency-Key`, as the client sends, polled until it has succeeded). Before and after,
//! it reads `VmRSS`/`VmHWM` from `/proc/self/status` and prints the growth per stored render
//! next to the PDF's own size. (RSS includes the allocator's slack; for an exact account of
//! what is live, run it under `valgrind --tool=massif`.)

mod common;

use common::{Renderer, body, one_page_data};

/// `VmRSS` and `VmHWM` in bytes.
fn rss() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|rest| {
                rest.trim()
                    .trim_end_matches("kB")
                    .trim()
                    .parse::<u64>()
                    .ok()
            })
            .map_or(0, |kb| kb * 1024)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

#[tokio::main]
async fn main() {
    let mut args = std::env::args()
        .skip(1)
        .map(|a| a.parse::<usize>().expect("arguments are numbers"));
    let stored = args.next().unwrap_or(10_000);
    let concurrency = args.next().unwrap_or(32);
    let server = common::start().await;
    let renderer = Renderer::new(&server);
    let one_page = body(one_page_data());
    renderer.batch(&one_page, 100, concurrency, "warm").await;

    let (rss_before, hwm_before) = rss();
    let done = renderer
        .batch(&one_page, stored, concurrency, "stored")
        .await;
    let (rss_after, hwm_after) = rss();
    let n = stored as f64;
    let mib = |b: f64| b / (1024.0 * 1024.0);
    println!(
        "{stored} one-page renders stored in {:.1} s ({} in the server)",
        done.elapsed.as_secs_f64(),
        server.render_count(&server.keys()[0])
    );
    println!(
        "VmRSS {:.1} -> {:.1} MiB, VmHWM {:.1} -> {:.1} MiB: {:.0} bytes of RSS per stored render",
        mib(rss_before as f64),
        mib(rss_after as f64),
        mib(hwm_before as f64),
        mib(hwm_after as f64),
        (rss_after as f64 - rss_before as f64) / n
    );
    println!(
        "the PDF alone: {:.0} bytes per render",
        done.bytes as f64 / n
    );
    server.stop().await;
}
