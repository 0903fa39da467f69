//! The `build.rs` front end, in the style of `prost-build`.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::source::{ManifestSource, write_if_changed};
use crate::{Error, Options, generate};

/// Generates bindings for several templates from a build script.
///
/// Each template becomes `OUT_DIR/<slug>.rs`, and all of them together `OUT_DIR/craftkit.rs`:
///
/// ```no_run
/// // build.rs
/// fn main() -> Result<(), craftkit_codegen::Error> {
///     craftkit_codegen::Builder::new()
///         .templates(["charter-handover", "invoice"])
///         .generate()
/// }
/// ```
///
/// ```ignore
/// // src/lib.rs: the types `CharterHandover` and `Invoice`, with their modules
/// include!(concat!(env!("OUT_DIR"), "/craftkit.rs"));
/// ```
///
/// Manifests come from the cache (`.craftkit/manifests/` under the crate's root, else under
/// the workspace root, or `$CRAFTKIT_MANIFEST_DIR`); the build script reruns when one of them
/// or that variable changes, and files are only written when their content changes.
#[derive(Debug, Clone, Default)]
pub struct Builder {
    templates: Vec<String>,
    manifest_dir: Option<PathBuf>,
    out_dir: Option<PathBuf>,
    file_name: Option<String>,
    docs_dir: Option<PathBuf>,
    quiet: bool,
    config: crate::Config,
}

impl Builder {
    /// A builder with no templates.
    pub fn new() -> Builder {
        Builder::default()
    }

    /// Adds a template by slug.
    ///
    /// ```
    /// let mut builder = craftkit_codegen::Builder::new();
    /// builder.template("charter-handover").template("invoice");
    /// ```
    pub fn template(&mut self, slug: impl AsRef<str>) -> &mut Builder {
        let slug = slug.as_ref().to_owned();
        if !self.templates.contains(&slug) {
            self.templates.push(slug);
        }
        self
    }

