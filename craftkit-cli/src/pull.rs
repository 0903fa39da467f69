//! `cargo craftkit pull`: fetch manifests into the cache, saying what changed.

use std::path::PathBuf;

use craftkit_runtime::Client;
use futures_util::StreamExt;

use crate::{Api, Failure, cache};

pub(crate) async fn run(
    slugs: Vec<String>,
    all: bool,
    dir: Option<PathBuf>,
    api: &Api,
) -> Result<(), Failure> {
    let client = api.client()?;
    let slugs = if all {
        published(&client).await?
    } else {
        slugs
    };
    if slugs.is_empty() {
        return Err(Failure::input("name the templates to pull, or pass --all"));
    }
    let source = cache::source(dir);
    for slug in &slugs {
        let live = client
            .template(slug)
            .await
            .map_err(|e| Failure::input(e.to_string()))?
            .manifest;
        let path = source
            .path_for(slug)
            .map_err(|e| Failure::input(e.to_string()))?;
        // A cached file that no longer parses is replaced, like a stale one.
        match cache::read(&source, slug).ok().flatten() {
            Some(old) if old == live => println!("{slug}: unchanged (version {})", live.version),
            Some(old) => {
                cache::write(&path, &live)?;
                println!(
                    "{slug}: updated (version {} -> {})",
                    old.version, live.version
                );
            }
            None => {
                cache::write(&path, &live)?;
                println!("{slug}: new (version {})", live.version);
            }
        }
    }
    Ok(())
}

/// Every published slug, following the list's cursor.
async fn published(client: &Client) -> Result<Vec<String>, Failure> {
    let mut stream = std::pin::pin!(client.list_templates());
    let mut slugs = Vec::new();
    while let Some(item) = stream.next().await {
        let summary = item.map_err(|e| Failure::input(e.to_string()))?;
        if let Some(slug) = summary["slug"].as_str() {
            slugs.push(slug.to_owned());
        }
    }
    Ok(slugs)
}
