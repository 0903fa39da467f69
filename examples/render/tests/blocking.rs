//! The blocking client (feature `blocking`) against the local server with faults on: the same
//! retries and idempotency as the async client (it is the async client underneath), from a
//! thread with no runtime of its own; and refused inside an async runtime instead of
//! deadlocking it.

use std::sync::mpsc;
use std::time::Duration;

use craftkit_devserver::{Config, DevServer, Fault, FaultKind, FaultWhen};
use craftkit_example_macro::sample_handover;
use craftkit_runtime::blocking;
use craftkit_runtime::client::{Client, RetryPolicy, derive_idempotency_key};

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
        .retry_policy(RetryPolicy {
            max_retries: 8,
            initial_backoff: Duration::from_millis(5),
            ..RetryPolicy::default()
        })
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
    let error = client.get_render("rnd_1").unwrap_err().to_string();
    assert!(error.contains("inside an async runtime"), "{error}");
    drop(client); // dropping its runtime inside ours must not panic either
}
