//! `Client::render_many` against the local server: under dropped connections (before and
//! after handling), `5xx`, `429` and failed renders, every item ends in exactly one server
//! render and exactly one result; a failed render or invalid data is that item's result and
//! the batch goes on; a second run renders nothing more (replays, or PDFs already on disk);
//! duplicate keys in one batch make one render and one whole PDF; items are pulled from the
//! input only as room frees up; a `429` lowers the number in flight.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use common::*;
use craftkit_devserver::{Config, Fault, FaultKind, FaultWhen};
use craftkit_runtime::client::{
    BatchItem, BatchOptions, BatchOutcome, BatchResult, Client, Error, pdf_file_name,
};
use futures_util::StreamExt;
use serde_json::json;

fn at_rate(kind: FaultKind, rate: f64) -> Fault {
    Fault {
        kind,
        when: FaultWhen::Rate(rate),
    }
}

/// Every fault the server can inject, about 25% of the API requests in all.
fn fault_mix() -> Vec<Fault> {
    vec![
        at_rate(FaultKind::Drop, 0.05),
        at_rate(FaultKind::DropAfter, 0.05),
        at_rate(FaultKind::Status(503), 0.04),
        at_rate(FaultKind::Status(500), 0.02),
        at_rate(FaultKind::RateLimited(Duration::from_millis(50)), 0.05),
        at_rate(FaultKind::FailRender, 0.05),
    ]
}

/// `n` items of distinct booking codes, each with a key derived from its number.
fn items(tag: &str, n: usize) -> Vec<BatchItem> {
    (0..n).map(|i| item(tag, i)).collect()
}

fn item(tag: &str, i: usize) -> BatchItem {
    let mut data = valid_data();
    data["booking"]["code"] = json!(format!("BT-{i:05}"));
    BatchItem::derived(&payload_from(data), "batch-test", &[tag, &i.to_string()])
}

async fn collect(
    client: &Client,
    items: Vec<BatchItem>,
    options: BatchOptions,
) -> Vec<BatchResult> {
    client.render_many(items, options).collect().await
}

/// The results by index, checking there is exactly one per index `0..n`.
fn by_index(results: Vec<BatchResult>, n: usize) -> BTreeMap<u64, BatchResult> {
    let mut map = BTreeMap::new();
    for result in results {
        let index = result.index;
        assert!(
            map.insert(index, result).is_none(),
            "two results for item {index}"
        );
    }
    assert_eq!(
        map.keys().copied().collect::<Vec<_>>(),
        (0..n as u64).collect::<Vec<_>>(),
        "one result per item"
    );
    map
}

