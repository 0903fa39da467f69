//! The blocking client (feature `blocking`) against the local server with faults on: the same
//! retries and idempotency as the async client (it is the async client underneath), from a
//! thread with no runtime of its own; every call of the async client, with a render handle of
//! the same shape; working inside a multi-thread runtime's `spawn_blocking` (and its tasks);
//! refused on a current-thread runtime's threads instead of deadlocking them; and a batch
//! iterator moved there yields an error per item instead of looking finished.

use std::sync::mpsc;
use std::time::Duration;

use craftkit_devserver::{Config, DevServer, Fault, FaultKind, FaultWhen};
use craftkit_example_macro::sample_handover;
use craftkit_runtime::blocking;
use craftkit_runtime::client::{
    BatchItem, BatchOptions, BatchOutcome, Client, RetryPolicy, derive_idempotency_key,
};

/// A local server on a thread of its own (the blocking client must not run on a runtime),
/// with the given faults; its URL and key, and a sender that stops it (and the render count).
fn server(faults: Vec<Fault>) -> (String, String, mpsc::Sender<mpsc::Sender<usize>>) {
    let (ready, started) = mpsc::channel();
    let (stop, stopped) = mpsc::channel::<mpsc::Sender<usize>>();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        runtime.block_on(async move {
            let cache = concat!(env!("CARGO_MANIFEST_DIR"), "/../../.craftkit/manifests");
            let server = DevServer::start(Config {
                templates: craftkit_devserver::load_templates(cache).unwrap(),
                render_delay: Duration::from_millis(20),
                faults,
                fault_seed: 7,
                ..Config::default()
            })
            .await
            .unwrap();
            ready
                .send((server.url().to_owned(), server.keys()[0].clone()))
                .unwrap();
            let reply = tokio::task::spawn_blocking(move || stopped.recv().unwrap())
                .await
                .unwrap();
            let _ = reply.send(server.render_count(&server.keys()[0]));
            server.stop().await;
        });
    });
    let (url, key) = started.recv().unwrap();
    (url, key, stop)
}

fn client(url: &str, key: &str) -> blocking::Client {
    let inner = Client::builder()
        .key(key)
        .base_url(url)
        .retry_policy(
            RetryPolicy::default()
                .with_max_retries(8)
                .with_initial_backoff(Duration::from_millis(5)),
        )
        .build()
        .unwrap();
    blocking::Client::from_async(inner).unwrap()
}

#[test]
fn renders_waits_downloads_and_shares_through_faults_exactly_once() {
    let (url, key, stop) = server(vec![
        Fault {
            kind: FaultKind::Drop,
            when: FaultWhen::Requests(vec![1]),
        },
        Fault {
            kind: FaultKind::DropAfter,
            when: FaultWhen::Requests(vec![2]),
        },
        Fault {
            kind: FaultKind::Status(503),
            when: FaultWhen::Rate(0.2),
        },
    ]);
    let client = client(&url, &key);
    let payload = sample_handover().unwrap();
    let key = derive_idempotency_key("handover", &["BK-2931", "blocking"]);
    let render = client
        .render(&payload)
        .idempotency_key(key.clone())
        .send()
        .unwrap()
        .wait()
        .unwrap();
    let mut pdf = Vec::new();
    let bytes = client.download_to(&render, &mut pdf).unwrap();
    assert_eq!(bytes as usize, pdf.len());
    assert!(pdf.starts_with(b"%PDF-"));
    let share = client.share(&render.id, Some("blocking")).unwrap();
    assert!(share.url.starts_with(&url));
    // The same key again: the same render, not a second one.
    let again = client.render(&payload).idempotency_key(key).send().unwrap();
    assert_eq!(again.render().id, render.id);
    assert!(
        client
            .verify::<craftkit_example_macro::CharterHandover>()
            .unwrap()
            .changes
            .is_empty()
    );
    let (reply, count) = mpsc::channel();
    stop.send(reply).unwrap();
    assert_eq!(
        count.recv().unwrap(),
        1,
        "dropped answers and 503s never rendered twice"
    );
}

