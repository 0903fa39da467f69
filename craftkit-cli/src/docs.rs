//! `cargo craftkit docs`: one Markdown page per cached template.

use std::path::PathBuf;

use crate::{Failure, cache};

/// The arguments of `docs`.
#[derive(clap::Args, Debug)]
pub(crate) struct Args {
    /// The templates (default: every cached one).
    pub slugs: Vec<String>,
    /// The directory to write `<slug>.md` into.
    #[arg(short, long, required = true)]
    pub output: PathBuf,
    #[command(flatten)]
    pub cache: cache::Dir,
}

/// Writes `<slug>.md` for each template into the output directory, printing each path.
pub(crate) fn run(args: Args) -> Result<(), Failure> {
    let source = args.cache.source();
    let output = &args.output;
    let slugs = if args.slugs.is_empty() {
        source.cached_slugs()
    } else {
        args.slugs
    };
    if slugs.is_empty() {
        return Err(Failure::input(format!(
            "no cached manifests in {}",
            source.dir().display()
        )));
    }
    std::fs::create_dir_all(output)
        .map_err(|e| Failure::input(format!("{}: {e}", output.display())))?;
    for slug in &slugs {
        let tree = cache::require(&source, slug)?;
        let page =
            craftkit_codegen::markdown::page(&tree).map_err(|e| Failure::input(e.to_string()))?;
        let path = output.join(format!("{slug}.md"));
        std::fs::write(&path, page)
            .map_err(|e| Failure::input(format!("{}: {e}", path.display())))?;
        println!("{}", path.display());
    }
    Ok(())
}
