//! `cargo craftkit check`: cached manifests against the live ones, for CI.

use std::path::PathBuf;

use crate::{Api, Failure, cache};

pub(crate) async fn run(
    slugs: Vec<String>,
    exact: bool,
    dir: Option<PathBuf>,
    api: &Api,
) -> Result<(), Failure> {
    let client = api.client()?;
    let source = cache::source(dir);
    let slugs = if slugs.is_empty() {
        source.cached_slugs()
    } else {
        slugs
    };
    if slugs.is_empty() {
        return Err(Failure::input(format!(
            "no cached manifests in {}",
            source.dir().display()
        )));
    }
    let mut failed = Vec::new();
    for slug in &slugs {
        let cached = cache::require(&source, slug)?.into_manifest();
        let live = client
            .template(slug)
            .await
            .map_err(|e| Failure::input(e.to_string()))?
            .manifest;
        let compatibility = cached
            .compare(&live)
            .map_err(|e| Failure::input(e.to_string()))?;
        let breaking = compatibility.is_breaking();
        let differs = !compatibility.changes.is_empty() || cached != live;
        if compatibility.changes.is_empty() {
            println!(
                "{slug}: {}",
                if differs {
                    "differs only in fields that do not bind"
                } else {
                    "up to date"
                }
            );
        } else {
            let verdict = if breaking { "BREAKING" } else { "compatible" };
            println!(
                "{slug}: {verdict} (cached version {}, live version {})",
                cached.version, live.version
            );
            for change in &compatibility.changes {
                println!("  {change}");
            }
        }
        if breaking || (exact && differs) {
            failed.push(slug.clone());
        }
    }
    if failed.is_empty() {
        Ok(())
    } else {
        let why = if exact {
            "differ from the live API"
        } else {
            "have breaking changes"
        };
        Err(Failure::failed(format!(
            "{} {why}: run `cargo craftkit pull {}` and fix the code that no longer fits",
            failed.join(", "),
            failed.join(" ")
        )))
    }
}
