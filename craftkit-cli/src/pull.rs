//! `cargo craftkit pull`: fetch manifests into the cache, saying what changed.

use craftkit_core::manifest::Tree;
use craftkit_runtime::Client;
use futures_util::StreamExt;

use crate::api::Api;
use crate::{Failure, cache};

/// The arguments of `pull`.
#[derive(clap::Args, Debug)]
pub(crate) struct Args {
    /// The templates to fetch (with --all: every published one).
    pub slugs: Vec<String>,
    /// Fetch every published template.
    #[arg(long)]
    pub all: bool,
    #[command(flatten)]
    pub cache: cache::Dir,
    #[command(flatten)]
    pub api: Api,
}

/// Fetches the named templates (or every published one) and stores each in the cache.
pub(crate) async fn run(args: Args) -> Result<(), Failure> {
    let client = args.api.client()?;
    let slugs = if args.all {
        published(&client).await?
    } else {
        args.slugs
    };
    if slugs.is_empty() {
        return Err(Failure::input("name the templates to pull, or pass --all"));
    }
    let source = args.cache.source();
    let progress = Progress::new(slugs.len());
    for (done, slug) in slugs.iter().enumerate() {
        progress.show(done, slug);
        let live = client
            .template(slug)
            .await
            .map_err(|e| Failure::input(e.to_string()))?
            .manifest;
        // The cache files a manifest under its own slug: an answer about another template
        // would be stored (or overwrite one) under a name nobody asked for.
        if live.slug != *slug {
            return Err(Failure::input(format!(
                "asked for `{slug}`, the server answered the manifest of {:?}: nothing was stored",
                live.slug
            )));
        }
        // A cached file that no longer parses is replaced, like a stale one.
        match cache::read(&source, slug)
            .ok()
            .flatten()
            .map(Tree::into_manifest)
        {
            Some(old) if old == live => println!("{slug}: unchanged (version {})", live.version),
            Some(old) => {
                source
                    .store(&live)
                    .map_err(|e| Failure::input(e.to_string()))?;
                println!(
                    "{slug}: updated (version {} -> {})",
                    old.version, live.version
                );
            }
            None => {
                source
                    .store(&live)
                    .map_err(|e| Failure::input(e.to_string()))?;
                println!("{slug}: new (version {})", live.version);
            }
        }
    }
    progress.finish();
    Ok(())
}

/// A one-line progress bar on standard error, drawn only on a terminal and only when there
/// are enough templates for it to help (piped output stays clean).
struct Progress {
    total: usize,
    enabled: bool,
}

impl Progress {
    fn new(total: usize) -> Progress {
        use std::io::IsTerminal;
        Progress {
            total,
            enabled: total >= 5 && std::io::stderr().is_terminal(),
        }
    }

    fn show(&self, done: usize, slug: &str) {
        if self.enabled {
            const WIDTH: usize = 30;
            let filled = WIDTH * done / self.total.max(1);
            eprint!(
                "\r[{}{}] {done}/{} {slug:<40.40}",
                "#".repeat(filled),
                " ".repeat(WIDTH - filled),
                self.total
            );
        }
    }

    fn finish(&self) {
        if self.enabled {
            eprintln!(
                "\r[{}] {}/{} done{:<40}",
                "#".repeat(30),
                self.total,
                self.total,
                ""
            );
        }
    }
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
