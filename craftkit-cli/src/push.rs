//! `cargo craftkit push`: templates kept in the repository (`.craftkit/templates/<slug>.json`)
//! to the API as drafts, each with what changes against its published version; published on
//! request, and then cached as `pull` caches.

use std::path::{Path, PathBuf};

use craftkit_codegen::{LoadedConfig, ManifestSource, Options};
use craftkit_core::manifest::{Manifest, is_valid_slug};
use craftkit_runtime::client::{Client, TemplateDraft};

use crate::api::Api;
use crate::check::Diff;
use crate::{Failure, cache, pull};

/// The arguments of `push`.
#[derive(clap::Args, Debug)]
pub(crate) struct Args {
    /// The templates to push, each from `<TEMPLATES_DIR>/<SLUG>.json` (default: every .json file
    /// there).
    pub slugs: Vec<String>,
    /// Publish each draft after saving it, and cache the published manifest. Refused, for all
    /// of them, when one would break code generated from its published version.
    #[arg(long)]
    pub publish: bool,
    /// With --publish: publish breaking changes too.
    #[arg(long, requires = "publish")]
    pub allow_breaking: bool,
    /// The directory of the template files (default: `templates` beside the manifest cache,
    /// .craftkit/templates).
    #[arg(long)]
    pub templates_dir: Option<PathBuf>,
    #[command(flatten)]
    pub cache: cache::Dir,
    #[command(flatten)]
    pub api: Api,
}

/// What a saved draft changes against the published version.
enum Change {
    /// The template was never published.
    New,
    /// The draft is the published manifest, to the last field.
    Unchanged { version: u64 },
    /// The draft differs; `breaking` for code generated from the published version.
    Changed { breaking: bool },
}

/// Reads and checks every template file first (nothing is sent while one is wrong), saves each
/// as a draft and prints what it changes, then publishes them with `--publish` unless one
/// breaks code and `--allow-breaking` is not given.
pub(crate) async fn run(args: Args) -> Result<(), Failure> {
    let source = args.cache.source();
    let dir = args
        .templates_dir
        .clone()
        .unwrap_or_else(|| default_dir(&source));
    let drafts = read_drafts(&dir, &args.slugs)?;
    let client = args.api.client()?;
    // The overrides decide the Rust names, as they do for `check`, the macro and the Builder.
    // Those of a template being pushed count even when it is not cached: a template's first
    // push publishes it, and until then there is nothing to pull.
    let pushed: Vec<&str> = drafts.iter().map(TemplateDraft::slug).collect();
    let config = source
        .config_also_for(&pushed)
        .map_err(|e| Failure::input(e.to_string()))?;

    let mut saved = Vec::with_capacity(drafts.len());
    for draft in drafts {
        let slug = draft.slug().to_owned();
        let published = published(&client, &slug).await?;
        // A published template takes a new draft only with `replace`; a never-published one
        // either way. Sent only when the GET found one, so a template published in between
        // is a `409` rather than a replacement nobody compared.
        let stored = client
            .create_template(&draft.replace(published.is_some()))
            .await
            .map_err(|e| Failure::input(format!("{slug}: the draft was not saved: {e}")))?;
        let change = match &published {
            None => {
                println!("{slug}: new template: draft saved (nothing published yet)");
                Change::New
            }
            Some(published) => compare(&slug, published, stored, &config)?,
        };
        saved.push((slug, change));
    }

    if !args.publish {
        println!("drafts saved, not published: pass --publish to publish them");
        return Ok(());
    }
    let refused: Vec<&str> = saved
        .iter()
        .filter(|(_, change)| matches!(change, Change::Changed { breaking: true }))
        .map(|(slug, _)| slug.as_str())
        .collect();
    if !refused.is_empty() && !args.allow_breaking {
        return Err(Failure::failed(format!(
            "nothing was published: {} would break code generated from the published version \
             (the changes are listed above). The drafts are saved: update that code, then run \
             again with --allow-breaking to publish anyway",
            refused.join(", ")
        )));
    }
    for (slug, change) in &saved {
        if let Change::Unchanged { version } = change {
            println!("{slug}: not published again: the draft is published version {version}");
            continue;
        }
        let live = client
            .publish_template(slug)
            .await
            .map_err(|e| Failure::input(format!("{slug}: not published: {e}")))?;
        let stored = pull::store(&source, slug, &live)?;
        println!(
            "{slug}: published version {}; cached manifest {stored}",
            live.version
        );
    }
    Ok(())
}

/// `templates` in the directory that holds the manifest cache, as `config.toml` is:
/// `.craftkit/templates` beside `.craftkit/manifests`.
fn default_dir(source: &ManifestSource) -> PathBuf {
    source.dir().parent().map_or_else(
        || PathBuf::from("templates"),
        |parent| parent.join("templates"),
    )
}

