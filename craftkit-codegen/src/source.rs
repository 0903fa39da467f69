//! Where manifests come from: the cache directory, and the live fetcher behind it (feature
//! `fetch`, [`crate::fetch`]) when one is set.
//!
//! The cache is the build's source of truth (`.craftkit/manifests/<slug>.json`, checked in
//! like `Cargo.lock`). The macro and the [`Builder`](crate::Builder) read it through this one
//! type, so they find the same file and report a missing one the same way.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use craftkit_core::manifest::{Manifest, Tree};

use crate::Error;

/// The environment variable that overrides the manifest cache directory (absolute, or relative
/// to the crate's root).
pub const MANIFEST_DIR_ENV: &str = "CRAFTKIT_MANIFEST_DIR";
/// The environment variable with the API key (used by the `fetch` feature).
pub const KEY_ENV: &str = "CRAFTKIT_API_KEY";
/// The environment variable with the API's base URL (used by the `fetch` feature).
pub const URL_ENV: &str = "CRAFTKIT_API_URL";
/// `CRAFTKIT_OFFLINE=true` forbids any fetch.
pub const OFFLINE_ENV: &str = "CRAFTKIT_OFFLINE";

/// The cache directory under a crate or workspace root.
const DEFAULT_DIR: &str = ".craftkit/manifests";

/// Something that can fetch a manifest's JSON when the cache lacks it (a live API client).
pub trait Fetch {
    /// The JSON text of the published manifest of `slug`, or why it could not be had.
    fn fetch(&self, slug: &str) -> Result<String, String>;
}

/// A manifest read from the cache, validated and folded once.
#[derive(Debug, Clone)]
pub struct LoadedManifest {
    /// The file it was read from (or written to, when it was fetched).
    pub path: PathBuf,
    /// The validated manifest, folded: [`Tree::manifest`] is the manifest itself.
    pub tree: Tree,
}

impl LoadedManifest {
    /// The validated manifest.
    pub fn manifest(&self) -> &Manifest {
        self.tree.manifest()
    }
}

/// The overrides file of a manifest cache, read ([`ManifestSource::config`]).
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct LoadedConfig {
    /// The file, when it exists: the macro and the Builder make the compiler track it.
    pub path: Option<PathBuf>,
    /// What it says (empty when there is no file).
    pub config: crate::Config,
    /// Its text, to point problems at their lines.
    text: Option<String>,
}

impl LoadedConfig {
    /// `problem` of the template `slug` shown at the text of this file that gave its setting,
    /// as a compiler shows an error: `.craftkit/config.toml:LINE:COL: message`, the line
    /// quoted, a caret under the key or item. `None` when the file does not say it (the
    /// setting came from a [`Builder`](crate::Builder) setting or a macro argument).
    pub fn locate(&self, slug: &str, problem: &crate::OverrideProblem) -> Option<String> {
        self.locate_message(slug, &problem.setting, &problem.message)
    }

    /// `message` at the text that gave `setting` (see [`LoadedConfig::locate`]).
    pub(crate) fn locate_message(
        &self,
        slug: &str,
        setting: &crate::Setting,
        message: &str,
    ) -> Option<String> {
        let (path, text) = (self.path.as_ref()?, self.text.as_ref()?);
        let span = crate::config_span::locate(text, slug, setting)?;
        Some(crate::config_span::render(path, text, span, message))
    }

    /// `error`, with each problem of an [`Error::Override`] that this file gave pointed at its
    /// line ([`LoadedConfig::locate`]); any other error as it is. Every problem stays.
    pub fn point_at_lines(&self, error: Error) -> Error {
        let Error::Override {
            template,
            message,
            problems,
        } = error
        else {
            return error;
        };
        let located: Vec<Option<String>> = problems
            .iter()
            .map(|problem| self.locate(&template, problem))
            .collect();
        if located.iter().all(Option::is_none) {
            return Error::Override {
                template,
                message,
                problems,
            };
        }
        let message = problems
            .iter()
            .zip(located)
            .map(|(problem, at)| at.unwrap_or_else(|| problem.message.clone()))
            .collect::<Vec<_>>()
            .join("\n");
        Error::Override {
            template,
            message,
            problems,
        }
    }
}

