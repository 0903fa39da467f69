//! The main job: builds a typed charter hand-over payload, renders it with an idempotency
//! key, waits for it, saves the PDF under `./out/`, creates a share link, and prints the
//! file's path and the link.
//!
//! Run: `cargo run -p craftkit-example-render`
//!
//! With `CRAFTKIT_API_URL` and `CRAFTKIT_API_KEY` set it talks to that server; without them it
//! starts the local server in-process, so it needs no network and no key.

use std::path::PathBuf;

use craftkit_example_macro::sample_handover;
use craftkit_runtime::client::derive_idempotency_key;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (client, server) = craftkit_example_render::connect().await?;
    let payload = sample_handover()?;

    // One key per sign-off: however often this runs or retries, it renders once.
    let key = derive_idempotency_key("charter-handover", &[&payload.booking.code, "signoff"]);
    let render = client
        .render(&payload) // checks the bounds first: nothing is sent if they are broken
        .idempotency_key(key)
        .filename(format!("handover-{}.pdf", payload.booking.code))
        .send()
        .await?;
    eprintln!("render {} accepted", render.id);
    let render = render.wait().await?;

    let path = PathBuf::from("out").join(&render.filename);
    tokio::fs::create_dir_all("out").await?;
    let bytes = client.download_to_file(&render, &path).await?;
    let share = client.share(&render.id, Some("for the charterer")).await?;
    eprintln!("{} pages, {bytes} bytes", render.pages.unwrap_or(0));
    println!("{}", std::fs::canonicalize(&path)?.display());
    println!("{}", share.url);
    if let Some(server) = server {
        server.stop().await;
    }
    Ok(())
}
