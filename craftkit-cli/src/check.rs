//! `cargo craftkit check`: cached manifests against the live ones, for CI.

use craftkit_codegen::surface::surface;
use craftkit_codegen::{LoadedConfig, Options};
use craftkit_core::manifest::{Compatibility, Tree};

use crate::api::Api;
use crate::{Failure, cache};

/// The arguments of `check`.
#[derive(clap::Args, Debug)]
pub(crate) struct Args {
    /// The templates to check (default: every cached one).
    pub slugs: Vec<String>,
    /// Fail on any difference, not only breaking ones.
    #[arg(long)]
    pub exact: bool,
    #[command(flatten)]
    pub cache: cache::Dir,
    #[command(flatten)]
    pub api: Api,
}

/// Compares each cached manifest with the live one; a failure names the templates that
/// differ and the command that updates them.
pub(crate) async fn run(args: Args) -> Result<(), Failure> {
    let Args {
        slugs,
        exact,
        cache,
        api,
    } = args;
    let client = api.client()?;
    let source = cache.source();
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
    // The overrides decide the Rust names, as they do for the macro and the Builder.
    let config = source.config().map_err(|e| Failure::input(e.to_string()))?;
    let mut failed = Vec::new();
    for slug in &slugs {
        let cached_tree = cache::require(&source, slug)?;
        let live = client
            .template(slug)
            .await
            .map_err(|e| Failure::input(e.to_string()))?
            .manifest;
        let live_tree = live.tree().map_err(|e| Failure::input(e.to_string()))?;
        let options = Options::default().with_overrides(config.config.for_template(slug));
        let diff = Diff::new(slug, &cached_tree, &live_tree, &options, &config)?;
        diff.print(
            slug,
            &format!(
                "cached version {}, live version {}",
                cached_tree.manifest().version,
                live.version
            ),
        );
        if diff.is_breaking() || (exact && diff.differs()) {
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

/// What changes from one manifest of a template to the next, for the code generated from the
/// first: the spec's compatibility rules and the Rust names that would change. `check` prints
/// it for the cache against the live API, `push` for the published version against a draft.
pub(crate) struct Diff {
    compatibility: Compatibility,
    /// One line per generated Rust name that changes.
    names: Vec<String>,
    /// Whether the two manifests differ at all, fields that do not bind included.
    differs: bool,
}

impl Diff {
    /// The changes from `old` (what code was generated from) to `new` for `slug`, with the
    /// overrides of `options` applied to the Rust names (a problem that `file` gave is shown
    /// at its line there).
    pub(crate) fn new(
        slug: &str,
        old: &Tree,
        new: &Tree,
        options: &Options,
        file: &LoadedConfig,
    ) -> Result<Diff, Failure> {
        let names = rust_names(slug, old, new, options, file)?;
        let compatibility = old
            .manifest()
            .compare(new.manifest())
            .map_err(|e| Failure::input(e.to_string()))?;
        Ok(Diff {
            compatibility,
            names,
            differs: old.manifest() != new.manifest(),
        })
    }

    /// Whether code generated from the old manifest breaks: a breaking change by the spec's
    /// rules, or a Rust name that changes.
    pub(crate) fn is_breaking(&self) -> bool {
        self.compatibility.is_breaking() || !self.names.is_empty()
    }

    /// Whether the manifests differ at all (a description or a version too).
    pub(crate) fn differs(&self) -> bool {
        self.differs
    }

    /// Prints the report: `SLUG: up to date`, or the verdict with `versions` in parentheses
    /// and one indented line per change.
    pub(crate) fn print(&self, slug: &str, versions: &str) {
        if self.compatibility.changes.is_empty() && self.names.is_empty() {
            println!(
                "{slug}: {}",
                if self.differs {
                    "differs only in fields that do not bind"
                } else {
                    "up to date"
                }
            );
            return;
        }
        let verdict = if self.is_breaking() {
            "BREAKING"
        } else {
            "compatible"
        };
        println!("{slug}: {verdict} ({versions})");
        for change in &self.compatibility.changes {
            println!("  {change}");
        }
        for line in &self.names {
            println!("  {line}");
        }
    }
}

/// What a user's code would see change in the Rust names generated for `slug` (the
/// overrides applied), each line with the override that keeps the old name where one can.
/// A compatible manifest change can rename a type or a field (a new `work.address` makes
/// `Address` into `HomeAddress`): code that names it would no longer compile, so `check`
/// counts it as breaking.
fn rust_names(
    slug: &str,
    cached: &Tree,
    live: &Tree,
    options: &Options,
    file: &LoadedConfig,
) -> Result<Vec<String>, Failure> {
    let before =
        surface(cached, options).map_err(|e| Failure::input(file.point_at_lines(e).to_string()))?;
    let after = match surface(live, options) {
        Ok(after) => after,
        // An override that applied to the cached manifest no longer does.
        Err(error) => {
            return Ok(vec![format!(
                "Rust: the overrides no longer apply: {}",
                file.point_at_lines(error)
            )]);
        }
    };
    Ok(before
        .renamed(&after)
        .iter()
        .map(|renamed| match renamed.pin(slug) {
            Some(pin) => format!(
                "Rust: {renamed}; to keep the old name, add to .craftkit/config.toml:\n    {}",
                pin.replace('\n', "\n    ")
            ),
            None => format!("Rust: {renamed}; code that calls it by its old name must change"),
        })
        .collect())
}