#[tokio::test]
async fn inside_an_async_runtime_it_is_an_error_not_a_deadlock() {
    let client = blocking::Client::from_async(
        Client::builder()
            .key("ck_test_abcdefghijklmnopqrstuvwx")
            .base_url("http://127.0.0.1:9")
            .build()
            .unwrap(),
    )
    .unwrap();
    let error = client.get_render("rnd_1").unwrap_err();
    assert!(
        matches!(error, craftkit_runtime::client::Error::Config(_)),
        "{error:?}"
    );
    let error = error.to_string();
    assert!(error.contains("current-thread tokio runtime"), "{error}");
    assert!(
        error.contains("use craftkit_runtime::Client there"),
        "the error says what to do instead: {error}"
    );
    drop(client); // dropping its runtime inside ours must not panic either
}

/// A local server started on the caller's runtime.
async fn in_process() -> DevServer {
    let cache = concat!(env!("CARGO_MANIFEST_DIR"), "/../../.craftkit/manifests");
    DevServer::start(Config {
        templates: craftkit_devserver::load_templates(cache).unwrap(),
        render_delay: Duration::from_millis(5),
        ..Config::default()
    })
    .await
    .unwrap()
}

#[test]
fn every_call_of_the_async_client_is_there_blocking() {
    let (url, key, stop) = server(Vec::new());
    let client = client(&url, &key);

    // render_json, and a handle of the async one's shape: it derefs to the render and says
    // whether it was replayed.
    let data = serde_json::to_value(sample_handover().unwrap()).unwrap();
    let request_key = derive_idempotency_key("handover", &["BK-2931", "blocking-json"]);
    let first = client
        .render_json("charter-handover", data.clone())
        .idempotency_key(request_key.clone())
        .send()
        .unwrap();
    assert!(first.id.starts_with("rnd_"), "{}", first.id);
    assert!(!first.replayed());
    let again = client
        .render_json("charter-handover", data)
        .idempotency_key(request_key)
        .send()
        .unwrap();
    assert!(again.replayed(), "the same key again is a replay");
    assert_eq!(again.id, first.id);
    let old_spelling = again.render().id.clone();
    assert_eq!(
        old_spelling, first.id,
        "`.render()` still compiles and agrees"
    );
    // Every call about one render takes the blocking handle, the render or its id
    // (`RenderRef`), as the async client's do.
    let by_handle = client
        .wait_with(&again, craftkit_runtime::client::WaitOptions::default())
        .unwrap();
    let render = first.wait().unwrap();
    assert_eq!(client.wait(&render).unwrap(), by_handle);
    assert_eq!(client.get_render(render.id.as_str()).unwrap().id, render.id);

    // Shares: create, list, revoke.
    let share = client.share(&render, Some("blocking")).unwrap();
    let shares = client.shares(&render.id).unwrap();
    assert_eq!(
        shares.iter().map(|s| &s.id).collect::<Vec<_>>(),
        [&share.id]
    );
    let revoked = client.revoke_share(&share.id).unwrap();
    assert!(revoked.revoked_at.is_some());

    // Templates: list, create, publish, an older version.
    let slugs: Vec<String> = client
        .list_templates()
        .map(|t| t.unwrap()["slug"].as_str().unwrap().to_owned())
        .collect();
    assert!(slugs.iter().any(|s| s == "charter-handover"), "{slugs:?}");
    let draft = craftkit_runtime::client::TemplateDraft::from_value(&serde_json::json!({
        "slug": "blocking-made",
        "name": "Made by the blocking client",
        "pipeline": "html",
        "variables": [{"path": "title", "type": "string", "required": true}]
    }))
    .unwrap();
    let created = client.create_template(&draft).unwrap();
    assert_eq!(
        (created.slug.as_str(), created.version),
        ("blocking-made", 0)
    );
    assert_eq!(client.publish_template("blocking-made").unwrap().version, 1);
    client.create_template(&draft.replace(true)).unwrap();
    assert_eq!(client.publish_template("blocking-made").unwrap().version, 2);
    let first_version = client.template_version("blocking-made", 1).unwrap();
    assert_eq!(first_version.manifest.version, 1);
    let current = client.template("blocking-made").unwrap();
    let etag = current.etag.clone().expect("an ETag");
    assert!(
        client
            .template_if_none_match("blocking-made", &etag)
            .unwrap()
            .is_none()
    );

    // render_stream: a Stream of items, iterated.
    let items =
        (0..3).map(|i| BatchItem::new(&sample_handover().unwrap(), format!("blocking-stream-{i}")));
    let results: Vec<_> = client
        .render_stream(futures_util::stream::iter(items), BatchOptions::new())
        .unwrap()
        .collect();
    assert_eq!(results.len(), 3);
    assert!(
        results.iter().all(|r| r.outcome.is_success()),
        "{results:?}"
    );

    let (reply, count) = mpsc::channel();
    stop.send(reply).unwrap();
    assert_eq!(count.recv().unwrap(), 4, "one render_json, three streamed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inside_spawn_blocking_of_a_multi_thread_runtime_it_works() {
    // The server runs on this very runtime: the blocking client must neither refuse nor stall it.
    let server = in_process().await;
    let in_task = client(server.url(), &server.keys()[0]);
    let client = in_task.clone();
    let payload = sample_handover().unwrap();
    let render = tokio::task::spawn_blocking(move || {
        let render = client.render(&payload).send()?.wait()?;
        let pdf = client.download(&render)?;
        Ok::<_, craftkit_runtime::client::Error>((render, pdf))
    })
    .await
    .unwrap();
    let (render, pdf) = render.expect("the blocking client works in spawn_blocking");
    assert_eq!(
        render.status,
        craftkit_runtime::client::RenderStatus::Succeeded
    );
    assert!(pdf.starts_with(b"%PDF-"));
    // In a task of a multi-thread runtime it works too (blocking this worker; the other one
    // runs the server), as the module's docs say.
    assert_eq!(in_task.get_render(&render.id).unwrap().id, render.id);
    server.stop().await;
}

#[test]
fn inside_spawn_blocking_of_a_current_thread_runtime_it_is_refused_as_documented() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let client = blocking::Client::new("ck_test_abcdefghijklmnopqrstuvwx").unwrap();
    let error = runtime
        .block_on(async { tokio::task::spawn_blocking(move || client.get_render("rnd_1")).await })
        .unwrap()
        .unwrap_err();
    assert!(
        error.to_string().contains("its spawn_blocking threads too"),
        "{error}"
    );
}

