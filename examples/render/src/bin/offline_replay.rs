//! An offline-first app's replay: the same sign-off is submitted twice (the app reconnected and
//! replayed its queue), with the same key derived from its own identifiers, and Craftkit
//! renders it once.
//!
//! Run: `cargo run -p craftkit-example-render --bin offline-replay`

use craftkit_example_macro::sample_handover;
use craftkit_runtime::client::derive_idempotency_key;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (client, server) = craftkit_example_render::connect().await?;
    let payload = sample_handover()?;
    // The app's own identifiers of this sign-off, stored with it on the device.
    let key = derive_idempotency_key("charter-handover", &["device-7f3a", "signoff-0042"]);

    let first = client.render(&payload).idempotency_key(&key).send().await?;
    // ... the connection dropped before the app saw the answer; later it replays:
    let replay = client.render(&payload).idempotency_key(&key).send().await?;

    println!("first submission: {}", first.id);
    println!("replay:           {}", replay.id);
    assert_eq!(first.id, replay.id, "the replay is the same render");
    let render = replay.wait().await?;
    println!(
        "one render, {}: {} pages",
        render.status.as_str(),
        render.pages.unwrap_or(0)
    );
    if let Some(server) = server {
        assert_eq!(server.render_count(&server.keys()[0]), 1);
        server.stop().await;
    }
    Ok(())
}
