//! What both programs of this example share: a client for `CRAFTKIT_API_URL` /
//! `CRAFTKIT_API_KEY` when they are set, else for a local Craftkit server started in-process
//! with the workspace's manifest cache (no network, no key).

use craftkit_devserver::{Config, DevServer};
use craftkit_runtime::Client;

/// A client, and the local server it talks to when one was started (stop it at the end).
pub async fn connect() -> Result<(Client, Option<DevServer>), Box<dyn std::error::Error>> {
    if std::env::var_os("CRAFTKIT_API_URL").is_some()
        && std::env::var_os("CRAFTKIT_API_KEY").is_some()
    {
        return Ok((Client::from_env()?, None));
    }
    let cache = concat!(env!("CARGO_MANIFEST_DIR"), "/../../.craftkit/manifests");
    let server = DevServer::start(Config {
        templates: craftkit_devserver::load_templates(cache)?,
        ..Config::default()
    })
    .await?;
    eprintln!("started the local Craftkit server at {}", server.url());
    let client = Client::builder()
        .key(&server.keys()[0])
        .base_url(server.url())
        .build()?;
    Ok((client, Some(server)))
}