/// The manifest cache, and optionally a fetcher for what it lacks.
pub struct ManifestSource {
    dir: PathBuf,
    fetcher: Option<Box<dyn Fetch>>,
}

impl std::fmt::Debug for ManifestSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ManifestSource")
            .field("dir", &self.dir)
            .field("fetcher", &self.fetcher.as_ref().map(|_| "..."))
            .finish()
    }
}

impl ManifestSource {
    /// A source reading manifests from `dir`.
    pub fn new(dir: impl Into<PathBuf>) -> ManifestSource {
        ManifestSource {
            dir: dir.into(),
            fetcher: None,
        }
    }

    /// The source for the crate whose root (the directory of its `Cargo.toml`) is
    /// `crate_root`: `$CRAFTKIT_MANIFEST_DIR` when set (relative paths are taken from the
    /// crate's root), else `<crate root>/.craftkit/manifests` when it exists, else the same
    /// directory under the nearest enclosing workspace root that has it, else the crate's.
    ///
    /// With the `fetch` feature, a manifest missing from the cache is fetched from the API
    /// when `CRAFTKIT_API_KEY` is set and `CRAFTKIT_OFFLINE` is not.
    pub fn for_crate(crate_root: &Path) -> ManifestSource {
        let source = ManifestSource::resolve(crate_root, std::env::var_os(MANIFEST_DIR_ENV));
        #[cfg(feature = "fetch")]
        if let Some(fetcher) = crate::fetch::LiveFetcher::from_env() {
            return source.with_fetcher(fetcher);
        }
        source
    }

    fn resolve(crate_root: &Path, env_dir: Option<std::ffi::OsString>) -> ManifestSource {
        if let Some(dir) = env_dir.filter(|d| !d.is_empty()) {
            return ManifestSource::new(crate_root.join(dir));
        }
        let own = crate_root.join(DEFAULT_DIR);
        if own.is_dir() {
            return ManifestSource::new(own);
        }
        for ancestor in crate_root.ancestors().skip(1) {
            let candidate = ancestor.join(DEFAULT_DIR);
            if candidate.is_dir() {
                return ManifestSource::new(candidate);
            }
            if is_workspace_root(ancestor) {
                break;
            }
        }
        ManifestSource::new(own)
    }

    /// Adds a fetcher, asked for manifests the cache lacks; what it returns is validated and
    /// written into the cache.
    pub fn with_fetcher(mut self, fetcher: impl Fetch + 'static) -> ManifestSource {
        self.fetcher = Some(Box::new(fetcher));
        self
    }

