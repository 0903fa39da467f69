//! `cargo craftkit docs`: one Markdown page per cached template.

use std::path::{Path, PathBuf};

use crate::{Failure, cache};

pub(crate) fn run(slugs: Vec<String>, output: &Path, dir: Option<PathBuf>) -> Result<(), Failure> {
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
    std::fs::create_dir_all(output)
        .map_err(|e| Failure::input(format!("{}: {e}", output.display())))?;
    for slug in &slugs {
        let tree = cache::require(&source, slug)?;
        let page = craftkit_codegen::markdown::page_from_tree(&tree)
            .map_err(|e| Failure::input(e.to_string()))?;
        let path = output.join(format!("{slug}.md"));
        std::fs::write(&path, page)
            .map_err(|e| Failure::input(format!("{}: {e}", path.display())))?;
        println!("{}", path.display());
    }
    Ok(())
}