#[test]
fn a_batch_moved_into_a_current_thread_runtime_yields_an_error_per_item() {
    let client = blocking::Client::new("ck_test_abcdefghijklmnopqrstuvwx").unwrap();
    let items: Vec<BatchItem> = (0..3)
        .map(|i| BatchItem::new(&sample_handover().unwrap(), format!("moved-{i}")).index(10 + i))
        .collect();
    let batch = client.render_many(items, BatchOptions::new()).unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let results: Vec<_> = runtime.block_on(async move { batch.collect::<Vec<_>>() });
    assert_eq!(
        results.iter().map(|r| r.index).collect::<Vec<_>>(),
        [10, 11, 12],
        "one result per item, not an empty batch"
    );
    for result in &results {
        match &result.outcome {
            BatchOutcome::Error(craftkit_runtime::client::Error::Config(message)) => {
                assert!(
                    message.contains("current-thread tokio runtime"),
                    "{message}"
                );
            }
            other => panic!("expected Error::Config, got {other:?}"),
        }
        assert_eq!(result.attempts, 0);
    }
    // And the call itself is refused there up front.
    let error = runtime
        .block_on(async {
            client
                .render_many(Vec::new(), BatchOptions::new())
                .map(|_| ())
        })
        .unwrap_err();
    assert!(matches!(error, craftkit_runtime::client::Error::Config(_)));
}
