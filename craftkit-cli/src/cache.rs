//! The manifest cache on disk, as the macro and the Builder find it.

use std::path::{Path, PathBuf};

use craftkit_codegen::ManifestSource;
use craftkit_core::manifest::{ManifestError, Tree};

use crate::Failure;

/// `--manifest-dir`, flattened into each subcommand that reads or writes the cache.
#[derive(clap::Args, Clone, Debug, Default)]
pub(crate) struct Dir {
    /// The cache directory (default: .craftkit/manifests under the crate or workspace root).
    #[arg(long)]
    pub manifest_dir: Option<PathBuf>,
}

impl Dir {
    /// The cache: `--manifest-dir`, else what the macro would use for the crate in the
    /// current directory.
    pub(crate) fn source(&self) -> ManifestSource {
        match &self.manifest_dir {
            Some(dir) => ManifestSource::new(dir),
            None => ManifestSource::for_crate(
                &std::env::current_dir().unwrap_or_else(|_| PathBuf::from(".")),
            ),
        }
    }
}

/// Reads the cached manifest of `slug`, validated and folded once; `None` when there is none.
/// An invalid one is an input error naming the file, line and column; one over 20 MiB (the
/// API's limit, so no server sent it) is an error before it is read whole.
pub(crate) fn read(source: &ManifestSource, slug: &str) -> Result<Option<Tree>, Failure> {
    let path = source
        .path_for(slug)
        .map_err(|e| Failure::input(e.to_string()))?;
    let text = match crate::files::read_text(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Failure::input(format!("{}: {e}", path.display()))),
    };
    Tree::from_json(&text)
        .map(Some)
        .map_err(|error| Failure::input(located(&path, &text, &error)))
}

/// [`read`], with a missing manifest an input error that says how to fetch it and, when a
/// cached slug is close to `slug`, which one was probably meant.
pub(crate) fn require(source: &ManifestSource, slug: &str) -> Result<Tree, Failure> {
    read(source, slug)?.ok_or_else(|| {
        let did_you_mean = source
            .closest_slug(slug)
            .map(|close| format!("did you mean `{close}`? It is cached. Otherwise "))
            .unwrap_or_default();
        Failure::input(format!(
            "no cached manifest for `{slug}`: {did_you_mean}run `cargo craftkit pull {slug}`"
        ))
    })
}

/// A manifest error as `file:line:column: message`, each problem at the line of its variable.
pub(crate) fn located(path: &Path, text: &str, error: &ManifestError) -> String {
    match error {
        ManifestError::Syntax {
            line,
            column,
            message,
        } => format!("{}:{line}:{column}: {message}", path.display()),
        _ => {
            let mut out = format!("{}: {error}", path.display());
            for problem in error.problems() {
                let needle = serde_json::to_string(problem.path()).unwrap_or_default();
                if let Some(at) = text.find(&needle) {
                    let line = text[..at].matches('\n').count() + 1;
                    let column = at - text[..at].rfind('\n').map_or(0, |n| n + 1) + 1;
                    out.push_str(&format!(
                        "\n  {}:{line}:{column}: {}",
                        path.display(),
                        problem
                    ));
                }
            }
            out
        }
    }
}
