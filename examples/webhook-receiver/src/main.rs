//! Receives the webhooks of the local Craftkit server (started in-process, no network, no
//! key): renders the sample charter hand-over, and prints the PDF the receiver downloaded
//! when the `render.succeeded` delivery arrived.
//!
//! Run: `cargo run -p craftkit-example-webhook-receiver`

use std::time::Duration;

use craftkit_devserver::{Config, DevServer, WebhookEndpoint};
use craftkit_example_webhook_receiver::Receiver;
use craftkit_runtime::Client;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let secret = "whsec_example";
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let endpoint = format!("http://{}/webhooks/craftkit", listener.local_addr()?);
    let cache = concat!(env!("CARGO_MANIFEST_DIR"), "/../../.craftkit/manifests");
    let server = DevServer::start(Config {
        templates: craftkit_devserver::load_templates(cache)?,
        webhooks: vec![WebhookEndpoint {
            url: endpoint,
            secret: secret.into(),
            previous_secret: None,
        }],
        ..Config::default()
    })
    .await?;
    let client = Client::builder()
        .key(&server.keys()[0])
        .base_url(server.url())
        .build()?;
    let receiver = Receiver::new(secret, client.clone(), std::env::temp_dir());
    let app = receiver.router();
    tokio::spawn(async move { axum::serve(listener, app).await });

    let payload = craftkit_example_macro::sample_handover()?;
    let render = client.render(&payload).send().await?.wait().await?;
    for _ in 0..100 {
        if let Some(pdf) = receiver.processed().iter().find_map(|p| p.pdf.clone()) {
            println!("render {} -> {}", render.id, pdf.display());
            server.stop().await;
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    server.stop().await;
    Err("no webhook arrived within 5 s".into())
}
