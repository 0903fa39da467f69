//! Renders the invoice (rust_decimal money, chrono dates) to a PDF through the local Craftkit
//! server, started in-process: no network, no key.
//!
//! Run: `cargo run -p craftkit-example-overrides`

use craftkit_devserver::{Config, DevServer};
use craftkit_runtime::{Client, Template};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let invoice = craftkit_example_overrides::sample_invoice();
    invoice.validate()?; // checks the JSON the Decimals and NaiveDates serialize to
    let cache = concat!(env!("CARGO_MANIFEST_DIR"), "/.craftkit/manifests");
    let server = DevServer::start(Config {
        templates: craftkit_devserver::load_templates(cache)?,
        ..Config::default()
    })
    .await?;
    let client = Client::builder()
        .key(&server.keys()[0])
        .base_url(server.url())
        .build()?;
    let render = client.render(&invoice).send().await?.wait().await?;
    let path = std::env::temp_dir().join(&render.filename);
    client.download_to_file(&render, &path).await?;
    println!("{}", path.display());
    server.stop().await;
    Ok(())
}
