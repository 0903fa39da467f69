//! "Testing your integration" (docs/local-server.md): a test of the user's own function that
//! calls Craftkit, against the local server in-process, asserting on what the function sent.

use craftkit_devserver::{Config, DevServer};
use craftkit_example_macro::{CharterHandover, sample_handover};
use craftkit_runtime::Client;
use craftkit_runtime::client::derive_idempotency_key;

/// The user's code under test: renders a hand-over once per booking, and returns its id.
async fn send_handover(
    client: &Client,
    handover: &CharterHandover,
) -> Result<String, Box<dyn std::error::Error>> {
    let key = derive_idempotency_key("handover", &[&handover.booking.code]);
    let render = client.render(handover).idempotency_key(key).send().await?;
    Ok(render.id.clone())
}

#[tokio::test]
async fn send_handover_renders_the_template_once_with_the_booking_as_key() {
    let cache = concat!(env!("CARGO_MANIFEST_DIR"), "/../../.craftkit/manifests");
    let server = DevServer::start(Config {
        templates: craftkit_devserver::load_templates(cache).unwrap(),
        ..Config::default()
    })
    .await
    .unwrap();
    let client = Client::builder()
        .key(&server.keys()[0])
        .base_url(server.url())
        .build()
        .unwrap();
    let handover = sample_handover().unwrap();

    send_handover(&client, &handover).await.unwrap();
    send_handover(&client, &handover).await.unwrap(); // a retry of the job: same key

    let renders: Vec<_> = server
        .requests()
        .into_iter()
        .filter(|r| r.method == "POST" && r.path == "/v1/templates/charter-handover/render")
        .collect();
    assert_eq!(renders.len(), 2);
    let key = derive_idempotency_key("handover", &["BK-2931"]);
    for render in &renders {
        assert_eq!(render.header("idempotency-key"), Some(key.as_str()));
        assert_eq!(render.header("authorization"), Some("Bearer [redacted]"));
        let body = render.body.as_ref().unwrap();
        assert_eq!(body["data"]["booking"]["code"], "BK-2931");
    }
    assert_eq!(
        server.render_count(&server.keys()[0]),
        1,
        "one render for both calls"
    );
    server.stop().await;
}
