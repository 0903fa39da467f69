//! Render throughput of the local server: PDFs per second, end to end (POST, render, poll),
//! for a one-page and a ten-page document.
//!
//! `cargo run --release -p craftkit-devserver --example throughput -- [RENDERS] [CONCURRENCY] [TEN_PAGE_RENDERS]`
//! (defaults 1000, 32, 200; `benches/server.sh` runs it).
//!
//! Starts the server in-process with no render delay and one worker per core, then:
//!
//! 1. posts RENDERS renders of the one-page charter hand-over fixture, CONCURRENCY at a time,
//!    each with its own `Idempotency-Key`, polls each every 2 ms until it has succeeded, and
//!    prints the rate;
//! 2. finds the smallest number of inspected areas that makes the hand-over ten pages long,
//!    writes that PDF to `$TMPDIR/craftkit-ten-page.pdf` (for `pdfinfo`), and measures
//!    TEN_PAGE_RENDERS renders of it the same way.

mod common;

use common::{Batch, Renderer, body, cores, data_with_areas, one_page_data};

#[tokio::main]
async fn main() {
    let mut args = std::env::args()
        .skip(1)
        .map(|a| a.parse::<usize>().expect("arguments are numbers"));
    let renders = args.next().unwrap_or(1000);
    let concurrency = args.next().unwrap_or(32);
    let ten_page_renders = args.next().unwrap_or(200);
    let server = common::start().await;
    let renderer = Renderer::new(&server);
    let cores = cores();

    let one_page = body(one_page_data());
    renderer.batch(&one_page, 50, concurrency, "warm").await;
    let done = renderer.batch(&one_page, renders, concurrency, "one").await;
    report("one-page", &done, concurrency, cores);

    let rows = rows_for_pages(&renderer, 10).await;
    let ten_pages = body(data_with_areas(rows));
    let sample = renderer.batch(&ten_pages, 1, 1, "sample").await;
    let path = std::env::temp_dir().join("craftkit-ten-page.pdf");
    std::fs::write(&path, renderer.download(&sample.last_id).await).expect("the PDF is written");
    println!(
        "ten-page document: {rows} inspected areas; sample PDF at {}",
        path.display()
    );
    let done = renderer
        .batch(&ten_pages, ten_page_renders, concurrency, "ten")
        .await;
    report("ten-page", &done, concurrency, cores);
    server.stop().await;
}

/// The smallest number of inspected areas whose hand-over has `pages` pages (pages grow
/// with rows, never shrink): doubling, then bisection.
async fn rows_for_pages(renderer: &Renderer, pages: u64) -> usize {
    let mut tag = 0;
    let mut pages_of = async |rows: usize| -> u64 {
        tag += 1;
        renderer
            .batch(&body(data_with_areas(rows)), 1, 1, &format!("probe-{tag}"))
            .await
            .pages
    };
    let mut high = 8;
    while pages_of(high).await < pages {
        high *= 2;
    }
    let mut low = high / 2;
    while low + 1 < high {
        let mid = (low + high) / 2;
        if pages_of(mid).await >= pages {
            high = mid;
        } else {
            low = mid;
        }
    }
    let found = pages_of(high).await;
    assert_eq!(found, pages, "{high} areas make {found} pages, not {pages}");
    high
}

fn report(what: &str, done: &Batch, concurrency: usize, cores: usize) {
    let n = done.renders as f64;
    let seconds = done.elapsed.as_secs_f64();
    println!(
        "{what}: {} renders ({} pages, {:.0} bytes per PDF) in {seconds:.2} s at concurrency {concurrency} on {cores} cores: {:.0} PDFs/s, {:.0} pages/s",
        done.renders,
        done.pages,
        done.bytes as f64 / n,
        n / seconds,
        done.pages as f64 / seconds
    );
}