    /// Adds several templates by slug.
    ///
    /// ```
    /// craftkit_codegen::Builder::new().templates(["charter-handover", "invoice"]);
    /// ```
    pub fn templates<I, S>(&mut self, slugs: I) -> &mut Builder
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        for slug in slugs {
            self.template(slug);
        }
        self
    }

    /// Reads manifests from `dir` (relative paths are taken from the crate's root) instead of
    /// the default cache.
    ///
    /// ```
    /// craftkit_codegen::Builder::new().manifest_dir("manifests").template("invoice");
    /// ```
    pub fn manifest_dir(&mut self, dir: impl Into<PathBuf>) -> &mut Builder {
        self.manifest_dir = Some(dir.into());
        self
    }

    /// Writes into `dir` instead of `$OUT_DIR`.
    ///
    /// ```
    /// craftkit_codegen::Builder::new().out_dir("src/generated").template("invoice");
    /// ```
    pub fn out_dir(&mut self, dir: impl Into<PathBuf>) -> &mut Builder {
        self.out_dir = Some(dir.into());
        self
    }

    /// Names the file holding every template (`craftkit.rs` by default).
    ///
    /// ```
    /// craftkit_codegen::Builder::new().file_name("templates.rs").template("invoice");
    /// ```
    pub fn file_name(&mut self, name: impl AsRef<str>) -> &mut Builder {
        self.file_name = Some(name.as_ref().to_owned());
        self
    }

    /// Also writes one Markdown page per template into `dir` (relative paths are taken from
    /// the crate's root): the same pages as `cargo craftkit docs`.
    ///
    /// ```
    /// craftkit_codegen::Builder::new().docs_dir("docs/templates").template("invoice");
    /// ```
    pub fn docs_dir(&mut self, dir: impl Into<PathBuf>) -> &mut Builder {
        self.docs_dir = Some(dir.into());
        self
    }

    /// Stops [`generate`](Builder::generate) from printing `cargo:` lines (for use outside
    /// a build script).
    ///
    /// ```
    /// craftkit_codegen::Builder::new().quiet(true).template("invoice");
    /// ```
    pub fn quiet(&mut self, quiet: bool) -> &mut Builder {
        self.quiet = quiet;
        self
    }

    /// Adds overrides on top of `.craftkit/config.toml` (the file beside the manifest cache,
    /// which the Builder reads and makes Cargo track): the same settings, in Rust.
    ///
    /// ```
    /// use craftkit_codegen::{Builder, Config, FieldConfig, TemplateConfig};
    ///
    /// let mut builder = Builder::new();
    /// builder.template("invoice").config(
    ///     Config::new()
    ///         .derive("Hash")
    ///         .replace("date", "chrono::NaiveDate")
    ///         .template(
    ///             "invoice",
    ///             TemplateConfig::new().field(
    ///                 "lines[].amount",
    ///                 FieldConfig::new()
    ///                     .ty("rust_decimal::Decimal")
    ///                     .with("rust_decimal::serde::float"),
    ///             ),
    ///         ),
    /// );
    /// ```
    pub fn config(&mut self, config: crate::Config) -> &mut Builder {
        self.config.merge(config);
        self
    }

    /// Generates every template and returns the code of all of them as one formatted file,
    /// touching no file and printing nothing. Reads the manifests.
    pub fn to_source(&self) -> Result<String, Error> {
        Ok(self.generate_all(&self.source(&crate_root())?)?.1)
    }

    /// Generates every template into the output directory, printing the `cargo:` lines that
    /// make Cargo rerun the build script when a manifest or the cache location changes.
    pub fn generate(&self) -> Result<(), Error> {
        self.generate_to(&mut std::io::stdout().lock())
    }

    /// As [`generate`](Builder::generate), writing the `cargo:` lines to `out` instead of
    /// standard output (nothing with [`quiet`](Builder::quiet)).
    ///
    /// ```no_run
    /// let mut lines = Vec::new();
    /// craftkit_codegen::Builder::new().template("invoice").out_dir("/tmp/gen").generate_to(&mut lines)?;
    /// assert!(String::from_utf8(lines).unwrap().contains("cargo:rerun-if-changed="));
    /// # Ok::<(), craftkit_codegen::Error>(())
    /// ```
    pub fn generate_to(&self, out: &mut impl Write) -> Result<(), Error> {
        let root = crate_root();
        let out_dir = match &self.out_dir {
            Some(dir) => root.join(dir),
            None => std::env::var_os("OUT_DIR").map(PathBuf::from).ok_or_else(|| {
                Error::Config("OUT_DIR is not set: call Builder::generate from build.rs, or set .out_dir(...)".into())
            })?,
        };
        let source = self.source(&root)?;
        let mut say = |line: String| -> Result<(), Error> {
            if self.quiet {
                return Ok(());
            }
            writeln!(out, "{line}").map_err(|source| Error::Io {
                path: PathBuf::from("<cargo output>"),
                source,
            })
        };
        for var in ManifestSource::env_vars() {
            say(format!("cargo:rerun-if-env-changed={var}"))?;
        }
        // Printed before reading, so that a missing manifest reruns the script once it exists.
        for slug in &self.templates {
            if let Ok(path) = source.path_for(slug) {
                say(format!("cargo:rerun-if-changed={}", path.display()))?;
            }
        }
        // The overrides file; when there is none, its directory, so that creating it reruns
        // the script (a path that does not exist would rerun it on every build).
        let config_path = crate::config::config_path(source.dir());
        if config_path.is_file() {
            say(format!("cargo:rerun-if-changed={}", config_path.display()))?;
        } else if let Some(dir) = config_path.parent().filter(|d| d.is_dir()) {
            say(format!("cargo:rerun-if-changed={}", dir.display()))?;
        }
        let (files, all) = self.generate_all(&source)?;
        for TemplateFile {
            slug,
            text,
            warnings,
        } in files
        {
            for warning in warnings {
                say(format!(
                    "cargo:warning=craftkit template `{slug}`: {warning}"
                ))?;
            }
            write_if_changed(&out_dir.join(format!("{slug}.rs")), text.as_bytes())?;
        }
        let file_name = self.file_name.as_deref().unwrap_or("craftkit.rs");
        write_if_changed(&out_dir.join(file_name), all.as_bytes())?;
        if let Some(dir) = &self.docs_dir {
            let dir = root.join(dir);
            for slug in &self.templates {
                let page = crate::markdown::page(&source.load(slug)?.tree)?;
                write_if_changed(&dir.join(format!("{slug}.md")), page.as_bytes())?;
            }
        }
        Ok(())
    }

    fn source(&self, crate_root: &Path) -> Result<ManifestSource, Error> {
        if self.templates.is_empty() {
            return Err(Error::Config(
                "the Builder has no templates: add some with .template(\"slug\")".into(),
            ));
        }
        Ok(match &self.manifest_dir {
            Some(dir) => ManifestSource::new(crate_root.join(dir)),
            None => ManifestSource::for_crate(crate_root),
        })
    }

    /// Each template's file, and the file of all of them.
    fn generate_all(&self, source: &ManifestSource) -> Result<(Vec<TemplateFile>, String), Error> {
        let mut files = Vec::new();
        let mut bodies = Vec::new();
        let file = source.config()?;
        let mut config = file.config.clone();
        config.merge(self.config.clone());
        for slug in &self.templates {
            let loaded = source.load(slug)?;
            let options = Options::default().with_overrides(config.for_template(slug));
            // A problem that `.craftkit/config.toml` gave names its line there.
            let generated = generate(&loaded.tree, &options).map_err(|e| file.point_at_lines(e))?;
            let warnings = generated.warnings.iter().map(ToString::to_string).collect();
            // Formatted once, for its own file and for the file of all templates.
            let body = generated.body();
            files.push(TemplateFile {
                slug: slug.clone(),
                text: generated.file_with_body(&body),
                warnings,
            });
            bodies.push(body);
        }
        let what = format!("templates {}", self.templates.join(", "));
        let all = crate::format::file(bodies.iter().map(String::as_str), &what);
        Ok((files, all))
    }
}

/// One template's generated file.
struct TemplateFile {
    slug: String,
    /// The formatted file.
    text: String,
    /// What the user should know, as `cargo:warning` text.
    warnings: Vec<String>,
}

/// The crate being built: `$CARGO_MANIFEST_DIR`, or the current directory outside Cargo.
fn crate_root() -> PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR").map_or_else(|| PathBuf::from("."), PathBuf::from)
}