    /// The cache directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The environment variables that decide where manifests come from, for
    /// `cargo:rerun-if-env-changed`.
    pub fn env_vars() -> &'static [&'static str] {
        &[MANIFEST_DIR_ENV, KEY_ENV, URL_ENV, OFFLINE_ENV]
    }

    /// The cache file of `slug`, after checking that the slug is one (so no slug can name a
    /// file outside the cache).
    pub fn path_for(&self, slug: &str) -> Result<PathBuf, Error> {
        if !craftkit_core::manifest::is_valid_slug(slug) {
            return Err(Error::InvalidSlug(slug.to_owned()));
        }
        Ok(self.dir.join(format!("{slug}.json")))
    }

    /// Writes `manifest` into the cache as `<slug>.json`: pretty JSON with a trailing newline,
    /// written beside the file and renamed over it (never half a file), and only when its
    /// content changed. Returns the file's path.
    pub fn store(&self, manifest: &Manifest) -> Result<PathBuf, Error> {
        let path = self.path_for(&manifest.slug)?;
        let pretty = serde_json::to_string_pretty(manifest).map_err(|e| Error::Io {
            path: path.clone(),
            source: io::Error::other(e),
        })? + "\n";
        write_if_changed(&path, pretty.as_bytes())?;
        Ok(path)
    }

    /// The names of the `*.json` files in the cache without the extension, sorted (none when
    /// the directory is missing): the slugs it holds, and any file misnamed for one.
    pub fn cached_slugs(&self) -> Vec<String> {
        let mut slugs: Vec<String> = fs::read_dir(&self.dir)
            .into_iter()
            .flatten()
            .filter_map(|entry| {
                let name = entry.ok()?.file_name().into_string().ok()?;
                name.strip_suffix(".json").map(str::to_owned)
            })
            .collect();
        slugs.sort();
        slugs
    }

    /// The cached slug closest to `slug` when one is close enough to be a typo of it
    /// (`charter-handvoer` -> `charter-handover`): what "did you mean" suggests.
    ///
    /// ```
    /// # let dir = std::env::temp_dir().join(format!("craftkit-doc-closest-{}", std::process::id()));
    /// # std::fs::create_dir_all(&dir).unwrap();
    /// # std::fs::write(dir.join("charter-handover.json"), "{}").unwrap();
    /// let source = craftkit_codegen::ManifestSource::new(&dir);
    /// assert_eq!(source.closest_slug("charter-handvoer").as_deref(), Some("charter-handover"));
    /// assert_eq!(source.closest_slug("invoice"), None);
    /// # std::fs::remove_dir_all(&dir).unwrap();
    /// ```
    pub fn closest_slug(&self, slug: &str) -> Option<String> {
        let slugs = self.cached_slugs();
        crate::suggest::closest(slug, slugs.iter().map(String::as_str)).map(str::to_owned)
    }

    /// Reads the overrides file of this cache, `config.toml` beside the cache directory
    /// (`.craftkit/config.toml` for `.craftkit/manifests/`), and checks that every
    /// `[template.<slug>]` in it names a cached manifest (else an error with the closest
    /// cached slug). No file is the empty configuration.
    pub fn config(&self) -> Result<LoadedConfig, Error> {
        self.config_also_for(&[])
    }

    /// [`config`](Self::config), accepting `[template.<slug>]` also for each of `slugs`, which
    /// the cache need not hold: the templates about to be published (`cargo craftkit push`),
    /// whose overrides are written before there is anything to pull.
    ///
    /// ```
    /// # let dir = std::env::temp_dir().join(format!("craftkit-doc-config-{}", std::process::id()));
    /// # std::fs::create_dir_all(dir.join("manifests")).unwrap();
    /// std::fs::write(dir.join("config.toml"), "[template.site-visit]\nderives = [\"Hash\"]\n")?;
    /// let source = craftkit_codegen::ManifestSource::new(dir.join("manifests"));
    /// assert!(source.config().is_err(), "no manifest of `site-visit` is cached");
    /// let config = source.config_also_for(&["site-visit"])?;
    /// assert_eq!(config.config.for_template("site-visit").derives, ["Hash"]);
    /// # std::fs::remove_dir_all(&dir).unwrap();
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn config_also_for(&self, slugs: &[&str]) -> Result<LoadedConfig, Error> {
        let path = crate::config::config_path(&self.dir);
        let text = match fs::read_to_string(&path) {
            Ok(text) => text,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                return Ok(LoadedConfig::default());
            }
            Err(source) => return Err(Error::Io { path, source }),
        };
        let config = crate::Config::from_toml(&text, &path)?;
        let cached = self.cached_slugs();
        for slug in config.template.keys() {
            if !cached.contains(slug) && !slugs.contains(&slug.as_str()) {
                let known = cached
                    .iter()
                    .map(String::as_str)
                    .chain(slugs.iter().copied());
                let hint = crate::suggest::closest(slug, known)
                    .map_or_else(String::new, |c| format!("did you mean `{c}`? "));
                let message = format!(
                    "[template.{slug}]: no manifest of `{slug}` in {}; {hint}fix the slug, or pull the template with `cargo craftkit pull {slug}`",
                    self.dir.display()
                );
                let (position, message) = match crate::config_span::template_key(&text, slug) {
                    Some(span) => {
                        let (at, quoted) = crate::config_span::snippet(&text, span);
                        (Some(at), format!("{message}{quoted}"))
                    }
                    None => (None, message),
                };
                return Err(Error::ConfigFile {
                    path,
                    position,
                    message,
                });
            }
        }
        Ok(LoadedConfig {
            path: Some(path),
            config,
            text: Some(text),
        })
    }

    /// Reads and validates the manifest of `slug` from the cache, fetching it first when it is
    /// missing and a fetcher is set.
    pub fn load(&self, slug: &str) -> Result<LoadedManifest, Error> {
        let path = self.path_for(slug)?;
        let text = match fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == io::ErrorKind::NotFound => match &self.fetcher {
                None => {
                    return Err(Error::NotFound {
                        slug: slug.to_owned(),
                        path,
                        did_you_mean: self.closest_slug(slug),
                    });
                }
                Some(fetcher) => {
                    let text = fetcher.fetch(slug).map_err(|message| Error::Fetch {
                        slug: slug.to_owned(),
                        message,
                    })?;
                    let tree = parse(&text, &path, slug)?;
                    let path = self.store(tree.manifest())?;
                    return Ok(LoadedManifest { path, tree });
                }
            },
            Err(source) => return Err(Error::Io { path, source }),
        };
        let tree = parse(&text, &path, slug)?;
        Ok(LoadedManifest { path, tree })
    }
}