/// The drafts of `slugs` (every `.json` file of `dir` when none is named), each checked; every
/// problem of every file in one failure.
fn read_drafts(dir: &Path, slugs: &[String]) -> Result<Vec<TemplateDraft>, Failure> {
    if !dir.is_dir() {
        return Err(Failure::input(format!(
            "no template directory {}: write each template's manifest there as <slug>.json \
             (or pass --templates-dir)",
            dir.display()
        )));
    }
    let mut wanted: Vec<String> = Vec::new();
    if slugs.is_empty() {
        wanted = files(dir)?;
        if wanted.is_empty() {
            return Err(Failure::input(format!(
                "no template files in {}: write each template's manifest there as <slug>.json",
                dir.display()
            )));
        }
    } else {
        for slug in slugs {
            if !wanted.contains(slug) {
                wanted.push(slug.clone());
            }
        }
    }
    let mut drafts = Vec::with_capacity(wanted.len());
    let mut problems = Vec::new();
    for slug in &wanted {
        match read_draft(dir, slug) {
            Ok(draft) => drafts.push(draft),
            Err(problem) => problems.push(problem),
        }
    }
    if problems.is_empty() {
        Ok(drafts)
    } else {
        problems.push("nothing was pushed".to_owned());
        Err(Failure::input(problems.join("\n")))
    }
}

/// The names of the `.json` files in `dir`, without the extension, sorted.
fn files(dir: &Path) -> Result<Vec<String>, Failure> {
    let entries =
        std::fs::read_dir(dir).map_err(|e| Failure::input(format!("{}: {e}", dir.display())))?;
    let mut names = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| Failure::input(format!("{}: {e}", dir.display())))?;
        if !entry.file_type().is_ok_and(|t| t.is_file()) {
            continue;
        }
        if let Some(name) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.strip_suffix(".json"))
        {
            names.push(name.to_owned());
        }
    }
    names.sort();
    Ok(names)
}

/// The draft in `<dir>/<slug>.json`, or what is wrong with the file, naming it.
fn read_draft(dir: &Path, slug: &str) -> Result<TemplateDraft, String> {
    let path = dir.join(format!("{slug}.json"));
    if !is_valid_slug(slug) {
        return Err(format!(
            "{}: `{}` is not a template slug: name the file <slug>.json, the slug being 1 to 64 \
             lowercase ASCII letters, digits and `-`, starting with a letter or digit",
            path.display(),
            slug.escape_debug()
        ));
    }
    let text = crate::files::read_text(&path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => {
            let did_you_mean = files(dir)
                .ok()
                .and_then(|names| {
                    craftkit_core::suggest::closest(slug, names.iter().map(String::as_str))
                        .map(|close| format!(" (did you mean `{close}`?)"))
                })
                .unwrap_or_default();
            format!(
                "{}: no such file{did_you_mean}: write the manifest of `{slug}` there",
                path.display()
            )
        }
        _ => format!("{}: {e}", path.display()),
    })?;
    let draft = TemplateDraft::from_json(&text).map_err(|e| cache::located(&path, &text, &e))?;
    if draft.slug() != slug {
        return Err(format!(
            "{}: the file is named for `{slug}` but the manifest's slug is `{}`: rename the file \
             to {}.json, or set its \"slug\" to \"{slug}\"",
            path.display(),
            draft.slug(),
            draft.slug()
        ));
    }
    Ok(draft)
}

/// The published manifest of `slug`; `None` when there is none (`404`: unknown, or a draft).
async fn published(client: &Client, slug: &str) -> Result<Option<Manifest>, Failure> {
    match client.template(slug).await {
        Ok(fetch) => Ok(Some(fetch.manifest)),
        Err(error) if error.status() == Some(404) => Ok(None),
        Err(error) => Err(Failure::input(format!(
            "{slug}: the published version could not be read: {error}"
        ))),
    }
}

/// Prints what the saved draft `stored` changes against `published`, as `check` prints it
/// (Rust names included).
fn compare(
    slug: &str,
    published: &Manifest,
    stored: Manifest,
    config: &LoadedConfig,
) -> Result<Change, Failure> {
    // The fields the server sets are not the draft's changes.
    let draft = Manifest {
        version: published.version,
        status: published.status,
        updated_at: published.updated_at.clone(),
        ..stored
    };
    let tree = |manifest: &Manifest| {
        manifest
            .tree()
            .map_err(|e| Failure::input(format!("{slug}: {e}")))
    };
    let options = Options::default().with_overrides(config.config.for_template(slug));
    let diff = Diff::new(slug, &tree(published)?, &tree(&draft)?, &options, config)?;
    diff.print(
        slug,
        &format!("published version {}, draft", published.version),
    );
    Ok(if diff.differs() {
        Change::Changed {
            breaking: diff.is_breaking(),
        }
    } else {
        Change::Unchanged {
            version: published.version,
        }
    })
}
