//! `cargo craftkit generate`: the bindings the macro and the Builder produce, as files.

use std::path::PathBuf;

use craftkit_codegen::{Options, generate_from_tree};

use crate::{Failure, cache};

pub(crate) fn run(
    slugs: &[String],
    output: Option<PathBuf>,
    dir: Option<PathBuf>,
) -> Result<(), Failure> {
    let source = cache::source(dir);
    // `.craftkit/config.toml` beside the cache: the same overrides as the macro's and the
    // Builder's, so the files are what they would generate.
    let config = source
        .config()
        .map_err(|e| Failure::input(e.to_string()))?
        .config;
    let mut files = Vec::new();
    for slug in slugs {
        let tree = cache::require(&source, slug)?;
        let options = Options::default().with_overrides(config.for_template(slug));
        let generated =
            generate_from_tree(&tree, &options).map_err(|e| Failure::input(e.to_string()))?;
        for warning in &generated.warnings {
            eprintln!("warning: {slug}: {warning}");
        }
        files.push((slug.clone(), generated.to_file_string()));
    }
    match output {
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