fn parse(text: &str, path: &Path, slug: &str) -> Result<Tree, Error> {
    let tree = Tree::from_json(text).map_err(|error| Error::Manifest {
        path: Some(path.to_owned()),
        error,
    })?;
    if tree.manifest().slug != slug {
        return Err(Error::SlugMismatch {
            expected: slug.to_owned(),
            found: tree.into_manifest().slug,
            path: path.to_owned(),
        });
    }
    Ok(tree)
}

fn is_workspace_root(dir: &Path) -> bool {
    fs::read_to_string(dir.join("Cargo.toml"))
        .is_ok_and(|toml| toml.lines().any(|l| l.trim() == "[workspace]"))
}

/// Writes `contents` to `path` unless the file already holds exactly that, so that an
/// unchanged output keeps its modification time and rebuilds nothing. The write goes to a
/// temporary file in the same directory and is renamed over the target: a reader never sees
/// half a file.
pub(crate) fn write_if_changed(path: &Path, contents: &[u8]) -> Result<bool, Error> {
    if fs::read(path).is_ok_and(|old| old == contents) {
        return Ok(false);
    }
    let io_error = |source| Error::Io {
        path: path.to_owned(),
        source,
    };
    let dir = path.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(dir).map_err(io_error)?;
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{file_name}.{}.tmp", std::process::id()));
    let result = (|| {
        let mut file = fs::File::create(&tmp)?;
        file.write_all(contents)?;
        file.sync_all()?;
        fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result.map_err(io_error)?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fresh directory under the system's temporary directory.
    fn scratch(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("craftkit-source-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn the_crate_cache_comes_first_then_the_workspace_root() {
        let ws = scratch("lookup");
        fs::write(
            ws.join("Cargo.toml"),
            "[workspace]\nmembers = [\"member\"]\n",
        )
        .unwrap();
        fs::create_dir_all(ws.join("member/src")).unwrap();
        fs::create_dir_all(ws.join(DEFAULT_DIR)).unwrap();
        let member = ws.join("member");
        assert_eq!(
            ManifestSource::resolve(&member, None).dir(),
            ws.join(DEFAULT_DIR)
        );
        fs::create_dir_all(member.join(DEFAULT_DIR)).unwrap();
        assert_eq!(
            ManifestSource::resolve(&member, None).dir(),
            member.join(DEFAULT_DIR)
        );
        assert_eq!(
            ManifestSource::resolve(&member, Some("elsewhere".into())).dir(),
            member.join("elsewhere")
        );
        assert_eq!(
            ManifestSource::resolve(&member, Some("/abs".into())).dir(),
            Path::new("/abs")
        );
        fs::remove_dir_all(ws).unwrap();
    }

    #[test]
    fn the_search_stops_at_the_workspace_root() {
        let outer = scratch("stop");
        fs::create_dir_all(outer.join(DEFAULT_DIR)).unwrap();
        let ws = outer.join("ws");
        fs::create_dir_all(&ws).unwrap();
        fs::write(ws.join("Cargo.toml"), "[workspace]\n").unwrap();
        let member = ws.join("member");
        fs::create_dir_all(&member).unwrap();
        // nothing in the crate or the workspace: the crate's own (missing) directory, named in errors
        assert_eq!(
            ManifestSource::resolve(&member, None).dir(),
            member.join(DEFAULT_DIR)
        );
        fs::remove_dir_all(outer).unwrap();
    }

    /// A slug the cache lacks, close to one it holds, is answered with the one it holds.
    #[test]
    fn a_missing_slug_suggests_the_closest_cached_one() {
        let dir = scratch("did-you-mean");
        fs::create_dir_all(&dir).unwrap();
        fs::write(dir.join("charter-handover.json"), "{}").unwrap();
        fs::write(dir.join("invoice.json"), "{}").unwrap();
        let source = ManifestSource::new(&dir);
        let error = source.load("charter-handvoer").unwrap_err();
        assert!(matches!(
            &error,
            Error::NotFound { did_you_mean: Some(s), .. } if s == "charter-handover"
        ));
        let message = error.to_string();
        assert!(
            message.contains("did you mean `charter-handover` (cached)?")
                && message.contains("cargo craftkit pull charter-handvoer"),
            "{message}"
        );
        let error = source.load("receipt").unwrap_err();
        assert!(matches!(
            error,
            Error::NotFound {
                did_you_mean: None,
                ..
            }
        ));
        assert!(!error.to_string().contains("did you mean"));
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn slugs_cannot_name_files_outside_the_cache() {
        let source = ManifestSource::new("/cache");
        assert!(matches!(
            source.path_for("../etc/passwd"),
            Err(Error::InvalidSlug(_))
        ));
        assert!(matches!(source.path_for("a/b"), Err(Error::InvalidSlug(_))));
        assert_eq!(
            source.path_for("invoice").unwrap(),
            Path::new("/cache/invoice.json")
        );
    }

    struct Fixed(&'static str);

    impl Fetch for Fixed {
        fn fetch(&self, _slug: &str) -> Result<String, String> {
            Ok(self.0.to_owned())
        }
    }

    #[test]
    fn a_fetched_manifest_is_validated_and_cached() {
        let dir = scratch("fetch");
        let json =
            r#"{"slug":"greeting","version":1,"pipeline":"html","variables":[],"x-extra":1}"#;
        let source = ManifestSource::new(&dir).with_fetcher(Fixed(json));
        let loaded = source.load("greeting").unwrap();
        let cached = fs::read_to_string(dir.join("greeting.json")).unwrap();
        assert!(
            cached.ends_with("}\n") && !cached.contains("x-extra"),
            "{cached}"
        );
        assert_eq!(&Manifest::from_json(&cached).unwrap(), loaded.manifest());
        let wrong = ManifestSource::new(&dir).with_fetcher(Fixed(json));
        assert!(matches!(
            wrong.load("other"),
            Err(Error::SlugMismatch { .. })
        ));
        assert!(
            !dir.join("other.json").exists(),
            "a manifest of the wrong template is not cached"
        );
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn unchanged_content_is_not_rewritten() {
        let dir = scratch("write");
        let path = dir.join("out.rs");
        assert!(write_if_changed(&path, b"one").unwrap());
        assert!(!write_if_changed(&path, b"one").unwrap());
        assert!(write_if_changed(&path, b"two").unwrap());
        assert_eq!(fs::read(&path).unwrap(), b"two");
        assert_eq!(
            fs::read_dir(&dir).unwrap().count(),
            1,
            "no temporary file is left behind"
        );
        fs::remove_dir_all(dir).unwrap();
    }
}
