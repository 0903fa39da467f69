//! `cargo craftkit schema`: a cached manifest as a JSON Schema of its `data`.

use crate::{Failure, cache};

/// The arguments of `schema`.
#[derive(clap::Args, Debug)]
pub(crate) struct Args {
    /// The template.
    pub slug: String,
    #[command(flatten)]
    pub cache: cache::Dir,
}

/// Prints the JSON Schema of the template's `data`.
pub(crate) fn run(args: Args) -> Result<(), Failure> {
    let tree = cache::require(&args.cache.source(), &args.slug)?;
    let schema = craftkit_codegen::schema::json_schema(&tree);
    let text = serde_json::to_string_pretty(&schema).map_err(|e| Failure::input(e.to_string()))?;
    println!("{text}");
    Ok(())
}
