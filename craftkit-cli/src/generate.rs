//! `cargo craftkit generate`: the bindings the macro and the Builder produce, as files.

use std::path::PathBuf;

use craftkit_codegen::{Options, generate};

use crate::{Failure, cache};

/// The arguments of `generate`.
#[derive(clap::Args, Debug)]
pub(crate) struct Args {
    /// The templates.
    #[arg(required = true)]
    pub slugs: Vec<String>,
    /// A file (all templates in it) or an existing directory (one `<slug>.rs` each);
    /// standard output when absent.
    #[arg(short, long)]
    pub output: Option<PathBuf>,
    #[command(flatten)]
    pub cache: cache::Dir,
}

/// Generates the bindings of each template, as the macro would, and writes them out.
pub(crate) fn run(args: Args) -> Result<(), Failure> {
    let source = args.cache.source();
    // `.craftkit/config.toml` beside the cache: the same overrides as the macro's and the
    // Builder's, so the files are what they would generate.
    let config = source.config().map_err(|e| Failure::input(e.to_string()))?;
    let mut files = Vec::new();
    for slug in &args.slugs {
        let tree = cache::require(&source, slug)?;
        let options = Options::default().with_overrides(config.config.for_template(slug));
        // A problem that `.craftkit/config.toml` gave is printed at its line there.
        let generated = generate(&tree, &options)
            .map_err(|e| Failure::input(config.point_at_lines(e).to_string()))?;
        for warning in &generated.warnings {
            eprintln!("warning: {slug}: {warning}");
        }
        files.push((slug.clone(), generated.to_file_string()));
    }
    match args.output {
        Some(dir) if dir.is_dir() => {
            for (slug, text) in &files {
                let path = dir.join(format!("{slug}.rs"));
                std::fs::write(&path, text)
                    .map_err(|e| Failure::input(format!("{}: {e}", path.display())))?;
                println!("{}", path.display());
            }
        }
        Some(file) => {
            let text: String = files
                .iter()
                .map(|(_, t)| t.as_str())
                .collect::<Vec<_>>()
                .join("\n");
            std::fs::write(&file, text)
                .map_err(|e| Failure::input(format!("{}: {e}", file.display())))?;
            println!("{}", file.display());
        }
        None => {
            for (_, text) in &files {
                print!("{text}");
            }
        }
    }
    Ok(())
}