fn pdfs_in(dir: &Path) -> BTreeSet<String> {
    std::fs::read_dir(dir)
        .expect("the directory reads")
        .map(|e| {
            e.expect("an entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn under_every_fault_each_item_renders_once_and_has_one_result() {
    let server = start(Config {
        faults: fault_mix(),
        fault_seed: 17,
        ..config()
    })
    .await;
    let client = client(&server);
    let dir = temp_dir("batch-faults");
    let n = 120;
    let options = BatchOptions::new()
        .max_in_flight(12)
        .download_dir(&dir)
        .item_attempts(4);

    let first = by_index(
        collect(&client, items("faults", n), options.clone()).await,
        n,
    );
    assert_eq!(
        server.render_count(KEY),
        n,
        "exactly one server render per item"
    );
    let (mut rendered, mut failed) = (0, 0);
    for (index, result) in &first {
        match &result.outcome {
            BatchOutcome::Rendered { render, pdf, .. } => {
                rendered += 1;
                let pdf = pdf.as_ref().expect("downloaded");
                assert_eq!(pdf, &dir.join(pdf_file_name(&result.key)));
                let bytes = std::fs::read(pdf).expect("the PDF is there");
                assert!(is_pdf(&bytes), "item {index}: a whole PDF");
                assert_eq!(Some(bytes.len() as u64), render.bytes);
            }
            BatchOutcome::RenderFailed { code, render, .. } => {
                failed += 1;
                assert_eq!(code, "render_failed");
                assert!(!dir.join(pdf_file_name(&result.key)).exists());
                assert_eq!(render.download_url, None);
            }
            other => panic!("item {index}: {other:?} (attempts {})", result.attempts),
        }
    }
    assert!(failed > 0, "the fault mix fails some renders");
    assert_eq!(rendered + failed, n);
    assert!(
        pdfs_in(&dir).iter().all(|name| name.ends_with(".pdf")),
        "no .part file is left: {:?}",
        pdfs_in(&dir)
    );

    // The same batch again: nothing new is rendered; succeeded items are skipped on disk
    // without a request, failed ones are replayed as failed.
    let second = by_index(collect(&client, items("faults", n), options).await, n);
    assert_eq!(server.render_count(KEY), n, "a rerun renders nothing");
    for (index, result) in &second {
        match (&first[index].outcome, &result.outcome) {
            (BatchOutcome::Rendered { pdf, .. }, BatchOutcome::OnDisk { pdf: on_disk }) => {
                assert_eq!(pdf.as_ref(), Some(on_disk));
                assert_eq!(result.attempts, 0, "nothing sent");
            }
            (
                BatchOutcome::RenderFailed { render: before, .. },
                BatchOutcome::RenderFailed { render: after, .. },
            ) => assert_eq!(before.id, after.id, "the same failed render"),
            (before, after) => panic!("item {index}: {before:?} then {after:?}"),
        }
    }
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn without_a_download_a_rerun_is_answered_by_replays() {
    let server = start_default().await;
    let client = client(&server);
    let n = 30;
    let first = by_index(
        collect(&client, items("replay", n), BatchOptions::new()).await,
        n,
    );
    assert!(first.values().all(|r| matches!(
        r.outcome,
        BatchOutcome::Rendered {
            replayed: false,
            pdf: None,
            ..
        }
    )));
    let second = by_index(
        collect(&client, items("replay", n), BatchOptions::new()).await,
        n,
    );
    for (index, result) in &second {
        let (
            BatchOutcome::Rendered {
                render, replayed, ..
            },
            BatchOutcome::Rendered { render: before, .. },
        ) = (&result.outcome, &first[index].outcome)
        else {
            panic!("item {index}: {:?}", result.outcome);
        };
        assert!(replayed, "item {index} was replayed");
        assert_eq!(render.id, before.id);
    }
    assert_eq!(server.render_count(KEY), n);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_missing_download_dir_is_created_and_files_are_named_by_the_callers_keys() {
    let server = start_default().await;
    let client = client(&server);
    // Two levels that do not exist yet, as in a fresh checkout's `out/2026-11`.
    let dir = temp_dir("batch-mkdir").join("out").join("2026-11");
    assert!(!dir.exists());
    let items = (0..3).map(|i| {
        let mut data = valid_data();
        data["booking"]["code"] = json!(format!("BK-{i}"));
        BatchItem::new(&payload_from(data), format!("invoice-2026-11-{i:04}"))
    });
    let results: Vec<BatchResult> = client
        .render_many(items, BatchOptions::new().download_dir(&dir))
        .collect()
        .await;
    for result in &results {
        assert!(
            matches!(result.outcome, BatchOutcome::Rendered { .. }),
            "{:?}",
            result.outcome
        );
    }
    assert_eq!(
        pdfs_in(&dir),
        BTreeSet::from([
            "invoice-2026-11-0000.pdf".to_owned(),
            "invoice-2026-11-0001.pdf".to_owned(),
            "invoice-2026-11-0002.pdf".to_owned(),
        ]),
        "one PDF per item, named by the key the caller gave"
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn invalid_data_is_the_items_result_and_the_batch_goes_on() {
    let server = start_default().await;
    let client = client(&server);
    let mut too_short = valid_data();
    too_short["booking"]["code"] = json!("X"); // minLength 4: caught before sending
    let mut wrong_type = valid_data();
    wrong_type["guests"] = json!("six"); // the server's 422
    let batch = vec![
        item("invalid", 0),
        BatchItem::new(&payload_from(too_short), "invalid-bounds"),
        BatchItem::json(SLUG, wrong_type, "invalid-type"),
        BatchItem::json("no-such-template", valid_data(), "invalid-slug"),
        item("invalid", 4),
    ];
    let results = by_index(collect(&client, batch, BatchOptions::new()).await, 5);
    assert!(results[&0].outcome.is_success());
    assert!(results[&4].outcome.is_success());
    assert!(
        matches!(
            &results[&1].outcome,
            BatchOutcome::Error(Error::Validation(_))
        ),
        "{:?}",
        results[&1]
    );
    assert_eq!(results[&1].attempts, 0, "nothing was sent");
    let status = |i: u64| match &results[&i].outcome {
        BatchOutcome::Error(error) => error.status(),
        other => panic!("{other:?}"),
    };
    assert_eq!(status(2), Some(422));
    assert_eq!(status(3), Some(404));
    assert_eq!(results[&2].attempts, 1, "a 422 is not tried again");
    assert_eq!(server.render_count(KEY), 2);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn duplicate_keys_in_one_batch_make_one_render_and_one_whole_pdf() {
    let server = start_default().await;
    let client = client(&server);
    let dir = temp_dir("batch-duplicates");
    let batch: Vec<BatchItem> = (0..12).map(|_| item("dup", 7)).collect();
    let results = by_index(
        collect(
            &client,
            batch,
            BatchOptions::new().max_in_flight(12).download_dir(&dir),
        )
        .await,
        12,
    );
    assert_eq!(server.render_count(KEY), 1);
    let written = results
        .values()
        .filter(|r| matches!(r.outcome, BatchOutcome::Rendered { .. }))
        .count();
    let on_disk = results
        .values()
        .filter(|r| matches!(r.outcome, BatchOutcome::OnDisk { .. }))
        .count();
    assert_eq!(
        (written, on_disk),
        (1, 11),
        "the first writes, the others find it"
    );
    let names = pdfs_in(&dir);
    assert_eq!(names.len(), 1, "{names:?}");
    let bytes = std::fs::read(dir.join(names.first().unwrap())).unwrap();
    assert!(is_pdf(&bytes));
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn items_are_pulled_only_as_room_frees_up() {
    let server = start_default().await;
    let client = client(&server);
    let pulled = Arc::new(AtomicUsize::new(0));
    let counter = pulled.clone();
    // An endless input: a batch that collected it would never yield.
    let endless = (0..).map(move |i| {
        counter.fetch_add(1, Ordering::SeqCst);
        item("endless", i)
    });
    let mut batch = client.render_many(endless, BatchOptions::new().max_in_flight(4));
    for _ in 0..10 {
        let result = batch.next().await.expect("a result");
        assert!(result.outcome.is_success(), "{result:?}");
        let stats = batch.stats();
        assert!(stats.in_flight <= 4, "{stats:?}");
    }
    let pulled = pulled.load(Ordering::SeqCst);
    assert!(
        pulled <= 10 + 4,
        "pulled {pulled} items for 10 results at 4 in flight"
    );
    drop(batch);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_rate_limited_batch_slows_down_and_still_renders_each_item_once() {
    let server = start(Config {
        rate_limit: Some(40),
        ..config()
    })
    .await;
    let client = client(&server);
    let n = 60;
    let mut batch = client.render_many(items("limited", n), BatchOptions::new().max_in_flight(32));
    let mut results = Vec::new();
    while let Some(result) = batch.next().await {
        results.push(result);
    }
    let stats = batch.stats();
    let results = by_index(results, n);
    for (index, result) in &results {
        assert!(result.outcome.is_success(), "item {index}: {result:?}");
    }
    assert_eq!(server.render_count(KEY), n);
    assert!(
        stats.throttled > 0,
        "40 requests/s is exceeded at 32 in flight: {stats:?}"
    );
    assert!(stats.decreases > 0, "a 429 lowered the limit: {stats:?}");
    let received = server.requests().len();
    assert_eq!(
        stats.requests as usize, received,
        "the batch counts every request the server received"
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn without_waiting_an_item_is_done_once_accepted() {
    let server = start_default().await;
    let client = client(&server);
    let dir = temp_dir("batch-no-wait");
    let n = 10;
    let results = by_index(
        collect(
            &client,
            items("no-wait", n),
            BatchOptions::new().wait(false).download_dir(&dir),
        )
        .await,
        n,
    );
    for result in results.values() {
        assert!(
            matches!(
                &result.outcome,
                BatchOutcome::Accepted {
                    replayed: false,
                    ..
                }
            ),
            "{result:?}"
        );
    }
    assert!(
        pdfs_in(&dir).is_empty(),
        "nothing is downloaded without waiting"
    );
    assert_eq!(server.render_count(KEY), n);
    server.stop().await;
}

#[test]
fn the_debug_of_an_item_and_of_its_result_shows_a_hash_of_the_key_never_the_key() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let server = start_default().await;
        let client = client(&server);
        let secret_key = "customer-4711-private-key-material";
        let results = collect(
            &client,
            vec![BatchItem::json(SLUG, valid_data(), secret_key)],
            BatchOptions::new(),
        )
        .await;
        let text = format!("{results:?}");
        assert!(!text.contains(secret_key), "{text}");
        assert!(text.contains("key_hash"), "{text}");
        let item = format!("{:?}", BatchItem::json(SLUG, valid_data(), secret_key));
        assert!(
            !item.contains(secret_key) && item.contains("key_hash"),
            "{item}"
        );
        server.stop().await;
    });
}

#[cfg(feature = "blocking")]
#[test]
fn the_blocking_client_yields_the_same_results_as_an_iterator() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let server = runtime.block_on(start_default());
    let client = craftkit_runtime::blocking::Client::from_async(client(&server)).unwrap();
    let dir = temp_dir("batch-blocking");
    let n = 20;
    let results: Vec<BatchResult> = client
        .render_many(
            items("blocking", n),
            BatchOptions::new().max_in_flight(6).download_dir(&dir),
        )
        .expect("outside a runtime")
        .collect();
    let results = by_index(results, n);
    assert!(results.values().all(|r| r.outcome.is_success()));
    assert_eq!(pdfs_in(&dir).len(), n);
    assert_eq!(server.render_count(KEY), n);
    // Refused where it cannot block: on a current-thread runtime's thread.
    let current = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    current.block_on(async {
        assert!(matches!(
            client.render_many(items("blocking", 1), BatchOptions::new()),
            Err(Error::Config(_))
        ));
    });
    drop(client);
    runtime.block_on(server.stop());
}
