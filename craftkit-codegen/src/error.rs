//! The generator's errors: each names the template, the file or path, and the fix.

use std::path::PathBuf;

use craftkit_core::manifest::ManifestError;

/// Why bindings could not be generated.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The manifest breaks a rule of the spec.
    #[error("{}{error}", path.as_ref().map(|p| format!("{}: ", p.display())).unwrap_or_default())]
    Manifest {
        /// The file it was read from, when it came from a file.
        path: Option<PathBuf>,
        /// Every problem found.
        error: ManifestError,
    },
    /// No manifest for the template in the cache.
    #[error(
        "no manifest for template `{slug}`: {}looked for {}. Fetch it with `cargo craftkit pull {slug}` \
         (or save the answer of `GET /v1/templates/{slug}` there), or point {env} at the directory that holds it; \
         with the `fetch` feature and CRAFTKIT_API_KEY set (and CRAFTKIT_OFFLINE unset), a build fetches it itself",
        did_you_mean.as_ref().map(|s| format!("did you mean `{s}` (cached)? ")).unwrap_or_default(),
        path.display(),
        env = crate::MANIFEST_DIR_ENV
    )]
    NotFound {
        /// The template's slug.
        slug: String,
        /// The file that does not exist.
        path: PathBuf,
        /// The cached slug closest to `slug`, when one is close enough to be a typo of it.
        did_you_mean: Option<String>,
    },
    /// A slug that breaks `^[a-z0-9][a-z0-9-]{0,63}$`, so it cannot name a manifest file.
    #[error(
        "`{0}` is not a template slug: a slug is 1 to 64 lowercase ASCII letters, digits and `-`, starting with a letter or digit"
    )]
    InvalidSlug(String),
    /// The manifest's own slug differs from the one asked for.
    #[error(
        "{}: this file holds the manifest of `{found}`, not `{expected}`; pull `{expected}` again",
        path.display()
    )]
    SlugMismatch {
        /// The slug asked for.
        expected: String,
        /// The slug in the file.
        found: String,
        /// The file.
        path: PathBuf,
    },
    /// The root type name is not a Rust identifier.
    #[error("`{0}` cannot name the root type: it must be a Rust identifier")]
    InvalidRootName(String),
    /// The visibility or the attributes of [`Options`](crate::Options) are not Rust: a
    /// visibility (`pub`, `pub(crate)`, nothing) and outer attributes (`#[...]`).
    #[error("{0}")]
    InvalidOptions(String),
    /// Reading or writing a file failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What the OS said.
        source: std::io::Error,
    },
    /// A live fetch of a manifest failed.
    #[error("fetching the manifest of `{slug}` failed: {message}")]
    Fetch {
        /// The template's slug.
        slug: String,
        /// What went wrong.
        message: String,
    },
    /// An override (`.craftkit/config.toml`, a Builder setting or a macro argument) names
    /// something the template does not have, is not Rust, or cannot apply.
    #[error(
        "template `{template}`: overrides:{}{message}",
        if message.contains('\n') { "\n" } else { " " }
    )]
    Override {
        /// The template's slug.
        template: String,
        /// Every problem's message, joined by `; ` (by lines when one of them was pointed at
        /// its line of `.craftkit/config.toml` by [`LoadedConfig::locate`](crate::LoadedConfig::locate)):
        /// what is wrong, and the closest existing name when a name is wrong.
        message: String,
        /// Every problem, with the setting that caused it (the macro points each at its
        /// argument).
        problems: Vec<crate::OverrideProblem>,
    },
    /// The configuration file is not valid TOML, has a key this version does not know, or
    /// names a template that is not cached. Shown as a compiler shows an error:
    /// `.craftkit/config.toml:LINE:COL: message`, then the line with a caret under the cause.
    #[error(
        "{}{}: {message}",
        crate::config_span::shown(path).display(),
        position.map(|at| format!(":{}:{}", at.line, at.column)).unwrap_or_default()
    )]
    ConfigFile {
        /// The file.
        path: PathBuf,
        /// Where in it, when the problem has a place.
        position: Option<crate::config::Position>,
        /// What is wrong, then (with a position) the line quoted with a caret under the cause.
        message: String,
    },
    /// The [`Builder`](crate::Builder) was misused: it was given no template, or
    /// [`generate`](crate::Builder::generate) ran outside a build script without an
    /// [`out_dir`](crate::Builder::out_dir). Only the Builder returns it.
    #[error("{0}")]
    Config(String),
    /// A bug in craftkit-codegen: valid input met a case it does not handle. The message says
    /// where; please report it.
    #[error("{0}")]
    Internal(String),
}

impl From<ManifestError> for Error {
    fn from(error: ManifestError) -> Error {
        Error::Manifest { path: None, error }
    }
}
