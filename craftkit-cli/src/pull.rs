//! `cargo craftkit pull`: fetch manifests into the cache, saying what changed.

use craftkit_codegen::ManifestSource;
use craftkit_core::manifest::{Manifest, Tree};
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
        let stored = store(&source, slug, &live)?;
        println!("{slug}: {stored}");
    }
    progress.finish();
    Ok(())
}

/// What [`store`] did to the cache.
pub(crate) enum Stored {
    /// No manifest of the template was cached (or the cached one no longer parsed).
    New { version: u64 },
    /// The cache already held this manifest.
    Unchanged { version: u64 },
    /// The cache held another manifest of the template, now replaced.
    Updated { from: u64, to: u64 },
}

impl std::fmt::Display for Stored {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Stored::New { version } => write!(f, "new (version {version})"),
            Stored::Unchanged { version } => write!(f, "unchanged (version {version})"),
            Stored::Updated { from, to } => write!(f, "updated (version {from} -> {to})"),
        }
    }
}

/// Writes `live`, the published manifest the API answered for `slug`, into the cache, unless
/// the cache already holds it; refuses an answer about another template.
pub(crate) fn store(
    source: &ManifestSource,
    slug: &str,
    live: &Manifest,
) -> Result<Stored, Failure> {
    // The cache files a manifest under its own slug: an answer about another template
    // would be stored (or overwrite one) under a name nobody asked for.
    if live.slug != *slug {
        return Err(Failure::input(format!(
            "asked for `{slug}`, the server answered the manifest of {:?}: nothing was stored",
            live.slug
        )));
    }
    // A cached file that no longer parses is replaced, like a stale one.
    let old = cache::read(source, slug)
        .ok()
        .flatten()
        .map(Tree::into_manifest);
    let stored = match old {
        Some(old) if old == *live => {
            return Ok(Stored::Unchanged {
                version: live.version,
            });
        }
        Some(old) => Stored::Updated {
            from: old.version,
            to: live.version,
        },
        None => Stored::New {
            version: live.version,
        },
    };
    source
        .store(live)
        .map_err(|e| Failure::input(e.to_string()))?;
    Ok(stored)
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
