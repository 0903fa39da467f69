//! `cargo craftkit schema`: a cached manifest as a JSON Schema of its `data`.

use std::path::PathBuf;

use crate::{Failure, cache};

pub(crate) fn run(slug: &str, dir: Option<PathBuf>) -> Result<(), Failure> {
    let source = cache::source(dir);
    let tree = cache::require(&source, slug)?;
    let schema = craftkit_codegen::schema::json_schema_from_tree(&tree);
    let text = serde_json::to_string_pretty(&schema).map_err(|e| Failure::input(e.to_string()))?;
    println!("{text}");
    Ok(())
}
